"""HTML pages: the article's headings, paragraphs and tables (th headers, rowspan/colspan resolved)."""

from __future__ import annotations

import re

from .blocks import Block, Document, Table
from .word import _take_caption

_SKIP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "iframe", "svg", "select",
         "input"]
_TEXT_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "br", "td", "caption"}


def read_html(text: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(_SKIP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[Block] = []
    for el in root.find_all(["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "table"]):
        if el.find_parent("table") is not None:
            continue  # a table's cells are read with their table
        if el.name == "table":
            if el.find("table") is not None:
                continue  # a layout table holding another: its inner tables are read on their own
            table = _table(el)
            if table is not None:
                _take_caption(blocks, table)
                blocks.append(Block("table", table.caption, table=table))
            continue
        if el.name == "div" and el.find(["p", "div", "h1", "h2", "h3", "li", "table"]):
            continue
        txt = el.get_text(" ", strip=True)
        if txt:
            blocks.append(Block("heading" if re.fullmatch(r"h[1-6]", el.name) else "paragraph", txt))
    if not blocks:
        blocks = [Block("paragraph", ln) for ln in root.get_text("\n", strip=True).split("\n") if ln.strip()]
    return Document(blocks, {"title": title} if title else {})


def _table(el) -> Table | None:
    grid: dict[tuple[int, int], str] = {}
    header_flags: list[bool] = []
    rows = [tr for tr in el.find_all("tr") if tr.find_parent("table") is el]
    for r, tr in enumerate(rows):
        c = 0
        cells = tr.find_all(["td", "th"], recursive=False)
        header_flags.append(bool(cells) and all(cell.name == "th" for cell in cells) or tr.find_parent("thead") is not None)
        for cell in cells:
            while (r, c) in grid:
                c += 1
            text = re.sub(r"\s+", " ", cell.get_text(" ", strip=True))
            rs, cs = _span(cell.get("rowspan")), _span(cell.get("colspan"))
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text
            c += cs
    if not grid:
        return None
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    matrix = [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
    keep = [i for i, row in enumerate(matrix) if any(row)]
    matrix = [matrix[i] for i in keep]
    if not matrix:
        return None
    from ..tables import header_rows

    flags = [header_flags[i] if i < len(header_flags) else False for i in keep]
    marked = next((i for i, f in enumerate(flags) if not f), len(flags))
    caption_el = el.find("caption")
    caption = caption_el.get_text(" ", strip=True) if caption_el else ""
    return Table(rows=matrix, header_rows=marked if 0 < marked < len(matrix) else header_rows(matrix), caption=caption)


def _span(value) -> int:
    try:
        return max(1, min(int(str(value)), 200))
    except (TypeError, ValueError):
        return 1
