"""The typed blocks every reader returns, whatever the format: headings, paragraphs and tables in reading order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """A table with its merged cells resolved: every row has one text per column."""

    rows: list[list[str]]
    header_rows: int = 1  # how many leading rows are headers (0: none found)
    caption: str = ""
    note: str = ""  # a line such as "单位：亿元" standing beside the table

    @property
    def header(self) -> list[list[str]]:
        return self.rows[: self.header_rows]

    @property
    def body(self) -> list[list[str]]:
        return self.rows[self.header_rows:]


@dataclass
class Block:
    kind: str  # heading | paragraph | table
    text: str = ""  # a heading's or paragraph's text; a table's caption
    page: int | None = None  # 1-based page of a PDF or scan; None for formats without pages
    ocr_confidence: float | None = None  # mean recognition confidence when the text came from OCR
    table: Table | None = None
    top: float | None = None  # where on its page the block starts (points), to place tables among the text


@dataclass
class Document:
    blocks: list[Block]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The document as plain lines: a paragraph a line, a table as one line per row."""
        lines: list[str] = []
        for b in self.blocks:
            if b.table is not None:
                if b.table.caption:
                    lines.append(b.table.caption)
                lines.extend(" ".join(c for c in row if c) for row in b.table.rows)
            elif b.text:
                lines.append(b.text)
        return "\n".join(lines)

    @property
    def ocr_pages(self) -> int:
        return len({b.page for b in self.blocks if b.ocr_confidence is not None})


def paragraphs(lines: list[str], page: int | None = None) -> list[Block]:
    return [Block("paragraph", ln, page=page) for ln in lines if ln.strip()]
