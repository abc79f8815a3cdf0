"""The in-process connection of the test transport, and how sessions get it.

:class:`MockConnection` is the HTTP/1.1 :class:`~aiohttp_client._protocols._protocol.
ResponseProtocol` (the exchange seam's ``ExchangeConnection`` and ``Exchange``) with
its *sending* half replaced: the request's :class:`RequestHead` and body bytes are
recorded instead of written, the router answers, and the answer is serialised to
HTTP/1.1 bytes fed to the protocol's own ``data_received`` through
:class:`MemoryTransport` — so the response is read by the real reader twins, and
``pause_reading``/``resume_reading`` hold the bytes back as a socket would.

Sessions get it through the connector's one hook for opening a connection,
``BaseConnector._create_connection(req, traces, timeout)``: :class:`MockConnector`
overrides it, and :func:`mock_network` replaces it on ``TCPConnector`` for the
duration of a ``with`` block (every session made inside uses the router).
"""

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional, Protocol

from yarl import URL

from .._models import ConnectionKey
from .._protocols._exchange import RequestHead
from .._protocols._protocol import ResponseProtocol
from ..client_exceptions import ClientConnectionResetError, ClientConnectorError, ClientError, ClientPayloadError
from ..connector import TCPConnector
from ._records import MockResponse, RecordedRequest, frozen_headers

if TYPE_CHECKING:  # pragma: no cover
    from .._client._client_request import ClientRequest
    from .._client._timeouts import ClientTimeout

__all__ = ("MemoryTransport", "MockConnection", "MockConnector", "mock_network")

_PIECE = 2**16  # a fixed body goes to the reader in pieces of this many bytes, as reads would
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class MockRouter(Protocol):
    """What a connection needs from its router (a :class:`~aiohttp_client.testing.MockRouter`)."""

    errors: list[BaseException]  # what the routes raised after their answer started

    def passes_through(self, url: URL) -> bool:
        """Requests to *url*'s origin go to the network."""

    async def answer(self, request: RecordedRequest) -> Any:
        """The answer to *request* (a ``MockResponse`` or an object with ``serve()``)."""


class _Gone(Exception):
    """The connection closed while a response was being sent."""


class MemoryTransport(asyncio.Transport):
    """An in-memory transport under a :class:`MockConnection`: what the client writes
    goes to a sink (the WebSocket peer after an upgrade), what the mock sends is held
    while reading is paused.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: ResponseProtocol, peer: tuple[str, int]) -> None:
        super().__init__({"peername": peer, "sockname": ("127.0.0.1", 0)})
        self._loop = loop
        self._protocol = protocol
        self._closing = False
        self._reading = asyncio.Event()
        self._reading.set()
        self._sink: Any = None  # ``feed_client(bytes)``: the WebSocket peer
        self._pending: list[bytes] = []  # written before the sink was set

    def set_sink(self, sink: Any) -> None:
        """From now on written bytes go to ``sink.feed_client(data)``, those written
        before first.
        """
        self._sink = sink
        pending, self._pending = self._pending, []
        for data in pending:
            sink.feed_client(data)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def write(self, data: Any) -> None:
        if self._closing:
            return  # a server that reads no more
        if self._sink is None:
            self._pending.append(bytes(data))
        else:
            self._sink.feed_client(bytes(data))

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._reading.set()  # wake a sender waiting for resume_reading()
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def pause_reading(self) -> None:
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    def is_reading(self) -> bool:
        return self._reading.is_set()

    def can_write_eof(self) -> bool:
        return False

    async def readable(self) -> None:
        """Wait until the protocol reads again (or the transport closes)."""
        await self._reading.wait()


class MockConnection(ResponseProtocol):
    """One in-process connection: a real ``ResponseProtocol`` whose request goes to a
    :class:`MockRouter` instead of a socket.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, router: MockRouter, key: ConnectionKey, **twins: Any) -> None:
        super().__init__(loop, **twins)
        self._router = router
        self._key = key
        self._request: Optional[RequestHead] = None
        self._body = bytearray()
        self._serving: Optional[asyncio.Task[None]] = None
        self._upgraded_event = asyncio.Event()
        self._client_closes = False  # the request said Connection: close (RFC 9112 §9.6)
        self.connection_made(MemoryTransport(loop, self, (key.host, key.port or 0)))

    @property
    def memory_transport(self) -> MemoryTransport:
        return self.transport  # type: ignore[return-value]

    # -- the sending half of the exchange, recorded instead of written -------------------

    def write_head(self, head: RequestHead, body: Optional[bytes] = None) -> None:
        if not self.is_connected():
            raise ConnectionResetError("Connection closed")
        self._request = head
        self._body = bytearray()
        connection = ",".join(head.fields.getall("Connection", ())).lower()
        self._client_closes = "close" in (token.strip() for token in connection.split(","))
        if body is not None:
            self._body += body
            self._dispatch()

    def write(self, data: bytes) -> None:
        if not self.is_connected():
            raise ConnectionResetError("Cannot write to closing transport")
        self._body += data

    async def drain(self) -> None:
        if not self.is_connected():
            raise ClientConnectionResetError("Connection lost")

    def end_body(self) -> None:
        self._dispatch()

    def expect_continue(self) -> "asyncio.Future[None]":
        """The route answers after the body, so the mock always says ``100 Continue``."""
        fut = super().expect_continue()
        self._loop.call_soon(self._feed_now, _CONTINUE)
        return fut

    def detach_for_upgrade(self, sink: Any = None) -> bytes:
        leftover = super().detach_for_upgrade(sink)
        self._upgraded_event.set()
        return leftover

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        super().connection_lost(exc)
        if self._serving is not None and not self._serving.done():
            self._serving.cancel()  # the server end stops with its connection

    # -- serving -----------------------------------------------------------------------

    def _dispatch(self) -> None:
        head = self._request
        if head is None:  # pragma: no cover - the exchange's order of calls puts the head first
            return
        request = RecordedRequest(head.method, head.url, frozen_headers(head.fields), bytes(self._body))
        self._serving = self._loop.create_task(self._serve(request))

    async def _serve(self, request: RecordedRequest) -> None:
        try:
            answer = await self._router.answer(request)
        except asyncio.CancelledError:
            raise
        except OSError as exc:
            if isinstance(exc, ClientError):
                self.abort(exc)
            else:  # a refused or reset connection, as the connector would report it
                self.abort(ClientConnectorError(self._key, exc))
            return
        except BaseException as exc:
            self.abort(exc)
            return
        if not isinstance(answer, MockResponse) and not hasattr(answer, "serve"):
            self.abort(
                TypeError(f"a route answered {answer!r}: not a MockResponse, a status, an exception or a handler")
            )
            return
        try:
            if isinstance(answer, MockResponse):
                await self._send(answer, request)
            else:
                await answer.serve(self, request)
        except (_Gone, asyncio.CancelledError):
            pass  # the connection closed under it: the task ends quietly
        except Exception as exc:  # the route's body source or WebSocket handler failed
            self._router.errors.append(exc)
            if self.response_started:  # as a server crashing mid-response: the connection drops
                error = ClientPayloadError(f"the route failed while sending the response: {exc!r}")
                error.__cause__ = exc
                self.abort(error)
            else:
                self.abort(exc)

    async def _send(self, response: MockResponse, request: RecordedRequest) -> None:
        if response.delay:
            await asyncio.sleep(response.delay)
        async for piece in response.pieces(request.method):
            for start in range(0, len(piece), _PIECE):
                await self.feed(piece[start : start + _PIECE])
        if response.closes or self._client_closes:
            self.memory_transport.close()

    async def feed(self, data: bytes) -> None:
        """Hand *data* to the reader as a socket read would, once reading is not paused.

        :raises _Gone: the connection closed.
        """
        transport = self.memory_transport
        await transport.readable()
        if transport.is_closing():
            raise _Gone()
        self.data_received(data)
        await asyncio.sleep(0)  # one read per event-loop turn

    def _feed_now(self, data: bytes) -> None:
        if self.is_connected():
            self.data_received(data)

    async def upgraded(self, timeout: float) -> None:
        """Wait until the client took the connection over (``ws_connect``).

        :raises asyncio.TimeoutError: not within *timeout* seconds.
        """
        await asyncio.wait_for(self._upgraded_event.wait(), timeout)


