"""Questions as staff ask them: the figure as written first, with report, section path and exact quote."""

from __future__ import annotations

import re

import numpy as np
import pytest

from knowledge import query, retrieval
from knowledge.answer import build_answer
from knowledge.matching import weigh_concepts
from knowledge.query import understand
from knowledge.textnorm import normalize_for_match
from knowledge.vocabulary import EVERYDAY_QUANTILE, Vocabulary

QUESTIONS = [
    # (question, values the answer must state, heading the first citation must sit under)
    ("临江开发区今年固投目标多少？", ["10%左右"], "二、2025年工作安排"),
    ("临江开发区去年引进了多少高层次人才？", ["236名"], "2、科技创新能力持续提升"),
    ("临江2024年GDP是多少？增长多少？", ["486.3亿元", "7.1%"], "一、2024年工作回顾"),
    ("临江开发区2025年要新增多少家高企？", ["60家"], "2、做优创新平台"),
    ("临江开发区的城镇登记失业率控制目标是多少？", ["3%以内"], "二、2025年工作安排"),
    ("臨江開發區2024年一般公共預算收入是多少？", ["42.6亿元"], "一、2024年工作回顾"),
    ("临江开发区２０２４年社零总额多少？", ["98.7亿元"], "一、2024年工作回顾"),
]


def numbers_in(text: str) -> set[str]:
    """Numbers stated in a text; citation markers like [1] are references, not statements."""
    return set(re.findall(r"\d+(?:\.\d+)?", re.sub(r"\[\d+\]", "", normalize_for_match(text))))


@pytest.mark.parametrize("question,values,heading", QUESTIONS)
def test_figure_questions_are_answered_with_the_number_as_written(sample_kb, question, values, heading):
    ans = sample_kb.ask(question)
    assert ans.found and ans.mode == "extractive"
    for v in values:
        assert v in ans.answer
    first = ans.citations[0]
    assert heading in first.section
    assert first.quote in first.text
    assert first.report.startswith("临江经济技术开发区")


def test_policy_question_quotes_the_section_that_plans_it(sample_kb):
    ans = sample_kb.ask("临江开发区2025年优化营商环境要做哪些事？")
    assert ans.found
    assert any("（三）优化营商环境" in c.section for c in ans.citations[:2])
    assert "一网通办" in ans.answer


def test_a_plan_question_is_answered_from_the_plan_not_the_review(sample_kb):
    # 人才 is in both parts: 236名 were brought in last year, 250名以上 are planned
    ans = sample_kb.ask("临江开发区2025年人才工作要做哪些事？")
    assert ans.found and ans.citations[ans.lead].section.startswith("二、2025年工作安排")
    assert ans.answer.split("\n")[1].startswith("引进高层次人才250名以上")
    past = sample_kb.ask("临江开发区去年人才工作做了哪些？")
    assert "236名" in past.answer


def test_a_plan_question_leads_with_the_plan_even_when_the_review_says_more(kb, tmp_path):
    report = tmp_path / "2025_青川市_政府工作报告.txt"
    report.write_text("青川市2025年政府工作报告\n一、2024年工作回顾\n冰雪经济发展势头强劲，冰雪旅游火爆出圈，冰雪经济带动全市"
                      "消费增长，冰雪经济成为新的增长点。\n二、2025年工作安排\n（一）扩大有效需求\n加快建设冰雪经济引领区，推动冰雪运动、"
                      "冰雪旅游全产业链发展。\n", encoding="utf-8")
    kb.ingest_file(report)
    ans = kb.ask("青川2025年发展冰雪经济有哪些安排？")
    assert ans.found and ans.citations[ans.lead].section.startswith("二、2025年工作安排")
    assert ans.answer.split("\n")[1].startswith("加快建设冰雪经济引领区")
    # even when the words rank the review first, the answer leads with the plan
    q = understand("青川2025年发展冰雪经济有哪些安排？", kb.issuers())
    weigh_concepts(q, kb.index.bm25)
    review, plan = (kb.retriever.hit(i) for i in range(len(kb.index.chunks)) if "冰雪" in kb.index.chunks[i].text)
    assert review.chunk.section_path[0].startswith("一、")
    composed = build_answer(q, [review, plan])
    assert composed.citations[composed.lead].section.startswith("二、2025年工作安排")


