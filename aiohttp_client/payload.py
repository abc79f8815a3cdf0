"""Request body producers (reference: ``ClientRequest.body``, ``update_body``).

A :class:`Payload` knows its ``size`` in bytes (``None`` when unknown, which makes
the request use the chunked transfer coding), its ``content_type``, and how to
``write`` itself through a writer that has ``write(data)`` and ``await drain()``.
"""

import io
import json
from collections.abc import AsyncIterable, Awaitable
from typing import Any, Callable, Optional, Protocol, Union

from multidict import CIMultiDict

__all__ = (
    "Payload",
    "BytesPayload",
    "StringPayload",
    "JsonPayload",
    "IOBasePayload",
    "AsyncIterablePayload",
    "get_payload",
    "PAYLOAD_CHUNK",
)

PAYLOAD_CHUNK = 2**16  # bytes read from a file per write


class _Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    def drain(self) -> Awaitable[None]: ...


class Payload:
    """Base class: a body with an optional known ``size`` (bytes)."""

    _size: Optional[int] = None
    _content_type = "application/octet-stream"

    def __init__(self, value: Any, *, content_type: Optional[str] = None, headers: Any = None) -> None:
        self._value = value
        self.headers: CIMultiDict[str] = CIMultiDict(headers or ())
        if content_type is not None:
            self._content_type = content_type
        elif "Content-Type" in self.headers:
            self._content_type = self.headers["Content-Type"]

    @property
    def size(self) -> Optional[int]:
        """Body length in bytes, or ``None`` when it is not known in advance."""
        return self._size

    @property
    def content_type(self) -> str:
        return self._content_type

    @property
    def value(self) -> Any:
        return self._value

    def as_bytes(self) -> Optional[bytes]:
        """The whole body if it is already in memory, else ``None``."""
        return None

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The body as text (reference: ``Payload.decode``, used by middlewares that
        sign a body).

        :raises TypeError: the body is streamed, not held in memory.
        :raises UnicodeDecodeError: the bytes are not valid in *encoding*.
        """
        raw = self.as_bytes()
        if raw is None:
            raise TypeError(f"{type(self).__name__} is streamed: its body is not in memory")
        return raw.decode(encoding, errors)

    async def write(self, writer: _Writer) -> None:
        """Write the body through *writer* (bytes already transfer-coded by it)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the payload holds (a file, an iterator)."""


class BytesPayload(Payload):
    """``bytes``, ``bytearray`` or ``memoryview`` body."""

    def __init__(self, value: Union[bytes, bytearray, memoryview], **kwargs: Any) -> None:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"value argument must be byte-ish, not {type(value)!r}")
        data = bytes(value)
        super().__init__(data, **kwargs)
        self._size = len(data)

    def as_bytes(self) -> bytes:
        return self._value  # type: ignore[no-any-return]

    async def write(self, writer: _Writer) -> None:
        writer.write(self._value)


class StringPayload(BytesPayload):
    """``str`` body, encoded with *encoding* (default UTF-8, ``text/plain``)."""

    def __init__(
        self, value: str, *, encoding: Optional[str] = None, content_type: Optional[str] = None, **kw: Any
    ) -> None:
        if encoding is None:
            encoding = "utf-8"
            if content_type is None:
                content_type = "text/plain; charset=utf-8"
        elif content_type is None:
            content_type = f"text/plain; charset={encoding}"
        super().__init__(value.encode(encoding), content_type=content_type, **kw)


class JsonPayload(BytesPayload):
    """A JSON document serialised with *dumps* (``application/json``)."""

    def __init__(
        self,
        value: Any,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[Any], str] = json.dumps,
        **kw: Any,
    ) -> None:
        super().__init__(dumps(value).encode(encoding), content_type=content_type, **kw)


class IOBasePayload(Payload):
    """A binary or text file object, read in ``PAYLOAD_CHUNK`` pieces."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)
        try:
            pos = value.tell()
            end = value.seek(0, io.SEEK_END)
            value.seek(pos)
            self._size = end - pos
        except (AttributeError, OSError, ValueError):
            self._size = None
        if isinstance(value, io.TextIOBase):
            self._size = None  # characters, not bytes
            if "Content-Type" not in self.headers and kwargs.get("content_type") is None:
                self._content_type = "text/plain; charset=utf-8"

    async def write(self, writer: _Writer) -> None:
        while True:
            data = self._value.read(PAYLOAD_CHUNK)
            if not data:
                return
            writer.write(data.encode("utf-8") if isinstance(data, str) else data)
            await writer.drain()

    async def close(self) -> None:
        self._value.close()


class AsyncIterablePayload(Payload):
    """An async iterable of ``bytes`` pieces; size unknown (chunked)."""

    async def write(self, writer: _Writer) -> None:
        async for data in self._value:
            if data:
                writer.write(bytes(data))
                await writer.drain()


def get_payload(data: Any, **kwargs: Any) -> Payload:
    """Wrap *data* in the matching :class:`Payload`.  :raises TypeError: unsupported type."""
    if isinstance(data, Payload):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return BytesPayload(data, **kwargs)
    if isinstance(data, str):
        return StringPayload(data, **kwargs)
    if isinstance(data, io.IOBase):
        return IOBasePayload(data, **kwargs)
    if isinstance(data, AsyncIterable):
        return AsyncIterablePayload(data, **kwargs)
    raise TypeError(f"data argument of type {type(data).__name__} is not supported")
