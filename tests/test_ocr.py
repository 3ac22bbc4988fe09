"""Scans and photos are read by offline OCR (models inside the rapidocr-onnxruntime wheel): reading order and
paragraphs rebuilt from the boxes, the confidence kept and shown when a cited quote came from OCR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.formatting import answer_html
from knowledge.embeddings import FakeEmbedder
from knowledge.errors import UnreadableFile
from knowledge.readers import ReadLimits, read_file
from knowledge.service import KnowledgeBase
from tests.conftest import cjk_font
from tests.helpers import page_image, scanned_pdf

PAGE1 = ["2024年临江县国民经济和社会发展统计公报", "一、综合",
         "\u3000初步核算，全年实现地区生产总值486.3亿元，比上",
         "年增长7.1%。其中，第一产业增加值42.6亿元，增长",
         "3.2%；第二产业增加值201.5亿元，增长8.4%。",
         "\u3000全年完成一般公共预算收入31.5亿元，比上年增长",
         "5.8%。"]
PAGE2 = ["二、农业", "\u3000全年粮食总产量52.1万吨，比上年增长2.0%。油料产",
         "量3.6万吨，下降1.2%。"]


@pytest.fixture(scope="module")
def scan() -> bytes:
    font = cjk_font()
    return scanned_pdf([page_image(PAGE1, font), page_image(PAGE2, font)])


def test_a_scanned_pdf_is_read_by_ocr_with_paragraphs_rebuilt(scan):
    stages = []
    doc = read_file(Path("scan.pdf"), scan, progress=lambda *a: stages.append(a))
    lines = doc.text.splitlines()
    assert "一、综合" in lines and "二、农业" in lines
    assert "初步核算，全年实现地区生产总值486.3亿元，比上年增长7.1%。其中，第一产业增加值42.6亿元，增长3.2%；" \
           "第二产业增加值201.5亿元，增长8.4%。" in lines
    assert "全年完成一般公共预算收入31.5亿元，比上年增长5.8%。" in lines
    assert all(b.ocr_confidence is not None and b.ocr_confidence > 0.8 for b in doc.blocks)
    assert [b.page for b in doc.blocks if b.text == "二、农业"] == [2]
    assert ("ocr", 0, 2) in stages and ("ocr", 2, 2) in stages


def test_a_mixed_pdf_reads_its_text_pages_and_ocrs_its_image_page():
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setFont("STSong-Light", 12)
    c.drawString(70, 760, "一、综合")
    c.drawString(70, 730, "全年实现地区生产总值486.3亿元，比上年增长7.1%。这是文字层的一页。")
    c.showPage()
    c.drawImage(ImageReader(page_image(PAGE2, cjk_font())), 0, 0, 595, 842)
    c.save()
    doc = read_file(Path("mixed.pdf"), buf.getvalue())
    by_page = {b.page: b for b in doc.blocks}
    assert by_page[1].ocr_confidence is None
    assert "全年粮食总产量52.1万吨，比上年增长2.0%。油料产量3.6万吨，下降1.2%。" in doc.text.splitlines()
    assert doc.blocks[-1].page == 2 and doc.blocks[-1].ocr_confidence is not None


def test_a_photo_is_read(tmp_path):
    img = page_image(PAGE2, cjk_font())
    for fmt, suffix in (("PNG", ".png"), ("JPEG", ".jpg"), ("TIFF", ".tif")):
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        doc = read_file(Path(f"photo{suffix}"), buf.getvalue())
        assert "全年粮食总产量52.1万吨，比上年增长2.0%。油料产量3.6万吨，下降1.2%。" in doc.text.splitlines(), suffix


def test_a_50_megapixel_photo_is_refused_before_it_is_decoded():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8200, 6150), 255).save(buf, format="PNG")  # 50 megapixels, a few hundred KB compressed
    with pytest.raises(UnreadableFile, match="50 百万像素，超过上限 40 百万像素.*缩小"):
        read_file(Path("photo.png"), buf.getvalue(), ReadLimits(max_pixels=40_000_000))


def test_a_cited_quote_from_a_scan_says_it_was_ocr_with_its_confidence(settings, scan, tmp_path):
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    path = tmp_path / "2024_临江县_统计公报.pdf"
    path.write_bytes(scan)
    stages = []
    result = kb.ingest_file(path, progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert result.status == "added", result.error
    assert ("ocr", 1, 2) in stages
    ans = kb.locate(kb.ask("临江县2024年粮食总产量是多少？"))
    cited = next(c for c in ans.citations if "52.1万吨" in c.quote)
    assert cited.page == 2 and cited.ocr_confidence is not None and cited.ocr_confidence > 0.8
    assert f"（第2页，OCR识别，置信度{cited.ocr_confidence:.2f}）" in "\n".join(answer_html(ans))


def test_a_dash_read_as_one_one_opens_a_run_in_item_again():
    from knowledge.readers.layout import Line
    from knowledge.readers.ocr import merge_rows

    boxes = [Line(text="一一经济发展贡献新担当。", x0=10, x1=300, top=0, bottom=20, size=16, conf=0.99),
             Line(text="一是奋力拼经济", x0=10, x1=200, top=40, bottom=60, size=16, conf=0.99)]
    assert [ln.text for ln in merge_rows(boxes)] == ["——经济发展贡献新担当。", "一是奋力拼经济"]


def test_straight_quotes_read_by_ocr_become_the_chinese_quotes_the_report_has():
    from knowledge.readers.ocr import curly_quotes

    assert curly_quotes('抓好“三农"工作和"两新"政策') == "抓好“三农”工作和“两新”政策"
    assert curly_quotes('Wi-Fi "6"') == 'Wi-Fi "6"'


def test_the_dash_opening_a_run_in_item_is_kept_though_the_detector_leaves_it_out():
    img = page_image(["一、2023年工作回顾", "\u3000——经济总体回升向好。国内生产总值超过126万", "亿元，增长5.2%。",
                      "\u3000——现代化产业体系建设取得重要进展。", "\u3000全年粮食总产量52.1万吨。"], cjk_font())
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    lines = read_file(Path("page.png"), buf.getvalue()).text.splitlines()
    assert lines == ["一、2023年工作回顾", "——经济总体回升向好。国内生产总值超过126万亿元，增长5.2%。",
                     "——现代化产业体系建设取得重要进展。", "全年粮食总产量52.1万吨。"]
