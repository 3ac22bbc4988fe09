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
