"""Reading a multipart body (RFC 2046 §5.1) part by part from a stream (reference:
``MultipartReader``, ``BodyPartReader``, ``MultipartResponseWrapper``).

The reader keeps one buffer in front of the stream; a part hands out its body up to
the delimiter ``CRLF "--" boundary``, holding back only the bytes that might start
a delimiter, so a part of any size is read in bounded pieces.
"""

import base64
import binascii
import json
import quopri
import zlib
from typing import Any, Optional, Union
from urllib.parse import parse_qsl

from multidict import CIMultiDict, CIMultiDictProxy

from . import hdrs
from ._sansio._header_values import parse_mimetype
from ._sansio._part_headers import content_disposition_filename, parse_content_disposition

__all__ = ("MultipartReader", "BodyPartReader", "MultipartResponseWrapper")

_MAX_HEADER_LINE = 8190  # bytes
_MAX_HEADERS = 128


class _Source:
    """A buffer in front of a stream with ``readany()``."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.eof = False

    async def fill(self) -> bool:
        """Read more; ``False`` at the end of the stream."""
        if self.eof:
            return False
        data = await self.stream.readany()
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    async def readline(self) -> bytes:
        """One line with its LF (the rest at EOF).  :raises ValueError: too long."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[: end + 1])
                del self.buffer[: end + 1]
                return line
            if len(self.buffer) > _MAX_HEADER_LINE:
                raise ValueError("multipart line too long")
            if not await self.fill():
                line = bytes(self.buffer)
                self.buffer.clear()
                return line


def _source_of(content: Any) -> _Source:
    return content if isinstance(content, _Source) else _Source(content)


