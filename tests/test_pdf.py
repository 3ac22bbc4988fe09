"""公文 PDFs: running headers, page numbers and justification spaces removed; paragraphs, headings, the title
and tables come back as a person reads them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from knowledge.errors import UnreadableFile
from knowledge.parse import parse_report
from knowledge.readers import ReadLimits, read_file
from knowledge.readers.layout import PAGE_NUMBER, tidy_spaces
from tests.helpers import GONGWEN_TITLE, gongwen_pdf

REVIEW = ("过去一年，全县地区生产总值突破240亿元，比上年增长6.5%，接待游客突破240万人次，“两区”建设取得新成效，"
          "引进Wi-Fi 6项目3个。")
LONG = "全县规模以上工业增加值增长8.2%，新增高新技术企业12家，完成固定资产投资156.3亿元。" * 8
PARAS = ["各位代表：", "一、2025年工作回顾", REVIEW, "（一）产业发展提质增效", *([LONG] * 5), "二、2026年工作安排",
         "主要预期目标是：地区生产总值增长6%左右。"]


@pytest.fixture(scope="module")
def gongwen():
    data = gongwen_pdf(PARAS)
    return read_file(Path("report.pdf"), data), data


def test_running_header_and_page_numbers_are_gone_and_the_title_stands_once(gongwen):
    doc, _ = gongwen
    text = doc.text
    assert text.count(GONGWEN_TITLE) == 1 and text.splitlines()[0] == GONGWEN_TITLE
    assert "— 2 —" not in text and "—2—" not in text
    assert doc.meta["title"] == GONGWEN_TITLE
    assert doc.blocks[0].kind == "heading"


def test_justification_spaces_go_between_chinese_characters_and_stay_in_latin_words(gongwen):
    doc, _ = gongwen
    assert REVIEW in doc.text.splitlines()  # "突 破 2 4 0 万 人 次" comes back as written, "Wi-Fi 6" keeps its space


def test_a_paragraph_running_over_a_page_break_is_one_paragraph(gongwen):
    doc, _ = gongwen
    lines = doc.text.splitlines()
    assert lines.count(LONG) == 5
    spans = [b for b in doc.blocks if b.text == LONG]
    assert len({b.page for b in spans}) > 1  # the five long paragraphs fill more than one page


def test_the_report_is_structured_as_its_txt_would_be(gongwen):
    _, data = gongwen
    report = parse_report(Path("2026_临江县_政府工作报告.pdf"), data)
    assert report.meta.issuer == "临江县" and report.meta.year == 2026
    paths = {c.section for c in report.chunks}
    assert "一、2025年工作回顾 › （一）产业发展提质增效" in paths
    target = next(f for f in report.figures if f.indicator == "地区生产总值" and f.type == "target")
    assert target.value == 6 and target.year == 2026
    assert all(c.page for c in report.chunks)


def test_page_numbers_as_ocr_reads_them_are_recognised():
    for text in ("一14一", "-9一", "—5一", "－12－"):
        assert PAGE_NUMBER.match(text), text
    assert not PAGE_NUMBER.match("一、综合")


@pytest.mark.parametrize("footer", ["— {n} —", "-{n}-", "第{n}页", "{n}/9", "第 {n} 页 共 9 页", "{n}"])
def test_page_numbers_in_every_office_style_are_recognised(footer):
    assert PAGE_NUMBER.match(footer.format(n=3))
    data = gongwen_pdf(PARAS, footer=footer)
    text = read_file(Path("r.pdf"), data).text
    assert footer.format(n=2) not in text.splitlines()
    assert LONG in text.splitlines()


def test_spaces_are_kept_only_between_latin_letters_and_digits():
    assert tidy_spaces("突 破 2 4 0 万 人 次") == "突破2 4 0万人次"  # digits apart are kept as written
    assert tidy_spaces("引进 Wi-Fi 6 项目") == "引进Wi-Fi 6项目"


TABLE = [["指标", "单位", "2025年目标", "完成", "比上年增长（%）"],
         ["地区生产总值", "亿元", "250", "243.5", "6.5"],
         ["一般公共预算收入", "亿元", "20", "18.6", "-2.3"]]


def test_a_ruled_table_becomes_rows_in_its_section_with_figures():
    paras = ["各位代表：", "一、2025年工作回顾", REVIEW, "（一）主要指标完成情况", "表1 2025年主要经济指标完成情况",
             "二、2026年工作安排", "主要预期目标是：地区生产总值增长6%左右。"]
    data = gongwen_pdf(paras, table=(4, TABLE))
    report = parse_report(Path("2026_临江县_政府工作报告.pdf"), data)
    chunk = next(c for c in report.chunks if c.table)
    assert chunk.section == "一、2025年工作回顾 › （一）主要指标完成情况"
    assert chunk.table == "表1 2025年主要经济指标完成情况"
    assert "一般公共预算收入：2025年目标20亿元，完成18.6亿元，比上年下降2.3%。" in chunk.text
    figs = {(f.indicator, f.type, f.kind): f for f in report.figures if f.chunk_idx == chunk.idx}
    assert figs[("一般公共预算收入", "actual", "growth")].value == -2.3
    assert figs[("地区生产总值", "target", "level")].value == 250 and figs[("地区生产总值", "target", "level")].year == 2025
    assert figs[("地区生产总值", "actual", "level")].unit == "亿元"


def test_a_password_protected_pdf_gets_a_chinese_message():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("user-pw", "owner-pw"))
    c.drawString(50, 800, "2025 report")
    c.save()
    with pytest.raises(UnreadableFile, match="PDF 已加密.*去掉密码"):
        read_file(Path("locked.pdf"), buf.getvalue())


def test_a_pdf_over_the_page_limit_is_refused_before_it_is_read():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(600):
        c.drawString(50, 800, "page")
        c.showPage()
    c.save()
    with pytest.raises(UnreadableFile, match="共 600 页，超过上限 500 页.*拆分"):
        read_file(Path("yearbook.pdf"), buf.getvalue(), ReadLimits())


def test_title_issuer_year_and_kind_come_from_the_first_page_when_the_file_name_has_none(gongwen):
    _, data = gongwen
    meta = parse_report(Path("扫描件001.pdf"), data).meta
    assert (meta.title, meta.issuer, meta.year, meta.kind) == (GONGWEN_TITLE, "临江县", 2026, "政府工作报告")
    named = parse_report(Path("2025_石门区_工作报告.pdf"), data).meta
    assert (named.issuer, named.year) == ("石门区", 2025)  # the file name still wins


def test_a_page_whose_text_layer_is_glyph_codes_or_nearly_empty_is_read_by_ocr():
    from knowledge.readers.layout import Line
    from knowledge.readers.pdf import needs_ocr

    def page(text: str) -> list[Line]:
        return [Line(text=text, x0=0, x1=100, top=0, bottom=10, size=10)]

    assert needs_ocr(page("(cid:1234)(cid:88)(cid:4021)" * 20 + "一、"), [])
    assert needs_ocr(page("\ue013\ue2a1\ue0f0" * 30), [])
    assert needs_ocr(page("第3页"), [])
    assert not needs_ocr(page(REVIEW), [])
