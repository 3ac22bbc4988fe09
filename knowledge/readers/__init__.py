"""Readers: turn a report file of any format into typed blocks (headings, paragraphs, tables) in reading order.

One module per format: plain (.txt/.md/.page.txt/.csv), word (.docx, and .doc/.wps/.rtf/.odt through
LibreOffice), web (.html), pdf (text layer with layout, OCR for scanned pages), images (OCR), sheets
(.xlsx/.xls/.ods/.et/.csv tables). External programs sit behind convert.py and ocr.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableFile
from .blocks import Block, Document, Table, paragraphs
from .plain import clean_blocks, clean_text, decode_bytes, read_scraped_csv, read_text_bytes

__all__ = ["Block", "Document", "RawDocument", "ReadLimits", "SUPPORTED_SUFFIXES", "Table", "clean_text", "decode_bytes",
           "read_file"]

RawDocument = Document  # the name the readers' result had before blocks

TEXT_SUFFIXES = (".txt", ".md")
WORD_SUFFIXES = (".docx", ".doc", ".wps", ".rtf", ".odt")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *WORD_SUFFIXES, ".pdf", ".html", ".htm", ".csv", *SHEET_SUFFIXES, *IMAGE_SUFFIXES,
                      ".ofd")

# progress(stage, done, total): readers report "ocr" page by page
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReadLimits:
    """Bounds that keep one file from taking the machine's memory or an afternoon (see Settings)."""

    max_pages: int = 500
    max_ocr_pages: int = 120
    max_pixels: int = 60_000_000
    max_rows: int = 50_000
    max_unzipped_mb: int = 200
    convert_timeout_s: float = 120.0
    ocr_dpi: int = 200

    @classmethod
    def from_settings(cls, settings) -> ReadLimits:
        return cls(max_pages=settings.max_pages, max_ocr_pages=settings.max_ocr_pages,
                   max_pixels=settings.max_image_megapixels * 1_000_000, max_rows=settings.max_rows,
                   max_unzipped_mb=settings.max_unzipped_mb, convert_timeout_s=settings.convert_timeout_s,
                   ocr_dpi=settings.ocr_dpi)


def read_file(path: Path, data: bytes | None = None, limits: ReadLimits | None = None,
              progress: Progress | None = None) -> Document:
    """Read one report file; raises UnreadableFile with a reason (in Chinese) an admin can act on."""
    limits = limits or ReadLimits()
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(f"无法打开文件：{exc.strerror or exc}") from exc
    if not data.strip():
        raise UnreadableFile("文件是空的：请检查后重新发送")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        doc = read_text_bytes(data)
    elif suffix in WORD_SUFFIXES:
        from .word import read_word

        doc = read_word(data, suffix, limits)
    elif suffix == ".pdf":
        from .pdf import read_pdf

        doc = read_pdf(data, limits, progress)
    elif suffix in (".html", ".htm"):
        from .web import read_html

        doc = read_html(decode_bytes(data))
    elif suffix == ".csv":
        doc = _read_csv(data, limits)
    elif suffix in SHEET_SUFFIXES:
        from .sheets import read_sheets

        doc = read_sheets(data, suffix, limits)
    elif suffix in IMAGE_SUFFIXES:
        from .ocr import read_image

        doc = read_image(data, limits, progress)
    elif suffix == ".ofd":
        raise UnreadableFile("暂不支持 .ofd 版式文件：请用数科OFD阅读器或福昕OFD版式办公套件“另存为/导出”PDF 后重新发送")
    else:
        raise UnreadableFile(f"不支持的文件类型 {suffix or '（无扩展名）'}：请发送 "
                             + "、".join(SUPPORTED_SUFFIXES))
    doc.blocks = clean_blocks(doc.blocks)
    _check_readable(doc, suffix)
    return doc


def _read_csv(data: bytes, limits: ReadLimits) -> Document:
    text = decode_bytes(data)
    if re.match(r"^\ufeff?[^\n]*\bfull_text\b", text):
        return read_scraped_csv(text)
    from .sheets import read_csv_table

    return read_csv_table(text, limits)


def _check_readable(doc: Document, suffix: str) -> None:
    visible = re.sub(r"\s", "", doc.text)
    if len(visible) < 20:
        hint = "（扫描件也未能识别出文字）" if suffix == ".pdf" else ""
        raise UnreadableFile(f"文件中没有可读的文字{hint}：请确认文件内容，或另存为 .docx/.pdf 后重新发送")
    if len(re.findall(r"[\u4e00-\u9fff]", visible)) < 0.2 * len(visible):
        raise UnreadableFile("文件中没有可读的中文：它不是报告，或编码不是 UTF-8/GBK；"
                             "请另存为 UTF-8 文本或 .docx 后重新发送")


def text_document(lines: list[str], meta: dict[str, str] | None = None) -> Document:
    return Document(paragraphs(lines), meta or {})
