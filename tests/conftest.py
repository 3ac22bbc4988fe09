"""Shared fixtures: a knowledge base on a temp dir with the fake embedder, and the ../shared corpus."""

from __future__ import annotations

import os
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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="fake", database_url="", chroma_url="")


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
