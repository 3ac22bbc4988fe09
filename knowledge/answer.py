"""Extractive answers: the best figures or sentences first, then numbered citations. No model, no invention."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from .figures import review_heading
from .lexical import pos_cut
from .matching import (
    FOOTHOLD,
    PHYSICAL,
    SCOPES,
    asked_measure,
    can_hold,
    concept_credit,
    concept_overlap,
    concept_overlap_near,
    concept_weight_list,
    holds_a_concept,
    indicator_core,
    indicator_fit,
    latest_years,
    measure_stated,
    of_years,
    scope_not_asked,
    span_fit,
    span_label,
    spelled_across,
    unasked_scope,
    wanted_years,
)
from .query import GENERIC, Concept, QueryInfo, places, same_place
from .retrieval import FigureRef, Hit
from .textnorm import normalize_for_match, with_asides_read_through
from .types import PATH_SEP, Answer, Citation, FigureHit, years_said

FOUND_THRESHOLD = 0.6
_SEGMENT_RE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|\n|$)")
NOT_FOUND = "在已收录的报告中没有找到这个问题的答案。"
_GROWTH_WORDS = re.compile(r"(增长|增速|增幅|涨幅|涨了|下降|降了|降低|提高了|减少了)")


def segments(text: str) -> list[str]:
    """Sentence pieces, split at 。！？ and ；, each short enough to quote in a chat."""
    return [s.strip() for s in (m.group(0) for m in _SEGMENT_RE.finditer(text)) if s and s.strip()]


def score_segment(q: QueryInfo, seg: str, figures: list[FigureRef], years: set[int] | None = None) -> float:
    s = concept_overlap(q, seg)
    norm = normalize_for_match(seg)
    s += 0.02 * sum(1 for t in set(q.terms) if len(t) >= 2 and t not in GENERIC and t in norm)
    if q.numeric:
        segfigs = [f for f in figures if f.raw and f.raw in seg]
        if segfigs:
            fits = [indicator_fit(q, f.indicator) for f in segfigs]
            relevant = [f for f, fit in zip(segfigs, fits, strict=True) if fit > 0] or segfigs
            s += 0.15 + 0.2 * max(fits)
            if min(len(json.loads(f.section_path)) for f in relevant) <= 1:
                s += 0.05  # headline figures are stated in a part's opening summary, not in a sub-item
            want_type = q.intent if q.intent in ("actual", "target") else None
            if any((not years or of_years(q, f, years)) and (want_type is None or f.type == want_type)
                   for f in relevant):
                s += 0.2  # of the year and kind asked about
            elif years or want_type:
                s -= 0.1
            s += 0.1 * max(span_fit(q, f) for f in relevant)  # a five-year review's total, asked or not
            for scope in SCOPES:
                if scope in seg and scope not in q.text:
                    s -= 0.1  # a five-year average, a per-head or a cumulative figure is not what was asked
        elif not re.search(r"\d|[一二三四五六七八九十百千万亿]+(?:%|亿|万|个|家|人)", seg):
            s -= 0.2
    return s


def best_quote(q: QueryInfo, hit: Hit) -> tuple[str, float]:
    """The best one or two adjacent sentence pieces of a chunk for the question, and their score."""
    segs = segments(hit.chunk.text)
    if not segs:
        return hit.chunk.text[:200], 0.0
    years = wanted_years(q, hit.report)
    scores = [score_segment(q, s, hit.figures, years) for s in segs]
    # the figure sentence nearest the question in meaning: its pieces are quoted before the others of the passage
    # (the score the passage is ranked by stays that of its best piece by the words)
    meant = [SENTENCE_BONUS * (seg in hit.meant) for seg in segs] if sentence_supported(hit) else [0.0] * len(segs)
    i = max(range(len(segs)), key=lambda j: scores[j] + meant[j])
    words = max(scores)
    quote = segs[i]
    # a figure question often needs the piece before or after too ("…114.23亿元,同比增长8.75%"), not when the piece
    # states only totals over years the question did not ask (a five-year average is no answer to widen)
    stated = _stated(hit, quote)
    if q.numeric and len(quote) < 60 and not (stated and all(span_fit(q, f) < 0 for f in stated)):
        for j in (i + 1, i - 1):
            if 0 <= j < len(segs) and scores[j] >= 0.8 * scores[i] and len(quote) + len(segs[j]) < 200 \
                    and not scope_not_asked(q, segs[j]):
                quote = quote + segs[j] if j > i else segs[j] + quote
                break
    elif not q.numeric and len(quote) < 40:
        # a run-in heading ("深化营商环境改革。") names the task; what is to be done follows it
        for seg in segs[i + 1:]:
            if len(quote) + len(seg) > 200:
                break
            quote += seg
    if len(quote) > 220:
        quote = _trim_around_concepts(q, quote)
    return quote, words


def _trim_around_concepts(q: QueryInfo, quote: str) -> str:
    """A very long sentence is cut to its clauses around the first concept it mentions (kept verbatim)."""
    parts = re.split(r"(?<=[，,])", quote)
    norm_parts = [normalize_for_match(p) for p in parts]
    words = [normalize_for_match(w) for c in q.concepts for w in c.words]
    first = next((i for i, p in enumerate(norm_parts) if any(w in p for w in words)), 0)
    out = ""
    for p in parts[first:]:
        if len(out) + len(p) > 200 and out:
            break
        out += p
    return out


# The passages the vector search ranks first for the question support the words of it they do not hold:
# the embedder read the whole question, everyday words included ("城里新找到活干的人" → 城镇新增就业), as long
# as the passage holds most of one of its concepts (matching.FOOTHOLD).
DENSE_SUPPORT = 2
MEANT_CREDIT = 0.85
# A question wholly in words no report writes (see wordless) is answered from the vector's first passage.
WORDLESS_ANCHOR = True
WORDLESS_SENTENCE = True
# The vector's rank that supports is counted among the passages of the reports fitting the years asked best.
YEARS_FOR_SUPPORT = True
# A physical measure asked (多少公里, 多少度电) must be the one the passage states.
PHYSICAL_MEASURE = True


def dense_rank(hit: Hit) -> int | None:
    """The passage's rank in the vector search (see route_rank: the vector knows no years)."""
    return route_rank(hit, "dense")


# What being in the sentence nearest the question adds to a piece's score for the quote (score_segment: the
# question's concepts' share, plus up to about 0.6 for figures of the kind and year asked).
SENTENCE_BONUS = 0.5
# The passage every route ranks first (words, figures and vector fused) is supported by a vector rank this far down.
FIRST_SUPPORT = 3


# The passage holding the figure sentence nearest the question (retrieval.SENTENCES), among the reports fitting the
# years asked, is supported as the vector's first passages are.
SENTENCE_SUPPORT = 1


def route_rank(hit: Hit, route: str) -> int | None:
    """The passage's rank in a vector route ("dense": the passage's vector; "sentences": its figure sentence nearest
    the question); when years are asked, among the passages of the reports that fit them best."""
    fit = f"{route}_fit"
    return hit.parts.get(fit if YEARS_FOR_SUPPORT and fit in hit.parts else route)


