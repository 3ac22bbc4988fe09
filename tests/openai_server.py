"""A local OpenAI-compatible chat completions server with scripted replies, for the LLM path's tests.

The real client stack (langchain-openai → openai → httpx) talks to it over HTTP, streaming or not.
Each request takes the next script step: a reply (text, or a function of the request's messages),
a delay, an HTTP status, or malformed output.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Step:
    kind: str  # reply | delay | status | malformed
    content: str | Callable[[list[dict]], str] = ""
    delay: float = 0.0
    status: int = 200


def reply(content) -> Step:
    return Step("reply", content)


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[Step] = []
        self.default: Step | None = None
        self.requests: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def next_step(self) -> Step:
        if self.script:
            return self.script.pop(0)
        return self.default or reply("报告中没有找到相关内容。")

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append({"body": body, "headers": dict(request.headers)})
        step = self.next_step()
        if step.kind == "delay":
            await asyncio.sleep(step.delay)
            step = self.next_step()
        if step.kind == "status":
            payload = {"error": {"message": "scripted failure", "type": "server_error" if step.status >= 500 else "rate_limit",
                                 "code": None}}
            headers = {"retry-after": "0"} if step.status == 429 else {}
            return web.json_response(payload, status=step.status, headers=headers)
        if step.kind == "malformed":
            if body.get("stream"):
                resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
                await resp.prepare(request)
                await resp.write(b"data: {this is not json\n\n")
                await resp.write(b"data: [DONE]\n\n")
                return resp
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        text = step.content(body["messages"]) if callable(step.content) else step.content
        created = int(time.time())
        usage = {"prompt_tokens": 321, "completion_tokens": max(1, len(text)), "total_tokens": 321 + max(1, len(text))}
        if not body.get("stream"):
            return web.json_response({
                "id": "chatcmpl-test", "object": "chat.completion", "created": created, "model": body.get("model", "m"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage})
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        pieces = [text[i:i + 6] for i in range(0, len(text), 6)] or [""]
        for i, piece in enumerate(pieces):
            chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": created,
                     "model": body.get("model", "m"),
                     "choices": [{"index": 0, "delta": ({"role": "assistant"} if i == 0 else {}) | {"content": piece},
                                  "finish_reason": None}]}
            await resp.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            await asyncio.sleep(step.delay or 0.01)
        final = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": created, "model": body.get("model", "m"),
                 "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await resp.write(f"data: {json.dumps(final)}\n\n".encode())
        if (body.get("stream_options") or {}).get("include_usage"):
            await resp.write(f"data: {json.dumps({**final, 'choices': [], 'usage': usage})}\n\n".encode())
        await resp.write(b"data: [DONE]\n\n")
        return resp


def source_number(messages: list[dict], needle: str) -> int:
    """The [n] of the source block in the prompt whose text contains needle (what a good model would cite)."""
    prompt = messages[-1]["content"]
    current = None
    for line in prompt.splitlines():
        if line.startswith("[") and "]" in line[:5] and "《" in line:
            current = int(line[1:line.index("]")])
        elif needle in line and current is not None:
            return current
    raise AssertionError(f"{needle!r} is in no source of the prompt")
