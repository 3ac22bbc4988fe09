"""Telegram handlers: each checks access, makes one call into knowledge, formats, and logs the exchange."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from knowledge.errors import ReportBotError
from knowledge.exchanges import FEEDBACK_KINDS, FLAG_KINDS, ExchangeLog
from knowledge.readers import SUPPORTED_SUFFIXES
from knowledge.series import comparison_answer, parse_request, trend_answer
from knowledge.service import KnowledgeBase
from knowledge.types import Answer

from . import formatting as fmt
from .settings import BotSettings

log = logging.getLogger(__name__)

HELP = (
    "直接发问题即可，例如：\n"
    "• 今年固投目标多少？\n"
    "• 四川2025年营商环境要做哪些事？\n"
    "• 去年引进了多少高层次人才？\n"
    "• 那去年呢？（接着上一个问题问）\n\n"
    "会议中查数字：/target 固定资产投资 2025 四川\n"
    "查所有数字（实际和目标）：/figure 地区生产总值 2024\n"
    "历年走势图：/trend 地区生产总值 湖南\n"
    "各地区比较：/compare GDP增长目标 2026\n"
    "看引文原文：点答案下的“原文”按钮，或 /source 1\n"
    "已收录的报告：/reports [地区] [年份]（可下载原文件）\n"
    "群聊里请 @我、回复我，或用 /ask 问题。"
)
ADMIN_HELP = (
    "\n\n管理员：发送报告文件（.txt .md .docx .pdf .html），说明写 /ingest，或回复文件 /ingest；"
    "/remove 报告 · /stats · /unanswered · /feedback（待处理的反馈）· /export [xlsx|csv] [起始日期] [结束日期]"
)
REFUSAL = "抱歉，您还没有使用权限。请把您的用户 ID {user_id} 发给管理员开通。"
ADMIN_ONLY = "抱歉，这个命令只有管理员可以使用。"
PROGRESS_EVERY_S = 1.5
TYPING_AFTER_S = 0.3
ONLY_TEXT = "抱歉，我只能看懂文字问题。请直接用文字提问，例如：今年固投目标多少？"
FILES_ARE_FOR_ADMINS = "抱歉，只有管理员可以收录报告文件。有问题请直接用文字提问，例如：今年固投目标多少？"
EXPIRED = "这个按钮已失效。"


@dataclass
class Services:
    kb: KnowledgeBase
    log: ExchangeLog
    settings: BotSettings
    refused: dict[int, float] = field(default_factory=dict)  # user id -> when they were last told


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


# --- access -----------------------------------------------------------------------------------

def _who(update: Update) -> tuple[int | None, str, int | None, str]:
    user, chat = update.effective_user, update.effective_chat
    name = (user.full_name if user else "") or (user.username or "" if user else "")
    return (user.id if user else None, name, chat.id if chat else None, chat.type if chat else "")


async def allowed(update: Update, context: ContextTypes.DEFAULT_TYPE, *, admin: bool = False) -> bool:
    """Whether to serve this update; a refused user gets one polite message naming their id, and it is logged."""
    svc = services(context)
    user_id, name, chat_id, chat_type = _who(update)
    ok = svc.settings.is_allowed(user_id, chat_id) and (not admin or svc.settings.is_admin(user_id))
    if ok:
        return True
    text = ADMIN_ONLY if admin and svc.settings.is_allowed(user_id, chat_id) else REFUSAL.format(user_id=user_id)
    question = (update.effective_message.text or update.effective_message.caption or "") if update.effective_message else ""
    if update.inline_query:
        question = update.inline_query.query
    elif update.callback_query:
        question = f"[button] {update.callback_query.data}"
    await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id, chat_type=chat_type,
                            question=question, kind="refused", text=text)
    log.warning("refused %s user %s in chat %s", "admin command from" if admin else "", user_id, chat_id)
    now = time.monotonic()
    if admin or now - svc.refused.get(user_id or 0, -1e9) > 600:
        svc.refused[user_id or 0] = now
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.inline_query:
            await update.inline_query.answer([], cache_time=0, is_personal=True)
        elif update.effective_message:
            await update.effective_message.reply_text(text)
    elif update.callback_query:
        await update.callback_query.answer()
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    return False


# --- questions --------------------------------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    n = len(await asyncio.to_thread(svc.kb.reports))
    extra = ADMIN_HELP if svc.settings.is_admin(update.effective_user.id) else ""
    await update.effective_message.reply_text(f"您好！我根据已收录的 {n} 份工作报告回答问题，给出原文数字和出处。\n\n{HELP}{extra}")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    extra = ADMIN_HELP if services(context).settings.is_admin(update.effective_user.id) else ""
    await update.effective_message.reply_text(HELP + extra)


def _addressed_text(message: Message, bot_username: str) -> str | None:
    """The question in a message, or None when a group message is not meant for the bot."""
    text = (message.text or "").strip()
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower()
    if mention in text.lower():
        return re.sub(re.escape(mention), "", text, flags=re.I).strip()
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.username and reply.from_user.username.lower() == bot_username.lower():
        return text
    return None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    question = _addressed_text(message, context.bot.username or "")
    if question is None:
        return  # group chatter not addressed to the bot: stay quiet
    if not await allowed(update, context):
        return
    await answer_question(update, context, question)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    question = " ".join(context.args or []).strip()
    if not question and update.effective_message.reply_to_message:
        question = (update.effective_message.reply_to_message.text or "").strip()
    if not question:
        await update.effective_message.reply_text("用法：/ask 问题，例如 /ask 今年固投目标多少？")
        return
    await answer_question(update, context, question)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    svc = services(context)
    message = update.effective_message
    user_id, name, chat_id, chat_type = _who(update)
    if not question.strip():
        await message.reply_text("请直接输入问题，例如：今年固投目标多少？")
        return
    typing = asyncio.create_task(_typing_after(context, chat_id, TYPING_AFTER_S))
    try:
        history = await asyncio.to_thread(svc.log.recent_turns, chat_id) if chat_id is not None else []
        if svc.kb.generator is not None:
            ans, placeholder = await _ask_streaming(svc, message, question, history)
        else:
            ans, placeholder = await asyncio.to_thread(svc.kb.ask, question, history), None
    finally:
        typing.cancel()
    rich = ans.trend or ans.comparison
    if rich is not None and not ans.citations:
        ans.citations = rich.citations  # the 原文 buttons and /source n read them from the log
    exchange_id = await asyncio.to_thread(
        svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id, chat_type=chat_type, question=question,
        answer=ans, resolved_question=ans.resolved)
    await _send_answer(svc, message, ans, exchange_id, placeholder)


async def _typing_after(context: ContextTypes.DEFAULT_TYPE, chat_id: int | None, delay: float) -> None:
    """Show "typing…" when an answer takes a while; most take tens of milliseconds and need none."""
    await asyncio.sleep(delay)
    if chat_id is not None:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)


async def _ask_streaming(svc: Services, message: Message, question: str,
                         history: list[tuple[str, str]]) -> tuple[Answer, Message]:
    """The generated answer streams into one message, edited at most every 1.5 s (Telegram's flood limits)."""
    placeholder = await message.reply_text("正在查阅报告…", do_quote=True)
    latest = {"text": ""}
    done = asyncio.Event()

    def on_token(text: str) -> None:  # called from the model's thread; a single assignment is atomic
        latest["text"] = text

    async def pump() -> None:
        shown = ""
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=PROGRESS_EVERY_S)
            except TimeoutError:
                pass
            text = latest["text"]
            if text and text != shown and not done.is_set():
                shown = text
                try:
                    await placeholder.edit_text(fmt.esc(text[-3900:]) + " …", parse_mode=ParseMode.HTML)
                except BadRequest:
                    pass

    pump_task = asyncio.create_task(pump())
    try:
        ans = await asyncio.to_thread(svc.kb.ask, question, history, on_token)
    finally:
        done.set()
        await pump_task
    return ans, placeholder


