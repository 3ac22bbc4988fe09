"""Read again the figures of reports indexed by an earlier version, when figures.DATING changed: whether a figure
is an actual or a target, its year, and the span of years a total covers are read from the passages around it,
which the database keeps, so an upgrade brings the better reading to every report without ingesting it again. A
passage the extractor now reads other figures from ("5400多亿元", once missed) has its figures replaced."""

from __future__ import annotations

import json
import logging
from itertools import groupby

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col

from .figures import DATING, extract_figures
from .store import ChunkRow, FigureRow, IndexMetaRow, ReportRow, Stores, figure_row, schema_transaction
from .types import Chunk, ReportMeta

log = logging.getLogger(__name__)

KEY = "figure_dating"


def _current(conn: Connection) -> bool:
    value = conn.execute(select(col(IndexMetaRow.value)).where(col(IndexMetaRow.key) == KEY)).scalar()
    return value == str(DATING)


def redate_figures(stores: Stores) -> int:
    """Bring every ready report's figures to the current reading; the number of figures changed.

    One transaction under the lock that schema changes take, so two processes opening at once take turns and the
    second finds the work done; a failure half-way leaves every figure as it was. A passage whose figures read
    differently now (an older extractor) has them replaced; a table's, read from rows the database does not keep,
    are left as they are. Each report is read again under a savepoint: one another process removes meanwhile
    (PostgreSQL; SQLite's write lock makes them take turns) is skipped, and its removal may fail once, to be
    asked again."""
    with stores.engine.connect() as conn:
        if _current(conn):
            return 0
    changed = replaced = 0
    with schema_transaction(stores.engine) as conn:
        if _current(conn):
            return 0
        for report in conn.execute(select(ReportRow).where(col(ReportRow.status) == "ready")).all():
            try:
                with conn.begin_nested():  # a report removed meanwhile (PostgreSQL) fails alone, and is skipped
                    done, passages = _redate_report(conn, report)
            except (IntegrityError, OperationalError) as exc:
                log.warning("figures of report %s not read again (%s): removed meanwhile?", report.id, exc)
                continue
            changed, replaced = changed + done, replaced + passages
        if conn.execute(select(col(IndexMetaRow.key)).where(col(IndexMetaRow.key) == KEY)).scalar() is None:
            conn.execute(insert(IndexMetaRow).values(key=KEY, value=str(DATING)))
        else:
            conn.execute(update(IndexMetaRow).where(col(IndexMetaRow.key) == KEY).values(value=str(DATING)))
    if changed:
        log.info("read %d figures again (figure dating %d), %d passages' figures replaced", changed, DATING, replaced)
    return changed


def _redate_report(conn: Connection, report) -> tuple[int, int]:
    """(figures changed, passages whose figures were replaced) for one report."""
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
    by_chunk = {k: list(g) for k, g in groupby(stored, key=lambda f: f.chunk_idx)}
    changed = replaced = 0
    for idx in sorted((set(by_chunk) | set(fresh)) - tables):
        old, new = by_chunk.get(idx, []), fresh.get(idx, [])
        if [(f.indicator, f.raw) for f in old] != [(f.indicator, f.raw) for f in new]:
            # read differently now: the passage's figures are the fresh ones
            if old:
                conn.execute(delete(FigureRow).where(col(FigureRow.id).in_([f.id for f in old])))
            if new:
                conn.execute(insert(FigureRow), [figure_row(report.id, f) for f in new])
            changed += max(len(old), len(new))
            replaced += 1
            continue
        for row, f in zip(old, new, strict=True):
            if (row.type, row.year, row.period_start) != (f.type, f.year, f.period_start):
                conn.execute(update(FigureRow).where(col(FigureRow.id) == row.id)
                             .values(type=f.type, year=f.year, period_start=f.period_start))
                changed += 1
    if replaced:
        count = conn.execute(select(func.count()).select_from(FigureRow)
                             .where(col(FigureRow.report_id) == report.id)).scalar()
        conn.execute(update(ReportRow).where(col(ReportRow.id) == report.id).values(n_figures=count))
    return changed, replaced
