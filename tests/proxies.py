"""Two small local proxies speaking the real protocols, for testing TELEGRAM_PROXY end to end.

Each records the local address of every connection it opens to the target, so a test can check that
every request the Bot API server saw came from the proxy (its peer is one of those addresses).
HttpProxy forwards absolute-form requests (what an HTTP client sends to a proxy for an http:// URL);
Socks5Proxy tunnels TCP after the SOCKS5 handshake (RFC 1928), with or without a user and password (RFC 1929).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit


class _Proxy:
    scheme = ""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.upstream: set[tuple[str, int]] = set()  # local (host, port) of every connection to the target
        self.requests = 0
        self.credentials = ""

    @property
    def url(self) -> str:
        auth = f"{self.credentials}@" if self.credentials else ""
        return f"{self.scheme}://{auth}127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self.server:
                self.server.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _connect(self, host: str, port: int):
        reader, writer = await asyncio.open_connection(host, port)
        self.upstream.add(tuple(writer.get_extra_info("sockname"))[:2])
        return reader, writer

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class HttpProxy(_Proxy):
    """One request per client connection: forwarded with Connection: close, the answer relayed as it comes."""

    scheme = "http"

    async def _serve(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        names = {h.split(":", 1)[0].strip().lower(): h.split(":", 1)[1].strip() for h in headers}
        body = b""
        if "content-length" in names:
            body = await reader.readexactly(int(names["content-length"]))
        elif names.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        url = urlsplit(target)
        if not url.hostname:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        self.requests += 1
        up_reader, up_writer = await self._connect(url.hostname, url.port or 80)
        keep = [h for h in headers if h.split(":", 1)[0].strip().lower() not in
                ("proxy-connection", "proxy-authorization", "connection", "transfer-encoding", "content-length", "keep-alive")]
        path = url.path + (f"?{url.query}" if url.query else "")
        request = [f"{method} {path} HTTP/1.1", *keep, f"Content-Length: {len(body)}", "Connection: close",
                   "Via: 1.1 reportbot-test-proxy"]
        up_writer.write(("\r\n".join(request) + "\r\n\r\n").encode("latin-1") + body)
        await up_writer.drain()
        with contextlib.suppress(ConnectionError):
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        up_writer.close()
        writer.close()


class Socks5Proxy(_Proxy):
    scheme = "socks5"

    def __init__(self, user: str = "", password: str = "") -> None:
        super().__init__()
        self.user, self.password = user, password
        self.credentials = f"{user}:{password}" if user else ""
        self.refused = 0

    async def _serve(self, reader, writer) -> None:
        try:
            version, n = await reader.readexactly(2)
            methods = await reader.readexactly(n)
            want = 0x02 if self.user else 0x00
            if version != 5 or want not in methods:
                self.refused += 1  # counted before the reply: the client may act on it before this thread runs again
                writer.write(b"\x05\xff")
                return
            writer.write(bytes([5, want]))
            if self.user:
                _, ulen = await reader.readexactly(2)
                user = (await reader.readexactly(ulen)).decode()
                plen = (await reader.readexactly(1))[0]
                password = (await reader.readexactly(plen)).decode()
                ok = user == self.user and password == self.password
                self.refused += not ok  # before the reply, for the same reason
                writer.write(b"\x01\x00" if ok else b"\x01\x01")
                if not ok:
                    return
            _, command, _, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            elif atyp == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                writer.write(b"\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00")
                return
            port = int.from_bytes(await reader.readexactly(2), "big")
            if command != 1:
                writer.write(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
                return
            self.requests += 1
            up_reader, up_writer = await self._connect(host, port)
            writer.write(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + (0).to_bytes(2, "big"))
            await writer.drain()
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                await writer.drain()
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()
