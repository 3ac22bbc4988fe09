"""Building and running the Telegram application (long polling by default, webhook by settings)."""

from __future__ import annotations

import asyncio
import logging
import secrets

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from knowledge.exchanges import ExchangeLog
from knowledge.service import KnowledgeBase

from . import handlers as h
from .ratelimit import ChatRateLimiter
from .settings import BotSettings

log = logging.getLogger(__name__)

# what a staff member may send that is not a question in words: one polite line asks for text
UNSUPPORTED = (filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE | filters.Sticker.ALL
               | filters.ANIMATION | filters.LOCATION | filters.CONTACT | filters.POLL | filters.Dice.ALL)

USER_COMMANDS = [
    ("ask", "提问（群聊中使用）"),
    ("target", "查目标数字：/target 指标 [年份] [地区]"),
    ("figure", "查所有数字：/figure 指标 [年份] [地区]"),
    ("trend", "历年走势图：/trend 指标 [地区]"),
    ("compare", "各地区比较：/compare 指标 年份"),
    ("source", "看上一个回答的原文：/source 编号"),
    ("reports", "已收录的报告：/reports [地区] [年份]"),
    ("help", "使用说明"),
]
ADMIN_COMMANDS = [
    ("ingest", "收录报告（回复文件）"),
    ("remove", "删除报告"),
    ("stats", "使用统计"),
    ("unanswered", "找不到答案的问题"),
    ("feedback", "待处理的反馈"),
    ("export", "导出对话记录（Excel 或 CSV）"),
]


def build_application(settings: BotSettings, kb: KnowledgeBase | None = None) -> Application:
    """The bot with every handler; services (knowledge base, log) are built in post_init unless given."""
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: put it in the environment or .env (see .env.example)")

    async def post_init(app: Application) -> None:
        knowledge = kb or KnowledgeBase(settings)
        await asyncio.to_thread(knowledge.warm_up)
        await asyncio.to_thread(warm_charts, settings)
        app.bot_data["services"] = h.Services(kb=knowledge, log=ExchangeLog(knowledge.stores), settings=settings)
        if settings.allow_everyone:
            log.warning("ALLOW_EVERYONE is set: every Telegram user can read the indexed reports")
        elif not (settings.allowed_user_ids or settings.allowed_chat_ids):
            log.warning("no ALLOWED_USER_IDS or ALLOWED_CHAT_IDS: only admins %s are served", settings.admin_user_ids)
        await register_commands(app, settings)

    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(ChatRateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
    )
    proxy = settings.telegram_proxy.get_secret_value()
    if proxy:  # every Bot API call, the long poll and file downloads go through it
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    app = builder.build()
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    app.add_handler(CommandHandler("start", h.start))
    app.add_handler(CommandHandler("help", h.help_command))
    app.add_handler(CommandHandler("ask", h.ask_command))
    app.add_handler(CommandHandler(["target", "figure"], h.figure_command))
    app.add_handler(CommandHandler("trend", h.trend_command))
    app.add_handler(CommandHandler("compare", h.compare_command))
    app.add_handler(CommandHandler("source", h.source_command))
    app.add_handler(CommandHandler("reports", h.reports_command))
    app.add_handler(CommandHandler("ingest", h.ingest_command))
    app.add_handler(CommandHandler("remove", h.remove_command))
    app.add_handler(CommandHandler("stats", h.stats_command))
    app.add_handler(CommandHandler("unanswered", h.unanswered_command))
    app.add_handler(CommandHandler("feedback", h.feedback_command))
    app.add_handler(CommandHandler("export", h.export_command))
    app.add_handler(MessageHandler(filters.Document.ALL & ~filters.ANIMATION, h.on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, h.on_text))
    app.add_handler(MessageHandler(UNSUPPORTED, h.on_unsupported))
    app.add_handler(CallbackQueryHandler(h.on_button))
    app.add_handler(InlineQueryHandler(h.on_inline))
    app.add_error_handler(h.on_error)


async def register_commands(app: Application, settings: BotSettings) -> None:
    """The command menu for everyone, and the admin commands in each admin's own chat scope."""
    user = [BotCommand(c, d) for c, d in USER_COMMANDS]
    await app.bot.set_my_commands(user, scope=BotCommandScopeDefault())
    for admin_id in settings.admin_user_ids:
        try:
            await app.bot.set_my_commands(user + [BotCommand(c, d) for c, d in ADMIN_COMMANDS],
                                          scope=BotCommandScopeChat(chat_id=admin_id))
        except TelegramError as exc:  # an admin who never opened the bot has no chat yet
            log.warning("could not set admin commands for %s: %s", admin_id, exc)


def warm_charts(settings: BotSettings) -> None:
    """Load matplotlib and the CJK font now, so the first /trend is as quick as the rest."""
    from knowledge.charts import cjk_family

    cjk_family(settings.chart_font or None)


def setup_logging(level: str, tz) -> None:
    """Log lines with times in REPORTBOT_TZ (what admins reading them expect), at LOG_LEVEL."""
    from datetime import datetime

    class LocalTime(logging.Formatter):
        def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's own name
            return datetime.fromtimestamp(record.created, tz).strftime(datefmt or "%Y-%m-%d %H:%M:%S%z")

    handler = logging.StreamHandler()
    handler.setFormatter(LocalTime("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the bot token
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


def main(settings: BotSettings | None = None) -> int:
    """Run until interrupted: webhook when WEBHOOK_URL is set, otherwise long polling."""
    if settings is None or not isinstance(settings, BotSettings):
        settings = BotSettings(**({"data_dir": settings.data_dir} if settings is not None else {}))
    setup_logging(settings.log_level or "INFO", settings.tz)
    kb = KnowledgeBase(settings)  # opened here: a missing driver or a wrong embedder is one line, not a traceback
    app = build_application(settings, kb)
    log.info("starting: %d reports indexed, proxy %s, times in %s", len(kb.reports()),
             "on" if settings.telegram_proxy.get_secret_value() else "off", settings.timezone)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() or secrets.token_urlsafe(32)
        path = settings.webhook_url.rstrip("/").rsplit("/", 1)[-1] if "/" in settings.webhook_url.split("//", 1)[-1] else ""
        app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port, url_path=path,
                        webhook_url=settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
