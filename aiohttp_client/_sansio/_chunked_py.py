"""Python twin of the chunked-transfer-coding decoder (RFC 9112 §7.1).

Sans-IO: ``feed(data, start, out)`` appends body pieces to *out* and returns the
offset of the first byte it did not consume.  The compiled twin ``_chunked_c``
must behave identically on every input, however it is split.

Grammar (RFC 9112 §7.1, §7.1.1, §7.1.2)::

    chunked-body   = *chunk last-chunk trailer-section CRLF
    chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
    chunk-size     = 1*HEXDIG
    last-chunk     = 1*("0") [ chunk-ext ] CRLF
    chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    chunk-ext-name = token
    chunk-ext-val  = token / quoted-string
    trailer-section = *( field-line CRLF )

Strictness: the chunk-size line and the end of chunk-data need an exact CRLF (a bare
LF or CR there is an error: lenient chunk parsing has been used for request
smuggling); chunk extensions are validated and ignored; a chunk-size longer than 16
hex digits or above 2**63 - 1 is rejected (overflow guard).  Trailer field lines
follow the head's rules (``_fields``: obs-fold replaced by SP, a fold in a framing
field or before the first trailer line an error) and limits, and like head lines may
end in LF.

Output: each piece of chunk-data is appended to *out* as ``bytes``; when a chunk's
data is complete an empty ``b""`` marks the chunk boundary (``iter_chunks`` uses it).
At most ``max_pieces`` items are appended per call; when the cap is hit ``feed``
returns early and the caller calls it again with the returned offset (after it has
handed the pieces on, and after resuming if its reader paused).  The decoder never
copies the unconsumed input.
"""

import re
from typing import Optional

from ..http_exceptions import InvalidHeader, LineTooLong, TransferEncodingError
from ._fields import fold, parse_field_line, parse_folded_field

__all__ = ("ChunkedDecoder",)

_SIZE = 0  # reading a chunk-size line
_DATA = 1  # inside chunk-data
_DATA_CR = 2  # expecting the CR after chunk-data
_DATA_LF = 3  # expecting the LF after chunk-data
_TRAILER = 4  # reading trailer field lines
_DONE = 5

_HEX_RE = re.compile(rb"[0-9A-Fa-f]+")
# chunk-ext with BWS; chunk-ext-val is a token or a quoted-string (RFC 9110 §5.6.4).
_EXT_RE = re.compile(
    rb"(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
    rb"(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
    rb'|"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*'
)
_MAX_SIZE_DIGITS = 16
_MAX_SIZE = 2**63 - 1
_FOLD_START = (b" ", b"\t")


