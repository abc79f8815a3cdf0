"""The asyncio side of an upgraded WebSocket connection (layer 2).

:class:`WebSocketStream` receives the connection's bytes once the 101 head has been
read, runs them through the frame-reader twin and queues whole messages.  Messages
weigh their data's length plus ``MESSAGE_OVERHEAD`` (empty and control frames count);
once the queue weighs more than *limit*, the reader stops parsing (and inflating)
mid-read, keeping the wire bytes it has not parsed, and the transport is paused; a
``read`` that brings the queue down to a quarter of *limit* parses those bytes and
resumes the transport if the queue stays within *limit* (aiohttp PYSEC-2026-4400).
``ResponseProtocol.detach_for_upgrade`` routes the bytes here; :meth:`WebSocketStream.
receive_directly` then makes a :class:`_Receiver` the transport's protocol, so that
reads land in one reused buffer (``recv_into``) instead of a fresh 256 KiB ``bytes``
per read.  :class:`WebSocketSender` writes the client's frames.
"""

import asyncio
from typing import Any, Callable, Optional, Union

from .._body._data_queue import DataQueue
from .._body._stream_base import EofStream
from .._models import WSMessage, WSMsgType
from .._sansio._ws_reader import MESSAGE_OVERHEAD, WebSocketReader
from .._sansio._ws_writer import FrameWriter
from ..client_exceptions import ClientConnectionResetError, ServerDisconnectedError
from ..http_exceptions import WebSocketError

__all__ = ("WebSocketSender", "WebSocketStream")

_LIMIT = 2**16
_CLOSE = WSMsgType.CLOSE
_FIRST_BUFFER = 2**14  # a _Receiver's first buffer, in bytes
_MAX_BUFFER = 2**18  # asyncio's read size for a plain protocol


def _size(msg: WSMessage) -> int:
    """A message's weight in the queue (as the reader twins count it)."""
    data = msg.data
    return MESSAGE_OVERHEAD + (len(data) if isinstance(data, (str, bytes)) else 0)


class WebSocketStream:
    """Bytes of an upgraded connection -> queued :class:`WSMessage` items.

    :param protocol: the connection's ``ResponseProtocol`` (for pause/resume).
    :param reader: a frame-reader twin instance (``WebSocketReader``).
    :param on_data: called on every chunk of bytes received (heartbeat reset).
    :param limit: queued message weight above which parsing stops and reading pauses.
    """

    def __init__(
        self,
        protocol: Any,
        reader: WebSocketReader,
        loop: asyncio.AbstractEventLoop,
        *,
        on_data: Optional[Callable[[], None]] = None,
        limit: int = _LIMIT,
    ) -> None:
        self._protocol = protocol
        self._reader = reader
        self._loop = loop
        self._queue: DataQueue[WSMessage] = DataQueue(loop)
        self._on_data = on_data
        self._limit = limit
        self._buffered = 0
        self._failed = False
        self._out: list[WSMessage] = []
        self._lost: Optional[tuple[Optional[BaseException]]] = None  # connection_lost() held back

    @property
    def queue(self) -> DataQueue[WSMessage]:
        return self._queue

    @property
    def paused(self) -> bool:
        """``True`` while reading is paused for the queue (messages wait beyond *limit*,
        or have not yet come down to a quarter of it): the server's later frames (a PONG
        too) are not read until the application reads.
        """
        return self._buffered > self._limit or bool(self._protocol.reading_paused)

    def set_on_data(self, callback: Optional[Callable[[], None]]) -> None:
        self._on_data = callback

    def receive_directly(self) -> None:
        """Read the connection through a :class:`_Receiver` from now on (when the
        transport can change its protocol; else bytes keep coming through
        ``ResponseProtocol.data_received``).
        """
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            return
        try:
            transport.set_protocol(_Receiver(self, self._protocol))
        except NotImplementedError:  # a transport without set_protocol()
            pass

    # -- the sink of ResponseProtocol (after the upgrade) ------------------------------

    def feed_data(self, data: Union[bytes, memoryview]) -> None:
        """Parse *data* (not kept: a view of a reused buffer is fine); a protocol
        error is queued after the messages before it.
        """
        if self._failed:
            return
        if self._on_data is not None:
            self._on_data()
        out = self._out
        try:
            size = self._reader.feed(data, out, self._limit - self._buffered)
        except WebSocketError as exc:
            self._failed = True
            self._deliver(out, sum(map(_size, out)))
            self._queue.set_exception(exc)
            return
        if out:  # the common path, inline: queue the messages, wake the reader once
            queue = self._queue
            queue._buffer.extend(out)
            out.clear()
            waiter = queue._waiter
            if waiter is not None:
                queue._waiter = None
                if not waiter.done():
                    waiter.set_result(None)
            self._buffered += size
            if self._buffered > self._limit:
                self._protocol.pause_reading()

    def _deliver(self, out: list[WSMessage], size: int) -> None:
        self._queue.feed_many(out)
        out.clear()
        self._buffered += size
        if self._buffered > self._limit:
            self._protocol.pause_reading()

    def _parse_pending(self) -> None:
        """Parse the bytes the reader kept at the limit (the queue has room again)."""
        if self._reader.pending and not self._failed:
            on_data, self._on_data = self._on_data, None  # old bytes: nothing new from the server
            try:
                self.feed_data(b"")
            finally:
                self._on_data = on_data
        if self._lost is not None and self._buffered <= self._limit:  # all that can be parsed is queued
            (exc,), self._lost = self._lost, None
            self.connection_lost(exc)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        """The connection ended: queued messages stay readable, then the reader fails
        (after the bytes the reader kept at the limit have been parsed and read).
        """
        if self._failed or self._queue.is_eof():
            return
        if self._reader.pending and self._buffered > self._limit:
            self._lost = (exc,)
            return
        self._failed = True
        if exc is None:
            self._queue.set_exception(ServerDisconnectedError())
        else:
            self._queue.set_exception(ClientConnectionResetError(str(exc)), exc)

    def feed_message(self, msg: WSMessage) -> None:
        """Queue a local message (CLOSING, ERROR) for a waiting ``receive()``."""
        self._buffered += _size(msg)
        self._queue.feed_data(msg)

    # -- reading ------------------------------------------------------------------

    async def read(self) -> WSMessage:
        """The next message.

        :raises WebSocketError: the server broke the protocol.
        :raises ClientConnectionError: the connection ended.
        :raises RuntimeError: another coroutine is already waiting.
        """
        queue = self._queue
        buffer = queue._buffer
        if not buffer:
            if not queue._eof:
                # DataQueue.read's wait, inline: one coroutine frame less per message.
                if queue._waiter is not None:
                    raise RuntimeError("read() called while another coroutine is waiting")
                waiter = queue._waiter = self._loop.create_future()
                try:
                    await waiter
                finally:
                    if queue._waiter is waiter:  # not a waiter another reader set since
                        queue._waiter = None
            if not buffer:  # woken without a message (as DataQueue.read: its exception, or EOF)
                exc = queue._exception
                if exc is not None:
                    raise exc
                raise EofStream
        msg = buffer.popleft()
        data = msg.data
        self._buffered -= MESSAGE_OVERHEAD + len(data) if isinstance(data, (str, bytes)) else MESSAGE_OVERHEAD
        if self._buffered <= self._limit >> 2 and (self._protocol.reading_paused or self._lost is not None):
            self._parse_pending()
            if self._buffered <= self._limit and self._protocol.reading_paused:
                self._protocol.resume_reading()
        return msg


