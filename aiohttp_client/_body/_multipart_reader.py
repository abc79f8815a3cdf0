"""Reading a multipart body (RFC 2046 §5.1) part by part from a stream (reference:
``MultipartReader``, ``BodyPartReader``, ``MultipartResponseWrapper``).

The reader keeps one buffer in front of the stream; a part hands out its body up to
the delimiter ``CRLF "--" boundary``, holding back only the bytes that might start
a delimiter, so a part of any size is read in bounded pieces.  A delimiter line may
carry transport padding (spaces, tabs) after the boundary; anything else after it
is an error (RFC 2046 §5.1.1).  A base64 part is handed out in whole quartets
(:meth:`BodyPartReader.read_chunk`), and content codings are undone in bounded
pieces (:mod:`.._sansio._compression`).
"""

import base64
import binascii
import json
import quopri
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, Optional, Union
from urllib.parse import parse_qsl

from multidict import CIMultiDict, CIMultiDictProxy

from .. import hdrs
from .._sansio._compression import make_decoder
from .._sansio._header_values import parse_mimetype
from .._sansio._part_headers import content_disposition_filename, parse_content_disposition
from ..http_exceptions import ContentEncodingError

__all__ = ("MultipartReader", "BodyPartReader", "MultipartResponseWrapper")

_MAX_HEADER_LINE = 8190  # bytes
_MAX_HEADERS = 128
_PADDING = b" \t"  # transport-padding: LWSP-char (RFC 2046 §5.1.1)
_BASE64_SPACE = b" \t\r\n"  # ignored between base64 characters (RFC 2045 §6.8)
_MAX_DECOMPRESS = 2**18  # decoded bytes per decode() call or decode_iter() piece (aiohttp's default)
_ALIGN_SLACK = 65536  # base64 bytes read past *size* to complete a quartet before giving up


