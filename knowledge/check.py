"""`reportbot check`: do SQL and Chroma agree? `--repair` makes them agree again."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, func, select

from .store import ChunkRow, ReportRow, Stores, replaced_versions


@dataclass
class CheckReport:
    reports: int = 0
    chunks: int = 0
    vectors: int = 0
    pending: list[int] = field(default_factory=list)  # reports an interrupted ingest left behind
    duplicates: list[int] = field(default_factory=list)  # older ready versions of a replaced file
    missing_vectors: list[str] = field(default_factory=list)  # chunks with no vector
    orphan_vectors: list[str] = field(default_factory=list)  # vectors with no chunk
    count_mismatch: list[int] = field(default_factory=list)  # reports whose chunk rows differ from n_chunks

    @property
    def ok(self) -> bool:
        return not (self.pending or self.duplicates or self.missing_vectors or self.orphan_vectors or self.count_mismatch)

    def lines(self) -> list[str]:
        out = [f"{self.reports} reports, {self.chunks} chunks in SQL, {self.vectors} vectors in Chroma"]
        for label, items in (("interrupted ingests (pending reports)", self.pending),
                             ("older versions of replaced files", self.duplicates),
                             ("chunks without a vector", self.missing_vectors),
                             ("vectors without a chunk", self.orphan_vectors),
                             ("reports whose chunk count is wrong", self.count_mismatch)):
            if items:
                shown = ", ".join(str(i) for i in items[:8]) + (" …" if len(items) > 8 else "")
                out.append(f"{label}: {len(items)} ({shown})")
        out.append("the stores agree" if self.ok else "the stores disagree: run `reportbot check --repair`")
        return out


def check(stores: Stores) -> CheckReport:
    rep = CheckReport()
    with stores.session() as s:
        reports = s.exec(select(ReportRow)).all()
        counts = dict(s.exec(select(ChunkRow.report_id, func.count()).group_by(col(ChunkRow.report_id))).all())
        ids = set(s.exec(select(ChunkRow.vector_id)).all())
    ready = [r for r in reports if r.status == "ready"]
    rep.reports, rep.chunks = len(ready), len(ids)
    rep.pending = [r.id or 0 for r in reports if r.status != "ready"]
    rep.duplicates = [r.id or 0 for r in replaced_versions(ready)]
    rep.count_mismatch = [r.id or 0 for r in ready if counts.get(r.id or 0, 0) != r.n_chunks]
    vector_ids = stores.vectors.all_ids()
    rep.vectors = len(vector_ids)
    rep.missing_vectors = sorted(ids - vector_ids)
    rep.orphan_vectors = sorted(vector_ids - ids)
    return rep


def repair(stores: Stores, embedder) -> CheckReport:
    """Remove what half-finished work left, re-embed chunks that lost their vectors; return a fresh check."""
    rep = check(stores)
    for rid in rep.pending + rep.duplicates + rep.count_mismatch:
        stores.delete_report(rid)
    if rep.orphan_vectors:
        stores.vectors.delete_ids(rep.orphan_vectors)
    embed_missing(stores, embedder, rep.missing_vectors)
    return check(stores)


def embed_missing(stores: Stores, embedder, vector_ids: list[str]) -> None:
    """Embed again, from SQL, the chunks with these vector ids (their vectors were lost)."""
    from .service import embed_stored_chunks

    if not vector_ids:
        return
    with stores.session() as s:
        titles = {r.id or 0: r.title for r in s.exec(select(ReportRow)).all()}
        rows = [row for i in range(0, len(vector_ids), 500)  # a whole index may be lost: SQL takes them in parts
                for row in s.exec(select(ChunkRow).where(col(ChunkRow.vector_id).in_(vector_ids[i:i + 500]))).all()]
    embed_stored_chunks(stores, embedder, rows, titles)
