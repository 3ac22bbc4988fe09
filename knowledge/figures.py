"""Figures: every quantitative statement as (indicator, value, unit, kind, qualifier, year, actual/target)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textnorm import CN_NUMERAL_CHARS, cn_years_to_digits, parse_cn_number, parse_number, to_halfwidth
from .types import Chunk, Figure, ReportMeta

_MAGNITUDE = r"(?:万亿|千亿|百亿|亿|千万|百万|十万|万|千|百)"
_BASE_UNITS = (
    "元/人|元/吨|元/亩|微克/立方米|毫克/立方米|个百分点|百分点|个工作日|工作日|平方公里|平方千米|平方米|千瓦时|"
    "标准煤|标箱|人次|架次|艘次|车次|公里|千米|公顷|美元|欧元|港元|元|斤|公斤|千克|吨|立方米|千瓦|瓦|"
    "亩|方|辆|台|套|件|户|家|个|项|名|人|所|座|条|处|间|张|批|场|部|本|株|头|只|册|倍|棵|艘|架|列|次|轮|"
    "岁|小时|天|周|篇|种|类|块|片|GW|MW|kW|GB|km|m"
)
_UNIT_RE = rf"(?:{_MAGNITUDE}?(?:{_BASE_UNITS})|{_MAGNITUDE}|%|‰)"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = rf"[{CN_NUMERAL_CHARS}万亿]+"
_POST_QUAL = r"(?:以上|左右|以内|以下|上下|之内|多|余|强|出头)?"
_RANGE_SEP = r"[—–\-~～至到]{1,2}"

# On half-width text (to_halfwidth keeps positions), so full-width digits need no special case.
_FIGURE_RE = re.compile(
    rf"(?P<pct>百分之(?P<pctnum>{_CN}))"
    # a round number and more, the unit after ("5400多亿元", "100余家", "三百多万人"): at least the number, qualified
    rf"|(?P<anum>{_ARABIC}|{_CN})(?P<amag>[万千百](?=[多余]))?(?P<more>[多余])(?P<aunit>{_UNIT_RE})"
    rf"|(?P<num>{_ARABIC})(?P<unit1>{_UNIT_RE})?(?:{_RANGE_SEP}(?P<num2>{_ARABIC})(?P<unit>{_UNIT_RE})?)?"
    rf"|(?P<cnnum>{_CN})(?P<cnunit>{_UNIT_RE})"
)


def is_unit(word: str) -> bool:
    """A unit a figure is written in (人次, 万千瓦, 亿斤): what a question counts in, never what it is about."""
    return bool(re.fullmatch(_UNIT_RE, word)) and bool(re.search(r"[\u4e00-\u9fff]", word))


_QUAL_AFTER = re.compile(r"^(以上|左右|以内|以下|上下|之内)")
_QUAL_BEFORE = re.compile(r"(力争|争取|超过|突破|不低于|不少于|不高于|不超过|控制在|保持在|稳定在|约|近|达到|高于|低于|确保)$")
# The words a figure's change is written with ("增长5%", "压减钢铁产能5000万吨"): what moved, never what it is of
CHANGE_VERBS = "增长 增速 增幅 提高 提升 上升 上涨 涨幅 增加 扩大 下降 降低 减少 回落 缩小 压减".split()
_GROWTH = re.compile(rf"(同比|比上年|年均|平均|分别)?({'|'.join(CHANGE_VERBS)})(了|为|到)?$")
_DOWN = re.compile(r"(下降|降低|减少|回落|缩小|压减)")
_SHARE = re.compile(r"(占|比重|比例|率|覆盖|占比|达到)")
_COUNT_UNITS = set("个家项名人户所座条处间张批场部本株头只册辆台套件艘架列次轮种类篇") | {"人次", "架次", "艘次", "车次"}
_LEAD_VERBS = re.compile(
    r"^(使|其中|全年|全区|全市|全省|全县|全国|我国的|我国|我区|我市|我省|今年|去年|上年|当年|累计|共|合计|总计|实现|完成|达到|达|为|是|"
    r"共计|预计|力争|争取|确保|要|将|另|和|及|与|、|，|,|的|在|对|把|主要|各项|年末|年底|末|初步核算|按可比价格计算|全年共|"
    r"努力|进一步|继续|力求|计划|预期|目标)+"
)
_TRAIL = re.compile(r"(由|从|达到|达|为|是|约|近|超过|突破|控制在|保持在|稳定在|分别为|分别|以上|按|在|到|至|共|累计|增至|升至|降至|提高到|提升到|达到了|实现|完成|有|的|了|：|:)+$")
# The version of the rules that date figures (actual or target, year, span of years): reports indexed under an
# older one are dated again when the knowledge base opens (knowledge.redate)
DATING = 16
_REVIEW_HEAD = re.compile(r"(回顾|成绩|成就|过去|工作情况|主要工作|一年来|五年来|这一年|总结|公报|综合|初步核算)")
_PLAN_HEAD = re.compile(r"(安排|建议|任务|目标|计划|部署|重点工作|今年|总体要求|展望|打算|思路|工作建议|政策取向|主要工作)")


def review_heading(heading: str) -> bool:
    """A part that reviews what was done ("一、2024年工作回顾"), not one that plans ("二、2025年工作安排")."""
    return bool(_REVIEW_HEAD.search(heading)) and not _PLAN_HEAD.search(heading)


_CLAUSE_SPLIT = re.compile(r"[，,；;。：:！？、（）()]")
_YEAR_IN_TEXT = re.compile(r"(\d{4})年(?![\d底末]?[月日])")


def extract_figures(chunks: list[Chunk], meta: ReportMeta) -> list[Figure]:
    """Every quantitative statement of the report, with its year and whether it is an actual or a target."""
    phases = _section_phases(chunks, meta)
    figures: list[Figure] = []
    span, section, part = Span(), None, None
    for chunk in chunks:
        phase = phases.get(chunk.section_idx, "review")
        if chunk.section_idx != section:
            # a sub-heading of the part ("（二）…", "一是…") that names no year keeps the span a paragraph opened
            # ("五年来，…" then "（一）…"); a new part, or headings naming a year or a span, set it
            same_part = chunk.section_path[:1] == part
            own = heading_span(chunk.section_path[1:] if same_part else chunk.section_path, meta)
            if own is not None:
                span = own
            elif not (same_part and span.start and span.said and phase == "review"):
                span = heading_span(chunk.section_path, meta) or Span()
            section, part = chunk.section_idx, chunk.section_path[:1]
        found: list[Figure] = []
        if chunk.rows:
            for row in chunk.rows:
                found.extend(table_figures(row, chunk, meta, phase))
        else:
            for line in chunk.text.split("\n"):
                before = 0
                for sentence in _sentences(line):
                    # a paragraph opens with its first sentences: after an address ("各位代表！"), a framing one
                    span = span_after(sentence, span, meta, opening=before < OPENING_CHARS)
                    before += len(sentence)
                    # "过去五年，我们…" under "二、“十四五”时期发展成就和“十五五”时期主要目标任务" reviews, though the part plans
                    here = "review" if span.start and span.said else phase
                    found.extend(_figures_in_sentence(sentence, chunk, meta, here, span.start))
        end = period_end(chunk.section_path, meta)
        for f in found:
            # a target under "二、“十五五”时期主要目标任务" is the five years', not the plan year's (城镇新增就业
            # 500万人以上 over 2026—2030 beside 110万人 for 2026): dated by the period's last year unless the
            # sentence names the plan year itself (or 今年)
            if end and f.type == "target" and f.year == meta.plan_year \
                    and not re.search(rf"{meta.plan_year}年|今年", cn_years_to_digits(to_halfwidth(f.sentence))):
                f.year = end
        figures.extend(found)
    return figures


# Five-year plans: the Nth runs from 1966 + 5 (N - 3) (the third began in 1966 after the 1963—65 adjustment)
_PLAN_PERIOD = re.compile(r"十([一二三四五六七八九])五|第十([一二三四五六七八九])个五年")


def plan_last_year(n: int) -> int:
    """The last year of the Nth five-year plan: 14 (十四五) → 2025."""
    return 1966 + 5 * (n - 3) + 4
_SPAN = re.compile(r"(20\d\d)\s*[—\-–~～至到]+\s*(20\d\d)年")
_NEXT_FIVE = re.compile(r"(今后|未来)五年")
# "全力推动“十五五”开好局、起好步": the plan's opening year is the plan year, not the period
_OPENING = re.compile(r"开局|开好局|起好步|开篇|首年|第一年")
_DIGITS = "一二三四五六七八九"


def period_end(section_path: list[str], meta: ReportMeta) -> int | None:
    """The last year of a period still ahead that the deepest heading naming one names ("“十五五”时期主要目标任务"
    → 2030, "今后五年" → plan year + 4); None when a deeper heading names the plan year or no heading a period."""
    if not meta.plan_year:
        return None
    end = None
    for heading in section_path:
        text = cn_years_to_digits(to_halfwidth(heading))
        if _OPENING.search(text) or f"{meta.plan_year}年" in text or "今年" in text:
            end = None  # "“十五五”时期主要目标和2026年重点工作": the plan year's targets lead, said as such
            continue
        ends = [plan_last_year(10 + _DIGITS.index(a or b) + 1) for a, b in _PLAN_PERIOD.findall(text)]
        ends += [int(b) for a, b in _SPAN.findall(text) if int(a) <= meta.plan_year < int(b)]
        ends += [meta.plan_year + 4] * bool(_NEXT_FIVE.search(text))
        ahead = [e for e in ends if e > meta.plan_year]
        if ahead:
            end = max(ahead)
    return end


# A review of several years ("过去五年", "这五年", "“十四五”时期是…的五年") states totals and averages over them
# (城镇新增就业603.7万人 over 2021—2025, beside 121.7万人 for 2025); a part or paragraph opening on one year
# ("刚刚过去的2025年", "过去一年", "今年是…") or turning to the years ahead ("“十五五”时期") leaves them.
_PAST_SPAN = re.compile(r"(过去|这|近)的?五年|五年来|五年间|经过五年|十[一二三四五六七八九]五”?(时期|期间|以来)")
_AHEAD_SPAN = re.compile(r"(今后|未来)的?五年|十[一二三四五六七八九]五|第十[一二三四五六七八九]个五年")
# where a paragraph turns to a span or a year: its first sentences ("2025年是…收官之年。五年来，…"), their start
OPENING_CHARS = 40
SPAN_HEAD_CHARS = 30
_ONE_YEAR = re.compile(r"一年来|(过去|这|上)的?一年|今年")


@dataclass
class Span:
    """The years a passage reviews: from `start` to the year reviewed; `said` when a sentence named them (a
    heading alone does not make a plan's part a review)."""

    start: int | None = None
    said: bool = False


def _span_named(text: str, meta: ReportMeta) -> Span | None:
    """The span of years text turns to first: one ending with the year reviewed (its first year), or one ahead
    ("“十五五”规划", "今后五年": start None); None when it names neither ("2025年是“十四五”收官之年")."""
    reviewed = meta.review_year
    if not reviewed:
        return None

    def last_year(said: str) -> int:
        plan = _PLAN_PERIOD.search(said)
        return plan_last_year(10 + _DIGITS.index(plan.group(1) or plan.group(2)) + 1) if plan else reviewed

    found: list[tuple[int, Span]] = []
    for m in _PAST_SPAN.finditer(text):
        last = last_year(m.group(0))
        if last >= reviewed:
            found.append((m.start(), Span(last - 4 if last == reviewed else None)))
    for m in _AHEAD_SPAN.finditer(text):
        # a plan still to begin; one under way ("十一五" in a 2008 report) is neither ahead nor reviewed
        if m.group(0).startswith(("今后", "未来")) or last_year(m.group(0)) - 4 > reviewed:
            found.append((m.start(), Span()))
    return min(found, key=lambda t: t[0])[1] if found else None


# a heading summing up one of the years' themes: "这是经济实力持续提升的五年。"
_FIVE_YEARS_THEME = re.compile(r"的五年[。.！!]?$")


def heading_span(section_path: list[str], meta: ReportMeta) -> Span | None:
    """The years a part reviews as its headings say: several ("一、“十四五”时期经济社会发展回顾", "这是…的五年。"), one
    (Span() when the deepest heading naming a span names one year too: "“十四五”时期和2025年工作回顾"), or None when
    no heading says."""
    span = None
    for heading in section_path:
        text = cn_years_to_digits(to_halfwidth(heading))
        if (meta.review_year and f"{meta.review_year}年" in text) or _ONE_YEAR.search(text):
            span = Span()
        elif meta.review_year and _FIVE_YEARS_THEME.search(text):
            span = Span(meta.review_year - 4)
        else:
            span = _span_named(text, meta) or span
    return span


def span_after(sentence: str, span: Span, meta: ReportMeta, opening: bool) -> Span:
    """The years reviewed from this sentence on: a span a paragraph opens on ("过去五年，…", "2025年是“十四五”收官
    之年。五年来，…"), or one year ("刚刚过去的2025年很不平凡。", "今年是“十五五”开局之年。"). A span mentioned on the
    way ("增幅均为近五年最高", "高于“十三五”时期实际") changes nothing."""
    if not opening:
        return span
    text = cn_years_to_digits(to_halfwidth(sentence))
    named = _span_named(text[:SPAN_HEAD_CHARS], meta)
    if named:
        named.said = True
        return named
    if (later := _span_named(text, meta)) is not None and later.start is None:
        return Span()  # "根据《…第十五个五年规划的建议》…": the plan ahead, wherever the sentence names it
    head = text[:OPENING_CHARS]
    years = [f"{y}年" for y in (meta.review_year, meta.plan_year) if y]
    if _ONE_YEAR.search(head) or any(f"刚刚过去的{y}" in head or y in text[:16] for y in years):
        return Span()
    return span


# What piles up over the years (新增就业, 新建改造农田, 累计…) against where things stand at their end (生产总值6.66万亿元,
# 高新技术企业1.28万家, 城镇化率达到…): only a figure a flow word leads is the years' total.
_FLOW = re.compile(r"(新增|净增|新设|新建|新开工|累计|改造|建成(?!区)|建设|治理|造林|修复|开挖|引进|培育|转移|完成|实施|筹集|"
                   r"发放|减税|降费)")
# a value reached ("提高到76.58%", "达到…"): where things stand at the end, not a rise over the years
_REACHED = re.compile(r"(到|至|达到|达|为)$")


def _period_of(kind: str, clause: str, listed: str, named: bool, ftype: str, span: int | None) -> int | None:
    """The first year of the span an actual figure covers, when it is a total or an average over the years reviewed.
    clause: the words right before it; listed: back to the last comma, so a flow word leads a 、-list ("累计接待游客
    17.52亿人次、旅游花费1.27万亿元")."""
    if span is None or named or ftype != "actual":
        return None
    if re.search(r"(年均|平均每年|累计)", clause):
        return span  # a yearly average or a running total over the years
    if _REACHED.search(clause):
        return None  # "提高到76.58%", "新增16条、达到54条": where it stands at the end
    if kind == "growth":
        return span  # a rise over the years, not one year's growth
    return span if _FLOW.search(listed) else None


def table_figures(row, chunk: Chunk, meta: ReportMeta, phase: str) -> list[Figure]:
    """A table row's figures: the indicator is the row's label, the unit, year, kind and actual/target come
    from the column headers, the unit column and the caption."""
    from .tables import GENERIC_HEAD, GROWTH_HEAD, TARGET_HEAD

    out: list[Figure] = []
    caption = cn_years_to_digits(to_halfwidth(row.caption))
    label = row.label
    named = ""
    for cell in row.cells:
        n = cell.number
        if n is None:
            continue
        head = cn_years_to_digits(to_halfwidth(cell.head))
        residual = _YEAR_IN_TEXT.sub("", head)
        if _YEAR_IN_TEXT.fullmatch(label):
            # a time series (years down the first column): the column names the indicator; "增速" beside
            # "地区生产总值" is that indicator's growth
            if residual and not GENERIC_HEAD.fullmatch(residual):
                indicator = named = residual
            else:
                indicator = f"{named}{residual}" if named else caption
        else:
            indicator = label if not residual or GENERIC_HEAD.fullmatch(residual) else f"{label}（{residual}）"
        unit = cell.unit
        growth = bool(GROWTH_HEAD.search(head)) or (unit in ("%", "个百分点", "百分点") and
                                                    bool(re.search(r"增长|增速|增幅", label)))
        if growth:
            kind = "growth"
        elif unit in ("%", "‰"):
            kind = "share"
        elif unit in _COUNT_UNITS or (unit[-1:] in _COUNT_UNITS and unit[:-1] in ("万", "千", "百", "亿")):
            kind = "count"
        else:
            kind = "level"
        value, high = n.value, n.high
        if growth and value > 0 and re.search(r"下降|减少", head):
            value, high = -value, (-high if high is not None else None)
        if TARGET_HEAD["target"].search(head) and not TARGET_HEAD["actual"].search(head):
            ftype = "target"
        elif TARGET_HEAD["actual"].search(head):
            ftype = "actual"
        elif TARGET_HEAD["target"].search(caption) and not TARGET_HEAD["actual"].search(caption):
            ftype = "target"
        else:
            ftype = "target" if phase == "plan" else "actual"
        years = _YEAR_IN_TEXT.findall(cn_years_to_digits(label)) or _YEAR_IN_TEXT.findall(head) or \
            _YEAR_IN_TEXT.findall(caption)
        if years:
            year: int | None = int(years[-1])
        else:
            year = meta.plan_year if ftype == "target" else meta.review_year
            if year is None and meta.year:
                year = meta.year if ftype == "target" else meta.year - 1
        sign = "-" if n.value < 0 else ""
        raw = f"{sign}{n.written}" + (f"-{n.written_high}" if n.written_high else "") + unit + n.qualifier
        out.append(Figure(indicator=indicator[:40], value=value, raw=raw, unit=unit, kind=kind,
                          qualifier=n.qualifier or (raw if high is not None else ""), year=year, type=ftype,
                          sentence=row.sentence, chunk_idx=chunk.idx, section_path=chunk.section_path, value_high=high))
    return out


def _sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*|\n|$)", text) if m.group(0).strip()]


