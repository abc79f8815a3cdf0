"""Real peers on 127.0.0.1 for the end-to-end tests, and the loop-hygiene runner.

The fixtures (``raw_server``, ``web_server``, ``nginx_server``) are registered by
``conftest.py`` (``pytest_plugins``); tests import the helpers they use::

    from _servers import Reply, pattern_bytes, run

Contents:

* :func:`run` -- run one coroutine in a fresh event loop, bounded by a timeout.  The test
  fails if the loop's exception handler was called or a ``ResourceWarning`` was emitted
  (an unclosed transport, socket, session or loop); ``gc.collect()`` runs before the
  check so that leaked objects are finalised while we are still looking (the idea of
  uvloop's ``_testbase.py``).  pytest-asyncio is not used: tests are plain functions
  that call ``run(main())``.
* ``raw_server`` -- a factory fixture: an asyncio TCP server, in its own thread and loop,
  that answers each request it receives with scripted exact bytes (:class:`Reply`) and
  records what it received.
* ``web_server`` -- an ``aiohttp.web`` application (a test-only peer) with the routes
  the end-to-end tests need (see :class:`WebServer`).
* ``nginx_server`` -- Debian's ``/usr/sbin/nginx`` with a generated configuration in a
  temporary directory, serving a large generated file and a gzip-compressible text file,
  with a redirect chain to it and a WebDAV upload directory behind 308/307 redirects.

Every server runs on 127.0.0.1 and is stopped by its fixture; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import warnings
import zlib
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any,
    Callable,
    TypeVar,
    Union,
)

import pytest

__all__ = (
    "run",
    "Reply",
    "RawServer",
    "raw_server",
    "WebServer",
    "web_server",
    "NginxServer",
    "nginx_server",
    "pattern_bytes",
    "served_in_thread",
    "tls_server_for",
    "HOST",
)

HOST = "127.0.0.1"
_IS_PYPY = sys.implementation.name == "pypy"
T = TypeVar("T")

#: Upper bound for starting or stopping a server thread / process.
_START_TIMEOUT = 10.0


# --------------------------------------------------------------------------------------
# Loop hygiene
# --------------------------------------------------------------------------------------


def run(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run *coro* in a fresh event loop and return its result.

    The test fails when the coroutine does not finish within *timeout* seconds, when
    tasks it started are still pending after it returned, when the loop's exception
    handler was called (for example "Task exception was never retrieved" or "Unclosed
    client session"), or when a ``ResourceWarning`` was emitted while the loop ran or
    during the final ``gc.collect()``.  An exception raised by the coroutine itself (a
    ``TimeoutError`` included) reaches the test unchanged.
    """
    loop = asyncio.new_event_loop()
    handler_calls: list[dict[str, Any]] = []

    def on_exception(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        handler_calls.append(context)

    loop.set_exception_handler(on_exception)
    timed_out = False
    error: BaseException | None = None
    leftover: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            asyncio.set_event_loop(loop)
            task = loop.create_task(coro)
            loop.run_until_complete(asyncio.wait({task}, timeout=timeout))
            if not task.done():
                timed_out = True
                task.cancel()
                loop.run_until_complete(asyncio.wait({task}, timeout=5.0))
            elif task.exception() is not None:
                error = task.exception()
            else:
                result = task.result()
            del task
        finally:
            try:
                leftover = _drain_loop(loop)
            finally:
                asyncio.set_event_loop(None)
                loop.close()
                del loop
                # PyPy runs finalizers (``__del__``) only on a later collection.
                for _ in range(3 if _IS_PYPY else 1):
                    gc.collect()
    # Re-emit every warning except the ResourceWarnings judged here, so that pytest's
    # own warning filters still see them.
    resource_warnings = []
    for w in caught:
        if issubclass(w.category, ResourceWarning):
            resource_warnings.append(w)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if error is not None:
        raise error
    if timed_out:
        pytest.fail(f"the test coroutine did not finish within {timeout} s")
    problems = [f"task still pending after the test: {t}" for t in leftover]
    problems += [f"exception handler called: {_describe(ctx)}" for ctx in handler_calls]
    problems += [f"ResourceWarning: {w.message}" for w in resource_warnings]
    if problems:
        pytest.fail("loop hygiene:\n  " + "\n  ".join(problems))
    return result


def _drain_loop(loop: asyncio.AbstractEventLoop) -> list[str]:
    """Let close callbacks run, cancel leftover tasks (returned, described), then shut
    down async generators and the default executor."""
    for _ in range(3):
        loop.run_until_complete(asyncio.sleep(0))
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    described = [repr(t) for t in pending]
    for t in pending:
        t.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=5.0))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())
    return described


