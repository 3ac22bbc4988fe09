"""An indicator across reports: only its own cited figures, one per year and side, gaps left as gaps."""

from __future__ import annotations

import pytest

from knowledge.series import comparison_answer, indicator_is, parse_request, trend_answer
from tests.series_reports import OTHER, ZONE, ZONE_YEARS, write_zone_reports


@pytest.fixture
def zones_kb(kb, tmp_path):
    for path in write_zone_reports(tmp_path / "reports"):
        assert kb.ingest_file(path).status == "added"
    return kb


def test_a_trend_holds_each_years_actual_and_target_with_its_report_and_section(zones_kb):
    trend = zones_kb.trend("GDP", "临江")
    assert trend.issuer == ZONE and trend.other_issuers == [OTHER]
    growth, level = trend.panels
    assert (growth.kind, growth.base_unit, level.kind) == ("growth", "%", "level")
    got = {(p.year, p.type): p.label for p in growth.points}
    want = {}
    for year, _, rate, target in ZONE_YEARS:
        want[(year - 1, "actual")] = rate
        want[(year, "target")] = target
    assert got == want
    assert {p.year: p.label for p in level.points} == {y - 1: lv for y, lv, _, _ in ZONE_YEARS}
    for p in trend.points:
        assert p.label.rstrip("以上左右") in p.citation.quote
        assert str(p.year + (1 if p.type == "actual" else 0)) in p.citation.report  # the report about that year
        assert p.citation.section.startswith("一、" if p.type == "actual" else "二、")


def test_other_indicators_and_other_spans_are_not_plotted(zones_kb):
    labels = {p.label for p in zones_kb.trend("地区生产总值", ZONE).points}
    # 人均地区生产总值 12.5万元 / 6.9%, 单位地区生产总值能耗 -3.2%, the five-year 8.8% and the start value 300亿元
    assert not labels & {"12.5万元", "6.9%", "3.2%", "8.8%", "300亿元"}


def test_years_without_a_figure_are_absent_not_zero(zones_kb):
    trend = zones_kb.trend("GDP", ZONE)
    years = {(p.year, p.type) for p in trend.points}
    assert (2023, "actual") not in years and (2024, "target") not in years  # the 2024 report is not indexed
    assert all(p.value != 0 for p in trend.points)


def test_a_trend_without_a_region_takes_the_issuer_with_most_years(zones_kb):
    assert zones_kb.trend("地区生产总值").issuer == ZONE


def test_qualifiers_are_kept_and_classified(zones_kb):
    marks = {p.label: p.mark for p in zones_kb.trend("GDP", ZONE).points}
    assert marks["7%以上"] == "at_least" and marks["6.5%左右"] == "about" and marks["7.1%"] == ""


def test_a_comparison_lists_every_issuer_sorted_with_citations(zones_kb, tmp_path):
    comparison = zones_kb.compare("GDP", 2024)
    assert [r.issuer for r in comparison.rows] == [OTHER, ZONE]  # 8.4% before 7.1%
    assert [c.title for c in comparison.columns] == ["增速实际", "总量实际"]
    ans = comparison_answer("各地2024年GDP增长多少？", comparison)
    assert ans.found and ans.mode == "compare" and ans.comparison is comparison
    assert {c.n for c in ans.citations} == {1, 2}
    target = zones_kb.compare("GDP增长目标", 2023)
    rows = {r.issuer: r for r in target.rows}
    assert rows[ZONE].cells[0].label == "6.5%左右" and not rows[OTHER].mentioned
    assert f"{OTHER}：未提及" in comparison_answer("", target).answer


def test_a_trend_answer_lists_every_point_and_cites_it(zones_kb):
    ans = trend_answer("临江GDP这几年怎么变的？", zones_kb.trend("GDP", ZONE))
    assert ans.found and ans.mode == "trend" and ans.trend is not None
    assert len(ans.citations) == len({(p.citation.report, p.citation.quote) for p in ans.trend.points})
    for p in ans.trend.points:
        assert f"{p.label}[{p.citation.n}]" in ans.answer
    assert "?年" not in ans.answer
    nothing = trend_answer("", zones_kb.trend("粮食产量", ZONE))
    assert not nothing.found and "没有找到" in nothing.answer


@pytest.mark.parametrize("text, expected", [
    ("GDP增长目标", ("GDP", "growth", "target")),
    ("地区生产总值", ("地区生产总值", None, None)),
    ("经济增长", ("经济增长", None, None)),  # a name in itself: 增长 is part of it
    ("固投实际", ("固投", None, "actual")),
    ("社会消费品零售总额", ("社会消费品零售总额", None, None)),
])
def test_the_words_of_a_request_name_the_indicator_kind_and_side(text, expected):
    assert parse_request(text) == expected


@pytest.mark.parametrize("indicator, kind, expected", [
    ("地区生产总值", "growth", True),
    ("全省地区生产总值", "level", True),
    ("经济", "growth", True),  # "经济增长6%左右": the extractor leaves 经济
    ("经济增长预期目标", "growth", True),
    ("经济总量", "level", True),  # "经济总量达到64697亿元"
    ("全市生产总值", "level", True),
    ("人均地区生产总值", "level", False),
    ("单位地区生产总值能耗", "growth", False),
    ("服务业增加值占地区生产总值比重", "share", False),
    ("南疆五地州地区生产总值", "growth", False),
])
def test_only_the_indicator_asked_counts(indicator, kind, expected):
    from knowledge.series import indicator_forms

    assert indicator_is(indicator, indicator_forms("GDP"), kind)[0] is expected


def test_a_name_that_spells_out_its_abbreviation_is_not_expanded_again():
    from knowledge.series import indicator_forms

    assert indicator_forms("城镇调查失业率") == ["城镇调查失业率"]
    assert set(indicator_forms("固投")) == {"固投", "固定资产投资"}


def test_plain_questions_across_issuers_are_answered_as_a_comparison(zones_kb):
    two = zones_kb.ask("临江开发区和云川开发区2025年GDP增长目标谁高？")
    assert two.found and two.comparison is not None
    assert {r.issuer for r in two.comparison.rows} == {ZONE, OTHER}
    assert two.answer.index("云川") < two.answer.index("8%左右") and "7%左右" in two.answer
    assert two.answer.startswith("最高的是" + OTHER)
    over = zones_kb.ask("哪些开发区2025年GDP增长目标在7.5%以上？")
    assert over.found and over.answer.startswith(f"达到7.5%的：{OTHER}（共1个）")


def test_a_plain_question_over_the_years_is_answered_as_a_trend(zones_kb):
    ans = zones_kb.ask("临江开发区GDP这几年怎么变的？")
    assert ans.found and ans.trend is not None and ans.trend.issuer == ZONE
    assert {p.year for p in ans.trend.points} >= {2022, 2023, 2025}
