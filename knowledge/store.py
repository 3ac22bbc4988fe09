"""Stores: SQL (SQLModel) holds reports, sections, chunks and figures; Chroma holds the chunk vectors.

SQL is the source of truth. A report is written to SQL as `pending`, its vectors go to Chroma, and only
then is it marked `ready`; anything left `pending` (a crash, a kill) is cleaned up on the next open, so the
two stores never disagree about what is searchable.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Column, Text, event
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, select

from .errors import ConfigurationError, DataDirInUse, EmbedderMismatch
from .originals import open_originals
from .settings import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)

CHUNK_COLLECTION = "report_chunks"


HOST = socket.gethostname()
STALE_AFTER = timedelta(minutes=30)  # a pending report from another host is abandoned after this long


def this_owner() -> str:
    return f"{HOST}:{os.getpid()}"


def owner_alive(owner: str, since: datetime) -> bool:
    """Whether the process that wrote a pending report may still be writing it."""
    host, _, pid = owner.rpartition(":")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid():
            return False  # ours: an earlier ingest in this process that died half-way
        try:
            os.kill(int(pid), 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return datetime.now(UTC) - since < STALE_AFTER


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReportRow(SQLModel, table=True):
    __tablename__ = "reports"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    issuer: str = ""
    kind: str = ""
    year: int | None = None
    review_year: int | None = None
    plan_year: int | None = None
    source: str = Field(index=True)  # the file name it came from
    content_hash: str = Field(index=True)
    status: str = Field(default="pending", index=True)  # pending | ready
    owner: str = ""  # "host:pid" of the process writing a pending report, to tell a live ingest from a dead one
    n_chunks: int = 0
    n_figures: int = 0
    n_chars: int = 0
    ingested_at: datetime = Field(default_factory=utcnow)


class SectionRow(SQLModel, table=True):
    __tablename__ = "sections"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    idx: int
    level: int
    path: str = Field(sa_column=Column(Text))  # JSON list of headings


class ChunkRow(SQLModel, table=True):
    __tablename__ = "chunks"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    idx: int
    section_idx: int
    section_path: str = Field(sa_column=Column(Text))  # JSON list of headings
    text: str = Field(sa_column=Column(Text))
    tokens: str = Field(sa_column=Column(Text))  # space-joined lexical tokens (jieba), for BM25
    vector_id: str = Field(index=True)
    page: int | None = None  # the page of the file it starts on (PDF, scan)
    ocr_confidence: float | None = None  # mean OCR confidence, when its text was recognised from an image
    table_caption: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class FigureRow(SQLModel, table=True):
    __tablename__ = "figures"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    chunk_idx: int
    indicator: str = Field(index=True)
    value: float
    value_high: float | None = None
    raw: str
    unit: str
    kind: str
    qualifier: str = ""
    year: int | None = Field(default=None, index=True)
    type: str
    section_path: str = Field(sa_column=Column(Text))
    sentence: str = Field(sa_column=Column(Text))
    period_start: int | None = None  # the first year of a total or average over several years (year: the last)


def figure_row(report_id: int, f) -> dict[str, Any]:
    """A figure (types.Figure) as the columns of its FigureRow."""
    return dict(report_id=report_id, chunk_idx=f.chunk_idx, indicator=f.indicator, value=f.value,
                value_high=f.value_high, raw=f.raw, unit=f.unit, kind=f.kind, qualifier=f.qualifier, year=f.year,
                type=f.type, section_path=json.dumps(f.section_path, ensure_ascii=False), sentence=f.sentence,
                period_start=f.period_start)


class IndexMetaRow(SQLModel, table=True):
    __tablename__ = "index_meta"
    key: str = Field(primary_key=True)
    value: str


def make_engine(settings: Settings):
    url = settings.sql_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never wait for the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        except ModuleNotFoundError as exc:  # the URL names a driver this install lacks (psycopg for PostgreSQL)
            raise ConfigurationError(
                f"DATABASE_URL needs the database driver {exc.name!r}, which is not installed: "
                "pip install 'reportbot[server]'") from None
    migrate(engine)
    return engine


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADOPTED_COLUMNS = {"reports": {"owner": "VARCHAR NOT NULL DEFAULT ''"},
                    "chunks": {"page": "INTEGER", "ocr_confidence": "FLOAT", "table_caption": "TEXT NOT NULL DEFAULT ''"},
                    "exchanges": {"llm_tokens": "INTEGER NOT NULL DEFAULT 0", "llm_ms": "FLOAT NOT NULL DEFAULT 0",
                                  '"check"': "VARCHAR NOT NULL DEFAULT ''"},
                    "figures": {"period_start": "INTEGER"},
                    "feedback": {"user_name": "VARCHAR NOT NULL DEFAULT ''", "handled_at": "TIMESTAMP",
                                 "handled_by": "BIGINT"}}


@contextmanager
def schema_transaction(engine) -> Iterator[Connection]:
    """One transaction for every schema change (and for dating the figures again, knowledge.redate), so that a
    process killed mid-way leaves the schema as it was.
    PostgreSQL does DDL in transactions; pysqlite would commit each CREATE TABLE on its own (a kill during the
    first migration left tables without their recorded version, which no later open could get past), so on
    SQLite the transaction is begun by hand — IMMEDIATE, which also makes two processes take turns."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sql_text("SELECT pg_advisory_xact_lock(724001)"))
            yield conn
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.isolation_level = None  # pysqlite's own transaction handling off: the BEGIN below covers DDL too
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            raw.isolation_level = ""  # back to pysqlite's default for the pool


