"""``web_server``: an ``aiohttp.web`` application as a test-only peer, in its own thread
and loop, with the routes the end-to-end tests need (see :class:`WebServer`).
Registered as a fixture by ``conftest.py`` (``pytest_plugins``)."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from typing import (
    Any,
    Callable,
)

import pytest

from _servers import HOST, pattern_bytes, started_in_threads

# --------------------------------------------------------------------------------------
# web_server: aiohttp.web as a test-only peer
# --------------------------------------------------------------------------------------


class InFlight:
    """Counts concurrent requests in ``/slow`` handlers (shareable between servers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.max = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.max = max(self.max, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


class WebServer:
    """Created by the ``web_server`` fixture.

    Routes (all methods unless stated):

    ``/echo``            JSON: method, path, query (pairs), headers (pairs), body (latin-1
                         text), peer (the client's port: one port per connection).
    ``/bytes/{n}``       *n* bytes of :func:`pattern_bytes`, Content-Length, written in
                         64 KiB pieces; ``?chunked=1`` sends them chunked instead.
    ``/gzip``            :attr:`GZIP_TEXT` gzip-compressed (Content-Encoding: gzip).
    ``/deflate``         :attr:`GZIP_TEXT` zlib-compressed (Content-Encoding: deflate).
    ``/chunked``         :attr:`CHUNKS` written one by one with a short pause (chunked).
    ``/json``            ``{"ok": true, "items": [1, 2, 3]}`` as application/json.
    ``/json-as-text``    the same JSON with Content-Type text/plain.
    ``/status/{code}``   that status, body ``status <code>``.
    ``/slow``            sleeps ``?delay=`` seconds (default 0.2), counted in
                         :attr:`in_flight` and :attr:`own_in_flight`; body ``slow``.
    ``/redirect``        302 to ``/echo``.
    """

    GZIP_TEXT = ("The quick brown fox jumps over the lazy dog. " * 400).encode()
    CHUNKS = [b"first,", b"second,", b"third,", b"x" * 70000, b"last"]

    def __init__(self, in_flight: InFlight | None = None) -> None:
        #: concurrent ``/slow`` requests on this server and (when shared) on others
        self.in_flight = in_flight or InFlight()
        #: concurrent ``/slow`` requests on this server alone
        self.own_in_flight = InFlight()
        self.peers: list[int] = []
        self.port = 0
        self._runner: Any = None

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def start(self) -> None:
        from aiohttp import web  # the test-only peer

        app = web.Application()
        app.router.add_route("*", "/echo", self._echo)
        app.router.add_route("*", "/bytes/{n}", self._bytes)
        app.router.add_route("*", "/gzip", self._gzip)
        app.router.add_route("*", "/deflate", self._deflate)
        app.router.add_route("*", "/chunked", self._chunked)
        app.router.add_route("*", "/json", self._json)
        app.router.add_route("*", "/json-as-text", self._json_as_text)
        app.router.add_route("*", "/status/{code}", self._status)
        app.router.add_route("*", "/slow", self._slow)
        app.router.add_route("*", "/redirect", self._redirect)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _note_peer(self, request: Any) -> int:
        peer = request.transport.get_extra_info("peername")[1]
        self.peers.append(peer)
        return int(peer)

    async def _echo(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.read()
        return web.json_response(
            {
                "method": request.method,
                "path": request.path,
                "raw_path": request.raw_path,
                "query": list(request.query.items()),
                "headers": list(request.headers.items()),
                "body": body.decode("latin-1"),
                "peer": self._note_peer(request),
                "version": f"{request.version.major}.{request.version.minor}",
            }
        )

    async def _bytes(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        n = int(request.match_info["n"])
        data = pattern_bytes(n)
        resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        if request.query.get("chunked"):
            resp.enable_chunked_encoding()
        else:
            resp.content_length = n
        await resp.prepare(request)
        if request.method != "HEAD":
            for i in range(0, n, 65536):
                await resp.write(data[i : i + 65536])
        await resp.write_eof()
        return resp

    async def _gzip(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        return web.Response(
            body=gzip.compress(self.GZIP_TEXT),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        )

    async def _deflate(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        return web.Response(
            body=zlib.compress(self.GZIP_TEXT),
            headers={"Content-Encoding": "deflate", "Content-Type": "text/plain"},
        )

    async def _chunked(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for piece in self.CHUNKS:
            await resp.write(piece)
            await asyncio.sleep(0.01)
        await resp.write_eof()
        return resp

    async def _json(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        return web.json_response({"ok": True, "items": [1, 2, 3]})

    async def _json_as_text(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        return web.Response(text=json.dumps({"ok": True}), content_type="text/plain")

    async def _status(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        code = int(request.match_info["code"])
        body = None if code in (204, 304) else f"status {code}"
        return web.Response(status=code, text=body)

    async def _slow(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        self.in_flight.enter()
        self.own_in_flight.enter()
        try:
            await asyncio.sleep(float(request.query.get("delay", "0.2")))
        finally:
            self.own_in_flight.leave()
            self.in_flight.leave()
        return web.Response(text="slow")

    async def _redirect(self, request: Any) -> Any:
        from aiohttp import web

        self._note_peer(request)
        raise web.HTTPFound("/echo")


@pytest.fixture
def web_server() -> Iterator[Callable[..., WebServer]]:
    """Factory fixture: ``srv = web_server()`` starts an aiohttp.web peer (see
    :class:`WebServer` for the routes).  ``web_server(in_flight=other.in_flight)``
    shares the ``/slow`` concurrency counter with another server."""
    yield from started_in_threads("web_server", lambda _thread, in_flight=None: WebServer(in_flight))