async def _send_answer(svc: Services, message: Message, ans: Answer, exchange_id: int,
                       placeholder: Message | None = None) -> None:
    """The final, checked text with citations and buttons; it replaces the streamed draft when there is one.
    A trend or a comparison goes out as /trend and /compare send it (a chart, a table)."""
    if ans.trend is not None or ans.comparison is not None:
        if placeholder is not None:
            try:
                await placeholder.delete()
            except TelegramError:
                pass
        await send_series(svc, message, ans, exchange_id)
        return
    parts = fmt.answer_html(ans)
    for i, part in enumerate(parts):
        markup = fmt.answer_keyboard(exchange_id, ans.citations) if i == len(parts) - 1 else None
        if i == 0 and placeholder is not None:
            await placeholder.edit_text(part, parse_mode=ParseMode.HTML, reply_markup=markup,
                                        link_preview_options=LinkPreviewOptions(is_disabled=True))
            continue
        await message.reply_text(part, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=(i == 0),
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))


ADMIN_BUTTONS = ("fbsrc", "fbdone", "exp")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    kind, _, rest = (query.data or "").partition(":")
    if not await allowed(update, context, admin=kind in ADMIN_BUTTONS):
        return
    svc = services(context)
    if kind == "exp":
        await _export_button(update, svc, rest)
        return
    ex_text, _, arg = rest.partition(":")
    if not ex_text.isdigit():
        await query.answer(EXPIRED)
        return
    target = int(ex_text)
    if kind == "src" and arg.isdigit():
        cites = await asyncio.to_thread(svc.log.citations, target)
        cite = next((c for c in cites if c.n == int(arg)), None)
        if cite is None:
            await query.answer("找不到这条出处了。")
            return
        await query.answer()
        for part in fmt.source_html(cite):
            await query.message.reply_text(part, parse_mode=ParseMode.HTML)
    elif kind == "fb" and arg in FEEDBACK_KINDS:
        _, name, _, _ = _who(update)
        feedback_id = await asyncio.to_thread(svc.log.feedback, target, update.effective_user.id, arg, name)
        if not feedback_id:
            await query.answer(EXPIRED)
            return
        flagged = arg in FLAG_KINDS and bool(svc.settings.admin_user_ids)
        await query.answer("已记录，谢谢反馈！" + ("已转告管理员核查。" if flagged else ""))
        if flagged:
            context.application.create_task(notify_admins(context, svc, feedback_id, name), update=update)
    elif kind == "fbsrc":
        cites = await asyncio.to_thread(svc.log.citations, target)
        if not cites:
            await query.answer("这个回答没有出处。")
            return
        await query.answer()
        for cite in cites:
            for part in fmt.source_html(cite, full_text=False):
                await query.message.reply_text(part, parse_mode=ParseMode.HTML)
    elif kind == "fbdone":
        flag = await asyncio.to_thread(svc.log.mark_handled, target, update.effective_user.id)
        if flag is None:
            await query.answer(EXPIRED)
            return
        if flag.handled_by != update.effective_user.id:
            await query.answer(f"这条反馈已由管理员 {flag.handled_by} 在 {flag.handled_at:%m-%d %H:%M} 处理。")
            return
        await query.answer(f"反馈 #{flag.id} 已标为已处理。")
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(
                [[InlineKeyboardButton("查看出处", callback_data=f"fbsrc:{flag.exchange_id}")]]))
        except BadRequest:  # the list message of /feedback, or a message too old to edit
            pass
    elif kind == "orig":
        original = await asyncio.to_thread(svc.kb.original, target)
        if original is None:
            await query.answer("这份报告的原文件没有保存（可能是在保存原文件之前收录的）。请管理员重新发送该文件即可补存。",
                               show_alert=True)
            return
        await query.answer()
        file_name, data = original
        await query.message.reply_document(document=data, filename=file_name, caption=f"原文件：{file_name}")
    else:
        await query.answer(EXPIRED)


