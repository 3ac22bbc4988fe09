"""Question-vs-text matching, the one place retrieval and answers ask "does this text say what was asked?":
concept credits (a form, its parts, a contraction, or a term of the reports that means the same), rarity
weights, years asked of a report, and scopes (年均/人均/累计) the question did not ask for."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .lexical import BM25, pos_cut, tokenize
from .query import Concept, QueryInfo
from .textnorm import normalize_for_match, with_asides_read_through
from .types import years_said

if TYPE_CHECKING:
    from .store import ReportRow

NO_POSITIONS = np.zeros(0, dtype=np.int64)


def union_positions(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct positions in any of the arrays (numpy's unique hashes, slower for these sizes)."""
    both = np.sort(np.concatenate([NO_POSITIONS, *arrays]))
    return both[np.concatenate(([True], both[1:] != both[:-1]))] if len(both) else both


# A concept that neither the reports asked about nor any term meaning the same write, and that few reports write
# at all ("老楼" 2 of 77, "共用" 4), weighs like a word no report uses: the question's own wording, not the topic,
# which its other concepts and the vector carry. One most reports write ("固定资产投资" 49 of 77, "空气质量" 47) is
# a topic the reports asked about lack, and keeps its weight.
UNMATCHED_RARE = 0.1


def weigh_concepts(q: QueryInfo, bm25: BM25) -> None:
    """Weight each concept by how rare it is in the corpus: "生育率" counts for more than "建设".

    The rarity is that of what the reports write: the question's own words when the reports use them, else
    the terms found for it by meaning. A word no report uses, and that means nothing the reports say, cannot
    veto an answer by itself: it weighs half the lightest concept the reports do know. A place no report
    names keeps its full weight (a city with no report of its own is not answered from its province's)."""
    weights: list[float | None] = []
    for concept in q.concepts:
        known = [w for w in concept.forms if all(bm25.df(t) for t in tokenize(w) or [w])]
        words = known or [term for term, _ in concept.meanings]
        if (not words or (concept.unmatched and concept.written_by < UNMATCHED_RARE)) and not concept.place:
            weights.append(None)
            continue
        words = words or concept.forms
        weights.append(max(0.5, max(bm25.idf(t) for w in words for t in tokenize(w) or [w])))
    lightest = min((w for w in weights if w is not None), default=1.0)
    q.concept_weights = [w if w is not None else 0.5 * lightest for w in weights]


def wanted_years(q: QueryInfo, report: ReportRow) -> set[int]:
    """The years a question asks about in this report: named ones (去年/今年 resolved against the issuer's latest
    report, see query.resolve_time_words: an older report's review year is not 去年), or, unresolved, read from
    the report. A year that only names the report ("2023年政府工作报告回顾…") is the report's own: its plan year
    for a target, the year it reviews for what was done, either when the question does not say."""
    if REPORT_YEAR_IS_THE_REPORTS and q.year_names_report and set(q.years) == {q.report_year} and not q.relative \
            and report.year == q.report_year:
        if q.intent == "target":
            own = {report.plan_year}
        elif q.intent == "actual" and (q.says_done or not DONE_SAID):
            own = {report.review_year}
        else:
            own = {report.review_year, report.plan_year}
        return {y for y in own if y} or set(q.years)
    return set(q.years) or own_relative_years(q, report)


# Whether a year naming the report asked about stands for the years that report reviews and plans (ablation switch)
REPORT_YEAR_IS_THE_REPORTS = True
# Whether only a word of something done ("完成了", "实际") narrows that to the year reviewed: "2017年报告中…增长幅度为
# 多少" asks the report's figure, of either year (ablation switch)
DONE_SAID = True


def own_relative_years(q: QueryInfo, report: ReportRow) -> set[int]:
    """The year 去年/今年 would mean read from this report alone: its review year, its plan year."""
    if q.relative == "last" and report.review_year:
        return {report.review_year}
    if q.relative in ("this", "next") and report.plan_year:
        return {report.plan_year}
    return set()


def latest_years(reports: Iterable[ReportRow]) -> dict[str, int]:
    """Each issuer's latest report year."""
    latest: dict[str, int] = {}
    for r in reports:
        latest[r.issuer] = max(latest.get(r.issuer, 0), r.year or 0)
    return latest