def supported(q: QueryInfo, hit: Hit) -> bool:
    return passage_supported(hit) or sentence_supported(hit)


def passage_supported(hit: Hit) -> bool:
    rank = dense_rank(hit)
    return rank is not None and (rank <= DENSE_SUPPORT or (hit.parts.get("fused") == 1 and rank <= FIRST_SUPPORT))


def sentence_supported(hit: Hit) -> bool:
    said = route_rank(hit, "sentences")
    return bool(hit.meant) and said is not None and said <= SENTENCE_SUPPORT


def wordless(q: QueryInfo, hits: list[Hit]) -> bool:
    """The question is in words the reports do not use ("山东人现在平均能活到多少岁？"): no report indexed writes
    any of its concepts, and no passage retrieved holds one. What the vector search ranks first then needs no
    foothold. A concept other reports write ("城镇居民人均可支配收入", asked of a report without it) keeps the
    refusal: the figure is missing, not the wording."""
    topics = [c for c in q.concepts if not c.place]
    return bool(topics) and all(c.foreign for c in topics) and not any(
        holds_a_concept(q, " ".join([h.chunk.text, *h.chunk.section_path])) for h in hits)


def anchored(hit: Hit, without_words: bool) -> bool:
    """The passage a question wholly in other words is answered from: the vector's first, or the one holding the
    figure sentence nearest the question (its quote must still state a number in the measure asked)."""
    return without_words and (dense_rank(hit) == 1 or (WORDLESS_SENTENCE and sentence_supported(hit)))


def coverage(q: QueryInfo, hit: Hit, quote: str, meant: bool = True, without_words: bool = False) -> float:
    """How much of what the question is about the evidence mentions (quote, chunk, section, report);
    meant=False: by its words alone, without the vector's support; without_words: no passage retrieved holds
    the question's words (wordless)."""
    path = PATH_SEP.join(hit.chunk.section_path)
    # a figure must be stated where the concepts are: the quote under its headings; what the paragraph
    # around it names ("东片区…全年完成固定资产投资12.3亿元") counts at a discount
    near = 0.8 if q.numeric else 0.9
    unit = asked_measure(q)
    # the support of the sentence nearest the question goes to a quote of that sentence, and needs its foothold
    # in that sentence, not in a heading
    said = meant and not passage_supported(hit) and sentence_supported(hit)
    if said and not any(seg in hit.meant for seg in segments(quote)):
        meant = False
    held = hit.meant if said else None
    given = spelled_across(q, (f.indicator for f in _stated(hit, quote)))
    return concept_overlap_near(q, quote + " " + path, hit.chunk.text + " " + hit.report.title, near,
                                MEANT_CREDIT if meant and supported(q, hit) else 0.0,
                                anchored=meant and anchored(hit, without_words)
                                and unit is not None and measure_stated(unit, quote), held=held, given=given)


def _meant_only(q: QueryInfo, hit: Hit, quote: str) -> bool:
    """Whether a passage is found only by the vector's support: its words alone would not have found it."""
    return supported(q, hit) and coverage(q, hit, quote, meant=False) < FOUND_THRESHOLD


def _memo_key(q: QueryInfo, hit: Hit, without_words: bool = False) -> str:
    return hit.chunk.vector_id + ("#meant" if passage_supported(hit) else "") \
        + ("#said" if sentence_supported(hit) else "") + ("#anchored" if anchored(hit, without_words) else "")


def passage_coverage(q: QueryInfo, hit: Hit, memo: dict[str, tuple[str, float, float]], without_words: bool = False) -> float:
    """The coverage build_answer gives a passage (its best quote under its headings), remembered in memo."""
    key = _memo_key(q, hit, without_words)
    if key not in memo:
        quote, score = best_quote(q, hit)
        memo[key] = (quote, score, coverage(q, hit, quote, without_words=without_words))
    return memo[key][2]


# A quantity: digits that are not a date ("创2006年以来新高" states none) nor a rank ("稳居全国第2"), or Chinese
# numerals with a unit.
_NUMBER_WITH_UNIT = re.compile(r"(?<![\d.第A-Za-z])\d+(?:\.\d+)?(?![\d.]*\s*(?:年|月|日))(?![\d.]*(?:[GKD](?![A-Za-z])|A级))|[一二三四五六七八九十百千万亿]+(?:%|亿|万|个|家|人)")
# An age bounding a group ("60岁以上老年人", "0-6岁儿童", "满18周岁") says who a sentence is about, no number of
# how many; a plain age (人均预期寿命79.5岁) is a figure, and a question asking an age keeps every one.
AGE_IS_NO_FIGURE = True
_AGE = re.compile(r"满\d+周?岁|(?<![\d.])\d+(?:[-—~至到]\d+周?岁|周?岁(?:及?以[上下]|以内))")
_ASKS_AGE = re.compile(r"(?:多少|几)周?岁|寿命|年龄|年纪")


def _states_a_number(q: QueryInfo, text: str) -> bool:
    """Whether text states a number (not a date; not an age, unless one is asked)."""
    if AGE_IS_NO_FIGURE and not _ASKS_AGE.search(q.text):
        text = _AGE.sub("", text)
    return bool(_NUMBER_WITH_UNIT.search(text))


# The unit a question asks in, and how a report writes a figure in it.
# an amount (…额: 销售额, 出口额, 投资额) is money
_ASKED_UNITS = ((re.compile(r"多少(?:亿元|万元|元|钱|亿美元)|花了多少|(?:收入|(?<![名份配限])额)(?:是|为|有|达到)?多少"),
                  re.compile(r"元")),
                # a rate (失业率, 城镇化率, 覆盖率) is written as a share: "…率是多少" of a passage with counts only
                (re.compile(r"百分之(?:几|多少)|几成|多少个百分点|百分比|比例是多少|(?:多大|多少)(?:的)?比例|占比多少|率(?:是|为|有|达到|提高到)?多少"),
                 re.compile(r"%|％|‰|百分点|成")),
                # a count of people: "多少人", or the measure named before the asking ("人次是多少", "人数有多少")
                (re.compile(r"多少(?:万人|人次|人)|(?:人次|人数)(?:是|为|有|达到)?多少"), re.compile(r"人")),
                (re.compile(r"多长(?!时间|期)"), re.compile(r"(?:公里|千米|米)")))
# Asked of the quote's own words, not of the figures read from it: a figure per head ("平均一个人一年到手多少钱":
# a total is no answer), a multiple ("城镇居民收入是农村的几倍": 倍 or a ratio, not a growth rate).
_IN_QUOTE = ((re.compile(r"人均|平均(?:每|一)个?人|每人平均|每个人平均"), re.compile(r"人均|每人|平均每|按人口平均")),
             (re.compile(r"(?:几|多少)倍"), re.compile(r"\d\s*倍|[^上同环]比(?:值)?(?:由|为|是|达|缩小|降|\d)|之比|\d\s*[:：]\s*1")))
_CLAUSE = re.compile(r"[^，,；;。！？]+")