async def notify_admins(context: ContextTypes.DEFAULT_TYPE, svc: Services, feedback_id: int, who: str) -> None:
    """Tell every admin at once: the flag, who raised it, the question and the answer, with a button to the sources."""
    flag = await asyncio.to_thread(svc.log.flag, feedback_id)
    if flag is None:
        return
    text = fmt.flag_html(flag, who)
    for admin_id in svc.settings.admin_user_ids:
        try:
            await context.bot.send_message(admin_id, text, parse_mode=ParseMode.HTML, reply_markup=fmt.flag_keyboard(flag),
                                           link_preview_options=LinkPreviewOptions(is_disabled=True))
        except (Forbidden, BadRequest) as exc:  # an admin who never opened a chat with the bot cannot be messaged
            log.warning("could not tell admin %s about feedback #%s: %s", admin_id, feedback_id, exc)


async def source_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    n = int(context.args[0]) if context.args and context.args[0].isdigit() else 1
    last = await asyncio.to_thread(svc.log.last_with_sources, update.effective_chat.id)
    cites = await asyncio.to_thread(svc.log.citations, last.id) if last else []
    cite = next((c for c in cites if c.n == n), None)
    if cite is None:
        await update.effective_message.reply_text("最近没有可查看的出处。先问一个问题，再用 /source 编号 查看原文。")
        return
    for part in fmt.source_html(cite):
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


