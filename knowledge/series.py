"""One indicator across reports: a trend per year for an issuer, and every issuer side by side for a year.

Built on the figure table (CorpusIndex.figures). Only figures whose indicator really is the one asked are
used — 人均地区生产总值 is not GDP, 单位GDP能耗 is not GDP, a start value ("从26.6万亿元增加到…") is not the
year's value — and one best figure is kept per (issuer, year, actual|target, panel), each with the report,
section and quote it comes from. Levels and growth rates never share a panel (Figure.kind).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import matching
from .figures import review_heading
from .matching import SCOPES
from .query import ABBREVIATIONS, CONTRACTIONS, issuer_aliases
from .retrieval import CorpusIndex, FigureRef
from .store import ReportRow
from .textnorm import normalize_for_match, to_halfwidth
from .types import PATH_SEP, Answer, Citation, FigureHit

# --- what is asked -------------------------------------------------------------------------------

# Words after an indicator that say which side of it is asked, not what it is ("GDP增长目标").
_ASPECT_TYPE = (("预期目标", "target"), ("目标", "target"), ("预期", "target"), ("计划", "target"),
                ("实际", "actual"), ("完成", "actual"))
_ASPECT_KIND = (("增长率", "growth"), ("增速", "growth"), ("增幅", "growth"), ("增长", "growth"), ("涨幅", "growth"),
                ("总量", "level"), ("规模", "level"))
# A scope before an indicator that names the issuer itself, not a part of it ("全社会固定资产投资"; a province's
# 地区生产总值 is the 全省生产总值 or 生产总值 its report may write).
_SCOPE_PREFIX = re.compile(r"^(全社会|全[国省市区县州盟旗疆]|我[国省市区县]|地区)")
# Names reports use for the same indicator (the economy's output: its level, and its growth as 经济增长).
SAME_INDICATOR = (
    ("地区生产总值", "生产总值", "gdp", "经济增长", "经济总量"),
    ("国内生产总值", "生产总值", "gdp", "经济增长", "经济总量"),
)
# Words a report writes after an indicator's name before its number: movement, plan or comparison.
_TRAILING = re.compile(r"(预期目标|目标|预计|预期|设定|定为|定在|定|今年要|要|将|已|较上年|较|比上年|比|连续|首次|一举|分别)+$")
# Words saying the number is a threshold passed ("地区生产总值迈上5万亿元台阶"): at least that much.
_THRESHOLD = re.compile(r"(迈上|跨越|跨上|突破|超过|超)+$")


def parse_request(text: str) -> tuple[str, str | None, str | None]:
    """"GDP增长目标" → ("GDP", "growth", "target"): the indicator, and the kind and type the words ask for."""
    words = to_halfwidth(text).strip()
    kind: str | None = None
    ftype: str | None = None
    changed = True
    while changed:
        changed = False
        if _known_term(words):
            break
        for word, value in _ASPECT_TYPE + _ASPECT_KIND:
            if words.endswith(word) and len(words) - len(word) >= 2:
                words = words[: -len(word)].rstrip("的")
                if (word, value) in _ASPECT_TYPE:
                    ftype = ftype or value
                else:
                    kind = kind or value
                changed = True
                break
    return words, kind, ftype


def _known_term(words: str) -> bool:
    """A name staff use as a whole ("经济增长", "GDP"): its last word is not an aspect to strip."""
    lower = words.lower()
    return lower in ABBREVIATIONS or any(lower == w for full in ABBREVIATIONS.values() for w in full)


def indicator_forms(indicator: str) -> list[str]:
    """The names a report may write for what was asked, normalized: GDP → 地区生产总值, 国内生产总值 …"""
    base = normalize_for_match(indicator).strip()
    base = _SCOPE_PREFIX.sub("", base) or base
    forms = [base]
    for abbr, expansions in ABBREVIATIONS.items():
        # "GDP增速" → 地区生产总值增速 …; not inside a name that already spells it out (城镇调查失业率)
        if abbr in base and not any(e in base for e in expansions if e != abbr):
            forms.extend(base.replace(abbr, normalize_for_match(f)) for f in expansions)
    for names in SAME_INDICATOR:
        if any(form in names for form in forms):
            forms.extend(names)
    for short, full in CONTRACTIONS:  # reports write 规上工业增加值 as often as 规模以上工业增加值
        for form in list(forms):
            if full in form:
                forms.append(form.replace(full, short))
            elif short in form:
                forms.append(form.replace(short, full))
    return [f for f in dict.fromkeys(forms) if len(f) >= 2]


def indicator_is(figure_indicator: str, forms: list[str], kind: str = "") -> tuple[bool, bool]:
    """(whether the figure's indicator is one of the forms, whether it names a threshold passed).

    Scope words before it ("全社会", "全省") and plan or movement words after it ("…预期目标", "…迈上") are
    not part of the name; anything else is another indicator (人均…, 单位…能耗, …占…比重, 南疆五地州…).
    A growth figure's indicator lost the word 增长 its sentence read ("经济增长6%左右" → 经济)."""
    core = _SCOPE_PREFIX.sub("", normalize_for_match(figure_indicator))
    threshold = bool(_THRESHOLD.search(core))
    core = _TRAILING.sub("", _THRESHOLD.sub("", core))
    return core in forms or (kind == "growth" and core + "增长" in forms), threshold


def _other_scope(f: FigureRef, forms: list[str]) -> bool:
    """A figure stated for another span or unit than the year's own value: 年均/人均/累计 right before it
    (when not asked), a total or average over a span of years, a start value ("从26.6万亿元增加到…"), or a growth over a base year several years back."""
    if f.period_start is not None and matching.SPAN_FIGURES:
        return True  # a five-year review's total or average: not any one year's value
    asked = "".join(forms)
    sentence = to_halfwidth(f.sentence)
    raw = to_halfwidth(f.raw)
    pos = sentence.find(raw)
    before = re.split(r"[，,；;。]", sentence[max(0, pos - 12):pos])[-1] if pos >= 0 else ""
    if any(word in before and word not in asked for word in SCOPES):
        return True
    if re.search(r"[从由]$", before):
        return True  # the start of "从A增加到B": the value of an earlier year
    base = re.search(r"比(\d{4})年[^，,；;。]{0,6}$", before)
    return bool(base and f.year is not None and int(base.group(1)) != f.year - 1)


# --- typed results ---------------------------------------------------------------------------------

AT_LEAST = ("以上", "超过", "突破", "不低于", "不少于", "高于", "多", "余")
ABOUT = ("左右", "约", "近", "上下")
AT_MOST = ("以内", "以下", "不超过", "不高于", "低于", "之内", "控制在")


@dataclass
class TrendPoint:
    """One cited figure placed on a chart or in a table: its year, actual/target, value as written and source."""

    issuer: str
    year: int
    type: str  # actual | target
    kind: str  # growth | share | level | count
    indicator: str  # as the report names it
    raw: str  # as written: "5.5%左右", "４３８００亿元"
    value: float  # as written (13.65 for 13.65万亿元)
    value_high: float | None
    unit: str  # as written: "%", "万亿元"
    qualifier: str
    citation: Citation
    threshold: bool = False  # "迈上5万亿元台阶": at least this much

    @property
    def mark(self) -> str:
        """How the value is bounded: range | at_least | about | at_most | "" (exact)."""
        if self.value_high is not None:
            return "range"
        if self.threshold or self.qualifier in AT_LEAST:
            return "at_least"
        if self.qualifier in ABOUT:
            return "about"
        if self.qualifier in AT_MOST:
            return "at_most"
        return ""

    @property
    def label(self) -> str:
        """The number as a reader should see it, bound included: "5.5%左右", "突破5万亿元"."""
        raw = to_halfwidth(self.raw)
        if self.qualifier and self.qualifier not in raw and self.mark in ("at_least", "about", "at_most"):
            return self.qualifier + raw
        return raw

    def scaled(self, factor: float) -> tuple[float, float | None]:
        """(value, high) in base units times factor (see Panel.factor)."""
        size = unit_magnitude(self.unit)[0]
        high = self.value_high * size * factor if self.value_high is not None else None
        return self.value * size * factor, high

    def to_dict(self) -> dict:
        return {"issuer": self.issuer, "year": self.year, "type": self.type, "kind": self.kind,
                "indicator": self.indicator, "value": self.label, "report": self.citation.report,
                "section": self.citation.section, "quote": self.citation.quote, "n": self.citation.n}


_MAGNITUDES = (("万亿", 1e12), ("千亿", 1e11), ("百亿", 1e10), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6),
               ("十万", 1e5), ("万", 1e4), ("千", 1e3), ("百", 1e2))