SIBLING_FIGURES = True
# A number asked in a measure ("多少个", "多少钱", "多少公里") is not answered by rates alone (%, 个百分点), unless
# a rate is what is asked (几个点, 多少个百分点, 几倍, 比例, …率).
RATE_IS_NO_AMOUNT = True
_RATES = {"%", "‰", "个百分点", "百分点"}
# The rates checked are those of what was asked, where the quote states any; an amount is asked by a unit
# ("多少亿元") or, of what happened, by a word for one (产量, 总量, 规模, 绝对…); a target is often a growth rate
OWN_RATES = True
_ASKS_AMOUNT = re.compile(r"产量|总量|绝对|规模(?!以上)")
_A_TOTAL = re.compile(r"(?:全年|全省|全市|全区|全国|经济)?(?:总量|总额|总值|规模|体量)")
_ASKS_CHANGE = re.compile(r"增长|增加|提高|扩大|下降|降低|减少|涨|降|多了|少了|变化|翻")
_ASKS_RATE = re.compile(r"(?:多少|几)个?(?:百分)?点|百分之|百分比|几成|倍|率|比例|比重|占比|份额|所占|增幅|增速|涨幅|降幅|幅度")


def _figures_of(concept: Concept, stated: list[FigureRef], quote: str = "") -> list[FigureRef]:
    """The figures stated of a concept: those named as asked, if any is (规模以上工业增加值增长5.1%), else those a wider
    meaning names (工业增加值13.27亿元); and an amount named only as a total (…增长5.7%，经济总量达到64697亿元), which
    is of what the sentence is about. A measure whose name another's holds (出口 in 进出口) has only the figures
    named or said as it (外贸进出口总额4.51万亿元、增长5.6%，其中出口增长10.8%: 出口 has the 10.8%)."""
    sibling = _sibling_in(concept)
    mine = [f for f in stated if _of_sibling(f, sibling, quote)] if sibling else stated
    credits = [concept_credit(concept, normalize_for_match(f.indicator)) for f in mine]
    named = [f for f, c in zip(mine, credits, strict=True) if c >= 1.0] \
        or [f for f, c in zip(mine, credits, strict=True) if c >= FOOTHOLD] or (mine if sibling else [])
    return named + [f for f in stated if _A_TOTAL.fullmatch(normalize_for_match(f.indicator))]


def _sibling_in(concept: Concept) -> str:
    """The measure a concept asks whose name a sibling's holds (出口 of 出口总额, not of 进出口总额), or ""."""
    if not SIBLING_MEASURES:
        return ""
    form = normalize_for_match(concept.forms[0])
    return next((m for m, wider in _WIDER_SIBLING.items() if m in form and wider not in form), "")


def _of_sibling(f: FigureRef, measure: str, quote: str) -> bool:
    """Whether a figure is of the measure (出口), not of the wider one holding its name (进出口)."""
    return _measure_is(normalize_for_match(f.indicator), measure) or bool(quote) and _said_before(quote, f, measure)


def _wider_named_only(heads: list[Concept], quote: str, stated: list[FigureRef]) -> str:
    """The measure asked (出口总额), when the figures naming it do so only inside a wider measure's name (货物进出口
    总额9.5万亿元) and none is said as it."""
    for concept in heads:
        sibling = _sibling_in(concept)
        if sibling and any(sibling in normalize_for_match(f.indicator) for f in stated) \
                and not any(_of_sibling(f, sibling, quote) for f in stated):
            return concept.forms[0]
    return ""


def _figure_missing(q: QueryInfo, quote: str, stated: list[FigureRef], meant: bool = False) -> str:
    """What the quote names without the number asked: the clause naming the question's main concept has no
    number (its numbers belong to other indicators), or no figure is in the unit asked ("多少亿元" of a quote
    with growth rates only). Returns the concept as the question wrote it, or "". meant: the quote holds the
    figure sentence nearest the question in meaning, in the measure asked (_said_by_meaning): a clause naming the
    concept's words elsewhere does not make it miss (a place's name does: places are names, not meanings)."""
    # the quote may hold the concept only by meaning (the vector's support): then the weightiest asked
    heads = _compound_heads(q)
    # the topic, not a word of scope or change beside it ("全省", "增长"), when the question has one
    heads = [c for c in heads if can_hold(c)] or heads
    main = _weightiest(q, quote, mentioned=True, among=heads) or _weightiest(q, quote, mentioned=False, among=heads)
    if main is None:
        return ""
    for asks, writes in _ASKED_UNITS:
        if asks.search(q.text) and not writes.search("".join(f.raw for f in stated) or quote):
            return main.forms[0]
    for asks, writes in _IN_QUOTE:
        if asks.search(q.text) and not writes.search(quote):
            return main.forms[0]
    unit = asked_measure(q)
    if PHYSICAL_MEASURE and unit in PHYSICAL and not measure_stated(PHYSICAL[unit], quote):
        return main.forms[0]  # "多少度电" of a passage in 人次, "多少公里" of one in 亿元
    if RATE_IS_NO_AMOUNT and not _ASKS_RATE.search(q.text) and stated and (
            unit is not None or (OWN_RATES and q.intent != "target" and _ASKS_AMOUNT.search(q.text)
                                 and not _ASKS_CHANGE.search(q.text))):
        # "多少个学位" of a passage stating 入园率 95%: a rate is no count, no amount; nor is the growth of what was
        # asked ("一般公共预算收入…多少亿元" of 地区生产总值2.15万亿元…一般公共预算收入增长10.5%)
        own = _figures_of(main, stated, quote) if OWN_RATES else []
        if all(f.unit in _RATES for f in own or stated):
            return main.forms[0]
    clauses = _CLAUSE.findall(quote)
    if SIBLING_FIGURES:
        # the quote names what was asked, whole, where it states no number ("高技术制造业增加值…稳步提升"), and no
        # figure stated is of it whole: its numbers are a sibling's ("装备制造业增加值增长10%左右")
        whole = [i for i, cl in enumerate(clauses) if concept_credit(main, normalize_for_match(cl)) >= 1.0]
        held = [concept_credit(main, normalize_for_match(f.indicator)) for f in stated]
        if whole and held and max(held) < 1.0 and any(h >= FOOTHOLD for h in held) \
                and not any(_states_a_number(q, clauses[i]) or _measured_next(q, quote, clauses, i, stated)
                            for i in whole):
            return main.forms[0]
    if RANK_ASKED and _ASKS_RANK.search(q.text) and not _A_RANK.search(quote):
        return main.forms[0]
    narrower = _narrower_asked(q, quote, stated) or _sibling_measure(q, heads, quote, stated) \
        or _wider_named_only(heads, quote, stated) or _of_other_places(q, heads, quote, stated)
    if narrower:
        return narrower
    if ADDITION_IS_NO_TOTAL and stated and _ASKS_TOTAL.search(q.text) and not _ASKS_ADDITION.search(q.text):
        named = [f for f in stated if _names_a_concept(q, f.indicator, heads)] or stated
        named = _in_measure(unit, named)
        added = [f for f in named if _ADDITION.search(normalize_for_match(f.indicator))]
        if len(added) == len(named) and not any(f.unit == a.unit for f in stated for a in added if f not in added):
            return main.forms[0]  # "一共多长" of "新增运营里程40公里": what was added, no total beside it
    if any(_names_a_concept(q, f.indicator, heads) for f in stated):
        return ""  # a figure stated is of something the question names (研发人员总量 is not 研发投入强度)
    modifiers = [c for c in q.concepts if all(c is not h for h in heads)]
    if COMPOUND_HEAD and modifiers and concept_credit(main, normalize_for_match(quote)) < FOOTHOLD \
            and any(_names_a_concept(q, f.indicator, modifiers) for f in stated):
        return main.forms[0]  # "单位GDP能耗" of a quote stating only GDP's growth: what the ratio is per, not it
    naming = [i for i, cl in enumerate(clauses) if concept_credit(main, normalize_for_match(cl)) >= 0.5]
    read_by_meaning = meant and not main.place
    if naming and not read_by_meaning and not any(
            _states_a_number(q, clauses[i]) or _measured_next(q, quote, clauses, i, stated)
            or _measured_beside(unit, quote, clauses, i) for i in naming):
        return main.forms[0]
    return ""