def parse_figure_args(args: list[str], issuers: list[str]) -> tuple[str, int | None, str | None]:
    """/target 固定资产投资 2025 四川 → ("固定资产投资", 2025, "四川省"), arguments in any order."""
    from knowledge.query import issuer_aliases

    year, issuer, words = None, None, []
    for arg in args:
        if re.fullmatch(r"(19|20)\d{2}年?", arg):
            year = int(arg[:4])
            continue
        match = next((i for i in issuers if arg in issuer_aliases(i)), None)
        if match:
            issuer = match
            continue
        words.append(arg)
    return " ".join(words), year, issuer


async def figure_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    command = (update.effective_message.text or "").split()[0].lstrip("/").split("@")[0]
    ftype = "target" if command == "target" else None
    issuers = await asyncio.to_thread(svc.kb.issuers)
    indicator, year, issuer = parse_figure_args(context.args or [], issuers)
    if not indicator:
        await update.effective_message.reply_text(f"用法：/{command} 指标 [年份] [地区]，例如 /{command} 固定资产投资 2025 四川")
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    started = time.perf_counter()
    figures = await asyncio.to_thread(svc.kb.find_figures, indicator, year, issuer, ftype, 8)
    title = " ".join(x for x in (issuer or "", f"{year}年" if year else "", indicator, "目标" if ftype else "数字") if x)
    parts = fmt.figures_html(figures, title)
    user_id, name, chat_id, chat_type = _who(update)
    ans = Answer(question=update.effective_message.text or "", answer="\n".join(parts), found=bool(figures),
                 mode="figures", figures=figures, latency_ms=(time.perf_counter() - started) * 1000)
    await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id, chat_type=chat_type,
                            question=ans.question, answer=ans, kind="figure")
    for part in parts:
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


async def trend_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trend 指标 [地区]: the indicator's actual and target figures per year as a chart, each point cited."""
    if not await allowed(update, context):
        return
    svc = services(context)
    issuers = await asyncio.to_thread(svc.kb.issuers)
    words, _, issuer = parse_figure_args(context.args or [], issuers)
    indicator, kind, ftype = parse_request(words)
    if not indicator:
        await update.effective_message.reply_text("用法：/trend 指标 [地区]，例如 /trend 地区生产总值 湖南、/trend 固投目标 四川")
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.UPLOAD_PHOTO)
    started = time.perf_counter()
    trend = await asyncio.to_thread(svc.kb.trend, indicator, issuer, kind, ftype)
    ans = trend_answer(update.effective_message.text or "", trend)
    await _log_and_send(update, svc, ans, "trend", started)


async def compare_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/compare 指标 年份: every issuer's figure for the year, sorted, 未提及 for those without it."""
    if not await allowed(update, context):
        return
    svc = services(context)
    issuers = await asyncio.to_thread(svc.kb.issuers)
    words, year, _ = parse_figure_args(context.args or [], issuers)
    indicator, kind, ftype = parse_request(words)
    if not indicator or not year:
        await update.effective_message.reply_text("用法：/compare 指标 年份，例如 /compare GDP增长目标 2026、"
                                                  "/compare 固定资产投资 2025")
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    started = time.perf_counter()
    comparison = await asyncio.to_thread(svc.kb.compare, indicator, year, ftype, kind)
    ans = comparison_answer(update.effective_message.text or "", comparison)
    await _log_and_send(update, svc, ans, "compare", started)


async def _log_and_send(update: Update, svc: Services, ans: Answer, kind: str, started: float) -> None:
    user_id, name, chat_id, chat_type = _who(update)
    ans.latency_ms = (time.perf_counter() - started) * 1000
    exchange_id = await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id,
                                          chat_type=chat_type, question=ans.question, answer=ans, kind=kind)
    await send_series(svc, update.effective_message, ans, exchange_id)


