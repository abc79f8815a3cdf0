"""Protocol errors raised by the sans-IO core and by both twins.

Nothing here imports asyncio: the I/O layer maps these classes onto the public
``client_exceptions`` tree at one boundary (``_protocols/_protocol.py``).

Tree::

    HttpProcessingError
    └── BadHttpMessage                 malformed message (head or body)
        ├── BadStatusLine              status-line not ``HTTP-version SP 3DIGIT SP reason``
        ├── LineTooLong                a head or chunk line over its limit
        ├── InvalidHeader              a bad field line, too many fields, conflicting framing
        └── PayloadEncodingError       the message body is malformed
            ├── ContentEncodingError   bad content coding (gzip/deflate/br/zstd)
            ├── TransferEncodingError  bad chunked transfer coding
            └── ContentLengthError     body shorter than Content-Length

    WebSocketError                     a WebSocket protocol error, with the close code to send
"""

from typing import Optional, Union

__all__ = (
    "HttpProcessingError",
    "BadHttpMessage",
    "BadStatusLine",
    "LineTooLong",
    "InvalidHeader",
    "PayloadEncodingError",
    "ContentEncodingError",
    "TransferEncodingError",
    "ContentLengthError",
    "WebSocketError",
)


class HttpProcessingError(Exception):
    """Base of the protocol errors.

    :ivar code: the HTTP status a server would answer with (``int``, 0 if none).
    :ivar message: a human-readable description (``str``).
    """

    code = 0
    message = ""

    def __init__(self, *, code: Optional[int] = None, message: str = "") -> None:
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(code, message)

    def __str__(self) -> str:
        return f"{self.code}, message:\n  {self.message}"

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: {self.code}, message={self.message!r}>"


class BadHttpMessage(HttpProcessingError):
    """A malformed HTTP message (RFC 9112)."""

    code = 400
    message = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message=message)
        self.args = (message,)


class BadStatusLine(BadHttpMessage):
    """The status-line is malformed (RFC 9112 §4)."""

    def __init__(self, line: Union[bytes, str] = "", error: Optional[str] = None) -> None:
        if isinstance(line, bytes):
            line = line.decode("latin-1")
        super().__init__(error or f"Bad status line {line!r}")
        self.args = (line,)
        self.line = line


class LineTooLong(BadHttpMessage):
    """A line of the head, a chunk-size line or a trailer line exceeds its limit."""

    def __init__(self, line: str, limit: Union[int, str] = "Unknown", actual_size: str = "Unknown") -> None:
        super().__init__(f"Got more than {limit} bytes ({actual_size}) when reading {line}.")
        self.args = (line, limit, actual_size)


class InvalidHeader(BadHttpMessage):
    """A field line is malformed, there are too many, or framing fields conflict."""

    def __init__(self, hdr: Union[bytes, str]) -> None:
        hdr_s = hdr.decode("utf-8", "surrogateescape") if isinstance(hdr, bytes) else hdr
        super().__init__(f"Invalid HTTP header: {hdr_s!r}")
        self.hdr = hdr_s
        self.args = (hdr,)


class PayloadEncodingError(BadHttpMessage):
    """The message body is malformed."""


class ContentEncodingError(PayloadEncodingError):
    """The content coding (RFC 9110 §8.4) could not be decoded."""


class TransferEncodingError(PayloadEncodingError):
    """The chunked transfer coding (RFC 9112 §7.1) is malformed."""


class ContentLengthError(PayloadEncodingError):
    """The connection ended before Content-Length bytes of body arrived (RFC 9112 §6.3)."""


class WebSocketError(Exception):
    """A WebSocket protocol error (RFC 6455 §7.1.7: fail the connection).

    :ivar code: the close code to send (``int``, see ``WSCloseCode``).
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.args[1])