def _in_measure(unit: str | None, figures: list[FigureRef]) -> list[FigureRef]:
    """The figures in the measure asked, if any is (1305万人次 is no 公里); else all of them."""
    if unit is None:
        return figures
    return [f for f in figures if measure_stated(PHYSICAL.get(unit, unit), f.raw)] or figures


# A rank asked ("在全国排第几") is answered by a rank the quote states (居全国第2位), not by the value ranked.
RANK_ASKED = True
_ASKS_RANK = re.compile(r"排(?:在|名)?第?几|第几[位名]?|名次|位次|排名")
_A_RANK = re.compile(r"第[一二三四五六七八九十\d]+|前[一二三四五六七八九十\d]+[位名强]|首位|榜首|居首|之首")


# A total asked ("现在加起来一共多长", "总共有多少") is not what a year added (新增运营里程40公里, 新建学校12所),
# unless the question asks what was added or grew (新增, 多了, 增加 …).
ADDITION_IS_NO_TOTAL = True
_ASKS_TOTAL = re.compile(r"一共|总共|共计|合计|总计|加起来|合起来|总数|总量|总规模|总里程|总长度?")
_ASKS_ADDITION = re.compile(r"新(?:增|建|开|上|添|修|招|设|投|引进|找)|增|添|多了|多出|扩|加了|建了|开了|上了|每年|一年")
_ADDITION = re.compile(r"(?:新增|净增|新建|新开通|新开工|新投运|新投产|新改建|新上)")


# The clause next to the one naming what was asked, in the same sentence, may state its number in the measure the
# question asks ("落实国家育儿补贴政策，惠及154万户家庭" for "多少户"; "筹措310亿元实施健康惠民工程，落实基本医疗保险…"
# for "多少钱").
MEASURE_BESIDE = True


def _measured_beside(unit: str | None, quote: str, clauses: list[str], i: int) -> bool:
    """The clause before or after the i-th, in the same sentence, states a number in the measure asked (unit)."""
    if not MEASURE_BESIDE or unit is None:
        return False
    written = PHYSICAL.get(unit, unit)
    return any(0 <= j < len(clauses) and measure_stated(written, clauses[j])
               and _comma_joined(quote, clauses[min(i, j)], clauses[max(i, j)]) for j in (i - 1, i + 1))


def _comma_joined(quote: str, first: str, second: str) -> bool:
    """Whether two clauses stand one after the other in the quote, a comma between them (one sentence)."""
    return any(first + comma + second in quote for comma in "，,")


# A figure whose indicator is only a measure ("总产", "产量"): "粮食生产再获丰收，总产达到557亿斤" states it of what the
# clause before it names.
MEASURE_HEADS = True
_BARE_MEASURE = re.compile(r"(?:全年|全省|全市|总|年)?(?:产量?|量|额|值|数|规模|收入|销量|产值)")


_MEASURE_NAMED = re.compile(r"产量|产值|总产|销量|收入|销售额|总额|规模")


def _measured_next(q: QueryInfo, quote: str, clauses: list[str], i: int, stated: list[FigureRef]) -> bool:
    """The clause after the i-th, in the same sentence (after a comma), states a figure of a bare measure — the one
    the question names, if it names one ("产量多少" is not answered with 产值)."""
    if not MEASURE_HEADS or i + 1 >= len(clauses):
        return False
    following = clauses[i + 1]
    if not _comma_joined(quote, clauses[i], following):
        return False
    named = _MEASURE_NAMED.findall(q.text)
    aspects = [a for a in _ASPECTS if a in q.text] if ASPECT_NEXT else []
    return any(f.raw in following and (
        (_BARE_MEASURE.fullmatch(norm := normalize_for_match(f.indicator)) and (not named or any(n in norm for n in named)))
        or any(a in norm for a in aspects)) for f in stated)


# An aspect of a topic, asked by its measure word ("大病保险的赔付比例"), stated in the clause after the one naming
# the topic, under the report's own word for it: "降低并统一大病保险起付线，报销比例由50%提高到60%".
ASPECT_NEXT = True
_ASPECTS = ("比例", "比重", "占比", "标准", "限额", "上限", "覆盖率")


# A figure stated counts as one asked about when its indicator mostly holds a concept of the question (a place or a
# word of change does not count); a character or two in common ("研发" of 研发人员总量 for 研发投入强度) does not.
INDICATOR_HOLDS = True


# A category asked narrower than the figure stated: the question's term, one the reports write, is the figure's
# indicator with a modifier in front ("新能源汽车保有量" of a passage stating 汽车保有量), and the passage names no such
# modifier anywhere. Scope (全省 …) is no modifier of the kind.
NARROWER_ASKED = True


def _narrower_asked(q: QueryInfo, quote: str, stated: list[FigureRef]) -> str:
    """The concept the question asks as a narrower category of a figure stated, when the quote does not name it."""
    if not NARROWER_ASKED:
        return ""
    norm = with_asides_read_through(normalize_for_match(quote))
    for concept in q.concepts:
        # a phrase no report writes whole ("空气中细颗粒物年均浓度") is the asker's wording, not a category
        if concept.place or concept.foreign or not can_hold(concept) or any(f in norm for f in concept.norm_forms):
            continue
        for f in stated:
            core = indicator_core(f.indicator)
            modifiers = {form[:-len(core)] for form in concept.norm_forms if len(core) >= 2 and form.endswith(core)}
            modifiers = {m for m in modifiers if len(m) >= 2 and not _SCOPE_OR_TIME.fullmatch(m)}
            if modifiers and not any(m in norm for m in modifiers):
                return concept.forms[0]
    return ""


# Measures of one thing are siblings, not one figure: 新能源汽车出口 is not 新能源汽车产量, 出口 not 进出口. A phrase
# asked that ends in one is not answered by figures of its thing in another only (nor by a meaning the vector
# finds close: 新能源汽车出口 ~ 新能源汽车产量).
SIBLING_MEASURES = True
_MEASURES = ("进出口", "出口", "进口", "产量", "产值", "销量", "销售额", "营业收入", "收入", "支出", "利润", "投资",
             "装机", "保有量", "增加值")