async def send_series(svc: Services, message: Message, ans: Answer, exchange_id: int) -> None:
    """A trend as a chart, a comparison as a text table (a picture when wide); the points and their sources
    in the caption or right after it, with a 原文 button per source and the feedback buttons."""
    from knowledge.charts import render_comparison, render_trend

    keyboard = fmt.answer_keyboard(exchange_id, ans.citations, fmt.MAX_SOURCE_BUTTONS)
    rest_note = f"\n（原文按钮只列前 {fmt.MAX_SOURCE_BUTTONS} 条，其余用 /source 编号 查看）" \
        if len(ans.citations) > fmt.MAX_SOURCE_BUTTONS else ""
    font = svc.settings.chart_font or None
    if not ans.found:
        await message.reply_text(fmt.esc(ans.answer), do_quote=True)
        return
    if ans.trend is not None:
        chart = await asyncio.to_thread(render_trend, ans.trend, font)
        caption, parts = fmt.trend_texts(ans)
    else:
        assert ans.comparison is not None
        if not ans.comparison.wide:
            parts = fmt.comparison_html(ans)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await message.reply_text(part + (rest_note if last else ""), parse_mode=ParseMode.HTML, do_quote=i == 0,
                                         reply_markup=keyboard if last else None,
                                         link_preview_options=LinkPreviewOptions(is_disabled=True))
            return
        chart = await asyncio.to_thread(render_comparison, ans.comparison, font)
        caption = fmt.comparison_caption(ans) + "\n出处见下一条消息。"
        parts = fmt.split_message("\n".join(fmt.sources_lines(ans.citations)))
    await message.reply_photo(chart.png, caption=caption + ("" if parts else rest_note), parse_mode=ParseMode.HTML,
                              reply_markup=None if parts else keyboard, do_quote=True)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_text(part + (rest_note if last else ""), parse_mode=ParseMode.HTML,
                                 reply_markup=keyboard if last else None,
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    text = (update.inline_query.query or "").strip()
    if not text:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
        return
    issuers = await asyncio.to_thread(svc.kb.issuers)
    indicator, year, issuer = parse_figure_args(text.split(), issuers)
    ftype = "target" if "目标" in text else None
    indicator = indicator.replace("目标", "").strip() or indicator
    started = time.perf_counter()
    figures = await asyncio.to_thread(svc.kb.find_figures, indicator, year, issuer, ftype, 10)
    results = []
    for i, f in enumerate(figures):
        title, description, message = fmt.figure_card(f)
        results.append(InlineQueryResultArticle(
            id=str(i), title=title, description=description,
            input_message_content=InputTextMessageContent(message, parse_mode=ParseMode.HTML)))
    user_id, name, _, _ = _who(update)
    ans = Answer(question=text, answer="; ".join(r.title for r in results), found=bool(results), mode="figures",
                 figures=figures, latency_ms=(time.perf_counter() - started) * 1000)
    await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=name, chat_id=None, chat_type="inline",
                            question=text, answer=ans, kind="inline")
    await update.inline_query.answer(results, cache_time=0, is_personal=True)


async def reports_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reports [地区] [年份]: what is indexed; a short list gets a button per report to get the file back."""
    if not await allowed(update, context):
        return
    svc = services(context)
    issuers = await asyncio.to_thread(svc.kb.issuers)
    words, year, issuer = parse_figure_args(context.args or [], issuers)
    rows = await asyncio.to_thread(svc.kb.find_reports, issuer or words or None, year)
    wanted = " ".join(x for x in (issuer or words, f"{year}年" if year else "") if x)
    if not rows:
        text = f"没有找到{wanted}的报告。/reports 列出全部。" if wanted else "还没有收录报告。管理员可以直接发送报告文件。"
        await update.effective_message.reply_text(text)
        return
    lines = [f"<b>{'已收录 ' if not wanted else fmt.esc(wanted) + '：'}{len(rows)} 份报告</b>"]
    for r in rows:
        lines.append(f"{r.id}. {fmt.esc(r.title)}（{fmt.esc(r.issuer or '-')}，{r.year or '年份不详'}"
                     f"{'年' if r.year else ''}；收录于 {svc.log.local(r.ingested_at):%Y-%m-%d}）")
    markup = None
    if len(rows) <= 10:
        lines.append("点下面的按钮取回原文件。")
        buttons = [InlineKeyboardButton(f"下载 {r.id}", callback_data=f"orig:{r.id}") for r in rows]
        markup = InlineKeyboardMarkup([buttons[i:i + 5] for i in range(0, len(buttons), 5)])
    else:
        lines.append("按地区、年份筛选后可下载原文件，例如 /reports 四川 2025")
    parts = fmt.split_message("\n".join(lines))
    for i, part in enumerate(parts):
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML,
                                                  reply_markup=markup if i == len(parts) - 1 else None)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice, stickers, video …: one polite line in a private chat; silence in groups."""
    if update.effective_message is None or update.effective_message.chat.type != ChatType.PRIVATE:
        return
    if not await allowed(update, context):
        return
    await update.effective_message.reply_text(ONLY_TEXT)