def test_locate_question_names_the_section(sample_kb):
    ans = sample_kb.ask("临江开发区的报告里综合管廊建设放在哪个部分讲？")
    assert ans.found and "部分" in ans.answer and "（二）城市建设提速提质" in ans.answer


@pytest.mark.parametrize("question", ["临江开发区2024年的总和生育率是多少？", "临江开发区的航天发射次数有多少？"])
def test_questions_the_reports_cannot_answer_are_refused(sample_kb, question):
    ans = sample_kb.ask(question)
    assert not ans.found
    assert "没有找到" in ans.answer
    assert not numbers_in(ans.answer)


def test_every_number_in_an_answer_is_in_a_cited_quote(sample_kb):
    for question, _, _ in QUESTIONS:
        ans = sample_kb.ask(question)
        quoted = set().union(*(numbers_in(c.quote) for c in ans.citations))
        title_numbers = set().union(*(numbers_in(c.report) for c in ans.citations))
        assert numbers_in(ans.answer) <= quoted | title_numbers, question


def test_figures_in_the_answer_carry_year_type_and_section(sample_kb):
    ans = sample_kb.ask("临江开发区2025年全社会固定资产投资增长目标是多少？")
    fig = next(f for f in ans.figures if f.value == "10%左右")
    assert fig.type == "target" and fig.year == 2025 and fig.kind == "growth" and fig.qualifier == "左右"
    assert fig.section.startswith("二、2025年工作安排") and "10%左右" in fig.quote


def test_the_figure_asked_for_leads_the_figures(sample_kb):
    # the quote holds 外贸进出口总额 and 出口总额: the list leads with what was asked, as the answer does
    ans = sample_kb.ask("临江开发区去年出口多少？")
    assert ans.figures[0].indicator == "出口总额" and ans.figures[0].value == "201.3亿元"
    assert all(f.value in ans.answer for f in ans.figures[:2])


def test_a_five_year_average_is_not_the_years_growth(kb, tmp_path):
    report = tmp_path / "2016_青川市_政府工作报告.txt"
    report.write_text("青川市2016年政府工作报告\n一、“十二五”和2015年工作回顾\n"
                      "五年来，全市国内生产总值年均增长7.8%，经济总量稳居全省第二位。\n"
                      "2015年，全市国内生产总值达到5200亿元，增长6.9%，好于预期。\n"
                      "二、2016年主要任务\n全市国内生产总值增长6.5%左右。\n", encoding="utf-8")
    kb.ingest_file(report)
    ans = kb.ask("青川2015年GDP增长多少？")
    assert "6.9%" in ans.answer and "7.8%" not in ans.answer
    assert ans.figures[0].value == "6.9%"


def test_a_five_year_total_is_not_last_year_s_figure(kb, tmp_path):
    report = tmp_path / "2026_青川省_政府工作报告.txt"
    report.write_text("青川省2026年政府工作报告\n一、“十四五”时期和2025年工作回顾\n"
                      "过去五年，我们砥砺奋进。民生福祉不断增进，城镇新增就业300万人，改造城镇老旧小区80万户。\n"
                      "刚刚过去的2025年很不平凡。我们稳就业稳企业，城镇新增就业62万人。\n"
                      "二、2026年重点工作\n城镇新增就业60万人以上。\n", encoding="utf-8")
    kb.ingest_file(report)
    last_year = kb.ask("青川去年城镇新增就业多少人？")
    assert "62万人" in last_year.answer and "300万人" not in last_year.answer
    assert (last_year.figures[0].value, last_year.figures[0].period_start) == ("62万人", None)
    five_years = kb.ask("青川“十四五”期间城镇新增就业多少人？")
    assert "300万人" in five_years.answer
    assert (five_years.figures[0].value, five_years.figures[0].period_start, five_years.figures[0].year) == \
        ("300万人", 2021, 2025)
    # only the five years' total stated: said as such, not passed off as last year's
    only_total = kb.ask("青川去年改造了多少城镇老旧小区？")
    assert not only_total.found and "2021—2025年" in only_total.answer and "80万户" in only_total.answer


