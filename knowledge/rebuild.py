"""Re-embed every indexed chunk with the configured embedder (after changing REPORTBOT_EMBEDDER)."""

from __future__ import annotations

import json
import logging

import numpy as np
from sqlmodel import col, select

from .embeddings import get_embedder
from .service import embedding_text
from .settings import Settings
from .store import ChunkRow, IndexMetaRow, ReportRow, Stores

log = logging.getLogger(__name__)


def rebuild(settings: Settings, batch: int = 64) -> int:
    """Drop the vectors and embed all chunks again; SQL (reports, chunks, figures) is kept as it is."""
    embedder = get_embedder(settings)
    stores = Stores(settings, embedder.name, embedder.dim, check_embedder=False)
    stores.reset_vectors()
    with stores.session() as s:
        reports = {r.id: r for r in s.exec(select(ReportRow).where(ReportRow.status == "ready")).all()}
        rows = [r for r in s.exec(select(ChunkRow).order_by(col(ChunkRow.id))).all() if r.report_id in reports]
    log.info("re-embedding %d chunks with %s", len(rows), embedder.name)
    for i in range(0, len(rows), batch):
        part = rows[i:i + batch]
        texts = [embedding_text(reports[r.report_id].title, json.loads(r.section_path), r.text) for r in part]
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        stores.vectors.add([r.vector_id for r in part], vectors,
                           [{"report_id": r.report_id, "chunk_idx": r.idx} for r in part], [r.text for r in part])
    stores.set_embedder(embedder.name, embedder.dim)
    with stores.session() as s:  # other processes reload their in-memory index
        row = s.get(IndexMetaRow, "generation")
        s.merge(IndexMetaRow(key="generation", value=str(int(row.value) + 1 if row else 1)))
        s.commit()
    return len(rows)
