"""The response body stream: :class:`StreamReader` (bytes with flow control).

Reference: "ClientResponse.content" and the "Streaming API" of aiohttp 3.14's client
(``read``, ``readany``, ``readexactly``, ``readline``, ``readuntil``, ``readchunk``,
``iter_chunked``, ``iter_any``, ``iter_chunks``, line iteration, ``at_eof``,
``read_nowait``).

Producer and consumer
---------------------
The connection's protocol is the producer: it calls :meth:`StreamReader.feed_data`,
:meth:`~StreamReader.feed_eof`, :meth:`~StreamReader.set_exception` and, for chunked
bodies, :meth:`~StreamReader.begin_http_chunk_receiving` /
:meth:`~StreamReader.end_http_chunk_receiving`.  One consumer coroutine at a time
reads; a second concurrent waiter gets :exc:`RuntimeError`.

Flow control: with ``limit`` bytes the low-water mark is ``limit`` and the high-water
mark ``2 * limit``.  ``feed_data`` calls ``protocol.pause_reading()`` when more than the
high-water mark is buffered (or more than ``max(4, limit // 16)`` HTTP chunk ends are
pending, which bounds the bookkeeping of bodies made of tiny chunks); a read calls
``protocol.resume_reading()`` once, when the stream had paused the protocol and the
buffer is back under the low-water mark.  ``read(n)`` raises both marks to ``n`` /
``2 * n`` when ``n`` is larger (``read()`` of everything lifts them entirely), so a
consumer asking for big blocks is never throttled below its block size.

Errors: once :meth:`~StreamReader.set_exception` was called, every read raises that
exception at once, even when data is still buffered (aiohttp 3.14 does the same).

Buffering (:mod:`._stream_buffer`, the base class): fed ``bytes`` objects are kept
without copying; a read that one whole buffered object answers returns that object
itself; only the part of a buffer that a read returns is ever sliced.
"""

import asyncio
import sys
import warnings
from typing import Callable, Optional, Union

from .._sansio._http_reader import register_stream_type
from ..http_exceptions import LineTooLong
from ._stream_base import (
    _NO_CAUSE,
    AsyncStreamIterator,
    ChunkTupleAsyncStreamIterator,
    _run_eof_callback,
    _wait_on,
    _wake,
)
from ._stream_buffer import _NO_CALLBACKS, _deque, _Piece, _StreamBuffer

#: read() of everything joins batches of pieces under this average size, and copies
#: those under _RUN_BLOCK bytes into blocks of about _RUN_BLOCK bytes.
_SMALL_PIECE = 1024
_RUN_BLOCK = 2**15
#: feed_http_chunks() joins the data of more pieces than _MANY_PIECES when they
#: average under _TINY_PIECE bytes (counting the chunk ends as pieces).
_MANY_PIECES = 64
_TINY_PIECE = 64
_DEFAULT_LIMIT = 2**18  # bytes (aiohttp 3.14.5's read_bufsize); another low-water mark shows in the repr

__all__ = ("StreamReader",)