def test_last_year_is_the_latest_report_s_and_an_older_year_s_figure_is_offered_labelled(kb, tmp_path):
    older = tmp_path / "2025_青川市_政府工作报告.txt"
    older.write_text("青川市2025年政府工作报告\n一、2024年工作回顾\n城市更新扎实推进，既有住宅加装电梯1200部。\n"
                     "二、2025年重点工作\n地区生产总值增长6%左右。\n", encoding="utf-8")
    latest = tmp_path / "2026_青川市_政府工作报告.txt"
    latest.write_text("青川市2026年政府工作报告\n一、2025年工作回顾\n城市更新扎实推进，持续推进既有住宅加装电梯。"
                      "地区生产总值增长5.8%。\n二、2026年重点工作\n地区生产总值增长5.5%左右。\n", encoding="utf-8")
    kb.ingest_file(older)
    kb.ingest_file(latest)
    ans = kb.ask("青川去年既有住宅加装电梯多少部？")  # 去年 = 2025, which the 2026 report reviews without a number
    assert not ans.found
    said, _, offered = ans.answer.partition("写的是2024年的")
    assert "2025年" in said and "1200部" not in said and "1200部" in offered
    assert any(c.source == older.name and "1200部" in c.quote for c in ans.citations)


def test_a_question_in_full_words_finds_a_report_that_contracts_them(kb, tmp_path):
    report = tmp_path / "2025_青川市_政府工作报告.txt"
    report.write_text("青川市2025年政府工作报告\n一、2024年工作回顾\n全年新增国家高企45家，规上工业增加值增长8%。\n"
                      "二、2025年工作安排\n力争新增国家高企60家，规上工业增加值增长7%左右。\n", encoding="utf-8")
    kb.ingest_file(report)
    ans = kb.ask("青川2025年计划新增多少家高新技术企业？")
    assert ans.found and "60家" in ans.answer
    assert (ans.figures[0].value, ans.figures[0].type) == ("60家", "target")
    assert "8%" in kb.ask("青川去年规模以上工业增加值增长多少？").answer


def test_warm_up_takes_a_question_through_every_step_without_the_model(sample_kb, monkeypatch):
    # the bot warms up at start so the first staff question is not the one that loads jieba's
    # part-of-speech tables (0.3-0.6 s); a configured model is not asked anything then
    import sys

    import jieba

    monkeypatch.delitem(sys.modules, "jieba.posseg", raising=False)
    monkeypatch.delattr(jieba, "posseg", raising=False)

    class Refusing:
        def answer(self, *args, **kwargs):
            raise AssertionError("warm-up asked the model")

    monkeypatch.setattr(sample_kb, "_generator", Refusing())
    sample_kb.warm_up()
    assert "jieba.posseg" in sys.modules


def test_empty_and_huge_questions_are_handled(sample_kb):
    assert not sample_kb.ask("   ").found
    ans = sample_kb.ask("临江开发区地区生产总值" * 1000)
    assert ans.citations  # answered from the first part of the text, not a crash


def test_empty_index_says_nothing_found(kb):
    ans = kb.ask("今年固投目标多少？")
    assert not ans.found and not ans.citations


def test_query_understanding():
    q = understand("四川２０２５年GDP目标多少？", ["四川省", "广西壮族自治区", "国务院"])
    assert q.years == [2025] and q.issuers == ["四川省"] and q.intent == "target" and q.numeric
    assert any("地区生产总值" in g for g in q.concept_groups)
    # the word search gets every expansion; the vector, whose cost grows with every token, only the first
    assert "国内生产总值" in q.expanded and q.embedded == "四川2025年GDP目标多少? 地区生产总值"
    q = understand("广西去年固投完成多少", ["四川省", "广西壮族自治区"])
    assert q.issuers == ["广西壮族自治区"] and q.relative == "last" and q.intent == "actual"
    assert any("固定资产投资" in g for g in q.concept_groups)
    q = understand("全国2024年赤字率按多少安排？", ["国务院"])
    assert q.issuers == ["国务院"]
    # beside a named place, 全国/国家 is a scope, not the State Council's report
    q = understand("湖北省2024年GDP总量多少？增速排全国第几？", ["国务院", "湖北省"])
    assert q.issuers == ["湖北省"] and not q.compare
    q = understand("开发区2014年打算新增多少家国家级高新技术企业？", ["国务院", "经济开发区"])
    assert q.issuers == ["经济开发区"]
    q = understand("1995年政府工作报告里，1994年GDP是多少？比上年增长多少？", ["国务院"])
    assert q.report_year == 1995 and not q.compare
    assert understand("2022年和2023年全国GDP增长预期目标各是多少？", ["国务院"]).compare
    assert understand("八大功能区2014年的固投任务是多少？", []).intent == "target"
    q = understand("2019年政府工作报告里优化营商环境有哪些举措", ["国务院"])
    assert q.report_year == 2019 and q.intent == "policy"
    # an abbreviation glued to the next word leaves no stray phrase ("社零增长" is not about "零增长")
    q = understand("上海去年社零增长多少", ["上海市"])
    assert [c.forms[0] for c in q.concepts] == ["社零"]
    # a quoted name with a number is what the question is about, though numbers are blanked from phrases
    q = understand("“572”大企业培育计划启动那年，有多少家企业增速达到两位数？", [])
    assert ["572"] in [c.forms for c in q.concepts]
    assert ["十四五"] in [c.forms for c in understand("“十四五”时期GDP年均增长多少？", []).concepts]
    q = understand("三大主导产业指的是什么？", [])
    assert [c.forms[0] for c in q.concepts] == ["三大主导产业"]


