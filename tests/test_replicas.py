"""Two bot processes (webhook mode) sharing one PostgreSQL and one Chroma server.

Telegram keeps one webhook per bot; a load balancer spreads the updates. Here the test plays the load
balancer and posts each update straight to one replica. Runs in server mode (make test-server).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from aiohttp import ClientSession
from sqlmodel import select

from knowledge.embeddings import FakeEmbedder
from knowledge.exchanges import ExchangeRow
from knowledge.service import KnowledgeBase
from knowledge.settings import Settings
from tests.bot_harness import ADMIN, STAFF, free_port
from tests.conftest import SAMPLE, TEST_CHROMA_URL, TEST_DATABASE_URL, shared_path, store_env
from tests.telegram_server import FakeTelegram

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_CHROMA_URL),
                                reason="two replicas need PostgreSQL and a Chroma server: runs in make test-server")


def wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_two_webhook_replicas_share_the_index_and_the_log(store_config):
    KnowledgeBase(Settings(embedder="fake", **store_config), embedder=FakeEmbedder())  # schema ready
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coro, timeout=60):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    server = FakeTelegram(shared_path("telegram", "bot-api.json"))
    run(server.start())
    ports = [free_port(), free_port()]
    procs = []
    for port in ports:
        env = {**os.environ, **store_env(store_config), "REPORTBOT_EMBEDDER": "fake",
               "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
               "TELEGRAM_BASE_FILE_URL": server.base_file_url, "ADMIN_USER_IDS": str(ADMIN),
               "ALLOWED_USER_IDS": str(STAFF), "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
               "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": "shared-secret"}
        procs.append(subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))

    counter = iter(range(1, 10_000))

    def update_id() -> int:
        return next(counter)

    async def post(port: int, update: dict) -> int:
        async with ClientSession() as session:
            async with session.post(f"http://127.0.0.1:{port}/hook", json={"update_id": update_id(), **update},
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "shared-secret"}) as resp:
                return resp.status

    try:
        run(server.wait_for(lambda c: sum(1 for x in server.calls if x.method == "setWebhook") >= 2, 60), 65)
        # python-telegram-bot sets the webhook before its server listens: wait until both accept connections
        for port in ports:
            wait_listening(port)
        # an admin sends a report to replica A
        document = server.upload(SAMPLE.name, SAMPLE.read_bytes())
        mark = len(server.calls)
        assert run(post(ports[0], server.message_update(ADMIN, "", document=document, caption="/ingest"))) == 200
        run(server.wait_for(lambda c: c.method == "editMessageText" and "收录完成" in c.params.get("text", ""), 60,
                            since=mark), 65)
        # staff ask replica B about it
        mark = len(server.calls)
        assert run(post(ports[1], server.message_update(STAFF, "临江开发区2025年地区生产总值增长目标是多少？"))) == 200
        answer = run(server.wait_for(lambda c: c.method == "sendMessage" and "7%左右" in c.params.get("text", ""), 60,
                                     since=mark), 65)
        assert str(answer.params["chat_id"]) == str(STAFF)
        # and replica A answers too, both logging into the same table
        mark = len(server.calls)
        assert run(post(ports[0], server.message_update(STAFF, "临江开发区2024年地区生产总值是多少？"))) == 200
        run(server.wait_for(lambda c: c.method == "sendMessage" and "486.3亿元" in c.params.get("text", ""), 60,
                            since=mark), 65)
        assert server.violations == []
    finally:
        outputs = []
        for p in procs:
            p.terminate()
            outputs.append(p.communicate(timeout=30)[0])
        run(server.stop())
        loop.call_soon_threadsafe(loop.stop)
    kb = KnowledgeBase(Settings(embedder="fake", **store_config), embedder=FakeEmbedder())
    with kb.stores.session() as s:
        rows = s.exec(select(ExchangeRow)).all()
    assert sorted(r.kind for r in rows) == ["command", "question", "question"], outputs
    assert len(kb.reports()) == 1