class StreamReader(_StreamBuffer):
    """Buffered body stream fed by the connection protocol (reference:
    ``ClientResponse.content``, "Streaming API").

    :param protocol: the producer; any object with ``pause_reading()`` and
        ``resume_reading()`` methods.
    :param limit: low-water mark in bytes (``int`` > 0); the high-water mark is
        ``2 * limit``.
    :param loop: event loop used to create waiter futures; by default the running loop
        at the time of the first wait.

    ``async for line in reader`` iterates over lines (see :meth:`readline`).

    :ivar total_bytes: number of body bytes fed so far (``int``).
    :ivar total_compressed_bytes: number of bytes received on the wire before content
        decoding, when the producer records it (``int`` or ``None``).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        info = [self.__class__.__name__]
        if self._size:
            info.append(f"{self._size} bytes")
        if self._eof:
            info.append("eof")
        if self._low_water != _DEFAULT_LIMIT:
            info.append(f"low={self._low_water} high={self._high_water}")
        if self._waiter is not None:
            info.append(f"w={self._waiter!r}")
        if self._exception is not None:
            info.append(f"e={self._exception!r}")
        return "<{}>".format(" ".join(info))

    # ------------------------------------------------------------------ iteration

    def __aiter__(self) -> AsyncStreamIterator[bytes]:
        r"""Iterate over lines (each ending in ``b"\\n"`` except possibly the last)."""
        return AsyncStreamIterator(self.readline)

    def iter_chunked(self, n: int) -> AsyncStreamIterator[bytes]:
        """Iterate over blocks of at most *n* bytes (``int`` > 0), as :meth:`read` gives them.

        A block is whatever is buffered, up to *n* bytes: blocks are not filled up to
        *n* by waiting for more data.
        """
        self.set_read_chunk_size(n)

        async def read_block() -> bytes:
            return await self.read(n)

        return AsyncStreamIterator(read_block)

    def iter_any(self) -> AsyncStreamIterator[bytes]:
        """Iterate over the data as it arrives (see :meth:`readany`)."""
        return AsyncStreamIterator(self.readany)

    def iter_chunks(self) -> ChunkTupleAsyncStreamIterator:
        """Iterate over ``(data, end_of_http_chunk)`` tuples (see :meth:`readchunk`)."""
        return ChunkTupleAsyncStreamIterator(self)

    # -------------------------------------------------------------- producer side

    def exception(self) -> Optional[BaseException]:
        """Return the exception set by :meth:`set_exception`, or ``None``."""
        return self._exception

    def set_exception(self, exc: BaseException, exc_cause: BaseException = _NO_CAUSE) -> None:
        """Make every following read raise *exc*; wake a waiting reader with it.

        Pending :meth:`on_eof` callbacks are dropped.

        :param exc_cause: stored as ``exc.__cause__`` when given (``None`` clears it).
        """
        if exc_cause is not _NO_CAUSE and exc_cause is not exc:
            exc.__cause__ = exc_cause
        self._exception = exc
        self._eof_callbacks = _NO_CALLBACKS

        _wake(self, "_waiter", exc)

        _wake(self, "_eof_waiter", exc)

    def on_eof(self, callback: Callable[[], None]) -> None:
        """Call *callback()* at :meth:`feed_eof` (now, if already at EOF).

        Exceptions from the callback are logged, not raised.
        """
        if self._eof:
            _run_eof_callback(callback)
        elif self._eof_callbacks:
            self._eof_callbacks.append(callback)  # a list once not empty (mypy narrows: () is falsy)
        else:
            self._eof_callbacks = [callback]

    def feed_eof(self) -> None:
        """Mark the end of the body: wake readers, resume the protocol, run callbacks."""
        self._eof = True
        if self._waiter is not None:  # once per body: the checks spare two calls
            _wake(self, "_waiter")
        if self._eof_waiter is not None:
            _wake(self, "_eof_waiter")

        if self._paused:
            # The body is complete; nothing more is fed into this stream.
            self._paused = False
            self._protocol.resume_reading()

        callbacks = self._eof_callbacks
        if callbacks:
            self._eof_callbacks = _NO_CALLBACKS
            for cb in callbacks:
                _run_eof_callback(cb)

    def is_eof(self) -> bool:
        """Return ``True`` once :meth:`feed_eof` was called (data may still be buffered)."""
        return self._eof

    def at_eof(self) -> bool:
        """Return ``True`` when :meth:`feed_eof` was called and the buffer is empty."""
        return self._eof and not self._buffer

    async def wait_eof(self) -> None:
        """Wait until :meth:`feed_eof` is called.

        :raises: the exception given to :meth:`set_exception` while waiting;
            :exc:`RuntimeError` if another coroutine is already in ``wait_eof()``.
        """
        if self._eof:
            return
        await _wait_on(self, "_eof_waiter", "wait_eof() called while another coroutine is waiting")

    @property
    def total_raw_bytes(self) -> int:
        """Bytes received on the wire for this body: :attr:`total_compressed_bytes` if
        recorded, else :attr:`total_bytes`.
        """
        if self.total_compressed_bytes is None:
            return self.total_bytes
        return self.total_compressed_bytes

    def feed_data(self, data: bytes) -> None:
        """Append *data* (``bytes``, kept without copying: do not pass a buffer that
        changes later) and wake the reader.  Empty data is ignored.

        The compiled response reader runs this inline on the slots (the class is
        registered with ``_http_reader.register_stream_type`` below): a change here
        is a change to ``_cparser/_http_reader_c.pyx``'s ``_feed_stream`` too.

        :raises RuntimeError: after :meth:`feed_eof`.
        """
        if self._eof:
            raise RuntimeError("feed_data() after feed_eof()")
        n = len(data)
        if not n:
            return
        self._buffer.append(data)
        self._size = size = self._size + n
        self.total_bytes += n
        waiter = self._waiter  # _wake() inlined: this runs once per body piece
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if size > self._high_water and not self._paused:
            self._pause()  # once per crossing of the high-water mark

    def feed_http_chunks(self, pieces: "list[bytes]") -> None:
        """Feed what a chunked decoder produced, in one call: each non-empty item is
        data (as :meth:`feed_data`), each ``b""`` ends an HTTP chunk (as
        :meth:`end_http_chunk_receiving`).  Flow control is checked once, at the end.

        :raises RuntimeError: after :meth:`feed_eof`, or without a prior
            :meth:`begin_http_chunk_receiving`.
        """
        splits = self._http_chunk_splits
        if self._eof or splits is None:
            raise RuntimeError("feed_http_chunks() after feed_eof() or before begin_http_chunk_receiving()")
        buffer = self._buffer
        start = total = self.total_bytes
        last = self._last_chunk_end
        ended = False
        for piece in pieces:
            if piece:
                buffer.append(piece)
                total += len(piece)
            elif total != last:
                last = total
                splits.append(total)
                ended = True
        if len(pieces) > 64 and total - start < len(pieces) * _TINY_PIECE:  # 64: _MANY_PIECES
            self._join_tiny_chunks(pieces)
        self._last_chunk_end = last
        self._size += total - start
        self.total_bytes = total
        if (ended or total != start) and self._waiter is not None:
            _wake(self, "_waiter")
        if not self._paused and (self._size > self._high_water or len(splits) > self._high_water_chunks):
            self._pause()  # once per crossing

    def _join_tiny_chunks(self, pieces: "list[bytes]") -> None:
        """Replace the data pieces just fed from *pieces* by one ``bytes`` when they
        are many and tiny (one-byte chunks: an object each otherwise); the b"" ends
        join to nothing, and chunk boundaries are offsets in the splits, not pieces.
        """
        added = len(pieces) - pieces.count(b"")
        if added > _MANY_PIECES:
            buffer = self._buffer
            for _ in range(added):
                buffer.pop()
            buffer.append(b"".join(pieces))

    def begin_http_chunk_receiving(self) -> None:
        """Start recording HTTP chunk boundaries (chunked transfer coding).

        :raises RuntimeError: if body data was already fed.
        """
        if self._http_chunk_splits is None:
            if self.total_bytes:
                raise RuntimeError("begin_http_chunk_receiving() called after data was fed")
            self._http_chunk_splits = _deque()

    def end_http_chunk_receiving(self) -> None:
        """Record that an HTTP chunk ended at the current end of the fed data.

        A chunk that added no data (e.g. compressed bytes that decoded to nothing)
        records no boundary.

        :raises RuntimeError: without a prior :meth:`begin_http_chunk_receiving`.
        """
        splits = self._http_chunk_splits
        if splits is None:
            raise RuntimeError("end_http_chunk_receiving() called without begin_http_chunk_receiving()")
        pos = self.total_bytes
        if pos == self._last_chunk_end:
            return
        self._last_chunk_end = pos
        splits.append(pos)
        if len(splits) > self._high_water_chunks and not self._paused:
            self._pause()

        # readchunk() waits for the end of a chunk as well as for data.
        if self._waiter is not None:
            _wake(self, "_waiter")

    async def _wait(self, func_name: str) -> None:
        # One reader at a time: with two, which one gets the next data is undefined.
        await _wait_on(
            self, "_waiter", f"{func_name}() called while another coroutine is already waiting for incoming data"
        )

    # -------------------------------------------------------------- consumer API

    def unread_data(self, data: bytes) -> None:
        """Put *data* back in front of the unread bytes (deprecated in aiohttp,
        :exc:`DeprecationWarning`).
        """
        warnings.warn(
            "unread_data() is deprecated and will be removed in future releases (#3260)",
            DeprecationWarning,
            stacklevel=2,
        )
        if not data:
            return
        buf = self._buffer
        if self._buffer_offset:
            buf[0] = buf[0][self._buffer_offset :]
            self._buffer_offset = 0
        buf.appendleft(bytes(data))
        self._size += len(data)
        self._cursor -= len(data)

    async def readline(self, *, max_line_length: Optional[int] = None) -> bytes:
        r"""Read one line, ending in ``b"\\n"`` (shorter, possibly ``b""``, at EOF).

        :param max_line_length: limit in bytes; by default the high-water mark.
        :raises aiohttp_client.http_exceptions.LineTooLong: the line exceeds the limit.
        """
        return await self.readuntil(b"\n", max_size=max_line_length)

    async def readuntil(self, separator: bytes = b"\n", *, max_size: Optional[int] = None) -> bytes:
        """Read up to and including *separator* (or up to EOF if it never comes).

        :param max_size: limit in bytes; by default (or 0) the high-water mark.
        :raises ValueError: *separator* is empty.
        :raises aiohttp_client.http_exceptions.LineTooLong: more than *max_size* bytes
            were read without the result being complete; those bytes are consumed.
        """
        seplen = len(separator)
        if seplen == 0:
            raise ValueError("Separator should be at least one-byte string")
        if self._exception is not None:
            raise self._exception

        limit = max_size or self._high_water
        data = self._take_through(separator, limit)
        if data is not None:
            return data

        parts: list[bytes] = []
        total = 0
        tail = b""  # the last seplen - 1 bytes consumed so far
        while True:
            buf = self._buffer
            while buf:
                head = buf[0]
                off = self._buffer_offset
                take = -1
                if tail:
                    # A separator straddling consumed data and this buffer.
                    probe = tail + head[off : off + seplen - 1]
                    i = probe.find(separator)
                    if i != -1:
                        take = i + seplen - len(tail)
                if take == -1:
                    i = head.find(separator, off)
                    if i != -1:
                        take = i - off + seplen
                data = self._take_head(take)
                parts.append(data)
                total += len(data)
                if total > limit:
                    line = b"".join(parts)[:100]
                    raise LineTooLong(repr(line) + "...", limit, str(total))
                if take != -1:
                    return parts[0] if len(parts) == 1 else b"".join(parts)
                if seplen > 1:
                    tail = (tail + data[-(seplen - 1) :])[-(seplen - 1) :]
            if self._eof:
                return b"".join(parts)
            await self._wait("readuntil")

    async def read(self, n: int = -1) -> bytes:
        """Read up to *n* bytes; with ``n < 0`` (default) read until EOF.

        Waits only while nothing is buffered: returns what is buffered, up to *n*
        bytes, without waiting to fill *n*.  Returns ``b""`` at EOF.

        :raises: the exception given to :meth:`set_exception`, even if data is buffered.
        """
        if self._exception is not None:
            raise self._exception
        if not n:
            return b""
        if n < 0:
            return await self._read_all()
        self.set_read_chunk_size(n)
        # Loop: a chunk end may wake the waiter without any data.
        while not self._buffer:
            if self._eof:
                return b""
            await self._wait("read")
        return self._take(n)

    async def _read_all(self) -> bytes:
        """Everything until EOF, with a peak of twice the body plus a constant.

        Large pieces are kept as they are and joined once at the end (one copy).
        Small ones (a batch averaging under ``_SMALL_PIECE`` bytes) are joined as they
        come and copied into blocks of about ``_RUN_BLOCK`` bytes, so that no object
        per piece is kept and the final join has few items: 2 MB in one-byte chunks
        would otherwise hold 2 M list slots and need an 80-byte buffer descriptor
        per item in CPython's join (+170 MiB).  Blocks, not one growing buffer: on
        PyPy every outgrown buffer is garbage until the next major collection.
        """
        # No point pausing a producer whose consumer takes everything.
        self.set_read_chunk_size(sys.maxsize)
        pieces: list[Union[_Piece, bytearray]] = []
        block: Optional[bytearray] = None  # the last of pieces while small pieces come
        while True:
            buf = self._buffer
            if buf:
                off = self._buffer_offset
                size = self._size
                if size >= len(buf) * _SMALL_PIECE:
                    if off:
                        pieces.append(memoryview(buf.popleft())[off:])
                    pieces.extend(buf)
                    block = None
                else:
                    batch: list[_Piece] = list(buf)
                    if off:
                        batch[0] = memoryview(batch[0])[off:]
                    data = batch[0] if len(batch) == 1 else b"".join(batch)
                    if size >= _RUN_BLOCK:
                        pieces.append(data)
                        block = None
                    else:
                        if block is None or len(block) >= _RUN_BLOCK:
                            block = bytearray()
                            pieces.append(block)
                        block += data
                self._buffer_offset = 0
                buf.clear()
                self._consumed(size)
            elif self._paused:
                self._maybe_resume()
            if self._eof:
                break
            await self._wait("read")
            if self._exception is not None:
                raise self._exception
        if len(pieces) == 1:
            only = pieces[0]
            return only if isinstance(only, bytes) else bytes(only)
        return b"".join(pieces)

    async def readany(self) -> bytes:
        """Read everything buffered, waiting if nothing is; ``b""`` at EOF.

        :raises: the exception given to :meth:`set_exception`, even if data is buffered.
        """
        if self._exception is not None:
            raise self._exception
        while not self._buffer:
            if self._eof:
                return b""
            await self._wait("readany")
        return self._take_all()

    async def readchunk(self) -> tuple[bytes, bool]:
        """Read ``(data, end_of_http_chunk)``.

        For a chunked body, *data* ends at an HTTP chunk boundary when
        ``end_of_http_chunk`` is ``True`` (``(b"", True)`` when a chunk ended exactly
        where the previous read stopped).  Otherwise *data* is the next buffered piece
        and the flag is ``False``.  ``(b"", False)`` means EOF.
        """
        while True:
            if self._exception is not None:
                raise self._exception
            splits = self._http_chunk_splits
            if splits:
                # _consumed() keeps every remaining boundary at or after the cursor.
                pos = splits.popleft()
                if pos == self._cursor:
                    return (b"", True)
                return (self._take(pos - self._cursor), True)
            if self._buffer:
                return (self._take_head(-1), False)
            if self._eof:
                return (b"", False)
            await self._wait("readchunk")

    async def readexactly(self, n: int) -> bytes:
        """Read exactly *n* bytes.

        :raises asyncio.IncompleteReadError: EOF came first (``partial`` holds what
            was read, ``expected`` is *n*).
        """
        if self._exception is not None:
            raise self._exception
        blocks: list[bytes] = []
        remaining = n
        while remaining > 0:
            block = await self.read(remaining)
            if not block:
                partial = b"".join(blocks)
                raise asyncio.IncompleteReadError(partial, len(partial) + remaining)
            blocks.append(block)
            remaining -= len(block)
        if len(blocks) == 1:
            return blocks[0]
        return b"".join(blocks)

    def read_nowait(self, n: int = -1) -> bytes:
        """Return up to *n* buffered bytes (all with ``n < 0``) without waiting.

        :raises RuntimeError: a coroutine is waiting for data on this stream.
        :raises: the exception given to :meth:`set_exception`.
        """
        if self._exception is not None:
            raise self._exception
        if self._waiter is not None and not self._waiter.done():
            raise RuntimeError("Called while some coroutine is waiting for incoming data.")
        if not self._buffer or not n:
            return b""
        if n < 0:
            return self._take_all()
        return self._take(n)


# The compiled reader feeds exactly this class inline (see feed_data).
register_stream_type(StreamReader)
