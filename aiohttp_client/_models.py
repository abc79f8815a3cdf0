"""Immutable records shared by both twins and by the I/O layer.

``ResponseHead`` is a tuple subclass so that the compiled twin can build it with
``tuple.__new__`` without going through a Python-level constructor.
"""

from typing import Any, NamedTuple, Optional, Tuple

import attr
from multidict import CIMultiDictProxy
from yarl import URL

__all__ = (
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "ResponseHead",
    "RequestInfo",
    "ConnectionKey",
    "ETag",
)


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
    raw_headers: Tuple[Tuple[bytes, bytes], ...]


@attr.s(auto_attribs=True, frozen=True, slots=True)
class RequestInfo:
    """What was requested: ``url``, ``method``, ``headers`` and ``real_url``
    (the URL with its fragment) (reference: ``RequestInfo``)."""

    url: URL
    method: str
    headers: "CIMultiDictProxy[str]"
    real_url: URL = attr.ib()

    @real_url.default
    def _real_url_default(self) -> URL:
        return self.url


class ConnectionKey(NamedTuple):
    """Pool key: connections are shared only between equal keys."""

    host: str
    port: Optional[int]
    is_ssl: bool
    ssl: Any
    proxy: Optional[URL]
    proxy_auth: Any
    proxy_headers_hash: Optional[int]


@attr.s(auto_attribs=True, frozen=True, slots=True)
class ETag:
    """An entity tag (RFC 9110 §8.8.3): ``value`` and whether it ``is_weak``."""

    value: str
    is_weak: bool = False