def new_connection(connector: TCPConnector, router: MockRouter, req: "ClientRequest") -> MockConnection:
    """A :class:`MockConnection` for *req*, with *connector*'s reader twins."""
    head_cls, chunked_cls = connector._parser_twins
    return MockConnection(
        connector._loop, router, req.connection_key, head_parser_cls=head_cls, chunked_decoder_cls=chunked_cls
    )


class MockConnector(TCPConnector):
    """A ``TCPConnector`` whose connections are served in-process by *router*.

    ``ClientSession(connector=MockConnector(router))``.  The pool, its limits,
    keep-alive and the connection trace signals work as with a server; DNS, sockets
    and TLS are skipped (an ``https`` URL is answered without a handshake, and a
    proxy is not contacted: the request goes to the router with its URL).  Origins
    given to :meth:`MockRouter.passthrough` are connected for real.

    :param router: the :class:`MockRouter`.
    :param kwargs: ``TCPConnector`` parameters (``limit``, ``force_close``, ...).
    """

    def __init__(self, router: MockRouter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.router = router

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: "ClientTimeout") -> Any:
        if self.router.passes_through(req.url):
            return await super()._create_connection(req, traces, timeout)
        return new_connection(self, self.router, req)


_active: list[MockRouter] = []


@contextlib.contextmanager
def mock_network(router: MockRouter) -> Iterator[MockRouter]:
    """Within the block, every ``TCPConnector`` — so every ``ClientSession`` made
    without a connector, and the module-level ``aiohttp_client.request()`` — opens
    its new connections in-process through *router*.

    What is patched: the one attribute ``aiohttp_client.connector.TCPConnector.
    _create_connection``, the connector's hook that opens a connection (the pool
    calls it for each new one); it is restored on exit.  Connections a connector
    pooled before the block are still reused.  Subclasses that override the hook
    themselves are not affected.  Yields *router*.

    :raises RuntimeError: the network is already mocked (blocks do not nest).
    """
    if _active:
        raise RuntimeError("mock_network() is already active; it does not nest")
    original = TCPConnector._create_connection

    async def create(self: TCPConnector, req: "ClientRequest", traces: Any, timeout: "ClientTimeout") -> Any:
        if router.passes_through(req.url):
            return await original(self, req, traces, timeout)
        return new_connection(self, router, req)

    _active.append(router)
    TCPConnector._create_connection = create  # type: ignore[method-assign]
    try:
        yield router
    finally:
        TCPConnector._create_connection = original  # type: ignore[method-assign]
        _active.clear()
