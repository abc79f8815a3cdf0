"""``FormData``: an HTML form body, ``application/x-www-form-urlencoded`` or
``multipart/form-data`` (RFC 7578) (reference: ``FormData``).

Calling the form gives the payload to send.  A form can be sent again (a redirect,
a retry, another request): each call builds the payload afresh from the fields,
with the same multipart boundary, and file fields are read again from the position
they had when added.
"""

import io
import warnings
from collections.abc import Iterable
from typing import Any, Optional
from urllib.parse import urlencode

from multidict import MultiDict, MultiDictProxy

from . import hdrs
from ._sansio._part_headers import check_header_value, make_boundary
from .multipart import MultipartWriter
from .payload import BytesPayload, Payload, get_payload

__all__ = ("FormData",)


class _Field:
    __slots__ = ("name", "value", "filename", "content_type", "start")

    def __init__(self, name: str, value: Any, filename: Optional[str], content_type: Optional[str]) -> None:
        self.name = name
        self.value = value
        self.filename = filename
        self.content_type = content_type
        self.start: Optional[int] = None
        if isinstance(value, io.IOBase):
            try:
                self.start = value.tell()
            except (OSError, ValueError):
                self.start = None

    def rewind(self) -> None:
        if self.start is not None and not self.value.closed:
            self.value.seek(self.start)


def _guess_filename(value: Any, default: Optional[str]) -> Optional[str]:
    name = getattr(value, "name", None)
    if isinstance(name, str) and name and not (name.startswith("<") and name.endswith(">")):
        return name.replace("\\", "/").rsplit("/", 1)[-1]
    return default


class FormData:
    """Form fields to send as a request body (reference: ``FormData``).

    :param fields: a mapping, a multidict, ``(name, value)`` pairs or file objects.
    :param quote_fields: percent-encode / escape parameter values in
        ``Content-Disposition`` (default ``True``).
    :param charset: text encoding of the fields (default UTF-8).
    :param default_to_multipart: send ``multipart/form-data`` even without files.
    :raises TypeError: *fields* of an unsupported shape.
    """

    def __init__(
        self,
        fields: Iterable[Any] = (),
        quote_fields: bool = True,
        charset: Optional[str] = None,
        *,
        default_to_multipart: bool = False,
    ) -> None:
        self._fields: list[_Field] = []
        self._is_multipart = default_to_multipart
        self._quote_fields = quote_fields
        self._charset = charset
        self._boundary = make_boundary()
        if isinstance(fields, dict):
            fields = list(fields.items())
        elif not isinstance(fields, (list, tuple)):
            fields = (fields,)
        self.add_fields(*fields)

    @property
    def is_multipart(self) -> bool:
        """``True`` when the form is sent as ``multipart/form-data``."""
        return self._is_multipart

    def add_field(
        self,
        name: str,
        value: Any,
        *,
        content_type: Optional[str] = None,
        filename: Optional[str] = None,
        content_transfer_encoding: Optional[str] = None,
    ) -> None:
        """Add one field.  A file object, a *filename* or a *content_type* makes the
        form multipart; ``bytes`` without a filename become a file named *name*
        (with a :exc:`DeprecationWarning`, as aiohttp 3.14).

        :raises TypeError: *filename*, *content_type* or *content_transfer_encoding*
            is not a ``str``.
        :raises ValueError: CR, LF or NUL in the name, filename or content type.
        """
        if isinstance(value, io.IOBase):
            self._is_multipart = True
        elif isinstance(value, (bytes, bytearray, memoryview)) and filename is None:
            if content_transfer_encoding is None:
                warnings.warn(
                    "In v4, passing bytes will no longer create a file field. "
                    "Please explicitly use the filename parameter or pass a BytesIO object.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                filename = name
        check_header_value(name, "field name")
        if filename is not None and not isinstance(filename, str):
            raise TypeError(f"filename must be an instance of str. Got: {filename!r}")
        if filename is None and isinstance(value, io.IOBase):
            filename = _guess_filename(value, name)
        if filename is not None:
            check_header_value(filename, "filename")
            self._is_multipart = True
        if content_type is not None:
            if not isinstance(content_type, str):
                raise TypeError(f"content_type must be an instance of str. Got: {content_type!r}")
            check_header_value(content_type, "content type")
            self._is_multipart = True
        if content_transfer_encoding is not None:
            if not isinstance(content_transfer_encoding, str):
                raise TypeError(
                    f"content_transfer_encoding must be an instance of str. Got: {content_transfer_encoding!r}"
                )
            warnings.warn(
                "content_transfer_encoding is deprecated. "
                "To maintain compatibility with v4 please pass a BytesPayload.",
                DeprecationWarning,
                stacklevel=2,
            )
            self._is_multipart = True
        self._fields.append(_Field(name, value, filename, content_type))

    def add_fields(self, *fields: Any) -> None:
        """Add file objects, multidicts and ``(name, value)`` pairs.

        :raises TypeError: anything else.
        """
        pending = list(fields)
        while pending:
            item = pending.pop(0)
            if isinstance(item, io.IOBase):
                self.add_field(_guess_filename(item, "unknown") or "unknown", item)
            elif isinstance(item, (MultiDictProxy, MultiDict)):
                pending.extend(item.items())
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                self.add_field(item[0], item[1])
            else:
                raise TypeError(
                    "Only io.IOBase, multidict and (name, file) pairs allowed, use .add_field() "
                    f"for passing more complex parameters, got {item!r}"
                )

    def _urlencoded(self) -> BytesPayload:
        charset = self._charset or "utf-8"
        body = urlencode([(f.name, f.value) for f in self._fields], doseq=True, encoding=charset)
        content_type = "application/x-www-form-urlencoded"
        if charset != "utf-8":
            content_type += f"; charset={charset}"
        return BytesPayload(body.encode(), content_type=content_type)

    def _multipart(self) -> MultipartWriter:
        writer = MultipartWriter("form-data", boundary=self._boundary)
        for field in self._fields:
            field.rewind()
            kwargs: dict[str, Any] = {"encoding": self._charset}
            if field.content_type is not None:
                kwargs["content_type"] = field.content_type
                kwargs["headers"] = {hdrs.CONTENT_TYPE: field.content_type}
            try:
                part = get_payload(field.value, **kwargs)
            except Exception as exc:
                raise TypeError(
                    f"Can not serialize value type: {type(field.value)!r}\n value: {field.value!r}"
                ) from exc
            params = {"name": field.name}
            if field.filename is not None:
                params["filename"] = field.filename
            part.set_content_disposition("form-data", quote_fields=self._quote_fields, **params)
            part.headers.popall(hdrs.CONTENT_LENGTH, None)
            writer.append_payload(part)
        return writer

    def __call__(self) -> Payload:
        """The payload for the current fields.  :raises TypeError: a value that no
        payload class accepts.
        """
        return self._multipart() if self._is_multipart else self._urlencoded()
