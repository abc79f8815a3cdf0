"""``ClientWebSocketResponse``: the client end of a WebSocket (reference:
"ClientWebSocketResponse"; RFC 6455).

Built by ``ClientSession.ws_connect`` (see :mod:`._ws._ws_connect`) over a
:class:`~._ws._ws_stream.WebSocketStream` (messages in) and a
:class:`~._ws._ws_stream.WebSocketSender` (frames out).  PING, PONG and CLOSE are handled
here: *autoping* answers pings, *autoclose* completes the closing handshake, and
*heartbeat* pings the server when it has been silent and closes the connection when
no data follows within half the heartbeat interval.  While the stream is paused
because the application does not read (its queue is over the limit), no PING is sent
and a missing PONG is not held against the server: the server's frames are not being
read then, so their absence proves nothing; the heartbeat starts over when reading
resumes.
"""

import asyncio
import json
from types import GenericAlias, TracebackType
from typing import Any, Callable, Optional

from ._body._stream_base import EofStream
from ._client._client_response import ClientResponse
from ._client._timeouts import ClientWSTimeout, timeout_after
from ._models import WS_CLOSED_MESSAGE, WS_CLOSING_MESSAGE, WSCloseCode, WSMessage, WSMsgType
from ._net._connection import Connection
from ._ws._ws_stream import WebSocketSender, WebSocketStream
from .client_exceptions import ClientError, ServerTimeoutError, WSMessageTypeError
from .http_exceptions import WebSocketError

__all__ = ("ClientWebSocketResponse", "ClientWSTimeout")

_TEXT = WSMsgType.TEXT
_BINARY = WSMsgType.BINARY
_CONTROL = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.PING, WSMsgType.PONG})
_END = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED})


