"""A local Telegram Bot API server for end-to-end tests, checking every call against the published spec.

Every request the bot makes is checked against ../shared/telegram/bot-api.json: the method exists, the
required parameters are present, no parameter is unknown, HTML text is well formed and within Telegram's
limits. Answers are objects shaped as the spec says (Message with `date` in seconds, `from`, `chat`, …).
Simulated users send updates, which the bot receives by long polling (getUpdates) or by webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
                "tg-spoiler", "span", "tg-emoji"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_html(text: str) -> tuple[str, list[str]]:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    errors = parser.errors + ([f"unclosed <{t}>" for t in parser.stack] if parser.stack else [])
    # a bare "<" or "&" that does not start a tag or an entity is rejected by Telegram too
    if re.search(r"<(?!/?[a-zA-Z][\w-]*[\s>/])", text):
        errors.append("unescaped <")
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        errors.append("unescaped &")
    return "".join(parser.text), errors


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    peer: tuple | None = None  # (host, port) the request came from: a proxy's own socket when one is used


class FakeTelegram:
    """The server: spec checks, state for chats and files, and helpers that act as users."""

    def __init__(self, spec_path: Path, token: str = "123456:TEST-token", username: str = "report_test_bot"):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        self.methods = {m["name"]: m for m in spec["methods"].values()}
        self.types = spec["types"]
        self.token = token
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "报告助手", "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.documents_sent: list[tuple[str, bytes]] = []
        self.photos_sent: list[tuple[bytes, dict[str, Any]]] = []  # (PNG bytes, the call's parameters)
        self.downloads: list[tuple[str, tuple | None]] = []  # (file path, peer) of every file download
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str, list[dict]] = {}
        self.flood: dict[str, int] = {}  # method -> how many of its next calls get 429 Too Many Requests
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.session: ClientSession | None = None

    # --- server -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.session = ClientSession()

    async def stop(self) -> None:
        if self.session:
            await self.session.close()
        if self.runner:
            await self.runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.downloads.append((path, request.transport.get_extra_info("peername") if request.transport else None))
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data)
        return web.Response(status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        name = request.match_info["method"]
        params, files = await self._params(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.calls.append(Call(name, params, peer=tuple(peer) if peer else None))
        self._new_call.set()
        problems = self._check_call(name, params)
        if problems:
            self.violations.extend(f"{name}: {p}" for p in problems)
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: " + "; ".join(problems)},
                                     status=400)
        if self.flood.get(name):
            self.flood[name] -= 1
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}, status=429)
        handler = getattr(self, f"api_{name}", None)
        if handler is None:
            self.violations.append(f"{name}: the test server does not implement it")
            return web.json_response({"ok": False, "error_code": 501, "description": f"{name} not implemented"}, status=501)
        try:
            result = await handler(params, files)
        except ApiError as exc:
            return web.json_response({"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name] = (part.filename, await part.read())
                else:
                    params[part.name] = await part.text()
        else:
            params = dict(await request.post())
        params.update(request.query)
        for key, value in list(params.items()):  # complex values arrive JSON-serialized
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError:
                    pass
        for key in files:
            params.setdefault(key, f"attach://{key}")
        return params, files

    def _check_call(self, name: str, params: dict[str, Any]) -> list[str]:
        method = self.methods.get(name)
        if method is None:
            return [f"unknown method {name}"]
        fields = {f["name"]: f for f in method.get("fields", [])}
        problems = [f"missing required parameter {f}" for f, spec in fields.items() if spec["required"] and f not in params]
        problems += [f"unknown parameter {p}" for p in params if p not in fields]
        for key, limit in (("text", 4096), ("caption", 1024)):
            if key in params:
                text = str(params[key])
                if params.get("parse_mode") == "HTML":
                    text, errors = check_html(text)
                    problems += [f"{key}: {e}" for e in errors]
                if not text.strip() and key == "text":
                    problems.append("text is empty")
                if utf16_len(text) > limit:
                    problems.append(f"{key} is {utf16_len(text)} characters, over {limit}")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        problems.append("callback_data over 64 bytes")
        if name == "answerInlineQuery":
            for r in params.get("results", []):
                content = r.get("input_message_content", {})
                if content.get("parse_mode") == "HTML":
                    problems += [f"inline result: {e}" for e in check_html(content.get("message_text", ""))[1]]
        return problems

    def check_object(self, type_name: str, obj: dict) -> None:
        """The server's own answers must be shaped as the spec says, too."""
        spec = self.types.get(type_name)
        if spec is None:
            return
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for f, s in fields.items():
            if s.get("required") and f not in obj:
                raise AssertionError(f"server bug: {type_name} lacks {f}")
        for key in obj:
            if key not in fields:
                raise AssertionError(f"server bug: {type_name} has no field {key}")

    # --- objects --------------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> dict:
        chat_id = int(chat_id)
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"用户{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": "开发区工作群"}

    def _message(self, chat_id: int, text: str | None = None, **extra: Any) -> dict:
        msg = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
               "from": self.bot_user, **({"text": text} if text is not None else {}), **extra}
        self.check_object("Message", msg)
        return msg

    # --- Bot API methods ---------------------------------------------------------------------------

    async def api_getMe(self, params, files):
        self.check_object("User", self.bot_user)
        return self.bot_user

    async def api_getUpdates(self, params, files):
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self.updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        return self.updates[: int(params.get("limit", 100) or 100)]

    async def api_setWebhook(self, params, files):
        self.webhook = {"url": params["url"], "secret": params.get("secret_token")}
        return True

    async def api_deleteWebhook(self, params, files):
        self.webhook = None
        return True

    async def api_setMyCommands(self, params, files):
        scope = params.get("scope") or {"type": "default"}
        key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        self.commands[key] = params["commands"]
        return True

    async def api_deleteMyCommands(self, params, files):
        return True

    async def api_sendChatAction(self, params, files):
        return True

    async def api_sendMessage(self, params, files):
        extra = {}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        return self._message(params["chat_id"], params["text"], **extra)

    async def api_editMessageText(self, params, files):
        return self._message(params["chat_id"], params["text"], message_id=int(params["message_id"]),
                             edit_date=int(time.time()))

    async def api_answerCallbackQuery(self, params, files):
        return True

    async def api_editMessageReplyMarkup(self, params, files):
        extra = {"reply_markup": params["reply_markup"]} if params.get("reply_markup") else {}
        return self._message(params["chat_id"], "edited", message_id=int(params["message_id"]),
                             edit_date=int(time.time()), **extra)

    async def api_deleteMessage(self, params, files):
        return True

    async def api_sendPhoto(self, params, files):
        name, data = files.get("photo", ("photo", b""))
        if not data:
            raise ApiError(400, "Bad Request: photo must be uploaded")
        if not data.startswith(b"\x89PNG\r\n\x1a\n") and not data.startswith(b"\xff\xd8"):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if len(data) > 10 * 1024 * 1024:
            raise ApiError(400, "Bad Request: photo is too big")
        self.photos_sent.append((data, params))
        width, height = _png_size(data)
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        photo = [{"file_id": f"photo{next(self._file_ids)}", "file_unique_id": "p", "width": width, "height": height,
                  "file_size": len(data)}]
        for size in photo:
            self.check_object("PhotoSize", size)
        extra = {"caption": params["caption"]} if "caption" in params else {}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        return self._message(params["chat_id"], None, photo=photo, **extra)

    async def api_answerInlineQuery(self, params, files):
        return True

    async def api_getFile(self, params, files):
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        if len(data) > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        obj = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}
        self.check_object("File", obj)
        return obj

    async def api_sendDocument(self, params, files):
        name, data = files.get("document", ("document", b""))
        self.documents_sent.append((name, data))
        doc = {"file_id": f"sent{next(self._file_ids)}", "file_unique_id": "u", "file_name": name, "file_size": len(data)}
        self.check_object("Document", doc)
        return self._message(params["chat_id"], None, document=doc, **({"caption": params["caption"]} if "caption" in params else {}))

    # --- acting as users ---------------------------------------------------------------------------

    async def push(self, update: dict) -> None:
        update = {"update_id": next(self._update_ids), **update}
        self.check_object("Update", update)
        if self.webhook:
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"]} if self.webhook.get("secret") else {}
            async with self.session.post(self.webhook["url"], json=update, headers=headers) as resp:
                if resp.status != 200:
                    self.violations.append(f"webhook answered {resp.status}")
        else:
            self.updates.append(update)
            self._new_update.set()

    @staticmethod
    def user(user_id: int, name: str = "张三") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def message_update(self, user_id: int, text: str, chat_id: int | None = None, reply_to: dict | None = None,
                       document: dict | None = None, caption: str | None = None) -> dict:
        chat_id = chat_id if chat_id is not None else user_id
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                               "from": self.user(user_id)}
        if text:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            mention = f"@{self.bot_user['username']}"
            if mention in text:
                msg["entities"] = msg.get("entities", []) + [
                    {"type": "mention", "offset": utf16_len(text[: text.index(mention)]), "length": len(mention)}]
        if reply_to:
            msg["reply_to_message"] = reply_to
        if document:
            msg["document"] = document
        if caption:
            msg["caption"] = caption
            if caption.startswith("/"):
                msg["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        self.check_object("Message", msg)
        return {"message": msg}

    def upload(self, name: str, data: bytes) -> dict:
        file_id = f"file{next(self._file_ids)}"
        self.files[file_id] = (f"documents/{file_id}_{name}", data)
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name, "file_size": len(data)}

    def callback_update(self, user_id: int, message: dict, data: str) -> dict:
        return {"callback_query": {"id": f"cb{next(self._file_ids)}", "from": self.user(user_id), "message": message,
                                   "chat_instance": "ci1", "data": data}}

    def inline_update(self, user_id: int, query: str) -> dict:
        return {"inline_query": {"id": f"iq{next(self._file_ids)}", "from": self.user(user_id), "query": query,
                                 "offset": ""}}

    def sent(self, method: str = "sendMessage", chat_id: int | None = None, since: int = 0) -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method and
                (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    async def wait_for(self, predicate, timeout: float = 20.0, since: int = 0) -> Call:
        """The first call from index `since` on matching predicate, or AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for call in self.calls[seen:]:
                if predicate(call):
                    return call
            seen = len(self.calls)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching Bot API call within {timeout}s; calls: "
                                     f"{[(c.method, str(c.params)[:120]) for c in self.calls[-8:]]}")
            self._new_call.clear()
            try:
                await asyncio.wait_for(self._new_call.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (Telegram checks a photo's dimensions)."""
    if data.startswith(b"\x89PNG"):
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1, 1


class ApiError(Exception):
    def __init__(self, code: int, description: str):
        self.code, self.description = code, description
