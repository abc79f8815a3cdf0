"""``h2_server``: a raw HTTP/2 server built on ``h2`` itself (server side), on 127.0.0.1,
in its own thread and loop, for the protocol cases of issue 17 that real servers do not
produce on demand: GOAWAY mid-flight, RST_STREAM mid-body, a window never opened,
SETTINGS_MAX_CONCURRENT_STREAMS = 1, forbidden response fields, SETTINGS sent late
(``settings_delay``).

``srv = h2_server(handler, settings={...}, tls_ca=None)``: *handler* is
``async def handler(conn: H2ServerConn, req: H2Request)``, run as a task once a
request's END_STREAM arrived (or at its HEADERS when ``on_headers=True``);
``conn`` sends frames (outbound field validation is off, so it can send what HTTP/2
forbids).  The server records every request (``srv.requests``) and counts the
connections it accepted.  Registered as a fixture by ``conftest.py``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import ConnectionTerminated, DataReceived, RequestReceived, StreamEnded, StreamReset
from h2.exceptions import ProtocolError
from h2.settings import SettingCodes
from hyperframe.frame import GoAwayFrame

from _servers import HOST, _LoopThread, started_in_threads

__all__ = ("H2Request", "H2ServerConn", "H2Server", "h2_server", "tls_ca", "client_tls")


@dataclass
class H2Request:
    stream_id: int
    headers: list[tuple[bytes, bytes]]
    body: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset: int | None = None  # RST_STREAM code from the client

    def header(self, name: bytes) -> bytes | None:
        for n, v in self.headers:
            if n == name:
                return v
        return None


class H2ServerConn(asyncio.Protocol):
    def __init__(self, server: H2Server) -> None:
        self.server = server
        config = H2Configuration(
            client_side=False, header_encoding=None, validate_outbound_headers=False, normalize_outbound_headers=False
        )
        self.h2 = H2Connection(config=config)
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, H2Request] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.client_goaway = False
        self.window_waiters: list[asyncio.Future[None]] = []
        self.held: bytearray | None = None  # client bytes kept until the delayed SETTINGS went out

    # -- sending --------------------------------------------------------------------------

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def respond(
        self, stream_id: int, status: int = 200, headers: Any = (), body: bytes | None = b"", end: bool = True
    ) -> None:
        fields = [(b":status", str(status).encode())] + [(bytes(n), bytes(v)) for n, v in headers]
        self.h2.send_headers(stream_id, fields, end_stream=end and not body)
        if body:
            self.send(stream_id, body, end=end)
        self.flush()

    def send(self, stream_id: int, data: bytes, end: bool = False) -> None:
        """DATA within the client's windows (the caller awaits :meth:`send_all` for more)."""
        size = self.h2.max_outbound_frame_size
        for i in range(0, len(data), size):
            piece = data[i : i + size]
            self.h2.send_data(stream_id, piece, end_stream=end and i + size >= len(data))
        if not data and end:
            self.h2.end_stream(stream_id)
        self.flush()

    async def send_all(self, stream_id: int, data: bytes, end: bool = True, timeout: float = 30.0) -> None:
        """DATA as the client's windows open."""
        view = memoryview(data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while view:
            window = min(self.h2.local_flow_control_window(stream_id), self.h2.max_outbound_frame_size)
            if window <= 0:
                fut = loop.create_future()
                self.window_waiters.append(fut)
                await asyncio.wait_for(fut, max(0.01, deadline - loop.time()))
                continue
            piece, view = view[:window], view[window:]
            self.h2.send_data(stream_id, piece.tobytes(), end_stream=end and not view)
            self.flush()
            await asyncio.sleep(0)
        if not data and end:
            self.h2.end_stream(stream_id)
            self.flush()

    def reset(self, stream_id: int, code: int = 2) -> None:
        self.h2.reset_stream(stream_id, code)
        self.flush()

    def goaway(self, last_stream_id: int, code: int = 0) -> None:
        """GOAWAY written around ``h2``'s state machine, which would refuse to send
        on the streams the GOAWAY lets finish."""
        frame = GoAwayFrame(0)
        frame.last_stream_id = last_stream_id
        frame.error_code = code
        self.flush()
        if self.transport is not None:
            self.transport.write(frame.serialize())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections.append(self)
        if self.server.settings_delay:
            self.held = bytearray()
            asyncio.get_running_loop().call_later(self.server.settings_delay, self._preface)
            return
        self._preface()

    def _preface(self) -> None:
        """Our SETTINGS (the server preface), then whatever the client sent meanwhile."""
        if self.transport is None:
            return
        self.h2.initiate_connection()
        if self.server.settings:
            self.h2.update_settings(self.server.settings)
        self.flush()
        held, self.held = self.held, None
        if held:
            self.data_received(bytes(held))

    def data_received(self, data: bytes) -> None:
        if self.held is not None:
            self.held += data
            return
        try:
            events = self.h2.receive_data(data)
        except ProtocolError as exc:
            self.server.errors.append(repr(exc))
            self.flush()
            self.close()
            return
        for event in events:
            if isinstance(event, RequestReceived):
                req = H2Request(event.stream_id, list(event.headers))  # type: ignore[arg-type]
                self.streams[event.stream_id] = req  # type: ignore[index]
                self.server.requests.append(req)
                if self.server.on_headers:
                    self._start(req)
            elif isinstance(event, DataReceived):
                req = self.streams.get(event.stream_id)  # type: ignore[arg-type]
                if req is not None:
                    req.body += event.data or b""
                if self.server.ack_data:
                    self.h2.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id or 0)
            elif isinstance(event, StreamEnded):
                req = self.streams.get(event.stream_id)  # type: ignore[arg-type]
                if req is not None:
                    req.ended = True
                    if not self.server.on_headers:
                        self._start(req)
            elif isinstance(event, StreamReset):
                req = self.streams.get(event.stream_id)  # type: ignore[arg-type]
                if req is not None:
                    req.reset = int(event.error_code or 0)
            elif isinstance(event, ConnectionTerminated):
                self.client_goaway = True
            waiters, self.window_waiters = self.window_waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)
        self.flush()

    def _start(self, req: H2Request) -> None:
        task = asyncio.ensure_future(self._handle(req))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _handle(self, req: H2Request) -> None:
        try:
            await self.server.handler(self, req)
        except (ProtocolError, asyncio.TimeoutError, ConnectionError) as exc:
            self.server.errors.append(repr(exc))

    def connection_lost(self, exc: BaseException | None) -> None:
        self.transport = None
        for task in self.tasks:
            task.cancel()
        for fut in self.window_waiters:
            if not fut.done():
                fut.cancel()