def _section_phases(chunks: list[Chunk], meta: ReportMeta) -> dict[int, str]:
    """Whether a section reviews the past ("review") or plans ahead ("plan"), from its headings."""
    if meta.kind == "统计公报":
        return {c.section_idx: "review" for c in chunks}
    phases: dict[int, str] = {}
    current_top, phase, seen_review = None, "review", False
    for c in chunks:
        path = [cn_years_to_digits(to_halfwidth(p)) for p in c.section_path]
        top = path[0] if path else ""
        if top != current_top:
            current_top = top
            phase = _phase_of_heading(top, meta, "plan" if seen_review else "review")
            seen_review = seen_review or (phase == "review" and bool(top))
        p = phase
        for heading in path[1:]:
            # a sub-heading moves the phase only when it names a year ("（一）2025年主要目标"); words like
            # "锚定目标" in a review sub-heading are rhetoric, not a plan
            if re.search(r"\d{4}年", heading):
                p = _phase_of_heading(heading, meta, p)
        phases[c.section_idx] = p
    return phases


def _phase_of_heading(heading: str, meta: ReportMeta, default: str) -> str:
    years = [int(y) for y in re.findall(r"(\d{4})年", heading)]
    if meta.plan_year and meta.plan_year in years and not (meta.review_year in years and "回顾" in heading):
        return "plan"
    if meta.review_year and meta.review_year in years and _REVIEW_HEAD.search(heading):
        return "review"
    if _REVIEW_HEAD.search(heading) and not _PLAN_HEAD.search(heading):
        return "review"
    if _PLAN_HEAD.search(heading) and not _REVIEW_HEAD.search(heading):
        return "plan"
    return default