_DISPLAY = (("万亿", 1e12), ("亿", 1e8), ("万", 1e4), ("", 1.0))


def unit_magnitude(unit: str) -> tuple[float, str]:
    """"万亿元" → (1e12, "元"); "%" → (1, "%"); "万人" → (1e4, "人")."""
    for word, size in _MAGNITUDES:
        if unit.startswith(word):
            return size, unit[len(word):]
    return 1.0, unit


@dataclass
class Panel:
    """The points that can share one axis: one kind of figure in one unit."""

    kind: str  # growth | share | level
    base_unit: str  # "%", "个百分点", "元", "人", "" …
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def display(self) -> tuple[str, float]:
        """(unit shown on the axis, factor from base units): levels in the largest magnitude their values reach."""
        if self.kind != "level":
            return self.base_unit, 1.0
        top = max((abs(p.value) * unit_magnitude(p.unit)[0] for p in self.points), default=0.0)
        for word, size in _DISPLAY:
            if top >= size:
                return word + self.base_unit, 1.0 / size
        return self.base_unit, 1.0

    @property
    def title(self) -> str:
        unit = self.display[0]
        name = {"growth": "增速" if self.base_unit == "%" else "变化", "share": "比重/比率", "level": "总量"}[self.kind]
        return f"{name}（{unit}）" if unit else name


