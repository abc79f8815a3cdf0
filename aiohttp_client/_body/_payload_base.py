"""The request-body interface and the type registry (reference: ``Payload``,
``PAYLOAD_REGISTRY``, ``payload_type``): :class:`Payload`, the base every body class
derives from, and :class:`PayloadRegistry`, which maps Python types to payload
classes.  The concrete bodies (bytes, text, files, JSON, async iterables) are in
:mod:`payload`, which registers them and re-exports these names.

The system's MIME type database is read here, at import: ``mimetypes.guess_type`` would
otherwise read it from disk on its first call, inside a running event loop.
"""

import enum
import mimetypes
from collections.abc import Awaitable, Iterable
from typing import Any, Optional, Protocol

from multidict import CIMultiDict

from .. import hdrs
from .._models import sentinel
from .._sansio._part_headers import content_disposition_header, serialize_part_headers

__all__ = (
    "LookupError",
    "Order",
    "PayloadRegistry",
    "PAYLOAD_REGISTRY",
    "get_payload",
    "register_payload",
    "payload_type",
    "Payload",
)

if not mimetypes.inited:
    mimetypes.init()


class _Writer(Protocol):
    def write(self, data: bytes) -> Awaitable[None]: ...

    def drain(self) -> Awaitable[None]: ...


class LookupError(Exception):
    """No payload class is registered for the type of the data."""


class Order(str, enum.Enum):
    """Where a registered payload factory is tried."""

    normal = "normal"
    try_first = "try_first"
    try_last = "try_last"


class PayloadRegistry:
    """Maps data types to payload factories (reference: ``PAYLOAD_REGISTRY``)."""

    def __init__(self) -> None:
        self._first: list[tuple[Any, Any]] = []
        self._normal: list[tuple[Any, Any]] = []
        self._last: list[tuple[Any, Any]] = []
        self._exact: dict[type, Any] = {}

    def get(self, data: Any, *args: Any, **kwargs: Any) -> "Payload":
        """A payload for *data*.  :raises LookupError: no factory fits."""
        for factory, type_ in self._first:
            if isinstance(data, type_):
                return factory(data, *args, **kwargs)  # type: ignore[no-any-return]
        factory = self._exact.get(type(data))
        if factory is not None:
            return factory(data, *args, **kwargs)  # type: ignore[no-any-return]
        if isinstance(data, Payload):
            return data
        for factory, type_ in (*self._normal, *self._last):
            if isinstance(data, type_):
                return factory(data, *args, **kwargs)  # type: ignore[no-any-return]
        raise LookupError()

    def register(self, factory: Any, type: Any, *, order: Order = Order.normal) -> None:
        """Use *factory* for instances of *type* (a type or a tuple of types).

        :raises ValueError: an unknown *order*.
        """
        if order is Order.try_first:
            self._first.append((factory, type))
        elif order is Order.normal:
            self._normal.append((factory, type))
            for t in type if isinstance(type, Iterable) else (type,):
                self._exact[t] = factory
        elif order is Order.try_last:
            self._last.append((factory, type))
        else:
            raise ValueError(f"Unsupported order {order!r}")


PAYLOAD_REGISTRY = PayloadRegistry()


def get_payload(data: Any, *args: Any, **kwargs: Any) -> "Payload":
    """Wrap *data* in the matching :class:`Payload`.  :raises LookupError: unsupported type."""
    return PAYLOAD_REGISTRY.get(data, *args, **kwargs)


def register_payload(factory: Any, type: Any, *, order: Order = Order.normal) -> None:
    PAYLOAD_REGISTRY.register(factory, type, order=order)


class payload_type:
    """Class decorator: register the class for *type* in :data:`PAYLOAD_REGISTRY`."""

    def __init__(self, type: Any, *, order: Order = Order.normal) -> None:
        self.type = type
        self.order = order

    def __call__(self, factory: Any) -> Any:
        register_payload(factory, self.type, order=self.order)
        return factory


