"""Hybrid retrieval: BM25 over jieba tokens + dense (the vectors Chroma holds, searched in memory) + figure look-up,
fused by reciprocal rank."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import numpy as np
from sqlalchemy import select as columns
from sqlmodel import col, select

from . import matching
from .embeddings import Embedder
from .figures import review_heading
from .lexical import BM25, _get_jieba, tokenize
from .matching import (
    COUNTERS,
    NO_POSITIONS,
    PHYSICAL,
    asked_measure,
    asks_span,
    concept_credits,
    concept_overlap,
    concept_weight_list,
    indicator_fit,
    latest_years,
    measure_stated,
    of_years,
    own_relative_years,
    span_fit,
    unasked_scope,
    union_positions,
    wanted_years,
)
from .query import EVERYDAY, SYNONYMS, Concept, QueryInfo, issuer_aliases
from .store import ChunkRow, FigureRow, IndexMetaRow, ReportRow, Stores
from .structure import END_MATTER
from .textnorm import normalize_for_match, with_asides_read_through
from .vocabulary import (
    EVERYDAY_KEY,
    MAX_MEANINGS,
    MEANING_CREDIT,
    SENTENCE_KEY,
    Vocabulary,
    is_term,
    load_everyday,
    load_sentences,
    load_vocabulary,
)

log = logging.getLogger(__name__)

RRF_K = 60
END_MATTER_WEIGHT = 0.6
MAX_FIGURES_SCORED = 400
CANDIDATES = 60
REVIEW_WEIGHT = 0.8


def _runs(report_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Each report's runs [first, last) in a list ordered by report (one run each, unless rows interleave)."""
    runs: dict[int, list[tuple[int, int]]] = {}
    for i, rid in enumerate(report_ids):
        mine = runs.setdefault(rid, [])
        if mine and mine[-1][1] == i:
            mine[-1] = (mine[-1][0], i + 1)
        else:
            mine.append((i, i + 1))
    return runs


class TextIndex:
    """Which of many short texts contain a string, without scanning them: every adjacent character pair of
    every text, sorted, so a lookup is a binary search per pair of the string and an intersection of the
    texts holding each (then the rare candidates of a longer string are checked). Each (pair, text) is one
    uint64: 21 bits per character, 22 for the text's position."""

    _TEXT_BITS = 22

    def __init__(self, texts: list[str]):
        if len(texts) >= 1 << self._TEXT_BITS:
            raise ValueError(f"TextIndex holds at most {1 << self._TEXT_BITS} texts")
        self.texts = texts
        codes = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        owner = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)[: max(len(codes) - 1, 0)]
        first, second = codes[:-1], codes[1:]
        inside = (first != 0) & (second != 0)  # not across the separator between two texts
        keys = np.sort((first[inside] << np.uint64(43)) | (second[inside] << np.uint64(self._TEXT_BITS)) | owner[inside])
        self.keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys

    def _holding_pair(self, a: str, b: str) -> np.ndarray:
        base = (ord(a) << 43) | (ord(b) << self._TEXT_BITS)
        lo, hi = np.searchsorted(self.keys, np.array([base, base + (1 << self._TEXT_BITS)], dtype=np.uint64))
        return (self.keys[lo:hi] & np.uint64((1 << self._TEXT_BITS) - 1)).astype(np.int64)

    def containing(self, sub: str, spans: list[tuple[int, int]] | None = None) -> np.ndarray:
        """Positions (sorted) of the texts that contain sub; spans, when given, keeps only those runs of
        texts [first, last) (one report's, say)."""
        if not sub:
            return NO_POSITIONS
        if len(sub) == 1:
            found = np.array([i for i, t in enumerate(self.texts) if sub in t], dtype=np.int64)
        else:
            lists = sorted((self._holding_pair(sub[i], sub[i + 1]) for i in range(len(sub) - 1)), key=len)
            found = lists[0]
            for other in lists[1:]:
                if not len(found):
                    break
                found = np.intersect1d(found, other, assume_unique=True)
            if len(sub) > 2 and len(found):  # every pair present, but maybe not in a row
                found = np.array([i for i in found.tolist() if sub in self.texts[i]], dtype=np.int64)
        if spans is not None and len(found):
            found = np.concatenate([found[np.searchsorted(found, a):np.searchsorted(found, b)] for a, b in spans] or [NO_POSITIONS])
        return found


@dataclass(slots=True)
class ChunkRef:
    vector_id: str
    report_id: int
    idx: int
    section_path: list[str]
    text: str
    page: int | None = None  # where it sits in its file (readers): page, OCR confidence, table caption
    ocr_confidence: float | None = None
    table: str = ""


@dataclass(slots=True)
class FigureRef:
    """A figure as retrieval holds it in memory: the FigureRow's columns, without ORM bookkeeping."""

    id: int
    report_id: int
    chunk_idx: int
    indicator: str
    value: float
    value_high: float | None
    raw: str
    unit: str
    kind: str
    qualifier: str
    year: int | None
    type: str
    section_path: str
    sentence: str
    period_start: int | None = None


FIGURE_COLUMNS = [getattr(FigureRow, name) for name in FigureRef.__slots__]


@dataclass
class Plan:
    """One question's report priors and rankings, so the dense ranking can be added without redoing them."""

    priors: dict[int, float]
    mask: np.ndarray
    orders: dict[str, list[int]]
    boosts: dict[int, float] = field(default_factory=dict)  # chunk -> how its report, headings and figures fit
    quotes: dict[str, tuple[str, float, float]] = field(default_factory=dict)  # chunk -> quote, score, coverage
    dense_weight: float = 1.0  # more when the question's words found nothing that covers it
    meant: dict[int, str] = field(default_factory=dict)  # chunk -> its figure sentence nearest the question


