"""What each hand-written table and each rule of the meaning look-up add: dev and the validation sets scored
with each one emptied or switched off.

    .venv/bin/python scripts/ablate.py --data-dir bench-out/ingest3 [--sets ../shared/eval/dev.jsonl eval/validation.jsonl …]

The index is loaded once; each variant empties one table in place (so every module that holds it sees the
change), scores every set, and puts the table back.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEASURES = ("hit@5", "section", "values", "values_compare", "refused", "wrongly_refused")


@contextmanager
def emptied(table) -> Iterator[None]:
    saved = table.copy()
    table.clear()
    try:
        yield
    finally:
        if isinstance(table, dict):
            table.update(saved)
        elif isinstance(table, set):
            table.update(saved)
        else:
            table.extend(saved)


@contextmanager
def without(table: set, words: set) -> Iterator[None]:
    """The table without the words another table added to it (GENERIC without FORMAL_FRAME …)."""
    gone = table & words
    table -= gone
    try:
        yield
    finally:
        table |= gone


def variants(kb) -> dict[str, Callable]:
    from knowledge import query
    from knowledge.vocabulary import Vocabulary

    @contextmanager
    def nothing() -> Iterator[None]:
        yield

    @contextmanager
    def abbreviations() -> Iterator[None]:
        with emptied(query.ABBREVIATIONS), emptied(query.CONTRACTIONS):
            yield

    @contextmanager
    def meanings() -> Iterator[None]:
        saved = kb.index.vocabulary
        kb.index.vocabulary = Vocabulary([], saved.matrix[:0])
        try:
            yield
        finally:
            kb.index.vocabulary = saved

    @contextmanager
    def switched(module, name: str, value) -> Iterator[None]:
        saved = getattr(module, name)
        setattr(module, name, value)
        try:
            yield
        finally:
            setattr(module, name, saved)

    from knowledge import answer, matching, retrieval, service, textnorm

    return {"all": nothing, "no meaning look-up (vocabulary.py)": meanings,
            "no vector support for words a passage lacks": lambda: switched(answer, "DENSE_SUPPORT", 0),
            "no anchor for questions wholly in words no report writes": lambda: switched(answer, "WORDLESS_ANCHOR", False),
            "vector rank over every report, not those fitting the years asked": lambda: switched(answer, "YEARS_FOR_SUPPORT", False),
            "no check of the physical measure asked (PHYSICAL)": lambda: switched(answer, "PHYSICAL_MEASURE", False),
            "no further vector support for the passage ranked first": lambda: switched(answer, "FIRST_SUPPORT", 0),
            "vector rank for a level asked now over every report, not the latest":
                lambda: switched(retrieval, "LATEST_FOR_NOW", False),
            "a figure counts as asked when its indicator shares any character with the question":
                lambda: switched(answer, "INDICATOR_HOLDS", False),
            "a bare measure after the clause naming the topic (总产达到…) not read as its figure (_BARE_MEASURE)":
                lambda: switched(answer, "MEASURE_HEADS", False),
            "a word the reports asked about lack keeps its weight however few write it":
                lambda: switched(matching, "UNMATCHED_RARE", 0.0),
            "vector support only with a concept held in full": lambda: switched(matching, "FOOTHOLD", 0.99),
            "a phrase the reports never write whole gives no foothold, however much of it stands there":
                lambda: switched(matching, "PHRASE_FOOTHOLD", False),
            "vector not weighted up when the words cover nothing": lambda: switched(service, "WORDLESS_DENSE_WEIGHT", 1.0),
            "the word after a measure word (多少公里高速) left to jieba's tag": lambda: switched(query, "COUNTED_NOUNS", False),
            "jieba's glued function characters (规模较, 费要) left in the word": lambda: switched(query, "UNGLUE", False),
            "no FORMAL_FRAME (增幅, 下限, 里程, 比重 … as asking words)": lambda: without(query.GENERIC, query.FORMAL_FRAME),
            "no FRAMING_VERBS (显示, 设定, 确定 … as asking verbs)":
                lambda: without(query.QUESTION_VERBS, query.FRAMING_VERBS),
            "a five-year plan's period (“十四五”末) a concept, not a time": lambda: switched(query, "PLAN_PERIODS_ARE_TIME", False),
            "a five-year review's totals (figures' period_start) not told from one year's":
                lambda: switched(matching, "SPAN_FIGURES", False),
            "no question words asking a span of years (_ASKS_SPAN: 五年, 十四五, 历年 …; 累计, 年均)":
                lambda: switched(matching, "SPAN_QUESTIONS", False),
            "比上年/较上年 read as a time word (no _CHANGE_BASE)": lambda: switched(query, "CHANGE_BASE", False),
            "a sibling's figure answers when the quote names the one asked without a number":
                lambda: switched(answer, "SIBLING_FIGURES", False),
            "a year naming the report asked (2023年…报告) read as the figure's year":
                lambda: switched(matching, "REPORT_YEAR_IS_THE_REPORTS", False),
            "the best passage refused for its figure's year or indicator though another found states it":
                lambda: switched(answer, "MISFITS_LAG", False),
            "no figure in the measure asked read as what words no report writes mean (MEASURED_STANDOUT)":
                lambda: switched(retrieval, "MEASURED_STANDOUT", 0.0),
            "a phrase's meaning looked up only in the words around it, not in its own (OWN_READING)":
                lambda: switched(retrieval, "OWN_READING", False),
            "the vector's foothold anywhere in the passage, not in the quote (FOOTHOLD_IN_QUOTE)":
                lambda: switched(matching, "FOOTHOLD_IN_QUOTE", False),
            "no figure-sentence route (SENTENCES: the sentence nearest the question neither found nor supporting)":
                lambda: switched(retrieval, "SENTENCES", False),
            "a quote's year read from any figure in it, not from its figure of what was asked (YEAR_OF_THE_FIGURE_ASKED)":
                lambda: switched(answer, "YEAR_OF_THE_FIGURE_ASKED", False),
            "a number in the measure asked beside the clause naming the topic not read as its (MEASURE_BESIDE)":
                lambda: switched(answer, "MEASURE_BESIDE", False),
            "a rate answers a count or an amount asked (no RATE_IS_NO_AMOUNT)":
                lambda: switched(answer, "RATE_IS_NO_AMOUNT", False),
            "a phrase the reports write, but never with a number in the measure asked, keeps its own words (no UNMEASURED_AS_UNWRITTEN)":
                lambda: switched(retrieval, "UNMEASURED_AS_UNWRITTEN", False),
            "a word of scope (全省, 全市 …) gives the vector a foothold (no SCOPE_HOLDS_NOTHING)":
                lambda: switched(matching, "SCOPE_HOLDS_NOTHING", False),
            "money asked only as 多少钱/多少元, not by the thing counted at the end (no MONEY_COUNTED: 多少拖欠的工钱)":
                lambda: switched(matching, "MONEY_COUNTED", False),
            "a question wholly in other words answered from the vector's first passage only, not also from its nearest figure sentence's (no WORDLESS_SENTENCE)":
                lambda: switched(answer, "WORDLESS_SENTENCE", False),
            "people asked only as 多少人, not by who is counted (no PEOPLE_COUNTED: 多少城里人)":
                lambda: switched(matching, "PEOPLE_COUNTED", False),
            "a term not read across a short aside inside it (no ASIDES_READ_THROUGH: 加装（更新）电梯)":
                lambda: switched(matching, "ASIDES_READ_THROUGH", False),
            "a narrower category asked (新能源汽车保有量) answered by the wider figure stated (no NARROWER_ASKED)":
                lambda: switched(answer, "NARROWER_ASKED", False),
            "a quantity in …量 not found written without it (no MEASURE_CONTRACTED: 粮食总产 for 粮食总产量)":
                lambda: switched(query, "MEASURE_CONTRACTED", False),
            "a passage crediting only words of change and scope may be found (no TOPIC_NEEDED)":
                lambda: switched(matching, "TOPIC_NEEDED", False),
            "a term found by meaning that the reports do not write stands for nothing (no NAMES_OF_A_MEANING: 对外贸易 → 进出口总额)":
                lambda: switched(retrieval, "NAMES_OF_A_MEANING", False),
            "a one-character thing counted not asked with its verb (no VERB_AND_COUNTED: 用了多少电 → 用电)":
                lambda: switched(query, "VERB_AND_COUNTED", False),
            "a year in two digits not read as a year (no SHORT_YEARS: 24年, 95年)":
                lambda: switched(query, "SHORT_YEARS", False),
            "a figure of a modifier inside a compound name answers the name (no COMPOUND_HEAD: 单位GDP二氧化碳排放)":
                lambda: switched(answer, "COMPOUND_HEAD", False),
            "a place named inside an everyday phrase not read through (no PLACES_INSIDE: 来海南玩的人)":
                lambda: switched(query, "PLACES_INSIDE", False),
            "a year naming the report asked with 多少 alone read as the year it reviews (no DONE_SAID)":
                lambda: switched(matching, "DONE_SAID", False),
            "words written inside an indicator's name left unmatched (no SPELLED_ACROSS: 城镇地区新增吸纳就业)":
                lambda: switched(matching, "SPELLED_ACROSS", False),
            "a place just before the issuer's name a concept of its own (no NAME_BEFORE_ISSUER: 杭州下沙经济开发区)":
                lambda: switched(query, "NAME_BEFORE_ISSUER", False),
            "a word of averaging inside an everyday phrase not read through (no AVERAGING_SLIPPED: 老百姓平均收入)":
                lambda: switched(query, "AVERAGING_SLIPPED", False),
            "going to the place asked about not read as coming to it (no COMING_IS_GOING: 去河南玩的人)":
                lambda: switched(query, "COMING_IS_GOING", False),
            "a report's name in the question read as its topic (no REPORT_NAME_NO_TOPIC: 国民经济和社会发展统计公报)":
                lambda: switched(query, "REPORT_NAME_NO_TOPIC", False),
            "a list written as one word not spelled out (no ENUMERATIONS_SPELLED: 一二三产, 小初高)":
                lambda: switched(textnorm, "ENUMERATIONS_SPELLED", False),
            "words spelled out not looked up contracted (no CONTRACTIONS_READ: 扩大招生 → 扩招)":
                lambda: switched(retrieval, "CONTRACTIONS_READ", False),
            "a goal set for a year that has happened answers what it came to (no PAST_IS_DONE)":
                lambda: switched(answer, "PAST_IS_DONE", False),
            "an age (60岁以上老年人) read as a number stated (no AGE_IS_NO_FIGURE)":
                lambda: switched(answer, "AGE_IS_NO_FIGURE", False),
            "an aspect asked (赔付比例) not read in the clause after the topic (no ASPECT_NEXT)":
                lambda: switched(answer, "ASPECT_NEXT", False),
            "a total asked answered with what a year added (no ADDITION_IS_NO_TOTAL)":
                lambda: switched(answer, "ADDITION_IS_NO_TOTAL", False),
            "the growth of what was asked answers an amount asked when another figure is in its unit (no OWN_RATES)":
                lambda: switched(answer, "OWN_RATES", False),
            "a measure asked of a thing answered by a sibling measure (no SIBLING_MEASURES: 出口 ← 产量)":
                lambda: switched(answer, "SIBLING_MEASURES", False),
            "a place asked answered by a figure whose clause names other places (no PLACE_OF_THE_FIGURE)":
                lambda: switched(answer, "PLACE_OF_THE_FIGURE", False),
            "a city asked answered by a figure whose sentence does not name it before (no PLACE_BEFORE_THE_FIGURE)":
                lambda: switched(answer, "PLACE_BEFORE_THE_FIGURE", False),
            "a word asked standing in a clause without a number refuses the figure sentence nearest in meaning (no MEANT_FIGURE)":
                lambda: switched(answer, "MEANT_FIGURE", False),
            "a rank asked answered by the value ranked (no RANK_ASKED)": lambda: switched(answer, "RANK_ASKED", False),
            "总产 read inside 总产值 too (no _NOT_LONGER)": lambda: emptied(query._NOT_LONGER),
            "no ROUGHLY (总共, 大概, 大约, 大致 as asking words)": lambda: without(query.GENERIC, query.ROUGHLY),
            "no REACHING (冲到, 干到, 加起来, 一年下来 … as asking verbs)":
                lambda: without(query.QUESTION_VERBS, query.REACHING),
            "想冲到/想让…到 not a plan (no WISH)":
                lambda: switched(query, "_TARGET_RE", re.compile(query._TARGET_RE.pattern.replace(query.WISH, ""))),
            "no BOUNDS (不低于, 超过, 以上 … as asking words)": lambda: without(query.GENERIC, query.BOUNDS),
            "no MOVEMENT (扩大, 减少, 上升 … as asking words)": lambda: without(query.GENERIC, query.MOVEMENT),
            "a place and the body governing it (…管委会) asked apart (no GOVERNING_BODIES)":
                lambda: switched(query, "GOVERNING_BODIES", ()),
            "no ABBREVIATIONS (short forms)": abbreviations,
            "no EVERYDAY (everyday words, everyday.tsv)": lambda: emptied(query.EVERYDAY),
            "everyday.tsv's phrases matched by spelling only, not by meaning (EVERYDAY_BY_MEANING)":
                lambda: switched(retrieval, "EVERYDAY_BY_MEANING", False),
            "no SYNONYMS (formal names of one statistic, synonyms.tsv)": lambda: emptied(query.SYNONYMS),
            "no GENERIC (asking words)": lambda: emptied(query.GENERIC),
            "no QUESTION_VERBS": lambda: emptied(query.QUESTION_VERBS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--sets", nargs="+", default=[str(ROOT.parent / "shared" / "eval" / "dev.jsonl"),
                                                       str(ROOT / "eval" / "validation.jsonl"),
                                                       str(ROOT / "eval" / "validation2.jsonl"),
                                                       str(ROOT / "eval" / "validation3.jsonl"),
                                                       str(ROOT / "eval" / "validation4.jsonl"),
                                                       str(ROOT / "eval" / "validation5.jsonl"),
                                                       str(ROOT / "eval" / "validation6.jsonl"),
                                                       str(ROOT / "eval" / "validation7.jsonl"),
                                                       str(ROOT / "eval" / "validation8.jsonl"),
                                                       str(ROOT / "eval" / "validation9.jsonl"),
                                                       str(ROOT / "eval" / "validation10.jsonl"),
                                                       str(ROOT / "eval" / "validation11.jsonl"),
                                                       str(ROOT / "eval" / "validation12.jsonl"),
                                                       str(ROOT / "eval" / "validation13.jsonl"),
                                                       str(ROOT / "eval" / "validation14.jsonl"),
                                                       str(ROOT / "eval" / "validation15.jsonl"),
                                                       str(ROOT / "eval" / "validation16.jsonl"),
                                                       str(ROOT / "eval" / "validation17.jsonl"),
                                                       str(ROOT / "eval" / "validation18.jsonl"),
                                                       str(ROOT / "eval" / "validation19.jsonl"),
                                                       str(ROOT / "eval" / "validation20.jsonl"),
                                                       str(ROOT / "eval" / "validation21.jsonl"),
                                                       str(ROOT / "eval" / "validation22.jsonl"),
                                                       str(ROOT / "eval" / "validation23.jsonl"),
                                                       str(ROOT / "eval" / "validation24.jsonl"),
                                                       str(ROOT / "eval" / "validation25.jsonl")])
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = parser.parse_args()
    os.environ["REPORTBOT_DATA_DIR"] = args.data_dir

    from knowledge.evaluation import evaluate
    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase()
    kb.warm_up()
    header = "| variant | set | " + " | ".join(MEASURES) + " | p50 / p95 ms |"
    print(header)
    print("|" + "---|" * (len(MEASURES) + 3))
    for name, make in variants(kb).items():
        if args.only and not any(o in name for o in args.only):
            continue
        with make():
            for path in args.sets:
                s = evaluate(kb, Path(path))["summary"]
                cells = " | ".join(f"{s[m][0]:.3f}" if s[m][1] else "-" for m in MEASURES)
                print(f"| {name} | {Path(path).stem} | {cells} | {s['latency_p50_ms']:.0f} / {s['latency_p95_ms']:.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()
