"""Flood limits: python-telegram-bot's AIORateLimiter (global and group limits, RetryAfter honoured)
plus about one message per second in each chat, which Telegram asks for and AIORateLimiter leaves out."""

from __future__ import annotations

from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

_MESSAGE_ENDPOINTS = ("send", "edit", "copy", "forward")


class ChatRateLimiter(AIORateLimiter):
    def __init__(self, per_chat_per_second: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self._per_chat = per_chat_per_second
        self._chats: dict[int | str, AsyncLimiter] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)  # "typing…" is not a message: it must not use the message budget
        chat_id = data.get("chat_id")
        if chat_id is not None and endpoint.startswith(_MESSAGE_ENDPOINTS) and endpoint != "sendChatAction":
            limiter = self._chats.get(chat_id)
            if limiter is None:
                if len(self._chats) > 10_000:  # forget idle chats rather than grow without bound
                    self._chats.clear()
                limiter = self._chats[chat_id] = AsyncLimiter(1, 1 / self._per_chat)
            async with limiter:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