class BodyPartReader:
    """One part of a multipart body: its ``headers`` and its body, read through
    :meth:`read_chunk`, :meth:`read`, :meth:`readline`, :meth:`text`, :meth:`json`
    or :meth:`form`.
    """

    chunk_size = 8192

    def __init__(self, boundary: bytes, headers: "CIMultiDictProxy[str]", content: Any) -> None:
        self.headers = headers
        self._boundary = boundary
        self._delimiter = b"\r\n--" + boundary
        self._source = _source_of(content)
        self._at_eof = False
        self.closing = False  # the delimiter that ended this part was the last one
        self._disposition: Optional[tuple[Optional[str], dict[str, str]]] = None

    def __aiter__(self) -> "BodyPartReader":
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.read_chunk()
        if not chunk:
            raise StopAsyncIteration
        return chunk

    def at_eof(self) -> bool:
        """``True`` once the part's delimiter was reached."""
        return self._at_eof

    async def read_chunk(self, size: int = chunk_size) -> bytes:
        """At most *size* bytes of the body (``b""`` at its end).

        :raises ValueError: the stream ended before the part's delimiter.
        """
        if self._at_eof:
            return b""
        source = self._source
        keep = len(self._delimiter)
        while True:
            buf = source.buffer
            found = buf.find(self._delimiter)
            if found >= 0:
                if found == 0:
                    await self._finish()
                    return b""
                take = min(found, size)
            elif len(buf) > keep:
                take = min(len(buf) - keep, size)
            else:
                take = 0
            if take:
                data = bytes(buf[:take])
                del buf[:take]
                return data
            if not await source.fill():
                raise ValueError("Unexpected end of the multipart body (no closing delimiter)")

    async def _finish(self) -> None:
        """Consume the delimiter and the rest of its line."""
        del self._source.buffer[: len(self._delimiter)]
        rest = await self._source.readline()
        self.closing = rest.startswith(b"--")
        self._at_eof = True

    async def read(self, *, decode: bool = False) -> bytearray:
        """The whole (remaining) body; with *decode* the part's codings are undone."""
        data = bytearray()
        while True:
            chunk = await self.read_chunk(2**16)
            if not chunk:
                break
            data += chunk
        return bytearray(self.decode(bytes(data))) if decode else data

    async def readline(self) -> bytes:
        """The next line of the body (with its line ending), ``b""`` at its end."""
        line = bytearray()
        while not self._at_eof:
            chunk = await self.read_chunk(1)
            line += chunk
            if not chunk or chunk == b"\n":
                break
        return bytes(line)

    async def release(self) -> None:
        """Read the rest of the body to the void."""
        while await self.read_chunk(2**16):
            pass

    async def text(self, *, encoding: Optional[str] = None) -> str:
        data = await self.read(decode=True)
        return data.decode(encoding or self.get_charset(default="utf-8"))

    async def json(self, *, encoding: Optional[str] = None) -> Any:
        data = await self.read(decode=True)
        if not data:
            return None
        return json.loads(data.decode(encoding or self.get_charset(default="utf-8")))

    async def form(self, *, encoding: Optional[str] = None) -> "list[tuple[str, str]]":
        data = await self.read(decode=True)
        if not data:
            return []
        charset = encoding or self.get_charset(default="utf-8")
        return parse_qsl(data.rstrip().decode(charset), keep_blank_values=True, encoding=charset)

    def decode(self, data: bytes) -> bytes:
        """Undo ``Content-Transfer-Encoding`` (base64, quoted-printable, binary,
        7bit, 8bit) then ``Content-Encoding`` (gzip, deflate, identity).

        :raises RuntimeError: an unknown encoding.
        """
        cte = self.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").lower()
        if cte == "base64":
            try:
                data = base64.b64decode(data)
            except binascii.Error as exc:
                raise ValueError(f"bad base64 part: {exc}") from exc
        elif cte == "quoted-printable":
            data = quopri.decodestring(data)
        elif cte not in ("", "binary", "7bit", "8bit"):
            raise RuntimeError(f"unknown content transfer encoding: {cte}")
        encoding = self.headers.get(hdrs.CONTENT_ENCODING, "").lower()
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(data, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(data)
            except zlib.error:
                return zlib.decompress(data, -zlib.MAX_WBITS)
        if encoding not in ("", "identity"):
            raise RuntimeError(f"unknown content encoding: {encoding}")
        return data

    async def decode_iter(self, data: bytes) -> Any:
        """An async iterator over the decoded *data* (one piece)."""
        yield self.decode(data)

    def get_charset(self, default: Optional[str] = None) -> Any:
        """The ``charset`` of the part's Content-Type, else *default*."""
        return parse_mimetype(self.headers.get(hdrs.CONTENT_TYPE, ""))[1].get("charset", default)

    def _params(self) -> "dict[str, str]":
        if self._disposition is None:
            self._disposition = parse_content_disposition(self.headers.get(hdrs.CONTENT_DISPOSITION))
        return self._disposition[1]

    @property
    def name(self) -> Optional[str]:
        """The ``name`` of ``Content-Disposition``, or ``None``."""
        return content_disposition_filename(self._params(), "name")

    @property
    def filename(self) -> Optional[str]:
        """The ``filename`` of ``Content-Disposition``, or ``None``."""
        return content_disposition_filename(self._params(), "filename")


class MultipartReader:
    """Reads the parts of a multipart body from *content* (a stream with
    ``readany()``), its boundary taken from *headers*' Content-Type.

    :raises ValueError: no boundary in Content-Type.
    """

    part_reader_cls = BodyPartReader

    def __init__(self, headers: Any, content: Any) -> None:
        mimetype, params = parse_mimetype(headers.get(hdrs.CONTENT_TYPE, ""))
        boundary = params.get("boundary")
        if not mimetype.startswith("multipart/") or not boundary:
            raise ValueError(f"Invalid boundary {boundary!r}, not a multipart body")
        self.headers = headers
        self._boundary = boundary.encode("latin-1")
        self._source = _source_of(content)
        self._last: Optional[Union[BodyPartReader, MultipartReader]] = None
        self._started = False
        self._at_eof = False

    @classmethod
    def from_response(cls, response: Any) -> "MultipartResponseWrapper":
        """A wrapper reading the parts of *response* (a ``ClientResponse``)."""
        return MultipartResponseWrapper(response, cls(response.headers, response.content))

    def __aiter__(self) -> "MultipartReader":
        return self

    async def __anext__(self) -> Union[BodyPartReader, "MultipartReader"]:
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    def at_eof(self) -> bool:
        """``True`` once the closing delimiter was read."""
        return self._at_eof

    async def next(self) -> Optional[Union[BodyPartReader, "MultipartReader"]]:
        """The next part (a nested multipart gives a ``MultipartReader``), or
        ``None`` after the last one.
        """
        if self._at_eof:
            return None
        if not self._started:
            await self._skip_preamble()
            if self._at_eof:
                return None
        elif self._last is not None:
            await self._last.release()
            if self._last_closing():
                self._at_eof = True
                return None
        self._last = await self.fetch_next_part()
        return self._last

    def _last_closing(self) -> bool:
        last = self._last
        if isinstance(last, BodyPartReader):
            return last.closing
        stream = last._source.stream if last is not None else None
        return isinstance(stream, _NestedStream) and stream.closing

    async def release(self) -> None:
        """Read every remaining part to the void."""
        while not self._at_eof:
            part = await self.next()
            if part is None:
                break
            await part.release()
        if isinstance(self._last, BodyPartReader) and not self._last.at_eof():
            await self._last.release()
        source = self._source
        while await source.fill():  # the epilogue
            source.buffer.clear()
        source.buffer.clear()

    async def fetch_next_part(self) -> Union[BodyPartReader, "MultipartReader"]:
        """Read the next part's headers and return its reader."""
        headers = await self._read_headers()
        mimetype = parse_mimetype(headers.get(hdrs.CONTENT_TYPE, ""))[0]
        if mimetype.startswith("multipart/"):
            nested = type(self)(headers, _NestedStream(self._source, self._boundary))
            return nested
        return self.part_reader_cls(self._boundary, headers, self._source)

    async def _skip_preamble(self) -> None:
        self._started = True
        delimiter = b"--" + self._boundary
        for _ in range(100000):  # bounded: a preamble of that many lines is an error
            line = await self._source.readline()
            if not line:
                raise ValueError(f"No multipart boundary {self._boundary!r} in the body")
            stripped = line.rstrip(b"\r\n")
            if stripped == delimiter:
                return
            if stripped == delimiter + b"--":
                self._at_eof = True
                return
        raise ValueError("multipart preamble too long")

    async def _read_headers(self) -> "CIMultiDictProxy[str]":
        headers: CIMultiDict[str] = CIMultiDict()
        for _ in range(_MAX_HEADERS + 1):
            line = (await self._source.readline()).rstrip(b"\r\n")
            if not line:
                return CIMultiDictProxy(headers)
            name, sep, value = line.decode("utf-8", "surrogateescape").partition(":")
            if not sep or not name.strip():
                raise ValueError(f"Invalid multipart header line {line!r}")
            headers.add(name.strip(), value.strip(" \t"))
        raise ValueError("too many multipart part headers")


class _NestedStream:
    """The body of a nested multipart part, as a stream for its own reader."""

    def __init__(self, source: _Source, boundary: bytes) -> None:
        self._part = BodyPartReader(boundary, CIMultiDictProxy(CIMultiDict()), source)

    @property
    def closing(self) -> bool:
        """The delimiter after the nested body was the outer closing one."""
        return self._part.closing

    async def readany(self) -> bytes:
        return await self._part.read_chunk(2**16)


class MultipartResponseWrapper:
    """A :class:`MultipartReader` over a response that releases the response when
    the last part was read (reference: ``MultipartResponseWrapper``).
    """

    def __init__(self, resp: Any, stream: MultipartReader) -> None:
        self.resp = resp
        self.stream = stream

    def __aiter__(self) -> "MultipartResponseWrapper":
        return self

    async def __anext__(self) -> Any:
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    def at_eof(self) -> bool:
        return bool(self.resp.content.at_eof())

    async def next(self) -> Any:
        item = await self.stream.next()
        if self.stream.at_eof():
            await self.release()
        return item

    async def release(self) -> None:
        """Read the rest of the response to the void and release it."""
        self.resp.release()
