"""Date again the figures of reports indexed by an earlier version, when figures.DATING changed: whether a figure
is an actual or a target, its year, and the span of years a total covers are read from the passages around it,
which the database keeps, so an upgrade brings the better reading to every report without ingesting it again."""

from __future__ import annotations

import json
import logging
from itertools import groupby

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import col

from .figures import DATING, extract_figures
from .store import ChunkRow, FigureRow, IndexMetaRow, ReportRow, Stores, schema_transaction
from .types import Chunk, ReportMeta

log = logging.getLogger(__name__)

KEY = "figure_dating"


def _current(conn: Connection) -> bool:
    value = conn.execute(select(col(IndexMetaRow.value)).where(col(IndexMetaRow.key) == KEY)).scalar()
    return value == str(DATING)


def redate_figures(stores: Stores) -> int:
    """Bring every ready report's figures to the current dating; the number of figures changed.

    One transaction under the lock that schema changes take, so two processes opening at once take turns and the
    second finds the work done; a failure half-way leaves every figure as it was. Rows are updated by id, so a
    report another process removes meanwhile is no error. A passage whose figures no longer read as stored (an
    older extractor) keeps them as they are, and is counted in the log."""
    with stores.engine.connect() as conn:
        if _current(conn):
            return 0
    changed = skipped = 0
    with schema_transaction(stores.engine) as conn:
        if _current(conn):
            return 0
        for report in conn.execute(select(ReportRow).where(col(ReportRow.status) == "ready")).all():
            done, left = _redate_report(conn, report)
            changed, skipped = changed + done, skipped + left
        if conn.execute(select(col(IndexMetaRow.key)).where(col(IndexMetaRow.key) == KEY)).scalar() is None:
            conn.execute(insert(IndexMetaRow).values(key=KEY, value=str(DATING)))
        else:
            conn.execute(update(IndexMetaRow).where(col(IndexMetaRow.key) == KEY).values(value=str(DATING)))
    if changed or skipped:
        log.info("dated %d figures again (figure dating %d); %d passages read differently now kept theirs",
                 changed, DATING, skipped)
    return changed


def _redate_report(conn: Connection, report) -> tuple[int, int]:
    """(figures changed, passages left as they were) for one report."""
    rows = conn.execute(select(col(ChunkRow.idx), col(ChunkRow.section_idx), col(ChunkRow.section_path),
                               col(ChunkRow.text), col(ChunkRow.table_caption))
                        .where(col(ChunkRow.report_id) == report.id).order_by(col(ChunkRow.idx))).all()
    # a table's figures come from its rows, which are not kept: its passage stays in place (for the parts' order)
    # but gives no figures here, and its stored figures are left alone
    tables = {c.idx for c in rows if c.table_caption}
    chunks = [Chunk(idx=c.idx, section_idx=c.section_idx, section_path=json.loads(c.section_path),
                    text="" if c.idx in tables else c.text) for c in rows]
    meta = ReportMeta(title=report.title, issuer=report.issuer, kind=report.kind, year=report.year,
                      review_year=report.review_year, plan_year=report.plan_year)
    fresh = {k: list(g) for k, g in groupby(extract_figures(chunks, meta), key=lambda f: f.chunk_idx)}
    stored = conn.execute(select(col(FigureRow.id), col(FigureRow.chunk_idx), col(FigureRow.indicator),
                                 col(FigureRow.raw), col(FigureRow.type), col(FigureRow.year),
                                 col(FigureRow.period_start))
                          .where(col(FigureRow.report_id) == report.id)
                          .order_by(col(FigureRow.chunk_idx), col(FigureRow.id))).all()
    changed = skipped = 0
    for idx, group in groupby(stored, key=lambda f: f.chunk_idx):
        old, new = list(group), fresh.get(idx, [])
        if idx in tables:
            continue
        if [(f.indicator, f.raw) for f in old] != [(f.indicator, f.raw) for f in new]:
            skipped += 1
            continue
        for row, f in zip(old, new, strict=True):
            if (row.type, row.year, row.period_start) != (f.type, f.year, f.period_start):
                conn.execute(update(FigureRow).where(col(FigureRow.id) == row.id)
                             .values(type=f.type, year=f.year, period_start=f.period_start))
                changed += 1
    return changed, skipped
