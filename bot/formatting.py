"""Telegram formatting: HTML-escaped answers, numbered citations, figure tables, 4096-character splitting.

Pure functions of knowledge results; no network, no Telegram objects beyond keyboard markup.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.exchanges import Flag, QuestionGroup
from knowledge.types import Answer, Citation, FigureHit, year_type

LIMIT = 4096
CAPTION_LIMIT = 1024
MAX_SOURCE_BUTTONS = 40  # Telegram takes at most 100 buttons; beyond these, /source n still opens every one
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
            lines.append(f"• {esc(f.indicator)}：<b>{esc(f.value)}</b>（{year_type(f.year, f.type, f.period_start)}）")
        blocks.append("\n".join(lines))
    if ans.citations:
        head = "<b>出处</b>" if ans.found else "<b>最接近的段落</b>"
        lines = [head] + [f"[{c.n}] {esc(c.report)} › {esc(c.section or '正文')}{esc(c.origin)}" for c in ans.citations]
        blocks.append("\n".join(lines))
    return split_message("\n\n".join(blocks))


def answer_keyboard(exchange_id: int, citations: list[Citation], max_sources: int = 5) -> InlineKeyboardMarkup:
    """原文[n] for each citation (five to a row), then the feedback buttons."""
    sources = [InlineKeyboardButton(f"原文[{c.n}]", callback_data=f"src:{exchange_id}:{c.n}")
               for c in citations[:max_sources]]
    feedback = [InlineKeyboardButton(label, callback_data=f"fb:{exchange_id}:{kind}") for label, kind in FEEDBACK_BUTTONS]
    rows = [sources[i:i + 5] for i in range(0, len(sources), 5)]
    return InlineKeyboardMarkup([*rows, feedback[:2], feedback[2:]])


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
        lines.append(f"{i}. {esc(f.indicator)}：<b>{esc(f.value)}</b>（{year_type(f.year, f.type, f.period_start)}）\n"
                     f"   {esc(f.report)} › {esc(f.section or '正文')}")
    return split_message("\n".join(lines))


def figure_card(f: FigureHit) -> tuple[str, str, str]:
    """(title, description, message HTML) for an inline-mode result."""
    title = f"{f.indicator}：{f.value}（{year_type(f.year, f.type, f.period_start)}）"
    description = f"{f.report} › {f.section}"[:200]
    message = (f"<b>{esc(f.indicator)}：{esc(f.value)}</b>（{year_type(f.year, f.type, f.period_start)}）\n"
               f"<blockquote>{esc(f.quote[:600])}</blockquote>\n{esc(f.report)} › {esc(f.section or '正文')}")
    return title[:256], description, message[:LIMIT]


# --- trends and comparisons --------------------------------------------------------------------------

def sources_lines(citations: list[Citation]) -> list[str]:
    return ["<b>出处</b>"] + [f"[{c.n}] {esc(c.report)} › {esc(c.section or '正文')}" for c in citations]


def trend_texts(ans: Answer) -> tuple[str, list[str]]:
    """(photo caption, follow-up messages): everything in the caption when it fits, else a short caption
    and the points and sources in text messages after the picture."""
    trend = ans.trend
    assert trend is not None
    actual = sum(1 for p in trend.points if p.type == "actual")
    years = sorted({p.year for p in trend.points})
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else f"{years[0]}年"
    head = (f"<b>{esc(trend.issuer)} · {esc(trend.indicator)}</b>（{span}：实际 {actual} 个、"
            f"目标 {len(trend.points) - actual} 个，均为报告原文数字）")
    body = []
    for panel in trend.panels:
        items = "；".join(f"{year_type(p.year, p.type)} <b>{esc(p.label)}</b>[{p.citation.n}]" for p in panel.points)
        body.append(f"{esc(panel.title)}：{items}")
    if trend.undated:
        body.append(f"另有 {trend.undated} 个数字年份不详，未画出。")
    if trend.other_issuers:
        body.append("其他有此数字的地区：" + "、".join(esc(i) for i in trend.other_issuers[:6]))
    full = "\n\n".join([head, "\n".join(body), "\n".join(sources_lines(ans.citations))])
    if visible_len(full) <= CAPTION_LIMIT:
        return full, []
    return head + "\n出处和每个数字见下一条消息。", split_message("\n\n".join(["\n".join(body), "\n".join(sources_lines(ans.citations))]))


def comparison_caption(ans: Answer) -> str:
    c = ans.comparison
    assert c is not None
    what = {"target": "目标", "actual": "实际"}.get(c.ftype or "", "")
    mentioned = sum(1 for r in c.rows if r.mentioned)
    return (f"<b>{c.year}年 {esc(c.indicator)}{what}：各地区比较</b>（{mentioned}/{len(c.rows)} 个地区的报告有这个数字，"
            "按数值从高到低）")


def comparison_html(ans: Answer) -> list[str]:
    """The narrow table as text: one line per issuer, 未提及 for those whose reports do not state it."""
    c = ans.comparison
    assert c is not None
    lines = [comparison_caption(ans)]
    rank = 0
    for row in c.rows:
        if not row.mentioned:
            lines.append(f"— {esc(row.issuer)}：未提及")
            continue
        rank += 1
        cells = [f"{esc(col.title)} <b>{esc(p.label)}</b>[{p.citation.n}]" if p else f"{esc(col.title)} —"
                 for col, p in zip(c.columns, row.cells, strict=True)]
        lines.append(f"{rank}. {esc(row.issuer)}：{'；'.join(cells)}")
    return split_message("\n".join(lines) + "\n\n" + "\n".join(sources_lines(ans.citations)))


def visible_len(html_text: str) -> int:
    """Characters Telegram counts in a caption: the text without tags, entities decoded (UTF-16 units)."""
    import re

    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    return len(plain.encode("utf-16-le")) // 2


# --- admins ------------------------------------------------------------------------------------------

def flag_html(flag: Flag, who: str) -> str:
    """What every admin is told when staff flag an answer: the flag, who, when, the question and the answer."""
    answer = flag.answer if len(flag.answer) <= 900 else flag.answer[:900] + "…"
    return (f"⚠️ <b>{esc(flag.label)}</b>：{esc(who)}（ID {flag.user_id}）于 {flag.created_at:%m-%d %H:%M} 标记了一个回答"
            f"（反馈 #{flag.id}）\n\n<b>问</b>：{esc(flag.question[:300])}\n<b>答</b>：{esc(answer)}")


def flag_keyboard(flag: Flag) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("查看出处", callback_data=f"fbsrc:{flag.exchange_id}"),
                                  InlineKeyboardButton("标为已处理", callback_data=f"fbdone:{flag.id}")]])


def flags_html(flags: list[Flag], total: int) -> str:
    if not flags:
        return "没有待处理的反馈。"
    lines = [f"<b>待处理的反馈</b>：共 {total} 条" + ("，以下是最近的 " + str(len(flags)) + " 条" if total > len(flags) else "")]
    for f in flags:
        lines.append(f"#{f.id} {esc(f.label)} · {f.created_at:%m-%d %H:%M} · {esc(f.user_name or str(f.user_id))}\n"
                     f"   问：{esc(f.question[:80])}")
    lines.append("点下面的按钮查看出处或标为已处理。")
    return "\n".join(lines)


def flags_keyboard(flags: list[Flag]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"#{f.id} 出处", callback_data=f"fbsrc:{f.exchange_id}"),
                                  InlineKeyboardButton(f"#{f.id} 已处理", callback_data=f"fbdone:{f.id}")] for f in flags])


def groups_html(groups: list[QuestionGroup], days: int) -> list[str]:
    lines = [f"<b>近 {days} 天报告里找不到答案的问题</b>（相近的问法合并计数，员工需要、报告缺少的信息）："]
    for g in groups:
        more = f"，另有问法：{esc('；'.join(w[:40] for w in g.wordings[1:]))}" if len(g.wordings) > 1 else ""
        lines.append(f"• <b>{g.count} 次</b>（{g.users} 人，最近 {g.last_at:%m-%d %H:%M}）{esc(g.question[:80])}{more}")
    return split_message("\n".join(lines))