SCOPES = ("年均", "人均", "累计")
# A question asking about several years ("“十四五”期间新增就业多少", "这五年…", "历年…") rather than one year's figure;
# 累计/年均 ask it only when no one year is asked ("去年累计完成投资" is that year's running total)
_ASKS_SPAN = re.compile(r"五年|十[一二三四五六七八九]五|这些年|这几年|近几年|历年")
_SPAN_MEASURE = re.compile(r"累计|年均")


SPAN_QUESTIONS = True


# A run of years named by its ends ("1998年至2002年间", "2021—2025年"): a span asked, ending with the later year
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s*年?\s*(?:至|到|—|–|-|~|～)\s*(?:19|20)\d{2}")


def asks_span(q: QueryInfo) -> bool:
    if not SPAN_QUESTIONS:
        return False
    return bool(_ASKS_SPAN.search(q.text) or _YEAR_RANGE.search(q.text)
                or (_SPAN_MEASURE.search(q.text) and not q.years and not q.relative))


# Whether a figure's span of years (figures.py dates a five-year review's totals) is told from one year's
SPAN_FIGURES = True


def unasked_span(q: QueryInfo, figure) -> bool:
    """A total or average over several years (figure.period_start set) when the question asks one year's."""
    return SPAN_FIGURES and figure.period_start is not None and not asks_span(q)


def of_years(q: QueryInfo, figure, years: set[int]) -> bool:
    """Whether a figure is of the years asked: a span's total counts for its last year only when a span is asked."""
    return figure.year in years and not unasked_span(q, figure)


def span_fit(q: QueryInfo, figure) -> int:
    """+1 for a total or average over several years when the question asks about such a span, -1 when it asks
    one year's, 0 for one year's figure."""
    if not SPAN_FIGURES or figure.period_start is None:
        return 0
    return 1 if asks_span(q) else -1


def span_label(figure) -> str:
    """"2025年", or "2021—2025年" for a total or average over several years."""
    return years_said(figure.year, figure.period_start)


def unasked_scope(q: QueryInfo, indicator: str, sentence: str, raw: str) -> bool:
    """A five-year average, a per-head or a cumulative figure ("国内生产总值年均增长7.8%") when the question
    did not ask for one: not the year's level or growth."""
    pos = sentence.find(raw) if raw else -1
    return scope_not_asked(q, indicator + (sentence[max(0, pos - 8):pos] if pos >= 0 else ""))


def scope_not_asked(q: QueryInfo, text: str) -> bool:
    """Whether text says 年均/人均/累计 where the question does not."""
    return any(scope in text and scope not in q.text for scope in SCOPES)


def concept_weight_list(q: QueryInfo) -> list[float]:
    """Each concept's weight: its rarity in the corpus when weighed, else its length (as concept_overlap)."""
    return [q.concept_weights[i] if i < len(q.concept_weights) else float(len(c.forms[0]))
            for i, c in enumerate(q.concepts)]


def concept_credits(q: QueryInfo, weights: list[float], n: int, containing) -> np.ndarray:
    """concept_overlap's numerator (before dividing by the total weight) for n texts at once, from
    containing(word) -> positions of the texts holding word: what concept_credit does per text."""
    total = np.zeros(n)
    for concept, weight in zip(q.concepts, weights, strict=True):
        whole = union_positions([containing(f) for f in concept.norm_forms])
        parts = [containing(part) for part, _, _ in concept.norm_parts]
        some = union_positions([whole, *parts, *(containing(form) for form, _ in concept.meanings)])
        if not len(some):
            continue
        covered = np.zeros((len(some), max(len(concept.forms[0]), 1)), dtype=bool)
        for (_, start, length), holders in zip(concept.norm_parts, parts, strict=True):
            covered[np.isin(some, holders, assume_unique=True), start:start + length] = True
        credit = covered.mean(axis=1) ** 1.5
        for form, meant in concept.meanings:  # a term of the reports that means the same, at its credit
            holding = np.isin(some, containing(form), assume_unique=True)
            credit[holding] = np.maximum(credit[holding], meant)
        credit[np.isin(some, whole, assume_unique=True)] = 1.0
        total[some] += weight * credit
    return total