# --- admins -----------------------------------------------------------------------------------

async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    caption = (message.caption or "").strip()
    if message.chat.type != ChatType.PRIVATE and not caption.startswith("/ingest"):
        return
    if not caption.startswith("/ingest") and message.chat.type == ChatType.PRIVATE:
        if not await allowed(update, context):
            return
        if services(context).settings.is_admin(update.effective_user.id):
            await message.reply_text("要收录这份报告，请回复这个文件 /ingest（或发送时在说明里写 /ingest）。")
        else:
            await message.reply_text(FILES_ARE_FOR_ADMINS)
        return
    if not await allowed(update, context, admin=True):
        return
    await start_ingest(update, context, message)


async def ingest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    target = update.effective_message.reply_to_message
    if target is None or target.document is None:
        await update.effective_message.reply_text("请回复一个报告文件并发送 /ingest，或发送文件时在说明里写 /ingest。")
        return
    await start_ingest(update, context, target)


async def start_ingest(update: Update, context: ContextTypes.DEFAULT_TYPE, file_message: Message) -> None:
    svc = services(context)
    doc = file_message.document
    name = Path(doc.file_name or "report.txt").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        await update.effective_message.reply_text(f"无法收录 {name}：不支持的文件类型，请发送 {' '.join(SUPPORTED_SUFFIXES)}。")
        return
    limit = svc.settings.telegram_max_download_mb
    if doc.file_size and doc.file_size > limit * 1024 * 1024:
        await update.effective_message.reply_text(
            f"无法收录 {name}：文件 {doc.file_size / 1048576:.1f} MB，超过了 Telegram 机器人 {limit} MB 的下载上限。"
            "请压缩或拆分后再发，或由运维把机器人接到自建的 Bot API 服务器（TELEGRAM_BASE_URL）以解除限制。")
        return
    status = await update.effective_message.reply_text(f"收到 {name}，正在下载…")
    context.application.create_task(run_ingest(context, svc, file_message, status, name, update), update=update)


