"""Ingestion: idempotent by content, replacing by name, removable, and a failure changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import func, select

from knowledge.embeddings import FakeEmbedder
from knowledge.errors import EmbedderMismatch, ReportNotFound
from knowledge.service import KnowledgeBase
from knowledge.store import ChunkRow, FigureRow, ReportRow, SectionRow
from tests.conftest import SAMPLE
from tests.helpers import docx_bytes, html_page, pdf_bytes


def counts(kb: KnowledgeBase) -> dict[str, int]:
    with kb.stores.session() as s:
        sql = {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in (ReportRow, SectionRow, ChunkRow, FigureRow)}
    sql["vectors"] = kb.stores.vectors.count()
    return sql


def assert_stores_agree(kb: KnowledgeBase) -> None:
    with kb.stores.session() as s:
        ids = set(s.exec(select(ChunkRow.vector_id)).all())
    assert ids == kb.stores.vectors.all_ids()


def test_ingesting_the_same_file_twice_adds_nothing(kb, tmp_path):
    first = kb.ingest_file(SAMPLE)
    before = counts(kb)
    copy = tmp_path / "another-name.txt"
    shutil.copy(SAMPLE, copy)
    again, renamed = kb.ingest_file(SAMPLE), kb.ingest_file(copy)
    assert first.status == "added" and first.chunks > 10 and first.figures > 50
    assert again.status == "unchanged" and renamed.status == "unchanged"
    assert counts(kb) == before
    assert_stores_agree(kb)


def test_a_changed_file_under_the_same_name_replaces_the_old_version(kb, tmp_path):
    path = tmp_path / SAMPLE.name
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    kb.ingest_file(path)
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("486.3亿元", "488.8亿元"), encoding="utf-8")
    result = kb.ingest_file(path)
    assert result.status == "replaced"
    assert len(kb.reports()) == 1
    ans = kb.ask("临江开发区2024年地区生产总值是多少？")
    assert "488.8亿元" in ans.answer and "486.3亿元" not in ans.answer
    assert_stores_agree(kb)


def test_removing_a_report_removes_it_from_both_stores(kb):
    kb.ingest_file(SAMPLE)
    removed = kb.remove("临江")
    assert removed.source == SAMPLE.name
    assert counts(kb) == {"ReportRow": 0, "SectionRow": 0, "ChunkRow": 0, "FigureRow": 0, "vectors": 0}
    assert not kb.ask("临江开发区2024年地区生产总值是多少？").found
    with pytest.raises(ReportNotFound):
        kb.remove("临江")


@pytest.mark.parametrize(
    "name,data",
    [
        ("empty.txt", b""),
        ("binary.txt", bytes(range(256)) * 64),
        ("report.docx", b"not a zip at all"),
        ("report.pdf", b"%PDF-1.7 broken"),
        ("report.exe", b"MZ\x90\x00"),
        ("renamed-binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(5000)),
    ],
)
def test_a_bad_file_fails_with_a_reason_and_leaves_the_index_as_it_was(kb, tmp_path, name, data):
    kb.ingest_file(SAMPLE)
    before = counts(kb)
    path = tmp_path / name
    path.write_bytes(data)
    result = kb.ingest_file(path)
    assert result.status == "failed" and result.error
    assert counts(kb) == before


def test_a_broken_file_in_a_batch_does_not_stop_the_others(kb, tmp_path):
    (tmp_path / "a_broken.docx").write_bytes(b"garbage")
    (tmp_path / "b_report.docx").write_bytes(docx_bytes())
    (tmp_path / "c_report.pdf").write_bytes(pdf_bytes())
    (tmp_path / "d_report.html").write_text(html_page(), encoding="utf-8")
    shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    summary = kb.ingest_paths([tmp_path])
    statuses = {r.source: r.status for r in summary.results}
    assert statuses["a_broken.docx"] == "failed"
    assert statuses[SAMPLE.name] == "added"
    assert statuses["b_report.docx"] == "added"
    # the PDF and the HTML hold the same text as the .docx, but are different files: all ingest
    assert statuses["c_report.pdf"] == "added" and statuses["d_report.html"] == "added"


def test_a_failure_while_writing_vectors_leaves_both_stores_unchanged(kb, tmp_path, monkeypatch):
    kb.ingest_file(SAMPLE)
    before = counts(kb)

    def boom(*args, **kwargs):
        raise RuntimeError("vector store went away")

    monkeypatch.setattr(kb.stores.vectors, "add", boom)
    other = tmp_path / "2025_另一开发区_工作报告.txt"
    other.write_text(SAMPLE.read_text(encoding="utf-8").replace("临江", "望海"), encoding="utf-8")
    result = kb.ingest_file(other)
    assert result.status == "failed" and "内部错误" in result.error
    assert counts(kb) == before
    assert_stores_agree(kb)


def test_a_report_left_pending_by_a_crash_is_cleaned_up_on_the_next_open(settings):
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.ingest_file(SAMPLE)
    with kb.stores.session() as s:  # what a kill between the SQL write and "ready" leaves behind
        row = s.exec(select(ReportRow)).one()
        row.status = "pending"
        s.add(row)
        s.commit()
    reopened = KnowledgeBase(settings, embedder=FakeEmbedder())
    assert counts(reopened) == {"ReportRow": 0, "SectionRow": 0, "ChunkRow": 0, "FigureRow": 0, "vectors": 0}


def test_an_index_built_by_another_embedder_is_refused_with_how_to_rebuild(settings):
    KnowledgeBase(settings, embedder=FakeEmbedder()).ingest_file(SAMPLE)

    class OtherEmbedder(FakeEmbedder):
        name = "other/model"

    with pytest.raises(EmbedderMismatch, match="reportbot rebuild"):
        KnowledgeBase(settings, embedder=OtherEmbedder())


def test_rebuild_re_embeds_with_the_configured_embedder(settings, monkeypatch):
    from knowledge import rebuild as rebuild_mod

    KnowledgeBase(settings, embedder=FakeEmbedder()).ingest_file(SAMPLE)

    class OtherEmbedder(FakeEmbedder):
        name = "other/model"

    monkeypatch.setattr(rebuild_mod, "get_embedder", lambda s: OtherEmbedder())
    n = rebuild_mod.rebuild(settings)
    kb = KnowledgeBase(settings, embedder=OtherEmbedder())
    assert n == counts(kb)["ChunkRow"] == counts(kb)["vectors"]
    assert kb.ask("临江开发区2025年地区生产总值增长目标是多少？").found


def test_files_are_listed_with_their_metadata(kb):
    kb.ingest_file(SAMPLE)
    (report,) = kb.reports()
    assert report.title.startswith("临江经济技术开发区") and report.year == 2025 and report.issuer == "临江经济技术开发区"
    assert report.n_chunks > 10 and report.n_figures > 50


def test_section_rows_hold_the_tree(kb):
    kb.ingest_file(SAMPLE)
    with kb.stores.session() as s:
        paths = [json.loads(r.path) for r in s.exec(select(SectionRow)).all()]
    assert ["二、2025年工作安排", "（一）全力推动产业升级", "2、做优创新平台"] in paths


def test_a_file_over_the_size_limit_is_refused(kb, tmp_path: Path):
    kb.settings.max_file_mb = 1
    big = tmp_path / "big.txt"
    big.write_bytes(("报告" * 400_000).encode("utf-8"))
    result = kb.ingest_file(big)
    assert result.status == "failed" and "上限" in result.error