class ClientWebSocketResponse:
    """A client WebSocket connection (reference: ``ClientWebSocketResponse``).

    Do not create one directly: use ``ClientSession.ws_connect``.  Subscriptable
    (``ClientWebSocketResponse[Literal[False]]``) for annotations, as in aiohttp.
    """

    __class_getitem__: Any = classmethod(GenericAlias)

    def __init__(
        self,
        reader: WebSocketStream,
        writer: WebSocketSender,
        protocol: Optional[str],
        response: ClientResponse,
        timeout: ClientWSTimeout,
        autoclose: bool,
        autoping: bool,
        loop: asyncio.AbstractEventLoop,
        *,
        heartbeat: Optional[float] = None,
        compress: int = 0,
        client_notakeover: bool = False,
        connection: Optional[Connection] = None,
    ) -> None:
        self._response = response
        self._conn = connection if connection is not None else response.connection
        self._reader = reader
        self._writer = writer
        self._protocol = protocol
        self._timeout = timeout
        self._autoclose = autoclose
        self._autoping = autoping
        self._loop = loop
        self._heartbeat = heartbeat
        self._compress = compress
        self._client_notakeover = client_notakeover
        self._closed = False
        self._closing = False
        self._close_code: Optional[int] = None
        self._exception: Optional[BaseException] = None
        self._waiting = False
        self._close_wait: Optional[asyncio.Future[None]] = None
        self._heartbeat_cb: Optional[asyncio.TimerHandle] = None
        self._heartbeat_due = 0.0
        self._pong_cb: Optional[asyncio.TimerHandle] = None
        self._ping_task: Optional[asyncio.Task[None]] = None
        if heartbeat is not None:
            reader.set_on_data(self._on_data)
            self._on_data()  # the first PING is due an interval from now

    # -- heartbeat (reference: ``heartbeat``) -------------------------------------------

    def _on_data(self) -> None:
        """Any bytes from the server prove it alive: the PING is due a whole interval
        from now and a PONG wait ends.  Only the due time moves: the armed timer
        re-arms itself when it fires early (no timer handle per message).
        """
        if self._closed or self._closing:
            return
        if self._pong_cb is not None:
            self._cancel_pong_wait()
        self._heartbeat_due = self._loop.time() + self._heartbeat  # type: ignore[operator]
        if self._heartbeat_cb is None:  # disarmed while a PING was out: arm the next one
            self._heartbeat_cb = self._loop.call_at(self._heartbeat_due, self._send_heartbeat)

    def _send_heartbeat(self) -> None:
        self._heartbeat_cb = None
        if self._heartbeat is None or self._closed or self._closing:
            return
        now = self._loop.time()
        if self._reader.paused:  # we are not reading: a PONG could not be seen
            self._heartbeat_due = now + self._heartbeat
        if now < self._heartbeat_due:
            self._heartbeat_cb = self._loop.call_at(self._heartbeat_due, self._send_heartbeat)
            return
        self._cancel_pong_wait()
        self._pong_cb = self._loop.call_at(now + self._heartbeat / 2.0, self._pong_not_received)
        task = self._loop.create_task(self._writer.send_frame(b"", WSMsgType.PING))
        self._ping_task = task
        task.add_done_callback(self._ping_done)

    def _ping_done(self, task: "asyncio.Task[None]") -> None:
        if self._ping_task is task:
            self._ping_task = None
        if not task.cancelled() and task.exception() is not None:
            self._fail_connection(task.exception())  # type: ignore[arg-type]

    def _pong_not_received(self) -> None:
        self._pong_cb = None
        if self._reader.paused:  # the PONG may be waiting behind frames we are not reading
            if self._heartbeat_cb is None and not (self._closed or self._closing):
                self._heartbeat_due = self._loop.time() + self._heartbeat  # type: ignore[operator]
                self._heartbeat_cb = self._loop.call_at(self._heartbeat_due, self._send_heartbeat)
            return
        self._fail_connection(ServerTimeoutError(f"No PONG received after {self._heartbeat / 2.0} seconds"))  # type: ignore[operator]

    def _fail_connection(self, exc: BaseException) -> None:
        if self._closed:
            return
        self._set_closed()
        self._close_code = WSCloseCode.ABNORMAL_CLOSURE
        self._exception = exc
        self._close_connection()
        if self._waiting and not self._closing:
            self._reader.feed_message(WSMessage(WSMsgType.ERROR, exc, None))

    def _cancel_pong_wait(self) -> None:
        if self._pong_cb is not None:
            self._pong_cb.cancel()
            self._pong_cb = None

    def _cancel_heartbeat(self) -> None:
        self._cancel_pong_wait()
        if self._heartbeat_cb is not None:
            self._heartbeat_cb.cancel()
            self._heartbeat_cb = None
        if self._ping_task is not None:
            self._ping_task.cancel()
            self._ping_task = None

    def _close_connection(self) -> None:
        conn = self._conn
        if conn is not None:
            conn.close()
        self._response.close()

    def _set_closed(self) -> None:
        self._closed = True
        self._cancel_heartbeat()

    def _set_closing(self) -> None:
        self._closing = True
        self._cancel_heartbeat()

    # -- attributes ----------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """``True`` once :meth:`close` was called or the server's CLOSE was handled."""
        return self._closed

    @property
    def close_code(self) -> Optional[int]:
        """The close code (``int``; 1006 ``ABNORMAL_CLOSURE`` for a lost connection)."""
        return self._close_code

    @property
    def protocol(self) -> Optional[str]:
        """The subprotocol the server chose, or ``None``."""
        return self._protocol

    @property
    def compress(self) -> int:
        """permessage-deflate window bits in use for sending (``0``: off)."""
        return self._compress

    @property
    def client_notakeover(self) -> bool:
        return self._client_notakeover

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """``transport.get_extra_info(name, default)`` of the connection."""
        conn = self._conn
        transport = conn.transport if conn is not None else None
        return default if transport is None else transport.get_extra_info(name, default)

    def exception(self) -> Optional[BaseException]:
        """The exception that ended the connection, or ``None``."""
        return self._exception

    # -- sending -------------------------------------------------------------------

    async def ping(self, message: bytes = b"") -> None:
        """Send a PING (*message*: ``bytes`` or ``str``, UTF-8 encoded; ≤ 125 bytes)."""
        await self._writer.send_frame(_as_bytes(message), WSMsgType.PING)

    async def pong(self, message: bytes = b"") -> None:
        """Send a PONG (*message*: ``bytes`` or ``str``, UTF-8 encoded; ≤ 125 bytes)."""
        await self._writer.send_frame(_as_bytes(message), WSMsgType.PONG)

    async def send_frame(self, message: bytes, opcode: WSMsgType, compress: Optional[int] = None) -> None:
        """Send *message* as one frame with *opcode* (the caller guarantees the type)."""
        await self._writer.send_frame(message, opcode, compress)

    async def send_str(self, data: str, compress: Optional[int] = None) -> None:
        """Send a TEXT message.

        :raises TypeError: *data* is not ``str``.
        :raises ClientConnectionResetError: the connection is closing or closed.
        """
        if not isinstance(data, str):
            raise TypeError(f"data argument must be str ({type(data)!r})")
        if self._writer.write(data.encode("utf-8"), _TEXT, compress):  # written; drain if buffered
            await self._writer.drain()

    async def send_bytes(self, data: bytes, compress: Optional[int] = None) -> None:
        """Send a BINARY message.

        :raises TypeError: *data* is not ``bytes``, ``bytearray`` or ``memoryview``.
        :raises ClientConnectionResetError: the connection is closing or closed.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be byte-ish ({type(data)!r})")
        if self._writer.write(data, _BINARY, compress):
            await self._writer.drain()

    async def send_json(
        self, data: Any, compress: Optional[int] = None, *, dumps: Callable[[Any], str] = json.dumps
    ) -> None:
        """Send ``dumps(data)`` as a TEXT message."""
        await self.send_str(dumps(data), compress=compress)

    async def send_json_bytes(
        self, data: Any, compress: Optional[int] = None, *, dumps: Callable[[Any], bytes]
    ) -> None:
        """Send ``dumps(data)`` (``bytes``, e.g. ``orjson.dumps``) as a BINARY message."""
        await self.send_bytes(dumps(data), compress=compress)

    # -- closing -------------------------------------------------------------------

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes = b"") -> bool:
        """Start (or finish) the closing handshake (RFC 6455 §7.1.2) and close the
        connection.  Waits up to ``timeout.ws_close`` seconds for the server's CLOSE.

        :returns: ``False`` if the WebSocket was already closed, else ``True``.
        """
        if self._waiting and not self._closing:
            # a receive() in another task must let go of the reader first
            self._close_wait = self._loop.create_future()
            self._set_closing()
            self._reader.feed_message(WS_CLOSING_MESSAGE)
            await self._close_wait
        if self._closed:
            return False
        self._set_closed()
        try:
            await self._writer.close(code, message)
            if not self._close_code:  # else the server's CLOSE was already received
                await self._await_server_close()
        except asyncio.CancelledError:
            self._abort()
            raise
        except Exception as exc:
            self._abort(exc)
            return True
        self._close_connection()
        return True

    async def _await_server_close(self) -> None:
        while True:
            async with timeout_after(self._timeout.ws_close):
                msg = await self._reader.read()
            if msg.type is WSMsgType.CLOSE:
                self._close_code = msg.data
                return

    def _abort(self, exc: Optional[BaseException] = None) -> None:
        self._close_code = WSCloseCode.ABNORMAL_CLOSURE
        if exc is not None:
            self._exception = exc
        self._close_connection()

    # -- receiving -----------------------------------------------------------------

    async def receive(self, timeout: Optional[float] = None) -> WSMessage:
        """The next message (reference: ``receive``); PING/PONG/CLOSE are handled
        according to *autoping*/*autoclose*.  CLOSED once closed; ERROR (data: the
        exception) after a protocol error, having sent the CLOSE it calls for.

        :param timeout: seconds (default ``timeout.ws_receive``).
        :raises asyncio.TimeoutError: no message in time (``close_code`` becomes 1006).
        :raises RuntimeError: ``receive()`` is already waiting in another task.
        """
        receive_timeout = timeout or self._timeout.ws_receive
        while True:
            if self._waiting:
                raise RuntimeError("Concurrent call to receive() is not allowed")
            if self._closed:
                return WS_CLOSED_MESSAGE
            if self._closing:
                await self.close()
                return WS_CLOSED_MESSAGE
            self._waiting = True
            try:
                try:  # the read, inline (no coroutine frame of its own per message)
                    if receive_timeout:
                        async with timeout_after(receive_timeout):
                            msg = await self._reader.read()
                    else:
                        msg = await self._reader.read()
                finally:
                    self._waiting = False
                    if self._close_wait is not None:
                        self._wake_closer()
            except (asyncio.CancelledError, asyncio.TimeoutError):
                self._close_code = WSCloseCode.ABNORMAL_CLOSURE
                raise
            except EofStream:
                self._close_code = WSCloseCode.OK
                await self.close()
                return WSMessage(WSMsgType.CLOSED, None, None)
            except ClientError:
                self._set_closed()
                self._close_code = WSCloseCode.ABNORMAL_CLOSURE
                self._close_connection()
                return WS_CLOSED_MESSAGE
            except WebSocketError as exc:
                self._close_code = exc.code
                await self.close(code=exc.code)
                return WSMessage(WSMsgType.ERROR, exc, None)
            except Exception as exc:
                self._exception = exc
                self._set_closing()
                self._close_code = WSCloseCode.ABNORMAL_CLOSURE
                await self.close()
                return WSMessage(WSMsgType.ERROR, exc, None)
            if msg.type not in _CONTROL or await self._handle_control(msg):
                return msg

    async def _handle_control(self, msg: WSMessage) -> bool:
        """Act on a CLOSE, CLOSING, PING or PONG as *autoclose*/*autoping* say;
        whether ``receive()`` returns it (``False``: answered here, read on).
        """
        if msg.type is WSMsgType.CLOSE:
            self._set_closing()
            self._close_code = msg.data
            if not self._closed and self._autoclose:
                await self.close()
        elif msg.type is WSMsgType.CLOSING:
            self._set_closing()
        elif msg.type is WSMsgType.PING and self._autoping:
            await self.pong(msg.data)
            return False
        elif msg.type is WSMsgType.PONG and self._autoping:
            return False
        return True

    def _wake_closer(self) -> None:
        """``receive()`` stopped waiting: let the ``close()`` that waits for it go on."""
        waiter, self._close_wait = self._close_wait, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive_str(self, *, timeout: Optional[float] = None) -> Any:
        """The next message's data, which must be TEXT (``str``; ``bytes`` with
        ``decode_text=False``).

        :raises WSMessageTypeError: the message is not TEXT.
        """
        msg = await self.receive(timeout)
        if msg.type is not WSMsgType.TEXT:
            raise WSMessageTypeError(f"Received message {msg.type}:{msg.data!r} is not WSMsgType.TEXT")
        return msg.data

    async def receive_bytes(self, *, timeout: Optional[float] = None) -> bytes:
        """The next message's data, which must be BINARY.

        :raises WSMessageTypeError: the message is not BINARY.
        """
        msg = await self.receive(timeout)
        if msg.type is not WSMsgType.BINARY:
            raise WSMessageTypeError(f"Received message {msg.type}:{msg.data!r} is not WSMsgType.BINARY")
        return msg.data  # type: ignore[no-any-return]

    async def receive_json(self, *, loads: Callable[[Any], Any] = json.loads, timeout: Optional[float] = None) -> Any:
        """``loads`` of the next TEXT message (see :meth:`receive_str`)."""
        return loads(await self.receive_str(timeout=timeout))

    def __aiter__(self) -> "ClientWebSocketResponse":
        return self

    async def __anext__(self) -> WSMessage:
        msg = await self.receive()
        if msg.type in _END:
            raise StopAsyncIteration
        return msg

    async def __aenter__(self) -> "ClientWebSocketResponse":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self.close()


def _as_bytes(message: Any) -> bytes:
    return message.encode("utf-8") if isinstance(message, str) else message
