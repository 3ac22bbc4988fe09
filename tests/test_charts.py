"""Charts are tested by the data they plot: every point a cited figure, gaps as gaps, Chinese in a real font."""

from __future__ import annotations

import logging
import os
import warnings

import pytest

from knowledge import charts
from knowledge.charts import find_cjk_font, read_series, render_comparison, render_trend
from knowledge.series import CompareColumn, CompareRow, Comparison, Panel, Trend, TrendPoint
from knowledge.types import Citation


def point(year: int, ftype: str, raw: str, value: float, unit: str = "%", kind: str = "growth", qualifier: str = "",
          high: float | None = None, n: int = 1) -> TrendPoint:
    quote = f"{year}年地区生产总值{'增长' if kind == 'growth' else ''}{raw}。"
    return TrendPoint(issuer="湖南省", year=year, type=ftype, kind=kind, indicator="地区生产总值", raw=raw, value=value,
                      value_high=high, unit=unit, qualifier=qualifier,
                      citation=Citation(n=n, report=f"{year + (1 if ftype == 'actual' else 0)}年湖南省政府工作报告",
                                        source="x.txt", section="一、工作回顾" if ftype == "actual" else "二、今年安排",
                                        quote=quote, text=quote))


@pytest.fixture
def trend() -> Trend:
    growth = Panel(kind="growth", base_unit="%", points=[
        point(2021, "actual", "7.7%", 7.7, n=1), point(2022, "target", "6.5%左右", 6.5, qualifier="左右", n=2),
        point(2024, "actual", "4.8%", 4.8, n=3), point(2025, "target", "5%—5.5%", 5.0, qualifier="5%—5.5%", high=5.5, n=4),
        point(2025, "target", "5.5%以上", 5.5, qualifier="以上", n=5)])
    growth.points.pop()  # one target per year: the finder keeps the best; the chart plots what it is given
    level = Panel(kind="level", base_unit="元", points=[
        point(2021, "actual", "4.6万亿元", 4.6, unit="万亿元", kind="level", n=1),
        point(2024, "actual", "53231亿元", 53231, unit="亿元", kind="level", n=3)])
    return Trend(indicator="地区生产总值", issuer="湖南省", panels=[growth, level])


def test_every_plotted_point_is_a_cited_figure(trend):
    chart = render_trend(trend)
    assert chart.png.startswith(b"\x89PNG")
    plotted = {(s["panel"], s["type"], s["year"], s["label"], s["n"]) for s in chart.series}
    expected = {(panel.title, p.type, p.year, p.label, p.citation.n) for panel in trend.panels for p in panel.points}
    assert plotted == expected
    for s in chart.series:  # each label is what its quote says
        cited = next(p for panel in trend.panels for p in panel.points if p.citation.n == s["n"] and p.year == s["year"]
                     and p.type == s["type"] and panel.title == s["panel"])
        assert s["label"] in cited.citation.quote


def test_levels_share_one_unit_on_their_axis(trend):
    chart = render_trend(trend)
    level = {s["year"]: s["value"] for s in chart.series if s["kind"] == "level"}
    assert trend.panels[1].title == "总量（万亿元）"
    assert level == {2021: pytest.approx(4.6), 2024: pytest.approx(5.3231)}  # 53231亿元 = 5.3231万亿元


def test_a_year_without_a_figure_is_a_gap_not_a_zero(trend):
    chart = render_trend(trend)
    assert chart.years == [2021, 2022, 2023, 2024, 2025]
    actual = chart.lines["增速（%）/actual"]
    assert actual == [7.7, None, None, 4.8, None]
    assert 0 not in actual and 0.0 not in [v for line in chart.lines.values() for v in line]


def test_ranges_and_qualifiers_are_marked(trend):
    marks = {(s["year"], s["type"]): (s["mark"], s["value"], s["high"]) for s in render_trend(trend).series}
    assert marks[(2022, "target")][0] == "about"
    assert marks[(2025, "target")] == ("range", 5.0, 5.5)
    assert marks[(2021, "actual")][0] == ""


def test_the_png_carries_what_it_plots(trend):
    chart = render_trend(trend)
    assert read_series(chart.png) == chart.series


def test_a_comparison_table_lists_every_issuer(trend):
    row_a = CompareRow(issuer="湖南省", cells=[trend.panels[0].points[2]])
    row_b = CompareRow(issuer="西藏自治区", cells=[None])
    comparison = Comparison(indicator="地区生产总值", year=2024, ftype="actual",
                            columns=[CompareColumn(type="actual", kind="growth", base_unit="%")], rows=[row_a, row_b])
    chart = render_comparison(comparison)
    assert {s["issuer"]: s["label"] for s in chart.series} == {"湖南省": "4.8%", "西藏自治区": "未提及"}
    assert read_series(chart.png) == chart.series


def cjk_font_or_skip() -> str:
    path = find_cjk_font()
    if path is None:
        message = "no CJK font installed (Debian: apt-get install fonts-noto-cjk, which .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_chinese_labels_render_with_a_cjk_font_not_boxes(trend):
    cjk_font_or_skip()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = render_trend(trend)
        render_comparison(Comparison(indicator="固定资产投资", year=2025, ftype=None, columns=[],
                                     rows=[CompareRow(issuer="新疆维吾尔自治区", cells=[])]))
    assert chart.font  # a family with Chinese glyphs was added by path
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == [], missing[:3]


def test_without_any_cjk_font_the_log_says_what_to_install(monkeypatch, caplog, tmp_path):
    from matplotlib import font_manager

    monkeypatch.setattr(charts, "FONT_PATHS", ())
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    not_a_font = tmp_path / "none.ttf"
    not_a_font.write_bytes(b"not a font")
    with caplog.at_level(logging.WARNING, logger="knowledge.charts"):
        assert charts.cjk_family(str(not_a_font)) == ""
    text = caplog.text
    assert "REPORTBOT_CHART_FONT" in text and "fonts-noto-cjk" in text
