"""From a file to a ParsedReport: read, structure, chunk, extract figures. Pure: touches no store."""

from __future__ import annotations

import re
from pathlib import Path

from .figures import extract_figures
from .readers import read_file
from .structure import body_start, build_chunks, build_sections, detect_meta
from .types import ParsedReport


def report_stem(name: str) -> str:
    """File name without its extensions: "2026_四川省_政府工作报告.page.txt" → "2026_四川省_政府工作报告"."""
    return re.sub(r"(\.page)?\.(txt|md|docx|pdf|html?|csv)$", "", name, flags=re.I)


def parse_text(text: str, name: str, file_meta: dict[str, str] | None = None) -> ParsedReport:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    meta = detect_meta(lines, report_stem(name), file_meta or {})
    sections, paragraphs = build_sections(lines, body_start(lines))
    chunks = build_chunks(sections, paragraphs)
    used = {c.section_idx for c in chunks}
    sections = [s for s in sections if s.idx in used or s.idx == 0]
    return ParsedReport(meta=meta, sections=sections, chunks=chunks, figures=extract_figures(chunks, meta))


def parse_report(path: Path, data: bytes | None = None) -> ParsedReport:
    raw = read_file(path, data)
    return parse_text(raw.text, path.name, raw.meta)