def _figures_in_sentence(sentence: str, chunk: Chunk, meta: ReportMeta, phase: str,
                         span: int | None = None) -> list[Figure]:
    half = to_halfwidth(sentence)
    out: list[Figure] = []
    last_indicator = ""
    last_end = -1
    for m in _FIGURE_RE.finditer(half):
        fig = _figure_from_match(m, half, sentence)
        if fig is None:
            continue
        value, value_high, unit, raw, start, end = fig
        before = half[:start]
        # an aside inside a name is read through ("天然气（页岩气）产量562亿立方米": the clause is 天然气产量)
        raw_clause = _clause_through_asides(before) if ASIDES_READ_THROUGH else _CLAUSE_SPLIT.split(before)[-1]
        clause = _ASIDE.sub("", raw_clause)
        pre_q = _QUAL_BEFORE.search(clause)
        post = _QUAL_AFTER.match(half[end:])
        if value_high is not None:
            qualifier = raw
        elif m.group("more"):
            qualifier = m.group("more")
        else:
            qualifier = post.group(1) if post else (pre_q.group(1) if pre_q else "")
        if post:
            raw += sentence[end:end + len(post.group(1))]
        growth = _GROWTH.search(clause) or (unit in ("%", "个百分点", "百分点") and re.search(r"(增长|下降|提高|降低|增速|增幅)", clause[-8:]))
        indicator = _indicator(clause)
        same_clause = last_end > start - len(raw_clause)
        if last_indicator and (same_clause or clause.startswith("比") or indicator.startswith("比")):
            indicator = last_indicator  # "由21%提高到74%", "比上年的…": the same indicator again
        after = re.match(r"(?:以上|左右|以内)?的([^，,；;。：:、（）()\d]{2,16})", half[end:])
        if after and len(indicator) < 2:
            indicator = re.sub(r"(任务|目标|规模)$", "", after.group(1)) or after.group(1)
        counted = unit in _COUNT_UNITS or unit[-1:] in _COUNT_UNITS
        if len(indicator) < 2 and counted and re.fullmatch(r"(其中|共|共有|全年|累计|有)?", clause):
            # "其中20家企业实现两位数以上增长": a count before its subject names what follows it
            follow = re.match(r"(?:以上|左右|以内|多|余)?(?!以上|左右|以内)([^，,；;。：:、（）()\d]{2,16})", half[end:])
            indicator = follow.group(1) if follow else indicator
        if not indicator or len(indicator) < 2 or (len(indicator) < 3 and last_indicator
                                                    and not (OWN_NOUNS and _names_a_thing(indicator))):
            indicator = last_indicator or indicator
        if (not indicator or (SET_AT and len(indicator) < 2)) and re.fullmatch(
                r"(?:要|将|初步)?(达到|突破|超过|增至|升至|提高到|提升到|稳定在|保持在|定为|定在|确定为|控制在)", clause):
            # "新能源装机在全国率先破亿、达到1.35亿千瓦", "…的宏观调控目标，定为百分之八至九": the clause is a verb,
            # its subject the clause before
            earlier = _CLAUSE_SPLIT.split(before)
            indicator = _indicator(earlier[-2]) if len(earlier) >= 2 else ""
        if not indicator:
            continue
        last_indicator = indicator
        last_end = end
        if unit in ("%", "‰", "个百分点", "百分点"):
            kind = "growth" if growth else ("share" if _SHARE.search(clause + indicator) else "growth" if unit.endswith("百分点") else "share")
        elif unit in _COUNT_UNITS or (unit[-1:] in _COUNT_UNITS and unit[:-1] in ("万", "千", "百", "亿")):
            kind = "count"
        else:
            kind = "level"
        if kind == "growth" and _DOWN.search(clause[-10:]):
            value = -value
            value_high = -value_high if value_high is not None else None
        ftype, year, named = _type_and_year(half, start, meta, phase)
        out.append(Figure(indicator=indicator, value=value, raw=raw, unit=unit, kind=kind, qualifier=qualifier,
                          year=year, type=ftype, sentence=sentence, chunk_idx=chunk.idx,
                          section_path=chunk.section_path, value_high=value_high,
                          period_start=_period_of(kind, clause, re.split(r"[，,；;。：:！？]", before)[-1], named,
                                                  ftype, span)))
    return out