@dataclass(frozen=True)
class FigureSentences:
    """The figures' sentences, embedded once per text (matrix); per (chunk, sentence) pair, sorted by chunk: the
    text, its row in the matrix and the chunk's index."""

    matrix: np.ndarray
    text: list[str]
    row: np.ndarray
    chunk: np.ndarray

    @classmethod
    def empty(cls) -> FigureSentences:
        return cls(np.zeros((0, 1), dtype=np.float32), [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def figure_chunk_id(f: FigureRef) -> str:
    """The vector id of the chunk a figure stands in."""
    return f"r{f.report_id}-c{f.chunk_idx}"


NOT_RANKED = 10**6  # a passage of a report that does not fit the years asked: no rank among those that do


@dataclass
class Hit:
    chunk: ChunkRef
    score: float
    report: ReportRow
    parts: dict[str, int] = field(default_factory=dict)  # rank in each retriever, for debugging
    figures: list[FigureRef] = field(default_factory=list)
    meant: str = ""  # its figure sentence nearest the question in meaning (nearest_sentences)


class CorpusIndex:
    """Everything retrieval needs in memory, rebuilt from SQL when another ingest or removal has happened."""

    def __init__(self, stores: Stores, embedder: Embedder | None = None):
        self.stores = stores
        self.embedder = embedder
        self.vocabulary = Vocabulary([], np.zeros((0, 1), dtype=np.float32))
        self.indicators = Vocabulary([], np.zeros((0, 1), dtype=np.float32))  # every figure's indicator, embedded
        self.everyday = Vocabulary([], np.zeros((0, 1), dtype=np.float32))  # everyday.tsv's phrases, embedded
        self.generation = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self.reports: dict[int, ReportRow] = {}
        self.chunks: list[ChunkRef] = []
        self.by_vector_id: dict[str, int] = {}
        self.chunk_report = np.zeros(0, dtype=np.int32)
        self.bm25 = BM25([])
        self.figures_by_chunk: dict[tuple[int, int], list[FigureRef]] = {}
        self.figures: list[FigureRef] = []
        self.figure_terms: list[str] = []
        self.figure_blob = TextIndex([])
        self.figure_report = np.zeros(0, dtype=np.int64)
        self.figure_spans: dict[int, list[tuple[int, int]]] = {}  # report id -> its runs [first, last) in self.figures
        self.target_years: dict[int, set[int]] = {}  # report id -> the years it sets targets for (2026, 2030 …)
        self.chunk_spans: dict[int, list[tuple[int, int]]] = {}  # the same in self.chunks
        self.chunk_blob = TextIndex([])
        self.heading_blob = TextIndex([])
        self.matrix = np.zeros((0, 1), dtype=np.float32)
        self.sentences = FigureSentences.empty()
        self._word_cache: dict[tuple[int, str], np.ndarray] = {}

    def current_generation(self) -> int:
        with self.stores.session() as s:
            row = s.get(IndexMetaRow, "generation")
            return int(row.value) if row else 0

    def _load_vectors(self, chunks: list[ChunkRef]) -> np.ndarray:
        """The chunk vectors from Chroma, row i for chunk i: dense search is one matrix product in memory.

        Chroma stays the store of record (and the server for several replicas); this copy only saves a
        round trip per question. A chunk whose vector is missing gets a zero row (`reportbot check`)."""
        if not chunks:
            return np.zeros((0, 1), dtype=np.float32)
        got = self.stores.vectors.get_vectors([c.vector_id for c in chunks])
        dim = len(next(iter(got.values()))) if got else 1
        matrix = np.zeros((len(chunks), dim), dtype=np.float32)
        for i, c in enumerate(chunks):
            v = got.get(c.vector_id)
            if v is not None:
                matrix[i] = v
        return matrix

    def _load_vocabulary(self, indicators: list[str]) -> Vocabulary:
        """The reports' terms (words in two or more passages, figure indicators, normalized) and their vectors."""
        if self.embedder is None or not self.embedder.meaningful:
            return Vocabulary([], np.zeros((0, 1), dtype=np.float32))
        embedder = self.embedder
        terms = {t for t, (docs, _) in self.bm25.postings.items() if len(docs) >= 2 and is_term(t)}
        terms.update(n for n in indicators if is_term(n))
        return load_vocabulary(sorted(terms), self.stores.vectors.term_vectors, embedder.embed_queries,
                               self.stores.vectors.add_terms)

    def _load_indicators(self, indicators: list[str]) -> Vocabulary:
        """Every figure's indicator (normalized) as the reports write it ("人均预期寿命", "新增普惠性托位"), with
        its vector (kept beside the vocabulary's: embedded once per indicator)."""
        if self.embedder is None or not self.embedder.meaningful:
            return Vocabulary([], np.zeros((0, 1), dtype=np.float32))
        names = {n for n in indicators if _NAMED.search(n)}
        return load_vocabulary(sorted(names), self.stores.vectors.term_vectors, self.embedder.embed_queries,
                               self.stores.vectors.add_terms, calibrated=False)

    def _load_everyday(self) -> Vocabulary:
        """The everyday phrases of everyday.tsv (找活干, 托儿名额, 东西涨价 …) and their vectors: a question's own
        wording is nearer in meaning to another everyday phrase than to the reports' formal terms."""
        if self.embedder is None or not self.embedder.meaningful:
            return Vocabulary([], np.zeros((0, 1), dtype=np.float32))
        if self.everyday.terms == sorted(EVERYDAY):  # the table, not the reports: kept from the last load
            return self.everyday
        return load_everyday(sorted(EVERYDAY), self.stores.vectors.term_vectors, self.embedder.embed_queries,
                             self.stores.vectors.add_terms)

    def term_keys(self) -> set[str]:
        """The keys of the term vectors this load uses: vocabulary terms, indicators, everyday phrases and figure
        sentences."""
        return {*self.vocabulary.terms, *self.indicators.terms, *(EVERYDAY_KEY + t for t in self.everyday.terms),
                *(SENTENCE_KEY + t for t in self.sentences.text)}

    def _load_sentences(self, figs: list[FigureRef]) -> FigureSentences:
        """The sentences stating the figures, each with the chunk holding it, and their vectors."""
        pairs = sorted({(ci, f.sentence) for f in figs if f.sentence
                        and (ci := self.by_vector_id.get(figure_chunk_id(f))) is not None})
        if self.embedder is None or not self.embedder.meaningful or not pairs:
            return FigureSentences.empty()
        vectors = load_sentences(sorted({s for _, s in pairs}), self.stores.vectors.term_vectors,
                                 self.embedder.embed_documents, self.stores.vectors.add_terms)
        pairs = [(ci, s) for ci, s in pairs if SENTENCE_KEY + s in vectors.rows]
        return FigureSentences(vectors.matrix, [s for _, s in pairs],
                               np.array([vectors.rows[SENTENCE_KEY + s] for _, s in pairs], dtype=np.int64),
                               np.array([ci for ci, _ in pairs], dtype=np.int64))

    def nearest_sentences(self, qvec: np.ndarray, mask: np.ndarray, n: int) -> tuple[list[int], dict[int, str]]:
        """The chunks (of those mask allows) ranked by their figure sentence nearest qvec, and that sentence."""
        said = self.sentences  # one load's, whole: a reload replaces it in one assignment
        if not len(said.row) or said.matrix.shape[1] != len(qvec) or len(mask) <= int(said.chunk[-1]):
            return [], {}
        scores = (said.matrix @ qvec.astype(np.float32))[said.row]  # each distinct sentence once, then per pair
        scores[~mask[said.chunk]] = -np.inf
        # pairs are sorted by chunk: each chunk's best sentence, then the n best chunks
        starts = np.flatnonzero(np.r_[True, said.chunk[1:] != said.chunk[:-1]])
        best = np.maximum.reduceat(scores, starts)
        n = min(n, int(np.isfinite(best).sum()))
        if n <= 0:
            return [], {}
        top = np.argpartition(-best, n - 1)[:n]
        top = top[np.argsort(-best[top], kind="stable")]
        order: list[int] = []
        meant: dict[int, str] = {}
        for c in top.tolist():
            first, last = starts[c], starts[c + 1] if c + 1 < len(starts) else len(scores)
            i = first + int(np.argmax(scores[first:last]))
            order.append(int(said.chunk[i]))
            meant[order[-1]] = said.text[i]
        return order, meant

    def dense(self, qvec: np.ndarray, mask: np.ndarray, n: int) -> list[int]:
        if not len(self.matrix) or self.matrix.shape[1] != len(qvec):
            return []
        scores = self.matrix @ qvec.astype(np.float32)
        scores[~mask] = -np.inf
        n = min(n, int(mask.sum()))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        return [int(i) for i in top[np.argsort(-scores[top])]]

    def figures_containing(self, word: str, reports: set[int] | None = None) -> np.ndarray:
        """Figures whose indicator or sentence contains word: in the given reports, and when they are many
        of all, also others (callers filter).

        A question naming a place scans only that place's reports; a scan of everything is remembered
        until the index changes."""
        return self._containing(self.figure_blob, self.figure_spans, word, reports)

    def chunks_containing(self, word: str, reports: set[int] | None = None) -> np.ndarray:
        """Chunks whose text, section path or report title contains word (like figures_containing)."""
        return union_positions([self._containing(self.chunk_blob, self.chunk_spans, word, reports),
                       self._containing(self.heading_blob, self.chunk_spans, word, reports)])

    def _containing(self, blob: TextIndex, spans: dict[int, list[tuple[int, int]]], word: str,
                    reports: set[int] | None) -> np.ndarray:
        runs = sorted(run for r in reports for run in spans.get(r, [])) if reports is not None else []
        if reports is not None and len(reports) * 4 < len(spans):
            return blob.containing(word, runs)
        key = (id(blob), word)  # the blobs live until the next load, which clears the cache
        hit = self._word_cache.get(key)
        if hit is None:
            hit = blob.containing(word)
            if len(self._word_cache) > 5000:
                self._word_cache.clear()
            self._word_cache[key] = hit
        if reports is None or not len(hit):
            return hit
        # most reports allowed: look everywhere, then keep the positions inside the allowed reports' runs
        if not runs:
            return hit[:0]
        starts = np.array([a for a, _ in runs])
        ends = np.array([b for _, b in runs])
        at = np.searchsorted(starts, hit, side="right") - 1
        return hit[(at >= 0) & (hit < ends[np.maximum(at, 0)])]

    def invalidate(self) -> None:
        """Look at SQL on the next refresh (this process just changed the index)."""
        self._checked_at = 0.0

    def refresh(self) -> None:
        """Reload when another ingest or removal happened (checked in SQL at most every half second)."""
        now = time.monotonic()
        if now - self._checked_at < 0.5 and self.generation >= 0:
            return
        self._checked_at = now
        gen = self.current_generation()
        if gen == self.generation:
            return
        with self._lock:
            if gen == self.generation:
                return
            self._load()
            self.generation = gen

    def _load(self) -> None:
        with self.stores.session() as s:
            reports = {r.id or 0: r for r in s.exec(select(ReportRow).where(ReportRow.status == "ready")).all()}
            ids = list(reports)
            # plain column tuples, not ORM objects: a thousand reports are ~100,000 chunks and figures
            chunk_columns: list[Any] = [col(c) for c in (ChunkRow.vector_id, ChunkRow.report_id, ChunkRow.idx, ChunkRow.section_path,
                                              ChunkRow.text, ChunkRow.tokens, ChunkRow.page, ChunkRow.ocr_confidence,
                                              ChunkRow.table_caption)]
            rows = s.connection().execute(columns(*chunk_columns).where(col(ChunkRow.report_id).in_(ids))
                                          .order_by(col(ChunkRow.id))).all() if ids else []
            figs = [FigureRef(*f) for f in s.connection().execute(
                columns(*FIGURE_COLUMNS).where(col(FigureRow.report_id).in_(ids))
                .order_by(col(FigureRow.report_id), col(FigureRow.chunk_idx), col(FigureRow.id))).all()] \
                if ids else []
        chunks = [ChunkRef(r[0], r[1], r[2], json.loads(r[3]), r[4], r[6], r[7], r[8] or "") for r in rows]
        self.bm25 = BM25([str(r[5]).split() for r in rows])
        del rows
        self.reports = reports
        self.chunks = chunks
        self.by_vector_id = {c.vector_id: i for i, c in enumerate(chunks)}
        self.chunk_report = np.array([c.report_id for c in chunks], dtype=np.int32)
        by_chunk: dict[tuple[int, int], list[FigureRef]] = {}
        for f in figs:
            by_chunk.setdefault((f.report_id, f.chunk_idx), []).append(f)
        self.figures_by_chunk = by_chunk
        self.figures = figs
        # what a figure is looked up by: its normalized indicator and the start of its sentence
        self.figure_blob = TextIndex([with_asides_read_through(normalize_for_match(f.indicator + " " + f.sentence[:80]))
                                      for f in figs])
        self.figure_terms = [normalize_for_match(f.indicator) for f in figs]  # aligned with self.figures
        self.figure_report = np.array([f.report_id for f in figs], dtype=np.int64)
        self.figure_spans = _runs([f.report_id for f in figs])
        self.target_years = {}
        for f in figs:
            if f.type == "target" and f.year:
                self.target_years.setdefault(f.report_id, set()).add(f.year)
        self.chunk_spans = _runs([c.report_id for c in chunks])
        self.chunk_blob = TextIndex([with_asides_read_through(normalize_for_match(c.text)) for c in chunks])
        # what else an answer's coverage counts: the passage's section path and its report's title
        self.heading_blob = TextIndex([normalize_for_match(" ".join(c.section_path) + " " + reports[c.report_id].title)
                                      for c in chunks])
        self.matrix = self._load_vectors(chunks)
        self.vocabulary = self._load_vocabulary(self.figure_terms)
        self.indicators = self._load_indicators(self.figure_terms)
        self.everyday = self._load_everyday()
        self.sentences = self._load_sentences(figs)
        self._word_cache = {}
        log.info("index loaded: %d reports, %d chunks, %d figures", len(reports), len(chunks), len(figs))


_NAMED = re.compile(r"[\u4e00-\u9fff]{2}")
# How far (in standard deviations of the similarities of every indicator the reports in question state) the
# indicator a question in other words means must stand out among those in the measure it asks (see
# HybridRetriever._measured_meanings); 0 switches the look-up off; MEASURED_MARGIN: how near the best the others it
# brings may be.
MEASURED_STANDOUT = 3.5
MEASURED_MARGIN = 0.3
# A figure question is also searched among the sentences stating figures, each embedded on its own: the one nearest
# the question is what a passage about much else states about it (answer.supported, answer.best_quote).
SENTENCES = True
SENTENCE_WEIGHT = 0.0  # its weight in the fused ranking: it supports a passage found, it reorders nothing
# A concept's meaning is looked up in its own words too, not only in the words around it (find_meanings): the
# frame of a formal question ("…固定资本投入同比增幅") drowns the meaning of the phrase in it.
OWN_READING = True
# A concept the reports asked about write, but never in a sentence stating a number in the measure asked (重庆's
# 智联电动车 beside "造了多少辆电动车", whose answer is 新能源汽车产量129.6万辆), has its meaning looked up as one they
# never write does: the words are there, the figure is not.
UNMEASURED_AS_UNWRITTEN = True
# A term found by meaning that the reports asked about do not write stands for the formal names of the same statistic
# they do write (synonyms.tsv): "对外货物贸易" means 对外贸易, which 安徽's report writes as 进出口总额.
NAMES_OF_A_MEANING = True
# A phrase no report in question writes may be written contracted, each of two words by its first character (扩大招生
# → 扩招, 高等职业 → 高职, 技术改造 → 技改), a contraction the general dictionary knows as a word at least this often
# (ablation switch)
CONTRACTIONS_READ = True
CONTRACTION_KNOWN = 20


# A concept's meaning is also looked up among the everyday phrases of everyday.tsv by meaning, not only by spelling
# (query.everyday_phrases; _everyday_meanings):
# "托娃名额" is near 托儿名额 (托位数), "财政花出去的钱" near 财政花钱 (一般公共预算支出)
EVERYDAY_BY_MEANING = True


def may_mean(term: str, phrase: str) -> bool:
    """Whether a term of the reports can be what a phrase of the question means: a word of the phrase itself
    (预算 of 国防预算) is a part of it, credited as such (matching.concept_credit), not its meaning, unless the
    phrase only glues a character to it (修水利, 集装箱干)."""
    return term not in phrase or len(phrase) - len(term) <= 1


# What names a rate: a phrase ending so (总和生育率, 城镇化率) means a rate, and one that does not, a count or an amount.
_A_RATE = re.compile(r"(?:率|比例|比重|占比)$")


def _same_kind(phrase: str, said: str, terms: list[str]) -> list[str]:
    """An everyday phrase's terms (said: the phrase, terms: what the reports write for it) that can mean the question's
    phrase by what it names: a rate asked takes a rate (城里人口 → 常住人口城镇化率, not 城镇常住人口) unless the
    everyday phrase is a rate itself (研发占比 → 研发投入强度); a count asked takes a count first (没工作 → 城镇
    新增就业 before 城镇调查失业率)."""
    if not _A_RATE.search(phrase):
        return sorted(terms, key=lambda t: bool(_A_RATE.search(t)))
    return terms if _A_RATE.search(said) else [t for t in terms if _A_RATE.search(t)]


def _usable_meaning(phrase: str, unit: str | None, names: Callable[[str], list[str]], term: str) -> bool:
    """A term that can be what the phrase means (see may_mean) and that the reports asked about write (names: what
    they write for it, itself or another formal name of the same statistic, SYNONYMS: 对外贸易 → 进出口总额); with
    unit, one they write with a number in it, and not the phrase written in a longer name (智联电动车 of 电动车)."""
    if unit is not None and phrase in term:
        return False
    return may_mean(term, phrase) and bool(names(term))


def report_priors(q: QueryInfo, reports: dict[int, ReportRow]) -> dict[int, float]:
    """How much each report fits the question's issuer and years: 0 rules a report out."""
    priors: dict[int, float] = {}
    wanted_issuers = set(q.issuers)
    # "2023年政府工作报告里…": that report, when it is in the index (of the place named, if any)
    named_report = bool(q.report_year) and any(
        r.year == q.report_year and (not wanted_issuers or r.issuer in wanted_issuers) for r in reports.values())
    for rid, r in reports.items():
        p = 1.0
        if wanted_issuers:
            if r.issuer not in wanted_issuers:
                p = 0.0
        elif q.text and any(a in q.text for a in issuer_aliases(r.issuer)):
            p = 1.0
        if p and q.kinds and not any(k in (r.kind or "") or k in r.title for k in q.kinds):
            p *= 0.3
        if p and q.report_year:
            p *= 1.0 if r.year == q.report_year else 0.0 if named_report else 0.2
        elif p and q.years:
            p *= _year_fit(q, r)
        elif p and q.relative in ("this", "next", "now"):
            p *= 1.0
        priors[rid] = p
    if wanted_issuers and q.years and not any(priors.values()):
        # the named years are in no report of that issuer: keep the issuer, let ranking decide
        for rid, r in reports.items():
            priors[rid] = 0.3 if r.issuer in wanted_issuers else 0.0
    if q.years and not any(priors.values()):
        priors = {rid: 1.0 for rid in reports}
    return priors


def _year_fit(q: QueryInfo, r: ReportRow) -> float:
    best = 0.0
    for y in q.years:
        if (q.intent == "target" or q.intent == "policy" and not q.asks_past) and r.plan_year == y:
            best = max(best, 1.0)  # "2025年…目标" / "2025年…要做哪些事": the report that plans 2025
        elif (q.intent == "actual" or q.intent == "policy" and q.asks_past) and r.review_year == y:
            best = max(best, 1.0)
        elif y in (r.review_year, r.plan_year):
            best = max(best, 0.85)
        elif r.year == y:
            best = max(best, 0.7)
    return best


# The vector's rank that supports an answer to a level asked for now counts among the issuer's latest report.
LATEST_FOR_NOW = True


class HybridRetriever:
    """Ranks chunks for a question; `retrieve` returns hits with their report and figures."""

    def __init__(self, index: CorpusIndex, stores: Stores, embedder: Embedder):
        self.index = index
        self.stores = stores
        self.embedder = embedder

    def find_meanings(self, q: QueryInfo) -> None:
        """Give each concept whose words the reports in question never use the terms they write for it
        (vocabulary.py), and search for those too; a concept with none is marked unmatched (the vector search
        may still support it, see answer.coverage). Places are names, not meanings: never replaced."""
        idx = self.index
        idx.refresh()
        allowed = {rid for rid, p in report_priors(q, idx.reports).items() if p > 0}
        unit = asked_measure(q) if UNMEASURED_AS_UNWRITTEN else None
        todo = [c for c in q.concepts if not c.place and not c.meanings
                and not any(self._written_with(f, allowed, unit) for f in c.norm_forms)]
        for concept in list(todo) if CONTRACTIONS_READ else ():
            short = self._contracted(concept, allowed, unit)
            if short:  # "扩大招生" is written 扩招: the words the question spells out, contracted
                concept.forms.append(short)
                concept.norm_forms.append(short)
                q.terms.extend(tokenize(short))
                todo.remove(concept)
        if not todo:
            return
        unmeasured = {id(c) for c in todo if unit is not None
                      and any(len(idx.chunks_containing(f, allowed)) for f in c.norm_forms)}
        for concept in todo:
            concept.foreign = not any(len(idx.chunks_containing(f)) for f in concept.norm_forms)
            # its words, or a part of them that is most of it (全省固定资产投资 → 固定资产投资)
            words = [*concept.norm_forms, *(p for p, _, n in concept.norm_parts if 2 * n >= len(concept.forms[0]))]
            writing = {idx.chunks[i].report_id for w in words for i in idx.chunks_containing(w)}
            concept.written_by = len(writing) / max(len(idx.reports), 1)
        if not len(idx.vocabulary):
            for concept in todo:
                concept.unmatched = id(concept) not in unmeasured
            return
        # one model call for the concepts and the question (its vector is the dense route's, kept for it). A
        # concept is read twice: in the words around it ("找到工作" where the concept is 找到) and in its own
        # (the frame around "固定资本投入同比增幅" drowns its meaning, 固定资产投资); each term keeps its best score
        readings = [[c.context or c.forms[0],
                     *([c.forms[0]] if OWN_READING and c.context and c.context.lower() != c.forms[0].lower() else [])]
                    for c in todo]
        vectors = self.embedder.embed_queries([*(t for texts in readings for t in texts), q.embedded])
        q.vector = vectors[-1]
        at = 0
        for concept, texts in zip(todo, readings, strict=True):
            read = vectors[at:at + len(texts)]
            at += len(texts)
            # a concept written, but not with the figure asked, means what the reports write with it
            written = unit if id(concept) in unmeasured else None
            phrase = concept.norm_forms[0]
            names = cache(partial(self._written_names, phrase, allowed, written))  # once per term
            usable = partial(_usable_meaning, phrase, written, names)
            found = [m.term for m in idx.vocabulary.meanings(*read, usable=usable)]
            if EVERYDAY_BY_MEANING and concept.foreign:
                found += self._everyday_meanings(q, concept, read, usable)
            concept.meanings = [(t, MEANING_CREDIT) for t in dict.fromkeys(w for term in found for w in names(term))]
            concept.unmatched = not concept.meanings and id(concept) not in unmeasured  # its words are written
            q.terms.extend(t for term, _ in concept.meanings for t in tokenize(term))
        # words the reports in question do not write, whether or not a term near in meaning was found: the
        # figure in the measure asked that they mean is the better evidence ("多少套房子": 安置房, not 小区)
        unmatched = [c for c in todo if c.unmatched or c.foreign or id(c) in unmeasured]
        measured = self._measured_meanings(q, allowed) if unmatched else []
        if measured:
            for concept in unmatched:
                concept.meanings = [(term, MEANING_CREDIT) for term in measured]
                concept.unmatched = False
            q.terms.extend(t for term in measured for t in tokenize(term))

    def _everyday_meanings(self, q: QueryInfo, concept: Concept, read: np.ndarray,
                           usable: Callable[[str], bool]) -> list[str]:
        """What a phrase no report writes means, by the everyday phrases nearest it in meaning (托娃名额 → 托儿名额):
        the first of each one's terms that the reports asked about write (usable). The phrase is the question's own
        wording; a concept other reports write (房地产开发投资) is the reports' own term, whose figure is missing.
        An everyday phrase holding the concept's whole says more than it (城里 is not 城里人口), and one holding
        another concept of the question is that one's meaning, read in the words around (参加医保 beside 医保)."""
        everyday = self.index.everyday
        if not len(everyday):
            return []
        phrase = concept.norm_forms[0]
        others = [f for c in q.concepts if c is not concept for f in c.norm_forms if len(f) >= 2]
        chosen: dict[str, str] = {}

        def fits(p: str) -> bool:
            if (phrase in p and phrase != p) or any(f in p for f in others):
                return False
            terms = _same_kind(phrase, p, [normalize_for_match(t) for t in EVERYDAY.get(p, [])])
            term = next((t for t in terms if usable(t)), None)
            if term is not None:
                chosen[p] = term
            return term is not None

        return [chosen[m.term] for m in everyday.meanings(*read, usable=fits)]

    def _contracted(self, concept: Concept, allowed: set[int], unit: str | None) -> str:
        """The concept's phrase with two adjacent two-character words contracted to their first characters (扩大招生
        → 扩招, 高等职业院校 → 高职院校), when the general dictionary knows the contraction as a word and the
        reports asked about write the contracted phrase; "" if none."""
        jieba = _get_jieba()
        words: list[str] = []
        for w in jieba.lcut(concept.norm_forms[0], HMM=False):  # a four-character word of two words is two
            halves = (w[:2], w[2:])
            words.extend(halves if len(w) == 4 and all(jieba.dt.FREQ.get(h) for h in halves) else [w])
        for i in range(len(words) - 1):
            a, b = words[i], words[i + 1]
            if len(a) == len(b) == 2 and jieba.dt.FREQ.get(a[0] + b[0], 0) >= CONTRACTION_KNOWN:
                short = "".join(words[:i]) + a[0] + b[0] + "".join(words[i + 2:])
                if self._written_with(short, allowed, unit):
                    return short
        return ""

    def _written_with(self, form: str, allowed: set[int], unit: str | None) -> bool:
        """Whether the reports in allowed write form (normalized); when a measure is asked, as (or beside) the
        indicator of a figure in it: 个 counts whatever is counted (所, 家, 台 …)."""
        idx = self.index
        if unit is None:
            return bool(len(idx.chunks_containing(form, allowed)))
        written = COUNTERS if unit == "个" else PHYSICAL.get(unit, unit)
        return any(idx.figures[i].report_id in allowed and measure_stated(written, idx.figures[i].raw)
                   for i in idx.figures_containing(form, allowed).tolist())

    def _written_names(self, phrase: str, allowed: set[int], unit: str | None, term: str) -> list[str]:
        """The names of what term means that the reports in allowed write: itself, else its formal synonyms."""
        if self._written_with(term, allowed, unit):
            return [term]
        if not NAMES_OF_A_MEANING:
            return []
        synonyms = (normalize_for_match(s) for s in SYNONYMS.get(term, [])[1:])
        return [s for s in synonyms if may_mean(s, phrase) and self._written_with(s, allowed, unit)]

    def _measured_meanings(self, q: QueryInfo, allowed: set[int]) -> list[str]:
        """For a question asking a number in a measure ("多少岁", "多少辆", "多少张床") in words no report writes:
        the indicator it means among the figures in that measure that the reports in question state for the
        years asked ("平均能活到多少岁" → 人均预期寿命, the one figure in 岁 of 山东's latest report), when that
        indicator stands out in meaning from every indicator those reports state (MEASURED_STANDOUT), with any
        as near as it (MEASURED_MARGIN: 养老床位 beside 家庭养老床位)."""
        unit = asked_measure(q)
        # money is the measure of most figures a report states: it narrows nothing; and the indicators of one
        # place's reports are few enough for one to stand out (of every report's, the best of many would by chance)
        if not MEASURED_STANDOUT or unit is None or unit == "元" or q.vector is None or not q.issuers:
            return []
        idx = self.index
        written = PHYSICAL.get(unit, unit)
        pool: list[str] = []
        candidates: list[str] = []
        for rid in allowed:
            years = wanted_years(q, idx.reports[rid])
            for first, last in idx.figure_spans.get(rid, []):
                pool.extend(idx.figure_terms[first:last])
                candidates.extend(idx.figure_terms[i] for i in range(first, last)
                                  if measure_stated(written, idx.figures[i].raw)
                                  and (not years or of_years(q, idx.figures[i], years)))
        found = idx.indicators.standout(q.vector, candidates, pool)
        if not found or found[0].score < MEASURED_STANDOUT:
            return []
        return [m.term for m in found[:MAX_MEANINGS] if m.score >= found[0].score - MEASURED_MARGIN]

    def prepare(self, q: QueryInfo) -> Plan:
        """The question's report priors and its lexical, figure and exact-number rankings (no vector yet)."""
        idx = self.index
        idx.refresh()
        priors = report_priors(q, idx.reports)
        allowed = [rid for rid, p in priors.items() if p > 0]
        mask = np.isin(idx.chunk_report, np.array(allowed, dtype=np.int32))
        lex = np.where(mask, idx.bm25.scores(q.terms, {t: 1.0 for t in q.terms}), 0.0)
        lex_order = [int(i) for i in np.argsort(-lex)[:CANDIDATES] if lex[i] > 0]
        exact: set[int] = set()
        for f in q.figure_strings:
            exact.update(idx.chunk_blob.containing(normalize_for_match(f)).tolist())
        return Plan(priors=priors, mask=mask, orders={
            "lexical": lex_order, "figures": self._figure_candidates(q, allowed),
            "exact": sorted(i for i in exact if mask[i])[:CANDIDATES]})

    def retrieve(self, q: QueryInfo, k: int = 8, use_dense: bool = True, plan: Plan | None = None) -> list[Hit]:
        """Chunks ranked by reciprocal-rank fusion of the lexical, dense, figure and exact-number rankings."""
        idx = self.index
        if not idx.chunks and plan is None:
            idx.refresh()
        if not idx.chunks:
            return []
        plan = plan or self.prepare(q)
        if use_dense and "dense" not in plan.orders:
            if q.vector is None:
                q.vector = self.embedder.embed_query(q.embedded)
            plan.orders["dense"] = idx.dense(q.vector, plan.mask, CANDIDATES)
            if SENTENCES and q.numeric:  # a figure asked: the sentences stating figures, nearest the question
                plan.orders["sentences"], plan.meant = idx.nearest_sentences(q.vector, plan.mask, CANDIDATES)
        weights = {"lexical": 1.0, "dense": plan.dense_weight, "figures": 1.2 if q.numeric else 0.8, "exact": 1.5,
                   "sentences": SENTENCE_WEIGHT}
        fused: dict[int, float] = {}
        parts: dict[int, dict[str, int]] = {}
        for name, order in plan.orders.items():
            if name in ("dense", "sentences") and not use_dense:
                continue
            for rank, ci in enumerate(order):
                if weights[name]:
                    fused[ci] = fused.get(ci, 0.0) + weights[name] / (RRF_K + rank + 1)
                parts.setdefault(ci, {})[name] = rank + 1
        fitting: set[int] | None = None
        if use_dense and q.years and plan.priors:
            # the vector knows no years: its rank among the passages of the reports that fit the years asked best
            # ("去年" = 2025: the 2026 report's review, not the 2025 report's) is what supports an answer
            best = max(plan.priors.values())
            fitting = {rid for rid, p in plan.priors.items() if p >= best}
        elif use_dense and LATEST_FOR_NOW and q.issuers and q.asks_now:
            # a level asked for now ("现在一共建了多少个") is the one the issuer's latest reports state (all of the
            # latest year, of the kind asked when one is: 统计公报 beside 政府工作报告)
            latest = latest_years(r for r in idx.reports.values() if r.issuer in q.issuers)
            newest = {rid for rid, r in idx.reports.items() if r.issuer in latest and (r.year or 0) == latest[r.issuer]}
            best = max((plan.priors.get(rid, 0.0) for rid in newest), default=0.0)
            fitting = {rid for rid in newest if plan.priors.get(rid, 0.0) >= best} if best > 0 else newest
        if fitting:
            for name in ("dense", "sentences"):
                rank = 0
                for ci in plan.orders.get(name, []):
                    fits = idx.chunks[ci].report_id in fitting
                    rank += fits
                    parts.setdefault(ci, {})[f"{name}_fit"] = rank if fits else NOT_RANKED
        scored = []
        headings: dict[tuple[str, ...], float] = {}
        for ci, score in fused.items():
            boost = plan.boosts.get(ci)
            if boost is None:
                boost = plan.boosts[ci] = self._boost(q, plan, ci, headings)
            if boost > 0:
                scored.append((score * boost, ci))
        scored.sort(key=lambda t: -t[0])
        hits = []
        for score, ci in scored[:k]:
            hit = self.hit(ci)
            hit.score, hit.parts = score, parts[ci]
            hit.meant = plan.meant.get(ci, "") if use_dense else ""
            hits.append(hit)
        return hits

    def _boost(self, q: QueryInfo, plan: Plan, ci: int, headings: dict[tuple[str, ...], float]) -> float:
        """How much a chunk's report, headings and figures fit the question (0: its report is ruled out)."""
        chunk = self.index.chunks[ci]
        prior = plan.priors.get(chunk.report_id, 0.0)
        if prior <= 0:
            return 0.0
        path = tuple(chunk.section_path)
        if path not in headings:  # many passages share a section
            headings[path] = _heading_match(q, chunk.section_path)
        boost = (0.5 + 0.5 * prior) * (1.0 + 0.15 * headings[path])
        if chunk.section_path and END_MATTER.match(chunk.section_path[0]):
            # a glossary entry says what a term means; the body says what is done about it
            boost *= 1 / END_MATTER_WEIGHT if q.asks_meaning else END_MATTER_WEIGHT
        if q.intent == "policy" and not q.asks_past and chunk.section_path and review_heading(chunk.section_path[0]):
            boost *= REVIEW_WEIGHT  # "2025年…有哪些安排" is answered where 2025 is planned, not where 2024 is reviewed
        figures = self.index.figures_by_chunk.get((chunk.report_id, chunk.idx), [])
        return boost * (1.0 + 0.3 * figure_fit(q, self.index.reports[chunk.report_id], figures))

    def hit(self, ci: int) -> Hit:
        chunk = self.index.chunks[ci]
        return Hit(chunk=chunk, score=0.0, report=self.index.reports[chunk.report_id], parts={},
                   figures=self.index.figures_by_chunk.get((chunk.report_id, chunk.idx), []))

    def _figure_candidates(self, q: QueryInfo, allowed: list[int]) -> list[int]:
        """Chunks holding figures whose indicator matches the question's concepts (and intent, year)."""
        if not q.numeric or not q.concepts:
            return []
        scored: dict[int, float] = {}
        for f, s in self.score_figures(q, allowed):
            ci = self.index.by_vector_id.get(figure_chunk_id(f))
            if ci is not None and s > scored.get(ci, 0.0):
                scored[ci] = s
        return [ci for ci, _ in sorted(scored.items(), key=lambda kv: -kv[1])[:CANDIDATES]]

    def score_figures(self, q: QueryInfo, allowed: list[int] | None = None) -> list[tuple[FigureRef, float]]:
        """Figures whose indicator or sentence names the question's concepts, scored, best first."""
        idx = self.index
        idx.refresh()
        if allowed is None:
            priors = report_priors(q, idx.reports)
            allowed = [rid for rid, p in priors.items() if p > 0]
        allowed_set = set(allowed)
        # every figure's share of the question's concepts at once; only the best few hundred get the full scoring
        # (a question naming no issuer touches every report)
        weights = concept_weight_list(q)
        overlap = concept_credits(q, weights, len(idx.figures), lambda word: idx.figures_containing(word, allowed_set))
        overlap /= sum(weights) or 1.0
        overlap[~np.isin(idx.figure_report, np.fromiter(allowed_set, dtype=np.int64, count=len(allowed_set)))] = 0.0
        some = np.flatnonzero(overlap)
        candidates = some[np.argsort(-overlap[some], kind="stable")][:MAX_FIGURES_SCORED].tolist()
        out: list[tuple[FigureRef, float]] = []
        for fi in candidates:
            f = idx.figures[fi]
            report = idx.reports[f.report_id]
            s = float(overlap[fi]) + 0.3 * indicator_fit(q, f.indicator)
            if q.intent == "target" and f.type == "target":
                s += 0.3
            elif q.intent == "actual" and f.type == "actual":
                s += 0.3
            if q.years and of_years(q, f, wanted_years(q, report)):
                s += 0.3
            elif not q.years and q.relative == "last" and report.review_year and of_years(q, f, {report.review_year}):
                s += 0.2
            if unasked_scope(q, f.indicator, f.sentence, f.raw):
                s -= 0.3
            s += 0.3 * span_fit(q, f)  # a five-year total: what "“十四五”期间…" asks, not "去年…"
            out.append((f, s))
        out.sort(key=lambda t: (-t[1], -(idx.reports[t[0].report_id].year or 0)))
        return out


def figure_fit(q: QueryInfo, report: ReportRow, figures: list[FigureRef]) -> float:
    """+1 when the passage states figures of the year and kind (actual/target) asked about, -1 when only others."""
    if not figures or not q.numeric:
        return 0.0
    years = wanted_years(q, report)
    want_type = q.intent if q.intent in ("actual", "target") else None
    fits = [(not years or of_years(q, f, years)) and (want_type is None or f.type == want_type) for f in figures]
    if any(fits) and asks_span(q) and matching.SPAN_FIGURES:  # "“十四五”期间…": a passage with a total over the years before one year's
        return 1.0 if any(fit and f.period_start is not None for f, fit in zip(figures, fits, strict=True)) else 0.0
    if any(fits):
        return 1.0
    # an older report's 去年 (its own review year) is not the year asked, but stays a candidate: when the year
    # asked has no figure, the answer offers it labelled with its year
    own = own_relative_years(q, report)
    if own and any(of_years(q, f, own) and (want_type is None or f.type == want_type) for f in figures):
        return 0.0
    return -1.0 if years or want_type else 0.0


def _heading_match(q: QueryInfo, path: list[str]) -> float:
    if not path:
        return 0.0
    return concept_overlap(q, " ".join(path))