async def run_ingest(context, svc: Services, file_message: Message, status: Message, name: str, update: Update) -> None:
    user_id, uname, chat_id, chat_type = _who(update)
    try:
        tg_file = await context.bot.get_file(file_message.document.file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            text = (f"❌ 无法下载 {name}：Telegram 机器人只能下载 {svc.settings.telegram_max_download_mb} MB 以内的文件。"
                    "请压缩或拆分后再发。")
        else:
            text = f"❌ 无法下载 {name}（Telegram：{exc.message}）。请稍后重新发送。"
        await status.edit_text(text)
        return
    except TelegramError as exc:  # the network or the proxy: nothing was changed
        log.warning("download of %s failed: %s", name, exc)
        await status.edit_text(f"❌ 无法下载 {name}：连接 Telegram 失败。请稍后重新发送，索引保持不变。")
        return
    loop = asyncio.get_running_loop()
    progress: asyncio.Queue = asyncio.Queue()

    def on_progress(stage: str, done: int, total: int) -> None:
        loop.call_soon_threadsafe(progress.put_nowait, (stage, done, total))

    labels = {"reading": "读取中", "ocr": "文字识别（OCR）第", "structure": "识别章节", "figures": "提取数字", "embedding": "向量化",
              "saving": "写入索引", "done": "完成"}
    task = asyncio.ensure_future(asyncio.to_thread(svc.kb.ingest_file, Path(name), data, name, on_progress))
    last_edit, last_text = 0.0, ""
    while not task.done():
        try:
            stage, done, total = await asyncio.wait_for(progress.get(), timeout=0.5)
        except TimeoutError:
            continue
        text = f"{name}：{labels.get(stage, stage)}" + (f" {done}/{total}" if stage == "embedding" and total else "")
        if stage == "ocr" and total:
            text = f"{name}：{labels['ocr']} {min(done + 1, total)}/{total} 页"
        if text != last_text and time.monotonic() - last_edit >= PROGRESS_EVERY_S:
            last_edit, last_text = time.monotonic(), text
            try:
                await status.edit_text(text)
            except BadRequest:
                pass
    result = task.result()
    if result.status == "failed":
        text = f"❌ 未能收录 {name}：{result.error}\n索引保持不变。"
    elif result.status == "unchanged":
        text = f"ℹ️ {name} 已经收录过（内容相同），没有重复添加：{result.title}"
    else:
        verb = "已替换旧版本" if result.status == "replaced" else "收录完成"
        text = (f"✅ {verb}：{result.title}\n章节 {result.sections} 个，段落 {result.chunks} 个，"
                f"数字 {result.figures} 个（用时 {result.seconds:.0f} 秒）")
    await status.edit_text(text)
    await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=uname, chat_id=chat_id, chat_type=chat_type,
                            question=f"/ingest {name}", kind="command", text=text,
                            error=result.error if result.status == "failed" else "")


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    ref = " ".join(context.args or []).strip()
    if not ref:
        await update.effective_message.reply_text("用法：/remove 报告编号或名称（/reports 查看编号）")
        return
    try:
        removed = await asyncio.to_thread(services(context).kb.remove, ref)
    except ReportBotError as exc:
        await update.effective_message.reply_text(f"没有删除：{exc}")
        return
    await update.effective_message.reply_text(f"已删除：{removed.title}（{removed.source}）")


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    svc = services(context)
    st = await asyncio.to_thread(svc.log.stats)
    open_flags = await asyncio.to_thread(svc.log.count_open_flags)
    share = f"{st.found / st.total:.0%}" if st.total else "-"
    lines = [f"<b>近 7 天</b>（{svc.log.tz.key} 时间）：提问 {st.total} 次，找到答案 {share}"]
    lines += [f"{day}：{n} 问，{found} 有答案" for day, n, found in st.days]
    labels = {"up": "👍", "down": "👎", "wrong_number": "数字有误", "wrong_source": "出处有误"}
    lines.append("反馈：" + ("，".join(f"{labels[k]} {st.feedback.get(k, 0)}" for k in labels))
                 + (f"；待处理 {open_flags} 条（/feedback）" if open_flags else ""))
    if st.llm_answers or st.llm_rejected or st.llm_tokens:
        lines.append(f"模型：生成 {st.llm_answers} 次，未通过核对或超时改用原文 {st.llm_rejected} 次，"
                     f"用量 {st.llm_tokens} tokens，模型耗时中位数 {st.llm_ms_median:.0f} ms")
    if st.slowest:
        lines.append("最慢的回答：")
        lines += [f"  {ms:.0f} ms  {fmt.esc(q[:40])}" for ms, q in st.slowest]
    await update.effective_message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


UNANSWERED_DAYS = 30


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    groups = await asyncio.to_thread(services(context).log.unanswered_groups, UNANSWERED_DAYS)
    if not groups:
        await update.effective_message.reply_text(f"近 {UNANSWERED_DAYS} 天没有找不到答案的问题。")
        return
    for part in fmt.groups_html(groups, UNANSWERED_DAYS):
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


