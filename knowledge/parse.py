"""From a file to a ParsedReport: read, structure, chunk, extract figures. Pure: touches no store."""

from __future__ import annotations

import re
from pathlib import Path

from .figures import extract_figures
from .readers import Document, Progress, ReadLimits, read_file
from .readers.blocks import paragraphs
from .structure import TABLE_MARK, body_start, build_chunks, build_sections, detect_meta
from .types import ParsedReport

_SUFFIX = re.compile(r"(\.page)?\.(txt|md|docx?|wps|rtf|odt|pdf|html?|csv|xlsx|xlsm|xls|ods|et|png|jpe?g|tiff?|bmp|ofd)$",
                     re.I)


def report_stem(name: str) -> str:
    """File name without its extensions: "2026_四川省_政府工作报告.page.txt" → "2026_四川省_政府工作报告"."""
    return _SUFFIX.sub("", name)


def parse_text(text: str, name: str, file_meta: dict[str, str] | None = None) -> ParsedReport:
    return parse_document(Document(paragraphs(text.split("\n")), dict(file_meta or {})), name)


def parse_document(doc: Document, name: str) -> ParsedReport:
    """Blocks → metadata, section tree, chunks (tables in their place, as row sentences) and figures."""
    blocks = [b for b in doc.blocks if b.table is not None or b.text.strip()]
    lines = [f"{TABLE_MARK}{i}" if b.table is not None else b.text for i, b in enumerate(blocks)]
    headings = frozenset(i for i, b in enumerate(blocks) if b.kind == "heading")
    # metadata reads the text a person sees first: paragraphs, headings and table captions
    meta_lines = [b.table.caption if b.table is not None else b.text for b in blocks]
    meta = detect_meta([ln for ln in meta_lines if ln], report_stem(name), doc.meta)
    start = body_start([ln for ln in lines if not ln.startswith(TABLE_MARK)])
    if len(lines) > 1 and lines[1].startswith(TABLE_MARK) and 0 in headings:
        start = 0  # a sheet: its name heads the table under it
    elif any(ln.startswith(TABLE_MARK) for ln in lines[:start + 1]):
        start = next(i for i, ln in enumerate(lines) if ln.startswith(TABLE_MARK))
    sections, paras = build_sections(lines, start, headings)
    chunks = build_chunks(sections, paras, blocks)
    used = {c.section_idx for c in chunks}
    sections = [s for s in sections if s.idx in used or s.idx == 0]
    return ParsedReport(meta=meta, sections=sections, chunks=chunks, figures=extract_figures(chunks, meta))


def parse_report(path: Path, data: bytes | None = None, limits: ReadLimits | None = None,
                 progress: Progress | None = None) -> ParsedReport:
    return parse_document(read_file(path, data, limits, progress), path.name)