_ASIDE = re.compile(r"(?<=[\u4e00-\u9fff])[（(][^（）()，,；;。]{1,12}[）)](?=[\u4e00-\u9fff])")
ASIDES_READ_THROUGH = True


def _clause_through_asides(before: str) -> str:
    """The clause a figure ends, as written: from the last clause break that is not inside an aside within a name.
    An aside after a number ("在全省183个县（市、区）划分…学区732个") ends the clause before it, as it always did."""
    inside = [m.span() for m in _ASIDE.finditer(before)
              if not re.search(r"\d", re.split(r"[，,；;。：:！？、]", before[:m.start()])[-1])]
    cut = max((m.start() for m in _CLAUSE_SPLIT.finditer(before)
               if not any(a <= m.start() < b for a, b in inside)), default=-1)
    return before[cut + 1:]

# A clause of only a verb setting a figure ("定为", "控制在") takes its subject from the clause before, as one of
# reaching does ("达到")
SET_AT = True

# A two-character word before a figure: a noun names what the figure counts ("钢材1.1亿吨、水泥2.3亿吨", "其中，
# 出口…、利润…"); a verb ("新增", "建成") or a word for an aspect of what came before ("总量突破90万亿元", "名义增长",
# "规模近9.8万亿元") is read with the indicator before it, and so is a word of scope ("其中农村1万个以上")
_ASPECT_OF_BEFORE = re.compile(r"^(?:总.|全.|单.|人均|.[量值额率数]|比重|规模|名义|实际|整体|指标|任务|限额|"
                               r"城镇|农村|城市|乡村|城乡|城区|市区|县域|县城|镇区|乡镇)$")