def migrate(engine) -> None:
    """Bring the schema to the newest migration (Alembic), keeping the index and the conversation log.

    Two processes starting at once take turns: PostgreSQL through an advisory lock, SQLite through its
    write lock. A database made before migrations existed is adopted: missing tables and columns are
    added, then it is stamped as current.
    """
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    import knowledge.exchanges  # noqa: F401  (the log's tables are part of the schema)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with schema_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        tables = set(inspect(conn).get_table_names())
        if "reports" in tables and "alembic_version" not in tables:
            SQLModel.metadata.create_all(conn)
            for table, columns in _ADOPTED_COLUMNS.items():
                have = {c["name"] for c in inspect(conn).get_columns(table)}
                for name, ddl in columns.items():
                    if name.strip('"') not in have:
                        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))
            command.stamp(cfg, "head")
        else:
            command.upgrade(cfg, "head")


def replaced_versions(ready: Iterable[ReportRow]) -> list[ReportRow]:
    """Ready reports that a newer ready report of the same file superseded (a replace cut short)."""
    newest: dict[str, ReportRow] = {}
    older: list[ReportRow] = []
    for report in sorted(ready, key=lambda r: r.id or 0):
        if report.source in newest:
            older.append(newest[report.source])
        newest[report.source] = report
    return older


def term_id(term: str) -> str:
    return hashlib.sha1(term.encode("utf-8")).hexdigest()[:20]


def _getter(**kwargs: Any) -> Callable[[Any], Any]:
    def get(collection: Any) -> Any:
        return collection.get(**kwargs)
    return get


def _count(collection: Any) -> int:
    return int(collection.count())


# What Chroma says of a vector index on disk it cannot load (a truncated file) or cannot bring up to date (a process
# killed while it wrote leaves a log its compactor cannot apply, chroma-core/chroma#7678), and nothing else: a busy or
# locked database is not a damaged index.
UNREADABLE_INDEX = ("Error deserializing pickle file", "Error creating hnsw segment reader",
                    "Error constructing hnsw segment reader", "Failed to apply logs to the hnsw segment")


# Embedded Chroma keeps each collection's vector index in the memory of the process that opened it and writes it back
# from there: two processes on one folder overwrite each other's vectors or leave an index no process can read again
# (chroma-core/chroma#6975). So one process at a time holds an embedded data folder (an exclusive lock on a file in it,
# which the system drops when the process ends, however it ends); a second one is told which process holds it.
# Several processes share vectors through a Chroma server (CHROMA_URL), which needs no lock.
LOCK_FILE = "reportbot.lock"
_held: dict[str, list[int]] = {}  # folder -> [file descriptor, how many stores of this process use it]
_held_guard = threading.Lock()


def hold_folder(folder: Path) -> str:
    """Take the folder for this process (again, if one of its stores already holds it); returns its key."""
    key = str(folder.resolve())
    with _held_guard:
        if key in _held:
            _held[key][1] += 1
            return key
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise DataDirInUse(
                f"数据目录（{folder.parent.name}）正由另一个进程（pid {holder}）使用：内置向量库同一时间只能由一个进程打开，"
                "两个进程同时写会损坏索引。请等它结束或先停止它（机器人运行时，请把文件发给机器人来收录）；"
                "要让多个进程共用，请配置 CHROMA_URL 使用 Chroma 服务器。") from None
        except BaseException:
            os.close(fd)  # (closing the file drops the lock, if it was taken)
            raise
        _held[key] = [fd, 1]
        return key


def release_folder(key: str) -> None:
    with _held_guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _held[key]
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])