async def feedback_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feedback: flags (👎 数字有误 出处有误) no admin has handled yet, with buttons to see and close them."""
    if not await allowed(update, context, admin=True):
        return
    svc = services(context)
    flags = await asyncio.to_thread(svc.log.open_flags, 10)
    total = await asyncio.to_thread(svc.log.count_open_flags)
    await update.effective_message.reply_text(fmt.flags_html(flags, total), parse_mode=ParseMode.HTML,
                                              reply_markup=fmt.flags_keyboard(flags) if flags else None)


EXPORT_USAGE = ("用法：/export [xlsx|csv] [起始日期] [结束日期]，日期如 2025-03-01；或 /export xlsx 7 导出最近 7 天。"
                "时间按 {tz} 显示。")


def parse_export_args(args: list[str], today: date) -> tuple[str, date | None, date | None]:
    """[xlsx|csv] [start] [end] or [xlsx|csv] N (the last N days); ValueError on anything else."""
    kind, dates, days = "xlsx", [], None
    for arg in args:
        low = arg.lower().lstrip(".")
        if low in ("xlsx", "excel", "csv"):
            kind = "csv" if low == "csv" else "xlsx"
        elif re.fullmatch(r"\d{1,4}天?", arg) and len(arg.rstrip("天")) <= 3:
            days = int(arg.rstrip("天"))
        elif re.fullmatch(r"\d{4}[-/.]?\d{1,2}[-/.]?\d{1,2}", arg):
            parts = re.split(r"[-/.]", arg) if re.search(r"[-/.]", arg) else [arg[:4], arg[4:6], arg[6:]]
            dates.append(date(int(parts[0]), int(parts[1]), int(parts[2])))
        else:
            raise ValueError(arg)
    if days is not None:
        return kind, today - timedelta(days=max(days, 1) - 1), today
    if len(dates) > 2:
        raise ValueError("too many dates")
    start = dates[0] if dates else None
    end = dates[1] if len(dates) == 2 else (today if dates else None)
    if start and end and start > end:
        start, end = end, start
    return kind, start, end


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    svc = services(context)
    usage = EXPORT_USAGE.format(tz=svc.log.tz.key)
    if not context.args:
        buttons = [[InlineKeyboardButton("Excel：最近 7 天", callback_data="exp:xlsx:7"),
                    InlineKeyboardButton("Excel：最近 30 天", callback_data="exp:xlsx:30")],
                   [InlineKeyboardButton("Excel：全部", callback_data="exp:xlsx:0"),
                    InlineKeyboardButton("CSV：全部", callback_data="exp:csv:0")]]
        await update.effective_message.reply_text("导出对话记录：请选择格式和范围。\n" + usage,
                                                  reply_markup=InlineKeyboardMarkup(buttons))
        return
    today = datetime.now(svc.log.tz).date()
    try:
        kind, start, end = parse_export_args(context.args, today)
    except ValueError:
        await update.effective_message.reply_text("没看懂要导出的范围。" + usage)
        return
    await _send_export(update.effective_message, svc, kind, start, end)


async def _export_button(update: Update, svc: Services, rest: str) -> None:
    kind, _, days = rest.partition(":")
    if kind not in ("xlsx", "csv") or not days.isdigit():
        await update.callback_query.answer(EXPIRED)
        return
    await update.callback_query.answer("正在导出…")
    today = datetime.now(svc.log.tz).date()
    start = today - timedelta(days=int(days) - 1) if int(days) else None
    await _send_export(update.callback_query.message, svc, kind, start, today if start else None)


async def _send_export(message: Message, svc: Services, kind: str, start: date | None, end: date | None) -> None:
    export = svc.log.export_xlsx if kind == "xlsx" else svc.log.export_csv
    data = await asyncio.to_thread(export, start, end)
    span = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if start and end else "全部"
    stamp = f"{start:%Y%m%d}-{end:%Y%m%d}" if start and end else datetime.now(svc.log.tz).strftime("all-%Y%m%d")
    label = "Excel" if kind == "xlsx" else "CSV，UTF-8"
    await message.reply_document(document=data, filename=f"conversations-{stamp}.{kind}",
                                 caption=f"对话记录（{label}，{span}，时间为 {svc.log.tz.key}）")


# --- errors -----------------------------------------------------------------------------------

async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback, tell the user something short and true, keep running."""
    err = context.error
    log.error("error while handling an update", exc_info=err)
    if not isinstance(update, Update):
        return
    try:
        svc = services(context)
        user_id, name, chat_id, chat_type = _who(update)
        tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))[-1500:] if err else ""
        question = (update.effective_message.text or "") if update.effective_message else ""
        await asyncio.to_thread(svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id, chat_type=chat_type,
                                question=question, kind="error", error=f"{type(err).__name__}: {tb}")
    except Exception:  # the log itself failing must not hide the original error
        log.exception("could not log the error")
    if update.callback_query:
        try:
            await update.callback_query.answer("出了点问题，请稍后再试。")
        except Exception:
            pass
    elif update.effective_message:
        try:
            await update.effective_message.reply_text("抱歉，处理这条消息时出了问题，已记录下来。请稍后再试。")
        except Exception:
            log.exception("could not tell the user about the error")
