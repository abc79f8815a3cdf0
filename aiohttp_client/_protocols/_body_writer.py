"""Writing a request body to a connection (the I/O side of :mod:`payload`).

A :class:`~aiohttp_client.payload.Payload` writes into a :class:`BodyWriter`, which
applies the content coding (``compress=``) and the chunked transfer coding (RFC 9112
§7.1, framed by :mod:`.._sansio._http_writer`) and writes to the transport.
:func:`write_body` runs one payload to its end and closes the connection on failure, so
a half-written body is never followed by another request on the same connection.
"""

import asyncio
import zlib
from typing import Any, Callable, Optional

from .. import hdrs
from .._net._connection import Connection
from .._sansio._http_writer import LAST_CHUNK, chunk
from ..client_exceptions import ClientConnectionError, ClientOSError
from ..payload import Payload, write_in_pieces

__all__ = (
    "BodyWriter",
    "compress_whole",
    "content_length",
    "count_once",
    "short_body_error",
    "write_body",
    "write_whole",
)


def _compressobj(coding: str) -> Any:
    """A zlib compressor for ``gzip`` (RFC 1952 framing) or ``deflate`` (RFC 1950)."""
    return zlib.compressobj(wbits=16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)


_SMALL_BODY = 16384  # bodies up to this size go out in the same write as the head


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


def write_whole(conn: Connection, transport: asyncio.Transport, head: bytes, chunked: bool, raw: bytes) -> None:
    """*head* and *raw*, a small body in memory (already coded), written at once."""
    if chunked:
        transport.write(head)
        writer = BodyWriter(conn, chunked, None)
        writer.write_nowait(raw)
        writer.finish()
    elif len(raw) <= _SMALL_BODY:
        transport.write(head + raw)
    else:
        transport.writelines((head, raw))


def compress_whole(raw: bytes, coding: str) -> bytes:
    """*raw* (bytes) compressed with *coding* (``"gzip"`` or ``"deflate"``) in one go."""
    obj = _compressobj(coding)
    compressed: bytes = obj.compress(raw) + obj.flush()
    return compressed


class BodyWriter:
    """Writes body bytes to the transport, applying compression and chunking."""

    def __init__(
        self,
        conn: Connection,
        chunked: bool,
        compress: Optional[str],
        on_write: Optional[Callable[[int], None]] = None,
        traced: Any = None,
    ) -> None:
        self._conn = conn
        self._chunked = chunked
        self._compressor: Any = _compressobj(compress) if compress else None
        self._on_write = on_write
        self._traced = traced  # the request, when it has traces: chunks are reported at drain()
        self._sent: list[bytes] = []
        #: Body bytes handed to the transport after the content coding, without the
        #: chunk framing: what a Content-Length counts.
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
        transport = self._conn.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Cannot write to closing transport")
        self.emitted += len(data)
        if self._chunked:
            transport.writelines(chunk(data))
        else:
            transport.write(data)

    async def drain(self) -> None:
        protocol = self._conn.protocol
        if protocol is not None:
            await protocol.drain()
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
        if self._compressor is not None:
            tail = self._compressor.flush()
            if tail:
                self._emit(tail)
        if self._chunked:
            transport = self._conn.transport
            if transport is not None and not transport.is_closing():
                transport.write(LAST_CHUNK)


def short_body_error(sent: int, declared: int) -> ClientConnectionError:
    """The error for a body that ended after *sent* of the *declared* bytes."""
    return ClientConnectionError(
        f"The request body ended after {sent} of the {declared} bytes its Content-Length declares"
    )


async def write_body(
    body: Payload,
    writer: BodyWriter,
    conn: Connection,
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

    On any failure *conn* is closed, so a half-written body is never followed by
    another request.  An error of the payload itself becomes
    ``ClientConnectionError`` and fails the response being read on *conn*.
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
        _cut(conn)
        done(None, True)
    except OSError as exc:
        _cut(conn)
        done(ClientOSError(exc.errno, f"Can not write request body: {exc}"), False)
    except Exception as exc:
        if isinstance(exc, ClientConnectionError):
            wrapped = exc
        else:
            wrapped = ClientConnectionError(f"Failed to send bytes into the underlying connection {conn!s}: {exc!r}")
            wrapped.__cause__ = exc
        protocol = conn.protocol
        if protocol is not None:
            protocol.abort(wrapped)
        _cut(conn)
        done(wrapped, False)
    else:
        done(None, False)


def _cut(conn: Connection) -> None:
    """Close *conn* with its body unfinished: the transport is aborted, its buffered
    bytes dropped (a peer that stopped reading would otherwise keep the socket open
    until it read them: a closing transport flushes first).
    """
    transport = conn.transport
    if transport is not None:
        transport.abort()
    conn.close()