class VectorStore:
    """Chroma, embedded (PersistentClient) or a server (HttpClient); vectors are always passed in."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self._folder = ""
        if settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(settings.chroma_url)
            self.client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                              ssl=u.scheme == "https", settings=chroma_settings)
        else:
            path = settings.data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self._folder = hold_folder(path)
            try:
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            except BaseException:
                release_folder(self._folder)
                raise
        # embedding_function=None: Chroma must never fall back to its own (downloading) default model.
        self.name = settings.chroma_collection or CHUNK_COLLECTION
        try:
            self.chunks = self._collection(self.name)
            self.terms = self._collection(self.name + "_terms")
        except BaseException:
            self.close()
            raise
        self.on_lost: Callable[[], object] | None = None  # refills a chunks collection made again (see _read)
        self.embedded = not settings.chroma_url
        self._recovering = threading.RLock()  # one thread remakes a collection; the others wait, then read it
        self._refilling = False

    def close(self) -> None:
        """Let go of the vectors: an embedded folder is written back and left to the next process."""
        if self._folder:
            close = getattr(self.client, "close", None)  # (Client has it; the ClientAPI protocol does not say so)
            if close is not None:
                close()  # the last client of the folder in this process stops Chroma's system
            release_folder(self._folder)
            self._folder = ""

    def _collection(self, name: str):
        """The collection, made when missing. Two processes starting at once against one Chroma server may
        both try to make it: the loser finds the winner's."""
        try:
            return self.client.get_or_create_collection(name, embedding_function=None,
                                                        metadata={"hnsw:space": "cosine"})
        except Exception:
            log.info("collection %s was made by another process at the same moment", name)
            return self.client.get_collection(name, embedding_function=None)

    def _read(self, which: str, call: Callable[[Any], T]) -> T:
        """call(collection) for the chunks or the terms collection. An embedded collection Chroma cannot read
        (a process killed while Chroma wrote its vector index to disk leaves a truncated file, and every read then
        fails) is made again, empty: its vectors are embedded again from the database (on_lost, see
        KnowledgeBase.restore_lost_vectors; terms when the vocabulary loads). A server's collection is never
        dropped here: its server and the other replicas own it."""
        collection = getattr(self, which)
        try:
            return call(collection)
        except Exception as exc:  # chromadb raises its InternalError for an index it cannot load
            if not self.embedded or not any(sign in str(exc) for sign in UNREADABLE_INDEX) or self._refilling:
                raise  # (a collection just made again that fails too is not made again in a loop)
            with self._recovering:
                if getattr(self, which) is collection:  # not made again by another thread meanwhile
                    log.error("the vector index %s cannot be read (%s); it is made again and refilled from the "
                              "database", collection.name, exc)
                    self.client.delete_collection(collection.name)
                    setattr(self, which, self._collection(collection.name))
                    if which == "chunks" and self.on_lost is not None:
                        self._refilling = True
                        try:
                            self.on_lost()
                        finally:
                            self._refilling = False
            return call(getattr(self, which))

    def add_terms(self, terms: list[str], vectors: np.ndarray) -> None:
        """The vectors of vocabulary terms (vocabulary.py), keyed by the term itself."""
        for i in range(0, len(terms), 1000):
            self.terms.upsert(ids=[term_id(t) for t in terms[i:i + 1000]], embeddings=vectors[i:i + 1000].tolist(),
                              documents=terms[i:i + 1000])

    def delete_terms(self, terms: list[str]) -> int:
        """Delete the vectors of these terms (keys as add_terms stored them); the number of terms asked."""
        for i in range(0, len(terms), 1000):
            self.terms.delete(ids=[term_id(t) for t in terms[i:i + 1000]])
        return len(terms)

    def term_vectors(self, terms: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(terms), 1000):
            ids = [term_id(t) for t in terms[i:i + 1000]]
            got = self._read("terms", _getter(ids=ids, include=["embeddings", "documents"]))
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            for doc, emb in zip(got["documents"] or [], embeddings, strict=True):
                out[doc] = np.asarray(emb, dtype=np.float32)
        return out

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]], documents: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            self.chunks.upsert(ids=ids[i:i + 1000], embeddings=vectors[i:i + 1000].tolist(),
                               metadatas=metadatas[i:i + 1000], documents=documents[i:i + 1000])  # type: ignore[arg-type]

    def delete_report(self, report_id: int) -> None:
        self.chunks.delete(where={"report_id": report_id})

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            self.chunks.delete(ids=ids[i:i + 1000])

    def get_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), 1000):
            got = self._read("chunks", _getter(ids=ids[i:i + 1000], include=["embeddings"]))
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            for cid, emb in zip(got["ids"], embeddings, strict=True):
                out[cid] = np.asarray(emb, dtype=np.float32)
        return out

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            got = self._read("chunks", _getter(include=[], limit=5000, offset=offset))
            if not got["ids"]:
                return ids
            ids.update(got["ids"])
            offset += len(got["ids"])

    def count(self) -> int:
        return self._read("chunks", _count)


