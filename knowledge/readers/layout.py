"""Page layout shared by the PDF text layer and OCR: lines with positions → running headers and page numbers
dropped, paragraphs rejoined across lines and pages, headings told by size, weight and centring."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .blocks import Block

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
_LATIN = re.compile(r"[A-Za-z0-9]")
# page numbers as offices print them: — 3 —, -3-, 第3页, 3/22, 第 3 页 共 22 页, Page 3 of 22 (OCR reads a dash as 一)
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－―~·•一]*\s*\d{1,4}\s*[-—–－―~·•一]*|第\s*\d{1,4}\s*页(?:\s*[/，,、]?\s*共\s*\d{1,4}\s*页)?|"
    r"共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?)\s*$", re.I)
_SENTENCE_END = tuple("。！？；：”」』）)…!?;:")
_NUMBERED = re.compile(r"^(第[一二三四五六七八九十]+[部分章节篇]|[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|"
                       r"\d{1,2}[、.．](?!\d)|[一二三四五六七八九十]是)")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size (text layer) or box height (OCR)
    bold: bool = False
    page: int = 1
    conf: float | None = None  # OCR confidence


def join_chars(chars: list[tuple[str, float, float]], size: float) -> str:
    """A line's characters, left to right, as text: the spaces justification puts between characters go (a
    justified line stretches every gap alike, so only a gap well over the line's usual one is a space), a space
    inside Latin words and numbers stays."""
    gaps = [b[1] - a[2] for a, b in zip(chars, chars[1:], strict=False) if not a[0].isspace() and not b[0].isspace()]
    usual = statistics.median(gaps) if len(gaps) >= 3 else 0.0
    out: list[str] = []
    prev_x1: float | None = None
    for ch, x0, x1 in chars:
        if ch.isspace():
            out.append(" ")
            continue
        if prev_x1 is not None and x0 - prev_x1 > max(usual, 0.0) + 0.2 * size and out and out[-1] != " ":
            out.append(" ")
        out.append(ch)
        prev_x1 = x1
    return tidy_spaces("".join(out))


def tidy_spaces(text: str) -> str:
    """Keep a space only between two Latin letters or digits ("Wi-Fi 6", "A B"); CJK text takes none."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=(.)) (?=(.))", lambda m: " " if _LATIN.match(m.group(1)) and _LATIN.match(m.group(2)) else "", text)