class Payload:
    """Base class of request bodies.

    :param value: the data.
    :param headers: extra part headers (a mapping or pairs).
    :param content_type: ``Content-Type``; default: guessed from *filename*, else the
        class default.
    :param filename: the file name (used in a multipart ``Content-Disposition``).
    :param encoding: the text encoding, for text payloads.
    """

    _default_content_type = "application/octet-stream"
    _size: Optional[int] = None
    _consumed = False
    _autoclose = False

    def __init__(
        self,
        value: Any,
        headers: Any = None,
        content_type: Any = sentinel,
        filename: Optional[str] = None,
        encoding: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        self._value = value
        self._encoding = encoding
        self._filename = filename
        self._headers: CIMultiDict[str] = CIMultiDict()
        if content_type is not sentinel and content_type is not None:
            self._headers[hdrs.CONTENT_TYPE] = content_type
        elif filename is not None:
            guessed = mimetypes.guess_type(filename)[0]
            self._headers[hdrs.CONTENT_TYPE] = guessed or self._default_content_type
        else:
            self._headers[hdrs.CONTENT_TYPE] = self._default_content_type
        if headers:
            self._headers.update(headers)

    @property
    def size(self) -> Optional[int]:
        """Body length in bytes as sent, or ``None`` when not known in advance."""
        return self._size

    @property
    def filename(self) -> Optional[str]:
        return self._filename

    @property
    def headers(self) -> "CIMultiDict[str]":
        """The payload's own headers (``Content-Type`` and any given)."""
        return self._headers

    @property
    def _binary_headers(self) -> bytes:
        return serialize_part_headers(self._headers)

    @property
    def encoding(self) -> Optional[str]:
        return self._encoding

    @property
    def content_type(self) -> str:
        return self._headers[hdrs.CONTENT_TYPE]

    @property
    def value(self) -> Any:
        return self._value

    @property
    def consumed(self) -> bool:
        """``True`` once the body was written and cannot be written again."""
        return self._consumed

    @property
    def autoclose(self) -> bool:
        """``True`` when the payload holds nothing that needs :meth:`close`."""
        return self._autoclose

    def set_content_disposition(
        self, disptype: str, quote_fields: bool = True, _charset: str = "utf-8", **params: Any
    ) -> None:
        """Set ``Content-Disposition`` (RFC 6266).  :raises ValueError: bad type or value."""
        self._headers[hdrs.CONTENT_DISPOSITION] = content_disposition_header(
            disptype, quote_fields=quote_fields, _charset=_charset, **params
        )

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The body as text (for logging and ``FormData``)."""
        raise NotImplementedError

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """The whole body as ``bytes`` (reads a file or stream to its end)."""
        raise NotImplementedError

    def _in_memory(self) -> Optional[bytes]:
        """The whole body when it is already in memory, else ``None``."""
        return None

    def rewind(self) -> bool:
        """Make the body ready to be written again (a redirect or a retry);
        ``False`` when it cannot be (an iterator consumed, a file that cannot seek).
        """
        return not self._consumed

    async def write(self, writer: _Writer) -> None:
        """Write the body through *writer* (which applies coding and framing)."""
        raise NotImplementedError

    async def write_with_length(self, writer: _Writer, content_length: Optional[int]) -> None:
        """Write at most *content_length* bytes (all when ``None``)."""
        if content_length is None:
            await self.write(writer)
            return
        await self.write(_LimitedWriter(writer, content_length))

    async def close(self) -> None:
        """Release what the payload holds (a file); idempotent."""
        self._consumed = True


class _LimitedWriter:
    """Passes on at most *limit* bytes."""

    def __init__(self, writer: _Writer, limit: int) -> None:
        self._writer = writer
        self._left = limit

    async def write(self, data: bytes) -> None:
        if self._left > 0:
            piece = data[: self._left]
            self._left -= len(piece)
            await self._writer.write(piece)

    async def drain(self) -> None:
        await self._writer.drain()
