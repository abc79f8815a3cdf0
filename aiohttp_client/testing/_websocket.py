"""WebSocket routes of the test transport: a scripted server end for ``ws_connect``.

The route answers the opening handshake with a ``101`` (RFC 6455 §4.2.2: the
``Sec-WebSocket-Accept`` of the client's key; a subprotocol only when the route names
one the client offered; no extensions), then speaks frames: the server's unmasked
frames (§5.1) are fed to the client's real WebSocket reader; the client's masked
frames are unmasked and read with the same reader (``_sansio/_ws_reader``) and
recorded in :attr:`MockWebSocket.received`.  A client ``PING`` is answered with a
``PONG`` and a client ``CLOSE`` with a ``CLOSE`` (§5.5.1), after which the connection
closes, as a server's would.
"""

import asyncio
import json
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Callable, Optional

from .._models import WSMessage, WSMsgType
from .._sansio._ws_handshake import accept_value
from .._sansio._ws_mask import websocket_mask
from .._sansio._ws_reader import WebSocketReader
from .._sansio._ws_writer import _header
from ..http_exceptions import WebSocketError
from ._records import RecordedRequest
from ._routes import Matching, Route

if TYPE_CHECKING:  # pragma: no cover
    from ._transport import MockConnection

__all__ = ("MockWebSocket", "WebSocketRoute")

_HANDOFF_TIMEOUT = 5.0  # seconds for ws_connect to take the connection after the 101
_CLOSE_TIMEOUT = 5.0  # seconds the server end waits for the client's CLOSE reply

#: ``async def handler(ws: MockWebSocket) -> None``: the server end's script.
WebSocketHandler = Callable[["MockWebSocket"], Awaitable[None]]


