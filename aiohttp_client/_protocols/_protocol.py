"""``ResponseProtocol``: the asyncio face of one HTTP/1.1 connection, and its
exchange (:mod:`._exchange`: capacity 1, the connection is its own exchange).

The request side hands a :class:`~._exchange.RequestHead` (and the body, whole or
in pieces) to :meth:`ResponseProtocol.write_head`/:meth:`~ResponseProtocol.write`;
the HTTP/1.1 framing (the serialized head, the chunked transfer coding, RFC 9112
§7.1) is applied here, and ``Connection: close`` in the request's fields marks the
connection as never to be pooled again (RFC 9112 §9.6).

Bytes from the transport go to a sans-IO :class:`~.._sansio._http_reader.ResponseReader`
(one call per ``data_received``); its events are routed here: the head resolves the
waiting future, body bytes go to the response's :class:`~..streams.StreamReader`
(which pauses this protocol above its high-water mark), and the end of the message
or an error settles the connection.  It also owns the ``sock_read`` timer.

Exceptions are translated here, once: protocol errors in the body become
:class:`~..client_exceptions.ClientPayloadError` on the stream; a head error is handed
to the waiting response, which raises ``ClientResponseError`` with its request info;
EOF before a complete head is :class:`~..client_exceptions.ServerDisconnectedError`.
"""

import asyncio
from typing import Any, Callable, Optional