@pytest.fixture
def two_years_kb(kb, tmp_path):
    """The sample (2025's report) and a copy a year older whose GDP target is 6.5%左右; returns its name."""
    from tests.conftest import SAMPLE

    older = tmp_path / "2024_临江经济技术开发区_工作报告.txt"
    older.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("2025", "2024x").replace("2024", "2023").replace("2024x", "2024")
        .replace("地区生产总值增长7%左右", "地区生产总值增长6.5%左右"),
        encoding="utf-8",
    )
    kb.ingest_file(SAMPLE)
    kb.ingest_file(older)
    return kb, older.name


def test_two_reports_compared(two_years_kb):
    kb, _ = two_years_kb
    ans = kb.ask("临江开发区2024年和2025年的地区生产总值增长目标分别是多少？")
    assert "7%左右" in ans.answer and "6.5%左右" in ans.answer
    assert len({c.source for c in ans.citations}) == 2


def test_a_report_named_by_its_year_is_the_one_cited(two_years_kb):
    kb, older = two_years_kb
    ans = kb.ask("临江开发区2024年工作报告里地区生产总值增长目标是多少？")
    assert "6.5%左右" in ans.answer and {c.source for c in ans.citations} == {older}
    # a year the issuer has no report of: said so, with the years it has, not answered from another report
    missing = kb.ask("临江开发区2019年工作报告里地区生产总值增长目标是多少？")
    assert not missing.found and "没有2019年的报告" in missing.answer and "2024" in missing.answer


@pytest.fixture
def counted_queries(sample_kb, monkeypatch):
    """How many question vectors sample_kb computes (the embedding is most of a question's time)."""
    calls: list[str] = []
    real = sample_kb.embedder.embed_query

    def counting(text: str):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(sample_kb.embedder, "embed_query", counting)
    return calls


@pytest.mark.parametrize("question,needle", [("临江开发区今年固投目标多少？", "10%左右"),
                                             ("临江开发区2025年优化营商环境要做哪些事？", "一网通办")])
def test_questions_the_words_settle_are_answered_without_a_vector(sample_kb, counted_queries, question, needle):
    ans = sample_kb.ask(question)
    assert ans.found and needle in ans.answer
    assert counted_queries == []


def test_questions_the_words_do_not_settle_still_get_a_vector_search(sample_kb, counted_queries):
    sample_kb.ask("临江开发区2023年GDP多少？")  # the report gives 2024's and 2025's, not 2023's
    assert len(counted_queries) == 1


@pytest.mark.parametrize("question", ["临江开发区的航天发射次数有多少？", "临江开发区2024年的总和生育率是多少？"])
def test_a_refusal_comes_only_after_the_vector_search_has_run_too(sample_kb, counted_queries, question):
    # the words alone may miss a paraphrase: every route (words, figures, vectors) runs before "not found"
    ans = sample_kb.ask(question)
    assert not ans.found
    assert len(counted_queries) == 1


def test_a_policy_answer_quotes_what_its_run_in_heading_introduces(sample_kb):
    ans = sample_kb.ask("临江开发区今年企业服务要做哪些事？")
    assert ans.found
    assert "3、做实企业服务" in ans.citations[0].section
    assert "减负降本8亿元以上" in ans.answer  # not only the heading "做实企业服务。"
    assert ans.citations[0].quote in ans.citations[0].text