def _describe(context: dict[str, Any]) -> str:
    message = context.get("message", "")
    exc = context.get("exception")
    return f"{message} ({exc!r})" if exc is not None else str(message)


# --------------------------------------------------------------------------------------
# A server thread: one event loop per server, off the test's loop
# --------------------------------------------------------------------------------------


class _LoopThread:
    """An event loop running in a daemon thread; coroutines are submitted to it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = _START_TIMEOUT) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        loop = self.loop

        async def cancel_all() -> None:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=_START_TIMEOUT)
            await loop.shutdown_asyncgens()

        try:
            self.call(cancel_all())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(_START_TIMEOUT)
            if self._thread.is_alive():  # pragma: no cover - a bug in a server
                raise RuntimeError(f"server thread {self._thread.name} did not stop")
            loop.close()


@contextlib.contextmanager
def served_in_thread(
    name: str, start: Callable[[asyncio.AbstractEventLoop], Coroutine[Any, Any, asyncio.AbstractServer]]
) -> Iterator[asyncio.AbstractServer]:
    """Run the server ``start(loop)`` creates in its own thread and loop; stop both
    on leaving the block."""
    thread = _LoopThread(name)
    server = thread.call(start(thread.loop))
    try:
        yield server
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        thread.call(stop())
        thread.stop()


@contextlib.contextmanager
def tls_server_for(ca: Any, response: bytes) -> Iterator[tuple[int, bytes, list[bytes]]]:
    """A TLS server on 127.0.0.1 with a certificate of the trustme *ca* for
    ``127.0.0.1`` and ``localhost``, answering every request with *response*.

    Yields ``(port, DER certificate, request heads received)``.
    """
    import ssl

    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    der = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                heads.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def start(loop: asyncio.AbstractEventLoop) -> Coroutine[Any, Any, asyncio.AbstractServer]:
        return asyncio.start_server(handle, HOST, 0, ssl=server_ctx)

    with served_in_thread("tls_server", start) as server:
        yield server.sockets[0].getsockname()[1], der, heads


# --------------------------------------------------------------------------------------
# raw_server: scripted exact bytes
# --------------------------------------------------------------------------------------


@dataclass
class Reply:
    """What the raw server sends after it has received one complete request.

    pieces
        Byte strings written in order (each one followed by a drain).
    delay
        Seconds to sleep between two pieces, and before closing when *close* is true.
    close
        Close the connection after the last piece.  When false (the default) the
        connection stays open and the server waits for the next request on it.
    hang
        After the last piece send nothing more and never close: keep reading (and
        recording) until the client closes or the fixture stops.
    """

    pieces: Sequence[bytes] = ()
    delay: float = 0.0
    close: bool = False
    hang: bool = False

    @classmethod
    def of(cls, *pieces: bytes, **kwargs: Any) -> Reply:
        return cls(pieces=pieces, **kwargs)


#: A script is one Reply used for every request, or a list used one per request in the
#: order the requests arrive (over all connections); once a list runs out the
#: server closes connections that send a further request.
Script = Union[Reply, Sequence[Reply]]


@dataclass
class Connection:
    """What the raw server saw on one accepted connection."""

    received: bytearray = field(default_factory=bytearray)
    requests: list[bytes] = field(default_factory=list)
    #: Set when the client closed (EOF or reset) its side.
    closed_by_peer: threading.Event = field(default_factory=threading.Event)


class RawServer:
    """Created by the ``raw_server`` fixture; see :class:`Reply` and ``Script``."""

    def __init__(self, script: Script, thread: _LoopThread) -> None:
        self._script = script
        self._thread = thread
        self._next = 0
        self._lock = threading.Lock()
        self.connections: list[Connection] = []
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    # --- what the tests read -----------------------------------------------------------

    @property
    def accepted(self) -> int:
        """How many connections were accepted."""
        with self._lock:
            return len(self.connections)

    @property
    def requests(self) -> list[bytes]:
        """Every complete request (head + body), in arrival order over all connections."""
        with self._lock:
            return [r for c in self.connections for r in c.requests]

    @property
    def received(self) -> bytes:
        """All bytes received on all connections, concatenated."""
        with self._lock:
            return b"".join(bytes(c.received) for c in self.connections)

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    @property
    def host(self) -> str:
        """The value a client puts in the Host header."""
        return f"{HOST}:{self.port}"

    def wait_requests(self, n: int, timeout: float = 5.0) -> list[bytes]:
        """Block until *n* complete requests arrived (bounded), then return them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests

    # --- server side -----------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0, limit=2**20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in self._writers:
            w.close()

    def _reply_for_next_request(self) -> Reply | None:
        with self._lock:
            index = self._next
            self._next += 1
        if isinstance(self._script, Reply):
            return self._script
        if index < len(self._script):
            return self._script[index]
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection()
        with self._lock:
            self.connections.append(conn)
        self._writers.append(writer)
        buf = bytearray()
        try:
            while True:
                request = await _read_request(reader, buf, conn)
                if request is None:
                    break
                with self._lock:
                    conn.requests.append(request)
                reply = self._reply_for_next_request()
                if reply is None:
                    break
                for i, piece in enumerate(reply.pieces):
                    if i and reply.delay:
                        await asyncio.sleep(reply.delay)
                    writer.write(piece)
                    await writer.drain()
                if reply.hang:
                    while await _receive(reader, buf, conn):
                        pass
                    break
                if reply.close:
                    if reply.delay:
                        await asyncio.sleep(reply.delay)
                    break
        except (ConnectionError, OSError):
            conn.closed_by_peer.set()
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