class _Receiver(asyncio.BufferedProtocol):
    """The transport's protocol once the connection is a WebSocket.

    Bytes are received into one buffer owned here and handed to the stream as a
    view (the reader twins keep copies only), so a read allocates nothing: a plain
    ``asyncio.Protocol`` gets a new ``bytes`` of the transport's 256 KiB read size
    per read, whose memory the allocator hands back and takes again every time
    (page faults on each small message).  The buffer starts at 16 KiB and grows
    fourfold, up to 256 KiB, each time a read fills it.  The connection's life
    (loss, end of input, write flow control) stays with its ``ResponseProtocol``.
    """

    __slots__ = ("_stream", "_protocol", "_buffer", "_view")

    def __init__(self, stream: WebSocketStream, protocol: Any, size: int = _FIRST_BUFFER) -> None:
        self._stream = stream
        self._protocol = protocol
        self._buffer = bytearray(size)
        self._view = memoryview(self._buffer)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        view = self._view
        self._stream.feed_data(view[:nbytes])
        if nbytes == len(view) and nbytes < _MAX_BUFFER:
            self._buffer = bytearray(min(nbytes * 4, _MAX_BUFFER))
            self._view = memoryview(self._buffer)

    def eof_received(self) -> Optional[bool]:
        return self._protocol.eof_received()  # type: ignore[no-any-return]

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()


class WebSocketSender:
    """Write the client's frames to the transport, waiting for its buffer to drain.

    :param protocol: the connection's ``ResponseProtocol`` (``transport``, ``drain``).
    """

    def __init__(self, protocol: Any, frames: FrameWriter) -> None:
        self._protocol = protocol
        self._frames = frames
        self._closing = False

    def write(self, message: Union[bytes, bytearray, memoryview], opcode: int, compress: Optional[int] = None) -> int:
        """Write one frame to the transport now (no coroutine: the data-message fast
        path of ``send_str``/``send_bytes``).

        :returns: the bytes the transport still buffers; non-zero: the caller must
            ``await drain()`` before returning to its own caller.
        :raises ClientConnectionResetError: the close frame was sent or the connection
            is closing.
        """
        if self._closing and opcode != _CLOSE:
            raise ClientConnectionResetError("Cannot write to closing transport")
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            raise ClientConnectionResetError("Cannot write to closing transport")
        transport.write(self._frames.frame(message, opcode, compress))
        return transport.get_write_buffer_size()  # type: ignore[no-any-return]

    async def drain(self) -> None:
        """Wait while the transport's buffer is above its high-water mark.

        :raises ClientConnectionResetError: the connection was lost.
        """
        await self._protocol.drain()

    async def send_frame(
        self, message: Union[bytes, bytearray, memoryview], opcode: int, compress: Optional[int] = None
    ) -> None:
        """Send one frame (:meth:`write`, then drain if the transport buffers bytes).

        :raises ClientConnectionResetError: the close frame was sent or the connection
            is closing.
        """
        if self.write(message, opcode, compress):
            await self._protocol.drain()

    async def close(self, code: int = 1000, message: Union[bytes, str] = b"") -> None:
        """Send the CLOSE frame (RFC 6455 §5.5.1); nothing else may follow it."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        try:
            await self.send_frame(int(code).to_bytes(2, "big") + message, WSMsgType.CLOSE)
        finally:
            self._closing = True