def test_the_glossary_says_what_a_term_means_the_body_what_is_to_be_done(sample_kb):
    meaning = sample_kb.ask("临江开发区说的三大主导产业指的是什么？")
    assert meaning.found and meaning.citations[0].section.startswith("名词解释")
    assert "生物医药" in meaning.answer
    plan = sample_kb.ask("临江开发区今年三大主导产业要怎么发展？")
    assert plan.found and not plan.citations[0].section.startswith("名词解释")
    assert "倍增计划" in plan.answer


def test_the_vector_supports_only_passages_of_the_report_that_fits_the_year_asked(two_years_kb):
    # the vector search knows no years: its rank counts among the passages of the report that reviews 2024
    from knowledge.query import understand
    from knowledge.retrieval import NOT_RANKED

    kb, older = two_years_kb
    q = understand("临江开发区2024年地区生产总值增长了多少？", kb.issuers(), list(kb.index.reports.values()))
    hits = kb.retriever.retrieve(q, 8)
    fitting = [h for h in hits if h.report.review_year == 2024]
    others = [h for h in hits if h.report.review_year != 2024]
    ranked_others = [h for h in others if "dense" in h.parts]
    assert fitting and ranked_others
    assert all(h.parts["dense_fit"] == NOT_RANKED for h in ranked_others)
    ranks = sorted(h.parts["dense_fit"] for h in fitting if "dense" in h.parts)
    assert ranks and ranks[0] == 1
    # and that rank is the one that supports an answer
    from knowledge.answer import supported

    assert not any(supported(q, h) for h in ranked_others)
    assert any(supported(q, h) for h in fitting)


def test_a_phrase_no_report_writes_is_marked_foreign_and_one_the_reports_write_is_not(sample_kb):
    from knowledge.query import understand

    q = understand("临江开发区去年城镇新增就业多少？平均能活到多少岁？", sample_kb.issuers(),
                   list(sample_kb.index.reports.values()))
    sample_kb.retriever.find_meanings(q)
    foreign = {c.forms[0]: c.foreign for c in q.concepts}
    assert foreign.get("平均能活到") is True
    assert foreign.get("就业") is False  # 城镇新增就业, read through the short form 就业


def test_words_spelled_out_find_a_report_that_writes_them_contracted(kb, tmp_path, monkeypatch):
    from knowledge import retrieval

    report = tmp_path / "2025_青川市_政府工作报告.txt"
    report.write_text("青川市2025年政府工作报告\n一、2024年工作回顾\n全市环保投入2.1亿元。\n"
                      "二、2025年工作安排\n推动高职院校扩招1200人，老旧小区改造30个。\n", encoding="utf-8")
    kb.ingest_file(report)

    def forms(question: str) -> list[list[str]]:
        q = understand(question, kb.issuers(), list(kb.index.reports.values()))
        kb.retriever.find_meanings(q)
        return [c.forms for c in q.concepts]

    assert ["扩大招生", "扩招"] in forms("青川2025年高职院校计划扩大招生多少人？")
    assert ["环境保护投入", "环保投入"] in forms("青川去年环境保护投入多少？")
    assert not any("老小" in f for fs in forms("青川老旧小区改造多少个？") for f in fs)  # written as it is
    monkeypatch.setattr(retrieval, "CONTRACTIONS_READ", False)
    assert ["扩大招生"] in forms("青川2025年高职院校计划扩大招生多少人？")


def test_the_share_of_reports_writing_a_missing_word_is_counted(kb, tmp_path):
    # a word the report asked about lacks is weighed by how many reports write it (matching.UNMATCHED_RARE)
    for name, body in (("2025_青川市_政府工作报告.txt", "既有住宅加装电梯600部，固定资产投资增长5%。"),
                       ("2025_临河市_政府工作报告.txt", "老楼改造120栋，固定资产投资增长6%。"),
                       ("2025_东山市_政府工作报告.txt", "固定资产投资增长4%，社会消费品零售总额增长5%。")):
        (tmp_path / name).write_text(f"{name[5:8]}2025年政府工作报告\n一、2024年工作回顾\n{body}\n", encoding="utf-8")
        assert kb.ingest_file(tmp_path / name).status == "added"
    q = understand("青川去年老楼装电梯装了多少部？", kb.issuers(), list(kb.index.reports.values()))
    kb.retriever.find_meanings(q)
    lacking = {c.forms[0]: c.written_by for c in q.concepts if c.unmatched}
    assert lacking.get("老楼") == 1 / 3
    ans = kb.ask("东山去年城镇新增就业多少人？")
    assert not ans.found


