"""The knowledge service: the one object the CLI and the bot call to ingest, list, remove and ask."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from . import matching
from .answer import FOUND_THRESHOLD, build_answer
from .embeddings import Embedder, get_embedder
from .errors import ReportNotFound, UnreadableFile
from .figures import review_heading
from .followup import is_followup, resolve_followup
from .lexical import tokenize
from .matching import unasked_scope, unasked_span, weigh_concepts
from .parse import parse_report, report_stem
from .query import indicator_phrase, places, understand
from .readers import SUPPORTED_SUFFIXES, ReadLimits
from .redate import redate_figures
from .retrieval import CorpusIndex, HybridRetriever
from .settings import Settings, get_settings
from .store import (
    ChunkRow,
    FigureRow,
    IndexMetaRow,
    ReportRow,
    SectionRow,
    Stores,
    figure_row,
    this_owner,
    utcnow,
)
from .types import PATH_SEP, Answer, FigureHit, ParsedReport
from .vocabulary import SENTENCE_KEY, embed_missing, is_term, load_sentences, report_terms

log = logging.getLogger(__name__)

# progress(stage, done, total): stages are reading, ocr (page by page), structure, figures, embedding, saving, done
Progress = Callable[[str, int, int], None]


@dataclass
class IngestResult:
    source: str
    status: str  # added | replaced | unchanged | failed
    report_id: int | None = None
    title: str = ""
    sections: int = 0
    chunks: int = 0
    figures: int = 0
    chars: int = 0
    error: str = ""
    seconds: float = 0.0


@dataclass
class IngestSummary:
    results: list[IngestResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]


def embedding_text(title: str, path: list[str], text: str) -> str:
    """What is embedded for a chunk: a short header (report, top and nearest heading) and the text.

    The header lets "湖北2026年GDP目标" find a chunk that says only "经济增长5.5%左右".
    """
    heads = path[:1] + path[-1:] if len(path) > 1 else path
    header = " › ".join(h[:30] for h in heads)
    return f"{title}｜{header}\n{text}" if header else f"{title}\n{text}"


def _with_table(path: list[str], caption: str) -> list[str]:
    """A table's rows are embedded under its caption, the nearest heading a reader would see."""
    return [*path, caption] if caption else path


def chunk_metadata(report_id: int, idx: int, section_path: list[str]) -> dict:
    """What Chroma keeps beside a chunk's vector (the report filter, and the section for people looking)."""
    return {"report_id": report_id, "chunk_idx": idx, "section": PATH_SEP.join(section_path)[:500]}


def embed_stored_chunks(stores: Stores, embedder: Embedder, rows: list[ChunkRow], titles: dict[int, str],
                        batch: int = 64) -> None:
    """(Re-)embed chunks already in SQL and put their vectors in Chroma: `rebuild` and `check --repair`."""
    import numpy as np

    for i in range(0, len(rows), batch):
        part = rows[i:i + batch]
        paths = [json.loads(r.section_path) for r in part]
        texts = [embedding_text(titles.get(r.report_id, ""), _with_table(path, r.table_caption), r.text) for r, path in zip(part, paths, strict=True)]
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        stores.vectors.add([r.vector_id for r in part], vectors,
                           [chunk_metadata(r.report_id, r.idx, path) for r, path in zip(part, paths, strict=True)],
                           [r.text for r in part])


