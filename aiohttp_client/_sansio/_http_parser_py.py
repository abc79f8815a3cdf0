"""Python twin of the response-head parser: status-line + field lines -> ResponseHead.

Sans-IO and framing-free: it finds the end of the head, validates it and builds a
:class:`~aiohttp_client._models.ResponseHead`; what the body looks like is decided
by ``_framing``.  The compiled twin ``_http_parser_c`` must behave identically
(same results, same exception classes) on every input, however it is split.

Grammar (RFC 9112 §2.1, §4)::

    response     = status-line *( field-line CRLF ) CRLF [ message-body ]
    status-line  = HTTP-version SP status-code SP [ reason-phrase ]
    HTTP-version = "HTTP" "/" DIGIT "." DIGIT
    status-code  = 3DIGIT
    reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )

Deviations, all lenient in the way common clients are: a bare LF ends a head line
(RFC 9112 §2.2 allows it), and the SP after the status-code may be missing when the
reason-phrase is empty.  A bare CR anywhere is an error.  obs-fold in a field is
replaced by SP (RFC 9112 §5.2; the rules are in ``_fields``).  One is strict: a
status-code below 100 is rejected (RFC 9110 §15: a code's first digit is its class,
and there is no class 0; ``ResponseHead.status`` promises 100..999, and framing
treats every code below 200 as bodiless).

Limits (defaults are aiohttp's, which match nginx's ``large_client_header_buffers``
of 8 KiB): ``max_line_size`` bounds the status-line, ``max_field_size`` each field
line, ``max_headers`` the number of field lines.  They are checked on the bytes
accumulated so far, so a head split over many reads cannot grow past them.
"""

import re
from typing import Optional

from multidict import CIMultiDict, CIMultiDictProxy

from .._models import HttpVersion, HttpVersion10, HttpVersion11, ResponseHead
from ..http_exceptions import BadStatusLine, InvalidHeader, LineTooLong
from ._fields import has_obs_fold, parse_field_line, parse_folded_field_lines

__all__ = ("HeadParser",)

# ASCII digits only: a bytes pattern never matches other Unicode digits.
_STATUS_LINE_RE = re.compile(rb"HTTP/([0-9])\.([0-9]) ([1-9][0-9]{2})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?")
# The head ends at the first empty line: LF, optional CR, LF.
_END_OF_HEAD_RE = re.compile(rb"\n\r?\n")


