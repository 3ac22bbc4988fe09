"""Telegram formatting: HTML-escaped answers, numbered citations, figure tables, 4096-character splitting.

Pure functions of knowledge results; no network, no Telegram objects beyond keyboard markup.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.types import Answer, Citation, FigureHit

LIMIT = 4096
FEEDBACK_BUTTONS = (("👍", "up"), ("👎", "down"), ("数字有误", "wrong_number"), ("出处有误", "wrong_source"))


def esc(text: str) -> str:
    return html.escape(text or "", quote=False)


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph boundaries (then lines, then hard) so every part fits Telegram's limit.

    Parts never cut inside an HTML tag or entity because callers split plain paragraphs, each of which is
    self-contained markup.
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    buf = ""
    for para in text.split("\n\n"):
        pieces = [para] if len(para) <= limit else _hard_split(para, limit)
        for piece in pieces:
            candidate = f"{buf}\n\n{piece}" if buf else piece
            if len(candidate) <= limit:
                buf = candidate
            else:
                if buf:
                    parts.append(buf)
                buf = piece
    if buf:
        parts.append(buf)
    return parts


def _hard_split(para: str, limit: int) -> list[str]:
    out, buf = [], ""
    for line in para.split("\n"):
        while len(line) > limit:
            cut = line.rfind("&", 0, limit)
            cut = cut if cut > limit - 10 else limit  # never split an &amp; entity
            out.append(line[:cut])
            line = line[cut:]
        candidate = f"{buf}\n{line}" if buf else line
        if len(candidate) <= limit:
            buf = candidate
        else:
            out.append(buf)
            buf = line
    if buf:
        out.append(buf)
    return out


def type_label(ftype: str) -> str:
    return "目标" if ftype == "target" else "实际"


def answer_html(ans: Answer) -> list[str]:
    """The answer first, then the figures found, then numbered citations (report › section)."""
    blocks = [esc(ans.answer)]
    if ans.found and ans.figures:
        lines = ["<b>相关数字</b>"]
        for f in ans.figures[:4]:
            lines.append(f"• {esc(f.indicator)}：<b>{esc(f.value)}</b>（{f.year or '?'}年{type_label(f.type)}）")
        blocks.append("\n".join(lines))
    if ans.citations:
        head = "<b>出处</b>" if ans.found else "<b>最接近的段落</b>"
        lines = [head] + [f"[{c.n}] {esc(c.report)} › {esc(c.section or '正文')}{esc(c.origin)}" for c in ans.citations]
        blocks.append("\n".join(lines))
    return split_message("\n\n".join(blocks))


def answer_keyboard(exchange_id: int, citations: list[Citation]) -> InlineKeyboardMarkup:
    sources = [InlineKeyboardButton(f"原文[{c.n}]", callback_data=f"src:{exchange_id}:{c.n}") for c in citations[:5]]
    feedback = [InlineKeyboardButton(label, callback_data=f"fb:{exchange_id}:{kind}") for label, kind in FEEDBACK_BUTTONS]
    rows = [sources, feedback[:2], feedback[2:]] if sources else [feedback[:2], feedback[2:]]
    return InlineKeyboardMarkup(rows)


def source_html(c: Citation, full_text: bool = True) -> list[str]:
    """A citation with its exact quote, and the whole passage it sits in."""
    parts = [f"<b>[{c.n}] {esc(c.report)}</b>\n{esc(c.section or '正文')}{esc(c.origin)}", f"<blockquote>{esc(c.quote)}</blockquote>"]
    if full_text and c.text.strip() != c.quote.strip():
        parts.append(f"<i>所在段落：</i>\n{esc(c.text)}")
    return split_message("\n\n".join(parts))


def figures_html(figures: list[FigureHit], title: str) -> list[str]:
    """A compact table for meeting look-ups: indicator, value with qualifier, year, actual/target, source."""
    if not figures:
        return [f"没有找到“{esc(title)}”的数字。可以换个说法，例如：/target 固定资产投资 2025 四川"]
    lines = [f"<b>{esc(title)}</b>"]
    for i, f in enumerate(figures, 1):
        lines.append(f"{i}. {esc(f.indicator)}：<b>{esc(f.value)}</b>（{f.year or '?'}年{type_label(f.type)}）\n"
                     f"   {esc(f.report)} › {esc(f.section or '正文')}")
    return split_message("\n".join(lines))


def figure_card(f: FigureHit) -> tuple[str, str, str]:
    """(title, description, message HTML) for an inline-mode result."""
    title = f"{f.indicator}：{f.value}（{f.year or '?'}年{type_label(f.type)}）"
    description = f"{f.report} › {f.section}"[:200]
    message = (f"<b>{esc(f.indicator)}：{esc(f.value)}</b>（{f.year or '?'}年{type_label(f.type)}）\n"
               f"<blockquote>{esc(f.quote[:600])}</blockquote>\n{esc(f.report)} › {esc(f.section or '正文')}")
    return title[:256], description, message[:LIMIT]
