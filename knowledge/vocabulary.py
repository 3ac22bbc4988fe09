"""The reports' own vocabulary, embedded: a question's everyday words find the terms the reports write for
them by meaning ("找到工作" → 就业, "办公司" → 企业开办), not by a hand-written list.

The terms are the words the reports use more than once and their figures' indicators; each is embedded once
(the vectors live in Chroma beside the chunks, so replicas share them) and looked up per question only for
the concepts whose own words the reports do not hold.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

import numpy as np

from .lexical import STOPWORDS
from .query import GENERIC, QUESTION_VERBS, mentions_plan_or_result
from .textnorm import normalize_for_match

log = logging.getLogger(__name__)

_TERM = re.compile(r"[\u4e00-\u9fff]{2,8}")
# Hubness: a term near everything ("房地产" is near most short phrases in a small model's space) is worth
# less than one near only its meaning; scores are CSLS (2·cos − the mean of each side's nearest neighbours).
NEIGHBOURS = 10
# A match counts when its CSLS score is better than what an unrelated phrase gets by chance (CHANCE_QUANTILE
# of the best scores of the vocabulary's own terms once every term sharing a character with them is left
# out), and within MARGIN of the best match. scripts/calibrate_vocabulary.py checks the domain's standard short
# forms (固投 → 固定资产投资 …) against it: at the 85th percentile 13 of 28 find a full form (12 at the 90th),
# and the working question sets gain everyday words (用电 → 全社会用电量, 老人领的基础养老钱 → 城乡居民基础养老金)
# with no near-miss answered (docs/benchmarks.md, session 9).
CHANCE_QUANTILE = 85
CHANCE_SAMPLE = 1000
MARGIN = 0.02
MAX_MEANINGS = 3
MEANING_CREDIT = 0.85  # a term found by meaning counts a little less than the question's own words


def is_term(word: str) -> bool:
    """A word that can name what a report is about: Chinese, 2-8 characters, not a word of asking, of
    planning or reviewing (力争, 完成), or a stopword."""
    return bool(_TERM.fullmatch(word)) and word not in GENERIC and word not in QUESTION_VERBS \
        and word not in STOPWORDS and not mentions_plan_or_result(word)


def report_terms(chunk_tokens: Iterable[list[str]], indicators: Iterable[str]) -> list[str]:
    """The terms one report adds: words in two or more of its passages, and its figures' indicators."""
    seen: dict[str, int] = {}
    for tokens in chunk_tokens:
        for t in set(tokens):
            if is_term(t):
                seen[t] = seen.get(t, 0) + 1
    terms = {t for t, n in seen.items() if n >= 2}
    terms.update(norm for norm in (normalize_for_match(i) for i in indicators) if is_term(norm))
    return sorted(terms)


@dataclass
class Match:
    term: str
    score: float


