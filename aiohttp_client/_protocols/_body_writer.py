"""Writing a request body through an exchange (the I/O side of :mod:`payload`).

A :class:`~aiohttp_client.payload.Payload` writes into a :class:`BodyWriter`, which
applies the content coding (``compress=``) and hands the bytes to the
:class:`~._exchange.Exchange` (which adds the transfer framing: chunked for HTTP/1.1).
:func:`write_body` runs one payload to its end and, on failure, cuts the exchange
and closes the lease, so a half-written body is never followed by another request
on the same connection.
"""

import asyncio
import zlib
from typing import Any, Callable, Optional

from .. import hdrs
from ..client_exceptions import ClientConnectionError, ClientOSError
from ..payload import Payload, write_in_pieces
from ._exchange import Exchange

__all__ = (
    "BodyWriter",
    "compress_whole",
    "content_length",
    "count_once",
    "short_body_error",
    "write_body",
)


def _compressobj(coding: str) -> Any:
    """A zlib compressor for ``gzip`` (RFC 1952 framing) or ``deflate`` (RFC 1950)."""
    return zlib.compressobj(wbits=16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)


def content_length(headers: Any) -> Optional[int]:
    """The Content-Length a head's fields declare, ``None`` when there is none (or not a number)."""
    value = headers.get(hdrs.CONTENT_LENGTH)
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def count_once(count: Callable[[int], None], size: int) -> Callable[[int], None]:
    """An ``on_write`` calling ``count(size)`` (the body's size before coding) at the first write."""
    counted = False

    def on_write(_n: int) -> None:
        nonlocal counted
        if not counted:
            counted = True
            count(size)

    return on_write


def compress_whole(raw: bytes, coding: str) -> bytes:
    """*raw* (bytes) compressed with *coding* (``"gzip"`` or ``"deflate"``) in one go."""
    obj = _compressobj(coding)
    compressed: bytes = obj.compress(raw) + obj.flush()
    return compressed


class BodyWriter:
    """Writes body bytes through *exchange*, applying the content coding *compress*
    (``"gzip"``, ``"deflate"`` or ``None``).
    """

    def __init__(
        self,
        exchange: Exchange,
        compress: Optional[str],
        on_write: Optional[Callable[[int], None]] = None,
        traced: Any = None,
    ) -> None:
        self._exchange = exchange
        self._compressor: Any = _compressobj(compress) if compress else None
        self._on_write = on_write
        self._traced = traced  # the request, when it has traces: chunks are reported at drain()
        self._sent: list[bytes] = []
        #: Body bytes handed to the exchange after the content coding, without the
        #: transfer framing: what a Content-Length counts.
        self.emitted = 0

    async def write(self, data: bytes) -> None:
        """Write body bytes (then wait while the transport is above its high-water
        mark); *on_write* hears their count before any coding.
        """
        self.write_nowait(data)
        await self.drain()

    def write_nowait(self, data: bytes) -> None:
        """Write body bytes without waiting."""
        if self._on_write is not None:
            self._on_write(len(data))
        if self._traced is not None and data:
            self._sent.append(bytes(data))  # a view of a bigger body is copied (one piece)
        if self._compressor is not None:
            data = self._compressor.compress(data)
        if data:
            self._emit(data)

    def _emit(self, data: bytes) -> None:
        self._exchange.write(data)  # raises ConnectionResetError when closed
        self.emitted += len(data)

    async def drain(self) -> None:
        await self._exchange.drain()
        if self._sent:
            await self.report_sent()

    async def report_sent(self) -> None:
        """``on_request_chunk_sent`` for each chunk written since the last report."""
        sent, self._sent = self._sent, []
        request = self._traced
        for data in sent:
            for trace in request._traces:
                await trace.send_request_chunk_sent(request.method, request.url, data)

    def finish(self) -> None:
        """The body is complete: flush the content coding, end the exchange's body."""
        if self._compressor is not None:
            tail = self._compressor.flush()
            if tail:
                self._emit(tail)
        self._exchange.end_body()


def short_body_error(sent: int, declared: int) -> ClientConnectionError:
    """The error for a body that ended after *sent* of the *declared* bytes."""
    return ClientConnectionError(
        f"The request body ended after {sent} of the {declared} bytes its Content-Length declares"
    )


async def write_body(
    body: Payload,
    writer: BodyWriter,
    conn: Any,
    length: Optional[int],
    done: Callable[[Optional[BaseException], bool], None],
    *,
    continue100: "Optional[asyncio.Future[None]]" = None,
    in_memory: Optional[bytes] = None,
    declared: Optional[int] = None,
) -> None:
    """Write *body* (at most *length* bytes when given) through *writer*, then call
    ``done(error, cancelled)``.  With *continue100*, wait for it first (the server's
    ``100 Continue``, RFC 9110 §10.1.1); with *in_memory*, write those bytes (the
    body, already coded) instead of asking *body*, in bounded pieces.

    *declared* is the Content-Length of the head (``None`` when chunked): a body
    that ends short of it raises ``ClientConnectionError`` (the peer would wait for
    the rest forever, RFC 9112 §6.2; ``ClientConnectionError`` is what a failing body
    write raises), which fails the response and closes the connection.

    On any failure the exchange is cut and *conn* (the ``Connection`` lease) is
    closed, so a half-written body is never followed by another request.  An error
    of the payload itself becomes ``ClientConnectionError`` and aborts the exchange
    with it (the response being read fails with it).
    """
    try:
        if continue100 is not None:
            await continue100
        if in_memory is not None:
            await write_in_pieces(writer, in_memory)
        else:
            await body.write_with_length(writer, length)
        if declared is not None and writer.emitted < declared:
            raise short_body_error(writer.emitted, declared)
        writer.finish()
        await writer.report_sent()
    except asyncio.CancelledError:
        _cut(writer, conn)
        done(None, True)
    except OSError as exc:
        _cut(writer, conn)
        done(ClientOSError(exc.errno, f"Can not write request body: {exc}"), False)
    except Exception as exc:
        if isinstance(exc, ClientConnectionError):
            wrapped = exc
        else:
            wrapped = ClientConnectionError(f"Failed to send bytes into the underlying connection {conn!s}: {exc!r}")
            wrapped.__cause__ = exc
        writer._exchange.abort(wrapped)
        _cut(writer, conn)
        done(wrapped, False)
    else:
        done(None, False)


def _cut(writer: BodyWriter, conn: Any) -> None:
    """End the lease *conn* with its body unfinished: the exchange is cut first (its
    buffered bytes dropped: a peer that stopped reading would otherwise keep the
    socket open until it read them, a closing transport flushes first).
    """
    writer._exchange.cut()
    conn.close()
