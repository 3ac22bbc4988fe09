"""Word documents: .docx read in body order (headings, paragraphs, tables with merged cells resolved);
.doc/.wps/.rtf/.odt converted to .docx by LibreOffice first."""

from __future__ import annotations

import io
import re
import zipfile

from ..errors import UnreadableFile
from .blocks import Block, Document, Table

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(heading|标题|title|subtitle)\s*(\d*)", re.I)
_CAPTION = re.compile(r"^(表\s*[\d一二三四五六七八九十]+|附表|.{0,30}(情况|指标|统计|一览)表?$)|.*表$")


def check_zip(data: bytes, what: str, max_mb: int) -> None:
    """Refuse a corrupt package or one that expands past max_mb (a zip bomb) before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{what} 文件已损坏或不是真正的 {what} 文件：请用 Office/WPS 打开后重新另存为 {what} 发送") from exc
    if total > max_mb * 1024 * 1024:
        raise UnreadableFile(f"{what} 文件解压后超过 {max_mb} MB，疑似压缩炸弹（zip bomb），已拒收：请检查文件来源")


def read_word(data: bytes, suffix: str, limits) -> Document:
    if suffix == ".docx" or (suffix in (".doc", ".wps") and data.startswith(b"PK\x03\x04")):
        return read_docx(data, limits.max_unzipped_mb)  # a .docx renamed .doc is read as what it is
    from .convert import convert

    infilter = ""
    if data.startswith(OLE_MAGIC):
        # Word 97 (and a WPS .wps, which WPS Office writes in the same binary format): name the filter, so
        # a damaged file is refused rather than imported as text
        infilter = "MS Word 97"
    elif data.lstrip().startswith(b"{\\rtf"):
        infilter = "Rich Text Format"
    data = convert(data, ".doc" if suffix == ".wps" else suffix, "docx", limits.convert_timeout_s, infilter)
    return read_docx(data, limits.max_unzipped_mb)


def read_docx(data: bytes, max_unzipped_mb: int = 200) -> Document:
    check_zip(data, ".docx", max_unzipped_mb)
    import docx  # python-docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for broken packages
        raise UnreadableFile(f".docx 文件无法打开（{type(exc).__name__}）：请用 Word/WPS 打开后重新另存为 .docx") from exc
    blocks: list[Block] = []
    for item in document.element.body.iterchildren():
        if item.tag == _W + "p":
            para = Paragraph(item, document)
            text = para.text.strip()
            if not text:
                continue
            blocks.append(Block(_paragraph_kind(para, text), text))
        elif item.tag == _W + "tbl":
            table = _table(DocxTable(item, document))
            if table is not None:
                _take_caption(blocks, table)
                blocks.append(Block("table", table.caption, table=table))
    props = document.core_properties
    meta = {"title": props.title} if props.title else {}
    return Document(blocks, meta)


def _paragraph_kind(para, text: str) -> str:
    style = (para.style.name if para.style is not None else "") or ""
    if _HEADING_STYLE.match(style) and len(text) <= 60:
        return "heading"
    runs = [r for r in para.runs if r.text.strip()]
    if runs and len(text) <= 40 and all(r.bold for r in runs) and not text.endswith(("。", "；", "：")):
        return "heading"
    return "paragraph"


def _table(table) -> Table | None:
    rows: list[list[str]] = []
    for row in table.rows:
        # python-docx repeats a horizontally merged cell once per grid column and returns the top cell
        # for a vertically merged one: the grid comes back with every merge resolved
        rows.append([re.sub(r"\s+", " ", cell.text).strip() for cell in row.cells])
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    from ..tables import header_rows

    return Table(rows=rows, header_rows=header_rows(rows))


def _take_caption(blocks: list[Block], table: Table) -> None:
    """The short line just above a table that names it ("表1 2024年主要经济指标", "单位：亿元") becomes its caption."""
    for _ in range(2):
        if not blocks or blocks[-1].kind == "table" or len(blocks[-1].text) > 50:
            return
        prev = blocks[-1].text
        from ..structure import heading_level

        if heading_level(prev) is not None and not prev.startswith("表"):
            return  # a numbered heading above a table is the section it stands in, not its caption
        if re.match(r"^[（(]?\s*(计量|金额)?单位[:：]", prev):
            table.note = prev
        elif _CAPTION.match(prev) and not table.caption:
            table.caption = prev
        else:
            return
        blocks.pop()