# A term is found whole across a short aside inside it ("加装（更新）电梯" holds 加装电梯).
ASIDES_READ_THROUGH = True


def concept_credit(concept, norm: str) -> float:
    """1 when a form of the concept is in the (normalized) text; else the credit of a term meaning the same
    (see vocabulary.py) or the squared share its parts cover, whichever is more."""
    if ASIDES_READ_THROUGH:
        norm = with_asides_read_through(norm)
    if any(f in norm for f in concept.norm_forms):
        return 1.0
    meant = max((credit for form, credit in concept.meanings if form in norm), default=0.0)
    if not concept.norm_parts:
        return meant
    mask = [False] * len(concept.forms[0])
    for part, start, length in concept.norm_parts:
        if part in norm:
            mask[start:start + length] = [True] * length
    return max(meant, (sum(mask) / max(len(mask), 1)) ** 1.5)


def concept_overlap(q: QueryInfo, text: str, normalized: bool = False) -> float:
    """Share of the question's concepts in text, weighted by rarity; abbreviations count via any expansion."""
    if not q.concepts:
        return 0.0
    norm = text if normalized else normalize_for_match(text)
    found = total = 0.0
    for i, concept in enumerate(q.concepts):
        w = q.concept_weights[i] if i < len(q.concept_weights) else float(len(concept.forms[0]))
        total += w
        found += w * concept_credit(concept, norm)
    return found / total if total else 0.0


# Words of how a figure moved (a measure of something, never the something): no foothold for a topic.
CHANGE_WORDS = {"增长", "增速", "增幅", "涨幅", "上涨", "下降", "降幅", "提高", "减少", "增加", "增长速度", "增长幅度"}
# The vector's support needs a concept of the question mostly held in the words: its credit (the share of its
# characters its parts cover, to the power 1.5) at least this, about two thirds of them.
FOOTHOLD = 0.5


# A phrase the reports never write whole ("一般公共预算支出中所", "全省民生领域支出") still gives a foothold when its
# own words mostly stand in the passage (民生支出占一般公共预算支出比例): the credit is of the question's words, not of
# a meaning. A word of its own no report writes (土豆, 打出) has no parts and holds nothing either way.
PHRASE_FOOTHOLD = True
# The foothold is in the quote and its headings, not only somewhere in the passage around it
FOOTHOLD_IN_QUOTE = True


# Words of scope (全省, 全市, 全社会 …): where a figure counts, in nearly every passage of a report, not what it is of.
SCOPE_WORDS = {"全省", "全市", "全区", "全县", "全国", "全社会", "全州", "全盟", "全旗", "全镇", "全乡"}
SCOPE_HOLDS_NOTHING = True


def can_hold(concept: Concept) -> bool:
    """A concept whose words can give the vector's support a foothold: more than a word of change or of scope,
    and (unless PHRASE_FOOTHOLD) one the reports know as a whole."""
    if not PHRASE_FOOTHOLD and concept.unmatched:
        return False
    empty = CHANGE_WORDS | SCOPE_WORDS if SCOPE_HOLDS_NOTHING else CHANGE_WORDS
    return not set(concept.forms) <= empty


def holds_a_concept(q: QueryInfo, text: str) -> bool:
    """Whether text mostly holds one of the question's concepts (not a place, not a word of change) in its words."""
    norm = normalize_for_match(text)
    return any(concept_credit(c, norm) >= FOOTHOLD for c in q.concepts if not c.place and can_hold(c))


# A passage crediting none of the question's topics (only its words of change, scope or place) is never found.
TOPIC_NEEDED = True
TOPICLESS = 0.5