@dataclass
class Trend:
    """An indicator of one issuer over the years: actual and target figures, one panel per kind and unit."""

    indicator: str  # as asked
    issuer: str
    panels: list[Panel] = field(default_factory=list)
    undated: int = 0  # figures of the indicator whose year the report does not say: not plotted
    other_issuers: list[str] = field(default_factory=list)  # issuers with the same indicator

    @property
    def found(self) -> bool:
        return any(p.points for p in self.panels)

    @property
    def points(self) -> list[TrendPoint]:
        return [pt for p in self.panels for pt in p.points]

    @property
    def citations(self) -> list[Citation]:
        return _unique_citations(self.points)

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "issuer": self.issuer, "undated": self.undated,
                "panels": [{"title": p.title, "points": [pt.to_dict() for pt in p.points]} for p in self.panels]}


@dataclass
class CompareColumn:
    type: str  # actual | target
    kind: str  # growth | share | level
    base_unit: str

    @property
    def title(self) -> str:
        what = {"growth": "增速", "share": "比重", "level": "总量"}[self.kind]
        return f"{what}{'目标' if self.type == 'target' else '实际'}"


@dataclass
class CompareRow:
    issuer: str
    cells: list[TrendPoint | None]

    @property
    def mentioned(self) -> bool:
        return any(c is not None for c in self.cells)


@dataclass
class Comparison:
    """Every issuer's figure of one indicator for one year, sorted; issuers without it come last (未提及)."""

    indicator: str
    year: int
    ftype: str | None
    columns: list[CompareColumn] = field(default_factory=list)
    rows: list[CompareRow] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return any(r.mentioned for r in self.rows)

    @property
    def wide(self) -> bool:
        """More than two figures per issuer: a picture reads better than lines of text."""
        return len(self.columns) > 2

    @property
    def points(self) -> list[TrendPoint]:
        return [c for r in self.rows for c in r.cells if c is not None]

    @property
    def citations(self) -> list[Citation]:
        return _unique_citations(self.points)

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "year": self.year, "columns": [c.title for c in self.columns],
                "rows": [{"issuer": r.issuer, "cells": [c.to_dict() if c else None for c in r.cells]} for r in self.rows]}


def _unique_citations(points: Iterable[TrendPoint]) -> list[Citation]:
    """One citation per quoted passage, numbered in order; points quoting the same passage share it."""
    out: list[Citation] = []
    seen: dict[tuple[int, str], Citation] = {}
    for p in points:
        key = (p.citation.report_id, p.citation.quote)
        if key not in seen:
            p.citation.n = len(out) + 1
            seen[key] = p.citation
            out.append(p.citation)
        else:
            p.citation = seen[key]
    return out