def server_frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked frame (a server's, RFC 6455 §5.2)."""
    head = bytearray(_header(0x80 | opcode, len(payload), b""))
    head[1] &= 0x7F  # the writer's header carries the client's MASK bit
    return bytes(head) + payload


def unmask_frames(buf: bytearray) -> bytes:
    """Take the complete frames off *buf* and return them unmasked (the MASK bit
    cleared), for the frame reader.

    :raises WebSocketError: a frame from the client is not masked (§5.1).
    """
    out = bytearray()
    pos = 0
    while len(buf) - pos >= 2:
        length = buf[pos + 1] & 0x7F
        head = 2 + {126: 2, 127: 8}.get(length, 0)
        if len(buf) - pos < head:
            break
        if length >= 126:
            length = int.from_bytes(buf[pos + 2 : pos + head], "big")
        if not buf[pos + 1] & 0x80:
            raise WebSocketError(1002, "unmasked frame from the client (RFC 6455 §5.1)")
        end = pos + head + 4 + length
        if len(buf) < end:
            break
        payload = bytearray(buf[pos + head + 4 : end])
        websocket_mask(bytes(buf[pos + head : pos + head + 4]), payload)
        frame_head = bytearray(buf[pos : pos + head])
        frame_head[1] &= 0x7F
        out += frame_head + payload
        pos = end
    del buf[:pos]
    return bytes(out)


class MockWebSocket:
    """The server end of one WebSocket connection of a :class:`WebSocketRoute`.

    :ivar request: the handshake's :class:`RecordedRequest`.
    :ivar received: ``list[WSMessage]``, every message the client sent (TEXT as
        ``str``, BINARY, PING, PONG, CLOSE with its code), in order.
    """

    def __init__(self, conn: "MockConnection", request: RecordedRequest) -> None:
        self.request = request
        self.received: list[WSMessage] = []
        self._conn = conn
        self._queue: asyncio.Queue[WSMessage] = asyncio.Queue()
        self._buf = bytearray()
        self._reader = WebSocketReader(0, False, True)
        self._close_sent = False
        self.client_closed: asyncio.Event = asyncio.Event()

    # -- the client's frames (from the transport) ------------------------------------

    def feed_client(self, data: bytes) -> None:
        """Bytes the client wrote."""
        self._buf += data
        out: list[WSMessage] = []
        try:
            self._reader.feed(unmask_frames(self._buf), out)
        except WebSocketError as exc:
            self._control(8, exc.code.to_bytes(2, "big"))
            self._conn.memory_transport.close()
        for message in out:
            self.received.append(message)
            self._queue.put_nowait(message)
            if message.type == WSMsgType.PING:
                self._control(0xA, message.data)
            elif message.type == WSMsgType.CLOSE:
                self.client_closed.set()
                if not self._close_sent:
                    code = message.data if message.data != 1005 else 1000
                    self._control(8, code.to_bytes(2, "big"))
                self._conn.memory_transport.close()

    def _control(self, opcode: int, payload: bytes) -> None:
        if opcode == 8:
            self._close_sent = True
        self._conn._feed_now(server_frame(opcode, payload))

    # -- the script's side ---------------------------------------------------------------

    async def send_str(self, data: str) -> None:
        """Send a TEXT message."""
        await self._conn.feed(server_frame(0x1, data.encode()))

    async def send_bytes(self, data: bytes) -> None:
        """Send a BINARY message."""
        await self._conn.feed(server_frame(0x2, bytes(data)))

    async def send_json(self, data: Any) -> None:
        """Send *data* as JSON in a TEXT message."""
        await self.send_str(json.dumps(data))

    async def send(self, message: Any) -> None:
        """Send ``str`` as TEXT, ``bytes`` as BINARY, anything else as JSON text."""
        if isinstance(message, str):
            await self.send_str(message)
        elif isinstance(message, (bytes, bytearray)):
            await self.send_bytes(bytes(message))
        else:
            await self.send_json(message)

    async def ping(self, data: bytes = b"") -> None:
        """Send a PING (the client answers with a PONG, recorded in :attr:`received`)."""
        await self._conn.feed(server_frame(0x9, data))

    async def receive(self, timeout: float = 5.0) -> WSMessage:
        """The client's next message (already in :attr:`received`).

        :raises asyncio.TimeoutError: none within *timeout* seconds.
        """
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Send a CLOSE and wait (at most 5 seconds) for the client's, then close the
        connection.
        """
        if not self._close_sent:
            self._control(8, code.to_bytes(2, "big") + message)
        try:
            await asyncio.wait_for(self.client_closed.wait(), _CLOSE_TIMEOUT)
        finally:
            self._conn.memory_transport.close()


class WebSocketRoute(Route):
    """A route answering ``ws_connect`` (made by :meth:`MockRouter.websocket`).

    :ivar sockets: ``list[MockWebSocket]``, the server end of each connection made.
    """

    def __init__(
        self,
        url: Any,
        handler: Optional[WebSocketHandler],
        messages: Iterable[Any],
        protocol: Optional[str],
        **match: Any,
    ) -> None:
        super().__init__("GET", url, Matching(**match))
        self.sockets: list[MockWebSocket] = []
        self._handler = handler
        self._messages = list(messages)
        self._protocol = protocol
        self.respond(_Handshake(self))

    def mismatches(self, request: RecordedRequest) -> list[str]:
        reasons = super().mismatches(request)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            reasons.append("not a WebSocket handshake (no Upgrade: websocket)")
        return reasons


class _Handshake:
    """The answer of a :class:`WebSocketRoute`: the 101, then the script."""

    def __init__(self, route: WebSocketRoute) -> None:
        self._route = route

    def _head(self, request: RecordedRequest) -> bytes:
        key = request.headers.get("Sec-WebSocket-Key", "")
        lines = [
            "HTTP/1.1 101 Switching Protocols",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Accept: {accept_value(key)}",
        ]
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if self._route._protocol is not None and self._route._protocol in offered:
            lines.append(f"Sec-WebSocket-Protocol: {self._route._protocol}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def serve(self, conn: "MockConnection", request: RecordedRequest) -> None:
        await conn.feed(self._head(request))
        await conn.upgraded(_HANDOFF_TIMEOUT)
        ws = MockWebSocket(conn, request)
        conn.memory_transport.set_sink(ws)
        self._route.sockets.append(ws)
        for message in self._route._messages:
            await ws.send(message)
        if self._route._handler is not None:
            await self._route._handler(ws)
        await ws.client_closed.wait()  # the client ends it (the task ends with the connection)