def _sibling_measure(q: QueryInfo, heads: list[Concept], quote: str, stated: list[FigureRef]) -> str:
    """The thing a concept asks one measure of, when every figure stated of that thing is in another measure."""
    if not SIBLING_MEASURES:
        return ""
    for concept in heads:
        form = normalize_for_match(concept.forms[0])
        if concept.place:
            continue
        asked = next((m for m in _MEASURES if form.endswith(m)), "")
        thing = form[:-len(asked)] if asked else ""
        if len(thing) < 2:
            continue
        of_thing = [f for f in stated if thing in normalize_for_match(f.indicator)]
        others = [f for f in of_thing if any(m in _after(f.indicator, thing) for m in _MEASURES)]
        if others and len(others) == len(of_thing) \
                and not any(_measure_is(_after(f.indicator, thing), asked) or _said_before(quote, f, asked)
                            for f in others):
            return thing  # the report names the thing, not the measure asked of it
    return ""


# A measure whose name holds another's is its sibling, not a kind of it: 进出口 is no 出口 (营业收入 is 收入)
_WIDER_SIBLING = {"出口": "进出口", "进口": "进出口"}


def _after(indicator: str, thing: str) -> str:
    norm = normalize_for_match(indicator)
    return norm[norm.find(thing) + len(thing):]


def _measure_is(after: str, measure: str) -> bool:
    """The words after the thing name the measure asked (出口 asked: 出口额 yes, 进出口 no; 收入: 营业收入 yes)."""
    wider = _WIDER_SIBLING.get(measure)
    return measure in after.replace(wider, "") if wider else measure in after


def _said_before(quote: str, f: FigureRef, measure: str) -> bool:
    """The quote writes the measure asked in the figure's own clause, before it ("产量95.3万辆、出口20万辆": the
    name read for 20万辆 may carry the subject's first measure)."""
    return _measure_is(normalize_for_match(_lead_in(quote, f, _LIST_ITEM_START, "")), measure)


_LIST_ITEM_START = re.compile(r"[，,；;。、]")


def _lead_in(quote: str, f: FigureRef, starts: re.Pattern, missing: str) -> str:
    """The words of the quote from the last of starts before the figure up to it; missing when the quote does not
    write the figure."""
    at = quote.find(f.raw)
    return starts.split(quote[:at])[-1] if at >= 0 else missing


# A place asked inside the issuer (武汉 in 湖北's report) is answered by a figure of it: one whose own clause names
# other places only ("…武汉在副省级城市中增速靠前，襄阳、宜昌经济总量突破6000亿元") is theirs, not its.
PLACE_OF_THE_FIGURE = True
_CLAUSE_START = re.compile(r"[，,；;。：:！？]")
# A city asked inside the issuer (昆明 of 云南's report) must be named before the figure in its sentence, not merely
# anywhere in the passage: a province's sentence names its figure's subject first.
PLACE_BEFORE_THE_FIGURE = True
_SENTENCE_START = re.compile(r"[；;。！？!?]")
_TOTAL_OF = re.compile(r"(?:经济)?(?:总量|总额|总值|规模)$")


def _of_other_places(q: QueryInfo, heads: list[Concept], quote: str, stated: list[FigureRef]) -> str:
    """The place asked, when every figure stated of the topic asked is in a clause naming other places only."""
    asked = [c for c in q.concepts if c.place]
    topics = [c for c in heads if not c.place]
    if not PLACE_OF_THE_FIGURE or not asked or not topics:
        return ""
    names = {n for c in asked for n in (*c.norm_forms, *(normalize_for_match(p) for p in c.parts))}
    # of the topic asked, or a total of what the clause names (宜昌经济总量, of a GDP asked)
    figures = [f for f in stated if _names_a_concept(q, f.indicator, topics)] or (
        [f for f in stated if _TOTAL_OF.search(normalize_for_match(f.indicator))] if PLACE_BEFORE_THE_FIGURE else [])
    if PLACE_BEFORE_THE_FIGURE:
        figures = _in_measure(asked_measure(q), figures)
    if not figures:
        return ""
    cities = PLACE_BEFORE_THE_FIGURE and all(_a_city(c.forms[0], "市") for c in asked)
    for f in figures:
        clause = _lead_in(quote, f, _CLAUSE_START, f.indicator)
        if any(n in normalize_for_match(clause) for n in names):
            return ""
        if any(_a_city(word) for word, flag in pos_cut(clause) if flag.startswith("ns")):
            continue  # a clause naming other places only is theirs
        if not cities:
            return ""  # a clause naming no place is of what the sentence is about
        # a city asked is the subject of a figure of it, named before it in its sentence: a figure whose sentence
        # names it only after ("新增地铁运营里程171.7公里，广州、深圳地铁线网…") or not at all is the issuer's
        if any(n in normalize_for_match(_lead_in(quote, f, _SENTENCE_START, "")) for n in names):
            return ""
    return asked[0].forms[0]


def _a_city(word: str, suffixes: str = "市县省") -> bool:
    """A place that governs (a city, county or province), as the general dictionary knows it: 宜昌 (宜昌市), not
    中欧, 长江 or 海关, which it also tags as places. suffixes="市": a city by name (昆明, 深圳), not a word that is
    also a county's name (新建, 新建县)."""
    from .lexical import _get_jieba

    known = _get_jieba().dt.FREQ
    return word.endswith(tuple("".join(_NAME_ENDINGS[s] for s in suffixes))) \
        or any(f"{word}{s}" in known for s in suffixes)


# How the name of a place of each rank may end: a city's (自治州, 盟), a county's (旗), a province's.
_NAME_ENDINGS = {"市": "市州盟", "县": "县旗", "省": "省"}


_SCOPE_OR_TIME = re.compile(r"(全社会|全区|全市|全省|全国|全县|本市|本省|我市|我省|我区|今年|去年|当年|全年|年度|年)+")


def _names_a_concept(q: QueryInfo, indicator: str, among: list[Concept] | None = None) -> bool:
    if not INDICATOR_HOLDS:
        return concept_overlap(q, indicator) > 0
    norm = normalize_for_match(indicator)
    return any(concept_credit(c, norm) >= FOOTHOLD for c in (q.concepts if among is None else among)
               if not c.place and can_hold(c))


# A ratio's name ("单位|GDP|二氧化碳排放", "每万人|口|医生数") is one name whose last concept is its head: a figure of
# what it is per (地区生产总值增长4.5%) is not of what was asked. Only a name led by 单位/每 is read so: elsewhere
# concepts side by side (住院|看病, CPI|涨幅, 新能源汽车|出口额) each keep their figures.
COMPOUND_HEAD = True
_PER = re.compile(r"(?:单位|每)$")


