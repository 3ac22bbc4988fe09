"""Tables: header cells attached to every value, units applied, a sentence per row and the row's figures.

A row "工业增加值 | 亿元 | 1234.5 | 6.2" under the headers "指标 | 单位 | 2024年 (绝对数 | 比上年增长（%）)"
is indexed as "工业增加值：2024年绝对数1234.5亿元，比上年增长6.2%。" and yields two figures (a level and a
growth) with the indicator, unit, year and actual/target its headers and caption give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .readers.blocks import Table
from .textnorm import to_halfwidth

# what a unit in a header or a "单位：" note looks like: an optional magnitude and a measure
_UNIT = (r"(?:%|‰|个百分点|百分点|(?:万亿|千亿|亿|千万|百万|万|千|百)?(?:元|美元|人民币|吨|千瓦时|千瓦|立方米|平方米|平方公里|公里|"
         r"公顷|亩|人次|人|户|家|个|项|辆|台|套|件|所|座|张|床|次|标箱|吨标准煤|册|部|株|头|只|艘|架|万人次)|万亿|亿|万)")
_HEADER_UNIT = re.compile(rf"[（(]\s*(?:单位[:：]\s*)?({_UNIT}(?:/[\u4e00-\u9fff]{{1,3}})?)\s*[）)]")
_NOTE_UNIT = re.compile(rf"(?:计量|金额|价值量)?单位[:：]\s*({_UNIT}(?:/[\u4e00-\u9fff]{{1,3}})?)")
_UNIT_HEAD = re.compile(r"^(计量)?单位$")
_NUMBER = re.compile(r"^(?P<pre>[≥≤><约]?)\s*(?P<sign>[-－−]?)\s*(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<pct>%?)"
                     r"(?:\s*[-－~～至]\s*(?P<num2>\d+(?:\.\d+)?)\s*%?)?\s*(?P<post>左右|以上|以内|以下)?$")
GROWTH_HEAD = re.compile(r"增长|增速|增幅|比上年|同比|比去年|±|增减|下降|减少")
TARGET_HEAD = {"target": re.compile(r"目标|预期|计划|预计"), "actual": re.compile(r"完成|实际|实绩|执行|实现")}
_YEAR = re.compile(r"((?:19|20)\d{2})年")
# what a column header says besides year, target/actual and growth: nothing left means "the value itself"
GENERIC_HEAD = re.compile(r"^(绝对数|绝对值|数值|数量|总量|总额|金额|指标值|本年|全年|本期|累计|实绩|实际|完成|完成数|完成情况|"
                           r"目标|预期|计划|预计|增长|增速|增幅|比上年|同比|比去年|比上年增长|比上年增减|比上年[±]|[±]|%|"
                           r"执行|执行数|绝对额|数|值|末|年末|年底|上年同期|本月|1-\d+月)*$")
_LABEL_PREFIX = re.compile(r"^(?:其中[:：]?|#|＃|\s|\u3000|[·•])+")


@dataclass
class Number:
    value: float
    high: float | None  # the upper end of a range ("4.5-5")
    qualifier: str  # 左右 | 以上 | 以内 | ""
    percent: bool  # written with a % sign
    written: str  # the digits as written, without the sign: "1,234.50"
    written_high: str = ""


def parse_cell(text: str) -> Number | None:
    """The number a cell holds ("-3.1", "6.2%", "≥5", "4.5-5"); None for text."""
    m = _NUMBER.match(to_halfwidth(text).strip())
    if not m:
        return None
    value = float(m.group("num").replace(",", ""))
    if m.group("sign"):
        value = -value
    high = float(m.group("num2")) if m.group("num2") else None
    qual = m.group("post") or {"≥": "以上", ">": "以上", "≤": "以内", "<": "以内", "约": "左右"}.get(m.group("pre"), "")
    return Number(value, high, qual, bool(m.group("pct")), m.group("num"), m.group("num2") or "")


def header_rows(rows: list[list[str]]) -> int:
    """How many leading rows are headers: label rows with no number in a value column, continuing a merged label."""
    n = 0
    for i, row in enumerate(rows[:4]):
        values = [c for c in row[1:] if c.strip()]
        if not values or any(parse_cell(c) is not None and not _YEAR.fullmatch(c.strip()) for c in values):
            break
        if i > 0 and row[0].strip() and row[0] != rows[i - 1][0]:
            break  # a row opening with its own label is the first body row ("一、农业" under the header)
        n += 1
    return n if n < len(rows) else 0


def unit_of(text: str, pattern: re.Pattern = _HEADER_UNIT) -> tuple[str, str]:
    """("比上年增长", "%") from "比上年增长（%）"; the text unchanged and "" when it names no unit."""
    m = pattern.search(text)
    if not m:
        return text, ""
    return (text[: m.start()] + text[m.end():]).strip(), m.group(1)


@dataclass
class Column:
    head: str  # the header words, unit removed: "2024年绝对数", "比上年增长"
    unit: str  # the unit the header names, or ""
    role: str  # label | unit | value


@dataclass
class Cell:
    head: str
    text: str
    unit: str
    number: Number | None


@dataclass
class TableRow:
    """One body row read with its headers: the sentence a person reads out, and its cells for figures."""

    label: str
    sentence: str
    cells: list[Cell]
    caption: str
    table_unit: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def columns(table: Table) -> list[Column]:
    width = max((len(r) for r in table.rows), default=0)
    cols: list[Column] = []
    for c in range(width):
        parts: list[str] = []
        for row in table.header:
            cell = row[c].strip() if c < len(row) else ""
            if cell and (not parts or parts[-1] != cell):
                parts.append(cell)
        head, unit = unit_of("".join(parts))
        head = re.sub(r"\s+", "", head)
        body = [r[c] for r in table.body if c < len(r) and r[c].strip()]
        numeric = sum(1 for v in body if parse_cell(v) is not None or v.strip() in ("-", "—", "/", "…"))
        if _UNIT_HEAD.match(head):
            role = "unit"
        elif c == 0 or (body and numeric < len(body) / 2):
            role = "label"
        else:
            role = "value"
        cols.append(Column(head=head, unit=unit, role=role))
    return cols


def table_unit(table: Table) -> str:
    for text in (table.note, table.caption):
        m = _NOTE_UNIT.search(to_halfwidth(text))
        if m:
            return m.group(1)
    _, unit = unit_of(table.caption)
    return unit


def clean_caption(caption: str) -> str:
    return _NOTE_UNIT.sub("", caption).strip(" （）()：:")


def table_rows(table: Table) -> list[TableRow]:
    """Every body row with its headers, units and a readable sentence; rows with no value are skipped."""
    cols = columns(table)
    unit_all = table_unit(table)
    caption = clean_caption(table.caption)
    out: list[TableRow] = []
    for row in table.body:
        row = row + [""] * (len(cols) - len(row))
        first = next((i for i, c in enumerate(cols) if c.role == "label" and row[i].strip()), None)
        if first is None:
            continue
        label_text, label_unit = unit_of(_LABEL_PREFIX.sub("", row[first].strip()))
        row_unit = next((row[i].strip() for i, c in enumerate(cols) if c.role == "unit" and row[i].strip()), "")
        cells: list[Cell] = []
        said = {row[first].strip()}
        for i, col in enumerate(cols):
            text = row[i].strip()
            if i == first or col.role == "unit" or not text or text in ("-", "—", "/", "…", "--"):
                continue
            if col.role == "label":
                if text not in said:  # a label repeated by a merge ("农业 | 农业") is said once
                    cells.append(Cell(head=col.head, text=text, unit="", number=None))
                    said.add(text)
                continue
            number = parse_cell(text)
            unit = col.unit or label_unit or row_unit or unit_all
            if number and number.percent:
                unit = "%"
            elif number and GROWTH_HEAD.search(col.head) and not col.unit and unit not in ("%", "个百分点", "百分点"):
                unit = "%"  # a growth column without a unit of its own is a percentage
            cells.append(Cell(head=col.head, text=text, unit=unit, number=number))
        if not cells:
            continue
        # a time series has years down its first column: "2024" is read "2024年"
        label = label_text + "年" if re.fullmatch(r"(19|20)\d{2}", label_text) else label_text
        out.append(TableRow(label=label, sentence=row_sentence(label, cells), cells=cells, caption=caption,
                            table_unit=unit_all))
    return out


def _say(cell: Cell) -> str:
    head = cell.head
    if cell.number is None:
        return f"{head}：{cell.text}" if head else cell.text
    n = cell.number
    sign = "-" if n.value < 0 else ""
    if n.value < 0 and re.search(r"增长|增加|提高", head):
        # "比上年增长 -3.1" is read out as "比上年下降3.1%"
        head = re.sub(r"增长|增加|提高", lambda m: {"增长": "下降", "增加": "减少", "提高": "降低"}[m.group(0)], head, count=1)
        sign = ""
    number = sign + n.written + (f"—{n.written_high}" if n.written_high else "")
    return f"{head}{number}{cell.unit}{n.qualifier}"


def row_sentence(label: str, cells: list[Cell]) -> str:
    return f"{label}：" + "，".join(_say(c) for c in cells) + "。"
