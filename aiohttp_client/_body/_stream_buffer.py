"""The buffer behind :class:`~._stream_reader.StreamReader`: the fed ``bytes`` objects,
the flow-control marks, and taking bytes out without copying more than a read returns.

Fed ``bytes`` objects are kept in a :class:`collections.deque` as they are, with a
running byte count and an offset into the head buffer.  A take that one whole buffered
object answers returns that object itself; only the part of a buffer that a take
returns is ever sliced.  Every take ends in :meth:`_StreamBuffer._consumed`, which drops
HTTP chunk boundaries behind the read position and resumes the producer once the
buffer is back under the low-water mark (and only if this stream paused it).

Layer 2; the producer and consumer API is :class:`~._stream_reader.StreamReader`'s.
"""

import asyncio
import collections
from typing import Callable, Optional, Union

from ._stream_base import _FlowControl

__all__ = ("_StreamBuffer",)

_Piece = Union[bytes, memoryview]
_deque = collections.deque  # one global lookup per new stream, not two
_NO_CALLBACKS = ()  # _StreamBuffer._eof_callbacks before the first on_eof() callback


class _StreamBuffer:
    """State of a body stream and the primitives that take bytes out of it."""

    __slots__ = (
        "_protocol",
        "_loop",
        "_low_water",
        "_high_water",
        "_low_water_chunks",
        "_high_water_chunks",
        "_buffer",
        "_buffer_offset",
        "_size",
        "_cursor",
        "_http_chunk_splits",
        "_last_chunk_end",
        "_eof",
        "_paused",
        "_waiter",
        "_eof_waiter",
        "_exception",
        "_eof_callbacks",
        "total_bytes",
        "total_compressed_bytes",
    )

    def __init__(
        self,
        protocol: _FlowControl,
        limit: int,
        *,
        loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> None:
        self._protocol = protocol
        self._loop = loop
        self._low_water = limit
        self._high_water = limit * 2
        # At least 4: one pending chunk end always sits at the read position.  (A
        # comparison, not max(): this runs once per response, and max() costs more
        # than the rest of the arithmetic here.)
        chunks = limit // 16
        if chunks < 4:
            chunks = 4
        self._high_water_chunks = chunks
        self._low_water_chunks = chunks // 2
        self._buffer: collections.deque[bytes] = _deque()
        self._buffer_offset = 0  # bytes of self._buffer[0] already consumed
        self._size = 0  # unread bytes in self._buffer
        self._cursor = 0  # bytes consumed since the start of the body
        # Body offsets (in total_bytes terms) at which an HTTP chunk ended, or None
        # when the body is not chunked.
        self._http_chunk_splits: Optional[collections.deque[int]] = None
        self._last_chunk_end = 0
        self._eof = False
        self._paused = False  # this reader called protocol.pause_reading()
        self._waiter: Optional[asyncio.Future[None]] = None
        self._eof_waiter: Optional[asyncio.Future[None]] = None
        self._exception: Optional[BaseException] = None
        # on_eof() callbacks: a shared empty tuple until the first one (most streams
        # never get one; no list per response).
        self._eof_callbacks: Union[list[Callable[[], None]], tuple[()]] = _NO_CALLBACKS
        self.total_bytes = 0
        self.total_compressed_bytes: Optional[int] = None

    # ---------------------------------------------------------------- flow control

    def get_read_buffer_limits(self) -> tuple[int, int]:
        """Return the ``(low, high)`` water marks in bytes."""
        return (self._low_water, self._high_water)

    def set_read_chunk_size(self, n: int) -> None:
        """Raise the water marks to ``(n, 2 * n)`` if *n* bytes exceeds the low mark."""
        if n > self._low_water:
            self._low_water = n
            self._high_water = n * 2

    def _pause(self) -> None:
        self._paused = True
        self._protocol.pause_reading()

    def _maybe_resume(self) -> None:
        # Called only when self._paused is set.
        splits = self._http_chunk_splits
        if self._size < self._low_water and (splits is None or len(splits) < self._low_water_chunks):
            self._paused = False
            self._protocol.resume_reading()

    # ------------------------------------------------------------- buffer access

    def _consumed(self, n: int) -> None:
        """Bookkeeping after *n* bytes left the buffer."""
        self._size -= n
        self._cursor += n
        if self._http_chunk_splits or self._paused:
            self._after_consumed()

    def _after_consumed(self) -> None:
        splits = self._http_chunk_splits
        if splits:
            # Boundaries behind the read position can never be reported.
            cursor = self._cursor
            while splits and splits[0] < cursor:
                splits.popleft()
        if self._paused:
            self._maybe_resume()

    def _take_head(self, n: int) -> bytes:
        """Remove up to *n* bytes (all if ``n < 0``) from the head buffer only."""
        buf = self._buffer
        head = buf[0]
        off = self._buffer_offset
        if 0 <= n < len(head) - off:
            data = head[off : off + n]
            self._buffer_offset = off + n
        else:
            buf.popleft()
            if off:
                data = head[off:]
                self._buffer_offset = 0
            else:
                data = head
        self._consumed(len(data))
        return data

    def _take_all(self) -> bytes:
        """Remove and return everything buffered (the buffer must not be empty)."""
        buf = self._buffer
        off = self._buffer_offset
        if len(buf) == 1:
            head = buf.popleft()
            data = head[off:] if off else head
        else:
            pieces: list[_Piece] = list(buf)
            if off:
                pieces[0] = memoryview(pieces[0])[off:]
            buf.clear()
            data = b"".join(pieces)
        self._buffer_offset = 0
        self._consumed(len(data))
        return data

    def _take(self, n: int) -> bytes:
        """Remove and return up to *n* > 0 bytes from the buffer (not empty)."""
        buf = self._buffer
        head = buf[0]
        off = self._buffer_offset
        avail = len(head) - off
        if avail >= n or len(buf) == 1:
            return self._take_head(n)
        # The head buffer is too short: join it with the following buffers.
        pieces: list[_Piece] = [memoryview(head)[off:] if off else head]
        buf.popleft()
        off = 0
        need = n - avail
        while buf:
            nxt = buf[0]
            size = len(nxt)
            if size <= need:
                pieces.append(nxt)
                buf.popleft()
                need -= size
                if not need:
                    break
            else:
                pieces.append(memoryview(nxt)[:need])
                off = need
                need = 0
                break
        self._buffer_offset = off
        data = b"".join(pieces)
        self._consumed(len(data))
        return data

    def _take_through(self, separator: bytes, limit: int) -> Optional[bytes]:
        """Fast path of :meth:`readuntil`: take up to and including *separator* when it
        lies in the head buffer within *limit* bytes, else ``None``.
        """
        buf = self._buffer
        if not buf:
            return None
        head = buf[0]
        off = self._buffer_offset
        i = head.find(separator, off)
        if i == -1:
            return None
        end = i + len(separator)
        n = end - off
        if n > limit:
            return None
        if end == len(head):
            buf.popleft()
            self._buffer_offset = 0
            data = head[off:] if off else head
        else:
            data = head[off:end]
            self._buffer_offset = end
        self._consumed(n)
        return data