def safe_name(name: str) -> str:
    """The file name as stored and shown: no folders ("../"), no control characters, bounded length."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".") or "report.txt"
    return base[-120:]


SETTLED_COVERAGE = 0.9


def settled(q, ans: Answer) -> bool:
    """Whether an answer found from words and figures alone needs no vector search.

    A figure question: found, with a leading figure of the kind (actual/target) and year asked, quoted in
    the passage the answer leads with. Any other question: found, and that passage holds (nearly) every
    concept of the question; a vector can only add passages that say it in other words."""
    if not (ans.found and ans.citations):
        return False
    if not q.numeric:
        if q.asks_plan and review_heading(ans.citations[ans.lead].section.split(PATH_SEP)[0]):
            return False  # what is planned, answered from the review of last year: let the vector search try
        return ans.coverage >= SETTLED_COVERAGE
    if not ans.figures:
        return False
    f = ans.figures[0]
    if q.intent in ("actual", "target") and f.type != q.intent:
        return False
    if q.years and f.year not in q.years:
        return False
    if unasked_scope(q, f.indicator, f.quote, f.value) or unasked_span(q, f):
        return False
    return f.value in ans.citations[ans.lead].quote


def too_large(size: int, limit_mb: int) -> str:
    return f"文件有 {size / 1048576:.0f} MB，超过了 {limit_mb} MB 的上限。请拆分或压缩后重新发送"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iter_report_files(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and report files found under named folders (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


# When the question's words cover no passage (everyday wording), the vector ranking counts this much in the
# fusion (the words' ranking, 1.0, is then mostly noise).
WORDLESS_DENSE_WEIGHT = 2.0


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None, cleanup: bool = True):
        self.settings = settings or get_settings()
        self.embedder = embedder or get_embedder(self.settings)
        self.stores = Stores(self.settings, self.embedder.name, self.embedder.dim, cleanup=cleanup)
        # a vector index Chroma cannot read is made again on the first read; its vectors come back from SQL
        self.stores.vectors.on_lost = self.restore_lost_vectors
        if cleanup and redate_figures(self.stores):
            self._bump_generation_row()  # other processes on these stores load the figures again
        self.index = CorpusIndex(self.stores, self.embedder)
        self.retriever = HybridRetriever(self.index, self.stores, self.embedder)
        self._write_lock = threading.Lock()
        self._generator = None
        self._series = None

    def close(self) -> None:
        """Let go of the stores: with embedded Chroma, another process may open the data folder after this."""
        self.stores.close()

    def restore_lost_vectors(self) -> int:
        """Embed again the chunks that have no vector after the vector store lost them (its index could not be
        read and was made again, see store.VectorStore._read): those of ready reports and of this process's
        own ingest in progress; the database is the source of truth. Another live process's ingest is its own."""
        from .check import embed_missing

        me = this_owner()
        with self.stores.session() as s:
            own = {r.id for r in s.exec(select(ReportRow)).all() if r.status == "ready" or r.owner == me}
            ids = [v for v, rid in s.exec(select(ChunkRow.vector_id, ChunkRow.report_id)).all() if rid in own]
        missing = sorted(set(ids) - self.stores.vectors.all_ids())
        if missing:
            log.warning("re-embedding %d chunks whose vectors were lost", len(missing))
            embed_missing(self.stores, self.embedder, missing)
        return len(missing)

    # --- ingest -------------------------------------------------------------------------------

    def ingest_file(self, path: Path, data: bytes | None = None, name: str | None = None,
                    progress: Progress | None = None) -> IngestResult:
        """Ingest one report. Never raises for a bad file: the result says why, and the index is unchanged."""
        name = safe_name(name or path.name)
        started = time.perf_counter()
        report = progress or (lambda *_: None)
        try:
            if data is None:
                size = path.stat().st_size
                if size > self.settings.max_file_mb * 1024 * 1024:
                    raise UnreadableFile(too_large(size, self.settings.max_file_mb))
                data = path.read_bytes()
            elif len(data) > self.settings.max_file_mb * 1024 * 1024:
                raise UnreadableFile(too_large(len(data), self.settings.max_file_mb))
            digest = content_hash(data)
            with self.stores.session() as s:
                same = s.exec(select(ReportRow).where(ReportRow.content_hash == digest, ReportRow.status == "ready")).first()
            if same is not None:
                self._keep_original(digest, data)  # a report indexed before originals were kept gets its file now
                report("done", 1, 1)
                return IngestResult(source=name, status="unchanged", report_id=same.id, title=same.title,
                                    chunks=same.n_chunks, figures=same.n_figures, seconds=time.perf_counter() - started)
            report("reading", 0, 1)
            parsed = parse_report(Path(name), data, ReadLimits.from_settings(self.settings), report)
            report("structure", len(parsed.sections), len(parsed.sections))
            report("figures", len(parsed.figures), len(parsed.figures))
            if not parsed.chunks:
                raise UnreadableFile("文件里没有找到报告正文。请确认文件内容，或另存为 .docx 后重新发送")
            vectors = self._embed(parsed, report)
            tokens = [tokenize(" ".join([parsed.meta.title, *c.section_path, c.table, c.text])) for c in parsed.chunks]
            self._embed_terms(parsed, tokens)
            report("saving", 0, 1)
            self._keep_original(digest, data)
            result = self._save(name, digest, parsed, vectors, tokens)
        except UnreadableFile as exc:
            return IngestResult(source=name, status="failed", error=str(exc), seconds=time.perf_counter() - started)
        except Exception as exc:  # any other failure: report it, keep the index as it was
            log.exception("ingest of %s failed", name)
            return IngestResult(source=name, status="failed", error=f"内部错误（{type(exc).__name__}），详情见运行日志",
                                seconds=time.perf_counter() - started)
        result.seconds = time.perf_counter() - started
        report("done", 1, 1)
        return result

    def _embed(self, parsed: ParsedReport, report: Progress):
        import numpy as np

        texts = [embedding_text(parsed.meta.title, _with_table(c.section_path, c.table), c.text) for c in parsed.chunks]
        batch = max(1, self.settings.embed_batch)
        parts = []
        report("embedding", 0, len(texts))
        for i in range(0, len(texts), batch):
            parts.append(self.embedder.embed_documents(texts[i:i + batch]))
            report("embedding", min(i + batch, len(texts)), len(texts))
        return np.concatenate(parts) if parts else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def _embed_terms(self, parsed: ParsedReport, tokens: list[list[str]]) -> None:
        """Embed the report's vocabulary terms and its figures' sentences the index does not have yet
        (vocabulary.py), so that the next question does not wait for them."""
        if not self.embedder.meaningful:
            return
        embed_missing(report_terms(tokens, (f.indicator for f in parsed.figures)), self.stores.vectors.term_vectors,
                      self.embedder.embed_queries, self.stores.vectors.add_terms)
        # and the sentences stating its figures, as passages (retrieval.CorpusIndex.nearest_sentences)
        load_sentences(sorted({f.sentence for f in parsed.figures if f.sentence}), self.stores.vectors.term_vectors,
                       self.embedder.embed_documents, self.stores.vectors.add_terms)

    def _save(self, name: str, digest: str, parsed: ParsedReport, vectors, tokens: list[list[str]]) -> IngestResult:
        """pending row + chunks in SQL, then vectors, then ready; the old version of the file goes last."""
        meta = parsed.meta
        with self._write_lock:
            with self.stores.session() as s:
                same = s.exec(select(ReportRow).where(ReportRow.content_hash == digest, ReportRow.status == "ready")).first()
                if same is not None:  # another ingest of the same content finished while we were embedding
                    return IngestResult(source=name, status="unchanged", report_id=same.id, title=same.title,
                                        chunks=same.n_chunks, figures=same.n_figures)
                old = s.exec(select(ReportRow).where(ReportRow.source == name, ReportRow.status == "ready")).all()
                row = ReportRow(title=meta.title, issuer=meta.issuer, kind=meta.kind, year=meta.year,
                                review_year=meta.review_year, plan_year=meta.plan_year, source=name,
                                content_hash=digest, status="pending", owner=this_owner(), n_chunks=len(parsed.chunks),
                                n_figures=len(parsed.figures), n_chars=sum(len(c.text) for c in parsed.chunks))
                s.add(row)
                s.flush()
                assert row.id is not None
                rid: int = row.id
                for sec in parsed.sections:
                    s.add(SectionRow(report_id=rid, idx=sec.idx, level=sec.level, path=json.dumps(sec.path, ensure_ascii=False)))
                for c, chunk_tokens in zip(parsed.chunks, tokens, strict=True):
                    s.add(ChunkRow(report_id=rid, idx=c.idx, section_idx=c.section_idx,
                                   section_path=json.dumps(c.section_path, ensure_ascii=False), text=c.text,
                                   tokens=" ".join(chunk_tokens),
                                   vector_id=f"r{rid}-c{c.idx}", page=c.page, ocr_confidence=c.ocr_confidence,
                                   table_caption=c.table))
                for f in parsed.figures:
                    s.add(FigureRow(**figure_row(rid, f)))
                s.commit()
            try:
                self.stores.vectors.add(
                    ids=[f"r{rid}-c{c.idx}" for c in parsed.chunks], vectors=vectors,
                    metadatas=[chunk_metadata(rid, c.idx, c.section_path) for c in parsed.chunks],
                    documents=[c.text for c in parsed.chunks],
                )
                with self.stores.session() as s:
                    ready = s.get(ReportRow, rid)
                    assert ready is not None
                    row = ready
                    row.status = "ready"
                    row.ingested_at = utcnow()
                    s.add(row)
                    s.commit()
            except IntegrityError:
                # another process made the same content ready first (uq_reports_ready_content)
                self.stores.delete_report(rid)
                with self.stores.session() as s:
                    same = s.exec(select(ReportRow).where(ReportRow.content_hash == digest,
                                                          ReportRow.status == "ready")).first()
                return IngestResult(source=name, status="unchanged", report_id=same.id if same else None,
                                    title=same.title if same else meta.title)
            except BaseException:
                self.stores.delete_report(rid)
                raise
            for o in old:
                self.stores.delete_report(o.id or 0)
            self._bump_generation()
        return IngestResult(source=name, status="replaced" if old else "added", report_id=rid, title=meta.title,
                            sections=len(parsed.sections), chunks=len(parsed.chunks), figures=len(parsed.figures),
                            chars=sum(len(c.text) for c in parsed.chunks))

    def ingest_paths(self, paths: Iterable[Path], on_file: Callable[[Path, int, int], None] | None = None,
                     progress: Progress | None = None) -> IngestSummary:
        files = iter_report_files(paths)
        summary = IngestSummary()
        for i, f in enumerate(files):
            if on_file:
                on_file(f, i, len(files))
            if not f.exists():
                summary.results.append(IngestResult(source=f.name, status="failed", error="找不到这个文件"))
                continue
            summary.results.append(self.ingest_file(f, progress=progress))
        return summary

    def _bump_generation(self) -> None:
        self._bump_generation_row()
        self.index.invalidate()

    def _bump_generation_row(self) -> None:
        with self.stores.session() as s:
            row = s.get(IndexMetaRow, "generation")
            value = int(row.value) + 1 if row else 1
            s.merge(IndexMetaRow(key="generation", value=str(value)))
            s.commit()

    # --- catalogue ----------------------------------------------------------------------------

    def reports(self) -> list[ReportRow]:
        return self.stores.ready_reports()

    def find_report(self, ref: str) -> ReportRow:
        """A report by id, file name, file stem or a unique part of its title."""
        reports = self.reports()
        ref = ref.strip()
        for r in reports:
            if ref == str(r.id) or ref == r.source or ref == report_stem(r.source) or ref == r.title:
                return r
        matches = [r for r in reports if ref and (ref in r.title or ref in r.source)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ReportNotFound(f"没有找到与“{ref}”对应的已收录报告。请用 /reports（或 reportbot reports）查看编号")
        raise ReportNotFound(f"“{ref}”对应 {len(matches)} 份报告，请用编号指定其中一份："
                             + "；".join(f"{r.id}（{r.title}）" for r in matches[:8]))

    def remove(self, ref: str) -> ReportRow:
        report = self.find_report(ref)
        own = self._term_keys_of(report.id or 0)
        with self._write_lock:
            self.stores.delete_report(report.id or 0)
            self._bump_generation()
        try:
            self.prune_term_vectors(own)
        except Exception:  # the report is gone either way; its unused vectors only take room
            log.exception("the term vectors only the removed report used could not be deleted")
        return report

    def _term_keys_of(self, report_id: int) -> set[str]:
        """The keys of the term vectors a report may have added: its words, its figures' indicators and sentences."""
        with self.stores.session() as s:
            tokens = s.exec(select(ChunkRow.tokens).where(ChunkRow.report_id == report_id)).all()
            figures = s.exec(select(FigureRow.indicator, FigureRow.sentence).where(FigureRow.report_id == report_id)).all()
        words = {t for line in tokens for t in (line or "").split() if is_term(t)}
        words.update(report_terms([], (indicator for indicator, _ in figures)))
        return words | {SENTENCE_KEY + sentence for _, sentence in figures if sentence}

    def prune_term_vectors(self, candidates: set[str]) -> int:
        """Delete the term and sentence vectors among candidates that no report indexed uses any more (those only
        a removed report wrote); the number deleted. A word or sentence another report also writes is kept, and
        so is one a report being ingested meanwhile needs, unless it is among the removed report's own; such a
        one is embedded again when an index loads without it (vocabulary.embed_missing)."""
        if not self.embedder.meaningful:
            return 0  # no vocabulary is loaded without a model: nothing tells which vectors are in use
        self.index.refresh()
        return self.stores.vectors.delete_terms(sorted(candidates - self.index.term_keys()))

    # --- questions ----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the index, the tokenizers (jieba's part-of-speech tables take 0.3-0.6 s) and the model now, and
        take one question through every step, so that the first staff question is as quick as the rest."""
        self.index.refresh()
        tokenize("预热")
        self.embedder.embed_query("预热")
        self._extractive("今年地区生产总值增长目标是多少？")  # no model call: a configured LLM is not woken

    def issuers(self) -> list[str]:
        self.index.refresh()
        return sorted({r.issuer for r in self.index.reports.values() if r.issuer})

    @property
    def generator(self):
        """The checked LLM path, when a chat model is configured; None on the embedded default."""
        if self._generator is None and self.settings.llm_enabled:
            from .generate import Generator

            self._generator = Generator(self.settings)
        return self._generator

    def resolve(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> str:
        """A follow-up ("那去年呢？") as a standalone question, read with the chat's earlier turns (question,
        answer), oldest first: by the model when one is configured, else by rule."""
        if not history or not is_followup(question):
            return question
        if self.generator is not None:
            rewritten = self.generator.rewrite(question, list(history))
            if rewritten != question:
                return rewritten
        return resolve_followup(question, history[-1][0], self.issuers())

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """The one call for a question, one way through: a follow-up is read with the chat's history, then
        understood, retrieved, answered from the reports, and (with a model) generated and checked.
        on_token(text so far) gets the generated draft while it streams."""
        started = time.perf_counter()
        question = (question or "").strip()
        resolved = self.resolve(question, history) if question else question
        if not question:
            ans = Answer(question=question, answer="请输入一个问题，例如：“今年固投目标多少？”", found=False, mode="extractive")
        else:
            ans = self._extractive(resolved)
            if self.generator is not None and ans.citations:
                ans = self.generator.answer(resolved, ans, on_token)
                if ans.mode == "extractive" and ans.note:
                    ans.answer = f"（{ans.note}）\n{ans.answer}"
        ans.question = question
        ans.resolved = resolved if resolved != question else ""
        self.locate(ans)
        ans.latency_ms = (time.perf_counter() - started) * 1000
        return ans

    def _extractive(self, question: str) -> Answer:
        """The answer from the reports alone: the best figures or sentences first, then the citations.

        A question the words and the figure table settle is answered without a vector (the embedding is most
        of a question's time); anything else, and every refusal, waits for every route: words, figures and
        the vector search."""
        self.index.refresh()
        q = understand(question[:2000], self.issuers(), list(self.index.reports.values()))
        self.retriever.find_meanings(q)
        weigh_concepts(q, self.index.bm25)
        if (q.across or q.trend) and not q.compare:
            routed = self._series_answer(q)
            if routed is not None:
                return routed
        k = max(self.settings.top_k + 3, 8)
        plan = self.retriever.prepare(q)
        if q.concepts:
            quick = self._answer(q, self.retriever.retrieve(q, k, use_dense=False, plan=plan), plan, last_pass=False)
            if settled(q, quick):
                return quick
            if quick.coverage < FOUND_THRESHOLD:  # the words found no passage about it: the vector leads
                plan.dense_weight = WORDLESS_DENSE_WEIGHT
        return self._answer(q, self.retriever.retrieve(q, k, plan=plan), plan)

    def _series_answer(self, q) -> Answer | None:
        """A question across issuers ("各省2026年GDP增长目标", "河南和湖北…谁高", "哪些省份…在5%以上") or over
        the years ("湖南GDP这几年怎么变的") answered from the figure table, one citation per row; None when
        the table has nothing for it (the passages answer then)."""
        from .series import comparison_answer, trend_answer

        indicator = indicator_phrase(q)
        if len(indicator) < 2:
            return None
        if q.trend and len(places(q.issuers)) <= 1:
            trend = self.series.trend(indicator, q.issuers[0] if q.issuers else None)
            return trend_answer(q.original, trend) if trend.found else None
        if not q.across:
            return None
        year = q.years[0] if q.years else max((r.plan_year or 0 for r in self.index.reports.values()), default=0)
        comparison = self.series.compare(indicator, year, issuers=q.issuers if len(places(q.issuers)) >= 2 else None)
        if not comparison.found:
            return None
        ans = comparison_answer(q.original, comparison)
        ranked = [(row.issuer, cell) for row in comparison.rows for cell in row.cells[:1] if cell is not None]
        if q.threshold and ranked:
            op, bound, unit = q.threshold
            meets = [i for i, c in ranked if (c.value >= bound if op == "≥" else c.value <= bound)]
            ans.answer = (f"{'达到' if op == '≥' else '不超过'}{bound:g}{unit}的：{'、'.join(meets) or '没有'}"
                          f"（共{len(meets)}个）。\n{ans.answer}")
        elif len(ranked) >= 2:
            def middle(cell) -> float:  # a range ("5%—5.5%") ranks by its middle
                return (cell.value + (cell.value_high if cell.value_high is not None else cell.value)) / 2

            ranked.sort(key=lambda rc: -middle(rc[1]))
            (top, high), (bottom, low) = ranked[0], ranked[-1]
            if middle(high) == middle(low):
                ans.answer = f"{'、'.join(i for i, _ in ranked)}相同：{high.label}。\n{ans.answer}"
            else:
                ans.answer = f"最高的是{top}（{high.label}），最低的是{bottom}（{low.label}）。\n{ans.answer}"
        return ans

    def _answer(self, q, hits, plan, last_pass: bool = True) -> Answer:
        return build_answer(q, hits, self.settings.top_k, plan.quotes, self.index.reports.values(),
                            self.index.target_years, last_pass)

    def locate(self, ans: Answer) -> Answer:
        """Fill in where each cited passage sits in its file: page, OCR confidence, table caption (held by the
        in-memory index since it was loaded: no query per answer)."""
        for c in ans.citations:
            ci = self.index.by_vector_id.get(c.chunk_id)
            if ci is not None:
                chunk = self.index.chunks[ci]
                c.page, c.ocr_confidence, c.table = chunk.page, chunk.ocr_confidence, chunk.table
        return ans

    def find_figures(self, indicator: str, year: int | None = None, issuer: str | None = None,
                     ftype: str | None = None, limit: int = 10) -> list[FigureHit]:
        """Figures for a meeting look-up (/target 固投 2025 四川): best indicator match first."""
        text = " ".join(x for x in (issuer or "", f"{year}年" if year else "", indicator,
                                    "目标" if ftype == "target" else "") if x)
        q = understand(text, self.issuers())
        q.numeric = True
        if ftype in ("actual", "target"):
            q.intent = ftype
        weigh_concepts(q, self.index.bm25)
        scored = self.retriever.score_figures(q)
        hits: list[FigureHit] = []
        for f, _ in scored:
            if (year and (f.year != year or (f.period_start and matching.SPAN_FIGURES))) or (ftype and f.type != ftype):
                continue  # a five-year total is not the year's figure
            report = self.index.reports[f.report_id]
            hits.append(FigureHit(indicator=f.indicator, value=f.raw, unit=f.unit, kind=f.kind, qualifier=f.qualifier,
                                  year=f.year, type=f.type, section=PATH_SEP.join(json.loads(f.section_path)),
                                  quote=f.sentence, report=report.title, period_start=f.period_start))
            if len(hits) >= limit:
                break
        return hits

    # --- series, comparisons and originals ----------------------------------------------------------

    @property
    def series(self):
        """The figure series finder (knowledge.series) over this base's in-memory index."""
        from .series import SeriesFinder

        if self._series is None:
            self._series = SeriesFinder(self.index)
        return self._series

    def trend(self, indicator: str, issuer: str | None = None, kind: str | None = None, ftype: str | None = None):
        """An indicator's actual and target figures per year for one issuer (knowledge.series.Trend)."""
        return self.series.trend(indicator, issuer, kind=kind, ftype=ftype)

    def compare(self, indicator: str, year: int, ftype: str | None = None, kind: str | None = None):
        """Every issuer's figure of an indicator for one year (knowledge.series.Comparison)."""
        return self.series.compare(indicator, year, ftype=ftype, kind=kind)

    def find_reports(self, issuer: str | None = None, year: int | None = None) -> list[ReportRow]:
        """Indexed reports of an issuer (as staff write it: 四川, 广西) and/or of a year (delivered, reviewed or planned)."""
        from .query import issuer_aliases

        rows = self.reports()
        if issuer:
            rows = [r for r in rows if issuer == r.issuer or issuer in issuer_aliases(r.issuer) or issuer in r.title]
        if year:
            rows = [r for r in rows if year in (r.year, r.review_year, r.plan_year)]
        return rows

    def original(self, report_id: int) -> tuple[str, bytes] | None:
        """(file name, bytes) of the file a report was made from, when it was kept."""
        with self.stores.session() as s:
            row = s.get(ReportRow, report_id)
        if row is None or row.status != "ready":
            return None
        data = self.stores.originals.get(row.content_hash)
        return (row.source, data) if data is not None else None

    def _keep_original(self, digest: str, data: bytes) -> None:
        """Keep the file itself (REPORTBOT_ORIGINALS); the index never depends on it, so a failure is only logged."""
        try:
            if not self.stores.originals.has(digest):
                self.stores.originals.put(digest, data)
        except Exception:
            log.exception("could not keep the original file %s", digest[:12])
