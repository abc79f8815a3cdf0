"""Request body producers (reference: ``ClientRequest.body``, ``update_body``; the
public names of aiohttp's ``payload`` module).

A :class:`Payload` knows its ``size`` in bytes (``None`` when unknown, which makes
the request use the chunked transfer coding), its ``headers`` (``Content-Type``
always), and how to ``write`` itself through a writer whose ``write(data)`` and
``drain()`` are coroutines.  :data:`PAYLOAD_REGISTRY` maps Python types to payload
classes; :func:`get_payload` wraps any supported value.  File objects are read in the
loop's default executor, in ``PAYLOAD_CHUNK`` pieces, never whole.  The base class and
the registry live in :mod:`._body._payload_base`; this module holds the concrete bodies.
"""

import asyncio
import io
import json
import os
import sys
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Awaitable
from typing import Any, Callable, Optional

from . import hdrs
from ._body._payload_base import (
    PAYLOAD_REGISTRY,
    Order,
    Payload,
    _Writer,
    get_payload,
    payload_type,
)
from ._body._payload_base import LookupError as LookupError  # aiohttp's module names, outside __all__ there too
from ._body._payload_base import PayloadRegistry as PayloadRegistry
from ._body._payload_base import register_payload as register_payload
from .client_exceptions import ClientPayloadError
from .streams import StreamReader

__all__ = (
    "PAYLOAD_REGISTRY",
    "get_payload",
    "payload_type",
    "Payload",
    "BytesPayload",
    "StringPayload",
    "IOBasePayload",
    "BytesIOPayload",
    "BufferedReaderPayload",
    "TextIOPayload",
    "StringIOPayload",
    "JsonPayload",
    "JsonBytesPayload",
    "AsyncIterablePayload",
    "streamer",
)

_NOT_AGAIN = (
    "The request body cannot be sent again: it was consumed (an async iterable or a stream "
    "that cannot seek). Use bytes or a seekable file-like object"
)
PAYLOAD_CHUNK = 2**18  # bytes per write of a file body (and per read() of a file without readinto)
PAYLOAD_READ = 2**20  # bytes a binary file reads into its reused buffer per executor call
# Whether a buffer's reference count tells that nobody kept it (CPython): else every
# read gets a fresh buffer (PyPy has no reference counts; it reads with read()).
_REFCOUNTS = hasattr(sys, "getrefcount") and sys.implementation.name == "cpython"
TOO_LARGE_BYTES_BODY = 2**20  # a bytes body above this warns (use a file or stream)


class BytesPayload(Payload):
    """``bytes``, ``bytearray`` or ``memoryview`` body.  :raises TypeError: other types."""

    _autoclose = True

    def __init__(self, value: Any, *args: Any, **kwargs: Any) -> None:
        if "content_type" not in kwargs:
            kwargs["content_type"] = "application/octet-stream"
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"value argument must be byte-ish, not {type(value)!r}")
        super().__init__(value, *args, **kwargs)
        view = value if isinstance(value, memoryview) else None
        self._size = view.nbytes if view is not None else len(value)
        if self._size > TOO_LARGE_BYTES_BODY:
            warnings.warn(
                "Sending a large body directly with raw bytes might lock the event loop. "
                "You should probably pass an io.BytesIO object instead",
                ResourceWarning,
                stacklevel=4,
            )

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return bytes(self._value).decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return bytes(self._value)

    def _in_memory(self) -> bytes:
        value = self._value
        return value if isinstance(value, bytes) else bytes(value)

    def rewind(self) -> bool:
        return True

    async def write(self, writer: _Writer) -> None:
        await write_in_pieces(writer, self._in_memory())

    async def close(self) -> None:
        pass  # nothing held; a bytes body can be sent again


async def write_in_pieces(writer: _Writer, data: bytes) -> None:
    """Write *data* through *writer* in ``PAYLOAD_CHUNK`` views (no copy), each
    waiting for the transport to drain: a big body is never copied whole into the
    transport's buffer.
    """
    if len(data) <= PAYLOAD_CHUNK:
        await writer.write(data)
        return
    with memoryview(data) as view:
        for start in range(0, len(data), PAYLOAD_CHUNK):
            await writer.write(view[start : start + PAYLOAD_CHUNK])  # type: ignore[arg-type]