class HeadParser:
    """Incremental response-head parser.

    ``feed(data, start)`` returns ``(head, end)``: ``head`` is ``None`` while the head
    is incomplete (every byte from *start* on has been taken and ``end == len(data)``);
    otherwise ``end`` is the offset in *data* of the first byte after the head (the
    start of the body).  After returning a head the parser is ready for the next one
    (a 1xx response or the next response on a kept-alive connection).

    :param max_line_size: longest status-line, in bytes (without its line ending).
    :param max_field_size: longest field line, in bytes (without its line ending).
    :param max_headers: most field lines in one head.
    :raises BadStatusLine: malformed status-line.
    :raises LineTooLong: a line over its limit.
    :raises InvalidHeader: malformed field line or more than *max_headers* fields.
    """

    def __init__(self, max_line_size: int = 8190, max_field_size: int = 8190, max_headers: int = 128) -> None:
        self.max_line_size = max_line_size
        self.max_field_size = max_field_size
        self.max_headers = max_headers
        self._buf = bytearray()
        self._lines = 0  # complete lines in _buf
        self._line_start = 0  # offset in _buf of the incomplete line

    def reset(self) -> None:
        """Drop any partial head."""
        self._buf.clear()
        self._lines = 0
        self._line_start = 0

    @property
    def pending(self) -> int:
        """Bytes of an incomplete head buffered so far."""
        return len(self._buf)

    def feed(self, data: bytes, start: int = 0) -> tuple[Optional[ResponseHead], int]:
        if start < 0:  # a negative offset would be read from the end by the slices below
            raise ValueError("start must not be negative")
        buf = self._buf
        if not buf:
            m = _END_OF_HEAD_RE.search(data, start)
            if m is not None:
                return self._parse(data[start : m.start()]), m.end()
            self._take(data, start)
            return None, len(data)
        # Continue a partial head: the terminator may straddle the old and new bytes.
        old = len(buf)
        buf += memoryview(data)[start:]
        if buf.find(b"\n", old) == -1:
            # No line ended in the new bytes (the common case for small reads): only
            # the incomplete line grew, and the head cannot have ended.
            if len(buf) - self._line_start > self._current_limit():
                self._check_line_length(len(buf) - self._line_start, self._lines)
            return None, len(data)
        m = _END_OF_HEAD_RE.search(buf, max(old - 2, 0))
        if m is None:
            self._check_partial(old)
            return None, len(data)
        end = m.end() - old + start
        block = bytes(buf[: m.start()])
        self.reset()
        return self._parse(block), end

    def _take(self, data: bytes, start: int) -> None:
        self._buf += memoryview(data)[start:]
        self._check_partial(0)

    def _check_partial(self, scan_from: int) -> None:
        """Check the lines completed since *scan_from* and the incomplete last line."""
        buf = self._buf
        pos = buf.find(b"\n", max(scan_from, self._line_start))
        while pos != -1:
            self._check_line_length(pos - self._line_start, self._lines)
            self._lines += 1
            if self._lines > self.max_headers + 1:
                raise InvalidHeader(f"too many headers (more than {self.max_headers})")
            self._line_start = pos + 1
            pos = buf.find(b"\n", self._line_start)
        self._check_line_length(len(buf) - self._line_start, self._lines)

    def _current_limit(self) -> int:
        """Longest allowed incomplete line right now (+1 for a CR of the CRLF)."""
        return (self.max_line_size if self._lines == 0 else self.max_field_size) + 1

    def _check_line_length(self, length: int, index: int) -> None:
        if index == 0:
            if length > self.max_line_size + 1:  # +1: the CR of a CRLF
                raise LineTooLong("status line", self.max_line_size, str(length))
        elif length > self.max_field_size + 1:
            raise LineTooLong("response header", self.max_field_size, str(length))

    def _parse(self, block: bytes) -> ResponseHead:
        lines = block.split(b"\n")
        if len(lines) - 1 > self.max_headers:
            raise InvalidHeader(f"too many headers (more than {self.max_headers})")
        status_line = lines[0]
        if status_line[-1:] == b"\r":
            status_line = status_line[:-1]
        if len(status_line) > self.max_line_size:
            raise LineTooLong("status line", self.max_line_size, str(len(status_line)))
        m = _STATUS_LINE_RE.fullmatch(status_line)
        if m is None:
            raise BadStatusLine(status_line)
        major, minor, status, reason = m.groups()
        version = HttpVersion11 if minor == b"1" and major == b"1" else HttpVersion(int(major), int(minor))
        if version == HttpVersion10:
            version = HttpVersion10
        raw: list[tuple[bytes, bytes]] = []
        max_field_size = self.max_field_size
        try:
            for line in lines[1:]:
                if line[-1:] == b"\r":
                    line = line[:-1]
                raw.append(parse_field_line(line, max_field_size))
        except InvalidHeader:
            # A continuation line is not a field line: only then look for obs-fold
            # (RFC 9112 §5.2), and parse the fields again with folding; a head
            # without a fold pays nothing for it.
            if not has_obs_fold(lines, 2):
                raise
            raw = parse_folded_field_lines(lines[1:], max_field_size)
        headers: CIMultiDict[str] = CIMultiDict(
            [(n.decode("ascii"), v.decode("utf-8", "surrogateescape")) for n, v in raw]
        )
        return ResponseHead(
            version,
            int(status),
            reason.decode("utf-8", "surrogateescape") if reason else "",
            CIMultiDictProxy(headers),
            tuple(raw),
        )