class Vocabulary:
    """Terms and their unit vectors; `nearest` finds the terms that mean what a phrase means."""

    def __init__(self, terms: list[str], vectors: np.ndarray, calibrated: bool = True,
                 quantile: float = CHANCE_QUANTILE):
        """calibrated=False: no hubness or chance level (only `standout` is used, on lists of indicators); quantile:
        of the chance scores, the one a match must beat (see CHANCE_QUANTILE)."""
        self.terms = terms
        self.rows = {t: i for i, t in enumerate(terms)}
        self.matrix = _unit(vectors) if len(terms) else np.zeros((0, 1), dtype=np.float32)
        self.hub = self._hubness() if calibrated else np.zeros(len(terms), dtype=np.float32)
        self.min_score = self._chance_level(quantile) if calibrated else float("inf")

    def __len__(self) -> int:
        return len(self.terms)

    def _hubness(self) -> np.ndarray:
        """Each term's mean similarity to its nearest other terms (a sample of them, for speed)."""
        n = len(self.terms)
        if n <= NEIGHBOURS:
            return np.zeros(n, dtype=np.float32)
        sample = self.matrix[self._stable_sample(3000)]
        hub = np.empty(n, dtype=np.float32)
        for i in range(0, n, 2000):
            sims = self.matrix[i:i + 2000] @ sample.T
            top = np.partition(sims, -NEIGHBOURS - 1, axis=1)[:, -NEIGHBOURS - 1:-1]  # leave out itself
            hub[i:i + 2000] = top.mean(axis=1)
        return hub

    def _chance_level(self, quantile: float) -> float:
        """The quantile of the best score a term gets from terms sharing none of its characters."""
        n = len(self.terms)
        if n < 20:
            return float("inf")  # too few terms to tell a meaning from chance
        holding: dict[str, list[int]] = {}
        for i, term in enumerate(self.terms):
            for ch in set(term):
                holding.setdefault(ch, []).append(i)
        best: list[float] = []
        chosen = self._stable_sample(CHANCE_SAMPLE)
        for at in range(0, len(chosen), 256):  # a block of terms at a time, each as a phrase the vocabulary lacks
            rows = np.array(chosen[at:at + 256])
            sims = self.matrix[rows] @ self.matrix.T
            sims[np.arange(len(rows)), rows] = -np.inf
            own = np.partition(sims, -NEIGHBOURS, axis=1)[:, -NEIGHBOURS:].mean(axis=1)
            scores = 2 * sims - own[:, None] - self.hub[None, :]
            for r, i in enumerate(rows.tolist()):
                scores[r, [j for ch in set(self.terms[i]) for j in holding[ch]]] = -np.inf
            best.extend(scores.max(axis=1).tolist())
        return float(np.percentile(best, quantile))

    def _stable_sample(self, size: int) -> list[int]:
        """About size terms, chosen by a hash of their text: a term added or removed moves no other term in or
        out of the sample, so the calibration does not jump with every change of the vocabulary."""
        n = len(self.terms)
        if n <= size:
            return list(range(n))
        keys = np.array([zlib.crc32(t.encode("utf-8")) for t in self.terms], dtype=np.uint64)
        return np.sort(np.argsort(keys, kind="stable")[:size]).tolist()  # the terms of the smallest hashes

    def _scores(self, unit: np.ndarray, leave_out: int | None = None) -> np.ndarray:
        sims = self.matrix @ unit
        if leave_out is not None:
            sims[leave_out] = -np.inf
        own = float(np.sort(sims)[-NEIGHBOURS:].mean())
        return 2 * sims - own - self.hub

    def nearest(self, vector: np.ndarray, k: int = MAX_MEANINGS) -> list[Match]:
        """The terms closest in meaning to vector, CSLS-scored, best first."""
        if not len(self.terms) or self.matrix.shape[1] != len(vector):
            return []
        scores = self._scores(_unit(vector[None, :])[0])
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        return [Match(self.terms[i], float(scores[i])) for i in top[np.argsort(-scores[top])]]

    def meanings(self, *vectors: np.ndarray, usable: Callable[[str], bool] = lambda term: True) -> list[Match]:
        """The matches that count: better than chance and within MARGIN of the best usable term (one the reports
        in question write). Several vectors are readings of one phrase (its own words, and the words around
        it), each with its own best: a term any of them finds counts, at its best score."""
        best: dict[str, float] = {}
        for vector in vectors:
            # lazily: usable may search the index, and only the first MAX_MEANINGS usable terms are wanted
            found = list(islice((m for m in self.nearest(vector, MAX_MEANINGS * 4) if usable(m.term)), MAX_MEANINGS))
            if found and found[0].score >= self.min_score:
                for m in found:
                    if m.score >= max(self.min_score, found[0].score - MARGIN):
                        best[m.term] = max(best.get(m.term, -np.inf), m.score)
        return sorted((Match(t, s) for t, s in best.items()), key=lambda m: -m.score)

    def standout(self, vector: np.ndarray, candidates: Iterable[str], pool: Iterable[str]) -> list[Match]:
        """The candidates nearest the vector, best first, each scored by how far it stands out from the pool
        (the terms it is one of) in standard deviations of the pool's similarities; none when fewer than
        MIN_POOL of the pool's terms are in the vocabulary (too few to tell a meaning from chance)."""
        rows = sorted({self.rows[t] for t in pool if t in self.rows})
        chosen = sorted({self.rows[t] for t in candidates if t in self.rows})
        if len(rows) < MIN_POOL or not chosen or self.matrix.shape[1] != len(vector):
            return []
        unit = _unit(vector[None, :])[0]
        sims = self.matrix[rows] @ unit
        mean, spread = float(sims.mean()), float(sims.std()) or 1.0
        scored = [Match(self.terms[i], (float(self.matrix[i] @ unit) - mean) / spread) for i in chosen]
        return sorted(scored, key=lambda m: -m.score)