OWN_NOUNS = True


def _names_a_thing(word: str) -> bool:
    import jieba.posseg as pseg

    from .lexical import _get_jieba

    _get_jieba()
    # the general dictionary's part of speech, not a guess from the context
    return pseg.dt.word_tag_tab.get(word) == "n" and not _ASPECT_OF_BEFORE.match(word)


def _figure_from_match(m: re.Match, half: str, original: str):
    """(value, high, unit, raw, start, end) for a real quantity; None for years, dates, ordinals, list numbers."""
    start, end = m.span()
    raw = original[start:end]
    if m.group("pct"):
        value = parse_cn_number(m.group("pctnum"))
        return None if value is None else (value, None, "%", raw, start, end)
    if m.group("anum"):
        num, unit = m.group("anum"), (m.group("amag") or "") + m.group("aunit")  # "3万多亿元": 3 万亿元
        if re.fullmatch(_ARABIC, num):
            value = parse_number(num)
        elif len(num) < 2 or re.fullmatch(r"[万亿千百十]+", num):
            return None
        else:
            value = parse_cn_number(num)
        return None if value is None else (value, None, unit, raw, start, end)
    if m.group("cnnum"):
        num = m.group("cnnum")
        if len(num) < 2 and m.group("cnunit") not in ("%",):
            return None
        if re.fullmatch(r"[万亿千百十]+", num) or num.startswith(("万", "亿")):
            return None
        unit = m.group("cnunit")
        if re.fullmatch(_MAGNITUDE, unit) and num[-1] in "万亿":
            # "十二万亿" split by the pattern as 十二万 + 亿: the magnitude belongs to the numeral
            num, unit = num + unit, ""
        value = parse_cn_number(num)
        if value is None:
            return None
        for name, size in (("万亿", 1e12), ("亿", 1e8), ("万", 1e4)):
            if ("亿" in num or "万" in num) and value >= size and not unit.startswith(("万", "亿")):
                return round(value / size, 10), None, name + unit, raw, start, end
        return value, None, unit, raw, start, end
    unit = m.group("unit") or m.group("unit1") or ""
    if not unit:
        return None
    num_text = m.group("num")
    after = half[end:end + 1]
    prev = half[start - 1:start] if start else ""
    if prev == "第" or after in ("年", "月", "日", "号", "届", "期", "级", "批", "次", "季") and unit in ("",):
        return None
    if unit in ("个", "项", "条", "件", "批", "轮", "类", "种") and half[end:end + 2] in ("方面", "领域", "重点", "行动"):
        return None
    if re.fullmatch(r"(19|20)\d{2}", num_text) and unit in ("", "年"):
        return None
    value = parse_number(num_text)
    if value is None:
        return None
    high = parse_number(m.group("num2")) if m.group("num2") else None
    return value, high, unit, raw, start, end


