"""Runs the real bot (python-telegram-bot Application) against FakeTelegram on a background event loop.

Tests stay synchronous: they act as users through `harness.act(...)` and wait for the bot's Bot API calls.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.settings import BotSettings
from knowledge.service import KnowledgeBase
from tests.telegram_server import FakeTelegram

ADMIN = 1001
STAFF = 2002
STRANGER = 3003
GROUP = -1001234567890  # a real supergroup id: beyond 32 bits


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotHarness:
    def __init__(self, settings: BotSettings, kb: KnowledgeBase, spec: Path, mode: str = "polling"):
        self.settings, self.kb, self.spec, self.mode = settings, kb, spec, mode
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: FakeTelegram | None = None
        self.app = None
        self.webhook_port = 0

    def run(self, coro, timeout: float = 90.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> BotHarness:
        self.thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        self.server = FakeTelegram(self.spec)
        await self.server.start()
        self.settings.telegram_base_url = self.server.base_url
        self.settings.telegram_base_file_url = self.server.base_file_url
        self.app = build_application(self.settings, self.kb)
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        if self.mode == "webhook":
            self.webhook_port = free_port()
            await self.app.updater.start_webhook(
                listen="127.0.0.1", port=self.webhook_port, url_path="telegram-hook",
                webhook_url=f"http://127.0.0.1:{self.webhook_port}/telegram-hook", secret_token="hook-secret-123")
        else:
            await self.app.updater.start_polling(poll_interval=0.0, timeout=1)

    def stop(self) -> None:
        try:
            self.run(self._stop(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    async def _stop(self) -> None:
        if self.app:
            if self.app.updater.running:
                await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
        if self.server:
            await self.server.stop()

    # --- acting as users ------------------------------------------------------------------------

    def send(self, update: dict) -> int:
        """Push an update; returns the call count before it, to look only at what follows."""
        mark = len(self.server.calls)
        self.run(self.server.push(update))
        return mark

    def say(self, user_id: int, text: str, chat_id: int | None = None, **kw) -> int:
        return self.send(self.server.message_update(user_id, text, chat_id=chat_id, **kw))

    def wait(self, predicate, since: int = 0, timeout: float = 30.0):
        return self.run(self.server.wait_for(predicate, timeout, since), timeout + 5)

    def reply_to(self, chat_id: int, since: int, contains: str = "", method: str = "sendMessage", timeout: float = 30.0):
        return self.wait(lambda c: c.method == method and str(c.params.get("chat_id")) == str(chat_id)
                         and contains in str(c.params.get("text", "")), since, timeout)

    def settle(self, seconds: float = 1.0) -> None:
        self.run(asyncio.sleep(seconds))
