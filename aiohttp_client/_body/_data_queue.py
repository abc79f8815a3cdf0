"""``DataQueue``: a queue of whole items (WebSocket messages) with a single reader;
``FlowControlDataQueue``, the same with back-pressure on a producer.

Kept apart from :mod:`._stream_reader`, whose job is the byte stream of a response body;
``streams`` re-exports both under aiohttp's module path.
"""

import asyncio
import collections
from typing import Any, Generic, Optional, TypeVar

from ._stream_base import _NO_CAUSE, AsyncStreamIterator, EofStream, _wait_on, _wake

__all__ = ("DataQueue", "FlowControlDataQueue")

_T = TypeVar("_T")


class DataQueue(Generic[_T]):
    """A queue of whole items (e.g. WebSocket messages) with a single reader.

    Unlike :class:`StreamReader`, items fed before :meth:`set_exception` are still
    returned by :meth:`read` before the exception is raised.

    :param loop: event loop for the waiter future; by default the running loop at the
        time of the first wait.
    """

    __slots__ = ("_loop", "_eof", "_waiter", "_exception", "_buffer")

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self._loop = loop
        self._eof = False
        self._waiter: Optional[asyncio.Future[None]] = None
        self._exception: Optional[BaseException] = None
        self._buffer: collections.deque[_T] = collections.deque()

    def __len__(self) -> int:
        """Number of queued items."""
        return len(self._buffer)

    def is_eof(self) -> bool:
        """Return ``True`` after :meth:`feed_eof` or :meth:`set_exception`."""
        return self._eof

    def at_eof(self) -> bool:
        """Return ``True`` at EOF with no queued items."""
        return self._eof and not self._buffer

    def exception(self) -> Optional[BaseException]:
        """Return the exception set by :meth:`set_exception`, or ``None``."""
        return self._exception

    def set_exception(self, exc: BaseException, exc_cause: BaseException = _NO_CAUSE) -> None:
        """End the queue with *exc*: raised by :meth:`read` once the queue is drained."""
        if exc_cause is not _NO_CAUSE and exc_cause is not exc:
            exc.__cause__ = exc_cause
        self._eof = True
        self._exception = exc
        _wake(self, "_waiter", exc)

    def feed_data(self, data: _T, size: int = 0) -> None:
        """Append one item and wake the reader.

        :param size: the item's weight in bytes, for flow control (aiohttp's
            signature); a plain ``DataQueue`` does not count it.
        """
        self._buffer.append(data)
        _wake(self, "_waiter")

    def feed_many(self, items: "list[_T]") -> None:
        """Append several items (in order) and wake the reader once."""
        self._buffer.extend(items)
        _wake(self, "_waiter")

    def feed_eof(self) -> None:
        """Mark the end of the queue and wake the reader."""
        self._eof = True
        _wake(self, "_waiter")

    async def read(self) -> _T:
        """Return the next item, waiting for one.

        :raises EofStream: at EOF with no queued items.
        :raises: the exception given to :meth:`set_exception`, once drained.
        :raises RuntimeError: another coroutine is already waiting.
        """
        if not self._buffer and not self._eof:
            await _wait_on(self, "_waiter", "read() called while another coroutine is waiting")
        if self._buffer:
            return self._buffer.popleft()
        if self._exception is not None:
            raise self._exception
        raise EofStream

    def __aiter__(self) -> AsyncStreamIterator[_T]:
        """Iterate over the items until EOF."""
        return AsyncStreamIterator(self.read)


class FlowControlDataQueue(DataQueue[_T]):
    """A :class:`DataQueue` that pauses its producer while the queued items weigh
    more than ``2 * limit`` bytes (the *size* given to :meth:`feed_data`) and resumes
    it once a read brings them under *limit* (aiohttp's name; deprecated there).

    :param protocol: the producer: ``pause_reading()`` and ``resume_reading()``.
    :param limit: low-water mark in bytes (``int``).
    :param loop: event loop for the waiter future.
    """

    __slots__ = ("_protocol", "_limit", "_size", "_sizes", "_paused")

    def __init__(self, protocol: Any, limit: int, *, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        super().__init__(loop)
        self._protocol = protocol
        self._limit = limit
        self._size = 0
        self._sizes: collections.deque[int] = collections.deque()
        self._paused = False

    def feed_data(self, data: _T, size: int = 0) -> None:
        """Append one item weighing *size* bytes; pause the producer above ``2 * limit``."""
        self._sizes.append(size)
        self._size += size
        super().feed_data(data)
        if self._size > 2 * self._limit and not self._paused:
            self._paused = True
            self._protocol.pause_reading()

    def feed_many(self, items: "list[_T]") -> None:
        """Append several items of no weight."""
        self._sizes.extend(0 for _ in items)
        super().feed_many(items)

    async def read(self) -> _T:
        """Return the next item (see :meth:`DataQueue.read`); resume the producer once
        the queue weighs less than *limit*.
        """
        item = await super().read()
        self._size -= self._sizes.popleft()
        if self._paused and self._size < self._limit:
            self._paused = False
            self._protocol.resume_reading()
        return item
