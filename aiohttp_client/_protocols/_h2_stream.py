"""``H2Stream``: one request and its response on an HTTP/2 connection (RFC 9113 §5),
the HTTP/2 implementation of the exchange seam (:class:`._exchange.Exchange`).

The connection protocol (:mod:`._h2`) owns the ``h2`` state machine and the transport;
a stream turns the seam's calls into ``h2`` calls on it and the ``h2`` events of its
stream id into the response: the final head resolves the future :meth:`start`
returned, DATA goes to the response's :class:`~..streams.StreamReader` (through a
content decoder from :mod:`.._sansio._body_coding` when a coding applies), the end of
the stream feeds EOF.

Flow control follows the consumer (RFC 9113 §5.2): received DATA is acknowledged (the
peer's window reopened) at once while the response's stream is below its high-water
mark, and held back while the stream has paused us, until the consumer read it below
the low-water mark.  A slow reader therefore buffers at most its high-water mark plus
one stream window, and the other streams of the connection go on.  Uploads wait for
the peer's windows: :meth:`drain` returns once the bytes written went out.
"""

import asyncio
import http
from collections import deque
from typing import Any, Callable, Optional, Protocol

from multidict import CIMultiDict, CIMultiDictProxy

from .._models import HttpVersion, ResponseHead
from .._sansio._body_coding import DecodingSink, body_decoder
from ..client_exceptions import (
    ClientConnectionResetError,
    ClientPayloadError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from ..http_exceptions import BadHttpMessage, ContentEncodingError, LineTooLong
from ..streams import StreamReader
from ._exchange import HeadResult, ReaderOptions, RequestHead

__all__ = ("H2Stream", "HttpVersion20", "NOT_PROCESSED", "request_fields")

HttpVersion20 = HttpVersion(2, 0)

#: Fields that are connection-specific in HTTP/1.1 and never sent on HTTP/2
#: (RFC 9113 §8.2.2); ``Host`` becomes ``:authority`` (§8.3.1).
_NOT_SENT = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"})

#: Error codes of RST_STREAM (RFC 9113 §7) that say the request was not processed
#: (§8.7): REFUSED_STREAM.
_REFUSED_STREAM = 0x7
_CANCEL = 0x8

#: Seconds :meth:`H2Stream.expect_continue` waits for ``100 Continue`` (curl's default).
EXPECT_WAIT = 1.0

#: :meth:`H2Stream.drain` returns while fewer bytes than this wait for the window.
_DRAIN_BELOW = 2**16


def request_fields(head: RequestHead) -> "list[tuple[bytes, bytes]]":
    """The HTTP/2 field block of *head*: the pseudo-header fields (RFC 9113 §8.3.1)
    then the fields, names lower-cased, connection-specific ones dropped (§8.2.2;
    ``TE`` only as ``trailers``).

    :raises ValueError: a name or value holds CR, LF or NUL (RFC 9113 §8.2.1).
    """
    url = head.url
    fields = head.fields
    authority = fields.get("Host") or url.raw_authority
    path = head.target if head.target.startswith("/") else (url.raw_path_qs or "/")
    out = [
        (b":method", head.method.encode("ascii")),
        (b":scheme", url.scheme.encode("ascii")),
        (b":authority", authority.encode("utf-8")),
        (b":path", path.encode("utf-8")),
    ]
    for name, value in fields.items():
        lname = name.lower()
        if lname in _NOT_SENT or (lname == "te" and value.strip().lower() != "trailers"):
            continue
        if "\r" in value or "\n" in value or "\x00" in value or "\r" in name or "\n" in name or "\x00" in name:
            raise ValueError(f"Newline or NUL in the field {name!r}")
        out.append((lname.encode("utf-8"), value.encode("utf-8", "surrogateescape")))
    return out


#: The attribute, ``True``, of an error that failed a request the server did not
#: process (RFC 9113 §6.8, §8.7): ``retry.RetryMiddleware`` retries it whatever the method.
NOT_PROCESSED = "request_not_processed"


def _not_processed(exc: BaseException) -> ServerDisconnectedError:
    """A fresh ``ServerDisconnectedError`` for one stream, marked :data:`NOT_PROCESSED`
    (an error shared by the streams of one GOAWAY is not marked: some were processed).
    """
    err = ServerDisconnectedError(str(exc) or None)
    setattr(err, NOT_PROCESSED, True)
    return err


def _reason(status: int) -> str:
    """HTTP/2 carries no reason phrase (RFC 9113 §8.3.2): the registered one, or ``""``."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class _Owner(Protocol):
    """What a stream needs from its connection (``._h2.H2Protocol``)."""

    @property
    def broken(self) -> bool: ...

    def is_connected(self) -> bool: ...

    async def drain(self) -> None: ...

    def open_stream(self, stream: "H2Stream") -> None: ...

    def flush_stream(self, stream: "H2Stream") -> None: ...

    def acknowledge(self, stream: "H2Stream", n: int) -> None: ...

    def reset_stream(self, stream: "H2Stream", code: int) -> None: ...


class H2Stream:
    """One exchange on an :class:`._h2.H2Protocol`.  Made by its ``new_exchange()``."""

    def __init__(self, conn: _Owner, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop
        self.stream_id = 0
        #: ``True`` when the peer did not process this stream (RFC 9113 §6.8, §8.7):
        #: above a GOAWAY's last-stream-id, or refused; the request may go again.
        self.retryable = False
        self.reading_paused = False
        self._method = "GET"
        self._options = ReaderOptions()
        self._head_waiter: Optional[asyncio.Future[HeadResult]] = None
        self._stream: Optional[StreamReader] = None
        self._sink: Any = self
        self._exception: Optional[BaseException] = None
        self._on_complete: Optional[Callable[[], None]] = None
        self._continue: Optional[asyncio.Future[None]] = None
        self._response_bytes = False
        self._remote_done = False  # END_STREAM received
        self._local_done = False  # END_STREAM sent
        self._message_done = False  # the consumer's stream got everything
        self._finished = False  # the connection forgot this stream
        self._unacked = 0  # flow-controlled bytes held back while paused
        self._out: deque[memoryview] = deque()
        self._out_size = 0
        self._end_pending = False
        self._fields: Optional[list[tuple[bytes, bytes]]] = None
        self._drain_waiter: Optional[asyncio.Future[None]] = None
        self._read_timer: Optional[asyncio.TimerHandle] = None
        self._last_read = 0.0
        self._resume_handle: Optional[asyncio.Handle] = None

    # -- the seam: state -------------------------------------------------------------

    @property
    def response_started(self) -> bool:
        return self._response_bytes

    @property
    def must_close(self) -> bool:
        """Only a connection error leaves the connection unusable; a reset stream does not."""
        return self._conn.broken

    # -- the seam: the request side -----------------------------------------------------

    def start(self, method: str, options: ReaderOptions) -> "asyncio.Future[HeadResult]":
        self._method = method
        self._options = options
        self._head_waiter = waiter = self._loop.create_future()
        if self._exception is not None:
            waiter.set_exception(self._exception)
        return waiter

    def write_head(self, head: RequestHead, body: Optional[bytes] = None) -> None:
        """Send HEADERS (END_STREAM with it for an empty *body*); a non-empty *body*
        follows in DATA frames as the windows allow.

        :raises ConnectionResetError: the connection is closed or takes no new stream.
        """
        if self._exception is not None:
            raise ClientConnectionResetError(str(self._exception) or "Connection lost")
        self._fields = request_fields(head)
        if body is not None:
            if body:
                self.write(body)
            self._end_pending = True
        self._conn.open_stream(self)

    def write(self, data: bytes) -> None:
        if not data or self._exception is not None:
            return
        self._out.append(memoryview(data))
        self._out_size += len(data)
        if self.stream_id:
            self._conn.flush_stream(self)

    async def drain(self) -> None:
        """Wait until fewer than 64 KiB wait for the peer's windows and the transport
        buffer is below its high-water mark.

        :raises ClientConnectionResetError: the stream or the connection was lost.
        """
        while True:
            if self._exception is not None:
                raise ClientConnectionResetError(str(self._exception) or "Connection lost")
            if self._out_size < _DRAIN_BELOW or not self._conn.is_connected():
                break
            self._drain_waiter = waiter = self._loop.create_future()
            await asyncio.shield(waiter)
        await self._conn.drain()

    def end_body(self) -> None:
        self._end_pending = True
        if self.stream_id:
            self._conn.flush_stream(self)

    def request_sent(self) -> None:
        if not self._message_done and self._exception is None and self._read_timer is None:
            self._start_read_timer()

    def expect_continue(self) -> "asyncio.Future[None]":
        """A future resolved by ``100 Continue``, or after :data:`EXPECT_WAIT` seconds
        without an answer: RFC 9110 §10.1.1 lets a client send the body without
        waiting indefinitely, and HTTP/2 servers (hypercorn) often never send a 100.
        A final response first leaves it pending: the body is never sent.
        """
        self._continue = fut = self._loop.create_future()
        self._start_read_timer()
        handle = self._loop.call_later(EXPECT_WAIT, self._continue_anyway, fut)
        fut.add_done_callback(lambda _: handle.cancel())
        return fut

    def _continue_anyway(self, fut: "asyncio.Future[None]") -> None:
        if self._continue is fut and not fut.done() and not self._response_bytes:
            self._continue = None
            fut.set_result(None)

    def set_on_complete(self, callback: Optional[Callable[[], None]]) -> None:
        if callback is not None and self._message_done and self._exception is None:
            callback()
        else:
            self._on_complete = callback

    def abort(self, exc: BaseException) -> None:
        """Fail this exchange with *exc* and reset its stream (CANCEL); the
        connection carries on.
        """
        self._fail(exc)
        self.release()

    def cut(self) -> None:
        """Stop sending the request mid-body (its writer was cancelled or failed): what
        waits to go out is dropped and the stream reset with CANCEL (RFC 9113 §8.4);
        the response, if any, fails.
        """
        self._out.clear()
        self._out_size = 0
        self._end_pending = False
        self.abort(ClientConnectionResetError("Request body not sent completely"))

    def release(self) -> None:
        """The lease ended (an addition to the seam): a stream still open in either
        direction is reset with CANCEL (RFC 9113 §8.1: the response is not wanted or
        the request will not be finished), and the connection window it holds comes back.
        """
        self._stop_read_timer()
        if not self._finished:
            self._conn.reset_stream(self, _CANCEL)

    # -- what the connection needs to send ---------------------------------------------------

    def take_fields(self) -> "tuple[list[tuple[bytes, bytes]], bool]":
        """The field block and whether END_STREAM goes with it (no body at all)."""
        fields, self._fields = self._fields or [], None
        return fields, self._end_pending and not self._out

    def pending_out(self) -> "deque[memoryview]":
        return self._out

    def sent_out(self, n: int) -> None:
        """*n* body bytes went into DATA frames."""
        self._out_size -= n
        waiter = self._drain_waiter
        if waiter is not None and self._out_size < _DRAIN_BELOW:
            self._drain_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def wants_end(self) -> bool:
        """END_STREAM is due: the body ended and every byte of it was sent."""
        return self._end_pending and not self._out and not self._local_done

    def ended_local(self) -> None:
        self._local_done = True

    # -- events from the connection -----------------------------------------------------------

    def on_response(self, fields: "list[tuple[bytes, bytes]]") -> None:
        """A response head (``:status`` first; the connection checked the field rules)."""
        self._response_bytes = True
        self._touch()
        status = 0
        raw = []
        for name, value in fields:
            if name == b":status":
                status = int(value)
            elif not name.startswith(b":"):
                raw.append((name, value))
        if 100 <= status < 200:
            self._on_interim(status)
            return
        try:
            head = self._head(status, raw)
        except BadHttpMessage as exc:
            self._fail(exc)
            self._conn.reset_stream(self, 0x1)  # PROTOCOL_ERROR, RFC 9113 §8.1.1
            return
        self._continue = None  # a final answer instead of 100 Continue: no body goes out
        options = self._options
        self._stream = stream = StreamReader(self, options.read_bufsize, loop=self._loop)
        try:
            decoder = body_decoder(head, options.auto_decompress, None)
        except ContentEncodingError as exc:
            self._fail(exc)
            self._conn.reset_stream(self, _CANCEL)
            return
        if decoder is not None:
            self._sink = DecodingSink(self, decoder)
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((head, stream))

    def _head(self, status: int, raw: "list[tuple[bytes, bytes]]") -> ResponseHead:
        options = self._options
        if len(raw) > options.max_headers:
            raise LineTooLong("Too many headers", str(options.max_headers), str(len(raw)))
        fields: CIMultiDict[str] = CIMultiDict()
        for name, value in raw:
            if len(name) + len(value) > options.max_field_size:
                raise LineTooLong("Header field is too long", str(options.max_field_size))
            fields.add(name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
        if not 200 <= status <= 999:
            raise BadHttpMessage(f"Invalid :status {status!r}")
        return ResponseHead(HttpVersion20, status, _reason(status), CIMultiDictProxy(fields), tuple(raw))

    def _on_interim(self, status: int) -> None:
        fut = self._continue
        if status == 100 and fut is not None:
            self._continue = None
            self._stop_read_timer()  # the upload starts; request_sent() restarts it
            if not fut.done():
                fut.set_result(None)

    def on_data(self, data: bytes, flow_controlled: int) -> None:
        self._touch()
        if self._stream is None or self._exception is not None:
            self._conn.acknowledge(self, flow_controlled)
            return
        if self.reading_paused:
            self._unacked += flow_controlled
        else:
            self._conn.acknowledge(self, flow_controlled)
        if data:
            self._sink.on_body(data)

    def on_end(self) -> None:
        """END_STREAM from the peer."""
        self._remote_done = True
        if self._stream is None:  # trailers or a body without a head: not a response
            self.on_reset(0x1)
            return
        self._give_back()
        self._stop_read_timer()
        if self._sink is self:
            self.on_message_complete(())
        else:
            self._sink.on_message_complete(())

    def on_reset(self, code: int) -> None:
        """RST_STREAM from the peer (RFC 9113 §6.4)."""
        self._finished = True
        self._remote_done = True
        if code == _REFUSED_STREAM and not self._response_bytes:
            self.retryable = True
        self._give_back()
        if self._stream is None:
            err = ServerDisconnectedError(f"HTTP/2 stream reset by the server (error code {code})")
            self._fail(_not_processed(err) if self.retryable else err)
        else:
            self._fail(ClientPayloadError(f"Response payload is not completed: stream reset (error code {code})"))

    def on_window(self) -> None:
        """A WINDOW_UPDATE or a larger SETTINGS_INITIAL_WINDOW_SIZE: send what waits."""
        if self._out or self.wants_end():
            self._conn.flush_stream(self)

    def connection_failed(self, exc: BaseException, retryable: bool = False) -> None:
        """The connection ended (lost, GOAWAY above our id, a protocol error)."""
        self._finished = True
        if retryable and not self._response_bytes:
            self.retryable = True
        if self._stream is not None:
            payload = ClientPayloadError(f"Response payload is not completed: {exc!r}")
            payload.__cause__ = exc
            self._fail(payload)
        else:
            self._fail(_not_processed(exc) if self.retryable else exc)

    def forget(self) -> None:
        """The connection no longer knows this stream id."""
        self._finished = True
        self._stop_read_timer()

    # -- the decoding sink's consumer and the StreamReader's flow control ----------------------

    def on_body(self, data: bytes) -> None:
        self._stream.feed_data(data)  # type: ignore[union-attr]

    def on_coded_body(self, n: int) -> None:
        stream: StreamReader = self._stream  # type: ignore[assignment]
        stream.total_compressed_bytes = (stream.total_compressed_bytes or 0) + n

    def on_message_complete(self, trailers: tuple[tuple[bytes, bytes], ...]) -> None:
        self._message_done = True
        self._head_waiter = None
        if self._stream is not None:
            self._stream.feed_eof()
        callback, self._on_complete = self._on_complete, None
        if callback is not None:
            callback()

    def pause_reading(self) -> None:
        """Called by the response's stream above its high-water mark: hold the acks."""
        self.reading_paused = True

    def resume_reading(self) -> None:
        """Called by the stream below its low-water mark: decode what waits (from a
        fresh loop callback, never inside the consumer's read) and reopen the window.
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
        sink = self._sink
        if sink is not self:
            try:
                sink.resume()
            except BadHttpMessage as exc:
                self._fail(ClientPayloadError(f"Response payload is not completed: {exc!r}"))
                self._conn.reset_stream(self, _CANCEL)
                return
        if not self.reading_paused:
            self._give_back()

    def _give_back(self) -> None:
        unacked, self._unacked = self._unacked, 0
        if unacked:
            self._conn.acknowledge(self, unacked)

    # -- errors and the sock_read timer ------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        self._stop_read_timer()
        if self._exception is None:
            self._exception = exc
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        elif self._stream is not None and not self._stream.is_eof():
            self._stream.set_exception(exc)
        fut, self._continue = self._continue, None
        if fut is not None and not fut.done():
            fut.cancel()
        drain, self._drain_waiter = self._drain_waiter, None
        if drain is not None and not drain.done():
            drain.set_exception(ClientConnectionResetError(str(exc) or "Connection lost"))
            drain.exception()  # drain() shields it: a cancelled drain() never retrieves it
        self._out.clear()
        self._out_size = 0

    def _touch(self) -> None:
        if self._read_timer is not None:
            self._last_read = self._loop.time()

    def _start_read_timer(self) -> None:
        self._stop_read_timer()
        timeout = self._options.read_timeout
        if timeout is not None and timeout > 0:
            self._last_read = self._loop.time()
            self._read_timer = self._loop.call_at(self._last_read + timeout, self._on_read_timer)

    def _stop_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _on_read_timer(self) -> None:
        self._read_timer = None
        timeout = self._options.read_timeout
        if timeout is None or self._message_done:
            return
        deadline = self._last_read + timeout
        if self.reading_paused:  # the consumer is slow, not the server
            deadline = self._loop.time() + timeout
        if deadline > self._loop.time():
            self._read_timer = self._loop.call_at(deadline, self._on_read_timer)
            return
        self.abort(SocketTimeoutError("Timeout on reading data from socket"))