from .. import hdrs
from .._models import ResponseHead
from .._sansio._chunked import ChunkedDecoder
from .._sansio._framing import CHUNKED, Framing
from .._sansio._http_parser import HeadParser
from .._sansio._http_reader import BODY, DONE, HEAD, ResponseReader
from .._sansio._http_writer import LAST_CHUNK, chunk, lists_close, serialize_head
from ..client_exceptions import (
    ClientOSError,
    ClientPayloadError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from ..http_exceptions import HttpProcessingError
from ..streams import StreamReader
from ._exchange import HeadResult, ReaderOptions, RequestHead
from ._receive import ReceiveBuffer, receive_view
from ._write_flow import WriteFlow

__all__ = ("ResponseProtocol",)

_SMALL_BODY = 16384  # bodies up to this size go out in the same write as the head
_DEFAULT_OPTIONS = ReaderOptions()


class ResponseProtocol(WriteFlow, ReceiveBuffer):
    """One HTTP/1.1 connection.  The twins are injectable for tests.  It receives
    into its thread's shared buffer (:mod:`._receive`), a ``BufferedProtocol``.

    :param loop: the event loop.
    :param head_parser_cls: head-parser twin; default: the selected one.
    :param chunked_decoder_cls: chunked-decoder twin; default: the selected one.
    :param reader_cls: response-reader twin; default: the selected one.
    """

    #: Exchanges it carries at once (:class:`~._exchange.ExchangeConnection`): one,
    #: HTTP/1.1 has no multiplexing.  A class attribute: read when a connection is lent.
    capacity = 1

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        head_parser_cls: type[Any] = HeadParser,
        chunked_decoder_cls: type[Any] = ChunkedDecoder,
        reader_cls: type[Any] = ResponseReader,
    ) -> None:
        self._loop = loop
        self._rview = receive_view()
        self._parser_classes = (head_parser_cls, chunked_decoder_cls)
        self._reader_cls = reader_cls
        self.transport: Optional[asyncio.Transport] = None
        self.reading_paused = False
        self.closed: asyncio.Future[None] = loop.create_future()
        self._reader: Optional[ResponseReader] = None  # either twin (the type checker sees the Python one)
        self._reader_limits: tuple[int, int, int] = (0, 0, 0)
        self._head_waiter: Optional[asyncio.Future[HeadResult]] = None
        self._stream: Optional[StreamReader] = None
        self._read_bufsize = 2**16
        self._keep_alive = False
        self._close_requested = False  # a request on it said Connection: close
        self._exception: Optional[BaseException] = None
        self._on_complete: Optional[Callable[[], None]] = None
        self._read_timeout: Optional[float] = None
        self._read_timer: Optional[asyncio.TimerHandle] = None
        self._last_read = 0.0
        self._upgraded = False
        self._upgrade_sink: Any = None
        self._drain_waiter: Optional[asyncio.Future[None]] = None
        self._resume_handle: Optional[asyncio.Handle] = None
        self._writing_paused = False
        self._message_done = False  # the consumer's stream got every decoded byte
        self._response_bytes = False  # a byte of the current response arrived
        self._continue: Optional[asyncio.Future[None]] = None  # waiting for 100 Continue
        self._chunked = False  # the request body being written goes out chunked

    # -- state -------------------------------------------------------------------

    @property
    def should_close(self) -> bool:
        """``True`` unless the connection is idle and safe to reuse."""
        reader = self._reader
        return (
            self.transport is None
            or self.transport.is_closing()
            or self._exception is not None
            or not self._keep_alive
            or self._close_requested
            or self._upgraded
            or reader is None
            or not self._message_done
            or bool(reader.leftover)
        )

    @property
    def must_close(self) -> bool:
        """The exchange leaves the connection unusable (:attr:`should_close`: one
        exchange per connection at a time).
        """
        return self.should_close

    def new_exchange(self) -> "ResponseProtocol":
        """The connection is its own exchange (no object per request)."""
        return self

    @property
    def response_started(self) -> bool:
        """``True`` once a byte of the response to the current request arrived
        (a request may then no longer be retried on another connection).
        """
        return self._response_bytes

    def is_connected(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def close(self, tls_grace: float = 0.0) -> None:
        """Close the transport now.

        A TLS connection is aborted rather than shut down (no close_notify exchange),
        as aiohttp does with its default ``ssl_shutdown_timeout=0``: the connection is
        done with, and a graceful TLS shutdown would keep the socket open for a round
        trip with a peer that may never answer.  With *tls_grace* (seconds) > 0 the
        shutdown is attempted and the transport aborted when it takes longer.
        """
        self._stop_read_timer()
        stream = self._stream
        if (
            self._exception is None
            and stream is not None
            and self._reader is not None
            and self._reader.state == BODY
            and not stream.is_eof()
        ):
            # Closed by its owner (the session or connector closing, the response
            # released) with the body unfinished: a waiting read raises, as in aiohttp.
            self._exception = exc = RuntimeError("Connection closed.")
            stream.set_exception(exc)
        self._close_transport(self.transport, tls_grace)

    # -- requests ---------------------------------------------------------------

    def start(self, method: str, options: ReaderOptions = _DEFAULT_OPTIONS) -> "asyncio.Future[HeadResult]":
        """Prepare for the response to a request about to be written (*options*:
        how to read it).

        Returns a future that resolves to ``(head, stream)``.
        """
        limits = (options.max_line_size, options.max_field_size, options.max_headers)
        reader = self._reader
        if reader is None or self._reader_limits != limits:
            head_cls, chunked_cls = self._parser_classes
            self._reader = reader = self._reader_cls(
                self,
                max_line_size=limits[0],
                max_field_size=limits[1],
                max_headers=limits[2],
                head_parser_cls=head_cls,
                chunked_decoder_cls=chunked_cls,
            )
            self._reader_limits = limits
        reader.start(method, read_until_eof=options.read_until_eof, auto_decompress=options.auto_decompress)
        self._stream = None
        self._keep_alive = False
        self._message_done = False
        self._response_bytes = False
        self._on_complete = None
        self._continue = None
        self._chunked = False
        self._read_bufsize = options.read_bufsize
        self._head_waiter = waiter = self._loop.create_future()
        self._read_timeout = options.read_timeout
        if self._exception is not None:
            waiter.set_exception(self._exception)
        elif self.transport is None or self.transport.is_closing():
            waiter.set_exception(ServerDisconnectedError())
        return waiter

    def write_head(self, head: RequestHead, body: Optional[bytes] = None) -> None:
        """Send the request head (``head.raw``, or serialized from its fields) and,
        when given, the whole *body* (already content-coded; chunked when
        ``head.chunked``: one chunk and the last-chunk, RFC 9112 §7.1).  A
        ``Connection: close`` field means no further request on this connection
        (RFC 9112 §9.6): it is never pooled again.

        :raises ValueError: a forbidden character in the head (nothing was written).
        :raises ConnectionResetError: the connection is closed.
        """
        raw = head.raw
        fields = head.fields
        if raw is None:
            raw = serialize_head(head.method, head.target, head.version, fields.items())
        transport = self.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Connection closed before the request was sent")
        if hdrs.CONNECTION in fields and lists_close(fields.getall(hdrs.CONNECTION)):
            self._close_requested = True
        self._chunked = chunked = head.chunked
        if body is None or not body and not chunked:
            transport.write(raw)
        elif chunked:
            transport.write(raw)
            if body:
                transport.writelines(chunk(body))
            transport.write(LAST_CHUNK)
        elif len(body) <= _SMALL_BODY:
            transport.write(raw + body)
        else:
            transport.writelines((raw, body))

    def write(self, data: bytes) -> None:
        """Queue body bytes (content-coded; framed here as one chunk when chunked).

        :raises ConnectionResetError: the connection is closed.
        """
        transport = self.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Cannot write to closing transport")
        if self._chunked:
            transport.writelines(chunk(data))
        else:
            transport.write(data)

    def end_body(self) -> None:
        """The request body is complete: the last-chunk when chunked (nothing is
        written to a closing transport).
        """
        if self._chunked:
            transport = self.transport
            if transport is not None and not transport.is_closing():
                transport.write(LAST_CHUNK)

    def cut(self) -> None:
        """Stop this exchange's request mid-body: the transport is aborted, its
        buffered bytes dropped (a closing transport would flush them first, and a
        peer that stopped reading would keep the socket open); the response then
        sees the connection lost.
        """
        transport = self.transport
        if transport is not None:
            transport.abort()

    def request_sent(self) -> None:
        """The request (body included) is written: ``sock_read`` starts counting now,
        not while a slow body is still being uploaded.
        """
        if not self._message_done and self._exception is None and self._read_timer is None:
            self._start_read_timer()

    def expect_continue(self) -> "asyncio.Future[None]":
        """A future resolved when ``100 Continue`` arrives for the current request
        (``Expect: 100-continue``, RFC 9110 §10.1.1); ``sock_read`` counts while
        waiting.  A final head first leaves it pending: the body is never sent.
        """
        self._continue = fut = self._loop.create_future()
        self._start_read_timer()
        return fut

    def set_on_complete(self, callback: Optional[Callable[[], None]]) -> None:
        """Call *callback* once the body has been fully received (or now, if it has)."""
        if self._upgraded:  # a 101: the connection now belongs to the upgraded protocol
            self._on_complete = None
        elif callback is not None and self._message_done and self._exception is None:
            callback()
        else:
            self._on_complete = callback

    def detach_for_upgrade(self, sink: Any = None) -> bytes:
        """Stop parsing HTTP (after a 101 response) and return the bytes already read.

        With *sink*, every later byte goes to ``sink.feed_data(data)`` and the end of
        the connection to ``sink.connection_lost(exc)`` (e.g. a WebSocket stream).
        """
        self._upgraded = True
        self._upgrade_sink = sink
        reader = self._reader
        if reader is None:
            return b""
        leftover, reader.leftover = reader.leftover, b""
        return leftover

    def detach_for_tunnel(self) -> bytes:
        """Stop parsing HTTP after a 2xx answer to ``CONNECT`` and return the bytes
        that followed its head (``b""`` from a well-behaved proxy).

        The reader is dropped: this protocol takes no part in the tunnel, and a byte
        that still reaches it fails the connection.  The caller refuses a non-empty
        result (RFC 9110 §9.3.6: after the 2xx the connection is a tunnel, and no
        origin speaks before the client's TLS ClientHello, so those bytes can only
        be the proxy's own).
        """
        reader = self._reader
        leftover = reader.leftover if reader is not None else b""
        self._reader = None
        self._head_waiter = None
        self._stream = None
        return leftover

    # -- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._upgrade_sink is not None:
            self._upgrade_sink.feed_data(data)
            return
        reader = self._reader
        if reader is None or (reader.state == DONE and self._head_waiter is None and not self._upgraded):
            # Unsolicited bytes on an idle connection: it is out of step with the
            # server (RFC 9112 §9.3 has no such thing), so never reuse it.
            self._fail(ClientOSError("data received with no request outstanding"))
            return
        self._response_bytes = True
        if self._read_timer is not None:
            self._last_read = self._loop.time()
        try:
            reader.feed(data)
        except HttpProcessingError as exc:
            self._protocol_error(exc)
        except Exception as exc:  # a bug: fail this response loudly, keep the loop sane
            self._fail(exc)

    def _receive_failed(self) -> bool:
        return self._exception is not None

    def eof_received(self) -> Optional[bool]:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._stop_read_timer()
        if self._upgrade_sink is not None:
            self._upgrade_sink.connection_lost(exc)
        reader = self._reader
        if reader is not None and self._exception is None:
            if reader.state == HEAD:
                if isinstance(exc, OSError):
                    self._fail(ClientOSError(*exc.args), exc)
                else:
                    self._fail(ServerDisconnectedError())
            elif reader.state == BODY:
                try:
                    reader.feed_eof()  # ends a read-until-close body
                except HttpProcessingError as err:
                    self._protocol_error(err)
        if self._exception is None:
            self._exception = ServerDisconnectedError()
        self._writing_lost()  # the peer may have closed it (an idle pooled connection, say)
        if not self.closed.done():
            self.closed.set_result(None)

    def abort(self, exc: BaseException) -> None:
        """Fail the response in progress with *exc* and abort the connection (what
        it had buffered to send is dropped).
        """
        self._fail(exc)
        self.cut()

    def pause_reading(self) -> None:
        """Called by the stream above its high-water mark."""
        if not self.reading_paused:
            self.reading_paused = True
            if self.transport is not None:
                try:
                    self.transport.pause_reading()
                except (AttributeError, NotImplementedError, RuntimeError):
                    pass

    def resume_reading(self) -> None:
        """Called by the stream below its low-water mark.

        Bytes the reader kept back are delivered from a fresh loop callback, never
        from inside the consumer's read call (the stream is mid-method then).
        """
        if not self.reading_paused:
            return
        self.reading_paused = False
        if self._resume_handle is None:
            self._resume_handle = self._loop.call_soon(self._resume)

    def _resume(self) -> None:
        self._resume_handle = None
        if self.reading_paused:
            return
        reader = self._reader
        if reader is not None:
            try:
                reader.resume()
            except HttpProcessingError as exc:
                self._protocol_error(exc)
                return
        if not self.reading_paused and self.transport is not None:
            try:
                self.transport.resume_reading()
            except (AttributeError, NotImplementedError, RuntimeError):
                pass

    # -- reader events (the sink) -------------------------------------------------------

    def on_head(self, head: ResponseHead, framing: Framing) -> StreamReader:
        """A final head: make the response's stream, the target of its body."""
        self._upgraded = head.status == 101  # never pooled again (RFC 9110 §15.2.2)
        self._keep_alive = framing.keep_alive
        self._continue = None  # a final answer instead of 100 Continue: no body goes out
        stream = StreamReader(self, self._read_bufsize, loop=self._loop)
        if framing.kind == CHUNKED:
            stream.begin_http_chunk_receiving()
        self._stream = stream
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((head, stream))
        return stream

    def on_interim(self, head: ResponseHead) -> None:
        """A 1xx head: ``100 Continue`` releases a body waiting for it."""
        fut = self._continue
        if head.status == 100 and fut is not None:
            self._continue = None
            self._stop_read_timer()  # the upload starts; request_sent() restarts it
            if not fut.done():
                fut.set_result(None)

    def on_body(self, data: bytes) -> None:
        """Decoded body bytes (from a decoding sink in front of this one)."""
        self._stream.feed_data(data)  # type: ignore[union-attr]

    def on_coded_body(self, n: int) -> None:
        """*n* more body bytes arrived before content decoding (``total_raw_bytes``)."""
        stream: StreamReader = self._stream  # type: ignore[assignment]
        stream.total_compressed_bytes = (stream.total_compressed_bytes or 0) + n

    def on_chunk_end(self) -> None:
        self._stream.end_http_chunk_receiving()  # type: ignore[union-attr]

    def on_message_complete(self, trailers: tuple[tuple[bytes, bytes], ...]) -> None:
        self._message_done = True
        self._head_waiter = None
        self._stop_read_timer()
        if self._stream is not None:
            self._stream.feed_eof()
        callback, self._on_complete = self._on_complete, None
        if callback is not None:
            callback()

    # -- errors and timers ----------------------------------------------------------

    def _protocol_error(self, exc: HttpProcessingError) -> None:
        reader = self._reader
        if reader is not None and reader.state == HEAD:
            self._fail(exc)  # the response turns it into ClientResponseError
        else:
            self._fail(ClientPayloadError(f"Response payload is not completed: {exc!r}"), exc)
        self.close()

    def _fail(self, exc: BaseException, cause: Optional[BaseException] = None) -> None:
        if cause is not None:
            exc.__cause__ = cause
        if self._exception is None:
            self._exception = exc
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        elif self._stream is not None and not self._stream.is_eof():
            self._stream.set_exception(exc)
        self._stop_read_timer()
        self.close()

    def _start_read_timer(self) -> None:
        self._stop_read_timer()
        timeout = self._read_timeout
        if timeout is not None and timeout > 0:
            self._last_read = self._loop.time()
            self._read_timer = self._loop.call_at(self._last_read + timeout, self._on_read_timer)

    def _stop_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _on_read_timer(self) -> None:
        self._read_timer = None
        timeout = self._read_timeout
        if timeout is None:
            return
        deadline = self._last_read + timeout
        if self.reading_paused:  # the consumer is slow, not the server
            deadline = self._loop.time() + timeout
        if deadline > self._loop.time():
            self._read_timer = self._loop.call_at(deadline, self._on_read_timer)
            return
        self._fail(SocketTimeoutError("Timeout on reading data from socket"))