def drop_running_lines(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Running headers and footers: lines near the top or bottom edge that repeat on many pages (digits
    ignored) in a font no larger than the body's, and page numbers in those zones."""
    sizes = sorted(ln.size for page in pages for ln in page)
    body = sizes[len(sizes) // 2] if sizes else 0.0
    def zone(line: Line, height: float) -> bool:
        return line.bottom < 0.12 * height or line.top > 0.88 * height

    counts: dict[str, int] = {}
    for lines, h in zip(pages, heights, strict=True):
        seen = {_key(ln.text) for ln in lines if zone(ln, h)}
        for k in seen:
            counts[k] = counts.get(k, 0) + 1
    repeat = max(2, int(0.4 * len(pages) + 0.5))
    out: list[list[Line]] = []
    for lines, h in zip(pages, heights, strict=True):
        kept = []
        for ln in lines:
            repeated = len(pages) >= 2 and counts.get(_key(ln.text), 0) >= repeat and ln.size <= body * 1.1
            if zone(ln, h) and (PAGE_NUMBER.match(ln.text) or repeated):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def _key(text: str) -> str:
    return re.sub(r"[\d\s]", "", text)


def body_metrics(pages: list[list[Line]]) -> tuple[float, float, float, bool]:
    """(left margin, right margin, body font size, whether body text is bold) from the lines of every page."""
    lines = [ln for page in pages for ln in page if len(ln.text) >= 8]
    if not lines:
        lines = [ln for page in pages for ln in page]
    if not lines:
        return 0.0, 0.0, 10.0, False
    size = statistics.median(ln.size for ln in lines)
    x0s = sorted(ln.x0 for ln in lines)
    x1s = sorted(ln.x1 for ln in lines)
    left = x0s[len(x0s) // 10]
    right = x1s[int(len(x1s) * 0.9)]
    bold = sum(ln.bold for ln in lines) > 0.6 * len(lines)
    return left, right, size, bold


def is_heading(ln: Line, left: float, right: float, size: float, body_bold: bool) -> bool:
    if len(ln.text) > 50 or ln.text.endswith(("。", "；", "，", ",")):
        return False
    # an OCR box's height varies with the glyphs in it: only a clearly larger line is a heading
    larger = ln.size >= size * (1.35 if ln.conf is not None else 1.15) + 0.5
    bold = ln.bold and not body_bold
    middle = (left + right) / 2
    centred = (abs((ln.x0 + ln.x1) / 2 - middle) < 1.5 * size and ln.x0 > left + 2 * size and ln.x1 < right - 2 * size)
    return larger or bold or centred


def rebuild(pages: list[list[Line]], heights: list[float]) -> tuple[list[Block], str]:
    """Blocks (headings and paragraphs) in reading order, and the title read from the first page."""
    pages = drop_running_lines(pages, heights)
    overall = body_metrics([p for p in pages if not any(ln.conf is not None for ln in p)] or pages)
    left, right, size, body_bold = overall
    title = _title(pages[0] if pages else [], size)
    if title and pages:
        # the running header repeats the title: on a one-page file it cannot be told by repetition
        first = pages[0]
        pages[0] = [ln for ln in first if not (ln.text == title and ln.size < size and ln.bottom < 0.12 * heights[0])]
    blocks: list[Block] = []
    para: list[Line] = []
    ended = True  # whether the last line closed its paragraph

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(_block("paragraph", para))
        para = []

    for page_lines in pages:
        if len(page_lines) >= 5 and any(ln.conf is not None for ln in page_lines):
            # a scanned page among text pages has margins and sizes of its own (pixels, box heights)
            left, right, size, body_bold = body_metrics([page_lines])
        elif page_lines:
            left, right, size, body_bold = overall
        prev: Line | None = None
        for ln in page_lines:
            if not ln.text:
                continue
            if is_heading(ln, left, right, size, body_bold):
                flush()
                last = blocks[-1] if blocks else None
                if last is not None and last.kind == "heading" and prev is not None and _same_heading(prev, ln):
                    last.text += ln.text  # a heading wrapped over two lines
                else:
                    blocks.append(_block("heading", [ln]))
                prev, ended = ln, True
                continue
            indented = ln.x0 > left + 1.2 * size
            gap = prev is not None and ln.top - prev.bottom > 1.2 * max(prev.bottom - prev.top, size)
            numbered = bool(_NUMBERED.match(ln.text)) and (not para or para[-1].text.endswith(_SENTENCE_END)
                                                            or ln.x1 < left + 0.6 * (right - left))
            if ended or indented or gap or numbered:
                flush()
            para.append(ln)
            short = ln.x1 < right - 1.5 * size
            # a paragraph ends on a short line that closes a sentence, or on a line under 60% of the width
            # (a title, a heading); a ragged line without a full stop runs on
            ended = (short and ln.text.endswith(_SENTENCE_END)) or ln.x1 < left + 0.6 * (right - left)
            prev = ln
    flush()
    return blocks, title


def _same_heading(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) < 0.5 and a.bold == b.bold and 0 <= b.top - a.bottom < 1.0 * a.size


def _block(kind: str, lines: list[Line]) -> Block:
    text = ""
    for ln in lines:
        # Latin words wrap at spaces; a number split by the line end ("15" / "6.3亿元") is one number
        glue = " " if text and text[-1].isascii() and text[-1].isalpha() and ln.text[0].isascii() and ln.text[0].isalpha() else ""
        text += glue + ln.text
    confs = [(ln.conf, len(ln.text)) for ln in lines if ln.conf is not None]
    conf = round(sum(c * n for c, n in confs) / max(1, sum(n for _, n in confs)), 3) if confs else None
    return Block(kind, text, page=lines[0].page, ocr_confidence=conf, top=lines[0].top)


def _title(lines: list[Line], size: float) -> str:
    """The largest lines at the head of the first page, when they stand out from the body text."""
    head = lines[:8]
    if not head:
        return ""
    biggest = max(ln.size for ln in head)
    if biggest < size * 1.25:
        return ""
    tolerance = max(0.5, 0.06 * biggest)  # OCR box heights vary a little from line to line
    first = next(i for i, ln in enumerate(head) if ln.size >= biggest - tolerance)
    parts = [head[first]]
    for ln in head[first + 1:]:
        # a title wrapped over two lines: the next line, as large, right under it
        if ln.size < biggest - tolerance or ln.top - parts[-1].bottom > 0.8 * biggest:
            break
        parts.append(ln)
    title = "".join(ln.text for ln in parts)
    return title if 4 <= len(title) <= 60 else ""
