"""Schema changes go through migrations: upgrading keeps the index and the conversation log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlmodel import select

from knowledge.embeddings import FakeEmbedder
from knowledge.exchanges import ExchangeLog, ExchangeRow
from knowledge.service import KnowledgeBase
from knowledge.settings import Settings
from knowledge.store import MIGRATIONS
from tests.conftest import SAMPLE


def at_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_upgrading_a_database_made_by_the_previous_schema_keeps_index_and_log(store_config):
    settings = Settings(embedder="fake", **store_config)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.sql_url
    at_revision(url, "0001")
    now = datetime.now(UTC)
    engine = create_engine(url)
    with engine.begin() as conn:  # rows written by the previous version of the program
        conn.execute(text("INSERT INTO exchanges (created_at, user_id, user_name, chat_id, chat_type, kind, question, "
                          "answer, mode, found, citations, figures, latency_ms, error) VALUES (:t, 42, '张三', 42, "
                          "'private', 'question', '今年固投目标多少？', '10%左右[1]', 'extractive', true, '[]', '[]', 35.5, '')"),
                     {"t": now})
        assert "owner" not in {c["name"] for c in inspect(conn).get_columns("reports")}
    engine.dispose()

    kb = KnowledgeBase(settings, embedder=FakeEmbedder())  # opening migrates to the newest schema
    log = ExchangeLog(kb.stores)
    with kb.stores.session() as s:
        (old,) = s.exec(select(ExchangeRow)).all()
    assert old.question == "今年固投目标多少？" and old.latency_ms == 35.5 and old.llm_tokens == 0
    assert kb.ingest_file(SAMPLE).status == "added"
    ans = kb.ask("临江开发区2025年地区生产总值增长目标是多少？")
    supergroup = -1001234567890  # Telegram ids beyond 32 bits need the widened columns
    ex = log.record(user_id=7_000_000_001, user_name="李四", chat_id=supergroup, chat_type="supergroup",
                    question=ans.question, answer=ans)
    assert log.last_question(supergroup).id == ex
    assert json.loads(log.get(ex).citations)[0]["n"] == 1


def test_a_fresh_database_is_created_at_the_newest_revision(settings):
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    with kb.stores.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert {"handled_at", "handled_by", "user_name"} <= {c["name"] for c in inspect(conn).get_columns("feedback")}
        assert "originals" in inspect(conn).get_table_names()


def test_a_migration_cut_short_leaves_the_schema_as_it_was_and_the_next_open_succeeds(store_config, monkeypatch):
    # a process killed while creating the first tables must not leave tables without their recorded version
    settings = Settings(embedder="fake", **store_config)
    real_upgrade = command.upgrade

    def upgrade_then_die(cfg, revision):
        real_upgrade(cfg, "0001")  # the first tables are made …
        raise KeyboardInterrupt  # … and the process stops before the rest

    monkeypatch.setattr(command, "upgrade", upgrade_then_die)
    try:
        KnowledgeBase(settings, embedder=FakeEmbedder())
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the cut-short migration did not stop the open")
    left = create_engine(settings.sql_url)
    assert "reports" not in set(inspect(left).get_table_names())  # rolled back, not half made
    left.dispose()
    monkeypatch.setattr(command, "upgrade", real_upgrade)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.ingest_file(SAMPLE)
    assert len(kb.reports()) == 1


def _as_an_earlier_version_left_it(kb: KnowledgeBase, *statements: str) -> None:
    """The index's figures changed by statements (SQL), as an earlier version would have stored them, and no record
    of the figure dating they were read with."""
    from knowledge.store import IndexMetaRow

    with kb.stores.session() as s:
        for statement in statements:
            s.exec(text(statement))
        for row in s.exec(select(IndexMetaRow).where(IndexMetaRow.key == "figure_dating")).all():
            s.delete(row)
        s.commit()


def test_figures_indexed_by_an_earlier_version_are_dated_again_when_the_index_opens(store_config):
    # an index made before five-year totals were told from the year's figures: 河南's 城镇新增就业603.7万人 over
    # 2021—2025 stood as 2025's beside 121.7万人; opening it with this version dates it again, nothing re-ingested
    from knowledge.store import FigureRow
    from tests.conftest import shared_path

    settings = Settings(embedder="fake", **store_config)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    assert kb.ingest_file(shared_path("reports", "2026_河南省_政府工作报告.txt")).status == "added"
    with kb.stores.session() as s:
        dated = {f.id: (f.type, f.year, f.period_start) for f in s.exec(select(FigureRow)).all()}
    _as_an_earlier_version_left_it(kb, "UPDATE figures SET period_start = NULL")
    kb.close()

    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    with kb.stores.session() as s:
        assert {f.id: (f.type, f.year, f.period_start) for f in s.exec(select(FigureRow)).all()} == dated
        (total,) = [f for f in s.exec(select(FigureRow)).all() if f.raw == "603.7万人"]
    assert (total.year, total.period_start) == (2025, 2021)
    assert "121.7万人" in kb.ask("河南去年城镇新增就业多少人？").answer


def test_figures_an_earlier_extractor_missed_are_read_when_the_index_opens(store_config):
    # an index made before "5400多亿元" was read as a figure: opening it with this version reads the passages again
    # and replaces their figures, nothing re-ingested
    from knowledge.store import FigureRow, ReportRow
    from tests.conftest import shared_path

    settings = Settings(embedder="fake", **store_config)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    assert kb.ingest_file(shared_path("reports", "2026_山东省_政府工作报告.txt")).status == "added"
    with kb.stores.session() as s:
        read = sorted((f.chunk_idx, f.indicator, f.raw, f.type, f.year) for f in s.exec(select(FigureRow)).all())
    assert any(raw == "5400多亿元" for _, _, raw, _, _ in read)
    _as_an_earlier_version_left_it(kb, "DELETE FROM figures WHERE raw LIKE '%多%' OR raw LIKE '%余%'",
                                   # a passage with none stored
                                   "DELETE FROM figures WHERE chunk_idx = (SELECT MIN(chunk_idx) FROM figures)",
                                   "UPDATE reports SET n_figures = 0")
    kb.close()

    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    with kb.stores.session() as s:
        assert sorted((f.chunk_idx, f.indicator, f.raw, f.type, f.year) for f in s.exec(select(FigureRow)).all()) == read
        assert s.exec(select(ReportRow)).one().n_figures == len(read)
    assert "5400多亿元" in kb.ask("山东2025年交通、能源、水利完成投资多少亿元？").answer


def test_two_processes_dating_an_index_again_at_once_take_turns(store_config):
    # while one process dates an earlier version's figures, another opening the index waits for it, then finds the
    # work done instead of doing it again (or failing on the version row both would write)
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import insert

    from knowledge.figures import DATING
    from knowledge.redate import redate_figures
    from knowledge.store import IndexMetaRow, Stores, schema_transaction
    from tests.conftest import shared_path

    settings = Settings(embedder="fake", **store_config)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    assert kb.ingest_file(shared_path("reports", "2026_河南省_政府工作报告.txt")).status == "added"
    _as_an_earlier_version_left_it(kb, "UPDATE figures SET period_start = NULL")
    other = Stores(settings, "fake", kb.embedder.dim, cleanup=False, check_embedder=False)
    with ThreadPoolExecutor(1) as pool:
        with schema_transaction(kb.stores.engine) as conn:  # the first process, dating
            second = pool.submit(redate_figures, other)
            time.sleep(1.0)
            assert not second.done()
            conn.execute(insert(IndexMetaRow).values(key="figure_dating", value=str(DATING)))
        assert second.result(timeout=60) == 0
