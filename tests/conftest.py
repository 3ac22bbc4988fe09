"""Shared fixtures: a knowledge base on a temp dir with the fake embedder, and the ../shared corpus."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.embeddings import FakeEmbedder
from knowledge.service import KnowledgeBase
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "samples" / "2025_临江经济技术开发区_工作报告.txt"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; in CI its absence is a failure, locally a skip with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: these tests need ../shared beside the checkout"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# What a developer's shell or .env may hold that must not reach a test: a model key there would switch a unit
# test onto a real model, a data dir would point it at real data.
DEVELOPER_SETTINGS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "EMBEDDING_API_KEY", "EMBEDDING_BASE_URL",
                      "EMBEDDING_MODEL", "REPORTBOT_EMBEDDER", "REPORTBOT_DATA_DIR", "DATABASE_URL", "CHROMA_URL",
                      "TELEGRAM_BOT_TOKEN", "REPORTBOT_PROMPTS_DIR")


@pytest.fixture(autouse=True)
def without_developer_settings(tmp_path_factory, monkeypatch):
    """Every test, and every process it starts, runs in an empty folder (no .env) without model settings."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    for var in DEVELOPER_SETTINGS:
        monkeypatch.delenv(var, raising=False)


CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def needs_debian(package: str, present: bool) -> None:
    """A test that needs a Debian package .ci/run installs: a failure in CI when it is missing, elsewhere a skip."""
    if not present:
        message = f"needs the Debian package {package} (apt-get install {package}; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def cjk_font() -> Path:
    needs_debian("fonts-wqy-zenhei", CJK_FONT.exists())
    return CJK_FONT


# Server mode: the same suite against PostgreSQL and a Chroma server (.ci/run sets these on its second pass).
TEST_DATABASE_URL = os.environ.get("REPORTBOT_TEST_DATABASE_URL", "")
TEST_CHROMA_URL = os.environ.get("REPORTBOT_TEST_CHROMA_URL", "")


def new_store_space(tmp_path: Path) -> tuple[dict, Callable[[], None]]:
    """Settings for one test's own stores: files under tmp_path, or a fresh PostgreSQL schema and Chroma collection."""
    name = "t" + uuid.uuid4().hex[:12]
    config = {"data_dir": tmp_path / "data", "database_url": "", "chroma_url": TEST_CHROMA_URL,
              "chroma_collection": f"chunks_{name}"}
    cleanups: list[Callable[[], None]] = []
    if TEST_DATABASE_URL:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(TEST_DATABASE_URL)
        conninfo = f"host={url.host} port={url.port or 5432} dbname={url.database} user={url.username or 'postgres'}"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        sep = "&" if "?" in TEST_DATABASE_URL else "?"
        config["database_url"] = f"{TEST_DATABASE_URL}{sep}options=-csearch_path%3D{name}"

        def drop_schema() -> None:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

        cleanups.append(drop_schema)
    if TEST_CHROMA_URL:
        def drop_collection() -> None:
            from urllib.parse import urlparse

            import chromadb

            u = urlparse(TEST_CHROMA_URL)
            client = chromadb.HttpClient(host=u.hostname, port=u.port)
            for name in (config["chroma_collection"], config["chroma_collection"] + "_terms"):
                try:
                    client.delete_collection(name)
                except Exception:  # never created by this test
                    pass

        cleanups.append(drop_collection)

    def cleanup() -> None:
        for fn in cleanups:
            fn()

    return config, cleanup


def store_env(config: dict) -> dict[str, str]:
    """The same stores as environment variables, for tests that run `reportbot` as a process."""
    return {"REPORTBOT_DATA_DIR": str(config["data_dir"]), "DATABASE_URL": config["database_url"],
            "CHROMA_URL": config["chroma_url"], "CHROMA_COLLECTION": config["chroma_collection"]}


@pytest.fixture
def store_config(tmp_path: Path):
    config, cleanup = new_store_space(tmp_path)
    yield config
    cleanup()


@pytest.fixture
def settings(store_config: dict) -> Settings:
    return Settings(embedder="fake", **store_config)


@pytest.fixture
def kb(settings: Settings) -> KnowledgeBase:
    return KnowledgeBase(settings, embedder=FakeEmbedder())


@pytest.fixture
def sample_kb(kb: KnowledgeBase) -> KnowledgeBase:
    res = kb.ingest_file(SAMPLE)
    assert res.status == "added", res.error
    return kb


@pytest.fixture
def reports_dir() -> Path:
    return shared_path("reports")
