"""Shared test vectors: exact wire bytes and the outcome both twins must produce.

One data module per hot path (``http_response``, ``chunked``; the WebSocket ones
follow the same shape).  Each holds ``CASES``, a list of cases; a case has a readable
``id``, the exact ``wire`` bytes, a one-line ``source`` (RFC section, issue or CVE)
and an ``expect``:

- a result record (:class:`Head`, :class:`Body`);
- :class:`Error`: the ``http_exceptions`` class and a fragment of its message;
- :data:`INCOMPLETE` (or a ``Body`` with ``done=False``): the bytes are valid so far
  and the twin asks for more.

``leftover`` is what the twin must leave unconsumed after a complete result (the
body after a head, the next message after a chunked body); ``limits`` are keyword
arguments for the twin's constructor.

This module also holds :data:`CORPUS`, realistic full responses for the benchmarks
(and for the tests, which feed them through both twins):

- ``"10-field"``: an nginx-served HTML page, 10 fields;
- ``"30-field-set-cookie"``: a CDN-fronted login page, 30 fields, 5 ``Set-Cookie``;
- ``"10-chunk"``: a chunked NDJSON stream of 10 chunks and a trailer field;
- ``"1MiB-chunked"``: a 1 MiB chunked body in chunks of 1-32 KiB.

Each value is the full wire (head + body); :func:`split_response` gives the two parts.
This package module imports nothing from ``aiohttp_client``; the case modules import
only ``http_exceptions`` (for the expected error classes), never a twin.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional, Union

__all__ = (
    "Body",
    "CORPUS",
    "Error",
    "Head",
    "INCOMPLETE",
    "Incomplete",
    "split_response",
)

Pairs = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Error:
    """The twin raises *cls* (an ``http_exceptions`` class); *fragment* is in ``str(exc)``."""

    cls: type[Exception]
    fragment: str


@dataclass(frozen=True)
class Incomplete:
    """Valid so far; the twin needs more bytes (and buffered every byte it was given)."""


INCOMPLETE = Incomplete()


@dataclass(frozen=True)
class Head:
    """An expected ``ResponseHead``.

    ``headers`` defaults to ``raw_headers`` decoded as the twins do (names ASCII,
    values UTF-8 with ``surrogateescape``); give it when that decoding is the point.
    """

    version: tuple[int, int]
    status: int
    reason: str
    raw_headers: Pairs = ()
    headers: Optional[tuple[tuple[str, str], ...]] = None

    def expected_headers(self) -> tuple[tuple[str, str], ...]:
        if self.headers is not None:
            return self.headers
        return tuple((n.decode("ascii"), v.decode("utf-8", "surrogateescape")) for n, v in self.raw_headers)


@dataclass(frozen=True)
class Body:
    """An expected chunked body: chunk-data joined, each chunk's size, trailers.

    ``done=False`` means the body is not finished after the wire bytes (``data`` and
    ``chunks`` then hold what was decoded so far).
    """

    data: bytes
    chunks: tuple[int, ...]
    trailers: Pairs = ()
    done: bool = True


Expect = Union[Head, Body, Error, Incomplete]


@dataclass(frozen=True)
class Case:
    id: str
    wire: bytes
    source: str
    expect: Expect
    leftover: bytes = b""
    limits: Mapping[str, int] = field(default_factory=dict)

    @property
    def completes(self) -> bool:
        """True when the outcome does not depend on bytes after ``wire``."""
        if isinstance(self.expect, Incomplete):
            return False
        return not (isinstance(self.expect, Body) and not self.expect.done)


def case(id: str, wire: bytes, source: str, expect: Expect, leftover: bytes = b"", **limits: int) -> Case:
    """Build a :class:`Case`; *wire* includes *leftover*, which must be its tail."""
    assert wire.endswith(leftover), id
    return Case(id, wire, source, expect, leftover, dict(limits))


# --------------------------------------------------------------------------------
# Realistic corpus (deterministic: no clock, fixed seeds).
# --------------------------------------------------------------------------------


def _head(status_line: bytes, fields: tuple[tuple[bytes, bytes], ...]) -> bytes:
    return status_line + b"\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in fields) + b"\r\n"


def _chunked(sizes: tuple[int, ...], payload: bytes, ext: bytes = b"", trailers: bytes = b"") -> bytes:
    out = []
    pos = 0
    for size in sizes:
        out.append(b"%x%s\r\n" % (size, ext) + payload[pos : pos + size] + b"\r\n")
        pos += size
    assert pos == len(payload)
    return b"".join(out) + b"0\r\n" + trailers + b"\r\n"


def _html(size: int) -> bytes:
    row = b'<li class="item"><a href="/articles/2025/11/04/item">An article title</a></li>\n'
    body = b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>News</title></head><body><ul>\n'
    while len(body) < size - 20:
        body += row
    return (body + b"</ul></body></html>\n").ljust(size, b" ")[:size]


_HTML = _html(1256)

_TEN_FIELD = (
    _head(
        b"HTTP/1.1 200 OK",
        (
            (b"Server", b"nginx/1.25.3"),
            (b"Date", b"Tue, 04 Nov 2025 10:15:42 GMT"),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Length", b"%d" % len(_HTML)),
            (b"Connection", b"keep-alive"),
            (b"Vary", b"Accept-Encoding"),
            (b"Cache-Control", b"max-age=0, private, must-revalidate"),
            (b"ETag", b'W/"4e8-19a4f3c2b10"'),
            (b"Last-Modified", b"Mon, 03 Nov 2025 08:00:00 GMT"),
            (b"X-Request-Id", b"7f3c9a2e-4b1d-4e8f-9c6a-2d5b8e1f0a3c"),
        ),
    )
    + _HTML
)

_LOGIN = _html(5120)

_THIRTY_FIELD = (
    _head(
        b"HTTP/1.1 200 OK",
        (
            (b"Date", b"Tue, 04 Nov 2025 10:15:42 GMT"),
            (b"Content-Type", b"text/html; charset=UTF-8"),
            (b"Content-Length", b"%d" % len(_LOGIN)),
            (b"Connection", b"keep-alive"),
            (b"Server", b"cloudflare"),
            (b"CF-Ray", b"99a1b2c3d4e5f607-FRA"),
            (b"CF-Cache-Status", b"DYNAMIC"),
            (b"Cache-Control", b"no-store, no-cache, must-revalidate, max-age=0"),
            (b"Expires", b"Thu, 01 Jan 1970 00:00:01 GMT"),
            (b"Pragma", b"no-cache"),
            (b"Vary", b"Accept-Encoding, Cookie"),
            (b"Strict-Transport-Security", b"max-age=31536000; includeSubDomains; preload"),
            (b"X-Frame-Options", b"SAMEORIGIN"),
            (b"X-Content-Type-Options", b"nosniff"),
            (b"Referrer-Policy", b"strict-origin-when-cross-origin"),
            (
                b"Content-Security-Policy",
                b"default-src 'self'; script-src 'self' 'nonce-r4nd0mN0nc3' https://cdn.example.com; "
                b"style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'self'",
            ),
            (b"Permissions-Policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            (
                b"Set-Cookie",
                b"__cf_bm=Jq8p3xZk1Lm0N9oPqRsTuVwXyZ.a1b2c3d4-1762251342-1.0.1.1-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789; "
                b"path=/; expires=Tue, 04-Nov-25 10:45:42 GMT; domain=.example.com; HttpOnly; Secure; SameSite=None",
            ),
            (b"Set-Cookie", b"sessionid=8f14e45fceea167a5a36dedd4bea2543; Path=/; HttpOnly; Secure; SameSite=Lax"),
            (
                b"Set-Cookie",
                b"csrftoken=Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed; Max-Age=31449600; Path=/; Secure; SameSite=Lax",
            ),
            (b"Set-Cookie", b"locale=en-US; Path=/; Max-Age=2592000"),
            (
                b"Set-Cookie",
                b"_ga=GA1.2.1234567890.1762251342; Domain=.example.com; Path=/; Expires=Thu, 04 Nov 2027 10:15:42 GMT",
            ),
            (b"Access-Control-Allow-Origin", b"https://www.example.com"),
            (b"Alt-Svc", b'h3=":443"; ma=86400'),
            (b"NEL", b'{"success_fraction":0,"report_to":"cf-nel","max_age":604800}'),
            (
                b"Report-To",
                b'{"endpoints":[{"url":"https:\\/\\/a.nel.cloudflare.com\\/report\\/v4?s=AbCdEf0123456789"}],'
                b'"group":"cf-nel","max_age":604800}',
            ),
            (b"Server-Timing", b'cfL4;desc="?proto=TCP&rtt=1234&min_rtt=1100&rtt_var=300&sent=5&recv=7"'),
            (b"X-Request-Id", b"0b6f3c1e-9d2a-4c7b-8e5f-1a2b3c4d5e6f"),
            (b"Age", b"0"),
            (b"Accept-Ranges", b"bytes"),
        ),
    )
    + _LOGIN
)

_EVENTS = tuple(
    b'{"id":%d,"type":"update","ts":"2025-11-04T10:15:%02dZ","payload":{"value":%d,"tags":["a","b","c"]}}\n'
    % (i, i, i * 37)
    for i in range(10)
)
_TEN_CHUNK = _head(
    b"HTTP/1.1 200 OK",
    (
        (b"Date", b"Tue, 04 Nov 2025 10:15:42 GMT"),
        (b"Content-Type", b"application/x-ndjson"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Connection", b"keep-alive"),
        (b"Trailer", b"X-Checksum"),
    ),
) + _chunked(
    tuple(len(e) for e in _EVENTS),
    b"".join(_EVENTS),
    trailers=b"X-Checksum: sha256=3f1a\r\n",
)


def _big_body() -> bytes:
    rng = random.Random(20251104)
    payload = rng.randbytes(1 << 20) if hasattr(rng, "randbytes") else bytes(rng.getrandbits(8) for _ in range(1 << 20))
    sizes = []
    left = len(payload)
    while left:
        size = min(left, rng.randint(1024, 32 * 1024))
        sizes.append(size)
        left -= size
    return _chunked(tuple(sizes), payload)


_MIB_CHUNKED = (
    _head(
        b"HTTP/1.1 200 OK",
        (
            (b"Date", b"Tue, 04 Nov 2025 10:15:42 GMT"),
            (b"Content-Type", b"application/octet-stream"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Connection", b"keep-alive"),
            (b"Server", b"nginx/1.25.3"),
        ),
    )
    + _big_body()
)

CORPUS: dict[str, bytes] = {
    "10-field": _TEN_FIELD,
    "30-field-set-cookie": _THIRTY_FIELD,
    "10-chunk": _TEN_CHUNK,
    "1MiB-chunked": _MIB_CHUNKED,
}


def split_response(wire: bytes) -> tuple[bytes, bytes]:
    """``(head, body)`` of a CORPUS response (the head ends at its first CRLF CRLF)."""
    end = wire.index(b"\r\n\r\n") + 4
    return wire[:end], wire[end:]
