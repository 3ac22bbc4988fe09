"""Checks a generated answer against its sources before anyone sees it.

Every [n] must name a source that was given; every number the answer states (normalized: full/half
width, 亿元/万元/万亿元, %, Chinese numerals) must be in a source that sentence cites; an answer with no
citation at all, when sources exist, fails too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textnorm import CN_NUMERAL_CHARS, parse_cn_number, parse_number, to_halfwidth

_MAGNITUDES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3}
_NUMBER = re.compile(
    rf"(?P<pct>百分之(?P<pctnum>[{CN_NUMERAL_CHARS}]+))"
    rf"|(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(?P<mag>万亿|千亿|百亿|亿|千万|百万|十万|万|千)?(?P<unit>%|‰|个百分点|[^\d\s，,。；;：:、（）()\[\]【】“”\"'《》]{{0,3}})"
    rf"|(?P<cn>[{CN_NUMERAL_CHARS}]{{2,}})(?P<cnmag>万亿|亿|万)?(?P<cnunit>%|元|美元|吨|斤|人|家|个|亩|公里)"
)
_CITE = re.compile(r"\[(\d{1,3})\]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?(?:\s*(?:\[\d{1,3}\])+)?")
_QUALIFIER = re.compile(r"^\s*(以上|左右|以内|以下|上下)")
_UNIT_WORD = re.compile(r"^(元|美元|欧元|港元|吨|斤|公斤|千克|人次|人|家|个|项|名|户|所|座|条|亩|公顷|公里|千米|平方米|平方公里|立方米|千瓦时|千瓦|辆|台|套|件|倍|次|标箱|微克|天)")


@dataclass
class Quantity:
    text: str
    value: float  # scaled to base units: 1.3万亿元 → 1.3e12
    unit: str  # "%", "元", "人" … or "" when none was written
    qualifier: str = ""  # 以上 | 左右 | 以内 | 以下 written right after it: part of the figure
    context: frozenset[str] = frozenset()  # wording just before it ("固定资产投资增长"): what it measures


def quantities(text: str) -> list[Quantity]:
    """Numbers a text states, with magnitude words applied; years, dates, ordinals and [n] markers skipped."""
    half = to_halfwidth(text)
    out: list[Quantity] = []
    for q, end in _quantities(half):
        start = end - len(q.text)
        clause = re.split(r"[；;。！？\n]", half[max(0, start - 12):start])[-1]
        q.context = frozenset(g for g in _bigrams(clause) if g not in _FILLER)
        qual = _QUALIFIER.match(half[end:end + 4])
        q.qualifier = qual.group(1) if qual else ""
        q.text += q.qualifier
        out.append(q)
    return out


def _quantities(half: str):
    out: list[tuple[Quantity, int]] = []
    for m in _NUMBER.finditer(half):
        start, end = m.span()
        before, after = half[max(0, start - 1):start], half[end:end + 1]
        if before == "[":
            continue
        if before == "第" and m.group("num"):  # a rank ("居全国第5位") is a claim too
            v = parse_number(m.group("num"))
            if v is not None:
                out.append((Quantity("第" + m.group("num"), v, "第"), m.end("num")))
            continue
        if m.group("pct"):
            v = parse_cn_number(m.group("pctnum"))
            if v is not None:
                out.append((Quantity(m.group(0), v, "%"), end))
            continue
        if m.group("cn"):
            v = parse_cn_number(m.group("cn"))
            if v is None:
                continue
            v *= _MAGNITUDES.get(m.group("cnmag") or "", 1)
            out.append((Quantity(m.group(0), v, m.group("cnunit")), end))
            continue
        num = m.group("num")
        raw_unit = m.group("unit") or ""
        if raw_unit.startswith(("年", "月", "日", "号", "时", "分")) and not m.group("mag"):
            continue  # 2024年, 3月, 12日: dates are not figures
        v = parse_number(num)
        if v is None:
            continue
        v *= _MAGNITUDES.get(m.group("mag") or "", 1)
        if raw_unit.startswith(("%", "‰", "个百分点")):
            unit = "%" if raw_unit.startswith("%") else raw_unit[:4] if raw_unit.startswith("个百分点") else "‰"
        else:
            uw = _UNIT_WORD.match(raw_unit)
            unit = uw.group(1) if uw else ""
        if not unit and not m.group("mag") and v < 10 and "." not in num and after in ("", "是", "项", "大"):
            continue  # "三大" style list numbers and stray digits
        unit_end = m.start("unit") + len(unit) if m.group("unit") and unit and raw_unit.startswith(unit) else \
            (m.end("mag") if m.group("mag") else m.end("num"))
        out.append((Quantity(m.group(0)[: unit_end - start], v, unit), unit_end))
    return out


def _stated_in(q: Quantity, source: list[Quantity]) -> bool:
    """The source states this figure of the same thing: same value, unit and qualifier, and — when the answer
    says what it measures right before it — a source occurrence whose own lead-in shares that wording."""
    same = [sq for sq in source if _same(q, sq)]
    if not q.context:
        return bool(same)
    return any(sq.context & q.context or not sq.context for sq in same)


def _same(a: Quantity, b: Quantity) -> bool:
    """The same figure: value (after magnitude words), unit when both have one, and the qualifier as written."""
    if a.unit and b.unit and a.unit != b.unit:
        return False
    if a.qualifier != b.qualifier:
        return False
    return abs(a.value - b.value) <= 1e-9 * max(abs(a.value), abs(b.value), 1.0)


@dataclass
class CheckResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return "passed" if self.ok else "; ".join(self.reasons[:3])


MIN_SUPPORT = 0.35  # share of a cited sentence's wording (character pairs) its sources must contain
_WORDING = re.compile(r"[\u4e00-\u9fff]{2,}")
_FILLER = set("报告 资料 根据 提出 指出 其中 以及 我们 今年 去年 全年 分别 同比 比上 上年 增长 目标 预期 主要 要求 工作 "
              "达到 实现 完成 控制 左右 以上 以内 累计 年均 为止".split())


def _bigrams(text: str) -> set[str]:
    norm = to_halfwidth(text)
    return {run[i:i + 2] for run in _WORDING.findall(norm) for i in range(len(run) - 1)}


def _support(sentence: str, sources: list[set[str]]) -> float:
    grams = {g for g in _bigrams(sentence) if g not in _FILLER}
    if len(grams) < 4:
        return 1.0  # too short to judge ("增长7%左右[1]"): the number check carries it
    held = set().union(*sources) if sources else set()
    return len(grams & held) / len(grams)


def check_answer(answer: str, sources: list[str]) -> CheckResult:
    """sources[i] is the text of source [i+1]."""
    reasons: list[str] = []
    text = (answer or "").strip()
    if not text:
        return CheckResult(False, ["empty answer"])
    cited_all = [int(n) for n in _CITE.findall(text)]
    bad = sorted({n for n in cited_all if not 1 <= n <= len(sources)})
    if bad:
        reasons.append("cites sources that were not given: " + ", ".join(f"[{n}]" for n in bad))
    says_not_found = bool(re.search(r"(没有找到|未找到|没有相关|无相关|不包含|没有提及|未提及)", text))
    if sources and not cited_all and not says_not_found:
        reasons.append("no citations although sources were given")
    source_q = [quantities(s) for s in sources]
    source_bigrams = [_bigrams(s) for s in sources]
    sentences = [m.group(0) for m in _SENTENCE.finditer(text)]
    pending: list[Quantity] = []  # numbers in a sentence whose citation comes in the next one
    for sentence in sentences:
        refs = [int(n) for n in _CITE.findall(sentence) if 1 <= int(n) <= len(sources)]
        qs = quantities(_CITE.sub("", sentence))
        if not refs:
            pending.extend(qs)
            continue
        support = _support(_CITE.sub("", sentence), [source_bigrams[r - 1] for r in refs])
        if support < MIN_SUPPORT:
            reasons.append(f"the cited source {', '.join(f'[{r}]' for r in refs)} does not hold the sentence "
                           f"({support:.0%} of its wording)")
        for q in pending + qs:
            if not any(_stated_in(q, source_q[r - 1]) for r in refs):
                reasons.append(f"the number {q.text} is not in the cited source {', '.join(f'[{r}]' for r in refs)}")
        pending = []
    for q in pending:
        if not any(_same(q, sq) for sqs in source_q for sq in sqs):
            reasons.append(f"the number {q.text} is in no source")
        elif sources:
            reasons.append(f"the number {q.text} has no citation")
    return CheckResult(not reasons, reasons)
