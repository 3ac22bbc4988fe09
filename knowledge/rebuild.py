"""Re-embed every indexed chunk with the configured embedder (after changing REPORTBOT_EMBEDDER)."""

from __future__ import annotations

import logging

from sqlmodel import col, select

from .embeddings import get_embedder
from .retrieval import CorpusIndex
from .service import embed_stored_chunks
from .settings import Settings
from .store import ChunkRow, IndexMetaRow, ReportRow, Stores

log = logging.getLogger(__name__)


def rebuild(settings: Settings, batch: int = 64) -> int:
    """Drop the vectors and embed all chunks, terms and figure sentences again; SQL (reports, chunks, figures) is
    kept as it is."""
    embedder = get_embedder(settings)
    stores = Stores(settings, embedder.name, embedder.dim, check_embedder=False)
    stores.reset_vectors()
    with stores.session() as s:
        reports = {r.id or 0: r for r in s.exec(select(ReportRow).where(ReportRow.status == "ready")).all()}
        rows = [r for r in s.exec(select(ChunkRow).order_by(col(ChunkRow.id))).all() if r.report_id in reports]
    log.info("re-embedding %d chunks with %s", len(rows), embedder.name)
    embed_stored_chunks(stores, embedder, rows, {rid: r.title for rid, r in reports.items()}, batch)
    stores.set_embedder(embedder.name, embedder.dim)
    # the vocabulary's terms and the figures' sentences too, now, not at the first question of every process
    CorpusIndex(stores, embedder).refresh()
    with stores.session() as s:  # other processes reload their in-memory index
        row = s.get(IndexMetaRow, "generation")
        s.merge(IndexMetaRow(key="generation", value=str(int(row.value) + 1 if row else 1)))
        s.commit()
    return len(rows)