def test_the_vector_supports_a_level_asked_for_now_only_from_the_issuer_s_latest_report(two_years_kb):
    from knowledge.answer import supported
    from knowledge.retrieval import NOT_RANKED

    kb, _ = two_years_kb
    q = understand("临江开发区现在高层次人才一共多少名？", kb.issuers(), list(kb.index.reports.values()))
    hits = kb.retriever.retrieve(q, 8)
    latest = [h for h in hits if h.report.year == 2025]
    older = [h for h in hits if h.report.year != 2025 and "dense" in h.parts]
    assert latest and older
    assert all(h.parts["dense_fit"] == NOT_RANKED for h in older)
    assert not any(supported(q, h) for h in older)
    assert min(h.parts["dense_fit"] for h in latest if "dense" in h.parts) == 1


def test_a_phrase_s_meaning_is_looked_up_in_the_words_around_it_and_in_its_own(kb, tmp_path, monkeypatch):
    # the report writes 固定资产投资 and 省级财政投入 (and filler); the question writes neither
    filler = "，".join(f"词语{i}{i}" for i in range(30))
    body = f"青川市2025年政府工作报告\n一、2024年工作回顾\n固定资产投资增长5%，省级财政投入12亿元。{filler}。\n"
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    rng = np.random.default_rng(0)
    own, around = np.eye(16)[0], np.eye(16)[1]
    names = ["固定资产投资", "省级财政投入", *[f"词语{i}{i}" for i in range(30)]]
    vectors = np.vstack([own + 0.05 * rng.normal(size=16), around + 0.05 * rng.normal(size=16),
                         rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]])
    kb.index.vocabulary = Vocabulary(names, vectors)
    q = understand("青川2024年固定资本投入同比增幅为多少？", kb.issuers(), list(kb.index.reports.values()))
    concept = next(c for c in q.concepts if c.forms[0] == "固定资本投入")
    assert concept.context and concept.context != concept.forms[0]
    seen: list[list[str]] = []

    def embed_queries(texts):
        seen.append(list(texts))
        return np.vstack([own if t == "固定资本投入" else around if t == concept.context else np.eye(16)[9]
                          for t in texts])

    monkeypatch.setattr(kb.retriever.embedder, "embed_queries", embed_queries)
    kb.retriever.find_meanings(q)
    assert seen[0][-1] == q.embedded and concept.context in seen[0] and "固定资本投入" in seen[0]
    assert {t for t, _ in concept.meanings} == {"固定资产投资", "省级财政投入"}
    monkeypatch.setattr(retrieval, "OWN_READING", False)
    concept.meanings = []
    kb.retriever.find_meanings(q)
    assert {t for t, _ in concept.meanings} == {"省级财政投入"}


def test_a_phrase_written_only_where_no_number_in_the_measure_asked_stands_means_what_is_written_with_one(
        kb, tmp_path, monkeypatch):
    # the report writes 电动车 in a name without a count (智联电动车集群), and the count of cars under another name
    body = ("青川市2025年政府工作报告\n一、2024年工作回顾\n壮大智联电动车等先进制造集群。"
            "全年新能源汽车产量达到129.6万辆。固定资产投资增长5%。\n")
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    rng = np.random.default_rng(0)
    phrase = np.eye(16)[0]
    names = ["智联电动车", "新能源汽车产量", *[f"词语{i}{i}" for i in range(30)]]
    vectors = np.vstack([phrase, phrase + 0.4 * np.eye(16)[1], rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]])
    kb.index.vocabulary = Vocabulary(names, vectors)
    monkeypatch.setattr(kb.retriever.embedder, "embed_queries", lambda texts: np.vstack([phrase for _ in texts]))

    def meanings(question: str) -> set[str]:
        q = understand(question, kb.issuers(), list(kb.index.reports.values()))
        kb.retriever.find_meanings(q)
        return {t for c in q.concepts if "电动车" in c.forms[0] for t, _ in c.meanings}

    assert meanings("青川去年造了多少辆电动车？") == {"新能源汽车产量"}
    # asked without a measure, the words written are the words meant
    assert meanings("青川的电动车怎么样？") == set()
    monkeypatch.setattr(retrieval, "UNMEASURED_AS_UNWRITTEN", False)
    assert meanings("青川去年造了多少辆电动车？") == set()


