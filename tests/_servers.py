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
* ``web_server`` (in ``_web_server.py``) -- an ``aiohttp.web`` application (a test-only
  peer) with the routes the end-to-end tests need.
* ``nginx_server`` (in ``_nginx_server.py``) -- Debian's ``/usr/sbin/nginx`` with a
  generated configuration, serving generated files, redirects and WebDAV uploads.

Every server runs on 127.0.0.1 and is stopped by its fixture; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import re
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    TypeVar,
    Union,
)

import pytest

__all__ = (
    "run",
    "LeakElsewhereWarning",
    "Reply",
    "RawServer",
    "raw_server",
    "pattern_bytes",
    "served_in_thread",
    "tls_server_for",
    "started_in_threads",
    "HOST",
)

HOST = "127.0.0.1"
T = TypeVar("T")
_IS_PYPY = sys.implementation.name == "pypy"

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

    A ``ResourceWarning`` about a transport of another loop (a server thread's, or an
    earlier test's that PyPy's collector finalised only now), or about a test server's
    accepted socket, is not this run's leak: it is reported as a
    :class:`LeakElsewhereWarning`, and the run does not fail.
    """
    loop = asyncio.new_event_loop()
    # A strong reference until the warnings are judged: were the loop garbage in the
    # final collection with a transport it leaked, a weak one would be cleared before
    # the transport's __del__ ran, and the leak would pass for another loop's.
    this_loop = loop
    gate = _PyPyLeakGate(loop) if _IS_PYPY else None
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
                _finalise_leaks(gate)
    # Re-emit every warning except the ResourceWarnings judged here, so that pytest's
    # own warning filters still see them.
    resource_warnings = []
    for w in caught:
        if issubclass(w.category, ResourceWarning) and _not_the_clients(w, this_loop):
            elsewhere = f"{w.message} (another loop's or a test server's)"
            warnings.warn_explicit(elsewhere, LeakElsewhereWarning, w.filename, w.lineno)
        elif issubclass(w.category, ResourceWarning):
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


class LeakElsewhereWarning(UserWarning):
    """A ``ResourceWarning`` a ``run()`` saw about something not the client's under
    test: a transport of another loop, or a test server's accepted socket."""


#: The ports the test servers of server threads listen on (``_LoopThread``).
_SERVER_PORTS: set[int] = set()
_LOCAL_PORT = re.compile(r"laddr=\('[^']*', (\d+)")


def _not_the_clients(w: warnings.WarningMessage, this_loop: asyncio.AbstractEventLoop) -> bool:
    """Whether *w* is about something that is not the client's under test: a
    transport (its ``source``) bound to a loop other than the run's (asyncio's
    transports warn with ``source=self`` and keep ``_loop``), or a socket whose local
    port is one a test server listens on (a server thread's accepted connection; a
    client's socket has an ephemeral local port)."""
    owner = getattr(w.source, "_loop", None)
    if owner is not None:
        return owner is not this_loop
    port = _LOCAL_PORT.search(str(w.message))
    return port is not None and int(port.group(1)) in _SERVER_PORTS


def _open_fds() -> set[tuple[str, str]] | None:
    """``(descriptor, what it refers to)`` for each descriptor open in this process
    (``/proc/self/fd``), or None where there is no ``/proc``."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    found = set()
    for name in names:
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            found.add((name, os.readlink(f"/proc/self/fd/{name}")))
    return found


class _PyPyLeakGate:
    """Whether a ``run()`` on PyPy needs the two more collections that a chain of
    objects with ``__del__`` needs there.

    PyPy finalises an object held by another object with a ``__del__`` (asyncio's
    pure Python ``Future`` and ``Task`` there) one collection later, so a leaked
    transport takes up to three collections to report; each walks the whole heap
    (0.15 s of CPU in the full suite's workers: three per ``run()`` were two thirds of
    the PyPy lane's CPU).  So after the first, PyPy makes the other two only when the
    run shows a sign of such a leak: a descriptor opened during the run still open (a
    socket, transport or file; or a server thread not done closing its side yet: then
    for nothing), or a task or future of the run's loop that failed with an exception
    nobody retrieved ("Task exception was never retrieved" comes from its ``__del__``).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._fds = _open_fds()
        self._futures: list[weakref.ref[asyncio.Future[Any]]] = []  # weak: no object kept alive
        make_future = loop.create_future

        def create_future() -> asyncio.Future[Any]:
            future = make_future()
            self._futures.append(weakref.ref(future))
            return future

        def create_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
            task = asyncio.Task(coro, loop=loop)
            self._futures.append(weakref.ref(task))
            return task

        loop.create_future = create_future  # type: ignore[method-assign]
        loop.set_task_factory(create_task)

    def must_collect(self) -> bool:
        fds = _open_fds()
        if self._fds is None or fds is None or fds - self._fds:
            return True
        # A weak reference on PyPy lives until a collection: the future was either
        # collected and finalised while the loop ran (its report is in already), or
        # is still here.  ``_log_traceback``: an exception set and never retrieved.
        return any(getattr(ref(), "_log_traceback", False) for ref in self._futures)


def _finalise_leaks(gate: _PyPyLeakGate | None) -> None:
    """Finalise what the test coroutine leaked, so that its ``ResourceWarning`` or
    exception-handler call is seen by this ``run()``: one full collection (on CPython
    it walks only the objects made since the tests were collected, the rest is frozen:
    ``conftest.py``; PEP 442 finalises a chain of objects with ``__del__`` at once),
    and on PyPy two more when the gate sees a sign of a leak."""
    gc.collect()
    if gate is not None and gate.must_collect():
        gc.collect()
        gc.collect()


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


async def _abort_connections(loop: asyncio.AbstractEventLoop) -> None:
    """Abort every connection a server thread's *loop* still holds (before 3.12
    ``Server.close()`` leaves the accepted ones open, and from 3.12 ``wait_closed()``
    waits for them; a handler may also return without closing), so that no socket of
    the thread outlives it to be finalised, and reported, during a later test.  A
    selector loop keeps its transports by descriptor in ``_transports`` (weak values;
    CPython 3.9+ and PyPy alike); closing ones are aborted too, as ``close()`` first
    waits for the write buffer to drain."""
    transports = list((getattr(loop, "_transports", None) or {}).values())
    for transport in transports:
        transport.abort()
    if transports:
        await asyncio.sleep(0)  # their connection_lost callbacks close the sockets


class _LoopThread:
    """An event loop running in a daemon thread; coroutines are submitted to it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        make_server = self.loop.create_server

        async def create_server(*args: Any, **kwargs: Any) -> asyncio.AbstractServer:
            server = await make_server(*args, **kwargs)
            _SERVER_PORTS.update(sock.getsockname()[1] for sock in server.sockets)
            return server

        self.loop.create_server = create_server  # type: ignore[method-assign]
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
            await _abort_connections(loop)

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
            await _abort_connections(thread.loop)  # 3.12+: wait_closed() waits for them
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
    yield from started_in_threads("raw_server", lambda thread, script: RawServer(script, thread))


def started_in_threads(name: str, make: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The body of a server factory fixture: each call ``start(*args)`` builds a server
    with ``make(thread, *args)``, starts it in its own loop thread and returns it; at
    teardown every server started is stopped, then its thread."""
    started: list[tuple[Any, _LoopThread]] = []

    def start(*args: Any, **kwargs: Any) -> Any:
        thread = _LoopThread(name)
        server = make(thread, *args, **kwargs)
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
