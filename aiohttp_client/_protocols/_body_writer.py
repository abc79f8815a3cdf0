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

from .._net._connection import Connection
from .._sansio._http_writer import LAST_CHUNK, chunk
from ..client_exceptions import ClientConnectionError, ClientOSError
from ..payload import Payload

__all__ = ("BodyWriter", "compress_whole", "write_body")


def _compressobj(coding: str) -> Any:
    """A zlib compressor for ``gzip`` (RFC 1952 framing) or ``deflate`` (RFC 1950)."""
    return zlib.compressobj(wbits=16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)


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
            self._sent.append(data)
        if self._compressor is not None:
            data = self._compressor.compress(data)
        if data:
            self._emit(data)

    def _emit(self, data: bytes) -> None:
        transport = self._conn.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Cannot write to closing transport")
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


async def write_body(
    body: Payload,
    writer: BodyWriter,
    conn: Connection,
    length: Optional[int],
    done: Callable[[Optional[BaseException], bool], None],
    *,
    continue100: "Optional[asyncio.Future[None]]" = None,
    in_memory: Optional[bytes] = None,
) -> None:
    """Write *body* (at most *length* bytes when given) through *writer*, then call
    ``done(error, cancelled)``.  With *continue100*, wait for it first (the server's
    ``100 Continue``, RFC 9110 §10.1.1); with *in_memory*, write those bytes (the
    body, already coded) instead of asking *body*.

    On any failure *conn* is closed, so a half-written body is never followed by
    another request.  An error of the payload itself becomes
    ``ClientConnectionError`` and fails the response being read on *conn*.
    """
    try:
        if continue100 is not None:
            await continue100
        if in_memory is not None:
            writer.write_nowait(in_memory)
        else:
            await body.write_with_length(writer, length)
        writer.finish()
        await writer.report_sent()
    except asyncio.CancelledError:
        conn.close()
        done(None, True)
    except OSError as exc:
        conn.close()
        done(ClientOSError(exc.errno, f"Can not write request body: {exc}"), False)
    except Exception as exc:
        wrapped = ClientConnectionError(f"Failed to send bytes into the underlying connection {conn!s}: {exc!r}")
        wrapped.__cause__ = exc
        protocol = conn.protocol
        if protocol is not None:
            protocol.abort(wrapped)
        conn.close()
        done(wrapped, False)
    else:
        done(None, False)