async def _receive(reader: asyncio.StreamReader, buf: bytearray, conn: Connection) -> bool:
    """Read what is available into *buf* and the connection record; False at EOF."""
    try:
        data = await reader.read(65536)
    except (ConnectionError, OSError):
        data = b""
    if not data:
        conn.closed_by_peer.set()
        return False
    buf += data
    conn.received += data
    return True


async def _read_request(reader: asyncio.StreamReader, buf: bytearray, conn: Connection) -> bytes | None:
    """Take one complete request (head, then a Content-Length or chunked body) off
    *buf*, reading more as needed; ``None`` when the client closes first."""
    while b"\r\n\r\n" not in buf:
        if not await _receive(reader, buf, conn):
            return None
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end]).decode("latin-1").lower()
    length_match = re.search(r"\r\ncontent-length:[ \t]*(\d+)", head)
    if re.search(r"\r\ntransfer-encoding:[^\r]*chunked", head):
        pos = end
        while True:  # chunk-size line, data, CRLF; then trailers up to an empty line
            while b"\r\n" not in buf[pos:]:
                if not await _receive(reader, buf, conn):
                    return None
            line_end = buf.index(b"\r\n", pos)
            size = int(bytes(buf[pos:line_end]).split(b";")[0].strip(), 16)
            pos = line_end + 2
            if size == 0:
                while True:  # trailer field lines, then the empty line
                    while b"\r\n" not in buf[pos:]:
                        if not await _receive(reader, buf, conn):
                            return None
                    line_end = buf.index(b"\r\n", pos)
                    if line_end == pos:
                        end = pos + 2
                        break
                    pos = line_end + 2
                break
            while len(buf) < pos + size + 2:
                if not await _receive(reader, buf, conn):
                    return None
            pos += size + 2
    elif length_match:
        end += int(length_match.group(1))
        while len(buf) < end:
            if not await _receive(reader, buf, conn):
                return None
    request = bytes(buf[:end])
    del buf[:end]
    return request


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    """Factory fixture: ``srv = raw_server(script)`` starts a scripted server.

    *script* is a :class:`Reply` (used for every request) or a list of them (one per
    request, in arrival order).  Each call starts a new server; all of them are stopped
    at teardown, hanging connections included.
    """
    started: list[tuple[RawServer, _LoopThread]] = []

    def start(script: Script) -> RawServer:
        thread = _LoopThread("raw_server")
        server = RawServer(script, thread)
        started.append((server, thread))
        thread.call(server.start())
        return server

    try:
        yield start
    finally:
        for server, thread in started:
            try:
                thread.call(server.stop())
            finally:
                thread.stop()


