"""Crash safety: a killed ingest leaves SQL and Chroma agreeing; `reportbot check` finds and repairs drift."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from sqlmodel import select

from knowledge.check import check
from knowledge.embeddings import FakeEmbedder
from knowledge.service import KnowledgeBase
from knowledge.settings import Settings
from knowledge.store import ChunkRow, ReportRow
from tests.conftest import SAMPLE, store_env


def open_kb(store_config: dict, cleanup: bool = True) -> KnowledgeBase:
    return KnowledgeBase(Settings(embedder="fake", **store_config), embedder=FakeEmbedder(), cleanup=cleanup)


def all_or_nothing(kb: KnowledgeBase) -> None:
    """Every report is either fully in both stores or not there at all."""
    with kb.stores.session() as s:
        reports = s.exec(select(ReportRow)).all()
        chunks = s.exec(select(ChunkRow)).all()
    assert all(r.status == "ready" for r in reports)
    by_report: dict[int, set[str]] = {}
    for c in chunks:
        by_report.setdefault(c.report_id, set()).add(c.vector_id)
    for r in reports:
        assert len(by_report.get(r.id or 0, ())) == r.n_chunks, r.source
    assert set().union(*by_report.values()) == kb.stores.vectors.all_ids() if by_report else not kb.stores.vectors.all_ids()


@pytest.mark.parametrize("kill_after", [0.8, 2.0, 3.5, 5.5])
def test_killing_an_ingest_at_any_point_leaves_the_stores_agreeing(reports_dir, store_config, kill_after):
    files = sorted(reports_dir.glob("2025_*.txt"))[:12]
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", **store_env(store_config)}
    cmd = [sys.executable, "-m", "knowledge.cli", "ingest", "-q", *map(str, files)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    raw = open_kb(store_config, cleanup=False)  # as the kill left it, before any clean-up
    leftovers = check(raw.stores)
    raw.close()
    kb = open_kb(store_config)  # the next run: interrupted work is cleaned up on open
    all_or_nothing(kb)
    assert check(kb.stores).ok
    done = len(kb.reports())
    assert done < len(files) or leftovers.ok
    kb.close()  # an embedded data folder is open in one process at a time

    finish = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert finish.returncode == 0, finish.stderr
    assert f"unchanged {done}" in finish.stdout
    kb = open_kb(store_config)
    all_or_nothing(kb)
    assert len(kb.reports()) == len(files)


def test_check_finds_drift_and_repair_fixes_it(store_config):
    kb = open_kb(store_config)
    kb.ingest_file(SAMPLE)
    with kb.stores.session() as s:
        lost = s.exec(select(ChunkRow)).first().vector_id
    kb.stores.vectors.delete_ids([lost])
    kb.stores.vectors.add(["r999-c0"], np.ones((1, FakeEmbedder.dim), dtype=np.float32) / 16,
                          [{"report_id": 999, "chunk_idx": 0}], ["stray"])
    kb.close()
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", **store_env(store_config)}
    found = subprocess.run([sys.executable, "-m", "knowledge.cli", "check"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 1
    assert "chunks without a vector: 1" in found.stdout and "vectors without a chunk: 1" in found.stdout
    fixed = subprocess.run([sys.executable, "-m", "knowledge.cli", "check", "--repair"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert fixed.returncode == 0 and fixed.stdout.strip().endswith("the stores agree")
    kb = open_kb(store_config)
    all_or_nothing(kb)
    assert kb.ask("临江开发区2025年地区生产总值增长目标是多少？").found


def test_a_replacement_interrupted_before_the_old_version_went_keeps_the_new_one(store_config, tmp_path):
    kb = open_kb(store_config)
    path = tmp_path / SAMPLE.name
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    old = kb.ingest_file(path)
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("486.3亿元", "488.8亿元"), encoding="utf-8")
    real_delete = kb.stores.delete_report
    kb.stores.delete_report = lambda rid: None  # the process "dies" before removing the old version
    new = kb.ingest_file(path)
    kb.stores.delete_report = real_delete
    assert new.status == "replaced" and len(kb.reports()) == 2
    kb = open_kb(store_config)
    assert [r.id for r in kb.reports()] == [new.report_id] and old.report_id != new.report_id
    all_or_nothing(kb)


def test_a_vector_index_chroma_cannot_read_is_refilled_from_the_database(reports_dir, tmp_path):
    # a process killed while Chroma writes its vector index to disk can leave a truncated file, and then
    # Chroma cannot read the collection at all: the next open makes it again and re-embeds from SQL
    files = sorted(reports_dir.glob("2025_*.txt"))[:13]  # over a thousand chunks: Chroma writes the index to disk
    store_config = {"data_dir": tmp_path / "data", "database_url": "", "chroma_url": "", "chroma_collection": ""}
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", **store_env(store_config)}  # embedded in either test mode
    cmd = [sys.executable, "-m", "knowledge.cli", "ingest", "-q", *map(str, files)]
    assert subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600).returncode == 0
    damaged = list((store_config["data_dir"] / "chroma").glob("*/index_metadata.pickle"))
    assert damaged
    for path in damaged:
        path.write_bytes(path.read_bytes()[:100])
    kb = open_kb(store_config)
    all_or_nothing(kb)
    assert check(kb.stores).ok and len(kb.reports()) == len(files)
    assert kb.ask("2024年地区生产总值增长多少？").citations
    kb.close()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and f"unchanged {len(files)}" in again.stdout


def test_a_second_process_on_an_embedded_folder_is_told_who_holds_it_and_changes_nothing(reports_dir, tmp_path):
    # embedded Chroma keeps its vector index in the memory of the process that opened it: two processes writing one
    # folder overwrite each other's vectors, so the second is turned away with who holds it and what to do instead
    store_config = {"data_dir": tmp_path / "data", "database_url": "", "chroma_url": "", "chroma_collection": ""}
    env = {**os.environ, "REPORTBOT_EMBEDDER": "fake", **store_env(store_config)}  # embedded in either test mode
    other = sorted(reports_dir.glob("2025_*.txt"))[0]
    cmd = [sys.executable, "-m", "knowledge.cli", "ingest", "-q", str(other)]
    kb = open_kb(store_config)
    kb.ingest_file(SAMPLE)
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert f"pid {os.getpid()}" in refused.stderr and "CHROMA_URL" in refused.stderr and "Traceback" not in refused.stderr
    twin = open_kb(store_config)  # a second knowledge base in the same process shares the folder
    twin.close()
    assert subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120).returncode == 2  # still held
    assert kb.ask("临江开发区2025年地区生产总值增长目标是多少？").found and len(kb.reports()) == 1 and check(kb.stores).ok
    kb.close()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "added 1" in done.stdout, done.stderr
    kb = open_kb(store_config)
    assert len(kb.reports()) == 2 and check(kb.stores).ok
    assert kb.ask("临江开发区2025年地区生产总值增长目标是多少？").found
