"""Question understanding, matching and answer scoring on in-memory data: no store, no model, milliseconds."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import numpy as np

from knowledge.answer import build_answer, unindexed_report
from knowledge.lexical import BM25, tokenize
from knowledge.matching import concept_credit, concept_overlap, weigh_concepts
from knowledge.query import understand
from knowledge.retrieval import ChunkRef, FigureRef, Hit
from knowledge.store import ReportRow
from knowledge.textnorm import normalize_for_match
from knowledge.vocabulary import Vocabulary, report_terms

SICHUAN = [SimpleNamespace(id=2, issuer="四川省", year=2025, review_year=2024, plan_year=2025),
           SimpleNamespace(id=1, issuer="四川省", year=2026, review_year=2025, plan_year=2026),
           SimpleNamespace(id=3, issuer="湖北省", year=2025, review_year=2024, plan_year=2025)]
ISSUERS = ["四川省", "湖北省"]
TODAY = date(2026, 11, 30)


def ask(question: str):
    return understand(question, ISSUERS, SICHUAN, TODAY)


def test_time_words_are_read_against_the_latest_report_of_the_issuer_asked_about():
    assert ask("四川今年GDP目标是多少？").years == [2026]
    assert ask("四川去年GDP增长多少？").years == [2025]
    assert ask("四川前年GDP增长多少？").years == [2024]
    assert ask("湖北今年GDP目标是多少？").years == [2025]  # its latest report plans 2025
    assert ask("湖北明年GDP目标是多少？").years == [2026]
    assert "2026" in ask("四川今年GDP目标是多少？").year_note


def test_time_words_without_an_issuer_follow_the_calendar_and_named_years_win():
    assert ask("今年固投目标是多少？").years == [2026]
    assert ask("去年固投完成多少？").years == [2025]
    assert ask("四川2024年GDP增长多少？").years == [2024]
    assert ask("四川现在常住人口多少？").years == []  # "现在": the latest figure, whichever report states it


def test_time_words_follow_the_report_named_and_the_base_of_a_change_is_no_time_word():
    # "2025年政府工作报告显示，去年…" is that report's year reviewed, not the latest report's
    assert ask("四川省2025年政府工作报告显示，去年GDP增长多少？").years == [2024]
    assert ask("四川2025年政府工作报告里今年的GDP目标是多少？").years == [2025]
    # "较上年的增幅", "比上年增长": the base of the change; the year asked is the one named
    assert ask("四川省2026年政府工作报告中固投较上年的增幅预期是多少？").years == [2026]
    # a report not indexed still sets them: the year it would review
    assert ask("四川2019年政府工作报告显示，去年GDP增长多少？").years == [2018]
    assert ask("四川GDP比上年增长多少？").relative is None
    assert ask("四川去年GDP比前年多了几成？").years == [2025]  # 前年: the base of 去年's change


def test_a_place_named_is_asked_with_the_body_that_governs_it_but_not_with_its_districts():
    from knowledge.query import named_issuers

    known = ["平潭综合实验区", "平潭综合实验区管委会", "北京市", "北京市海淀区"]
    assert named_issuers("平潭综合实验区2025年固投增长多少？", known) == ["平潭综合实验区", "平潭综合实验区管委会"]
    assert named_issuers("北京市去年GDP增长多少？", known) == ["北京市"]
    # one place: 去年 is the year its latest report reviews, whichever body delivered it
    zone = [SimpleNamespace(id=4, issuer="平潭综合实验区", year=2022, review_year=2022, plan_year=None),
            SimpleNamespace(id=5, issuer="平潭综合实验区管委会", year=2025, review_year=2024, plan_year=2025)]
    q = understand("平潭综合实验区去年固投增长多少？", known, zone, TODAY)
    assert q.years == [2024] and not q.across


def test_a_year_names_the_report_only_when_nothing_but_its_name_stands_between():
    assert ask("四川2024年的经济增长在报告里是多少？").report_year is None  # the year of a figure
    named = ask("四川省2025年政府工作报告说高速公路里程增至多少？")
    assert named.report_year == 2025 and named.year_names_report
    assert ask("2008年那份国务院报告说，前五年财政卫生支出多少？").report_year == 2008
    both = ask("四川2025年GDP增长多少，2025年政府工作报告怎么说？")  # 2025 is the figure's year too
    assert both.report_year == 2025 and not both.year_names_report


def test_a_report_named_with_only_多少_asks_its_figures_of_either_year():
    from knowledge.matching import wanted_years

    report = SICHUAN[1]  # delivered 2026: reviews 2025, plans 2026
    assert wanted_years(ask("四川2026年政府工作报告中，固投增长幅度为多少？"), report) == {2025, 2026}
    assert wanted_years(ask("四川2026年政府工作报告中，固投实际完成了多少？"), report) == {2025}
    assert wanted_years(ask("四川2026年政府工作报告中，固投目标是多少？"), report) == {2026}
    # the base of a change says nothing done; nor does 实际 inside a name
    assert wanted_years(ask("四川2026年政府工作报告中，固投较上年增长幅度为多少？"), report) == {2025, 2026}
    assert wanted_years(ask("四川2026年政府工作报告中，实际利用外资增长多少？"), report) == {2025, 2026}


def test_the_size_of_the_economy_is_gdp_and_its_speed_of_growth_a_change():
    concept = ask("湖北全省经济总量的增长速度为多少？").concepts
    forms = [c.forms for c in concept]
    assert any("地区生产总值" in f for f in forms) and any("增速" in f for f in forms)


def test_words_written_inside_an_indicators_name_are_that_figures():
    from knowledge.matching import spelled_across

    q = ask("四川2026年对城镇地区新增吸纳就业人员规模的安排是多少？")
    inside = {q.concepts[i].forms[0] for i in spelled_across(q, ["城镇新增就业"])}
    assert "吸纳" in inside and "人员" not in inside  # after the name: not inside it
    assert not spelled_across(q, ["城镇调查失业率"])
    # a thing written inside the name narrows it: graduates' jobs are not all new jobs
    narrowed = ask("四川城镇新增高校毕业生就业多少？")
    assert "高校毕业生" not in {narrowed.concepts[i].forms[0] for i in spelled_across(narrowed, ["城镇新增就业"])}
    assert not spelled_across(ask("四川地区农业生产总值多少？"), ["地区生产总值"])
    # scattered characters spell nothing; nor does a name written whole (its words are found as they are)
    assert not spelled_across(ask("四川工业增加值和服务业增长多少？"), ["工业增长"])
    assert not spelled_across(ask("四川城镇新增就业多少？"), ["城镇新增就业"])


def test_a_place_written_before_the_issuers_name_is_part_of_that_name():
    zone = understand("杭州下沙经济开发区2014年财政总收入多少？", ["经济开发区"])
    assert zone.issuers == ["经济开发区"] and not any(c.place for c in zone.concepts)
    # a place elsewhere in the question, or beside a province's name, is still one a passage must name
    assert any(c.place for c in understand("四川省政府工作报告里成都的GDP多少？", ["四川省"]).concepts)
    assert any(c.place for c in understand("成都四川省会GDP多少？", ["四川省"]).concepts)


def test_going_to_the_place_asked_about_is_coming_to_it():
    def forms(question: str) -> set[str]:
        return {f for c in ask(question).concepts for f in c.forms}

    assert "接待游客" in forms("去四川玩的人有多少？") and "接待游客" in forms("来四川玩的人有多少？")
    assert "接待游客" not in forms("四川人去外地玩的有多少？")  # no place read through: no visit to it


def test_a_reports_name_says_which_report_not_what_about():
    def forms(question: str) -> set[str]:
        return {f for c in ask(question).concepts for f in c.forms}

    assert forms("《2025年四川省国民经济和社会发展统计公报》显示，全省粮食产量多少？") == forms("四川全省粮食产量多少？")
    named = ask("2025年四川省国民经济和社会发展统计公报中粮食产量多少？")  # a long name, no 《》
    assert named.report_year == 2025 and not {"国民经济", "社会"} & {f for c in named.concepts for f in c.forms}
    assert "统计" in {f for c in ask("四川统计公报里的统计人员有多少？").concepts for f in c.forms}  # a topic still
    longest = understand("2022年平潭综合实验区国民经济和社会发展统计公报中全区渔业产值多少？", ["平潭综合实验区"])
    assert longest.report_year == 2022 and not {"国民经济", "社会"} & {f for c in longest.concepts for f in c.forms}
    # a plan's title names its topic
    assert any("生态环境" in f for f in forms("《四川省生态环境保护规划》提出森林覆盖率多少？"))


def test_the_year_note_says_the_word_the_question_used():
    assert "“当年”按2025年计" in ask("四川2025年政府工作报告里当年GDP目标是多少？").year_note
    assert "“上年”" in ask("四川2025年报告里上年GDP比去年同期增长多少？").year_note  # 比去年: the base


def test_定_asks_a_target_only_where_a_figure_is_set():
    assert ask("四川今年GDP增长定的多少？").intent == "target" and ask("四川GDP目标定在多少？").intent == "target"
    assert ask("四川去年新增多少家被认定的高新技术企业？").intent == "actual"  # certified, not set
    assert ask("四川稳定的就业岗位有多少？").intent == "actual"
    assert ask("四川去年制定了多少项政策？").intent == "actual"
    assert ask("四川今年确定的GDP目标是多少？").intent == "target"
    required = ask("四川2025年要求粮食产量不低于多少斤？")  # 要求: a figure required is a target, and no topic
    assert required.intent == "target" and not any("要求" in f for c in required.concepts for f in c.forms)


def test_a_list_written_as_one_word_holds_each_of_its_members():
    from knowledge.textnorm import spell_enumerations

    second = next(c for c in ask("四川第二产业增加值增长多少？").concepts if "第二产业增加值" in c.forms[0])
    assert concept_credit(second, normalize_for_match("一二三产增加值分别增长3.5%左右、6%左右、5%左右")) == 1.0
    assert concept_credit(second, normalize_for_match("二、三产业增加值分别增长6%、5%")) == 1.0
    assert spell_enumerations(normalize_for_match("新增“小初高”学位2000个")) == "小学 初中 高中"
    assert spell_enumerations("大中小学思政课") == "大学 中学 小学"
    assert not spell_enumerations("第二产业增加值") and not spell_enumerations("十二三个")
    grain = next(c for c in ask("四川粮食产量增长多少？").concepts if "粮食产量" in c.forms)
    assert concept_credit(grain, normalize_for_match("计划要求粮食增产百分之四十")) == 1.0  # 增产: output grown
    assert not spell_enumerations("平均每年增产80亿公斤")  # no thing produced named before it


def test_a_span_of_years_is_asked_by_its_own_words_not_by_any_period():
    from knowledge.matching import asks_span

    assert asks_span(ask("四川“十四五”期间城镇新增就业多少？")) and asks_span(ask("四川这五年累计新增就业多少？"))
    assert asks_span(ask("四川累计建成多少个5G基站？"))
    assert not asks_span(ask("四川去年疫情防控期间城镇新增就业多少？"))
    assert not asks_span(ask("四川去年累计完成投资多少？"))  # that year's running total


def test_a_concept_is_looked_up_by_the_words_around_it_in_the_question():
    contexts = {c.forms[0]: c.context for c in ask("四川去年找到工作的有多少人？").concepts}
    assert "找到工作" in contexts.values()
    assert any(c.context == "企业省钱" for c in ask("四川今年给企业省多少钱？").concepts)


def bm25_of(*passages: str) -> BM25:
    return BM25([tokenize(p) for p in passages])


def test_a_word_no_report_uses_does_not_veto_an_answer_by_itself():
    bm25 = bm25_of("城镇新增就业85万人", "地区生产总值增长5.5%左右", "城镇新增就业目标", "粮食产量")
    q = ask("四川去年城镇新增就业爆棚多少？")
    weigh_concepts(q, bm25)
    assert concept_overlap(q, "城镇新增就业85万人") >= 0.6


def test_a_place_no_report_names_keeps_its_weight():
    bm25 = bm25_of("城镇新增就业85万人", "地区生产总值增长5.5%左右", "粮食产量")
    q = ask("武汉去年城镇新增就业多少？")
    weigh_concepts(q, bm25)
    assert any(c.place for c in q.concepts)
    assert concept_overlap(q, "城镇新增就业85万人") < 0.6


def test_a_term_found_by_meaning_counts_almost_as_the_question_s_own_word():
    q = ask("四川去年端上饭碗的有多少人？")
    concept = next(c for c in q.concepts if "饭碗" in c.forms[0])
    assert concept_credit(concept, "城镇新增就业85万人") < 0.5
    concept.meanings = [("就业", 0.85)]
    assert concept_credit(concept, "城镇新增就业85万人") == 0.85


def test_everyday_words_count_as_the_terms_reports_write_for_them():
    q = ask("四川去年找到工作的有多少人？")
    concept = next(c for c in q.concepts if c.forms[0] == "找到工作")
    assert concept_credit(concept, "城镇新增就业85万人") == 1.0
    assert "城镇新增就业" in q.embedded  # the vector search reads the reports' term too
    # the longest phrase at each place wins ("农村养老金", not "养老金")
    assert [c.forms[0] for c in ask("四川农村养老金多少？").concepts] == ["农村养老金"]
    # a phrase holding a staff short form is the short form's: "GDP增速" keeps GDP's wider group (国内生产总值)
    assert any("国内生产总值" in c.forms for c in ask("四川GDP增速多少？").concepts)
    # a phrase is read only where words start and end: "用电" is not in "家用电器", "养老金" not in "养老金融"
    assert not any("全社会用电量" in c.forms for c in ask("四川去年家用电器卖了多少？").concepts)
    assert not any("基本养老金" in c.forms for c in ask("四川养老金融规模多大？").concepts)
    assert any("就医" in c.forms for c in ask("四川怎么解决看病贵？").concepts)  # but it may begin a word
    # a particle or classifier slipped in between ("找到了工作", "办个公司") is still the phrase
    slipped = ask("四川去年找到了工作的有多少人？")
    assert concept_credit(slipped.concepts[0], "城镇新增就业85万人") == 1.0 and "城镇新增就业" in slipped.embedded


def test_the_vocabulary_discounts_a_term_near_everything():
    # "hub" is nearer the phrase than "meant" is, but it is as near every other term: CSLS prefers "meant"
    rng = np.random.default_rng(0)
    phrase, common = np.eye(8)[0], np.eye(8)[1]
    others = common + 0.2 * rng.normal(size=(30, 8))
    hub = phrase + common
    meant = phrase + 1.2 * np.eye(8)[2]
    vocab = Vocabulary(["meant", "hub", *[f"t{i}" for i in range(30)]], np.vstack([meant, hub, others]))
    unit = vocab.matrix
    assert unit[1] @ phrase > unit[0] @ phrase  # by plain cosine the hub would win
    assert vocab.nearest(phrase, k=1)[0].term == "meant"


def test_a_phrase_is_read_in_its_own_words_and_in_the_words_around_it():
    # the words around a phrase ("…固定资本投入同比增幅") can drown its meaning: each reading's best term counts
    rng = np.random.default_rng(2)
    own, around = np.eye(16)[0], np.eye(16)[1]
    names = ["固定资产投资", "省级财政投入", *[f"t{i}" for i in range(30)]]
    vectors = np.vstack([own + 0.1 * rng.normal(size=16), around + 0.1 * rng.normal(size=16),
                         rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]])
    vocab = Vocabulary(names, vectors)
    assert [m.term for m in vocab.meanings(around)] == ["省级财政投入"]
    assert {m.term for m in vocab.meanings(around, own)} == {"固定资产投资", "省级财政投入"}


def test_a_term_the_reports_asked_about_do_not_write_sets_no_bar_for_the_meaning():
    rng = np.random.default_rng(3)
    phrase = np.eye(16)[0]
    names = ["甘蔗", "糖料蔗种植面积", *[f"t{i}" for i in range(30)]]
    vectors = np.vstack([phrase, phrase + 0.6 * np.eye(16)[2], rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]])
    vocab = Vocabulary(names, vectors)
    assert [m.term for m in vocab.meanings(phrase)] == ["甘蔗"]  # the other is too far behind the best
    assert [m.term for m in vocab.meanings(phrase, usable=lambda t: t != "甘蔗")] == ["糖料蔗种植面积"]


def test_a_word_of_a_phrase_is_a_part_of_it_not_its_meaning():
    from knowledge.retrieval import may_mean

    assert not may_mean("预算", "国防预算") and not may_mean("国防", "国防预算")
    assert may_mean("水利", "修水利")  # a character glued on
    assert may_mean("固定资产投资", "固定资本投入")


def test_formal_names_of_one_statistic_and_a_run_of_years():
    # 第三产业 is 服务业 in the reports' usage
    q = ask("四川2015年第三产业在经济总量中所占比重是多少？")
    assert any("服务业" in c.forms for c in q.concepts)
    assert concept_credit(next(c for c in q.concepts if "服务业" in c.forms), "服务业在生产总值中的比重50.5%") == 1.0
    # a run of years named by its ends asks a span: its total or average, not one year's figure
    from knowledge.matching import asks_span
    assert asks_span(ask("1998年至2002年间国内生产总值年均增长多少？"))
    assert not asks_span(ask("2002年国内生产总值增长多少？"))


def test_a_digit_of_a_name_is_no_number():
    from knowledge.answer import _NUMBER_WITH_UNIT
    assert not _NUMBER_WITH_UNIT.search("广义货币M2和社会融资规模增速要与名义增速相匹配")
    assert _NUMBER_WITH_UNIT.search("广义货币M2增长8.1%")


def test_the_measure_a_number_is_asked_in_is_read_with_the_reports_units():
    from knowledge.matching import asked_measure

    assert asked_measure(ask("江苏去年开了多少列中欧班列？")) == "列"
    assert asked_measure(ask("武汉港去年集装箱达到多少标准箱？")) == "标箱"
    assert asked_measure(ask("四川去年整治了多少处堵点？")) == "处"
    assert asked_measure(ask("四川去年GDP增长多少？")) is None
    # money named by the thing counted at the end, words between
    assert asked_measure(ask("青海去年帮打工的讨回来多少拖欠的工钱？")) == "元"
    assert asked_measure(ask("四川去年筹了多少扶贫资金？")) == "元"
    assert asked_measure(ask("四川去年多少人拿到了钱？")) == "人"
    assert asked_measure(ask("山东去年有多少企业拿到了补贴资金？")) != "元"  # asks how many enterprises
    # people asked by who is counted
    assert asked_measure(ask("河北今年打算让多少城里人找到新工作？")) == "人"
    assert asked_measure(ask("四川去年多少个人所得税减免？")) == "个"


def test_a_number_asked_in_a_measure_means_the_figure_in_that_measure_that_stands_out_in_meaning():
    from knowledge.retrieval import HybridRetriever

    rng = np.random.default_rng(1)
    meant = np.eye(16)[0]
    others = [f"指标{i}" for i in range(30)]
    names = ["人均预期寿命", "学前三年毛入园率", *others]
    unrelated = rng.normal(size=(30, 16))
    unrelated[:, 0] = 0.0
    vectors = np.vstack([meant + 0.1 * rng.normal(size=16), np.eye(16)[1], unrelated])
    said = "人均预期寿命增至80.5岁。"

    def fig(i, name, raw, unit):
        return FigureRef(id=i, report_id=1, chunk_idx=0, indicator=name, value=0.0, value_high=None, raw=raw,
                         unit=unit, kind="level", qualifier="", year=2025, type="actual", section_path="[]",
                         sentence=said)

    figures = [fig(0, "人均预期寿命", "80.5岁", "岁"), fig(1, "学前三年毛入园率", "3岁", "岁"),
               *(fig(i + 2, name, f"{i}万元", "万元") for i, name in enumerate(others))]
    index = SimpleNamespace(reports={1: report()}, figure_spans={1: [(0, len(figures))]}, figures=figures,
                            figure_terms=[f.indicator for f in figures], indicators=Vocabulary(names, vectors, False))
    retriever = HybridRetriever(index, None, None)
    q = ask("四川人去年平均能活到多少岁？")
    q.vector = meant
    assert retriever._measured_meanings(q, {1}) == ["人均预期寿命"]
    q.vector = rng.normal(size=16)  # a question near none of them: no meaning is read into it
    assert retriever._measured_meanings(q, {1}) == []
    q = ask("四川人去年平均能活到多少钱？")  # money narrows nothing
    q.vector = meant
    assert retriever._measured_meanings(q, {1}) == []
    q = ask("人去年平均能活到多少岁？")  # nor does a measure over every report of every place
    q.vector = meant
    assert retriever._measured_meanings(q, {1}) == []


def test_report_terms_are_words_of_two_passages_and_figure_indicators():
    terms = report_terms([["城镇", "新增", "就业"], ["就业", "目标", "城镇"], ["粮食"]], ["城镇新增就业"])
    assert "就业" in terms and "城镇" in terms and "城镇新增就业" in terms
    assert "粮食" not in terms and "目标" not in terms  # once only; a word of planning, not a subject


def report(title="四川省2026年政府工作报告", review=2025, plan=2026) -> ReportRow:
    return ReportRow(id=1, title=title, issuer="四川省", kind="政府工作报告", year=plan, review_year=review,
                     plan_year=plan, source="x.txt", content_hash="h")


def hit(text: str, path: list[str], figures: list[FigureRef] = (), rep: ReportRow | None = None) -> Hit:
    chunk = ChunkRef(vector_id="r1-c0", report_id=1, idx=0, section_path=path, text=text)
    return Hit(chunk=chunk, score=1.0, report=rep or report(), figures=list(figures))


def figure(raw: str, indicator: str, year: int, ftype: str, sentence: str) -> FigureRef:
    return FigureRef(id=1, report_id=1, chunk_idx=0, indicator=indicator, value=0.0, value_high=None, raw=raw,
                     unit="", kind="level", qualifier="", year=year, type=ftype,
                     section_path=json.dumps(["一、2025年工作回顾"], ensure_ascii=False), sentence=sentence)


def answer(question: str, hits: list[Hit]):
    q = ask(question)
    weigh_concepts(q, bm25_of(*(h.chunk.text for h in hits)))
    return build_answer(q, hits, reports=SICHUAN)


def test_a_figure_of_the_year_asked_is_answered_with_the_year_the_time_word_meant():
    text = "城镇新增就业85万人，城镇调查失业率5.1%。"
    ans = answer("四川去年城镇新增就业多少？",
                 [hit(text, ["一、2025年工作回顾"], [figure("85万人", "城镇新增就业", 2025, "actual", text)])])
    assert ans.found and "85万人" in ans.answer and "2025" in ans.answer
    assert "意思最接近" not in ans.answer  # found by its words: no caution


def test_the_topic_without_a_number_is_refused_saying_so():
    ans = answer("四川去年城镇新增就业多少？", [hit("千方百计稳定和扩大城镇新增就业。", ["一、2025年工作回顾"])])
    assert not ans.found and "没有给出" in ans.answer


def test_a_refusal_names_the_topic_missing_not_a_word_of_scope():
    text = "全市上下稳就业，城镇新增就业工作扎实推进，全市生产总值增长5%。"
    q = ask("四川全市城镇新增就业多少人？")
    weigh_concepts(q, bm25_of(text, "就业优先", "城镇新增就业", "稳就业"))  # 全市 is the rarer word here
    assert max(zip(q.concept_weights, q.concepts, strict=True), key=lambda t: t[0])[1].forms[0] == "全市"
    passage = hit(text, ["一、2025年工作回顾"], [figure("5%", "全市生产总值", 2025, "actual", text)])
    ans = build_answer(q, [passage], reports=SICHUAN)
    assert not ans.found and "“就业”" in ans.answer and "“全市”" not in ans.answer


def test_another_year_s_figure_comes_only_after_the_refusal_labelled_as_that_year_s():
    text = "城镇新增就业85万人以上。"
    ans = answer("四川去年城镇新增就业多少？",
                 [hit(text, ["二、2026年工作安排"], [figure("85万人以上", "城镇新增就业", 2026, "target", text)])])
    assert not ans.found
    assert ans.answer.index("没有找到") < ans.answer.index("2026年的") < ans.answer.index("85万人以上")


def test_a_goal_set_for_a_year_that_has_happened_is_no_answer_to_what_it_came_to():
    from dataclasses import replace

    older = report("四川省2025年政府工作报告", review=2024, plan=2025)
    older.id = 2
    text = "研究与试验发展经费投入强度2.5%左右，城镇新增就业85万人。"
    goal = replace(figure("2.5%左右", "研究与试验发展经费投入强度", 2025, "target", text), qualifier="左右")
    planned = hit(text, ["二、2025年工作安排"], [goal], older)
    # 2025 has happened (the 2026 report reviews it): its goal is refused, shown as a goal
    ans = answer("四川2025年研发投入强度具体是百分之几？", [planned])
    assert not ans.found and "只有2025年的目标" in ans.answer and "2.5%左右" in ans.answer
    assert answer("四川2025年研发投入强度目标是多少？", [planned]).found  # a target asked
    # a decision stated exactly is what happened
    decided = "稻谷最低收购价每50公斤提高16元。"
    exact = hit(decided, ["二、2025年工作安排"], [figure("16元", "稻谷最低收购价", 2025, "target", decided)], older)
    assert answer("四川2025年稻谷最低收购价每50公斤上调了多少元？", [exact]).found


def test_a_year_the_reports_set_targets_for_is_covered_and_one_they_do_not_is_refused_saying_which_they_cover():
    text = "到2030年，常住人口城镇化率达到60%。"
    plan = hit(text, ["二、“十五五”时期主要目标"], [figure("60%", "常住人口城镇化率", 2030, "target", text)])
    q = ask("四川2030年常住人口城镇化率目标是多少？")
    weigh_concepts(q, bm25_of(text))
    ans = build_answer(q, [plan], reports=SICHUAN, target_years={1: {2026, 2030}})
    assert ans.found and "60%" in ans.answer
    q = ask("四川2028年常住人口城镇化率目标是多少？")
    weigh_concepts(q, bm25_of(text))
    refused = build_answer(q, [plan], reports=SICHUAN, target_years={1: {2026, 2030}})
    assert not refused.found
    assert "涉及2024—2026年、2030年，没有2028年的" in refused.answer


def test_a_year_that_names_the_report_asks_for_the_years_it_reviews_and_plans():
    # "2025年政府工作报告说…": 2025 names the report; what it reviews happened in 2024
    older = report("四川省2025年政府工作报告", review=2024, plan=2025)
    older.id = 2
    said = "高速公路里程从8000公里增加到9800公里。"
    ans = answer("四川2025年政府工作报告说高速公路里程增至多少？",
                 [hit(said, ["一、2024年工作回顾"], [figure("9800公里", "高速公路里程", 2024, "actual", said)], older)])
    assert ans.found and "9800公里" in ans.answer
    # a year named in the question that is not the report's stays the year asked
    assert not answer("四川2023年高速公路里程是多少？",
                      [hit(said, ["一、2024年工作回顾"], [figure("9800公里", "高速公路里程", 2024, "actual", said)],
                           older)]).found


def test_a_passage_stating_the_figure_asked_answers_before_a_better_worded_one_of_another_year():
    review = "产业投资占比达到48%，产业投资增长9.4%。"
    plan = "产业投资占比保持在50%以上。"
    reviewed = hit(review, ["一、2025年工作回顾"], [figure("48%", "产业投资占比", 2025, "actual", review),
                                                    figure("9.4%", "产业投资", 2025, "actual", review)])
    planned = hit(plan, ["二、2026年工作安排"], [figure("50%以上", "产业投资占比", 2026, "target", plan)])
    planned.chunk.vector_id = "r1-c1"
    q = ask("四川今年产业投资占比是多少？")
    weigh_concepts(q, bm25_of(review, plan))
    ans = build_answer(q, [reviewed, planned], reports=SICHUAN)
    assert ans.found and "50%以上" in ans.answer and "48%" not in ans.answer
    # on the words-only pass the vector search has not run yet: the refusal lets it
    assert not build_answer(q, [reviewed, planned], reports=SICHUAN, last_pass=False).found
    # alone, the review's figure is refused, labelled with its year
    alone = build_answer(q, [reviewed], reports=SICHUAN)
    assert not alone.found and "2025年" in alone.answer


def test_a_report_named_by_a_year_no_report_of_the_issuer_has_is_refused_saying_which_years_are_indexed():
    ans = answer("四川2019年政府工作报告定的GDP增长目标是多少？",
                 [hit("地区生产总值增长5%左右。", ["二、2026年工作安排"])])
    assert not ans.found
    assert "已收录的四川省报告是2025—2026年的，没有2019年的报告" in ans.answer
    # a body of the place named delivers it: "平潭综合实验区2025年…报告" is its 管委会's
    zone = [SimpleNamespace(id=4, issuer="平潭综合实验区", year=2022, review_year=2022, plan_year=None),
            SimpleNamespace(id=5, issuer="平潭综合实验区管委会", year=2025, review_year=2024, plan_year=2025)]
    q = understand("平潭综合实验区2025年政府工作报告里固投增长多少？", ["平潭综合实验区", "平潭综合实验区管委会"], zone, TODAY)
    assert unindexed_report(q, zone) == ""
    q = understand("平潭综合实验区2020年政府工作报告里固投增长多少？", ["平潭综合实验区", "平潭综合实验区管委会"], zone, TODAY)
    assert "没有2020年的报告" in unindexed_report(q, zone)


def test_an_older_report_s_figure_follows_the_refusal_for_the_year_asked_labelled_with_its_year():
    # 去年 is 2025 (the latest report reviews it); the 2025 report's 1200部 is 2024's
    older = report("四川省2025年政府工作报告", review=2024, plan=2025)
    older.id = 2
    said = "既有住宅加装电梯1200部。"
    mention = hit("持续推进既有住宅加装电梯。", ["一、2025年工作回顾"])
    stated = hit(said, ["一、2024年工作回顾"], [figure("1200部", "既有住宅加装电梯", 2024, "actual", said)], older)
    stated.chunk.vector_id = "r2-c0"
    ans = answer("四川去年既有住宅加装电梯多少部？", [mention, stated])
    assert not ans.found
    assert ans.answer.index("没有给出2025年") < ans.answer.index("写的是2024年的") < ans.answer.index("1200部")


def test_five_years_total_answers_a_question_about_the_five_years_not_one_about_last_year():
    total = "城镇新增就业300万人。"
    year = "城镇新增就业62万人。"
    five = figure("300万人", "城镇新增就业", 2025, "actual", total)
    five.period_start = 2021
    hits = [hit(total, ["一、“十四五”时期和2025年工作回顾"], [five]),
            hit(year, ["一、“十四五”时期和2025年工作回顾"], [figure("62万人", "城镇新增就业", 2025, "actual", year)])]
    hits[1].chunk.vector_id = "r1-c1"
    last_year = answer("四川去年城镇新增就业多少？", hits)
    assert last_year.found and "62万人" in last_year.answer.split("\n")[1]
    five_years = answer("四川“十四五”期间城镇新增就业多少？", hits)
    assert five_years.found and "300万人" in five_years.answer.split("\n")[1]


def test_a_sibling_s_figure_is_no_answer_when_the_quote_names_the_one_asked_without_a_number():
    # "装备制造业增加值增长10%左右" beside "高技术制造业增加值…稳步提升": the 10% is not 高技术制造业's
    text = "装备制造业增加值增长10%左右，高技术制造业增加值、战略性新兴产业产值稳步提升。"
    sibling = figure("10%左右", "装备制造业增加值", 2026, "target", text)
    ans = answer("四川今年高技术制造业增加值的增长目标是多少？", [hit(text, ["二、2026年工作安排"], [sibling])])
    assert not ans.found and "高技术制造业增加值" in ans.answer
    # its own figure, stated, answers
    text = "装备制造业增加值增长10%左右，高技术制造业增加值增长12%左右。"
    own = figure("12%左右", "高技术制造业增加值", 2026, "target", text)
    ans = answer("四川今年高技术制造业增加值的增长目标是多少？", [hit(text, ["二、2026年工作安排"], [sibling, own])])
    assert ans.found and "12%左右" in ans.answer


def test_a_year_none_of_the_issuer_s_reports_covers_is_refused_naming_the_years_they_do():
    text = "地区生产总值增长5.7%。"
    ans = answer("四川2019年地区生产总值增长多少？", [hit(text, ["一、2025年工作回顾"])])
    assert not ans.found and "2019" in ans.answer and "2024—2026" in ans.answer


def test_questions_across_issuers_and_years_are_recognised_with_what_they_ask_about():
    from knowledge.query import indicator_phrase

    many = understand("哪些省份固投目标在5%以上？", ISSUERS, SICHUAN, TODAY)
    assert many.across and many.threshold == ("≥", 5.0, "%") and indicator_phrase(many) == "固投目标"
    two = understand("四川和湖北2025年社零目标谁高？", ISSUERS, SICHUAN, TODAY)
    assert two.across and two.issuers == ISSUERS and indicator_phrase(two) == "社零目标"
    years = understand("四川GDP这几年怎么变的？", ISSUERS, SICHUAN, TODAY)
    assert years.trend and not years.across and indicator_phrase(years) == "GDP"
    one = understand("四川2026年GDP增长目标是多少？", ISSUERS, SICHUAN, TODAY)
    assert not (one.across or one.trend or one.threshold)
    yearly = understand("四川每年要新增多少城镇就业？", ISSUERS, SICHUAN, TODAY)  # one figure a year: no trend
    assert not (yearly.trend or yearly.across)


def test_a_question_asking_how_much_is_not_answered_with_a_passage_without_a_number():
    # "创2006年以来新高" names a year, not the output asked for
    ans = answer("四川粮食产量多少？", [hit("粮食总产量创2006年以来新高，单产创历史新高。", ["一、2025年工作回顾"])])
    assert not ans.found and "没有给出" in ans.answer


def test_a_rate_asked_of_a_passage_with_counts_only_is_refused():
    text = "城镇新增就业2551人，开发公益性岗位162个。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("2551人", "城镇新增就业", 2025, "actual", text)])
    passage.parts = {"dense": 1}  # even the passage the vector search ranks first
    ans = answer("四川去年城镇登记失业率是多少？", [passage])
    assert not ans.found and "失业率" in ans.answer and "2551人" not in ans.answer.split("最接近")[0]


def test_a_figure_question_is_answered_from_the_passage_found_that_states_a_number():
    plan = hit("加快三大工程建设，增加保障性住房供应。", ["一、2025年工作回顾"])
    done = hit("新筹建各类保障性住房28.6万套（间），发放租赁补贴惠及6.2万户。", ["一、2025年工作回顾"])
    done.chunk.vector_id = "r1-c1"
    ans = answer("四川去年新准备了多少套保障性住房？", [plan, done])
    assert ans.found and "28.6万套" in ans.answer


def test_a_multiple_asked_of_a_passage_with_growth_rates_only_is_refused():
    question = "四川城镇居民收入现在是农村居民的几倍？"
    growth = "城镇居民人均可支配收入增长4.5%，农村居民人均可支配收入增长6.1%。"
    assert not answer(question, [hit(growth, ["一、2025年工作回顾"])]).found
    ratio = "城乡居民收入比由2.27缩小至2.21，城镇居民人均可支配收入增长4.5%。"
    assert answer(question, [hit(ratio, ["一、2025年工作回顾"])]).found
    # as ingested: the growth rate is read as a figure, the ratio is not
    read = [figure("4.5%", "城镇居民人均可支配收入", 2025, "actual", ratio)]
    assert answer(question, [hit(ratio, ["一、2025年工作回顾"], read)]).found
    against_last_year = "城镇居民收入比上年增长4.5%，农村居民收入同比增长6.1%。"
    assert not answer(question, [hit(against_last_year, ["一、2025年工作回顾"])]).found


def test_a_physical_measure_asked_must_be_the_one_the_passage_states():
    question = "四川今年准备发多少度电？"
    other = "全省发电装机达到1.5亿千瓦，开展职业技能培训30万人次。"
    assert not answer(question, [hit(other, ["二、2026年工作安排"])]).found
    same = "全省发电量达到2500亿千瓦时，发电装机达到1.5亿千瓦。"
    assert answer(question, [hit(same, ["二、2026年工作安排"])]).found
    road = "新改建农村公路1.2万公里，完成投资300亿元。"
    assert answer("四川今年新改建多少公里农村公路？", [hit(road, ["二、2026年工作安排"])]).found
    assert not answer("四川今年新改建多少公里农村公路？", [hit("农村公路完成投资300亿元。", ["二、2026年工作安排"])]).found


def test_a_level_asked_for_now_is_answered_from_the_issuer_s_latest_report():
    older = hit("居民医保住院报销比例提高至68.5%。", ["一、2024年工作回顾"],
                rep=report("四川省2025年政府工作报告", review=2024, plan=2025))
    older.report.year = 2025
    newer = hit("居民医保政策范围内住院报销比例达70%。", ["一、2025年工作回顾"])
    newer.chunk.vector_id = "r2-c0"
    ans = answer("四川现在居民医保住院报销比例是多少？", [older, newer])
    assert ans.found and "70%" in ans.answer.split("[")[0] and "《四川省2026年" in ans.answer


def test_a_figure_per_head_share_or_length_asked_of_a_passage_without_one_is_refused():
    def found(question: str, text: str) -> bool:
        return answer(question, [hit(text, ["一、2025年工作回顾"])]).found

    assert not found("四川去年城镇居民平均每人收入多少钱？", "城镇居民收入总额达到8500亿元、增长5%。")
    assert found("四川去年城镇居民平均每人收入多少钱？", "城镇居民人均可支配收入达到4.5万元、增长5%。")
    assert not found("四川森林面积现在占多大比例？", "森林面积达到2.8亿亩，森林质量持续提升。")
    assert found("四川森林面积现在占多大比例？", "森林面积占比达到40.4%，森林质量持续提升。")
    assert not found("四川高速公路现在一共多长？", "高速公路建设完成投资300亿元。")
    assert found("四川高速公路现在一共多长？", "高速公路通车里程达到1.1万公里。")


def test_a_level_asked_for_now_keeps_an_older_report_s_figure_over_the_latest_report_s_mere_mention():
    older = hit("2024年城镇新增就业85.6万人。", ["一、2024年工作回顾"],
                rep=report("四川省2025年政府工作报告", review=2024, plan=2025))
    older.report.year = 2025
    newer = hit("稳定和扩大城镇新增就业，开展职业技能培训30万人次。", ["二、2026年工作安排"])
    newer.chunk.vector_id = "r2-c0"
    ans = answer("四川城镇新增就业多少人？", [older, newer])
    assert ans.found and "85.6万人" in ans.answer


def test_units_of_one_dimension_answer_each_other_and_a_capacity_is_not_energy():
    def found(question: str, text: str) -> bool:
        return answer(question, [hit(text, ["一、2025年工作回顾"])]).found

    assert found("四川去年粮食产量多少亿斤？", "粮食产量达到3593.2万吨，增长1.2%。")
    assert found("四川高速公路通车里程多少公里？", "高速公路通车里程达到9800千米。")
    assert not found("四川新能源装机多少千瓦？", "新能源发电量达到500亿千瓦时。")
    assert found("四川今年特岗教师招聘名额有多少？", "特岗教师招聘名额达到5000名。")
    assert found("四川今年产假延长多长时间？", "产假延长至158天。")


def test_a_rank_is_not_a_quantity():
    from knowledge.answer import _NUMBER_WITH_UNIT

    assert _NUMBER_WITH_UNIT.search("森林覆盖率稳居全国第2") is None
    assert _NUMBER_WITH_UNIT.search("森林覆盖率达到40.4%")


def test_a_rank_is_not_the_share_asked_for():
    # "稳居全国第2" ranks the province; "百分之多少" asks the share itself (and is no topic of the question)
    text = "森林覆盖率稳居全国第2，国家森林城市实现设区市全覆盖。"
    ans = answer("四川现在的森林覆盖率具体是百分之多少？", [hit(text, ["一、2025年工作回顾"])])
    assert not ans.found and "没有给出" in ans.answer
    stated = "森林覆盖率达到40.4%，稳居全国前列。"
    assert answer("四川现在的森林覆盖率具体是百分之多少？", [hit(stated, ["一、2025年工作回顾"])]).found


def test_an_amount_asked_of_a_passage_with_counts_only_is_refused():
    text = "全省离境退税商店达到1837家、增长136%。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("1837家", "离境退税商店", 2025, "actual", text)])
    ans = answer("四川去年离境退税的商品销售额有多少？", [passage])
    assert not ans.found and "1837家" not in ans.answer.split("最接近")[0]


def test_the_passage_the_vector_search_ranks_first_supports_the_words_it_lacks():
    text = "开工改造城镇老旧小区1200个，惠及居民18万户。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("1200个", "开工改造城镇老旧小区", 2025, "actual", text)])
    q = ask("四川去年动工翻新了多少个老旧小区？")
    weigh_concepts(q, bm25_of(text, "厂房动工翻新", "推进老旧小区改造"))  # 动工翻新 is a word the reports use

    def found(dense_rank: int | None) -> bool:
        passage.parts = {"dense": dense_rank} if dense_rank else {}
        return build_answer(q, [passage], reports=SICHUAN).found

    assert not found(None)  # the words alone: 动工翻新 is not written there
    assert found(1)
    said = build_answer(q, [passage], reports=SICHUAN).answer
    assert "1200个" in said and "意思最接近" in said  # and the reader is told it was found by meaning
    assert not found(5)  # far down the vector's ranking: no support


def test_a_terse_look_up_of_a_measure_or_a_target_asks_for_its_figure():
    assert ask("四川今年研发投入强度目标？").numeric and ask("四川去年外贸进出口总额？").numeric
    assert not ask("四川乡村振兴有什么目标？").numeric  # asks what the targets are, in words


def test_a_question_wholly_in_words_no_report_writes_is_answered_from_the_vector_s_first_passage():
    text = "人均预期寿命增至80.5岁，每千人口执业医师数达到3.6人。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("80.5岁", "人均预期寿命", 2025, "actual", text)])
    q = ask("四川人现在平均能活到多少岁？")
    weigh_concepts(q, bm25_of(text, "粮食产量"))
    for c in q.concepts:
        c.foreign = not c.place  # as find_meanings marks a wording no report indexed uses

    def found(dense_rank: int | None) -> bool:
        passage.parts = {"dense": dense_rank} if dense_rank else {}
        return build_answer(q, [passage], reports=SICHUAN).found

    assert found(1)
    said = build_answer(q, [passage], reports=SICHUAN).answer
    assert "80.5岁" in said and "意思最接近" in said  # flagged as found by meaning
    assert not found(2)  # only the first: a second-ranked passage needs a foothold in the words
    # a concept other reports write, asked of a report without it, is a missing figure, not other wording
    for c in q.concepts:
        c.foreign = False
    assert not found(1)


def test_a_question_wholly_in_other_words_is_answered_from_the_figure_sentence_nearest_it_too():
    from knowledge import answer as answering

    text = "实施稳岗扩容提质行动，城镇新增就业86万人。"
    passage = hit(text, ["三、2026年主要工作"], [figure("86万人", "城镇新增就业", 2026, "target", text)])
    q = ask("四川今年打算让多少城里人找到新工作？")  # 多少城里人: a count in 人
    weigh_concepts(q, bm25_of(text, "粮食产量"))
    for c in q.concepts:
        c.foreign = not c.place

    def found(parts: dict) -> bool:
        passage.parts, passage.meant = parts, text
        return build_answer(q, [passage], reports=SICHUAN).found

    assert found({"dense": 5, "sentences": 1})  # its figure sentence is the one nearest the question
    assert not found({"dense": 5, "sentences": 2})
    answering.WORDLESS_SENTENCE = False
    try:
        assert not found({"dense": 5, "sentences": 1})
    finally:
        answering.WORDLESS_SENTENCE = True


def test_a_question_wholly_in_other_words_needs_the_measure_it_asks_for_in_the_passage():
    text = "人均预期寿命增至80.5岁，每千人口执业医师数达到3.6人。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("80.5岁", "人均预期寿命", 2025, "actual", text)])
    passage.parts = {"dense": 1}
    q = ask("四川去年外星人来了几次？")  # nothing in the reports; the nearest passage counts no 次
    weigh_concepts(q, bm25_of(text, "粮食产量"))
    for c in q.concepts:
        c.foreign = not c.place
    assert not build_answer(q, [passage], reports=SICHUAN).found
    # and a question of asking words alone is not answered with a number in another measure
    assert not answer("四川去年下了几场雪？", [passage]).found


def test_a_word_few_reports_write_weighs_light_when_the_reports_asked_about_lack_it():
    # "老楼" is the asker's word (2 of 77 reports write it); 固定资产投资 is a topic most reports write
    text = "既有住宅加装电梯9555部。"
    corpus = bm25_of(text, "老楼改造", "固定资产投资增长5%", "加装电梯")

    def overlap(question: str, word: str, written_by: float) -> float:
        q = ask(question)
        for c in q.concepts:
            if word in c.forms[0]:
                c.unmatched, c.written_by = True, written_by
        weigh_concepts(q, corpus)
        return concept_overlap(q, text)

    assert overlap("四川去年老楼装电梯装了多少部？", "老楼", 2 / 77) >= 0.6
    assert overlap("四川去年老楼装电梯装了多少部？", "老楼", 49 / 77) < 0.6  # written widely: the topic is missing


def test_the_passage_every_route_ranks_first_is_supported_a_little_further_down_the_vector():
    text = "开工改造城镇老旧小区1200个，惠及居民18万户。"
    q = ask("四川去年动工翻新了多少个老旧小区？")
    weigh_concepts(q, bm25_of(text, "厂房动工翻新", "推进老旧小区改造"))
    other = "推进城市更新，完成棚户区改造1.2万户。"

    def found(dense_rank: int, first: bool) -> bool:
        passage = hit(text, ["一、2025年工作回顾"], [figure("1200个", "开工改造城镇老旧小区", 2025, "actual", text)])
        passage.parts = {"dense": dense_rank}
        before = hit(other, ["一、2025年工作回顾"])
        before.chunk.vector_id = "r1-c9"
        before.parts = {"dense": 1}
        ranked = [passage, before] if first else [before, passage]
        ans = build_answer(q, ranked, reports=SICHUAN)
        return ans.found and "1200个" in ans.answer

    assert found(3, first=True)
    assert not found(3, first=False)  # ranked first by the vector alone is not enough this far down
    assert not found(5, first=True)


def test_a_figure_of_another_indicator_sharing_a_word_is_not_the_one_asked():
    def said(question: str, text: str, figures: list[tuple[str, str]]) -> str:
        passage = hit(text, ["二、2026年工作安排"], [figure(raw, ind, 2026, "target", text) for raw, ind in figures])
        q = ask(question)
        weigh_concepts(q, bm25_of(text, "城乡居民人均可支配收入", "居民消费价格", "新能源汽车产量"))
        ans = build_answer(q, [passage], reports=SICHUAN)
        return ans.answer if ans.found else ""

    # 居民 is all 居民消费价格 shares with 城乡居民人均可支配收入: its 2% is no answer
    prices = "城乡居民人均可支配收入稳步增长，居民消费价格涨幅2%左右。"
    assert said("四川2026年城乡居民人均可支配收入增长目标是百分之几？", prices, [("2%左右", "居民消费价格")]) == ""
    income = "城乡居民人均可支配收入增长5.5%，居民消费价格涨幅2%左右。"
    assert "5.5%" in said("四川2026年城乡居民人均可支配收入增长目标是百分之几？", income,
                          [("5.5%", "城乡居民人均可支配收入"), ("2%左右", "居民消费价格")])
    # a bare measure (产量) names the topic of its sentence
    cars = "推动新能源汽车产业提质扩量，力争产量突破120万辆。"
    assert "120万辆" in said("四川2026年新能源车产量目标是多少？", cars, [("120万辆", "产量")])


def test_a_common_word_jieba_tags_as_a_place_does_not_make_its_phrase_a_place():
    places = {c.forms[0]: c.place for c in ask("2025年全国计划新开工改造多少个城镇老旧小区？").concepts}
    assert places.get("城镇老旧小区") is False  # 城镇 is tagged ns; the phrase is a topic, open to meaning
    assert not any(c.place for c in ask("四川2025年东西整体涨价涨了多少？").concepts)
    assert any(c.place and c.forms[0] == "武汉" for c in ask("武汉去年城镇新增就业多少？").concepts)
    assert any(c.place and c.forms[0] == "成都高新区" for c in ask("成都高新区去年城镇新增就业多少？").concepts)


def test_a_bare_measure_after_the_clause_naming_the_topic_states_its_figure():
    def said(text: str, figures: list[tuple[str, str]]) -> str:
        passage = hit(text, ["一、2025年工作回顾"], [figure(raw, ind, 2024, "actual", text) for raw, ind in figures])
        ans = answer("四川2024年粮食一共收了多少斤？", [passage])
        return ans.answer if ans.found else ans.answer.splitlines()[1]

    # the clause naming 粮食 has no number; the next one's figure is only a measure of it (总产)
    harvest = "粮食生产再获丰收，总产达到720亿斤，连续5年稳定在700亿斤以上。"
    assert "720亿斤" in said(harvest, [("720亿斤", "总产"), ("700亿斤以上", "连续5年")])
    # a figure of something else after it is not the harvest
    pigs = "粮食生产再获丰收，生猪出栏6000万头。"
    assert "没有给出" in said(pigs, [("6000万头", "生猪出栏")])
    # a bare measure of another sentence, or one the question does not ask (产值 for 产量), is not it
    assert "没有给出" in said("粮食生产再获丰收。总产达到720亿斤。", [("720亿斤", "总产")])
    cars = "新能源汽车推广应用加快，产值增长30%。"
    passage = hit(cars, ["一、2025年工作回顾"], [figure("30%", "产值", 2024, "actual", cars)])
    assert not answer("四川2024年新能源汽车产量多少？", [passage]).found


def test_the_thing_counted_after_a_measure_word_is_a_concept_whatever_jieba_tags_it():
    # jieba tags 高速 an adverb ("at high speed"); after 多少公里 it is what is counted: without it the question has
    # no topic at all and was answered with the first passage about kilometres (railways, sewers)
    assert [c.forms[0] for c in ask("四川去年新修了多少公里高速？").concepts] == ["高速"]
    # an adverb after a number that counts nothing, or before a verb, stays an adverb
    assert "大约" not in [c.forms[0] for c in ask("四川全年大约新增就业多少人？").concepts]
    assert "已经投产" not in [c.forms[0] for c in ask("四川新建了多少个已经投产的项目？").concepts]


def test_a_formal_question_frame_is_not_what_the_figure_is_of():
    # a briefing's wording: the bound set, the increase, the verb of reporting or setting are no topic
    concepts = ask("四川省2026年政府工作报告对粮食种植面积设定的下限是多少亩？").concepts
    # one concept, the statistic's name (its formal variants with it); the bound set is no topic
    assert len(concepts) == 1 and concepts[0].forms[0] == "粮食种植面积" and "粮食播种面积" in concepts[0].forms
    forms = [c.forms[0] for c in ask("四川省2025年政府工作报告显示，2024年集装箱吞吐量较上年的增幅是多少？").concepts]
    assert forms == ["集装箱吞吐量"]
    passage = hit("港口集装箱吞吐量增长11.3%。", ["一、2024年工作回顾"],
                  [figure("11.3%", "港口集装箱吞吐量", 2024, "actual", "港口集装箱吞吐量增长11.3%。")],
                  rep=report("四川省2025年政府工作报告", 2024, 2025))
    ans = answer("四川省2025年政府工作报告显示，2024年集装箱吞吐量较上年的增幅是多少？", [passage])
    assert ans.found and "11.3%" in ans.answer


def test_words_of_movement_ask_a_change_and_words_of_striving_ask_a_target():
    forms = [c.forms[0] for c in ask("四川省2025年政府工作报告中，转移支付规模同比扩大幅度为多少？").concepts]
    assert forms == ["转移支付"]
    assert ask("四川省1988年政府工作报告对全省粮食总产量提出的争取水平是多少？").intent == "target"
    assert ask("四川2024年争取到中央预算内投资多少亿元？").intent != "target"  # funds obtained: done, not planned
    # the word of movement is left out, not the first character of what moved
    assert [c.forms[0] for c in ask("四川去年压减粗钢产能多少万吨？").concepts] == ["粗钢产能"]


def test_the_vector_s_support_needs_a_foothold_in_the_quote_not_only_in_the_passage_around_it():
    # the passage names 中央财政 two sentences before a figure of something else
    said = "扩大地方政府存量债务置换规模，降低利息负担约4000亿元。"
    text = "中央财政加大对地方的支持力度，保障基层运转。\n推进财税体制改革，加强预算绩效管理。\n" + said
    passage = hit(text, ["一、2025年工作回顾"], [figure("4000亿元", "降低利息负担", 2025, "actual", said)])
    q = ask("四川去年中央财政向地方拨付的一般性转移资金增长多少？")
    weigh_concepts(q, bm25_of(text, "推进老旧小区改造"))
    passage.parts = {"dense": 1}
    assert not build_answer(q, [passage], reports=SICHUAN).found


def test_a_function_character_jieba_glues_to_a_word_is_read_apart():
    # jieba: 规模较|上年, 流量|费要|降 — the topic is 固定资产投资 / 手机流量费, not "…规模较" / "…费要"
    assert [c.forms[0] for c in ask("四川2026年固定资产投资规模较上年增长多少？").concepts] == ["固定资产投资"]
    assert [c.forms[0] for c in ask("2018年说手机流量费要降多少来着？").concepts] == ["手机流量费"]
    # only onto a word of its own: 住房供 or 违法行 are pieces, 昌都 a name
    assert "保障性住房供给" in [c.forms[0] for c in ask("四川保障性住房供给增加了多少套？").concepts]
    assert "查处违法行为" in [c.forms[0] for c in ask("四川查处违法行为多少起？").concepts]
    assert any(c.place and c.forms[0] == "昌都" for c in ask("昌都去年GDP增长多少？").concepts)


def test_the_end_of_a_five_year_plan_period_is_its_last_year():
    # "到“十四五”末" is 2025: a passage stating the year's level without naming the period answers it
    q = ask("四川森林覆盖率到“十四五”末达到多少？")
    assert [c.forms[0] for c in q.concepts] == ["森林覆盖率"] and q.years == [2025]
    assert ask("四川“十三五”期末森林覆盖率是多少？").years == [2020]
    # the period as a whole stays what is asked: its five-year figures are not one year's
    assert "十三五" in [c.forms[0] for c in ask("“十三五”时期四川城镇新增就业多少？").concepts]
    level = "森林覆盖率达40.5%。"
    passages = [hit(level, ["一、2025年工作回顾"], [figure("40.5%", "森林覆盖率", 2025, "actual", level)]),
                hit("“十四五”以来生态建设成效显著，“十四五”规划主要目标顺利完成。", ["一、2025年工作回顾"])]
    ans = answer("四川森林覆盖率到“十四五”末达到多少？", passages)
    assert ans.found and "40.5%" in ans.answer


def test_a_count_asked_after_its_measure_noun_is_not_answered_with_a_growth_rate():
    def said(text: str, figures: list[tuple[str, str]]) -> bool:
        passage = hit(text, ["一、2024年工作回顾"], [figure(raw, ind, 2024, "actual", text) for raw, ind in figures],
                      rep=report("四川省2025年政府工作报告", 2024, 2025))
        return answer("四川省2025年政府工作报告显示，2024年医疗旅游的实际人次是多少？", [passage]).found

    assert not said("医疗旅游人次增长36.8%。", [("36.8%", "医疗旅游人次")])  # how fast it grew, not how many
    assert said("医疗旅游人次达到86.5万人次。", [("86.5万人次", "医疗旅游人次")])


def test_a_phrase_the_reports_never_write_whole_gives_a_foothold_when_its_own_words_stand_in_the_passage():
    text = "坚持以民为本、施政为民，民生支出占一般公共预算支出比例76.7%。"
    passage = hit(text, ["一、2025年工作回顾"], [figure("76.7%", "民生支出占一般公共预算支出比例", 2025, "actual", text)])
    q = ask("四川去年全省民生领域支出在一般公共预算支出中所占比重为多少？")
    for c in q.concepts:  # as retrieval marks them: no report writes the question's phrases whole
        c.unmatched = not c.place and not any(f in normalize_for_match(text) for f in c.norm_forms)
    assert any(c.unmatched for c in q.concepts)
    weigh_concepts(q, bm25_of(text, "推进老旧小区改造"))

    def found(dense_rank: int | None) -> bool:
        passage.parts = {"dense": dense_rank} if dense_rank else {}
        ans = build_answer(q, [passage], reports=SICHUAN)
        return ans.found and "76.7%" in ans.answer

    assert not found(None)  # the words alone do not cover the question
    assert found(1)  # ranked first by the vector, with the question's own words mostly there
    assert not found(5)


def _nearest_sentence(h: Hit, sentence: str) -> Hit:
    """The hit as retrieval marks the passage holding the figure sentence nearest the question."""
    h.parts, h.meant = {"sentences": 1}, sentence
    return h


def test_the_passage_stating_the_figure_sentence_nearest_the_question_is_supported_from_a_foothold_in_it():
    # 专门 is a word the reports write elsewhere, not in the passage stating the figure
    text = "建成老年食堂1733个，护理型养老床位占比达到71.4%。"
    q = ask("四川去年专门给老人吃饭的食堂建了多少个？")
    weigh_concepts(q, bm25_of(text, "设立专门工作专班。"))
    fig = figure("1733个", "建成老年食堂", 2025, "actual", text)
    assert not build_answer(q, [hit(text, ["一、2025年工作回顾"], [fig])], reports=SICHUAN).found
    ans = build_answer(q, [_nearest_sentence(hit(text, ["一、2025年工作回顾"], [fig]), text)], reports=SICHUAN)
    assert ans.found and "1733个" in ans.answer and "意思最接近" in ans.answer
    # the foothold must be in that sentence: a heading naming the topic over a sentence about another does not do
    other = "护理型养老床位占比达到71.4%。"
    ans = build_answer(q, [_nearest_sentence(hit(other, ["一、2025年工作回顾", "（九）老年食堂建设"]), other)],
                       reports=SICHUAN)
    assert not ans.found


def test_the_nearest_sentence_is_quoted_before_a_piece_the_words_score_higher():
    from knowledge.answer import best_quote

    meant = "建成老年食堂1733个，惠及老人30万人次。"
    text = f"专门老年食堂建设全面推进。完善社区居家养老服务网络，提升服务质量和水平。{meant}"
    q = ask("四川去年专门给老人吃饭的食堂建了多少个？")
    weigh_concepts(q, bm25_of(text))
    assert meant not in best_quote(q, hit(text, ["一、2025年工作回顾"]))[0]  # the words prefer the other
    assert best_quote(q, _nearest_sentence(hit(text, ["一、2025年工作回顾"]), meant))[0] == meant


def test_a_rate_is_no_answer_to_a_count_asked_but_is_to_a_rate_asked():
    text = "学前教育毛入园率、九年义务教育巩固率分别提升至95%左右、96%以上。"
    figs = [figure("95%左右", "学前教育毛入园率", 2025, "actual", text),
            figure("96%以上", "九年义务教育巩固率", 2025, "actual", text)]
    for f in figs:
        f.unit = "%"
    ans = answer("四川去年学前教育新增了多少个学位？", [hit(text, ["一、2025年工作回顾"], figs)])
    assert not ans.found
    ans = answer("四川去年学前教育毛入园率提高到多少？", [hit(text, ["一、2025年工作回顾"], figs)])
    assert ans.found and "95%左右" in ans.answer


def test_a_quote_s_year_is_that_of_its_figure_of_what_was_asked_not_of_another_in_the_sentence():
    # a review sentence whose first figure was read as a target (its sentence names 目标任务) and whose figure of
    # what was asked is last year's: the year asked is not given
    text = "一年来，聚焦目标任务，生产总值增长5.6%，进出口总值增长14.1%。"
    figs = [figure("5.6%", "生产总值", 2026, "target", text), figure("14.1%", "进出口总值", 2025, "actual", text)]
    ans = answer("四川2026年进出口总值计划增长多少？", [hit(text, ["一、2025年工作回顾"], figs)])
    assert not ans.found and "2025年的" in ans.answer


def test_the_clause_beside_the_one_naming_the_topic_may_state_its_number_in_the_measure_asked():
    text = "落实国家育儿补贴政策，惠及154万户家庭。"
    fig = figure("154万户", "惠及家庭", 2025, "actual", text)
    ans = answer("四川去年有多少户人家领到了育儿补贴？", [hit(text, ["一、2025年工作回顾"], [fig])])
    assert ans.found and "154万户" in ans.answer
    other = "落实国家育儿补贴政策，服务群众30万人次。"  # a number beside it in another measure is not its number
    fig = figure("30万人次", "服务群众", 2025, "actual", other)
    ans = answer("四川去年有多少户人家领到了育儿补贴？", [hit(other, ["一、2025年工作回顾"], [fig])])
    assert not ans.found


def test_passages_rank_by_their_figure_sentence_nearest_the_question_among_those_allowed():
    from knowledge.retrieval import CorpusIndex, FigureSentences

    idx = CorpusIndex(stores=None)  # type: ignore[arg-type]
    eye = np.eye(4, dtype=np.float32)
    # chunk 0 states sentences 0 and 1, chunk 1 sentence 2, chunk 2 sentence 1 again (one vector, two pairs)
    idx.sentences = FigureSentences(eye[:3], ["甲", "乙", "丙", "乙"], np.array([0, 1, 2, 1]), np.array([0, 0, 1, 2]))
    q = 0.9 * eye[1] + 0.1 * eye[2]
    order, meant = idx.nearest_sentences(q, np.array([True, True, True]), 5)
    assert order[-1] == 1 and set(order[:2]) == {0, 2} and meant[0] == "乙" and meant[1] == "丙"
    order, meant = idx.nearest_sentences(q, np.array([True, True, False]), 1)  # chunk 2's report not asked
    assert order == [0] and meant == {0: "乙"}
    assert idx.nearest_sentences(q, np.array([False, False, False]), 5) == ([], {})


def test_a_word_of_scope_or_of_change_gives_the_vector_no_foothold():
    # "全省…增长" stand in nearly every passage of a provincial report: holding them is not holding the topic
    from knowledge import matching
    from knowledge.matching import holds_a_concept

    q = ask("浙江2026年全省固定资产投资增速目标是多少")
    assert not holds_a_concept(q, "今年经济社会发展主要预期目标为：全省生产总值增长5%—5.5%")
    assert holds_a_concept(q, "全省固定资产投资增长5%左右")
    matching.SCOPE_HOLDS_NOTHING = False
    try:
        assert holds_a_concept(q, "今年经济社会发展主要预期目标为：全省生产总值增长5%—5.5%")
    finally:
        matching.SCOPE_HOLDS_NOTHING = True


def test_a_number_in_the_measure_asked_is_read_in_chinese_numerals_and_with_more():
    from knowledge.matching import measure_stated

    assert measure_stated("元", "通过国家预算的部分，拟定为二百七十亿元")
    assert measure_stated("元", "交通、能源、水利完成投资5400多亿元")
    assert measure_stated("人", "保证我国六亿多人吃饭") and measure_stated("家", "新增100余家")
    assert measure_stated("元", "减税降费3万多亿元") and measure_stated("元", "国内生产总值134.9万亿元")
    assert not measure_stated("元", "建设统一元数据标准") and not measure_stated("人", "接待游客一千二百万人次")


def test_a_figure_per_head_is_written_per_head_of_population_in_older_reports():
    from knowledge.answer import _figure_missing

    q = ask("1984年国务院政府工作报告披露，一九八三年农村居民人均净收入水平达到多少？")
    quote = "一九八三年，职工家庭按人口平均的生活费收入达到５２６元；农民按人口平均的纯收入达到３０９．８元。"
    assert _figure_missing(q, quote, []) == ""
    assert _figure_missing(q, "农民的纯收入总额达到３０９．８亿元。", []) != ""  # a total is no answer per head


def test_a_term_is_found_whole_across_a_short_aside_inside_it():
    from knowledge import matching

    q = ask("四川去年老楼装电梯装了多少部？")
    text = "既有住宅加装（更新）电梯9555部，完成燃气管道改造。"
    lift = next(c for c in q.concepts if "加装电梯" in c.forms)
    assert concept_credit(lift, normalize_for_match(text)) == 1.0
    assert concept_credit(lift, normalize_for_match("规划纲要（草案）电梯")) < 1.0  # an aside, not its term
    matching.ASIDES_READ_THROUGH = False
    try:
        assert concept_credit(lift, normalize_for_match(text)) < 1.0
    finally:
        matching.ASIDES_READ_THROUGH = True


def test_a_narrower_category_asked_is_not_answered_with_the_wider_figure():
    from knowledge import answer as answering

    text = "年末全区各种机动车保有量116298辆，其中，汽车保有量61259辆。"
    passage = hit(text, ["一、交通"], [figure("61259辆", "汽车保有量", 2022, "actual", text)])
    q = ask("四川2025年的新能源汽车保有量有多少辆？")
    assert answering._narrower_asked(q, text, passage.figures) == "新能源汽车保有量"
    # the passage naming the modifier somewhere, or a scope word in front, is no narrower category
    assert answering._narrower_asked(q, "新能源汽车推广加快，" + text, passage.figures) == ""
    assert answering._narrower_asked(ask("四川2025年全省汽车保有量有多少辆？"), text, passage.figures) == ""
    for c in q.concepts:  # a phrase no report writes whole is the asker's wording, not a category
        c.foreign = not c.place
    assert answering._narrower_asked(q, text, passage.figures) == ""
    for c in q.concepts:
        c.foreign = False
    answering.NARROWER_ASKED = False
    try:
        assert answering._narrower_asked(q, text, passage.figures) == ""
    finally:
        answering.NARROWER_ASKED = True


def test_a_quantity_in_liang_is_found_written_without_it():
    from knowledge import query
    from knowledge.query import Concept

    grain = Concept(forms=["粮食收了", "粮食产量", "粮食总产量"])
    assert concept_credit(grain, normalize_for_match("粮食总产439.2亿斤、连续12年超430亿斤")) == 1.0
    assert concept_credit(Concept(forms=["发电量"]), normalize_for_match("新增发电装机500万千瓦")) < 1.0  # too short
    query.MEASURE_CONTRACTED = False
    try:
        assert concept_credit(Concept(forms=["粮食收了", "粮食产量", "粮食总产量"]),
                              normalize_for_match("粮食总产439.2亿斤")) < 1.0
    finally:
        query.MEASURE_CONTRACTED = True


def test_a_passage_crediting_no_topic_of_the_question_is_never_found():
    from knowledge import matching
    from knowledge.matching import concept_overlap_near

    q = ask("四川2026年全省固定资产投资增速目标是多少")
    # rarity can weigh the frame as much as the topic: 增速 and 全省 alone would cover 60 %
    q.concept_weights = [4.0 if "固定资产投资" in c.forms else 3.0 for c in q.concepts]
    text = "今年经济社会发展主要预期目标为：全省生产总值增长5%—5.5%"
    assert concept_overlap_near(q, text, text, 0.8) <= matching.TOPICLESS < 0.6
    assert concept_overlap_near(q, "全省固定资产投资增长5%左右", "", 0.8) == 1.0
    matching.TOPIC_NEEDED = False
    try:
        assert concept_overlap_near(q, text, text, 0.8) >= 0.6
    finally:
        matching.TOPIC_NEEDED = True


def test_the_bound_a_figure_is_held_to_is_no_topic():
    from knowledge import query

    assert not any("低于" in c.forms[0] for c in ask("四川2025年要求粮食总产量不低于多少斤？").concepts)
    assert not any("超过" in c.forms[0] for c in ask("四川一年生的娃都超过一百万？").concepts)
    saved = set(query.GENERIC)
    query.GENERIC -= query.BOUNDS
    try:
        assert any("低于" in c.forms[0] for c in ask("四川2025年要求粮食总产量不低于多少斤？").concepts)
    finally:
        query.GENERIC |= saved


def test_a_year_in_two_digits_is_the_year_and_a_span_of_years_is_not():
    assert ask("四川24年GDP增长多少？").years == [2024]
    assert ask("95年政府工作报告里粮食产量多少？").years == [1995]
    assert ask("四川近10年来GDP增长多少？").years == []
    assert ask("四川50年代粮食产量多少？").years == []
    assert ask("四川GDP24年多少？").years == [2024]  # 年多少 is no 年多 (more than a year)
    assert ask("四川23到24年粮食产量各多少？").years == [2023, 2024]
    # a span is no year: 缴费15年, 创20年新高
    assert ask("四川城乡居民缴费15年能领多少养老金？").years == []
    assert ask("四川去年粮食产量创20年新高了吗，多少？").years == [2025]


def test_a_single_character_thing_counted_is_asked_with_its_verb():
    # "一共用了多少电": 用电, not the 共用 jieba glues; "发多少度电": 发电; a resultative (炼出) keeps its verb
    assert [c.forms[0] for c in ask("四川去年全省一共用了多少电？").concepts] == ["全省", "用电"]
    assert [c.forms[0] for c in ask("四川今年准备发多少度电？").concepts] == ["发电"]
    assert [c.forms[0] for c in ask("四川去年一共炼出了多少钢？").concepts] == ["炼钢"]
    # its quantity as statistics name it: 用电量, 钢产量 (a report writes "钢产量…一千一百零八万吨", never 炼钢)
    steel = ask("四川去年一共炼出了多少钢？").concepts[0]
    assert concept_credit(steel, normalize_for_match("我国的钢产量到一九五八年就增加到一千一百零八万吨")) == 1.0
    assert concept_credit(steel, normalize_for_match("钢铁企业兼并重组")) < 0.5
    # the verb starts a word: "生产了多少度电" is 生产, not 产电; only a thing made is counted by its 产量
    assert [c.forms[0] for c in ask("四川去年一共生产了多少度电？").concepts] == ["生产"]
    assert ask("四川去年卖了多少酒？").concepts[0].forms == ["卖酒", "卖酒量"]
    # money and people are measures, not things: "省多少钱", "走了多少人" make no such concept
    assert not [c for c in ask("四川今年给企业省多少钱？").concepts if c.forms[0] == "省钱"]
    assert not [c for c in ask("四川去年进出港走了多少人？").concepts if c.forms[0] == "走人"]


def test_a_short_form_is_not_read_inside_a_different_statistic_s_name():
    forms = [f for c in ask("四川去年粮食总产多少？").concepts for f in c.forms]
    assert "总产量" in forms
    forms = [f for c in ask("四川去年农业总产值多少？").concepts for f in c.forms]
    assert "总产量" not in forms


def test_words_of_approximation_and_of_reporting_are_no_topic():
    forms = [c.forms[0] for c in ask("截至2024年，四川高铁运营里程总共大概有多少公里？").concepts]
    assert forms == ["高铁运营里程"]


def test_an_everyday_wish_asks_a_target_and_verbs_of_reaching_or_adding_up_are_no_topic():
    q = ask("四川今年游客人数想冲到多少啊")
    assert q.intent == "target" and [c.forms[0] for c in q.concepts] == ["游客"]
    assert ask("四川去年想创业的人有多少？").intent != "target"  # 想 of a wish held by people, no plan
    assert ask("我想要了解一下四川2024年GDP增长了多少").intent == "actual"  # the asker's wish, not a plan
    assert [c.forms[0] for c in ask("四川的地铁线路现在加起来一共多长？").concepts] == ["地铁", "线路"]


def test_a_figure_of_a_modifier_inside_a_compound_name_is_not_of_the_name():
    from knowledge import answer as answering

    # "单位GDP二氧化碳排放": GDP modifies the head; the growth of GDP does not answer it
    text = "主要预期目标为：地区生产总值增长4.5%左右，单位地区生产总值二氧化碳排放降低完成国家下达的目标。"
    gdp = figure("4.5%左右", "地区生产总值", 2026, "target", text)
    q = ask("四川2026年单位GDP二氧化碳排放要下降多少？")
    assert answering._figure_missing(q, text, [gdp]) != ""
    # nor where the quote names no part of the head at all: GDP's growth is no figure of 单位GDP能耗
    said = "今年发展主要预期目标是：国内生产总值增长5%左右；"
    growth = figure("5%左右", "国内生产总值", 2026, "target", said)
    assert answering._figure_missing(ask("四川2026年单位GDP能耗要下降多少？"), said, [growth]) != ""
    assert answering._figure_missing(ask("四川2026年GDP要增长多少？"), said, [growth]) == ""
    # the head itself stated answers it; and verbs one after the other (住院|看病) are no compound name
    said = "单位地区生产总值二氧化碳排放降低3.5%。"
    assert answering._figure_missing(q, said, [figure("3.5%", "单位地区生产总值二氧化碳排放降低", 2026, "target", said)]) == ""
    text = "职工、居民住院报销比例分别提高至85.6%、68.5%。"
    paid = figure("85.6%", "职工、居民住院报销比例分别提高至", 2025, "actual", text)
    assert answering._figure_missing(ask("四川上班族去年住院看病，医保能报掉多少比例？"), text, [paid]) == ""
    # only a ratio's name (单位…, 每…) is read so: concepts side by side elsewhere keep their figures
    cpi = ask("四川今年CPI涨幅目标定的百分之几？")
    assert answering._compound_heads(cpi) == cpi.concepts
    total = ask("四川GDP经济总量多少？")
    assert answering._compound_heads(total) == total.concepts
    answering.COMPOUND_HEAD = False
    try:
        text = "地区生产总值增长4.5%左右，单位地区生产总值二氧化碳排放降低完成国家下达的目标。"
        assert answering._figure_missing(q, text, [gdp]) == ""
    finally:
        answering.COMPOUND_HEAD = True


def test_a_place_named_inside_an_everyday_phrase_is_read_through():
    from knowledge.query import EVERYDAY

    q = ask("去年来四川玩的人有多少人次？")
    visitors = next(c for c in q.concepts if "来四川玩的人" in c.forms)
    assert set(EVERYDAY["来玩的人"]) <= set(visitors.forms)
    # only the name of a place asked about is read through, not any words in between
    assert not set(EVERYDAY["来玩的人"]) & {f for c in ask("四川去年来这边看病玩的人有多少？").concepts for f in c.forms}


def test_an_age_bounding_a_group_is_no_figure_of_how_many():
    plan = ["二、2026年工作安排"]
    ans = answer("四川今年给60岁以上老人免费打流感疫苗，计划接种多少人？", [hit("为全省60岁以上老年人免费接种流感疫苗。", plan)])
    assert not ans.found and "没有给出" in ans.answer
    text = "全省人均预期寿命达到79.5岁。"
    lived = answer("四川去年人均预期寿命多少岁？", [hit(text, ["一、2025年工作回顾"])])
    assert lived.found and "79.5岁" in lived.answer  # an age asked is stated


def test_an_aspect_asked_by_its_measure_word_is_stated_in_the_clause_after_the_topic(monkeypatch):
    from knowledge import answer as answering

    text = "降低并统一大病保险起付线，报销比例由50%提高到60%，进一步减轻大病患者医疗负担。"
    paid = figure("60%", "报销比例", 2026, "target", text)
    q = ask("四川今年大病保险的赔付比例要提高到多少？")
    assert answering._figure_missing(q, text, [paid]) == ""
    monkeypatch.setattr(answering, "ASPECT_NEXT", False)
    assert answering._figure_missing(q, text, [paid]) != ""
    # a measure word the question does not ask reads nothing beside the topic
    assert answering._figure_missing(ask("四川今年大病保险的起付线是多少钱？"), text, [paid]) != ""


def test_a_total_asked_is_not_answered_with_what_a_year_added():
    from dataclasses import replace

    from knowledge import answer as answering

    q = ask("四川的地铁现在加起来一共多长？")
    text = "深化地铁公交两网融合，新增地铁运营里程40公里以上。"
    added = replace(figure("40公里以上", "新增地铁运营里程", 2026, "target", text), unit="公里")
    assert answering._figure_missing(q, text, [added]) != ""
    both = "开通3条地铁新线，新增地铁运营里程43公里、总里程达到879公里。"
    total = replace(figure("879公里", "总里程", 2025, "actual", both), unit="公里")
    added = replace(figure("43公里", "新增地铁运营里程", 2025, "actual", both), unit="公里")
    assert answering._figure_missing(q, both, [added, total]) == ""  # the total stands beside the addition
    assert answering._figure_missing(ask("四川的地铁去年新增了多长？"), text, [added]) == ""  # an addition asked


def test_the_growth_of_what_was_asked_is_no_amount_of_it(monkeypatch):
    from dataclasses import replace

    from knowledge import answer as answering

    text = "全年地区生产总值2.15万亿元、增长5.5%，一般公共预算收入增长10.5%。"
    gdp = replace(figure("2.15万亿元", "全年地区生产总值", 2025, "actual", text), unit="亿元")
    gdp_growth = replace(figure("5.5%", "全年地区生产总值", 2025, "actual", text), unit="%")
    revenue = replace(figure("10.5%", "一般公共预算收入", 2025, "actual", text), unit="%")
    stated = [gdp, gdp_growth, revenue]
    q = ask("四川去年一般公共预算收入是多少亿元？")
    assert answering._figure_missing(q, text, stated) != ""  # 亿元 stated, but of GDP
    assert answering._figure_missing(ask("四川去年一般公共预算收入的规模有多大？"), text, stated) != ""
    assert answering._figure_missing(ask("四川去年一般公共预算收入增长多少？"), text, stated) == ""
    assert answering._figure_missing(ask("四川去年一般公共预算收入增长幅度是多少？"), text, stated) == ""
    assert answering._figure_missing(ask("四川今年一般公共预算收入规模目标是多少？"), text, stated) == ""  # a target
    # the figure named as asked is checked before a wider one the question's words also reach
    said = "实现工业增加值13.27亿元，比上年增长4.5%。规模以上工业增加值增长5.1%。"
    industry = [replace(figure("13.27亿元", "工业增加值", 2025, "actual", said), unit="亿元"),
                replace(figure("5.1%", "规模以上工业增加值", 2025, "actual", said), unit="%")]
    assert answering._figure_missing(ask("四川去年规模以上工业增加值是多少亿元？"), said, industry) != ""
    assert answering._figure_missing(ask("四川去年工业增加值是多少亿元？"), said, industry) == ""
    monkeypatch.setattr(answering, "OWN_RATES", False)
    assert answering._figure_missing(q, text, stated) == ""


def test_a_measure_asked_of_a_thing_is_not_answered_by_a_sibling_measure(monkeypatch):
    from knowledge import answer as answering

    text = "新能源汽车产量达到95.3万辆，集成电路产量增长1倍多。"
    made = figure("95.3万辆", "新能源汽车产量", 2025, "actual", text)
    missing = answering._figure_missing(ask("四川去年新能源汽车出口了多少万辆？"), text, [made])
    assert missing == "新能源汽车"  # the refusal names what the report does mention
    assert answering._figure_missing(ask("四川去年新能源汽车产量多少万辆？"), text, [made]) == ""
    trade = "全省进出口总额突破7000亿元。"
    both_ways = figure("7000亿元", "全省进出口总额", 2025, "actual", trade)
    assert answering._figure_missing(ask("四川去年全省出口多少亿元？"), trade, [both_ways]) != ""
    monkeypatch.setattr(answering, "SIBLING_MEASURES", False)
    assert answering._figure_missing(ask("四川去年新能源汽车出口了多少万辆？"), text, [made]) == ""


def test_a_place_asked_is_not_answered_by_a_figure_of_other_places(monkeypatch):
    from knowledge import answer as answering

    text = "多极支撑更加强劲，武汉在副省级城市中增速靠前，襄阳、宜昌经济总量突破6000亿元。"
    theirs = figure("6000亿元", "宜昌经济总量", 2024, "actual", text)
    q = ask("四川省报告里，武汉市去年的经济总量是多少亿元？")
    assert answering._figure_missing(q, text, [theirs]) != ""
    own = "武汉经济总量突破2万亿元，增长5.2%。"
    assert answering._figure_missing(q, own, [figure("2万亿元", "武汉经济总量", 2024, "actual", own)]) == ""
    # a clause naming no place is of what its sentence is about
    port = "成都国际航空枢纽年旅客吞吐量增长16.6%，突破8700万人次。"
    flown = figure("8700万人次", "成都国际航空枢纽年旅客吞吐量", 2025, "actual", port)
    assert answering._figure_missing(ask("成都的国际航空枢纽去年旅客吞吐量有多少人次？"), port, [flown]) == ""
    monkeypatch.setattr(answering, "PLACE_OF_THE_FIGURE", False)
    assert answering._figure_missing(q, text, [theirs]) == ""


def test_a_city_asked_inside_the_issuer_is_named_before_its_figure(monkeypatch):
    from knowledge import answer as answering

    # the province's figure: its sentence does not name the city asked, or names it after the figure only
    renewed = "开工改造城镇老旧小区2878个、居全国第5位。"
    homes = figure("2878个", "开工改造城镇老旧小区", 2025, "actual", renewed)
    q = ask("四川省报告里，成都市去年开工改造了多少个城镇老旧小区？")
    assert answering._figure_missing(q, renewed, [homes]) != ""
    metro = "新增地铁运营里程171.7公里，成都、绵阳地铁线网单日最高客运量分别达1409万、305万人次。"
    lines = [figure("171.7公里", "新增地铁运营里程", 2025, "actual", metro),
             figure("1409万", "成都地铁线网单日最高客运量", 2025, "actual", metro)]
    assert answering._figure_missing(ask("四川成都去年新增了多少公里地铁运营里程？"), metro, lines) != ""
    own = "成都开工改造城镇老旧小区900个。"
    assert answering._figure_missing(q, own, [figure("900个", "成都开工改造城镇老旧小区", 2025, "actual", own)]) == ""
    # another place's total is no answer for the GDP asked of the city, though it is named 经济总量, not GDP
    others = "多极支撑更加强劲，成都增速靠前，泸州、宜宾经济总量突破4000亿元。"
    theirs = figure("4000亿元", "宜宾经济总量", 2025, "actual", others)
    asked_gdp = ask("四川省报告里，成都市去年的地区生产总值是多少亿元？")
    assert answering._figure_missing(asked_gdp, others, [theirs]) != ""
    monkeypatch.setattr(answering, "PLACE_BEFORE_THE_FIGURE", False)
    assert answering._figure_missing(q, renewed, [homes]) == ""
    assert answering._figure_missing(asked_gdp, others, [theirs]) == ""


def test_a_measure_whose_name_a_wider_one_holds_is_not_answered_by_the_wider_one(monkeypatch):
    from dataclasses import replace

    from knowledge import answer as answering

    text = "外贸进出口总额达到4.51万亿元、增长5.6%，其中出口增长10.8%。"
    trade = [figure("4.51万亿元", "外贸进出口总额", 2025, "actual", text),
             figure("5.6%", "外贸进出口总额", 2025, "actual", text),
             figure("10.8%", "外贸进出口总额", 2025, "actual", text)]
    trade = [replace(f, unit="%" if f.raw.endswith("%") else "亿元") for f in trade]
    assert answering._figure_missing(ask("四川去年出口总额是多少亿元？"), text, trade) != ""  # only its growth
    assert answering._figure_missing(ask("四川去年进出口总额是多少亿元？"), text, trade) == ""
    assert answering._figure_missing(ask("四川去年出口增长多少？"), text, trade) == ""
    monkeypatch.setattr(answering, "SIBLING_MEASURES", False)
    assert answering._figure_missing(ask("四川去年出口总额是多少亿元？"), text, trade) == ""


def test_a_figure_sentence_nearest_in_meaning_answers_though_a_word_asked_stands_in_another_clause(monkeypatch):
    from knowledge import answer as answering

    text = "保障种粮农民收益，推广合理密植种植技术，确保粮食产量达到700亿斤、重要农产品稳产保供。"
    grain = figure("700亿斤", "粮食产量", 2026, "target", text)

    def asked(rank: int):
        h = hit(text, ["二、2026年工作安排"], [grain])
        h.parts, h.meant = {"lexical": 1, "dense": 1, "sentences": rank}, text
        return answer("四川今年种粮打算收多少斤？", [h])

    assert asked(1).found and "700亿斤" in asked(1).answer
    assert not asked(2).found  # not the sentence the vector ranks first: 种粮 is named where no number is
    monkeypatch.setattr(answering, "MEANT_FIGURE", False)
    assert not asked(1).found


def test_a_rank_asked_is_answered_by_a_rank_not_by_the_value_ranked(monkeypatch):
    from knowledge import answer as answering

    value = "粮食产量500.1亿斤，一般公共预算收入增长5.5%。"
    grain = figure("500.1亿斤", "粮食产量", 2025, "actual", value)
    q = ask("四川去年粮食产量在全国排第几位？")
    assert answering._figure_missing(q, value, [grain]) != ""
    ranked = "粮食产量500.1亿斤、居全国第12位。"
    assert answering._figure_missing(q, ranked, [figure("500.1亿斤", "粮食产量", 2025, "actual", ranked)]) == ""
    monkeypatch.setattr(answering, "RANK_ASKED", False)
    assert answering._figure_missing(q, value, [grain]) == ""


def test_a_budget_s_spending_is_no_answer_to_its_revenue_nor_a_year_s_addition_to_its_total():
    from dataclasses import replace

    from knowledge import answer as answering

    spent = "一般公共预算支出2164.2亿元。"
    spending = figure("2164.2亿元", "一般公共预算支出", 2025, "actual", spent)
    assert answering._figure_missing(ask("四川去年一般公共预算收入是多少亿元？"), spent, [spending]) != ""
    assert answering._figure_missing(ask("四川去年一般公共预算支出是多少亿元？"), spent, [spending]) == ""
    # a figure in another measure beside the one added does not make the addition a total
    metro = "新增地铁运营里程171.7公里，成都、绵阳地铁线网单日最高客运量分别达1409万、305万人次。"
    lines = [replace(figure("171.7公里", "新增地铁运营里程", 2025, "actual", metro), unit="公里"),
             replace(figure("1409万", "成都地铁线网单日最高客运量", 2025, "actual", metro), unit="万")]
    assert answering._figure_missing(ask("截至2025年底四川地铁运营总里程一共多少公里？"), metro, lines) != ""


def test_a_digit_in_a_name_is_no_number_stated():
    ans = answer("四川去年5G基站建了多少个？", [hit("加快5G基站建设，推进5G应用。", ["一、2025年工作回顾"])])
    assert not ans.found and "没有给出" in ans.answer


def test_a_word_of_averaging_slipped_inside_an_everyday_phrase_is_read_through(monkeypatch):
    from knowledge import query

    forms = {f for c in ask("四川今年想让老百姓平均收入涨多少？").concepts for f in c.forms}
    assert set(query.EVERYDAY["老百姓收入"]) <= forms
    monkeypatch.setattr(query, "AVERAGING_SLIPPED", False)
    assert not set(query.EVERYDAY["老百姓收入"]) <= {f for c in ask("四川今年想让老百姓平均收入涨多少？").concepts
                                                     for f in c.forms}


def test_the_figure_checks_leave_ordinary_questions_alone():
    from dataclasses import replace

    from knowledge import answer as answering

    def stated(raw, indicator, text, unit=""):
        return replace(figure(raw, indicator, 2025, "actual", text), unit=unit)

    # a change asked of an amount's name (产量, 总量) is answered by the change
    grain = "全年粮食产量增长3.2%。"
    assert answering._figure_missing(ask("四川去年粮食产量增长多少？"), grain,
                                     [stated("3.2%", "全年粮食产量", grain, "%")]) == ""
    # a quantity in Latin-letter units is a number stated; 5G is a name
    assert answering._states_a_number(ask("四川去年算力总规模达到多少？"), "全省算力总规模达到15EFlops。")
    assert not answering._states_a_number(ask("四川去年5G基站多少个？"), "加快5G基站建设。")
    # what a year adds, asked as such ("现在每年建多少所"), is no total asked
    schools = "今年新建学校120所。"
    assert answering._figure_missing(ask("四川现在每年建多少所学校？"), schools,
                                     [stated("120所", "新建学校", schools, "所")]) == ""
    # a word the dictionary tags as a place but that governs nothing (中欧) is no other place
    rail = "成都国际铁路港建设提速，中欧班列开行5000列。"
    assert answering._figure_missing(ask("成都去年中欧班列开行多少列？"), rail,
                                     [stated("5000列", "中欧班列开行", rail, "列")]) == ""
    # a kind of the measure asked (营业收入 of 收入) is that measure; the measure written before the figure counts
    income = "电子信息产业营业收入突破2万亿元。"
    assert answering._figure_missing(ask("四川去年电子信息产业收入多少亿元？"), income,
                                     [stated("2万亿元", "电子信息产业营业收入", income, "亿元")]) == ""
    cars = "新能源汽车产量95.3万辆、出口20万辆。"
    assert answering._figure_missing(ask("四川去年新能源汽车出口了多少万辆？"), cars,
                                     [stated("95.3万辆", "新能源汽车产量", cars, "辆"),
                                      stated("20万辆", "新能源汽车产量", cars, "辆")]) == ""
    # a plain age is a figure even when the question does not say 岁
    assert answering._states_a_number(ask("四川人现在平均能活多久？"), "全省人均预期寿命达到79.5岁。")


def test_an_amount_named_only_as_a_total_is_of_what_the_sentence_is_about():
    from dataclasses import replace

    from knowledge import answer as answering

    text = "全省地区生产总值增长5.7%，高于全国0.7个百分点，经济总量达到64697亿元。"
    stated = [replace(figure("5.7%", "全省地区生产总值", 2024, "actual", text), unit="%"),
              replace(figure("64697亿元", "经济总量", 2024, "actual", text), unit="亿元")]
    assert answering._figure_missing(ask("四川去年GDP多少亿元？"), text, stated) == ""
    assert answering._figure_missing(ask("四川去年地区生产总值是多少亿元？"), text, stated) == ""
