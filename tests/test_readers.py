"""Readers: every format and encoding comes back as clean paragraphs; bad files get a clear reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from knowledge.errors import UnreadableFile
from knowledge.readers import read_file
from tests.conftest import shared_path
from tests.helpers import REPORT_LINES, docx_bytes, html_page, pdf_bytes

TEXT = "\n".join(REPORT_LINES)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_in_any_common_encoding_reads_the_same(encoding):
    doc = read_file(Path("r.txt"), TEXT.encode(encoding))
    assert doc.text.splitlines() == REPORT_LINES


def test_traditional_characters_and_fullwidth_digits_are_kept_as_written():
    text = "政府工作報告\n一、經濟回顧\n全年國內生產總值４３８００億元，增長百分之十一點八。"
    doc = read_file(Path("r.md"), text.encode("utf-8"))
    assert "４３８００億元" in doc.text and "經濟回顧" in doc.text


def test_docx_paragraphs_are_read_in_order():
    doc = read_file(Path("r.docx"), docx_bytes())
    assert doc.text.splitlines() == REPORT_LINES


def test_pdf_text_layer_is_read_and_wrapped_lines_are_joined():
    doc = read_file(Path("r.pdf"), pdf_bytes())
    lines = doc.text.splitlines()
    assert REPORT_LINES[3] in lines  # a 47-character paragraph wrapped at 30 comes back whole
    assert "一、2024年工作回顾" in lines


def test_html_keeps_the_report_and_drops_scripts_navigation_and_buttons():
    doc = read_file(Path("r.html"), html_page().encode("utf-8"))
    assert doc.text.splitlines() == REPORT_LINES
    assert "tracker" not in doc.text and "首页" not in doc.text and "打印本页" not in doc.text
    assert doc.meta["title"] == "2025年临江开发区工作报告"


def test_seed_page_clutter_is_removed():
    doc = read_file(shared_path("reports", "000_79fffe570bc6bca6.txt"))
    assert "资源描述" not in doc.text
    assert "第22页 共22页" not in doc.text
    assert "展开阅读全文" not in doc.text
    assert "完成财政总收入114.23亿元,同比增长8.75%" in doc.text


def test_scraped_csv_drops_navigation_and_footer():
    doc = read_file(shared_path("reports", "originals", "2026_四川省_政府工作报告.csv"))
    lines = doc.text.splitlines()
    for clutter in ("【字体：", "分享：", "责任编辑：", "扫一扫在手机打开当前页", "打印本页", "关闭窗口", "大", "中", "小"):
        assert clutter not in lines
    assert not any("abcd39f1fb7f426d9dfb6bd0fa1f2146" in ln for ln in lines)
    assert "一、2025年工作回顾和“十四五”发展主要成绩" in lines
    assert doc.meta["title"] == "2026年四川省人民政府工作报告"


def test_page_without_line_breaks_gets_paragraphs_and_headings_back():
    doc = read_file(shared_path("reports", "originals", "2025_平潭综合实验区管委会_政府工作报告.page.txt"))
    lines = doc.text.splitlines()
    assert len(lines) > 30
    assert "一、2024年工作回顾" in lines
    assert "二、2025年工作安排" in lines
    assert any(ln.startswith("（一）强化先行示范促融合，奋力打造两岸共同市场先行区域") for ln in lines)
    assert doc.meta["issuer"] == "平潭综合实验区党工委管委会办公室"


def test_statistical_communique_page_headings_are_split_from_their_text():
    doc = read_file(shared_path("reports", "originals", "2022_平潭综合实验区_国民经济和社会发展统计公报.page.txt"))
    lines = doc.text.splitlines()
    assert "一、综 合" in lines
    assert "十、旅游、文化和体育" in lines
    assert any(ln.startswith("初步核算，全年实现生产总值367.71亿元") for ln in lines)


def test_real_docx_original_reads():
    doc = read_file(shared_path("reports", "originals", "2025_四川省_政府工作报告.docx"))
    assert "2024年工作回顾" in doc.text.splitlines()


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.txt", b"", "文件是空的"),
        ("blank.txt", b"  \n\t\n ", "文件是空的"),
        ("binary.txt", bytes(range(256)) * 40, "二进制文件"),
        ("broken.docx", b"PK\x03\x04 this is not really a zip", "已损坏.*另存为|重新导出"),
        ("broken.pdf", b"%PDF-1.4\n garbage garbage", "PDF"),
        ("report.key", b"whatever", "不支持的文件类型 .key"),
        ("broken.xlsx", b"whatever", "已损坏|无法打开"),
        ("latin.txt", "Ol\u00e1, relat\u00f3rio ".encode("cp1252") * 3, "没有可读的中文"),
        ("mojibake.txt", bytes(range(0x80, 0x100)) * 50, "没有可读的中文|编码"),
    ],
)
def test_bad_files_get_a_clear_reason(name, data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read_file(Path(name), data)


def test_zip_bomb_disguised_as_docx_is_refused_without_expanding_it():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * (250 * 1024 * 1024))
    with pytest.raises(UnreadableFile, match="压缩炸弹"):
        read_file(Path("bomb.docx"), buf.getvalue())


def test_one_line_of_200000_characters_is_read():
    line = ("全年实现地区生产总值486.3亿元，同比增长7.1%，" * 8000)[:200_000]
    doc = read_file(Path("long.txt"), line.encode("utf-8"))
    assert len(doc.text) == 200_000
