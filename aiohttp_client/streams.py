"""aiohttp's ``streams`` module path: response body streams and the message queue.

- :class:`StreamReader` (bytes with flow control; :mod:`._body._stream_reader` holds it and
  its docstring describes the producer/consumer contract),
- :class:`EmptyStreamReader` and :data:`EMPTY_PAYLOAD` (a body that is always at EOF),
- :class:`DataQueue` (whole items, e.g. WebSocket messages; :mod:`._body._data_queue`) and
  :class:`FlowControlDataQueue` (the same, pausing its producer),
- :exc:`EofStream` and the ``async for`` iterators (:mod:`._body._stream_base`).

Reference: "ClientResponse.content" and the "Streaming API" (``streams.rst``).
"""

import asyncio
from typing import Callable, Final, Optional

from ._body._data_queue import DataQueue, FlowControlDataQueue
from ._body._stream_base import (
    _NO_CAUSE,
    EofStream,
    _NoFlowControl,
    _run_eof_callback,
)
from ._body._stream_reader import StreamReader

__all__ = (
    "EMPTY_PAYLOAD",
    "EofStream",
    "StreamReader",
    "EmptyStreamReader",
    "DataQueue",
    "FlowControlDataQueue",
)


class EmptyStreamReader(StreamReader):
    """A stream that is always at EOF (the body of e.g. a HEAD response).

    Reads return ``b""``; :meth:`readexactly` raises :exc:`asyncio.IncompleteReadError`;
    :meth:`readchunk` returns ``(b"", False)`` once and then ``(b"", True)`` (as aiohttp
    does); feeding, :meth:`set_exception` and limit changes are ignored.
    """

    __slots__ = ("_read_eof_chunk",)

    def __init__(self) -> None:
        super().__init__(_NoFlowControl(), 2**16)
        self._eof = True
        self._read_eof_chunk = False

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def exception(self) -> Optional[BaseException]:
        return None

    def set_exception(self, exc: BaseException, exc_cause: BaseException = _NO_CAUSE) -> None:
        pass

    def on_eof(self, callback: Callable[[], None]) -> None:
        _run_eof_callback(callback)

    def feed_eof(self) -> None:
        pass

    def is_eof(self) -> bool:
        return True

    def at_eof(self) -> bool:
        return True

    async def wait_eof(self) -> None:
        return

    def feed_data(self, data: bytes) -> None:
        pass

    def begin_http_chunk_receiving(self) -> None:
        pass

    def end_http_chunk_receiving(self) -> None:
        pass

    def set_read_chunk_size(self, n: int) -> None:
        pass

    async def readline(self, *, max_line_length: Optional[int] = None) -> bytes:
        return b""

    async def readuntil(self, separator: bytes = b"\n", *, max_size: Optional[int] = None) -> bytes:
        if not separator:
            raise ValueError("Separator should be at least one-byte string")
        return b""

    async def read(self, n: int = -1) -> bytes:
        return b""

    async def readany(self) -> bytes:
        return b""

    async def readchunk(self) -> tuple[bytes, bool]:
        if not self._read_eof_chunk:
            self._read_eof_chunk = True
            return (b"", False)
        return (b"", True)

    async def readexactly(self, n: int) -> bytes:
        raise asyncio.IncompleteReadError(b"", n)

    def read_nowait(self, n: int = -1) -> bytes:
        return b""


#: The shared always-empty body stream.
EMPTY_PAYLOAD: Final[StreamReader] = EmptyStreamReader()
