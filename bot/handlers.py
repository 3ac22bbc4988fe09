"""Telegram handlers: each checks access, makes one call into knowledge, formats, and logs the exchange."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from knowledge.errors import ReportBotError
from knowledge.exchanges import ExchangeLog
from knowledge.readers import SUPPORTED_SUFFIXES
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
    "看引文原文：点答案下的“原文”按钮，或 /source 1\n"
    "已收录的报告：/reports\n"
    "群聊里请 @我、回复我，或用 /ask 问题。"
)
ADMIN_HELP = (
    "\n\n管理员：发送报告文件（.txt .md .docx .pdf .html），说明写 /ingest，或回复文件 /ingest；"
    "/remove 报告 · /stats · /unanswered · /export"
)
REFUSAL = "抱歉，您还没有使用权限。请把您的用户 ID {user_id} 发给管理员开通。"
ADMIN_ONLY = "抱歉，这个命令只有管理员可以使用。"
PROGRESS_EVERY_S = 1.5
TYPING_AFTER_S = 0.3


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
    exchange_id = await asyncio.to_thread(
        svc.log.record, user_id=user_id, user_name=name, chat_id=chat_id, chat_type=chat_type, question=question,
        answer=ans, resolved_question=ans.resolved)
    await _send_answer(message, ans, exchange_id, placeholder)


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


async def _send_answer(message: Message, ans: Answer, exchange_id: int, placeholder: Message | None = None) -> None:
    """The final, checked text with citations and buttons; it replaces the streamed draft when there is one."""
    parts = fmt.answer_html(ans)
    for i, part in enumerate(parts):
        markup = fmt.answer_keyboard(exchange_id, ans.citations) if i == len(parts) - 1 else None
        if i == 0 and placeholder is not None:
            await placeholder.edit_text(part, parse_mode=ParseMode.HTML, reply_markup=markup,
                                        link_preview_options=LinkPreviewOptions(is_disabled=True))
            continue
        await message.reply_text(part, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=(i == 0),
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if not await allowed(update, context):
        return
    svc = services(context)
    kind, _, rest = (query.data or "").partition(":")
    ex_text, _, arg = rest.partition(":")
    if not ex_text.isdigit():
        await query.answer("这个按钮已失效。")
        return
    exchange_id = int(ex_text)
    if kind == "src" and arg.isdigit():
        cites = await asyncio.to_thread(svc.log.citations, exchange_id)
        cite = next((c for c in cites if c.n == int(arg)), None)
        if cite is None:
            await query.answer("找不到这条出处了。")
            return
        await query.answer()
        for part in fmt.source_html(cite):
            await query.message.reply_text(part, parse_mode=ParseMode.HTML)
    elif kind == "fb":
        ok = await asyncio.to_thread(svc.log.feedback, exchange_id, update.effective_user.id, arg) \
            if arg in ("up", "down", "wrong_number", "wrong_source") else False
        await query.answer("已记录，谢谢反馈！" if ok else "这个按钮已失效。")
    else:
        await query.answer("这个按钮已失效。")


async def source_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    n = int(context.args[0]) if context.args and context.args[0].isdigit() else 1
    last = await asyncio.to_thread(svc.log.last_question, update.effective_chat.id)
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
    if not await allowed(update, context):
        return
    rows = await asyncio.to_thread(services(context).kb.reports)
    if not rows:
        await update.effective_message.reply_text("还没有收录报告。管理员可以直接发送报告文件。")
        return
    lines = [f"<b>已收录 {len(rows)} 份报告</b>"]
    for r in rows:
        lines.append(f"{r.id}. {fmt.esc(r.title)}（{fmt.esc(r.issuer or '-')}，{r.year or '-'}年；"
                     f"收录于 {r.ingested_at:%Y-%m-%d}）")
    for part in fmt.split_message("\n".join(lines)):
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


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
        text = f"无法下载 {name}：{exc.message}"
        if "too big" in exc.message.lower():
            text += f"（Telegram 机器人只能下载 {svc.settings.telegram_max_download_mb} MB 以内的文件）"
        await status.edit_text(text)
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
    st = await asyncio.to_thread(services(context).log.stats)
    share = f"{st.found / st.total:.0%}" if st.total else "-"
    lines = [f"<b>近 7 天</b>：提问 {st.total} 次，找到答案 {share}"]
    lines += [f"{day}：{n} 问，{found} 有答案" for day, n, found in st.days]
    labels = {"up": "👍", "down": "👎", "wrong_number": "数字有误", "wrong_source": "出处有误"}
    lines.append("反馈：" + ("，".join(f"{labels[k]} {st.feedback.get(k, 0)}" for k in labels)))
    if st.llm_answers or st.llm_rejected or st.llm_tokens:
        lines.append(f"模型：生成 {st.llm_answers} 次，未通过核对或超时改用原文 {st.llm_rejected} 次，"
                     f"用量 {st.llm_tokens} tokens，模型耗时中位数 {st.llm_ms_median:.0f} ms")
    if st.slowest:
        lines.append("最慢的回答：")
        lines += [f"  {ms:.0f} ms  {fmt.esc(q[:40])}" for ms, q in st.slowest]
    await update.effective_message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    rows = await asyncio.to_thread(services(context).log.unanswered)
    if not rows:
        await update.effective_message.reply_text("最近没有找不到答案的问题。")
        return
    lines = ["<b>报告里找不到答案的问题</b>（员工需要、报告缺少的信息）："]
    lines += [f"• {r.created_at:%m-%d %H:%M} {fmt.esc(r.question[:80])}" for r in rows]
    for part in fmt.split_message("\n".join(lines)):
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await allowed(update, context, admin=True):
        return
    data = await asyncio.to_thread(services(context).log.export_csv)
    await update.effective_message.reply_document(document=data, filename=f"conversations-{time.strftime('%Y%m%d')}.csv",
                                                  caption="对话记录（CSV，UTF-8）")


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