class ChunkedDecoder:
    """Incremental decoder of a chunked message body.

    :param max_line_size: longest chunk-size line, in bytes (without CRLF).
    :param max_field_size: longest trailer field line, in bytes.
    :param max_headers: most trailer field lines.
    :param max_pieces: most items appended to *out* per ``feed`` call.
    :ivar done: ``True`` once the last-chunk and trailer section were read.
    :ivar trailers: the trailer section as a tuple of ``(bytes, bytes)`` pairs.
    :raises TransferEncodingError: bad chunk-size, chunk-ext or missing CRLF.
    :raises LineTooLong: a chunk-size or trailer line over its limit.
    :raises InvalidHeader: a bad trailer field line or too many of them.
    """

    def __init__(
        self,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        max_pieces: int = 1024,
    ) -> None:
        self.max_line_size = max_line_size
        self.max_field_size = max_field_size
        self.max_headers = max_headers
        self.max_pieces = max_pieces
        self.done = False
        self.trailers: tuple[tuple[bytes, bytes], ...] = ()
        self._state = _SIZE
        self._remaining = 0
        self._line = bytearray()
        self._trailers: list[tuple[bytes, bytes]] = []
        self._trailer_lines = 0  # physical trailer lines, folded ones included
        self._fold_line = b""  # the last trailer field line, unfolded so far

    def feed(self, data: bytes, start: int, out: list[bytes]) -> int:
        """Decode ``data[start:]``; append pieces to *out*; return the first unused offset.

        The returned offset is ``len(data)`` unless the body ended (``done``; the rest
        is the next message's) or ``max_pieces`` items were appended.
        """
        if start < 0:  # a negative offset would be read from the end by data[pos]
            raise ValueError("start must not be negative")
        pos = start
        end = len(data)
        budget = self.max_pieces
        while pos < end and budget > 0:
            state = self._state
            if state == _DATA:
                take = min(self._remaining, end - pos)
                out.append(data[pos : pos + take])
                budget -= 1
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _DATA_CR
            elif state == _DATA_CR or state == _DATA_LF:
                expected = 13 if state == _DATA_CR else 10
                if data[pos] != expected:
                    raise TransferEncodingError("missing CRLF after chunk-data")
                pos += 1
                if state == _DATA_CR:
                    self._state = _DATA_LF
                else:
                    self._state = _SIZE
                    out.append(b"")
                    budget -= 1
            elif state == _SIZE or state == _TRAILER:
                line, pos = self._read_line(data, pos, end)
                if line is not None:
                    if state == _SIZE:
                        self._on_size_line(line)
                    else:
                        self._on_trailer_line(line)
                        if self._state == _DONE:
                            return pos
            else:
                return pos
        return pos

    def _read_line(self, data: bytes, pos: int, end: int) -> tuple[Optional[bytes], int]:
        """Return ``(line, new_pos)``; ``line`` keeps its CR and is ``None`` if incomplete."""
        limit = self.max_line_size if self._state == _SIZE else self.max_field_size
        nl = data.find(b"\n", pos)
        if nl == -1:
            self._line += memoryview(data)[pos:]
            if len(self._line) > limit + 1:
                self._line_too_long(len(self._line))
            return None, end
        if self._line:
            self._line += memoryview(data)[pos:nl]
            line = bytes(self._line)
            self._line.clear()
        else:
            line = data[pos:nl]
        if len(line) > limit + 1:
            self._line_too_long(len(line))
        return line, nl + 1

    def _line_too_long(self, size: int) -> None:
        if self._state == _SIZE:
            raise LineTooLong("chunk-size line", self.max_line_size, str(size))
        raise LineTooLong("trailer field", self.max_field_size, str(size))

    def _on_size_line(self, line: bytes) -> None:
        if line[-1:] != b"\r":
            raise TransferEncodingError("chunk-size line must end in CRLF")
        line = line[:-1]
        if len(line) > self.max_line_size:
            self._line_too_long(len(line))
        m = _HEX_RE.match(line)
        if m is None:
            raise TransferEncodingError(f"bad chunk-size {line[:32]!r}")
        digits = m.group()
        if len(digits) > _MAX_SIZE_DIGITS or int(digits, 16) > _MAX_SIZE:
            raise TransferEncodingError("chunk-size too large")
        if _EXT_RE.fullmatch(line, m.end()) is None:
            raise TransferEncodingError(f"bad chunk-ext {line[:32]!r}")
        size = int(digits, 16)
        if size == 0:
            self._state = _TRAILER
        else:
            self._remaining = size
            self._state = _DATA

    def _on_trailer_line(self, line: bytes) -> None:
        if line[-1:] == b"\r":
            line = line[:-1]
        if not line:
            self.trailers = tuple(self._trailers)
            self._trailers = []
            self._fold_line = b""
            self._state = _DONE
            self.done = True
            return
        if self._trailer_lines >= self.max_headers:
            raise InvalidHeader(f"too many trailer fields (more than {self.max_headers})")
        self._trailer_lines += 1
        if self._trailers and line[:1] in _FOLD_START:
            # obs-fold (RFC 9112 §5.2, §7.1.2: trailer fields are field lines): the
            # last field, unfolded so far, continues; parsed again (bounded by
            # max_field_size), so an error still shows on the line that causes it.
            self._fold_line = fold(self._fold_line, line)
            if len(self._fold_line) > self.max_field_size:
                raise LineTooLong("response header", self.max_field_size, str(len(self._fold_line)))
            self._trailers[-1] = parse_folded_field(self._fold_line, self.max_field_size)
            return
        self._trailers.append(parse_field_line(line, self.max_field_size))
        self._fold_line = line