def delimiter_kind(rest: bytes) -> Optional[bool]:
    """What follows ``--boundary`` on its line (*rest*, with its line ending):
    ``False`` for a delimiter, ``True`` for the close delimiter (``--``), ``None``
    when anything but transport padding follows (not a delimiter line).
    """
    if rest.endswith(b"\r\n"):
        rest = rest[:-2]
    elif rest.endswith(b"\n"):
        rest = rest[:-1]
    closing = rest.startswith(b"--")
    if closing:
        rest = rest[2:]
    return closing if not rest.strip(_PADDING) else None


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

    :param max_decompress_size: the most decoded bytes one :meth:`decode` call
        returns and one :meth:`decode_iter` piece holds (CVE-2025-69223).
    """

    chunk_size = 8192

    def __init__(
        self,
        boundary: bytes,
        headers: "CIMultiDictProxy[str]",
        content: Any,
        *,
        max_decompress_size: int = _MAX_DECOMPRESS,
    ) -> None:
        self.headers = headers
        self._boundary = boundary
        self._delimiter = b"\r\n--" + boundary
        self._source = _source_of(content)
        self._at_eof = False
        self.closing = False  # the delimiter that ended this part was the last one
        self._disposition: Optional[tuple[Optional[str], dict[str, str]]] = None
        self._max_decompress_size = max_decompress_size
        self._base64 = headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").lower() == "base64"

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
        """At most *size* bytes of the body (``b""`` at its end).  A base64 part
        is handed out in whole 4-character quartets (whitespace between them kept),
        so each chunk can be given to :meth:`decode`; such a chunk may exceed *size*
        by the few bytes that complete a quartet.

        :raises ValueError: the stream ended before the part's delimiter, or text
            follows the delimiter on its line.
        """
        if self._at_eof:
            return b""
        take = await self._available(size)
        if take and self._base64:
            take = await self._align_base64(take, size)
        if not take:
            return b""
        buf = self._source.buffer
        data = bytes(buf[:take])
        del buf[:take]
        return data

    def _safe_length(self) -> int:
        """Bytes at the front of the buffer that surely belong to the body; ``-1``
        when the buffer starts with the delimiter.
        """
        buf = self._source.buffer
        found = buf.find(self._delimiter)
        if found == 0:
            return -1
        if found > 0:
            return found
        return max(len(buf) - len(self._delimiter), 0)

    async def _available(self, size: int) -> int:
        """How many body bytes (at most *size*) to hand out now; 0 at the part's end."""
        while True:  # each turn reads more of the stream, which ends
            safe = self._safe_length()
            if safe < 0:
                await self._finish()
                return 0
            if safe:
                return min(safe, size)
            if not await self._source.fill():
                raise ValueError("Unexpected end of the multipart body (no closing delimiter)")

    async def _align_base64(self, take: int, size: int) -> int:
        """*take*, shortened or extended so the piece ends after a whole base64
        quartet (RFC 2045 §6.8: CR, LF and other whitespace are ignored).
        """
        buf = self._source.buffer
        while True:  # bounded: *take* grows each turn, up to size + _ALIGN_SLACK
            cut = _quartet_end(bytes(buf[:take]))
            if cut:
                return cut
            safe = self._safe_length()
            if safe < 0 or take > size + _ALIGN_SLACK:
                return take  # not base64 after all: the decoder says so
            if safe > take:
                take = min(safe, 2 * take + 4)
            elif buf.find(self._delimiter) == take:
                return take  # the part's last (incomplete) quartet
            elif not await self._source.fill():
                raise ValueError("Unexpected end of the multipart body (no closing delimiter)")

    async def _finish(self) -> None:
        """Consume the delimiter and the rest of its line.

        :raises ValueError: text other than padding follows the boundary.
        """
        del self._source.buffer[: len(self._delimiter)]
        rest = await self._source.readline()
        kind = delimiter_kind(rest)
        if kind is None:
            raise ValueError(f"Invalid multipart delimiter line {b'--' + self._boundary + rest!r}")
        self.closing = kind
        self._at_eof = True

    async def read(self, *, decode: bool = False) -> bytearray:
        """The whole (remaining) body; with *decode* the part's codings are undone."""
        data = bytearray()
        while True:
            chunk = await self.read_chunk(2**16)
            if not chunk:
                break
            data += chunk
        if not decode:
            return data
        decoded = bytearray()
        for piece in self._decode_pieces(bytes(data)):
            decoded += piece
        return decoded

    async def readline(self) -> bytes:
        """The next line of the body (with its line ending), ``b""`` at its end."""
        line = bytearray()
        buf = self._source.buffer
        while not self._at_eof:  # each turn hands out at least one byte or ends
            take = await self._available(2**16)
            if not take:
                break
            end = buf.find(b"\n", 0, take)
            take = take if end < 0 else end + 1
            line += buf[:take]
            del buf[:take]
            if end >= 0:
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
        :raises ValueError: bad base64, or a content coding that decompresses to
            more than ``max_decompress_size`` bytes (a part that large is decoded
            with :meth:`decode_iter` or ``read(decode=True)``; aiohttp returns the
            first bytes only).
        """
        if self.headers.get(hdrs.CONTENT_ENCODING, "").lower() in ("", "identity"):
            return self._decode_transfer(data)  # no decompression: no bomb, no cap
        out = bytearray()
        for piece in self._decode_pieces(data):
            out += piece
            if len(out) > self._max_decompress_size:
                raise ValueError(
                    f"decoded part larger than max_decompress_size ({self._max_decompress_size} bytes):"
                    " use decode_iter() or read(decode=True)"
                )
        return bytes(out)

    async def decode_iter(self, data: bytes) -> AsyncIterator[bytes]:
        """The decoded *data* in pieces of at most ``max_decompress_size`` bytes."""
        out = bytearray()
        for piece in self._decode_pieces(data):
            out += piece
            while len(out) >= self._max_decompress_size:
                head = bytes(out[: self._max_decompress_size])
                del out[: self._max_decompress_size]
                yield head
        if out:
            yield bytes(out)

    def _decode_pieces(self, data: bytes) -> Iterator[bytes]:
        """*data* decoded, in bounded pieces (``_compression.SLICE`` for a coding)."""
        data = self._decode_transfer(data)
        encoding = self.headers.get(hdrs.CONTENT_ENCODING, "").lower()
        if encoding in ("", "identity"):
            if data:
                yield data
            return
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise RuntimeError(f"unknown content encoding: {encoding}")
        decoder = make_decoder(encoding)
        if decoder is None:  # pragma: no cover - gzip and deflate are always decodable
            raise RuntimeError(f"no decoder for content encoding: {encoding}")
        try:
            decoder.feed(data)
            while True:  # bounded: each piece consumes input, which is finite
                piece = decoder.next_piece()
                if not piece:
                    break
                yield piece
            tail = decoder.flush()
        except ContentEncodingError as exc:
            raise zlib.error(str(exc)) from exc
        if tail:
            yield tail

    def _decode_transfer(self, data: bytes) -> bytes:
        cte = self.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").lower()
        if cte == "base64":
            try:
                return base64.b64decode(data)
            except binascii.Error as exc:
                raise ValueError(f"bad base64 part: {exc}") from exc
        if cte == "quoted-printable":
            return quopri.decodestring(data)
        if cte not in ("", "binary", "7bit", "8bit"):
            raise RuntimeError(f"unknown content transfer encoding: {cte}")
        return data

    def get_charset(self, default: Optional[str] = None) -> Any:
        """The ``charset`` of the part's Content-Type, else *default*."""
        return parse_mimetype(self.headers.get(hdrs.CONTENT_TYPE, "")).parameters.get("charset", default)

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


def _quartet_end(piece: bytes) -> int:
    """The length of *piece* up to its last whole base64 quartet (with the
    whitespace after it): ``len(piece)`` when it holds whole quartets only, 0 when
    it starts with an incomplete one.
    """
    extra = len(piece.translate(None, _BASE64_SPACE)) % 4
    if not extra:
        return len(piece)
    end = len(piece)
    while extra:  # back over the incomplete quartet's characters (at most 3)
        end -= 1
        if piece[end] not in _BASE64_SPACE:
            extra -= 1
    return end


class MultipartReader:
    """Reads the parts of a multipart body from *content* (a stream with
    ``readany()``), its boundary taken from *headers*' Content-Type.

    :raises ValueError: no boundary in Content-Type.
    """

    part_reader_cls = BodyPartReader

    def __init__(self, headers: Any, content: Any) -> None:
        mimetype = parse_mimetype(headers.get(hdrs.CONTENT_TYPE, ""))
        boundary = mimetype.parameters.get("boundary")
        if mimetype.type != "multipart" or not boundary:
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
        if parse_mimetype(headers.get(hdrs.CONTENT_TYPE, "")).type == "multipart":
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
            kind = delimiter_kind(line[len(delimiter) :]) if line.startswith(delimiter) else None
            if kind is not None:  # with transport padding or without (RFC 2046 §5.1.1)
                self._at_eof = kind
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
