"""Multipart bodies (RFC 2046 §5.1, RFC 7578): :class:`MultipartWriter` builds a
request body from parts, :class:`MultipartReader` reads a multipart response part by
part (reference: "Multipart reference").

Header encoding and validation (boundaries, ``Content-Disposition``, no CR/LF/NUL in
part headers) live in :mod:`._sansio._part_headers`; the reader is in
:mod:`._body._multipart_reader`.
"""

from collections.abc import Iterator
from typing import Any, Optional
from urllib.parse import urlencode

from . import hdrs
from ._body._multipart_reader import BodyPartReader, MultipartReader, MultipartResponseWrapper
from ._sansio._part_headers import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    check_boundary,
    check_header_value,
    content_disposition_filename,
    make_boundary,
    parse_content_disposition,
    quoted_string,
)
from .payload import BytesPayload, JsonPayload, Payload, get_payload, payload_type
from .payload import LookupError as PayloadLookupError

__all__ = (
    "MultipartResponseWrapper",
    "MultipartReader",
    "MultipartWriter",
    "BodyPartReader",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "parse_content_disposition",
    "content_disposition_filename",
)

_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@payload_type(MultipartReader)
class _MultipartReaderPayload(Payload):
    """A multipart response passed on as a request body is not supported."""

    def __init__(self, value: Any, *args: Any, **kwargs: Any) -> None:
        raise TypeError("A MultipartReader can not be sent as a request body; read its parts instead")


class MultipartWriter(Payload):
    """A ``multipart/<subtype>`` body made of parts (each a :class:`Payload`).

    :param subtype: the multipart subtype (``mixed``, ``form-data``, ...).
    :param boundary: the boundary (ASCII; in the head a quoted-string when it is
        not a token, in the body as given); random when ``None``.
    :param close_boundary: write the closing delimiter at the end.
    :raises ValueError: a boundary that is not ASCII or not valid.
    """

    def __init__(self, subtype: str = "mixed", boundary: Optional[str] = None, close_boundary: bool = True) -> None:
        if boundary is None:
            boundary = make_boundary()
        try:
            boundary.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("boundary should contain ASCII only chars") from None
        check_boundary(boundary)
        self._boundary_text = boundary
        self._boundary = boundary.encode("ascii")
        self._close_boundary = close_boundary
        if set(boundary) <= _TOKEN_CHARS:
            ctype = f"multipart/{subtype}; boundary={boundary}"
        else:
            ctype = f'multipart/{subtype}; boundary="{quoted_string(boundary)}"'
        super().__init__(None, content_type=ctype)
        self._parts: list[Payload] = []

    def __enter__(self) -> "MultipartWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Payload]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __bool__(self) -> bool:
        return True

    @property
    def boundary(self) -> str:
        return self._boundary_text

    # -- building -----------------------------------------------------------------

    def append(self, obj: Any, headers: Any = None) -> Payload:
        """Add *obj* (a :class:`Payload` or anything :func:`get_payload` takes).

        :raises TypeError: an unsupported object.
        """
        if isinstance(obj, Payload):
            if headers:
                obj.headers.update(headers)
            return self.append_payload(obj)
        try:
            payload = get_payload(obj, headers=headers)
        except PayloadLookupError as exc:  # int, float, None, ...: not a body
            raise TypeError(f"Cannot create payload from {obj!r}") from exc
        return self.append_payload(payload)

    def append_payload(self, payload: Payload) -> Payload:
        """Add *payload* as the next part.

        :raises ValueError: CR, LF or NUL in a part header.
        :raises RuntimeError: a ``Content-Encoding`` or ``Content-Transfer-Encoding``
            this writer does not apply.
        """
        for name, value in payload.headers.items():
            check_header_value(name, "part header name")
            check_header_value(value, "part header value")
        encoding = payload.headers.get(hdrs.CONTENT_ENCODING, "").lower()
        if encoding and encoding != "identity":
            raise RuntimeError(f"unknown content encoding: {encoding}")
        cte = payload.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").lower()
        if cte and cte != "binary":
            raise RuntimeError(f"unknown content transfer encoding: {cte}")
        self._parts.append(payload)
        return payload

    def append_json(self, obj: Any, headers: Any = None) -> Payload:
        """Add *obj* serialised as JSON (``application/json``)."""
        return self.append_payload(JsonPayload(obj, headers=headers))

    def append_form(self, obj: Any, headers: Any = None) -> Payload:
        """Add a mapping or pairs as an ``application/x-www-form-urlencoded`` part."""
        items = list(obj.items()) if hasattr(obj, "items") else list(obj)
        body = urlencode(items, doseq=True).encode()
        return self.append_payload(
            BytesPayload(body, headers=headers, content_type="application/x-www-form-urlencoded")
        )

    # -- size and output ------------------------------------------------------------

    def _part_head(self, part: Payload) -> bytes:
        return b"--" + self._boundary + b"\r\n" + part._binary_headers

    def _closing(self) -> bytes:
        return b"--" + self._boundary + b"--\r\n" if self._close_boundary else b""

    @property
    def size(self) -> Optional[int]:
        """Body length in bytes, or ``None`` when a part's size is unknown."""
        total = 0
        for part in self._parts:
            if part.size is None:
                return None
            total += len(self._part_head(part)) + part.size + 2
        return total + len(self._closing())

    def _in_memory(self) -> Optional[bytes]:
        pieces: list[bytes] = []
        for part in self._parts:
            body = part._in_memory()
            if body is None:
                return None
            pieces += (self._part_head(part), body, b"\r\n")
        pieces.append(self._closing())
        return b"".join(pieces)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return "".join(
            self._part_head(part).decode(encoding, errors) + part.decode(encoding, errors) + "\r\n"
            for part in self._parts
        ) + self._closing().decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        pieces: list[bytes] = []
        for part in self._parts:
            pieces += (self._part_head(part), await part.as_bytes(encoding, errors), b"\r\n")
        pieces.append(self._closing())
        return b"".join(pieces)

    async def write(self, writer: Any, close_boundary: bool = True) -> None:
        """Write every part, then (with *close_boundary*) the closing delimiter."""
        for part in self._parts:
            await writer.write(self._part_head(part))
            await part.write_with_length(writer, part.size)
            await writer.write(b"\r\n")
        if close_boundary and self._close_boundary:
            await writer.write(self._closing())

    def rewind(self) -> bool:
        return all(part.rewind() for part in self._parts)

    @property
    def consumed(self) -> bool:
        return any(part.consumed for part in self._parts)

    async def close(self) -> None:
        for part in self._parts:
            await part.close()