def pattern_bytes(n: int, seed: int = 2024) -> bytes:
    """*n* reproducible pseudo-random bytes (no period that could hide an offset bug)."""
    return random.Random(seed).randbytes(n) if n else b""


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
    started: list[tuple[WebServer, _LoopThread]] = []

    def start(in_flight: InFlight | None = None) -> WebServer:
        thread = _LoopThread("web_server")
        server = WebServer(in_flight)
        started.append((server, thread))
        thread.call(server.start())
        return server

    try:
        yield start
    finally:
        for server, thread in started:
            try:
                thread.call(server.stop())
            finally:
                thread.stop()


# --------------------------------------------------------------------------------------
# nginx_server: Debian's nginx as an independent HTTP/1.1 peer
# --------------------------------------------------------------------------------------

NGINX = "/usr/sbin/nginx"

_NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;

events {{
    worker_connections 64;
}}

http {{
    types {{
        text/plain txt;
        application/octet-stream bin;
    }}
    default_type application/octet-stream;
    log_format conns '$connection $connection_requests $request_method $uri $status';
    access_log {dir}/access.log conns;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    sendfile on;
    keepalive_timeout 30s;
    keepalive_requests 1000;

    gzip on;
    gzip_types text/plain;
    gzip_min_length 256;
    gzip_comp_level 6;

    server {{
        listen {host}:{port};
        server_name localhost;
        root {dir}/www;
        client_max_body_size 16m;

        # A redirect chain ending on the gzip text, and one for a body (PUT) that is
        # re-sent on 308 and 307 to a WebDAV upload (stored, then read back).
        location = /r301 {{ return 301 /r302; }}
        location = /r302 {{ return 302 /r307; }}
        location = /r307 {{ return 307 /text.txt; }}
        location = /put-moved {{ return 308 /put-again; }}
        location = /put-again {{ return 307 /uploads/body.bin; }}
        location /uploads/ {{
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
"""


@dataclass
class NginxServer:
    """Created by the ``nginx_server`` fixture."""

    port: int
    directory: Path
    large_name: str
    large_size: int
    large_sha256: str
    text_name: str
    text: bytes

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def access_log(self) -> list[dict[str, Any]]:
        """The access log as records: connection (serial number), requests (the
        request's index on its connection, from 1), method, uri, status."""
        records = []
        path = self.directory / "access.log"
        if path.exists():
            for line in path.read_text().splitlines():
                conn, nth, method, uri, status = line.split()
                records.append(
                    {
                        "connection": int(conn),
                        "requests": int(nth),
                        "method": method,
                        "uri": uri,
                        "status": int(status),
                    }
                )
        return records

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text() if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_accepting(port: int, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


@pytest.fixture
def nginx_server(tmp_path: Path) -> Iterator[NginxServer]:
    """Start nginx on 127.0.0.1:<free port> serving ``/large.bin`` (20 MiB of random
    bytes) and ``/text.txt`` (compressible text, gzip on); ``/r301`` redirects to it by
    301, 302, 307; a PUT to ``/put-moved`` is redirected by 308 and 307 to
    ``/uploads/body.bin`` (WebDAV: stored, then readable).  Fails -- does not skip --
    when nginx is missing: ``tools/test`` installs it."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(
            f"{NGINX} not found: install Debian's nginx-light "
            "(`apt-get install -y nginx-light`; tools/test does this when it can)"
        )
    www = tmp_path / "www"
    www.mkdir()
    large = os.urandom(20 * 1024 * 1024)
    (www / "large.bin").write_bytes(large)
    text = b"".join(b"line %05d: nginx gzip test text, repeated\n" % i for i in range(4000))
    (www / "text.txt").write_bytes(text)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()

    proc: subprocess.Popen[bytes] | None = None
    port = 0
    for _attempt in range(3):  # the free port can be taken between probe and bind
        port = _free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(dir=tmp_path, host=HOST, port=port))
        proc = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if _wait_accepting(port, proc, _START_TIMEOUT):
            break
        _stop_process(proc)
        proc = None
    if proc is None:
        log = (tmp_path / "error.log").read_text() if (tmp_path / "error.log").exists() else ""
        pytest.fail(f"nginx did not start accepting on 127.0.0.1; error.log:\n{log}")
    try:
        yield NginxServer(
            port=port,
            directory=tmp_path,
            large_name="/large.bin",
            large_size=len(large),
            large_sha256=hashlib.sha256(large).hexdigest(),
            text_name="/text.txt",
            text=text,
        )
    finally:
        _stop_process(proc)


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(_START_TIMEOUT)
