"""Original report files, kept so staff can get the file itself back: in the data dir (one machine) or in
the database (several replicas share it). Keyed by content hash: the same file sent twice is kept once."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel, col, delete, select

from .errors import ConfigurationError
from .settings import Settings

log = logging.getLogger(__name__)


class OriginalRow(SQLModel, table=True):
    __tablename__ = "originals"
    content_hash: str = Field(primary_key=True)
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Originals(Protocol):
    where: str  # "files" | "database" | "off", for people looking

    def put(self, content_hash: str, data: bytes) -> None: ...

    def get(self, content_hash: str) -> bytes | None: ...

    def has(self, content_hash: str) -> bool: ...

    def delete(self, content_hash: str) -> None: ...


class FileOriginals:
    """data_dir/originals/ab/abcdef…: written to a temporary name first, so a crash never leaves half a file."""

    where = "files"

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, content_hash: str) -> Path:
        if not content_hash.isalnum():
            raise ValueError("not a content hash")
        return self.folder / content_hash[:2] / content_hash

    def put(self, content_hash: str, data: bytes) -> None:
        path = self._path(content_hash)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, content_hash: str) -> bytes | None:
        path = self._path(content_hash)
        return path.read_bytes() if path.exists() else None

    def has(self, content_hash: str) -> bool:
        return self._path(content_hash).exists()

    def delete(self, content_hash: str) -> None:
        self._path(content_hash).unlink(missing_ok=True)


class DatabaseOriginals:
    """The originals table of the SQL store (PostgreSQL in server mode): every replica sees every file."""

    where = "database"

    def __init__(self, engine):
        self.engine = engine

    def _session(self):
        from sqlmodel import Session

        return Session(self.engine, expire_on_commit=False)

    def put(self, content_hash: str, data: bytes) -> None:
        from sqlalchemy.exc import IntegrityError

        with self._session() as s:
            if s.get(OriginalRow, content_hash) is not None:
                return
            s.add(OriginalRow(content_hash=content_hash, size=len(data), data=data))
            try:
                s.commit()
            except IntegrityError:  # another replica stored the same file a moment ago
                s.rollback()

    def get(self, content_hash: str) -> bytes | None:
        with self._session() as s:
            row = s.get(OriginalRow, content_hash)
            return bytes(row.data) if row is not None else None

    def has(self, content_hash: str) -> bool:
        with self._session() as s:
            return s.exec(select(OriginalRow.content_hash).where(OriginalRow.content_hash == content_hash)).first() is not None

    def delete(self, content_hash: str) -> None:
        with self._session() as s:
            s.exec(delete(OriginalRow).where(col(OriginalRow.content_hash) == content_hash))
            s.commit()


class NoOriginals:
    where = "off"

    def put(self, content_hash: str, data: bytes) -> None:
        return None

    def get(self, content_hash: str) -> bytes | None:
        return None

    def has(self, content_hash: str) -> bool:
        return False

    def delete(self, content_hash: str) -> None:
        return None


def open_originals(settings: Settings, engine) -> Originals:
    """The store REPORTBOT_ORIGINALS names; `auto` is the data dir, or the database when DATABASE_URL is set."""
    choice = settings.originals
    if choice == "auto":
        choice = "database" if settings.database_url else "files"
    if choice == "files":
        return FileOriginals(settings.data_dir / "originals")
    if choice == "database":
        return DatabaseOriginals(engine)
    if choice == "off":
        return NoOriginals()
    raise ConfigurationError(f"REPORTBOT_ORIGINALS must be auto, files, database or off, not {choice!r}")