Handler = Callable[[H2ServerConn, H2Request], Any]


async def ok_handler(conn: H2ServerConn, req: H2Request) -> None:
    """200 with the request's path and body echoed."""
    body = (req.header(b":path") or b"") + b"|" + bytes(req.body)
    conn.respond(req.stream_id, 200, [(b"content-type", b"text/plain")], None, end=False)
    await conn.send_all(req.stream_id, body)


class H2Server:
    def __init__(
        self,
        thread: _LoopThread,
        handler: Handler = ok_handler,
        settings: dict[Any, int] | None = None,
        tls_ca: Any = None,
        on_headers: bool = False,
        ack_data: bool = True,
        settings_delay: float = 0.0,
    ) -> None:
        self.thread = thread
        self.settings_delay = settings_delay  # seconds before the server preface (SETTINGS) goes out
        self.handler = handler
        self.settings = settings or {}
        self.on_headers = on_headers
        self.ack_data = ack_data
        self.connections: list[H2ServerConn] = []
        self.requests: list[H2Request] = []
        self.errors: list[str] = []
        self._ssl: ssl.SSLContext | None = None
        if tls_ca is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
            ctx.set_alpn_protocols(["h2"])
            self._ssl = ctx
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    @property
    def scheme(self) -> str:
        return "https" if self._ssl is not None else "http"

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{HOST}:{self.port}{path}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: H2ServerConn(self), HOST, 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for conn in self.connections:
            if conn.transport is not None:
                conn.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run *fn* on the server's loop (to act on a connection from the test)."""

        async def call() -> Any:
            return fn()

        return self.thread.call(call())


@pytest.fixture(scope="session")
def tls_ca() -> Any:
    """A trustme CA for the HTTP/2 peers (certificates for 127.0.0.1 and localhost)."""
    import trustme

    return trustme.CA()


def client_tls(ca: Any, alpn: tuple[str, ...] = ("h2", "http/1.1")) -> ssl.SSLContext:
    """A client context trusting *ca*, offering *alpn*."""
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    ctx.set_alpn_protocols(list(alpn))
    return ctx


@pytest.fixture
def h2_server() -> Iterator[Callable[..., H2Server]]:
    """Factory fixture: ``h2_server(handler, settings=..., tls_ca=...)`` starts a raw
    HTTP/2 server; all are stopped at teardown."""
    yield from started_in_threads("h2_server", lambda thread, *a, **kw: H2Server(thread, *a, **kw))


SETTINGS = SettingCodes