def test_a_meaning_the_reports_do_not_write_stands_for_the_formal_names_of_it_they_do(kb, tmp_path, monkeypatch):
    # the phrase means 对外贸易 (no report asked about writes it); the report writes the statistic as 进出口总额
    body = "青川市2026年政府工作报告\n三、2026年重点工作\n进出口总额增长6%左右，固定资产投资增长5%。\n"
    (tmp_path / "2026_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2026_青川市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    rng = np.random.default_rng(0)
    phrase = np.eye(16)[0]
    names = ["对外贸易", *[f"词语{i}{i}" for i in range(30)]]
    vectors = np.vstack([phrase, rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]])
    kb.index.vocabulary = Vocabulary(names, vectors)
    monkeypatch.setattr(kb.retriever.embedder, "embed_queries", lambda texts: np.vstack([phrase for _ in texts]))

    def meanings() -> set[str]:
        q = understand("青川2026年对外货物贸易总值增速的预期目标设定为多少？", kb.issuers(),
                       list(kb.index.reports.values()))
        kb.retriever.find_meanings(q)
        return {t for c in q.concepts if "对外货物贸易" in c.forms[0] for t, _ in c.meanings}

    assert meanings() == {"进出口总额"}
    monkeypatch.setattr(retrieval, "NAMES_OF_A_MEANING", False)
    assert meanings() == set()


def test_a_phrase_written_with_a_count_in_another_classifier_keeps_its_words_and_its_weight(kb, tmp_path):
    # "多少个" is answered by any count: 12所 counts schools as 个 would
    body = "青川市2025年政府工作报告\n一、2024年工作回顾\n新建改扩建中小学12所，固定资产投资增长5%。\n"
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    q = understand("青川去年新建了多少个中小学？", kb.issuers(), list(kb.index.reports.values()))
    kb.retriever.find_meanings(q)
    school = next(c for c in q.concepts if "中小学" in c.forms[0])
    assert not school.unmatched and not school.meanings
    ans = kb.ask("青川去年新建了多少个中小学？")
    assert ans.found and "12所" in ans.answer


