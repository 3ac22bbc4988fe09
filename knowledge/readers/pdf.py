"""PDF: the text layer read with positions (pdfplumber), ruled tables as tables, and pages without a usable
text layer (scans, photos, broken font maps) read by OCR."""

from __future__ import annotations

import io
import re

from ..errors import UnreadableFile
from .blocks import Block, Document, Table
from .layout import Line, join_chars, rebuild, tidy_spaces

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|hei|黑", re.I)
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b-\x1f]")
MIN_TEXT_CHARS = 30  # fewer readable characters than this on a page: it is a scan (or mostly a picture)


def read_pdf(data: bytes, limits, progress=None) -> Document:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        n_pages = len(pdf.pages)
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types in its own
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise UnreadableFile("PDF 已加密，需要密码才能打开：请去掉密码（或“打印”为新的 PDF）后重新发送") from exc
        if isinstance(cause, (PDFSyntaxError, ValueError, KeyError, TypeError, OSError, AttributeError)):
            raise UnreadableFile("PDF 文件已损坏，无法读取：请重新导出或另存为 PDF 后发送") from exc
        raise UnreadableFile(f"PDF 文件无法读取（{type(cause).__name__}）：请重新导出或另存为 PDF 后发送") from exc
    with pdf:
        if n_pages > limits.max_pages:
            raise UnreadableFile(f"PDF 共 {n_pages} 页，超过上限 {limits.max_pages} 页（REPORTBOT_MAX_PAGES）："
                                 "请拆分成几个文件后分别发送")
        pages: list[list[Line]] = []
        heights: list[float] = []
        tables: dict[int, list[tuple[float, Table]]] = {}
        scanned: list[int] = []
        for i, page in enumerate(pdf.pages):
            try:
                lines, page_tables = _read_page(page, i + 1)
            except Exception as exc:  # a page pdfminer cannot parse: read it by OCR instead
                lines, page_tables = [], []
                if not isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):
                    raise
            if needs_ocr(lines, page_tables):
                scanned.append(i)
                lines = []
            pages.append(lines)
            heights.append(float(page.height))
            tables[i] = page_tables
            page.flush_cache()
    if scanned:
        from .ocr import ocr_pdf_pages

        if len(scanned) > limits.max_ocr_pages:
            raise UnreadableFile(f"PDF 有 {len(scanned)} 页是扫描件，超过文字识别上限 {limits.max_ocr_pages} 页"
                                 "（REPORTBOT_MAX_OCR_PAGES）：请拆分后分别发送，或发送带文字层的 PDF")
        for i, (lines, height) in ocr_pdf_pages(data, scanned, limits, progress).items():
            pages[i], heights[i] = lines, height
    blocks, title = rebuild(pages, heights)
    blocks = _place_tables(blocks, pages, tables)
    return Document(blocks, {"title": title} if title else {})


def needs_ocr(lines: list[Line], tables: list) -> bool:
    """A page with (almost) no text, or whose text is mostly glyphs without a character map ("(cid:1234)",
    private-use or control characters: a font embedded without its ToUnicode table), is read as an image."""
    if tables:
        return False
    text = re.sub(r"\s", "", "".join(ln.text for ln in lines))
    bad = len(_GARBAGE.findall(text))
    readable = len(_GARBAGE.sub("", text))
    return readable < MIN_TEXT_CHARS or bad > 0.3 * (bad + readable)


def _read_page(page, number: int) -> tuple[list[Line], list[tuple[float, Table]]]:
    found = page.find_tables() if (page.lines or page.rects) else []
    found = [t for t in found if len(t.rows) >= 2 and len(t.columns) >= 2]
    boxes = [t.bbox for t in found]
    text_page = page.filter(lambda obj: not _inside(obj, boxes)) if boxes else page
    lines = []
    for row in text_page.extract_text_lines(strip=False, return_chars=True):
        chars = [c for c in row["chars"] if c.get("upright", True)]
        if not chars:
            continue
        size = sorted(c["size"] for c in chars)[len(chars) // 2]
        text = join_chars([(c["text"], c["x0"], c["x1"]) for c in chars], size)
        if not text:
            continue
        bold = sum(1 for c in chars if _BOLD_FONT.search(c.get("fontname", ""))) > 0.6 * len(chars)
        lines.append(Line(text=text, x0=row["x0"], x1=row["x1"], top=row["top"], bottom=row["bottom"], size=size,
                          bold=bold, page=number))
    return lines, [(t.bbox[1], _table(t)) for t in found]


def _inside(obj, boxes) -> bool:
    if obj.get("object_type") != "char":
        return False
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _table(found) -> Table:
    """Cells spanning rows or columns come back as None from pdfplumber: each takes the text of the cell covering it."""
    text = found.extract()
    rows = found.rows
    centres: dict[int, float] = {}
    for row in rows:
        for c, box in enumerate(row.cells):
            if box is not None and c not in centres:
                centres[c] = (box[0] + box[2]) / 2
    grid: list[list[str]] = []
    for r, row in enumerate(rows):
        out: list[str] = []
        for c, box in enumerate(row.cells):
            if box is not None:
                out.append(tidy_spaces((text[r][c] or "").replace("\n", "")))
                continue
            left = next((k for k in range(c - 1, -1, -1) if row.cells[k] is not None), None)
            if left is not None and row.cells[left][2] >= centres.get(c, 1e9):
                out.append(out[left])  # spanned from the left
            elif grid and c < len(grid[-1]):
                out.append(grid[-1][c])  # spanned from above
            else:
                out.append("")
        grid.append(out)
    from ..tables import header_rows

    return Table(rows=grid, header_rows=header_rows(grid))


def _place_tables(blocks: list[Block], pages: list[list[Line]], tables: dict[int, list[tuple[float, Table]]]) -> list[Block]:
    """Each table goes after the last block that starts above it on its page; the short line just above
    ("表1 …", "单位：亿元") becomes its caption; a table continued on the next page joins the one before."""
    from .word import _take_caption

    if not any(tables.values()):
        return blocks
    pending = sorted(((page + 1, top, t) for page, ts in tables.items() for top, t in ts), key=lambda x: (x[0], x[1]))
    out: list[Block] = []
    k = 0
    for block in blocks:
        while k < len(pending) and (pending[k][0], pending[k][1]) < (block.page or 0, block.top or 0.0):
            _add_table(out, pending[k])
            k += 1
        out.append(block)
    while k < len(pending):
        _add_table(out, pending[k])
        k += 1
    result: list[Block] = []
    for b in out:
        if b.table is not None and not b.table.caption:
            _take_caption(result, b.table)
            b.text = b.table.caption
        result.append(b)
    return result


def _add_table(out: list[Block], item: tuple[int, float, Table]) -> None:
    page, _, table = item
    last = out[-1] if out else None
    if last is not None and last.table is not None and last.page == page - 1 and \
            len(last.table.rows[0]) == len(table.rows[0]):
        # the same table continued on the next page (its header repeated or not)
        body = table.rows[table.header_rows:] if table.rows[: table.header_rows] == last.table.header else table.rows
        last.table.rows.extend(body)
        return
    out.append(Block("table", "", page=page, table=table))