def concept_overlap_near(q: QueryInfo, text: str, around: str, discount: float, meant: float = 0.0,
                         anchored: bool = False, held: str | None = None, given: frozenset[int] = frozenset()) -> float:
    """Like concept_overlap on text, but a concept found only in the surrounding text counts at a discount;
    meant: the credit every concept but a place gets at least (the vector search ranked this passage first for
    the question); anchored: that support needs no foothold in the passage's words (see answer.wordless);
    held: where that foothold must be, when not anywhere in text."""
    if not q.concepts:
        return 0.0
    norm, norm_around = normalize_for_match(text), normalize_for_match(around)
    weights = concept_weight_list(q)
    own = [concept_credit(c, norm) for c in q.concepts]
    credits = [max(cr, discount * concept_credit(c, norm_around)) for c, cr in zip(q.concepts, own, strict=True)]
    # the vector's support needs a foothold in the words: a concept of the question mostly held (a passage
    # merely near in vector space, or sharing a character, supports nothing); places are never supported
    if held is not None:
        norm_held = normalize_for_match(held)
        holding = [concept_credit(c, norm_held) for c in q.concepts]
    else:
        holding = own if FOOTHOLD_IN_QUOTE else credits
    foothold = anchored or any(cr >= FOOTHOLD for c, cr in zip(q.concepts, holding, strict=True) if can_hold(c))
    for i, concept in enumerate(q.concepts):
        if not concept.place and meant and foothold:
            credits[i] = max(credits[i], meant)
        if i in given:
            credits[i] = 1.0
    total = sum(weights)
    share = sum(w * cr for w, cr in zip(weights, credits, strict=True)) / total if total else 0.0
    topics = [cr for c, cr in zip(q.concepts, credits, strict=True) if not c.place and can_hold(c)]
    if TOPIC_NEEDED and topics and not any(topics):
        return min(share, TOPICLESS)  # words of change and scope alone ("全省…增长") are no passage about it
    return share


_SCOPE = re.compile(rf"^({'|'.join(sorted(SCOPE_WORDS, key=len, reverse=True))})")


@functools.lru_cache(maxsize=65536)
def indicator_core(indicator: str) -> str:
    return _SCOPE.sub("", normalize_for_match(indicator))  # scope, not a different indicator


# A formal paraphrase writes words inside an indicator's name ("城镇新增吸纳就业" for 城镇新增就业): the concepts
# standing inside the stretch of the question a figure's indicator spells, in order, with fewer characters between
# than in it, are that figure's, unless they name a thing, which narrows it (ablation switch)
SPELLED_ACROSS = True


def spelled_across(q: QueryInfo, indicators: Iterable[str]) -> frozenset[int]:
    """The concepts (their indexes) inside a stretch of the question that one of the indicators spells with gaps."""
    if not SPELLED_ACROSS:
        return frozenset()
    text = normalize_for_match(q.text)
    given: set[int] = set()
    for indicator in indicators:
        core = indicator_core(indicator)
        if len(core) < 4 or core in text:
            continue
        stretch = _spelled(text, core)
        if stretch is None:
            continue
        start, end = stretch
        for i, concept in enumerate(q.concepts):
            at = [(text.find(f), len(f)) for f in concept.norm_forms if f and f in text]
            if not concept.place and at and all(start <= a and a + n <= end for a, n in at) \
                    and not _holds_a_noun(concept.forms[0]):
                given.add(i)
    return frozenset(given)


def _holds_a_noun(phrase: str) -> bool:
    """Whether the general dictionary tags a word of phrase a noun (or a noun's short form): a thing inside an
    indicator's name narrows it (城镇新增|高校毕业生|就业, 地区|农业|生产总值); a verb (吸纳) does not."""
    return any(flag[0] in "njl" for _, flag in pos_cut(phrase))


def _spelled(text: str, core: str) -> tuple[int, int] | None:
    """The shortest stretch of text holding core's characters in order, when what lies between them is shorter
    than core and each run matched is at least two characters (a name's words, not scattered characters)."""
    best = None
    for start in (i for i, ch in enumerate(text) if ch == core[0]):
        j, k, runs, run = start, 0, [], 0
        while k < len(core) and j < len(text) and j - start - k <= len(core):
            if text[j] == core[k]:
                k, run = k + 1, run + 1
            elif run:
                runs.append(run)
                run = 0
            j += 1
        if k == len(core):
            runs.append(run)
            gaps = (j - start) - len(core)
            if 0 < gaps < len(core) and min(runs) >= 2 and (best is None or j - start < best[1] - best[0]):
                best = (start, j)
    return best