def _indicator(clause: str) -> str:
    text = cn_years_to_digits(clause)
    text = _YEAR_IN_TEXT.sub("", text)
    text = re.sub(r"^\d{1,2}月(份)?", "", text)
    text = _GROWTH.sub("", text)
    text = _TRAIL.sub("", text)
    text = _LEAD_VERBS.sub("", text)
    text = re.sub(r"^[\d.%]+", "", text)
    text = text.strip(" “”\"'《》")
    return text[-24:] if len(text) > 24 else text


# 预期 as in 预期目标 marks a target; 稳预期 (steadying expectations), 超预期 and 好于/符合/高于预期 do not
_AIM_EXPECT = r"(?<![稳超于合])预期"


_SINCE = re.compile(r"(?:从|自)(\d{4})年(?:起|以来|开始)|(\d{4})年(?:以来|起)")


def _since(m: re.Match, meta: ReportMeta) -> str:
    """A span's start year in the past is dropped; one still ahead ("自2027年起…提高到200元") dates the figure."""
    year = int(m.group(1) or m.group(2))
    return "" if meta.review_year and year <= meta.review_year else m.group(0)


_TASKS_AS_A_WHOLE = re.compile(r"(?:完成|聚焦|围绕|锚定)[^，,；;。]{0,16}?目标任务|目标任务体系|计划(?=[，,、])")


