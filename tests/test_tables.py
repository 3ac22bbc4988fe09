"""Tables in .docx and HTML: headers (two-row merged, a year over two columns) and units attached to every
cell, a readable sentence per row, figures with indicator, unit, year, sign and actual/target; the table
stays in its section and its citation names it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from knowledge.embeddings import FakeEmbedder
from knowledge.parse import parse_report, parse_text
from knowledge.readers import Table
from knowledge.service import KnowledgeBase
from knowledge.tables import header_rows, table_rows

HEADER = [["指标", "单位", "2024年", "2024年"], ["指标", "单位", "绝对数", "比上年增长（%）"]]
BODY = [["工业增加值", "亿元", "1234.5", "6.2"], ["农业增加值", "亿元", "88.1", "-3.1"], ["年末常住人口", "万人", "45.6", "0.5"]]


def statistics_docx() -> bytes:
    """A 统计公报 with a two-row merged header (指标 and 单位 over two rows, 2024年 over two columns) mid-section."""
    import docx

    d = docx.Document()
    d.add_paragraph("2024年临江县国民经济和社会发展统计公报")
    d.add_paragraph("一、综合")
    d.add_paragraph("初步核算，全年实现地区生产总值486.3亿元，比上年增长7.1%。")
    d.add_paragraph("表1 2024年主要经济指标")
    t = d.add_table(rows=2 + len(BODY), cols=4)
    for r, row in enumerate([["指标", "单位", "2024年", ""], ["", "", "绝对数", "比上年增长（%）"], *BODY]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    t.cell(0, 2).merge(t.cell(0, 3)).text = "2024年"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "指标"
    t.cell(0, 1).merge(t.cell(1, 1)).text = "单位"
    d.add_paragraph("全年粮食总产量52.1万吨，比上年增长2.0%。")  # after the table, still 一、综合
    d.add_paragraph("二、农业")
    d.add_paragraph("全年农林牧渔业总产值160.2亿元，比上年增长3.5%。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_two_merged_header_rows_are_found_and_the_year_goes_to_both_columns():
    rows = HEADER + BODY
    assert header_rows(rows) == 2
    (first, second, _) = table_rows(Table(rows=rows, header_rows=2))
    assert first.sentence == "工业增加值：2024年绝对数1234.5亿元，2024年比上年增长6.2%。"
    assert second.sentence == "农业增加值：2024年绝对数88.1亿元，2024年比上年下降3.1%。"


def test_units_in_headers_and_the_caption_are_applied():
    table = Table(rows=[["项目", "2023年", "2024年", "增速（%）"], ["一般公共预算收入", "40.2", "42.6", "6"]],
                  caption="表2 财政收支情况（单位：亿元）")
    (row,) = table_rows(table)
    assert row.sentence == "一般公共预算收入：2023年40.2亿元，2024年42.6亿元，增速6%。"
    assert row.caption == "表2 财政收支情况"


def test_a_docx_table_stays_in_its_section_with_row_sentences_and_figures():
    report = parse_report(Path("2024_临江县_统计公报.docx"), statistics_docx())
    order = [(c.section, c.table or c.text[:6]) for c in report.chunks]
    assert order == [("一、综合", "初步核算，全"), ("一、综合", "表1 2024年主要经济指标"), ("一、综合", "全年粮食总产"),
                     ("二、农业", "全年农林牧渔")]
    table = report.chunks[1]
    assert table.text.splitlines()[0] == "工业增加值：2024年绝对数1234.5亿元，2024年比上年增长6.2%。"
    figs = [f for f in report.figures if f.chunk_idx == table.idx]
    by = {(f.indicator, f.kind): f for f in figs}
    assert (by[("工业增加值", "level")].value, by[("工业增加值", "level")].unit) == (1234.5, "亿元")
    decline = by[("农业增加值", "growth")]
    assert (decline.value, decline.unit, decline.year, decline.type) == (-3.1, "%", 2024, "actual")
    assert by[("年末常住人口", "count")].unit == "万人"
    assert all(f.section_path == ["一、综合"] for f in figs)
    assert "指标 单位 2024年 2024年" not in "\n".join(c.text for c in report.chunks)


def test_target_columns_and_target_captions_make_targets():
    rows = [["指标", "单位", "2024年完成", "2025年目标"], ["地区生产总值增速", "%", "7.1", "7左右"],
            ["规上工业增加值", "亿元", "300", "330"]]
    text_table = Table(rows=rows, header_rows=1, caption="主要指标")
    from knowledge.figures import table_figures
    from knowledge.types import Chunk, ReportMeta

    meta = ReportMeta(title="t", year=2025, review_year=2024, plan_year=2025)
    chunk = Chunk(idx=0, section_idx=1, section_path=["一、主要目标"], text="")
    figs = [f for row in table_rows(text_table) for f in table_figures(row, chunk, meta, "review")]
    gdp = {f.type: f for f in figs if f.indicator == "地区生产总值增速"}
    assert (gdp["actual"].value, gdp["actual"].year, gdp["actual"].kind) == (7.1, 2024, "growth")
    assert (gdp["target"].value, gdp["target"].year, gdp["target"].qualifier) == (7, 2025, "左右")
    planned = Table(rows=[["指标", "数值"], ["粮食产量（万吨）", "52"]], header_rows=1, caption="2025年主要预期目标")
    (fig,) = table_figures(table_rows(planned)[0], chunk, meta, "review")
    assert (fig.type, fig.year, fig.unit, fig.indicator) == ("target", 2025, "万吨", "粮食产量")


def test_html_table_keeps_its_th_header_and_spans():
    html = ("<html><body><h2>一、综合</h2><p>全年经济运行总体平稳，主要指标好于预期。</p>"
            "<table><caption>主要经济指标</caption><thead><tr><th rowspan='2'>指标</th><th colspan='2'>2024年</th></tr>"
            "<tr><th>绝对数（亿元）</th><th>比上年增长（%）</th></tr></thead>"
            "<tbody><tr><td>地区生产总值</td><td>486.3</td><td>7.1</td></tr>"
            "<tr><td>固定资产投资</td><td>156.3</td><td>-4.2</td></tr></tbody></table>"
            "<h2>二、农业</h2><p>全年粮食总产量52.1万吨，比上年增长2.0%。</p></body></html>")
    report = parse_report(Path("2024_临江县_统计公报.html"), html.encode("utf-8"))
    chunk = next(c for c in report.chunks if c.table)
    assert chunk.section == "一、综合" and chunk.table == "主要经济指标"
    assert chunk.text.splitlines() == ["地区生产总值：2024年绝对数486.3亿元，2024年比上年增长7.1%。",
                                       "固定资产投资：2024年绝对数156.3亿元，2024年比上年下降4.2%。"]


def test_chinese_numerals_with_wan_yi_keep_their_magnitude_in_the_unit():
    report = parse_text("测试报告\n一、2024年工作回顾\n全国国内生产总值达到十二万亿，财政收入一千一百零八万元，进出口总额12万亿元。",
                        "2025_测试市_政府工作报告.txt")
    got = {f.indicator: (f.value, f.unit) for f in report.figures}
    assert got["国内生产总值"] == (12, "万亿")
    assert got["财政收入"] == (1108, "万元")
    assert got["进出口总额"] == (12, "万亿元")


@pytest.fixture
def table_kb(settings, tmp_path):
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    path = tmp_path / "2024_临江县_统计公报.docx"
    path.write_bytes(statistics_docx())
    assert kb.ingest_file(path).status == "added"
    return kb


def test_a_question_about_a_row_is_answered_with_the_row_sentence_and_its_table(table_kb):
    ans = table_kb.locate(table_kb.ask("临江县2024年农业增加值比上年增长多少？"))
    assert ans.found
    cited = next(c for c in ans.citations if "农业增加值" in c.quote)
    assert "比上年下降3.1%" in cited.quote and cited.section == "一、综合"
    assert cited.table == "表1 2024年主要经济指标" and "表“表1 2024年主要经济指标”" in cited.origin


def test_figure_lookup_finds_table_figures(table_kb):
    hits = table_kb.find_figures("工业增加值", 2024)
    assert any(h.value == "1234.5亿元" and h.section == "一、综合" for h in hits)


def test_target_lookup_finds_a_target_column(settings, tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("2025年临江县政府工作报告")
    d.add_paragraph("二、2025年工作安排")
    d.add_paragraph("表3 2025年主要预期目标")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["指标", "2024年完成", "2025年目标"], ["地区生产总值增速（%）", "6.1", "6.5左右"],
                             ["固定资产投资（亿元）", "150.2", "165"]]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    buf = io.BytesIO()
    d.save(buf)
    path = tmp_path / "2025_临江县_政府工作报告.docx"
    path.write_bytes(buf.getvalue())
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    assert kb.ingest_file(path).status == "added"
    (hit, *_) = kb.find_figures("固定资产投资", 2025, ftype="target")
    assert (hit.value, hit.type, hit.section) == ("165亿元", "target", "二、2025年工作安排")
    growth = kb.find_figures("地区生产总值增速", 2025, ftype="target")
    assert growth and growth[0].value == "6.5%左右" and growth[0].kind == "growth"
    actual = kb.find_figures("固定资产投资", 2024, ftype="actual")
    assert actual and actual[0].value == "150.2亿元"


def test_a_table_of_text_keeps_its_text_with_its_headers():
    table = Table(rows=[["序号", "工作任务", "责任单位"], ["1", "推进园区扩容提质", "县发改局"],
                        ["2", "实施老旧小区改造", "县住建局"]], header_rows=1)
    assert [r.sentence for r in table_rows(table)] == ["1：工作任务：推进园区扩容提质，责任单位：县发改局。",
                                                        "2：工作任务：实施老旧小区改造，责任单位：县住建局。"]


def test_a_time_series_takes_its_years_from_the_rows_and_its_indicators_from_the_columns():
    from knowledge.figures import table_figures
    from knowledge.types import Chunk, ReportMeta

    table = Table(rows=[["年份", "地区生产总值（亿元）", "增速（%）"], ["2023", "452.1", "6.8"], ["2024", "486.3", "7.1"]],
                  header_rows=1, caption="2020—2024年地区生产总值及增速")
    rows = table_rows(table)
    assert rows[1].sentence == "2024年：地区生产总值486.3亿元，增速7.1%。"
    chunk = Chunk(idx=0, section_idx=1, section_path=["一、综合"], text="")
    figs = table_figures(rows[1], chunk, ReportMeta(title="t", year=2025, review_year=2024), "review")
    assert [(f.indicator, f.value, f.unit, f.year, f.kind) for f in figs] == [
        ("地区生产总值", 486.3, "亿元", 2024, "level"), ("地区生产总值增速", 7.1, "%", 2024, "growth")]
