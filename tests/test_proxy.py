"""TELEGRAM_PROXY: with a proxy set, every Bot API call and every file download goes through it.

The bot runs against the spec-checking local Bot API server through a local HTTP or SOCKS5 proxy; the
server records where each request came from, the proxy where each of its own connections started: every
request must have come from one of the proxy's connections.
"""

from __future__ import annotations

import pytest

from tests.bot_harness import ADMIN, STAFF, BotHarness
from tests.conftest import shared_path
from tests.helpers import docx_bytes
from tests.proxies import HttpProxy, Socks5Proxy
from tests.test_bot_e2e import indexed_kb, make_settings


@pytest.fixture(params=["http", "socks5", "socks5-auth"])
def proxied(request, store_config):
    proxy = {"http": HttpProxy, "socks5": Socks5Proxy,
             "socks5-auth": lambda: Socks5Proxy(user="office", password="s3cret")}[request.param]().start()
    settings = make_settings(store_config, telegram_proxy=proxy.url)
    h = BotHarness(settings, indexed_kb(settings), shared_path("telegram", "bot-api.json")).start()
    h.proxy = proxy
    yield h
    h.stop()
    proxy.stop()
    assert h.server.violations == [], h.server.violations


def test_every_call_and_download_goes_through_the_proxy(proxied):
    h = proxied
    mark = h.say(STAFF, "开发区2014年GDP预期增长多少？")
    h.reply_to(STAFF, mark, "8%以上")
    document = h.server.upload("2025_测试开发区_工作报告.docx", docx_bytes())
    mark = h.say(ADMIN, "", document=document, caption="/ingest")
    h.wait(lambda c: c.method == "editMessageText" and "收录完成" in c.params["text"], mark, timeout=60)
    calls = list(h.server.calls)
    methods = {c.method for c in calls}
    assert {"getMe", "getUpdates", "sendMessage", "getFile", "editMessageText", "setMyCommands"} <= methods
    strays = [(c.method, c.peer) for c in calls if c.peer not in h.proxy.upstream]
    assert strays == [], f"calls that bypassed the proxy: {strays[:5]}"
    assert h.server.downloads and all(peer in h.proxy.upstream for _, peer in h.server.downloads)
    assert h.proxy.requests >= len(calls) if isinstance(h.proxy, HttpProxy) else h.proxy.requests >= 1


def test_wrong_proxy_credentials_never_fall_back_to_a_direct_connection(store_config):
    """The proxy refuses the bot: it cannot start, and nothing reaches the Bot API server around the proxy."""
    from tests.bot_harness import BotHarness as Harness

    proxy = Socks5Proxy(user="office", password="right").start()
    settings = make_settings(store_config, telegram_proxy=proxy.url.replace("right", "wrong"))
    h = Harness(settings, indexed_kb(settings), shared_path("telegram", "bot-api.json"))
    try:
        with pytest.raises(Exception):  # noqa: B017 - PTB wraps the proxy's refusal in its own network error
            h.start()
        assert h.server is not None and h.server.calls == []
        assert proxy.refused >= 1
    finally:
        if h.server is not None:
            h.run(h.server.stop())
        proxy.stop()
        h.loop.call_soon_threadsafe(h.loop.stop)