def _type_and_year(half: str, pos: int, meta: ReportMeta, phase: str) -> tuple[str, int | None, bool]:
    """actual or target, the year, and whether the text names that year (2025年, 今年, 去年) or it was assumed."""
    before = half[:pos]
    local = before[-30:]
    if phase == "plan":
        past = re.search(r"(去年|上年|过去|已经|已|实现了|完成了|达到了|累计|五年来|一年来)", local)
        ftype = "actual" if past and not re.search(rf"(目标|{_AIM_EXPECT}|力争|今年)", local) else "target"
    else:
        # the figure's own clause: "城镇新增就业980万人，超过预期目标；城镇居民人均可支配收入9422元" states 9422元
        # the year's tasks met or aimed at as a whole ("完成年度目标任务", "聚焦…目标任务体系") are no target the
        # figure after them sets ("…生产总值增长5.6%"); "主要目标任务是：…" still is. Nor is a programme named
        # where its clause ends ("实施岗位挖潜扩容支持计划，…城镇新增就业107万人": 计划 names it, aims at nothing)
        clause = _TASKS_AS_A_WHOLE.sub("", re.split(r"[；;。]", local)[-1])
        aim = re.search(rf"(目标|{_AIM_EXPECT}|力争|计划|到20\d\d年)", clause)
        done = re.search(r"(完成|实现|达到|超额|比上年|同比|增长了)", local[-12:])
        ftype = "target" if aim and not done else "actual"
    # a year a span starts from ("从1999年起连续扩大招生，高考录取率从36%提高到59%") dates no figure after it
    before_digits = _SINCE.sub(lambda m: _since(m, meta), cn_years_to_digits(before))
    near = re.split(r"[，,；;]", before_digits)[-1]
    years = [int(y) for y in _YEAR_IN_TEXT.findall(near)] or \
        [int(y) for y in _YEAR_IN_TEXT.findall(before_digits[:20])]
    if not years and re.search(r"今年", before) and meta.plan_year:
        years = [meta.plan_year]
    elif not years and re.search(r"去年|上年", local) and meta.review_year:
        years = [meta.review_year]
    year = None
    named = bool(years)
    if years:
        y = years[-1]
        if meta.review_year and meta.plan_year and y in (meta.review_year, meta.plan_year):
            year = y
            ftype = "target" if (y == meta.plan_year and phase == "plan") else ftype
        elif meta.review_year and y <= meta.review_year and (meta.review_year - y) <= 10 and ftype == "actual":
            year = y
        elif meta.plan_year and meta.plan_year < y <= meta.plan_year + 15 and ftype == "target":
            year = y  # "到2030年…": a target for a later year
    if year is None:
        year = meta.plan_year if ftype == "target" else meta.review_year
        if year is None and meta.year:
            year = meta.year if ftype == "target" else meta.year - 1
    return ftype, year, named