MIN_POOL = 20


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


# A figure's sentence is embedded as a passage (as the chunks are), once per text, in the terms' store under e5's own
# prefix for passages: the question's vector finds the sentence that states what it asks about, where the passage
# around it is about much else (retrieval.CorpusIndex.nearest_sentences).
SENTENCE_KEY = "passage: "


def load_sentences(sentences: list[str], stored: Callable[[list[str]], dict[str, np.ndarray]],
                   embed_documents: Callable[[list[str]], np.ndarray],
                   store: Callable[[list[str], np.ndarray], None]) -> Vocabulary:
    """The sentences' vectors (keyed SENTENCE_KEY + sentence), the missing ones embedded as passages and stored."""
    return load_vocabulary([SENTENCE_KEY + s for s in sentences], stored,
                           lambda keys: embed_documents([k[len(SENTENCE_KEY):] for k in keys]), store, batch=64,
                           calibrated=False, what="figure sentences")


# everyday.tsv's phrases are embedded as questions (they are how staff ask), in the terms' store under their own key.
# They are a thousand short phrases on neighbouring topics, so a match must beat a stricter chance level than the
# reports' terms': one an unrelated phrase reaches only once in twenty (托娃名额 → 托儿名额 passes, 辅助生殖技术纳入 →
# 参加医保 does not).
EVERYDAY_KEY = "everyday: "
EVERYDAY_QUANTILE = 95


def load_everyday(phrases: list[str], stored: Callable[[list[str]], dict[str, np.ndarray]],
                  embed: Callable[[list[str]], np.ndarray], store: Callable[[list[str], np.ndarray], None]) -> Vocabulary:
    """The everyday phrases' vocabulary (keyed EVERYDAY_KEY + phrase), the missing ones embedded and stored."""
    keyed = load_vocabulary([EVERYDAY_KEY + p for p in phrases], stored,
                            lambda keys: embed([k[len(EVERYDAY_KEY):] for k in keys]), store, calibrated=False,
                            what="everyday phrases")
    return Vocabulary([t[len(EVERYDAY_KEY):] for t in keyed.terms], keyed.matrix, quantile=EVERYDAY_QUANTILE)


def embed_missing(keys: list[str], stored: Callable[[list[str]], dict[str, np.ndarray]],
                  embed: Callable[[list[str]], np.ndarray], store: Callable[[list[str], np.ndarray], None],
                  batch: int = 256, what: str = "terms of the reports' vocabulary") -> dict[str, np.ndarray]:
    """The stored vectors of keys, with the missing ones embedded (a batch at a time) and stored."""
    have = stored(keys)
    missing = [t for t in keys if t not in have]
    if missing:
        log.info("embedding %d %s not in the vector store yet", len(missing), what)
        for i in range(0, len(missing), batch):
            part = missing[i:i + batch]
            vecs = embed(part)
            store(part, vecs)
            have.update(zip(part, vecs, strict=True))
    return have


def load_vocabulary(terms: list[str], stored: Callable[[list[str]], dict[str, np.ndarray]],
                    embed: Callable[[list[str]], np.ndarray], store: Callable[[list[str], np.ndarray], None],
                    batch: int = 256, calibrated: bool = True, what: str = "terms of the reports' vocabulary") -> Vocabulary:
    """The vocabulary of the given terms: vectors from the store, the missing ones embedded and stored
    (an index made before the vocabulary existed, or after `rebuild`)."""
    have = embed_missing(terms, stored, embed, store, batch, what)
    kept = [t for t in terms if t in have]
    vectors = np.stack([have[t] for t in kept]) if kept else np.zeros((0, 1), dtype=np.float32)
    return Vocabulary(kept, vectors, calibrated)