def _compound_heads(q: QueryInfo) -> list[Concept]:
    """The question's concepts less those written inside a ratio's name before its head."""
    if not COMPOUND_HEAD:
        return q.concepts
    lower = q.text.lower()
    spans = []
    for c in q.concepts:
        found = [(lower.find(f.lower()), f) for f in c.forms if f and f.lower() in lower]
        start, form = max(found, key=lambda t: len(t[1])) if found else (-1, "")
        spans.append((start, start + len(form), form))
    order = sorted((span, i) for i, span in enumerate(spans) if span[0] >= 0)
    modifiers: set[int] = set()
    for k, ((start, _, form), i) in enumerate(order):
        if not (_PER.search(lower[:start]) or _PER.fullmatch(form)):
            continue
        chain = [i]
        while k + 1 < len(order) and order[k + 1][0][0] == spans[chain[-1]][1]:
            k += 1
            chain.append(order[k][1])
        modifiers.update(chain[:-1])
    return [c for i, c in enumerate(q.concepts) if i not in modifiers]


def _weightiest(q: QueryInfo, text: str, mentioned: bool, among: list[Concept] | None = None) -> Concept | None:
    """The weightiest concept of the question (of those among) that the text mentions (or, mentioned=False, does
    not)."""
    norm = normalize_for_match(text)
    ids = None if among is None else {id(c) for c in among}
    chosen = [(w, c) for w, c in zip(concept_weight_list(q), q.concepts, strict=True)
              if (ids is None or id(c) in ids) and (concept_credit(c, norm) >= 0.5) == mentioned]
    return max(chosen, key=lambda t: t[0])[1] if chosen else None


def is_figure_question(q: QueryInfo) -> bool:
    """Asks for a number ("…增长多少", "…目标是多少", "粮食产量多少"): a passage without one is no answer."""
    return q.numeric


def uncovered_years(q: QueryInfo, reports: Iterable,
                    target_years: Mapping[int, Iterable[int]] | None = None) -> tuple[list[int], list[int]]:
    """For a figure question naming an issuer and a year: the years asked that none of the issuer's reports
    reviews or plans, and the years they do cover. target_years: each report's (by id) years of the targets it
    sets — a 2026 report covers 2030 when it sets the five-year plan's goals for 2030."""
    reports = list(reports)
    issuers = set(q.issuers) or {r.issuer for r in reports}  # an index of one issuer's reports implies it
    if (len(issuers) != 1 and not q.issuers) or not (q.years and is_figure_question(q)) or q.report_year:
        return [], []
    own = [r for r in reports if r.issuer in issuers]
    covered = sorted({y for r in own for y in (r.review_year, r.plan_year, r.year, *(target_years or {}).get(r.id, ()))
                      if y})
    if not covered:
        return [], []
    return [y for y in q.years if y not in covered], covered


def unindexed_report(q: QueryInfo, reports: Iterable) -> str:
    """For a question naming one issuer's report by its year ("2020年国务院政府工作报告…"): why it cannot be
    answered when no report of that issuer and year is indexed, else ""."""
    if not q.report_year:
        return ""
    reports = [r for r in reports if r.issuer]
    issuers = set(q.issuers) or {r.issuer for r in reports}
    issuer = min(issuers, key=len, default="")
    # one place, or a place and the body governing it ("平潭综合实验区" and its 管委会 deliver different reports)
    if not issuer or any(i != issuer and not same_place(i, issuer) for i in issuers):
        return ""
    own = sorted({r.year for r in reports if r.year and r.issuer in issuers})
    if not own or q.report_year in own:
        return ""
    return f"已收录的{issuer}报告是{_years_text(own)}的，没有{q.report_year}年的报告。"


def _years_text(years: list[int]) -> str:
    """[2024, 2025, 2026, 2030] -> "2024—2026年、2030年": runs of consecutive years."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return "、".join(years_said(r[-1], r[0] if len(r) > 1 else None) for r in runs)


def _stated(hit: Hit, quote: str) -> list[FigureRef]:
    """The passage's figures that the quote states."""
    return [f for f in hit.figures if f.raw and f.raw in quote]


# The figure sentence the vector ranks nearest the question of all the reports asked about (retrieval.SENTENCES),
# stating a number in the measure asked, answers in the question's meaning although a word of the question stands in
# another clause of it ("保障种粮农民收益…确保粮食产量达到297.1亿斤" for "种粮打算收多少斤").
MEANT_FIGURE = True


def _said_by_meaning(q: QueryInfo, hit: Hit, quote: str) -> bool:
    unit = asked_measure(q)
    return MEANT_FIGURE and unit is not None and bool(hit.meant) and route_rank(hit, "sentences") == 1 \
        and any(seg.strip() and seg in hit.meant for seg in segments(quote)) \
        and measure_stated(PHYSICAL.get(unit, unit), hit.meant)


# Whether a passage found whose figures are not of the year or indicator asked gives the lead to one that states it
# (ablation switch)
MISFITS_LAG = True


def _misfit(q: QueryInfo, hit: Hit, quote: str, reviewed: set[int]) -> bool:
    """For a figure question: the quote would be refused as its answer — the figure asked is not among those it
    states, they are all of another year than asked, or only goals for a year that has happened."""
    if not is_figure_question(q):
        return False
    stated = _stated(hit, quote)
    return bool(_figure_missing(q, quote, stated)) or _of_another_year(q, hit, quote) \
        or _only_goals_of_the_past(q, hit, stated, reviewed)


# A year asked that a report reviews has happened: unless a target is asked, a goal set for it (a figure held to a
# bound: 左右, 以上, 以内 …) is no answer to what it came to; the refusal shows the goal, labelled as one. A decision
# stated exactly ("稻谷最低收购价…提高16元") is what happened, and still answers (ablation switch)
PAST_IS_DONE = True


def _only_goals_of_the_past(q: QueryInfo, hit: Hit, stated: list[FigureRef], reviewed: set[int]) -> bool:
    """What was done is asked — said so (完成了, 去年 …), or of a year a report reviews with no target asked — and
    the quote states only targets (goals, when only the year says it)."""
    if not stated or not all(f.type == "target" for f in stated) or re.search(r"(目标|计划|预期)", q.text):
        return False
    if q.says_done:
        return True
    asked = wanted_years(q, hit.report)
    return PAST_IS_DONE and q.intent != "target" and bool(asked) and asked <= reviewed \
        and any(of_years(q, f, asked) for f in stated) and all(f.qualifier for f in stated)


def _of_another_year(q: QueryInfo, hit: Hit, quote: str) -> bool:
    """The figures the quote states of what was asked are all of other years than the question asks."""
    asked = wanted_years(q, hit.report)
    dated = _dated_asked(q, _stated(hit, quote))
    return bool(asked and dated and not any(of_years(q, f, asked) for f in dated))


# Whether a quote's year is that of its figures naming what was asked, when any does: another figure in the sentence
# may be of the year asked ("…生产总值增长5.6%，…进出口总值增长14.1%" read with a target year for the first).
YEAR_OF_THE_FIGURE_ASKED = True


def _dated_asked(q: QueryInfo, stated: list[FigureRef]) -> list[FigureRef]:
    """The dated figures stated: those whose indicator names a concept of the question, when any does, else all."""
    dated = [f for f in stated if f.year]
    if not YEAR_OF_THE_FIGURE_ASKED:
        return dated
    return [f for f in dated if _names_a_concept(q, f.indicator)] or dated