# --- selection -----------------------------------------------------------------------------------

def _panel_key(f: FigureRef) -> tuple[str, str]:
    kind = "level" if f.kind in ("level", "count") else f.kind
    return kind, unit_magnitude(f.unit)[1]


def _rank(f: FigureRef, report: ReportRow, exact: bool) -> tuple:
    """Higher is better: the report about that year (its review for an actual, its plan for a target), then a
    part of the report that agrees (a target from the plan, an actual from the review), then an exact
    indicator name, then the first mention (the headline figure)."""
    year = f.year or 0
    if f.type == "actual":
        fit = 2 if report.review_year == year else 1 if (report.year or 0) > year else 0
    else:
        fit = 2 if report.plan_year == year else 1
    path = json.loads(f.section_path)
    in_review = bool(path) and review_heading(path[0])
    agrees = in_review == (f.type == "actual")
    return fit, int(agrees), int(exact), -f.chunk_idx, -f.id


class SeriesFinder:
    """Finds the figures of one indicator in the in-memory index; `trend` and `compare` shape them."""

    def __init__(self, index: CorpusIndex):
        self.index = index

    def matching(self, indicator: str, report_ids: set[int] | None = None) -> list[tuple[FigureRef, bool, bool]]:
        """(figure, threshold, exact name) for every figure of the indicator in the given reports (all when None)."""
        idx = self.index
        idx.refresh()
        forms = indicator_forms(indicator)
        if not forms:
            return []
        positions: set[int] = set()
        for form in forms:
            positions.update(int(i) for i in idx.figures_containing(form, report_ids))
        out = []
        for i in sorted(positions):
            f = idx.figures[i]
            if report_ids is not None and f.report_id not in report_ids:
                continue
            if f.report_id not in idx.reports:
                continue
            ok, threshold = indicator_is(f.indicator, forms, f.kind)
            if not ok or _other_scope(f, forms):
                continue
            exact = _SCOPE_PREFIX.sub("", normalize_for_match(f.indicator)) in forms
            out.append((f, threshold, exact))
        return out

    def best(self, matches: list[tuple[FigureRef, bool, bool]], kind: str | None = None,
             ftype: str | None = None) -> tuple[dict[str, dict[tuple, tuple[FigureRef, bool]]], dict[str, int]]:
        """Per issuer, the best figure per (year, type, panel); and per issuer how many figures had no year."""
        best: dict[str, dict[tuple, tuple[FigureRef, bool, tuple]]] = {}
        undated: dict[str, int] = {}
        for f, threshold, exact in matches:
            report = self.index.reports[f.report_id]
            issuer = report.issuer or report.title
            panel = _panel_key(f)
            if (kind and panel[0] != kind) or (ftype and f.type != ftype):
                continue
            if f.year is None:
                undated[issuer] = undated.get(issuer, 0) + 1
                continue
            if f.type == "actual" and report.review_year and f.year > report.review_year:
                continue  # a report cannot state how a year it was written before turned out
            if f.type == "target" and f.year < (report.plan_year or report.year or 0):
                continue  # nor set a target for a year already past (a restated one is in its own year's report)
            rank = _rank(f, report, exact)
            key = (f.year, f.type, panel)
            mine = best.setdefault(issuer, {})
            if key not in mine or rank > mine[key][2]:
                mine[key] = (f, threshold, rank)
        return {i: {k: (v[0], v[1]) for k, v in d.items()} for i, d in best.items()}, undated

    def point(self, f: FigureRef, threshold: bool) -> TrendPoint:
        report = self.index.reports[f.report_id]
        vector_id = f"r{f.report_id}-c{f.chunk_idx}"
        ci = self.index.by_vector_id.get(vector_id)
        text = self.index.chunks[ci].text if ci is not None else f.sentence
        citation = Citation(n=0, report=report.title, source=report.source,
                            section=PATH_SEP.join(json.loads(f.section_path)), quote=f.sentence, text=text,
                            report_id=f.report_id, chunk_id=vector_id)
        assert f.year is not None
        return TrendPoint(issuer=report.issuer or report.title, year=f.year, type=f.type,
                          kind="level" if f.kind == "count" else f.kind, indicator=f.indicator, raw=f.raw,
                          value=f.value, value_high=f.value_high, unit=f.unit, qualifier=f.qualifier,
                          citation=citation, threshold=threshold)

    def trend(self, indicator: str, issuer: str | None = None, kind: str | None = None,
              ftype: str | None = None, max_panels: int = 3) -> Trend:
        """Actual and target figures per year for one issuer (the one with the most years when none is named).
        The indicator may carry what is asked ("GDP增长目标"): parse_request reads it when kind/ftype are not given."""
        indicator, kind, ftype = _read(indicator, kind, ftype)
        self.index.refresh()
        issuer = self.resolve_issuer(issuer) if issuer else None
        report_ids = ({rid for rid, r in self.index.reports.items() if r.issuer == issuer} if issuer else None)
        best, undated = self.best(self.matching(indicator, report_ids), kind, ftype)
        if not issuer:
            ranked = sorted(best, key=lambda i: (-len({k[0] for k in best[i]}), -len(best[i]), i))
            issuer = ranked[0] if ranked else ""
            others = ranked[1:]
        else:
            others = [i for i, _ in sorted(self._issuers_with(indicator).items(), key=lambda kv: -kv[1]) if i != issuer]
        panels: dict[tuple[str, str], Panel] = {}
        for (_, _, panel_key), (f, threshold) in sorted(best.get(issuer, {}).items(),
                                                         key=lambda kv: (kv[0][0], kv[0][1] != "actual")):
            panels.setdefault(panel_key, Panel(kind=panel_key[0], base_unit=panel_key[1])).points.append(
                self.point(f, threshold))
        order = {"growth": 0, "level": 1, "share": 2}
        chosen = sorted(panels.values(), key=lambda p: (-len(p.points), order.get(p.kind, 3)))[:max_panels]
        chosen.sort(key=lambda p: (order.get(p.kind, 3), -len(p.points)))
        trend = Trend(indicator=indicator, issuer=issuer, panels=chosen, undated=undated.get(issuer, 0),
                      other_issuers=others[:8])
        _unique_citations(trend.points)
        return trend

    def _issuers_with(self, indicator: str) -> dict[str, int]:
        best, _ = self.best(self.matching(indicator))
        return {i: len(v) for i, v in best.items()}

    def compare(self, indicator: str, year: int, ftype: str | None = None, kind: str | None = None,
                issuers: list[str] | None = None) -> Comparison:
        """Every issuer's figure for the year (actual, target or both), sorted by the first column's value."""
        indicator, kind, ftype = _read(indicator, kind, ftype)
        self.index.refresh()
        everyone = issuers if issuers is not None else sorted({r.issuer for r in self.index.reports.values() if r.issuer})
        best, _ = self.best(self.matching(indicator), kind, ftype)
        cells: dict[str, dict[tuple[str, str, str], TrendPoint]] = {}
        for issuer, found in best.items():
            if issuers is not None and issuer not in issuers:
                continue  # the issuers asked about, and only they
            for (y, type_, panel_key), (f, threshold) in found.items():
                if y == year:
                    cells.setdefault(issuer, {})[(type_, *panel_key)] = self.point(f, threshold)
        keys = {k for found in cells.values() for k in found}
        order = {"growth": 0, "level": 1, "share": 2}
        # columns by how many issuers have them (a unit only a few use would leave a column of blanks)
        counts = {k: sum(1 for found in cells.values() if k in found) for k in keys}
        columns_keys = sorted(keys, key=lambda k: (order.get(k[1], 3), k[0] != "target", -counts[k]))
        seen_kind: set[tuple[str, str]] = set()
        kept = []
        most = max(counts.values(), default=0)
        for k in sorted(columns_keys, key=lambda k: -counts[k]):
            if (k[0], k[1]) in seen_kind or counts[k] * 5 < most:
                continue  # one unit per kind and type (亿元 and 万亿元 are one); a column nearly all blank is noise
            seen_kind.add((k[0], k[1]))
            kept.append(k)
        columns_keys = [k for k in columns_keys if k in kept]
        columns = [CompareColumn(type=t, kind=kd, base_unit=u) for t, kd, u in columns_keys]
        rows = [CompareRow(issuer=i, cells=[cells.get(i, {}).get(k) for k in columns_keys])
                for i in dict.fromkeys([*everyone, *cells])]

        def sort_key(row: CompareRow) -> tuple:
            """Largest first by the first column, then the next; a blank sorts after every figure."""
            return (not row.mentioned, *((c is None, -c.scaled(1.0)[0] if c else 0.0) for c in row.cells))

        rows.sort(key=sort_key)
        comparison = Comparison(indicator=indicator, year=year, ftype=ftype, columns=columns, rows=rows)
        _unique_citations(comparison.points)
        return comparison

    def resolve_issuer(self, name: str) -> str:
        """An issuer as staff write it (湖南, 广西, 临江开发区) → as the index holds it; the name itself when unknown."""
        known = sorted({r.issuer for r in self.index.reports.values() if r.issuer})
        if name in known:
            return name
        matches = [i for i in known if name in issuer_aliases(i)]
        return matches[0] if matches else name