def indicator_fit(q: QueryInfo, indicator: str) -> float:
    """How much of a figure's indicator the question names: 生产总值 fits GDP better than 人均地区生产总值."""
    norm = indicator_core(indicator) if indicator else ""
    if not norm:
        return 0.0
    best = 0
    for concept in q.concepts:
        for nw in concept.norm_words:
            if len(nw) > best and nw in norm:
                best = len(nw)
    return best / len(norm)


# The one check on its meaning a question wholly in other words still allows: it asks for a number in a
# measure ("平均能活到多少岁", "造了多少辆", "省了多少钱") and the passage states a number in it ("外星人来了
# 几次", "下了几场雪" find none in the passage nearest in meaning, and are refused).
_MEASURE_ASKED = re.compile(r"(?:多少|几)(?:万|亿|千|百)?(公里|千瓦时|千瓦|平方米|立方米|公斤|公顷|百分点|钱|度电|标准箱|标箱|"
                            r"[个人家次场岁斤吨辆张所座项元亩套户条台部天倍名位架艘间列处批件株棵头只篇])")
# Measures of a physical quantity: a passage answers in one of the same dimension (a count's classifier varies:
# 个, 家, 所 …): the measure asked → how a report may write it.
PHYSICAL = {"公里": "公里|千米", "千瓦时": "千瓦时|度", "千瓦时|度": "千瓦时|度", "千瓦": "千瓦(?!时)",
            "平方米": "平方米|平方公里|亩|公顷", "立方米": "立方米|方", "公斤": "公斤|斤|吨", "斤": "斤|吨",
            "吨": "吨|斤", "亩": "亩|公顷|平方公里", "公顷": "公顷|亩|平方公里", "岁": "岁", "标箱": "标箱|标准箱"}


# What a report counts in where a question asks 多少个: any classifier (12所学校, 5万台锅炉, 300处堵点).
COUNTERS = "个|家|所|座|处|项|台|条|户|套|件|名|辆|艘|架|张|只|头|部|间|批|列|株|棵|篇|位|种|支|栋|幢|块|片"


# Money asked by the thing counted at the question's end ("追回多少拖欠的工钱", "筹了多少扶贫资金"): a sum in 元.
# The words between name the money ("多少拖欠的工钱", "多少扶贫资金"), not who got it ("多少企业拿到了补贴资金" asks
# how many enterprises): no verb of getting or giving, no aspect particle.
_NOT_OF_MONEY = "，,。；;？?！!多几了到得获领享拿给发有是被"
_MONEY_COUNTED = re.compile(rf"(?:多少|几)(?:[^{_NOT_OF_MONEY}]{{0,6}}?的)?[^{_NOT_OF_MONEY}的]{{0,3}}?"
                            r"(?:钱|资金|经费|工资|费用)[？?。！!\s]*$")
MONEY_COUNTED = True
# People asked by who is counted ("多少城里人", "多少老年人", "多少外国人"): a count in 人 (not 人次, 人均, 个人…).
_PEOPLE_COUNTED = re.compile(r"多少(?!个)[\u4e00-\u9fff]{1,3}?人(?![次均民口])")
PEOPLE_COUNTED = True


def asked_measure(q: QueryInfo) -> str | None:
    """The measure a question asks a number in ("多少岁" → 岁, "多少钱" → 元), or None."""
    asked = _MEASURE_ASKED.search(q.text)
    if asked is None and MONEY_COUNTED and _MONEY_COUNTED.search(q.text):
        return "元"
    if asked is None:
        return "人" if PEOPLE_COUNTED and _PEOPLE_COUNTED.search(q.text) else None
    return {"钱": "元", "度电": "千瓦时|度", "标准箱": "标箱"}.get(asked.group(1), asked.group(1))


# A number as reports write it: digits (full-width too), or Chinese numerals (二百七十亿元, 三点五万吨).
_QUANTITY = r"(?:\d|[〇零一二三四五六七八九十百千两]{2,}(?:点[〇零一二三四五六七八九]+)?|[一二三四五六七八九十两](?=[万亿千百]))"


def measure_stated(unit: str, quote: str) -> bool:
    not_another = "(?!次)" if unit == "人" else ""  # 人次 counts visits, not people
    return re.search(rf"{_QUANTITY}(?:\.\d+)?\s*(?:[多余]?(?:万|亿|千|百)){{0,2}}[多余]?(?:{unit}){not_another}",
                     quote) is not None
