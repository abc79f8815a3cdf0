"""Immutable records and constants shared by both twins and by the I/O layer.

``ResponseHead`` is a tuple subclass so that the compiled twin can build it with
``tuple.__new__`` without going through a Python-level constructor.

- ``__version__``: the distribution's version; ``pyproject.toml`` reads it from here
  and the default ``User-Agent`` field value names it.
- ``sentinel``: the "argument not given" marker of keyword defaults, where ``None``
  has a meaning of its own (aiohttp's ``sentinel`` plays the same part).
"""

import enum
import json
from types import MappingProxyType
from typing import Any, Callable, Final, NamedTuple, Optional

import attr
from multidict import CIMultiDictProxy
from yarl import URL

__all__ = (
    "__version__",
    "sentinel",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "ResponseHead",
    "RequestInfo",
    "ConnectionKey",
    "ETag",
    "ContentDisposition",
    # WebSocket records (RFC 6455)
    "WSCloseCode",
    "WSMsgType",
    "WSMessage",
    "WS_CLOSED_MESSAGE",
    "WS_CLOSING_MESSAGE",
)

__version__: Final = "0.1.0"

sentinel: Any = object()


class HttpVersion(NamedTuple):
    """HTTP-version of a message (RFC 9112 §2.3): ``major`` and ``minor`` digits."""

    major: int
    minor: int


HttpVersion10 = HttpVersion(1, 0)
HttpVersion11 = HttpVersion(1, 1)


class ResponseHead(NamedTuple):
    """A parsed response head: status-line plus field lines (RFC 9112 §4, §5).

    :ivar version: :class:`HttpVersion` of the status-line.
    :ivar status: status-code, ``int`` in 100..999.
    :ivar reason: reason-phrase, ``str`` (may be empty).
    :ivar headers: ``CIMultiDictProxy[str]``; values decoded as UTF-8 with
        ``surrogateescape``, with leading and trailing whitespace removed.
    :ivar raw_headers: ``tuple`` of ``(bytes, bytes)`` field-name/field-value pairs,
        in wire order.
    """

    version: HttpVersion
    status: int
    reason: str
    headers: "CIMultiDictProxy[str]"
    raw_headers: tuple[tuple[bytes, bytes], ...]


class _RequestInfo(NamedTuple):
    url: URL
    method: str
    headers: "CIMultiDictProxy[str]"
    real_url: URL


class RequestInfo(_RequestInfo):
    """What was requested (reference: ``RequestInfo``, a ``NamedTuple``): ``url``,
    ``method``, ``headers`` and ``real_url`` (the URL with its fragment; defaults to
    ``url``).
    """

    __slots__ = ()

    def __new__(
        cls, url: URL, method: str, headers: "CIMultiDictProxy[str]", real_url: Optional[URL] = None
    ) -> "RequestInfo":
        return tuple.__new__(cls, (url, method, headers, url if real_url is None else real_url))


class ConnectionKey(NamedTuple):
    """Pool key: connections are shared only between equal keys."""

    host: str
    port: Optional[int]
    is_ssl: bool
    ssl: Any
    proxy: Optional[URL]
    proxy_auth: Any
    proxy_headers_hash: Optional[int]
    #: the TLS name checked against the certificate (``server_hostname=``), when
    #: it differs from *host*: a connection verified for one name is not lent out
    #: for another.
    server_hostname: Optional[str] = None

    def __repr__(self) -> str:
        """The fields, with the proxy's password hidden: a key is shown by the repr of
        connection errors (``ClientConnectorError(key, ...)``) and reaches logs.
        """
        proxy = self.proxy
        if proxy is not None and proxy.raw_password is not None:
            proxy = proxy.with_password("***")
        auth = self.proxy_auth
        shown = (
            "None" if auth is None else f"{type(auth).__name__}(login={getattr(auth, 'login', '?')!r}, password='***')"
        )
        return (
            f"ConnectionKey(host={self.host!r}, port={self.port!r}, is_ssl={self.is_ssl!r}, ssl={self.ssl!r}, "
            f"proxy={proxy!r}, proxy_auth={shown}, proxy_headers_hash={self.proxy_headers_hash!r}, "
            f"server_hostname={self.server_hostname!r})"
        )


@attr.s(auto_attribs=True, frozen=True, slots=True)
class ETag:
    """An entity tag (RFC 9110 §8.8.3): ``value`` and whether it ``is_weak``
    (reference: ``ETag(name, is_weak=False)``).
    """

    value: str
    is_weak: bool = False


class ContentDisposition(NamedTuple):
    """A parsed Content-Disposition field (RFC 6266; reference: ``ContentDisposition``):
    ``type`` (``str`` or ``None``), ``parameters`` (``MappingProxyType``) and
    ``filename`` (``str`` or ``None``).
    """

    type: Optional[str]
    parameters: "MappingProxyType[str, str]"
    filename: Optional[str]


# -- WebSocket records (RFC 6455) -----------------------------------------------------


class WSCloseCode(enum.IntEnum):
    """Close status codes (RFC 6455 §7.4.1 and the IANA registry)."""

    OK = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    ABNORMAL_CLOSURE = 1006
    INVALID_TEXT = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014


class WSMsgType(enum.IntEnum):
    """Message types: the RFC 6455 §5.2 opcodes plus three local states."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    PING = 0x9
    PONG = 0xA
    CLOSE = 0x8
    CLOSING = 0x100
    CLOSED = 0x101
    ERROR = 0x102

    text = TEXT
    binary = BINARY
    ping = PING
    pong = PONG
    close = CLOSE
    closing = CLOSING
    closed = CLOSED
    error = ERROR


class WSMessage(NamedTuple):
    """One WebSocket message.

    :ivar type: a :class:`WSMsgType`.
    :ivar data: ``str`` (TEXT; ``bytes`` with ``decode_text=False``), ``bytes`` (BINARY,
        PING, PONG), ``int`` close code (CLOSE), an exception (ERROR) or ``None``.
    :ivar extra: the close reason (``str``) for CLOSE, else ``""`` or ``None``.
    """

    type: WSMsgType
    data: Any
    extra: Optional[str]

    def json(self, *, loads: Callable[[Any], Any] = json.loads) -> Any:
        """Return ``loads(self.data)`` (``json.loads`` by default)."""
        return loads(self.data)


WS_CLOSED_MESSAGE = WSMessage(WSMsgType.CLOSED, None, None)
WS_CLOSING_MESSAGE = WSMessage(WSMsgType.CLOSING, None, None)
