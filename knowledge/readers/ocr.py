"""OCR behind one function: page images → text lines with positions and confidence (RapidOCR, PP-OCRv4 Chinese
models shipped inside the rapidocr-onnxruntime wheel, so it runs offline)."""

from __future__ import annotations

import io
import re
import threading

from ..errors import UnreadableFile
from .blocks import Document
from .layout import Line, rebuild, tidy_spaces

_engine = None
_engine_lock = threading.Lock()  # the engine is built once; onnxruntime sessions are not shared mid-call
PACKAGE = "rapidocr-onnxruntime"


def engine():
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise UnreadableFile(f"读取扫描件需要文字识别组件 {PACKAGE}，服务器上未安装：请管理员运行 "
                                 f"pip install {PACKAGE} 后重试") from exc
        # larger recognition batches: a 公文 page has 20-30 lines, recognised in two calls instead of five
        _engine = RapidOCR(print_verbose=False, rec_batch_num=16)
    return _engine


def ocr_lines(image, page: int) -> list[Line]:
    """Text lines of one page image, top to bottom and left to right, each with its recognition confidence."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    with _engine_lock:
        result, _ = engine()(rgb, use_cls=False)
    boxes = []
    for box, text, score in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        text = tidy_spaces(text)
        if text:
            boxes.append(Line(text=text, x0=min(xs), x1=max(xs), top=min(ys), bottom=max(ys),
                              size=max(1.0, max(ys) - min(ys)) * 0.8, page=page, conf=float(score)))
    lines = merge_rows(boxes)
    gray = np.asarray(image.convert("L"))
    for ln in lines:
        if not ln.text.startswith("——") and dash_before(gray, ln):
            ln.text = "——" + ln.text.lstrip("-—－–")  # the piece of the dash the box did hold goes
    return lines


def dash_before(gray, ln: Line) -> bool:
    """Whether a long thin horizontal stroke stands just left of a line: the dash "——" opening a run-in
    item, which the text detector leaves out of the line's box."""
    h = ln.bottom - ln.top
    x1 = int(ln.x0 - 0.1 * h)
    x0 = max(0, int(ln.x0 - 2.4 * h))
    top, bottom = int(ln.top + 0.2 * h), int(ln.bottom - 0.2 * h)
    if x1 - x0 < h or bottom <= top:
        return False
    dark = gray[top:bottom, x0:x1] < 128
    rows = dark.sum(axis=1)
    cols = dark.any(axis=0)
    if not cols.any():
        return False
    thick = int((rows > 0.5 * (x1 - x0) * 0.6).sum())
    span = cols.nonzero()[0]
    # one stroke: covers most of the strip's width, and only a few pixel rows are dark along it
    return (span[-1] - span[0]) >= 1.4 * h and 0 < thick <= max(2, 0.25 * h) and \
        int((rows > 0).sum()) <= max(3, 0.3 * h)