def _states_asked(q: QueryInfo, hit: Hit, quote: str, reviewed: set[int]) -> bool:
    """The quote states a figure of what the question names, of the year and kind (actual, target) and in the
    measure asked ("多少亿元" is not answered by a growth rate beside another indicator's 亿美元). reviewed: the
    years the issuer's reports review."""
    stated = _stated(hit, quote)
    asked = wanted_years(q, hit.report)
    # the kind when the question says it (目标/预期, 完成了/去年), else what the year asked has: a year some report
    # reviews has happened (its target is no answer to what it came to); "多少" alone is no word of either
    past = bool(asked) and asked <= reviewed
    kind = "target" if q.intent == "target" else "actual" if q.says_done or past else None
    return any((not asked or of_years(q, f, asked)) and (kind is None or f.type == kind)
               and _names_a_concept(q, f.indicator) and not _figure_missing(q, quote, [f]) for f in stated)


def _reviewed(q: QueryInfo, reports: list, issuer: str) -> set[int]:
    """The years that have happened for the issuer: those its reports review (the one report named, if any)."""
    return {r.review_year for r in reports if r.review_year and (r.issuer == issuer or same_place(r.issuer, issuer))
            and (not q.report_year or r.year == q.report_year)}


def _refusal(q: QueryInfo, reason: str, citations: list[Citation], cov: float = 0.0,
             figures: list[FigureHit] | None = None) -> Answer:
    closest = " 最接近的段落列在下面，供核对。" if citations else ""
    return Answer(question=q.original, answer=NOT_FOUND + (f"\n{reason}" if reason else "") + closest, found=False,
                  mode="extractive", citations=citations, figures=figures or [], coverage=cov)


def build_answer(q: QueryInfo, hits: list[Hit], top_k: int = 5,
                 memo: dict[str, tuple[str, float, float]] | None = None, reports: Iterable = (),
                 target_years: Mapping[int, Iterable[int]] | None = None, last_pass: bool = True) -> Answer:
    """memo: each passage's quote, its score and coverage, kept between two answers to the same question;
    reports: the reports indexed, and target_years the years each sets targets for, to say when a year asked is
    in none of the issuer's; last_pass: every route has run (words, figures, vector), so a passage found that
    states the figure asked may answer in place of the best one when that one would be refused."""
    reports = list(reports)
    unindexed = unindexed_report(q, reports)
    if unindexed:
        return _refusal(q, unindexed, [])
    absent, covered = uncovered_years(q, reports, target_years)
    if absent:
        span = _years_text(covered)
        whose = "、".join(q.issuers) or next((r.issuer for r in reports if r.issuer), "")
        reason = f"已收录的{whose}报告涉及{span}，没有{'、'.join(map(str, absent))}年的。"
        return _refusal(q, reason, [])
    if not hits:
        return _refusal(q, "", [])
    found_all = hits
    hits = _diversify(q, hits, top_k)
    for i, h in enumerate(hits):
        h.parts["fused"] = i + 1
    memo = {} if memo is None else memo
    without_words = WORDLESS_ANCHOR and wordless(q, hits)
    for h in hits:
        passage_coverage(q, h, memo, without_words)
    quotes = [memo[_memo_key(q, h, without_words)][:2] for h in hits]
    cov = [memo[_memo_key(q, h, without_words)][2] for h in hits]
    citations = [
        Citation(n=i + 1, report=h.report.title, source=h.report.source, section=PATH_SEP.join(h.chunk.section_path),
                 quote=quote, text=h.chunk.text, report_id=h.report.id or 0, chunk_id=h.chunk.vector_id)
        for i, (h, (quote, _)) in enumerate(zip(hits, quotes, strict=True))
    ]
    # what is planned is answered from the part that plans it: a review passage leads only if nothing else covers
    lag = [0.4 if q.asks_plan and h.chunk.section_path and review_heading(h.chunk.section_path[0]) else 0.0 for h in hits]
    # a figure question is answered from a passage found that states a number, before one that only names the topic
    numbered = [not q.numeric or _states_a_number(q, quote) for quote, _ in quotes]
    # a level asked without a year ("现在…一共有多少") is the one the issuer's latest report states
    latest = latest_years(reports)
    now = q.asks_now
    # only a passage of the latest report that states the figure asked leads: one merely naming the topic does not
    current = [now and (h.report.year or 0) >= latest.get(h.report.issuer, 0) and numbered[i]
               and not _figure_missing(q, quotes[i][0], _stated(h, quotes[i][0]))
               for i, h in enumerate(hits)]
    def rank(i: int) -> tuple:
        return (cov[i] >= FOUND_THRESHOLD, numbered[i], current[i], quotes[i][1] + 0.3 * (i == 0) - 0.05 * i - lag[i])

    best = max(range(len(hits)), key=rank)
    # the years that have happened: those the issuer's reports review, or the one the report named reviews
    reviewed = _reviewed(q, reports, hits[best].report.issuer)
    if MISFITS_LAG and last_pass and cov[best] >= FOUND_THRESHOLD and _misfit(q, hits[best], quotes[best][0], reviewed):
        # the passage would be refused (its figures are of another year, kind or indicator than asked): another
        # found passage that states the figure asked — of the year and kind asked, named as asked — answers instead.
        # a level asked now comes from the issuer's latest report, not from whichever report states one
        stating = [i for i in range(len(hits)) if cov[i] >= FOUND_THRESHOLD and (current[i] or not now)
                   and _states_asked(q, hits[i], quotes[i][0], reviewed)]
        best = max(stating, key=rank, default=best)
    # a question with nothing but asking words ("今年的目标是什么？") is answered from the first passage, but
    # one asking a number in a measure ("下了几场雪？") only when that passage states one
    unit = asked_measure(q)
    found = cov[best] >= FOUND_THRESHOLD or (not q.concepts and hits[0].score > 0
                                             and (unit is None or measure_stated(unit, quotes[best][0])))
    if not found:
        unsaid = _weightiest(q, " ".join([quotes[best][0], citations[best].section, hits[best].report.title]),
                             mentioned=False)
        return _refusal(q, f"报告中没有找到关于“{unsaid.forms[0]}”的内容。" if unsaid else "", citations, cov[0])
    if is_figure_question(q):
        lead = hits[best]
        quote = quotes[best][0]
        stated = _stated(lead, quote)
        asked = wanted_years(q, lead.report)
        when = f"{'、'.join(map(str, sorted(asked)))}年" if asked else ""
        if not stated and not _states_a_number(q, quote):
            reason = f"《{lead.report.title}》提到了这方面的内容，但没有给出{when}{'的' if when else ''}具体数字。"
            return _with_another_year(q, reason, citations, cov[best], found_all, lead, asked, memo, without_words)
        missing = _figure_missing(q, quote, stated, meant=_said_by_meaning(q, lead, quote))
        if missing:
            reason = f"《{lead.report.title}》提到了“{missing}”，但没有给出{when}所问的具体数字。"
            return _with_another_year(q, reason, citations, cov[best], found_all, lead, asked, memo, without_words)
        if _only_goals_of_the_past(q, lead, stated, _reviewed(q, reports, lead.report.issuer)):
            when = "、".join(sorted({f"{f.year}年的" for f in stated if f.year}))
            reason = f"《{lead.report.title}》没有给出实际完成的数字，只有{when}目标：\n{quote}[{citations[best].n}]"
            return _refusal(q, reason, citations, cov[best], _figures_for(q, hits, citations, quote, best))
        dated = _dated_asked(q, stated)
        if asked and dated and not any(of_years(q, f, asked) for f in dated):
            other = "、".join(sorted({span_label(f) for f in dated}))
            reason = (f"《{lead.report.title}》没有给出{when}的这项数字；"
                      f"它写的是{other}的：\n{quote}[{citations[best].n}]")
            return _refusal(q, reason, citations, cov[best],
                            _figures_for(q, hits, citations, quote, best))
    lines = []
    picked = [best]
    if q.compare or len(places(q.issuers)) > 1:
        seen_reports = {hits[best].report.id or 0}
        for i in sorted(range(len(hits)), key=lambda j: -quotes[j][1]):
            if hits[i].report.id not in seen_reports and cov[i] >= FOUND_THRESHOLD * 0.8:
                picked.append(i)
                seen_reports.add(hits[i].report.id or 0)
    elif q.intent in ("policy",):
        for i in range(len(hits)):
            if i != best and hits[i].report.id == hits[best].report.id and cov[i] >= FOUND_THRESHOLD and len(picked) < 3:
                picked.append(i)
    elif q.numeric:
        for i in range(len(hits)):
            if i != best and cov[i] >= FOUND_THRESHOLD and quotes[i][1] >= quotes[best][1] - 0.05 and len(picked) < 2 \
                    and hits[i].report.id == hits[best].report.id and quotes[i][0] != quotes[best][0] \
                    and not (MISFITS_LAG and _of_another_year(q, hits[i], quotes[i][0])):
                picked.append(i)
    for i in picked:
        c = citations[i]
        if q.intent == "locate":
            lines.append(f"在《{c.report}》的“{c.section or '正文'}”部分[{c.n}]：{c.quote}")
        else:
            lines.append(f"{c.quote}[{c.n}]")
    read_as = f"（{q.year_note}）" if q.year_note else ""
    if _meant_only(q, hits[best], quotes[best][0]):  # found by what the question means, not its words
        read_as += "（报告中没有问题里的说法，以下是意思最接近的段落，请核对）"
    head = read_as if q.intent == "locate" else f"{read_as}据《{citations[picked[0]].report}》：\n"
    said = "\n".join(lines)
    return Answer(question=q.original, answer=head + said, found=True, mode="extractive",
                  citations=citations, figures=_figures_for(q, hits, citations, said, best), lead=best,
                  coverage=cov[best])