def _read(indicator: str, kind: str | None, ftype: str | None) -> tuple[str, str | None, str | None]:
    words, asked_kind, asked_type = parse_request(indicator)
    return words or indicator, kind or asked_kind, ftype or asked_type


# --- as answers ----------------------------------------------------------------------------------

def _when(year: int | None, ftype: str) -> str:
    what = "目标" if ftype == "target" else "实际"
    return f"{year}年{what}" if year else f"{what}（年份不详）"


def _hits(points: list[TrendPoint]) -> list[FigureHit]:
    return [FigureHit(indicator=p.indicator, value=p.label, unit=p.unit, kind=p.kind, qualifier=p.qualifier,
                      year=p.year, type=p.type, section=p.citation.section, quote=p.citation.quote,
                      report=p.citation.report) for p in points]


def trend_answer(question: str, trend: Trend) -> Answer:
    """A trend as an Answer: the text lists every point with its [n]; the bot draws the chart from `trend`."""
    if not trend.found:
        where = f"{trend.issuer}的报告" if trend.issuer else "已收录的报告"
        text = f"{where}里没有找到“{trend.indicator}”逐年的数字。"
        if trend.other_issuers:
            text += f"这些地区的报告里有：{'、'.join(trend.other_issuers[:6])}。"
        return Answer(question=question, answer=text, found=False, mode="trend", trend=trend)
    lines = [f"{trend.issuer} {trend.indicator}（{len(trend.points)} 个数字，来自报告原文）："]
    for panel in trend.panels:
        items = "；".join(f"{_when(p.year, p.type)} {p.label}[{p.citation.n}]" for p in panel.points)
        lines.append(f"{panel.title}：{items}")
    if trend.undated:
        lines.append(f"另有 {trend.undated} 个数字年份不详，未画出。")
    citations = trend.citations
    return Answer(question=question, answer="\n".join(lines), found=True, mode="trend", citations=citations,
                  figures=_hits(trend.points), trend=trend)


def comparison_answer(question: str, comparison: Comparison) -> Answer:
    """A comparison as an Answer: one line per issuer ("未提及" when its reports do not state it)."""
    what = {"target": "目标", "actual": "实际"}.get(comparison.ftype or "", "")
    head = f"{comparison.year}年 {comparison.indicator}{what}"
    if not comparison.found:
        return Answer(question=question, answer=f"已收录的报告里没有找到{head}的数字。", found=False, mode="compare",
                      comparison=comparison)
    lines = [f"{head}（{sum(r.mentioned for r in comparison.rows)}/{len(comparison.rows)} 个地区有数字）："]
    for row in comparison.rows:
        cells = [f"{col.title} {c.label}[{c.citation.n}]" for col, c in zip(comparison.columns, row.cells, strict=True)
                 if c is not None]
        lines.append(f"{row.issuer}：{'；'.join(cells) if cells else '未提及'}")
    return Answer(question=question, answer="\n".join(lines), found=True, mode="compare",
                  citations=comparison.citations, figures=_hits(comparison.points), comparison=comparison)
