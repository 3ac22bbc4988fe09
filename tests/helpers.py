"""Builders for test documents in every supported format, written on the fly (no binary fixtures)."""

from __future__ import annotations

import io

REPORT_LINES = [
    "2025年临江开发区工作报告",
    "各位代表：",
    "一、2024年工作回顾",
    "全年实现地区生产总值486.3亿元，同比增长7.1%；完成一般公共预算收入42.6亿元，同比增长5.8%。",
    "（一）产业发展提质增效",
    "1、先进制造业加快集聚。三大主导产业完成产值1286亿元，同比增长12.4%。",
    "二、2025年工作安排",
    "主要预期目标是：地区生产总值增长7%左右；全社会固定资产投资增长10%左右。",
]


def docx_bytes(lines: list[str] = REPORT_LINES) -> bytes:
    import docx

    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_bytes(lines: list[str] = REPORT_LINES, wrap: int = 30) -> bytes:
    """A text-layer PDF; long lines are wrapped as a PDF would, so the reader must glue them back."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        for i in range(0, len(line), wrap):
            c.drawString(40, y, line[i:i + wrap])
            y -= 16
    c.save()
    return buf.getvalue()


def html_page(lines: list[str] = REPORT_LINES) -> str:
    body = "".join(f"<p>{line}</p>" for line in lines)
    return (
        "<html><head><title>2025年临江开发区工作报告</title><script>var tracker = '统计代码';</script>"
        "<style>p {color: red}</style></head><body>"
        "<nav><a href='/'>首页</a><a href='/news'>新闻中心</a></nav>"
        f"<div class='content'>{body}</div>"
        "<footer>版权所有 © 临江开发区管委会 <button>打印本页</button></footer></body></html>"
    )


GONGWEN_TITLE = "2026年临江县政府工作报告"


def gongwen_pdf(paragraphs: list[str], chars_per_line: int = 26, header: str = GONGWEN_TITLE,
                footer: str = "— {n} —", first_page_title: str = GONGWEN_TITLE,
                table: tuple[int, list[list[str]]] | None = None) -> bytes:
    """A 公文-style PDF: a running header and a "— N —" footer on every page, a centred large title on page 1,
    paragraphs indented two characters and justified (character spacing stretched to the right margin), so
    that the text layer holds the spaces, headers and page numbers a reader must remove.

    table: (after paragraph i, rows) draws a ruled table there."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font, size, left, width, top, bottom = "STSong-Light", 14, 80, 435, 760, 90
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    page = 1
    y = top

    def furniture() -> None:
        c.setFont(font, 10)
        c.drawCentredString(297, 800, header)
        c.line(left, 795, left + width, 795)
        c.drawCentredString(297, 50, footer.format(n=page))

    def new_page() -> None:
        nonlocal page, y
        c.showPage()
        page += 1
        y = top
        furniture()

    furniture()
    c.setFont(font, 22)
    c.drawCentredString(297, y, first_page_title)
    y -= 50
    for i, para in enumerate(paragraphs):
        text = "\u3000\u3000" + para
        lines = [text[j:j + chars_per_line] for j in range(0, len(text), chars_per_line)]
        for k, line in enumerate(lines):
            if y < bottom:
                new_page()
            c.setFont(font, size)
            natural = pdfmetrics.stringWidth(line, font, size)
            last = k == len(lines) - 1
            space = 0.0 if last or len(line) < 2 else (width - natural) / (len(line) - 1)
            c.drawString(left, y, line, charSpace=space)
            y -= size * 1.8
        if table and table[0] == i:
            rows = table[1]
            h = 22
            if y - h * len(rows) < bottom:
                new_page()
            col_w = width / len(rows[0])
            c.setFont(font, 10)
            for r, row in enumerate(rows):
                for ci, cell in enumerate(row):
                    c.drawString(left + ci * col_w + 4, y - h * r - 15, cell)
            for r in range(len(rows) + 1):
                c.line(left, y - h * r, left + width, y - h * r)
            for ci in range(len(rows[0]) + 1):
                c.line(left + ci * col_w, y, left + ci * col_w, y - h * len(rows))
            y -= h * len(rows) + 20
    c.save()
    return buf.getvalue()


def page_image(lines: list[str], font_path, width: int = 1240, height: int = 1754, size: int = 30):
    """A scanned A4 page at 150 dpi: the lines drawn in a CJK font, paragraphs indented two characters."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path), size)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    y = 120
    for line in lines:
        indent = 2 * size if line.startswith("\u3000") else 0
        draw.text((110 + indent, y), line.lstrip("\u3000"), font=font, fill="black")
        y += int(size * 1.9)
    return img


def scanned_pdf(pages: list) -> bytes:
    """An image-only PDF (no text layer), as a scanner makes."""
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    return buf.getvalue()