def _with_another_year(q: QueryInfo, reason: str, citations: list[Citation], cov: float, found: list[Hit],
                       lead: Hit, asked: set[int], memo: dict, without_words: bool) -> Answer:
    """A refusal for the year asked, followed by the figure another of the issuer's reports states for another
    year, labelled as that year's ("…没有给出2025年所问的具体数字。《2025年…报告》写的是2024年的：…")."""
    if asked:
        for h in found:
            if h.report.id == lead.report.id or h.report.issuer != lead.report.issuer:
                continue
            if passage_coverage(q, h, memo, without_words) < FOUND_THRESHOLD:
                continue
            quote = memo[_memo_key(q, h, without_words)][0]
            stated = [f for f in _stated(h, quote) if f.year]
            if not stated or _figure_missing(q, quote, stated) or any(of_years(q, f, asked) for f in stated):
                continue
            kept = [c for c in citations if c.chunk_id != h.chunk.vector_id][:max(len(citations) - 1, 1)]
            kept = [replace(c, n=i + 1) for i, c in enumerate(kept)]
            n = len(kept) + 1
            other = Citation(n=n, report=h.report.title, source=h.report.source,
                             section=PATH_SEP.join(h.chunk.section_path), quote=quote, text=h.chunk.text,
                             report_id=h.report.id or 0, chunk_id=h.chunk.vector_id)
            years = "、".join(sorted({span_label(f) for f in stated}))
            reason += f"\n《{h.report.title}》写的是{years}的：\n{quote}[{n}]"
            return _refusal(q, reason, [*kept, other], cov)
    return _refusal(q, reason, citations, cov)


def _diversify(q: QueryInfo, hits: list[Hit], top_k: int) -> list[Hit]:
    """For a comparison, make sure each report asked about has its best passage among the citations."""
    if not (q.compare or len(places(q.issuers)) > 1):
        return hits[:top_k]
    out: list[Hit] = []
    seen: set[int] = set()
    for h in hits:
        if h.report.id not in seen:
            out.append(h)
            seen.add(h.report.id or 0)
    for h in hits:
        if h not in out:
            out.append(h)
    top = out[: max(top_k, 2)]
    top.sort(key=lambda h: -h.score)
    return top[:top_k]


def _figures_for(q: QueryInfo, hits: list[Hit], citations: list[Citation], said: str, lead: int) -> list[FigureHit]:
    """Figures in the cited passages that match the question, best first: those in the quote the answer leads
    with, then others it quotes, then by the indicator named (GDP is 地区生产总值, not 消费对经济增长的贡献率)
    and the kind and year asked about."""
    out: list[tuple[float, FigureHit]] = []
    want_type = q.intent if q.intent in ("actual", "target") else None
    asks_growth = bool(_GROWTH_WORDS.search(q.text))
    for h, c in zip(hits, citations, strict=True):
        years = wanted_years(q, h.report)
        for f in h.figures:
            s = concept_overlap(q, f.indicator)
            if s <= 0 or f.sentence not in h.chunk.text and f.raw not in h.chunk.text:
                continue
            s += 0.5 * indicator_fit(q, f.indicator)
            if want_type and f.type == want_type:
                s += 0.2
            if years and of_years(q, f, years):
                s += 0.2
            if (f.kind == "growth") == asks_growth:
                s += 0.1  # "GDP增长多少" wants the rate, "GDP是多少" the amount
            if f.raw and h is hits[lead] and f.raw in citations[lead].quote:
                s += 1.0  # the figures the answer leads with lead the list, so the list and the answer agree
            elif f.raw and f.raw in said:
                s += 0.5
            if unasked_scope(q, f.indicator, f.sentence, f.raw):
                s -= 0.5
            s += 0.3 * span_fit(q, f)
            out.append((s - 0.01 * c.n, FigureHit(
                indicator=f.indicator, value=f.raw, unit=f.unit, kind=f.kind, qualifier=f.qualifier, year=f.year,
                type=f.type, section=PATH_SEP.join(json.loads(f.section_path)), quote=f.sentence, report=h.report.title,
                period_start=f.period_start)))
    out.sort(key=lambda t: -t[0])
    return [fh for _, fh in out[:8]]
