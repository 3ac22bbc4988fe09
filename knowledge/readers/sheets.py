"""Spreadsheets (.xlsx/.xls/.ods/.et, and .csv tables): every sheet a section named after it, its title rows the
caption, merged header cells resolved."""

from __future__ import annotations

import csv
import io
import re

from ..errors import UnreadableFile
from .blocks import Block, Document, Table
from .word import check_zip

_NOTE = re.compile(r"^[（(]?\s*(计量|金额)?单位[:：]")


def read_sheets(data: bytes, suffix: str, limits) -> Document:
    if suffix in (".xlsx", ".xlsm", ".ods"):
        check_zip(data, suffix, limits.max_unzipped_mb)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise UnreadableFile(f"{suffix} 表格文件无法打开（文件损坏，或不是它声称的格式）：请用 Excel/WPS 打开后另存为 .xlsx 重新发送") from exc
    blocks: list[Block] = []
    rows_seen = 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableFile(f"工作表“{name}”无法读取：请用 Excel/WPS 打开后另存为 .xlsx 重新发送") from exc
        rows_seen += sheet.total_height
        if rows_seen > limits.max_rows:
            raise UnreadableFile(f"表格超过 {limits.max_rows} 行（REPORTBOT_MAX_ROWS）：请只保留要查询的统计表，"
                                 "或拆分成几个文件后分别发送")
        grid = [[_cell(v) for v in row] for row in sheet.iter_rows()]
        r0, c0 = sheet.start or (0, 0)
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
            top, bottom, left, right = top - r0, bottom - r0, left - c0, right - c0
            if 0 <= top < len(grid) and 0 <= left < len(grid[top]):
                value = grid[top][left]
                for r in range(top, min(bottom, len(grid) - 1) + 1):
                    for c in range(left, min(right, len(grid[r]) - 1) + 1):
                        grid[r][c] = value
        sheet_blocks = grid_blocks(grid)
        if sheet_blocks:
            blocks.append(Block("heading", name))
            blocks.extend(sheet_blocks)
    if not blocks:
        raise UnreadableFile(f"{suffix} 表格是空的：请检查后重新发送")
    first = next((b.table.caption for b in blocks if b.table is not None and b.table.caption), "")
    return Document(blocks, {"title": first} if first else {})


def read_csv_table(text: str, limits) -> Document:
    rows = []
    for i, row in enumerate(csv.reader(io.StringIO(text))):
        if i >= limits.max_rows:
            raise UnreadableFile(f"表格超过 {limits.max_rows} 行（REPORTBOT_MAX_ROWS）：请拆分后分别发送")
        rows.append([c.strip() for c in row])
    blocks = grid_blocks(rows)
    if not blocks:
        raise UnreadableFile(".csv 表格是空的：请检查后重新发送")
    return Document(blocks)


def _cell(value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return re.sub(r"\s+", " ", str(value)).strip()


def grid_blocks(grid: list[list[str]]) -> list[Block]:
    """Title rows (one filled cell: the caption, "单位：亿元") then the table; empty rows and columns dropped."""
    rows = [r for r in grid if any(c for c in r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    used = [c for c in range(width) if any(r[c] for r in rows)]
    rows = [[r[c] for c in used] for r in rows]
    caption, note = "", ""
    while rows and len({c for c in rows[0] if c}) == 1 and len(rows) > 1:
        text = next(c for c in rows[0] if c)
        if _NOTE.match(text):
            note = text
        elif not caption:
            caption = text
        else:
            break
        rows.pop(0)
    if not rows:
        return [Block("paragraph", caption)] if caption else []
    trailing: list[str] = []
    while len(rows) > 2 and len({c for c in rows[-1] if c}) == 1 and re.match(r"^(注|说明|资料来源|数据来源)", next(c for c in rows[-1] if c)):
        trailing.insert(0, next(c for c in rows.pop() if c))
    from ..tables import header_rows

    table = Table(rows=rows, header_rows=header_rows(rows), caption=caption, note=note)
    return [Block("table", caption, table=table), *(Block("paragraph", t) for t in trailing)]