class StringPayload(BytesPayload):
    """``str`` body, encoded with *encoding* (default UTF-8; ``text/plain``)."""

    def __init__(
        self, value: str, *args: Any, encoding: Optional[str] = None, content_type: Optional[str] = None, **kw: Any
    ) -> None:
        encoding, content_type = _text_type(encoding, content_type)
        super().__init__(value.encode(encoding), *args, encoding=encoding, content_type=content_type, **kw)


def _text_type(encoding: Optional[str], content_type: Optional[str]) -> tuple[str, str]:
    """The encoding and Content-Type of a text body: either one gives the other
    (``charset``), neither gives UTF-8 ``text/plain``.
    """
    if encoding is None:
        if content_type is None:
            return "utf-8", "text/plain; charset=utf-8"
        return _charset_of(content_type) or "utf-8", content_type
    if content_type is None:
        content_type = f"text/plain; charset={encoding}"
    return encoding, content_type


def _charset_of(content_type: str) -> Optional[str]:
    for param in content_type.split(";")[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            return val.strip().strip('"') or None
    return None


class StringIOPayload(StringPayload):
    """An ``io.StringIO``: its whole text (it is in memory already)."""

    def __init__(self, value: io.StringIO, *args: Any, **kwargs: Any) -> None:
        super().__init__(value.read(), *args, **kwargs)


class JsonPayload(BytesPayload):
    """A JSON document serialised with *dumps* (``application/json``)."""

    def __init__(
        self,
        value: Any,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[Any], str] = json.dumps,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(dumps(value).encode(encoding), *args, content_type=content_type, encoding=encoding, **kwargs)


class JsonBytesPayload(BytesPayload):
    """A JSON document serialised to ``bytes`` by *dumps* (e.g. orjson.dumps)."""

    def __init__(
        self,
        value: Any,
        dumps: Callable[[Any], bytes],
        content_type: str = "application/json",
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(dumps(value), *args, content_type=content_type, **kwargs)


class IOBasePayload(Payload):
    """A binary file object, read in ``PAYLOAD_CHUNK`` pieces in the loop's default
    executor (a slow disk never blocks the event loop).  The size is what is left
    from the position at creation; a redirect or retry seeks back there.
    """

    _start: Optional[int] = None
    _started = False
    _reading: "Optional[asyncio.Future[Any]]" = None  # a read in the executor

    def __init__(self, value: Any, disposition: str = "attachment", *args: Any, **kwargs: Any) -> None:
        if "filename" not in kwargs:
            kwargs["filename"] = _file_name(value)
        super().__init__(value, *args, **kwargs)
        if self._filename is not None and disposition is not None:
            if hdrs.CONTENT_DISPOSITION not in self._headers:
                self.set_content_disposition(disposition, filename=self._filename)
        try:
            pos = value.tell()
            end = value.seek(0, io.SEEK_END)
            value.seek(pos)
        except (AttributeError, OSError, ValueError):
            self._size = None
        else:
            self._start = pos
            self._size = end - pos

    def rewind(self) -> bool:
        if not self._started:
            return True
        if self._start is None or getattr(self._value, "closed", False):
            return False
        self._value.seek(self._start)
        return True

    @property
    def consumed(self) -> bool:
        return self._consumed or (self._started and self._start is None)

    def _encode(self, data: Any) -> bytes:
        return data if isinstance(data, bytes) else bytes(data)

    async def write(self, writer: _Writer) -> None:
        """Write from the position the file had when the payload was made (every
        send, a replay included, starts there), in ``PAYLOAD_CHUNK`` reads.
        """
        if self._started and self._start is None:
            raise ClientPayloadError(_NOT_AGAIN)
        await self._read_settled()
        if self._start is not None:
            self._value.seek(self._start)
        self._started = True
        remaining = self._size
        if _REFCOUNTS and type(self)._read is IOBasePayload._read and hasattr(self._value, "readinto"):
            await self._write_read_into(writer, remaining)
            return
        while remaining is None or remaining > 0:
            size = PAYLOAD_CHUNK if remaining is None else min(PAYLOAD_CHUNK, remaining)
            data = await self._read(size)
            if not data:
                return
            chunk = self._encode(data)
            if remaining is not None:
                remaining -= len(chunk)
            await writer.write(chunk)

    async def _write_read_into(self, writer: _Writer, remaining: Optional[int]) -> None:
        """The binary-file loop: ``readinto`` up to ``PAYLOAD_READ`` bytes per executor
        call (a 1 MiB file is one round trip, not four), written in ``PAYLOAD_CHUNK``
        views of one buffer.  The buffer is used again only when nothing kept a
        reference to it (its reference count is back to ours alone): a transport may
        queue the written view itself instead of copying it (asyncio's since 3.12,
        TLS's backlog), and then the next read gets a fresh buffer.
        """
        buf: Optional[bytearray] = None
        while remaining is None or remaining > 0:
            want = PAYLOAD_READ if remaining is None else min(PAYLOAD_READ, remaining)
            if buf is None or len(buf) < want:
                buf = bytearray(want)
            view = memoryview(buf)[:want]
            n = await self._run_read(self._value.readinto, view)
            if not n:
                return
            if remaining is not None:
                remaining -= n
            for start in range(0, n, PAYLOAD_CHUNK):
                await writer.write(view[start : min(n, start + PAYLOAD_CHUNK)])  # type: ignore[arg-type]
            del view
            if sys.getrefcount(buf) > 2:  # ours and the argument: anything more kept it
                buf = None

    async def _read(self, size: int) -> Any:
        return await self._run_read(self._value.read, size)

    async def _run_read(self, read_func: Callable[[Any], Any], arg: Any) -> Any:
        """``read_func(arg)`` in the default executor.  If the writer is cancelled the
        read is still waited for, so the file position is settled before a rewind.
        """
        self._reading = read = asyncio.get_running_loop().run_in_executor(None, read_func, arg)
        try:
            return await asyncio.shield(read)
        except asyncio.CancelledError:
            await asyncio.wait((read,))
            raise

    async def _read_settled(self) -> None:
        """Wait for a read still running in the executor: a writer cancelled twice
        stops waiting for it, and the next write (a replay) or the close must not
        race it on the file position.
        """
        reading = self._reading
        if reading is not None and not reading.done():
            await asyncio.wait((reading,))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._read_rest().decode(encoding, errors)

    def _read_rest(self) -> bytes:
        if self._start is not None:
            self._value.seek(self._start)
        return self._encode(self._value.read())

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return await asyncio.get_running_loop().run_in_executor(None, self._read_rest)

    async def close(self) -> None:
        self._consumed = True
        await self._read_settled()
        if not getattr(self._value, "closed", True):
            await asyncio.get_running_loop().run_in_executor(None, self._value.close)


def _file_name(value: Any) -> Optional[str]:
    """The base name of a file object's ``name`` (``None`` for ``<stdin>`` and the like)."""
    name = getattr(value, "name", None)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return os.path.basename(name) or None


class BufferedReaderPayload(IOBasePayload):
    """A buffered binary file (``open(path, "rb")``)."""

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._read_rest().decode(encoding, errors)


class BytesIOPayload(IOBasePayload):
    """An ``io.BytesIO`` (in memory: sent without the executor)."""

    _autoclose = True

    async def _read(self, size: int) -> Any:
        return self._value.read(size)

    def _in_memory(self) -> Optional[bytes]:
        if self._start is None or self._value.closed:
            return None
        data: bytes = self._value.getvalue()[self._start :]
        return data

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self._read_rest()

    async def close(self) -> None:
        self._consumed = True
        self._value.close()  # in memory: nothing to wait for in the executor


class TextIOPayload(IOBasePayload):
    """A text file object, encoded with *encoding* (default UTF-8) as it is read;
    its size in bytes is not known in advance (chunked).
    """

    def __init__(
        self, value: Any, *args: Any, encoding: Optional[str] = None, content_type: Optional[str] = None, **kw: Any
    ) -> None:
        encoding, content_type = _text_type(encoding, content_type)
        super().__init__(value, *args, content_type=content_type, encoding=encoding, **kw)
        self._size = None  # characters, not bytes

    def _encode(self, data: Any) -> bytes:
        return data.encode(self._encoding or "utf-8") if isinstance(data, str) else bytes(data)


class AsyncIterablePayload(Payload):
    """An async iterable of ``bytes`` pieces; size unknown (chunked).  It can be
    written once: a redirect or retry after that raises ``ClientPayloadError``.
    """

    _started = False

    def __init__(self, value: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(value, AsyncIterable):
            raise TypeError(f"value argument must support collections.abc.AsyncIterable interface, got {type(value)!r}")
        if "content_type" not in kwargs:
            kwargs["content_type"] = "application/octet-stream"
        super().__init__(value, *args, **kwargs)
        self._iter: Optional[AsyncIterator[Any]] = None

    @property
    def consumed(self) -> bool:
        return self._started or self._consumed

    def rewind(self) -> bool:
        return not self._started

    async def write(self, writer: _Writer) -> None:
        if self._started:
            raise ClientPayloadError(_NOT_AGAIN)
        self._started = True
        async for data in self._value:
            if data:
                await writer.write(bytes(data))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("Unable to decode an async iterable payload")

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        if self._started:
            return b""
        self._started = True
        return b"".join([bytes(d) async for d in self._value])


class StreamReaderPayload(AsyncIterablePayload):
    """A :class:`~aiohttp_client.StreamReader` (e.g. another response's content)."""

    def __init__(self, value: StreamReader, *args: Any, **kwargs: Any) -> None:
        super().__init__(value.iter_any(), *args, **kwargs)


class _stream_wrapper:
    """A ``@streamer`` coroutine function bound to its arguments."""

    def __init__(self, coro: Callable[..., Awaitable[None]], args: Any, kwargs: Any) -> None:
        self.coro = coro
        self.args = args
        self.kwargs = kwargs

    async def __call__(self, writer: Any) -> None:
        await self.coro(writer, *self.args, **self.kwargs)


class streamer:
    """Deprecated decorator: ``async def f(writer, ...)`` writing the body with
    ``await writer.write(...)``; ``data=f(...)`` sends it.  Use an async generator.
    """

    def __init__(self, coro: Callable[..., Awaitable[None]]) -> None:
        warnings.warn("@streamer is deprecated, use async generators instead", DeprecationWarning, stacklevel=2)
        self.coro = coro

    def __call__(self, *args: Any, **kwargs: Any) -> _stream_wrapper:
        return _stream_wrapper(self.coro, args, kwargs)


class StreamWrapperPayload(Payload):
    """A ``@streamer`` body; size unknown (chunked); written once."""

    _started = False

    def rewind(self) -> bool:
        return not self._started

    async def write(self, writer: _Writer) -> None:
        if self._started:
            raise ClientPayloadError(_NOT_AGAIN)
        self._started = True
        await self._value(writer)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("Unable to decode a streamer payload")


class StreamPayload(StreamWrapperPayload):
    """A ``@streamer`` function given without calling it."""

    def __init__(self, value: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(value(), *args, **kwargs)


PAYLOAD_REGISTRY.register(StreamWrapperPayload, _stream_wrapper)
PAYLOAD_REGISTRY.register(StreamPayload, streamer)
PAYLOAD_REGISTRY.register(BytesPayload, (bytes, bytearray, memoryview))
PAYLOAD_REGISTRY.register(StringPayload, str)
PAYLOAD_REGISTRY.register(StringIOPayload, io.StringIO)
PAYLOAD_REGISTRY.register(TextIOPayload, io.TextIOBase)
PAYLOAD_REGISTRY.register(BytesIOPayload, io.BytesIO)
PAYLOAD_REGISTRY.register(BufferedReaderPayload, (io.BufferedReader, io.BufferedRandom))
PAYLOAD_REGISTRY.register(IOBasePayload, io.IOBase)
PAYLOAD_REGISTRY.register(StreamReaderPayload, StreamReader)
# Last: many classes are async iterables.
PAYLOAD_REGISTRY.register(AsyncIterablePayload, AsyncIterable, order=Order.try_last)
