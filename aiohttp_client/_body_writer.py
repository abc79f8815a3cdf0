"""Writing a request body to a connection (the I/O side of :mod:`payload`).

A :class:`~aiohttp_client.payload.Payload` writes into a :class:`BodyWriter`, which
applies the content coding (``compress=``) and the chunked transfer coding (RFC 9112
§7.1, framed by :mod:`._sansio._http_writer`) and writes to the transport.
:func:`write_body` runs one payload to its end and closes the connection on failure, so
a half-written body is never followed by another request on the same connection.
"""

import asyncio
import zlib
from typing import Any, Optional

from ._connection import Connection
from ._sansio._http_writer import LAST_CHUNK, chunk
from .payload import Payload

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

    def __init__(self, conn: Connection, chunked: bool, compress: Optional[str], traced: Any = None) -> None:
        self._conn = conn
        self._chunked = chunked
        self._compressor: Any = _compressobj(compress) if compress else None
        self._traced = traced  # the request, when it has traces: chunks are reported at drain()
        self._sent: list[bytes] = []

    def write(self, data: bytes) -> None:
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


async def write_body(body: Payload, writer: BodyWriter, conn: Connection) -> None:
    """Write *body* through *writer* to its end; on any failure close *conn* (an
    unexpected error also aborts the response being read on it).
    """
    try:
        await body.write(writer)
        writer.finish()
        await writer.report_sent()
    except (OSError, asyncio.CancelledError):
        conn.close()
    except Exception as exc:
        protocol = conn.protocol
        if protocol is not None:
            protocol.abort(exc)
        conn.close()
