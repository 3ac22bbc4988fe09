"""Spreadsheets: every sheet a section named after it, title rows the caption, merged headers resolved;
oversized and booby-trapped workbooks are refused with a message and leave the index as it was."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from knowledge.embeddings import FakeEmbedder
from knowledge.errors import UnreadableFile
from knowledge.parse import parse_report
from knowledge.readers import ReadLimits, read_file
from knowledge.service import KnowledgeBase


def workbook() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "主要指标"
    ws.append(["2024年临江县主要经济指标"])
    ws.append(["单位：亿元"])
    ws.append(["指标", "2024年", None])
    ws.append([None, "绝对数", "比上年增长（%）"])
    ws.append(["地区生产总值", 486.3, 7.1])
    ws.append(["一般公共预算收入", 42.6, -1.8])
    ws.merge_cells("A1:C1")
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:C3")
    people = wb.create_sheet("人口")
    people.append(["指标", "单位", "2024年末"])
    people.append(["常住人口", "万人", 45.6])
    people.append(["城镇化率", "%", 61.2])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_every_sheet_is_a_section_named_after_it_with_its_rows():
    report = parse_report(Path("临江县统计数据.xlsx"), workbook())
    sections = {c.section: c for c in report.chunks}
    assert set(sections) == {"主要指标", "人口"}
    main = sections["主要指标"]
    assert main.table == "2024年临江县主要经济指标"
    assert main.text.splitlines() == ["地区生产总值：2024年绝对数486.3亿元，2024年比上年增长7.1%。",
                                      "一般公共预算收入：2024年绝对数42.6亿元，2024年比上年下降1.8%。"]
    assert sections["人口"].text.splitlines() == ["常住人口：2024年末45.6万人。", "城镇化率：2024年末61.2%。"]
    assert report.meta.title == "2024年临江县主要经济指标" and report.meta.issuer == "临江县"
    rate = next(f for f in report.figures if f.indicator == "城镇化率")
    assert (rate.value, rate.unit, rate.kind, rate.year) == (61.2, "%", "share", 2024)


def test_a_csv_table_is_read_as_a_table():
    text = "指标,单位,2024年\n地区生产总值,亿元,486.3\n常住人口,万人,45.6\n"
    doc = read_file(Path("临江县.csv"), text.encode("utf-8"))
    (block,) = doc.blocks
    assert block.table is not None and block.table.rows[1] == ["地区生产总值", "亿元", "486.3"]


def test_a_spreadsheet_over_the_row_limit_is_refused():
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("明细")
    for i in range(3000):
        ws.append([f"企业{i}", i])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(UnreadableFile, match="超过 2000 行.*拆分"):
        read_file(Path("明细.xlsx"), buf.getvalue(), ReadLimits(max_rows=2000))


def test_a_100000_row_table_is_refused_at_the_default_limit():
    text = "指标,数值\n" + "".join(f"企业{i},{i}\n" for i in range(100_000))
    with pytest.raises(UnreadableFile, match="超过 50000 行"):
        read_file(Path("明细.csv"), text.encode("utf-8"))


def test_a_zip_bomb_in_xlsx_is_refused_and_the_index_is_unchanged(settings, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    good = tmp_path / "临江县统计数据.xlsx"
    good.write_bytes(workbook())
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(buf.getvalue())
    summary = kb.ingest_paths([bomb, good])
    assert [r.status for r in summary.results] == ["failed", "added"]
    assert "压缩炸弹" in summary.results[0].error
    assert len(kb.reports()) == 1