def test_removing_a_report_deletes_the_term_and_sentence_vectors_only_it_used(kb, tmp_path, monkeypatch):
    from knowledge.vocabulary import SENTENCE_KEY

    monkeypatch.setattr(kb.embedder, "meaningful", True)  # the fake's vectors stand in for a model's here
    for city, line in (("青川", "建成老年食堂120个，新增普惠性托位900个。"), ("临河", "改造老旧小区300个，新增停车位5000个。")):
        body = f"{city}市2025年政府工作报告\n一、2024年工作回顾\n固定资产投资增长5%。\n{line}\n"
        (tmp_path / f"2025_{city}市_政府工作报告.txt").write_text(body, encoding="utf-8")
        assert kb.ingest_file(tmp_path / f"2025_{city}市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    gone, kept = SENTENCE_KEY + "建成老年食堂120个，新增普惠性托位900个。", SENTENCE_KEY + "改造老旧小区300个，新增停车位5000个。"
    shared = SENTENCE_KEY + "固定资产投资增长5%。"  # both reports write it: one vector, kept while either is indexed
    assert len(kb.stores.vectors.term_vectors([gone, kept, shared])) == 3
    # a vector no indexed report uses yet (a report being ingested meanwhile) is not the removed report's to delete
    pending = SENTENCE_KEY + "新建公园8个。"
    kb.stores.vectors.add_terms([pending], np.ones((1, len(kb.embedder.embed_documents(["x"])[0])), dtype=np.float32))
    before = kb.stores.vectors.terms.count()
    kb.remove("青川")
    assert set(kb.stores.vectors.term_vectors([gone, kept, shared, pending])) == {kept, shared, pending}
    assert kb.stores.vectors.terms.count() < before
    assert kb.stores.vectors.term_vectors(sorted(kb.index.term_keys())).keys() == kb.index.term_keys()


def test_a_removal_stands_when_its_unused_vectors_cannot_be_deleted(kb, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(kb.embedder, "meaningful", True)
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(
        "青川市2025年政府工作报告\n一、2024年工作回顾\n固定资产投资增长5%。\n", encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"

    def broken(terms):
        raise RuntimeError("vector store unavailable")

    monkeypatch.setattr(kb.stores.vectors, "delete_terms", broken)
    kb.remove("青川")
    assert kb.reports() == [] and "could not be deleted" in caplog.text


def test_figure_sentences_are_embedded_at_ingest_and_the_nearest_one_marks_its_passage(kb, tmp_path, monkeypatch):
    from knowledge.answer import sentence_supported
    from knowledge.vocabulary import SENTENCE_KEY

    monkeypatch.setattr(kb.embedder, "meaningful", True)  # the fake's vectors stand in for a model's here
    body = ("青川市2025年政府工作报告\n一、2024年工作回顾\n（一）经济运行\n地区生产总值增长5%，固定资产投资增长6%。\n"
            "（二）民生保障\n建成老年食堂120个，新增普惠性托位900个。\n")
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"
    stored = kb.stores.vectors.term_vectors([SENTENCE_KEY + "建成老年食堂120个，新增普惠性托位900个。"])
    assert len(stored) == 1  # embedded once, at ingest, as a passage
    kb.index.refresh()
    q = understand("青川去年老年食堂建成多少个？", kb.issuers(), list(kb.index.reports.values()))
    hits = kb.retriever.retrieve(q, 8)
    lead = next(h for h in hits if "老年食堂" in h.chunk.text)
    assert lead.meant == "建成老年食堂120个，新增普惠性托位900个。"
    assert lead.parts.get("sentences") == 1 and sentence_supported(lead)
    assert not any(sentence_supported(h) for h in hits if h is not lead)
    monkeypatch.setattr(retrieval, "SENTENCES", False)
    q = understand("青川去年老年食堂建成多少个？", kb.issuers(), list(kb.index.reports.values()))
    assert not any(sentence_supported(h) for h in kb.retriever.retrieve(q, 8))


def test_words_no_report_writes_mean_what_the_everyday_phrase_nearest_them_names(kb, tmp_path, monkeypatch):
    # no report writes 托娃名额 or 进城率; everyday.tsv's 托儿名额 (托位 …) and 城里人口 (城镇常住人口|常住人口城镇化率)
    # are nearest them in meaning
    body = ("青川市2025年政府工作报告\n一、2024年工作回顾\n新增普惠性托位900个，城镇常住人口80万人，"
            "常住人口城镇化率达到60%。\n")
    (tmp_path / "2025_青川市_政府工作报告.txt").write_text(body, encoding="utf-8")
    assert kb.ingest_file(tmp_path / "2025_青川市_政府工作报告.txt").status == "added"
    kb.index.refresh()
    rng = np.random.default_rng(0)
    near = {"托娃名额": np.eye(16)[0], "托儿": np.eye(16)[0], "进城率": np.eye(16)[1]}
    others = [p for p in sorted(query.EVERYDAY) if p not in ("托儿名额", "城里人口")][:30]
    kb.index.vocabulary = Vocabulary(others, rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5])
    kb.index.everyday = Vocabulary(["托儿名额", "城里人口", *others],
                                   np.vstack([near["托娃名额"], near["进城率"],
                                              rng.normal(size=(30, 16)) * 0.3 + np.eye(16)[5]]),
                                   quantile=EVERYDAY_QUANTILE)
    assert np.isfinite(kb.index.everyday.min_score)

    def embed_queries(texts):
        return np.vstack([next((v for w, v in near.items() if w in t), np.eye(16)[9]) for t in texts])

    monkeypatch.setattr(kb.retriever.embedder, "embed_queries", embed_queries)

    def meanings(question: str, word: str) -> set[str]:
        q = understand(question, kb.issuers(), list(kb.index.reports.values()))
        kb.retriever.find_meanings(q)
        return {t for c in q.concepts if word in c.forms[0] for t, _ in c.meanings}

    assert meanings("青川去年新增了多少个托娃名额？", "托娃名额") == {"托位"}
    # an everyday phrase holding the whole of the question's says more than it: 托儿 is not 托儿名额
    assert meanings("青川去年新增了多少个托儿？", "托儿") == set()
    # a rate means a rate: 城镇常住人口 is written, but it is a count
    assert meanings("青川去年的进城率是多少？", "进城率") == {"常住人口城镇化率"}
    monkeypatch.setattr(retrieval, "EVERYDAY_BY_MEANING", False)
    assert meanings("青川去年新增了多少个托娃名额？", "托娃名额") == set()
