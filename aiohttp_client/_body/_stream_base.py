"""Pieces shared by the body stream (:mod:`._stream_reader`) and the message queue
(:mod:`._data_queue`): the end-of-stream exception, the ``async for`` iterators, the
producer protocol, and the one-waiter future helpers.

Layer 2 (asyncio); it imports nothing else of the package, so both streams sit above it.
"""

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Callable, Final, Generic, Optional, Protocol, TypeVar

__all__ = ("EofStream", "AsyncStreamIterator", "ChunkTupleAsyncStreamIterator")

_T = TypeVar("_T")

_log = logging.getLogger("aiohttp_client.streams")

#: Default for ``exc_cause``: "no cause given" (``None`` means "explicitly no cause").
_NO_CAUSE: Final[BaseException] = BaseException()


class _ChunkSource(Protocol):
    """What :class:`ChunkTupleAsyncStreamIterator` reads from (a ``StreamReader``)."""

    async def readchunk(self) -> tuple[bytes, bool]:
        """The next ``(data, end_of_http_chunk)`` pair."""


class EofStream(Exception):
    """Raised by :meth:`DataQueue.read` when the queue is at EOF and empty."""


class _FlowControl(Protocol):
    """What a :class:`StreamReader` needs from its producer (the connection protocol)."""

    def pause_reading(self) -> None:
        """Stop reading from the transport until :meth:`resume_reading`."""

    def resume_reading(self) -> None:
        """Start reading from the transport again."""


class _NoFlowControl:
    """Producer stand-in for readers that are never fed (:class:`EmptyStreamReader`)."""

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class AsyncStreamIterator(Generic[_T]):
    """``async for`` over repeated calls of *read_func*.

    Stops at an empty result (``b""``) or when *read_func* raises :exc:`EofStream`.
    """

    __slots__ = ("read_func",)

    def __init__(self, read_func: Callable[[], Awaitable[_T]]) -> None:
        self.read_func = read_func

    def __aiter__(self) -> "AsyncStreamIterator[_T]":
        return self

    async def __anext__(self) -> _T:
        try:
            rv = await self.read_func()
        except EofStream:
            raise StopAsyncIteration from None
        if rv == b"":
            raise StopAsyncIteration
        return rv


class ChunkTupleAsyncStreamIterator:
    """``async for`` over :meth:`StreamReader.readchunk`; stops at ``(b"", False)``."""

    __slots__ = ("_stream",)

    def __init__(self, stream: _ChunkSource) -> None:
        self._stream = stream

    def __aiter__(self) -> "ChunkTupleAsyncStreamIterator":
        return self

    async def __anext__(self) -> tuple[bytes, bool]:
        rv = await self._stream.readchunk()
        if rv == (b"", False):
            raise StopAsyncIteration
        return rv


def _wake(owner: Any, attr: str, exc: Optional[BaseException] = None) -> None:
    """Resolve and clear the future stored in ``owner.<attr>``, if any: with *exc*
    as its exception, or with ``None``.
    """
    waiter = getattr(owner, attr)
    if waiter is not None:
        setattr(owner, attr, None)
        if not waiter.done():
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)


async def _wait_on(owner: Any, attr: str, message: str) -> None:
    """Create a future in ``owner.<attr>`` (one waiter at a time), await it, clear it.

    ``owner._loop`` is filled in with the running loop on first use.  The slot is
    cleared only while it still holds this call's future: once woken, another task
    may have started waiting before this one resumes, and its waiter must stay.

    :raises RuntimeError: with *message* if another coroutine is already waiting.
    """
    if getattr(owner, attr) is not None:
        raise RuntimeError(message)
    loop = owner._loop
    if loop is None:
        loop = owner._loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    setattr(owner, attr, waiter)
    try:
        await waiter
    finally:
        if getattr(owner, attr) is waiter:
            setattr(owner, attr, None)


def _run_eof_callback(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:
        _log.exception("Exception in eof callback")