def merge_rows(boxes: list[Line]) -> list[Line]:
    """Boxes on the same visual row (overlapping vertically by more than half) become one line, left to right."""
    rows: list[list[Line]] = []
    for b in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        if rows:
            last = rows[-1]
            top = min(x.top for x in last)
            bottom = max(x.bottom for x in last)
            overlap = min(bottom, b.bottom) - max(top, b.top)
            if overlap > 0.5 * min(bottom - top, b.bottom - b.top):
                last.append(b)
                continue
        rows.append([b])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        # OCR reads the dash "——" that opens a run-in item as the numeral 一 (一一, 一—)
        text = re.sub(r"^[一—－-]{2}(?=[\u4e00-\u9fff])", "——", tidy_spaces(" ".join(b.text for b in row)))
        text = curly_quotes(text)
        n = sum(len(b.text) for b in row) or 1
        conf = sum((b.conf or 0.0) * len(b.text) for b in row) / n
        lines.append(Line(text=text, x0=row[0].x0, x1=max(b.x1 for b in row), top=min(b.top for b in row),
                          bottom=max(b.bottom for b in row), size=sorted(b.size for b in row)[len(row) // 2],
                          page=row[0].page, conf=round(conf, 3)))
    return lines


def curly_quotes(text: str) -> str:
    """OCR often reads a Chinese closing quote as '"': a straight quote in Chinese text closes an open “ and
    opens one otherwise, as the report wrote it."""
    if '"' not in text or not re.search(r"[\u4e00-\u9fff]", text):
        return text
    out, open_ = [], False
    for ch in text:
        if ch == "“":
            open_ = True
        elif ch == "”":
            open_ = False
        elif ch == '"':
            ch = "”" if open_ else "“"
            open_ = not open_
        out.append(ch)
    return "".join(out)


def check_pixels(width: int, height: int, limits) -> None:
    if width * height > limits.max_pixels:
        raise UnreadableFile(f"图片有 {width * height / 1e6:.0f} 百万像素，超过上限 {limits.max_pixels / 1e6:.0f} 百万像素"
                             "（REPORTBOT_MAX_IMAGE_MEGAPIXELS）：请缩小图片，或按 150–300 dpi 重新扫描后发送")


def _fit(image, longest: int = 2400):
    """Large photos are scaled down before recognition: the detector works at about 2000 pixels anyway."""
    if max(image.size) > longest:
        scale = longest / max(image.size)
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image


def read_image(data: bytes, limits, progress=None) -> Document:
    """A photo or scan (.png/.jpg/.tif, every page of a multi-page TIFF) read by OCR."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit (checked from the header, before decoding) applies
    try:
        img = Image.open(io.BytesIO(data))
        check_pixels(img.width, img.height, limits)
        frames = getattr(img, "n_frames", 1)
    except UnidentifiedImageError as exc:
        raise UnreadableFile("图片文件已损坏或格式无法识别：请另存为 .png 或 .jpg 后重新发送") from exc
    if frames > limits.max_ocr_pages:
        raise UnreadableFile(f"图片共 {frames} 页，超过文字识别上限 {limits.max_ocr_pages} 页（REPORTBOT_MAX_OCR_PAGES）："
                             "请拆分后分别发送")
    pages: list[list[Line]] = []
    heights: list[float] = []
    try:
        for i, frame in enumerate(ImageSequence.Iterator(img)):
            check_pixels(frame.width, frame.height, limits)
            if progress:
                progress("ocr", i, frames)
            if frame.format == "JPEG" and max(frame.size) > 2 * 2400:
                frame.draft("RGB", (frame.width // 2, frame.height // 2))  # decode a big photo at half scale
            if frame.mode not in ("RGB", "L"):
                frame = frame.convert("RGB")
            page = _fit(ImageOps.exif_transpose(frame) or frame)
            pages.append(ocr_lines(page, i + 1))
            heights.append(float(page.height))
    except OSError as exc:
        raise UnreadableFile("图片文件不完整或已损坏：请重新拍摄或另存后发送") from exc
    if progress:
        progress("ocr", frames, frames)
    blocks, title = rebuild(pages, heights)
    return Document(blocks, {"title": title} if title else {})


def ocr_pdf_pages(data: bytes, indexes: list[int], limits, progress=None) -> dict[int, tuple[list[Line], float]]:
    """The given pages of a PDF rendered (pypdfium2) and read by OCR: {page index: (lines, page height)},
    with positions in PDF points like the text layer's."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile("PDF 文件无法渲染以进行文字识别：请重新导出后发送") from exc
    out: dict[int, tuple[list[Line], float]] = {}
    scale = limits.ocr_dpi / 72
    try:
        for n, i in enumerate(indexes):
            if progress:
                progress("ocr", n, len(indexes))
            page = pdf[i]
            width, height = page.get_size()
            if width * height * scale * scale > limits.max_pixels:
                scale_i = (limits.max_pixels / (width * height)) ** 0.5
            else:
                scale_i = scale
            image = page.render(scale=scale_i).to_pil()
            page.close()
            lines = ocr_lines(image, i + 1)
            for ln in lines:  # back to points
                ln.x0, ln.x1, ln.top, ln.bottom, ln.size = (v / scale_i for v in (ln.x0, ln.x1, ln.top, ln.bottom, ln.size))
            out[i] = (lines, float(height))
        if progress:
            progress("ocr", len(indexes), len(indexes))
    finally:
        pdf.close()
    return out
