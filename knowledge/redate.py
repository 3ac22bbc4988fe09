"""Date again the figures of reports indexed by an earlier version, when figures.DATING changed: whether a figure
is an actual or a target, its year, and the span of years a total covers are read from the passages around it,
which the database keeps, so an upgrade brings the better reading to every report without ingesting it again."""

from __future__ import annotations

import json
import logging
from itertools import groupby

from sqlmodel import col, select

from .figures import DATING, extract_figures
from .store import ChunkRow, FigureRow, IndexMetaRow, ReportRow, Stores
from .types import Chunk, ReportMeta

log = logging.getLogger(__name__)

KEY = "figure_dating"


def redate_figures(stores: Stores) -> int:
    """Bring every ready report's figures to the current dating; the number of figures changed. A passage whose
    figures no longer read as stored (an older extractor) keeps them as they are."""
    with stores.session() as s:
        row = s.get(IndexMetaRow, KEY)
        if row and row.value == str(DATING):
            return 0
        changed = 0
        for report in s.exec(select(ReportRow).where(ReportRow.status == "ready")).all():
            changed += _redate_report(s, report)
        s.merge(IndexMetaRow(key=KEY, value=str(DATING)))
        s.commit()
    if changed:
        log.info("dated %d figures again (figure dating %d)", changed, DATING)
    return changed


def _redate_report(s, report: ReportRow) -> int:
    rows = s.exec(select(ChunkRow).where(ChunkRow.report_id == report.id).order_by(col(ChunkRow.idx))).all()
    # a table's figures come from its rows, which are not kept: its passage stays in place (for the parts' order)
    # but gives no figures here, and its stored figures are left alone
    tables = {c.idx for c in rows if c.table_caption}
    chunks = [Chunk(idx=c.idx, section_idx=c.section_idx, section_path=json.loads(c.section_path),
                    text="" if c.idx in tables else c.text) for c in rows]
    meta = ReportMeta(title=report.title, issuer=report.issuer, kind=report.kind, year=report.year,
                      review_year=report.review_year, plan_year=report.plan_year)
    fresh = {k: list(g) for k, g in groupby(extract_figures(chunks, meta), key=lambda f: f.chunk_idx)}
    stored = s.exec(select(FigureRow).where(FigureRow.report_id == report.id)
                    .order_by(col(FigureRow.chunk_idx), col(FigureRow.id))).all()
    changed = 0
    for idx, group in groupby(stored, key=lambda f: f.chunk_idx):
        old, new = list(group), fresh.get(idx, [])
        if idx in tables or [(f.indicator, f.raw) for f in old] != [(f.indicator, f.raw) for f in new]:
            continue
        for row, f in zip(old, new, strict=True):
            if (row.type, row.year, row.period_start) != (f.type, f.year, f.period_start):
                row.type, row.year, row.period_start = f.type, f.year, f.period_start
                s.add(row)
                changed += 1
    return changed