class Stores:
    """The SQL engine and the vector store, opened together and checked against the embedder."""

    def __init__(self, settings: Settings, embedder_name: str, embedder_dim: int, check_embedder: bool = True,
                 cleanup: bool = True):
        self.settings = settings
        # the vectors first: an embedded folder another process holds stops this one before it touches the database
        self.vectors = VectorStore(settings)
        try:
            self.engine = make_engine(settings)
            self.originals = open_originals(settings, self.engine)
            if check_embedder:
                self._check_embedder(embedder_name, embedder_dim)
            if cleanup:
                self.cleanup_pending()
        except BaseException:
            self.close()
            raise

    def reset_vectors(self) -> None:
        """Drop every vector (the collection itself); SQL is untouched."""
        old = self.vectors
        old.client.delete_collection(old.name)
        old.client.delete_collection(old.terms.name)
        self.vectors = VectorStore(self.settings)
        old.close()

    def close(self) -> None:
        """Let go of both stores (the embedded folder goes to the next process that opens it)."""
        self.vectors.close()
        if hasattr(self, "engine"):
            self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _check_embedder(self, name: str, dim: int) -> None:
        with self.session() as s:
            row = s.get(IndexMetaRow, "embedder")
            n_reports = len(s.exec(select(ReportRow.id)).all())
            if row is None:
                try:
                    s.add(IndexMetaRow(key="embedder", value=json.dumps({"name": name, "dim": dim})))
                    s.commit()
                    return
                except IntegrityError:  # another process opening a new index wrote it first: check against it
                    s.rollback()
                    row = s.get(IndexMetaRow, "embedder")
                    assert row is not None
            built = json.loads(row.value)
            if built["name"] != name:
                if n_reports == 0 and self.vectors.count() == 0:
                    row.value = json.dumps({"name": name, "dim": dim})
                    s.add(row)
                    s.commit()
                    return
                raise EmbedderMismatch(
                    f"the index was built with the embedder {built['name']!r} but {name!r} is configured; "
                    f"vectors of two models cannot be mixed. Either set REPORTBOT_EMBEDDER back, or rebuild the "
                    f"index with the new one: `reportbot rebuild` (re-embeds every indexed report)."
                )

    def set_embedder(self, name: str, dim: int) -> None:
        with self.session() as s:
            s.merge(IndexMetaRow(key="embedder", value=json.dumps({"name": name, "dim": dim})))
            s.commit()

    def cleanup_pending(self) -> int:
        """Remove what an interrupted ingest left: `pending` reports whose writer is dead, and the older
        version of a replaced file when the process died between adding the new one and removing the old."""
        with self.session() as s:
            pending = s.exec(select(ReportRow).where(ReportRow.status == "pending")).all()
            ready = s.exec(select(ReportRow).where(ReportRow.status == "ready").order_by(col(ReportRow.id))).all()
        dead = [r for r in pending if not owner_alive(r.owner, r.ingested_at)]
        for report in dead:
            log.warning("cleaning up interrupted ingest of %s (report %s)", report.source, report.id)
            self.delete_report(report.id or 0)
        for old in replaced_versions(ready):
            log.warning("removing the replaced version of %s (report %s)", old.source, old.id)
            self.delete_report(old.id or 0)
        return len(dead)

    def delete_report(self, report_id: int) -> None:
        """Vectors first, then SQL: if we die in between, the report is still listed and removable again."""
        self.vectors.delete_report(report_id)
        with self.session() as s:
            row = s.get(ReportRow, report_id)
            digest = row.content_hash if row is not None else ""
            for table in (FigureRow, ChunkRow, SectionRow):
                s.exec(delete(table).where(col(table.report_id) == report_id))
            s.exec(delete(ReportRow).where(col(ReportRow.id) == report_id))
            s.commit()
            kept = digest and s.exec(select(ReportRow.id).where(ReportRow.content_hash == digest)).first() is not None
        if digest and not kept:  # the original file goes with the last report made from it
            self.originals.delete(digest)

    def ready_reports(self) -> list[ReportRow]:
        with self.session() as s:
            return list(s.exec(select(ReportRow).where(ReportRow.status == "ready").order_by(col(ReportRow.id))).all())

    def db_path(self) -> Path | None:
        return self.settings.sqlite_path if not self.settings.database_url else None
