"""Typed data passed between the steps: each carries what a citation needs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .series import Comparison, Trend

PATH_SEP = " › "


def years_said(year: int | None, since: int | None = None) -> str:
    """"2025年", or "2021—2025年" for a total or average over those years."""
    return f"{since}—{year}年" if since else f"{year}年"


def year_type(year: int | None, ftype: str, since: int | None = None) -> str:
    """"2025年目标", "2021—2025年实际" for a total or average over those years, or "实际，年份不详" when the
    report does not say which year."""
    what = "目标" if ftype == "target" else "实际"
    return years_said(year, since) + what if year else f"{what}，年份不详"


@dataclass
class ReportMeta:
    title: str
    issuer: str = ""
    kind: str = ""
    year: int | None = None  # the year it was delivered
    review_year: int | None = None
    plan_year: int | None = None


@dataclass
class Section:
    idx: int
    path: list[str]
    level: int

    @property
    def path_text(self) -> str:
        return PATH_SEP.join(self.path)


@dataclass
class Chunk:
    idx: int
    section_idx: int
    section_path: list[str]
    text: str
    page: int | None = None  # the page it starts on (PDF, scan)
    ocr_confidence: float | None = None  # mean OCR confidence when its text was recognised from an image
    table: str = ""  # the caption of the table whose rows it holds ("" for running text)
    rows: list[Any] = field(default_factory=list, repr=False)  # the table rows (knowledge.tables.TableRow) it holds

    @property
    def section(self) -> str:
        return PATH_SEP.join(self.section_path)


@dataclass
class Figure:
    indicator: str
    value: float
    raw: str  # the number as written, with its unit and qualifier: "15%以上", "４３８００亿元"
    unit: str
    kind: str  # level | growth | share | count
    qualifier: str  # 以上 | 左右 | 以内 | 力争 | 4.5%—5% … or ""
    year: int | None
    type: str  # actual | target
    sentence: str
    chunk_idx: int
    section_path: list[str]
    value_high: float | None = None  # upper bound of a range such as 4.5%—5%
    period_start: int | None = None  # a total or average over several years (2021 of 2021—2025, year the last)

    @property
    def section(self) -> str:
        return PATH_SEP.join(self.section_path)


@dataclass
class ParsedReport:
    meta: ReportMeta
    sections: list[Section]
    chunks: list[Chunk]
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Citation:
    n: int
    report: str
    source: str
    section: str
    quote: str
    text: str
    report_id: int = 0
    chunk_id: str = ""
    page: int | None = None
    ocr_confidence: float | None = None  # set when the quoted passage was read by OCR
    table: str = ""  # the caption of the table the quoted row belongs to

    @property
    def origin(self) -> str:
        """Where the quote sits in its file, when that is worth saying: "（表“主要指标”，第3页，OCR识别，置信度0.93）"."""
        parts = []
        if self.table:
            parts.append(f"表“{self.table}”")
        if self.page:
            parts.append(f"第{self.page}页")
        if self.ocr_confidence is not None:
            parts.append(f"OCR识别，置信度{self.ocr_confidence:.2f}")
        return f"（{'，'.join(parts)}）" if parts else ""


@dataclass
class FigureHit:
    indicator: str
    value: str
    unit: str
    kind: str
    qualifier: str
    year: int | None
    type: str
    section: str
    quote: str
    report: str = ""
    period_start: int | None = None  # the first year of the span a total or average covers (year is the last)


@dataclass
class Answer:
    question: str
    answer: str
    found: bool
    mode: str
    citations: list[Citation] = field(default_factory=list)
    figures: list[FigureHit] = field(default_factory=list)
    latency_ms: float = 0.0
    note: str = ""  # one line on why a generated answer was not used, shown before the extractive one
    llm_tokens: int = 0
    llm_ms: float = 0.0
    check: str = ""  # outcome of checking a generated answer: passed | failed: … | timeout | error: …
    lead: int = 0  # the citation (by position) whose quote the answer leads with (not shown)
    coverage: float = 0.0  # share of the question's concepts the lead passage holds (not shown)
    resolved: str = ""  # the standalone question a follow-up was read as ("那去年呢？" → "四川去年GDP增长多少？")
    trend: Trend | None = None  # an indicator over the years: the bot sends it as a chart
    comparison: Comparison | None = None  # every issuer's figure for a year: the bot sends it as a table

    def to_dict(self) -> dict:
        extra: dict = {"note": self.note} if self.note else {}
        if self.trend is not None:
            extra["trend"] = self.trend.to_dict()
        if self.comparison is not None:
            extra["comparison"] = self.comparison.to_dict()
        return {**extra,
            "answer": self.answer,
            "found": self.found,
            "mode": self.mode,
            "latency_ms": round(self.latency_ms, 1),
            "citations": [
                {k: v for k, v in asdict(c).items() if k not in ("report_id", "chunk_id")}
                for c in self.citations
            ],
            "figures": [{k: v for k, v in asdict(f).items() if k != "report"} for f in self.figures],
        }
