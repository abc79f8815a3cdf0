"""What the test transport records and what it answers: :class:`RecordedRequest` and
:class:`MockResponse`, and the HTTP/1.1 bytes of a response (RFC 9112 §4, §6, §7.1).

A :class:`MockResponse` is serialised to the bytes a server would send, and those
bytes are read by the client's own response reader: framing, content codings,
cookies and status handling are the real ones.
"""

import asyncio
import http
import json as _json
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any, Optional, Union

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

__all__ = ("MockResponse", "RecordedRequest", "HeadersArg")

#: Header fields given as a mapping or as ``(name, value)`` pairs (repeat a name by
#: giving it twice, e.g. several ``Set-Cookie``).
HeadersArg = Union[Mapping[str, str], Iterable[tuple[str, str]], None]

# RFC 9110 §15.2, §15.3.5, §15.4.5: no content in these responses.
_NO_BODY = frozenset({204, 304})
_CODINGS = ("gzip", "deflate")


class RecordedRequest:
    """One request as the test transport received it.

    :ivar method: ``str``, upper case.
    :ivar url: ``yarl.URL``, absolute, with its query (no fragment).
    :ivar headers: ``CIMultiDictProxy[str]``, the field lines sent (``Host`` included).
    :ivar body: ``bytes``, the request body as sent (after any content coding,
        de-chunked); ``b""`` without a body.
    :ivar route: the :class:`~aiohttp_client.testing.Route` that answered it, or
        ``None`` when no route matched.
    """

    __slots__ = ("method", "url", "headers", "body", "route")

    def __init__(self, method: str, url: URL, headers: "CIMultiDictProxy[str]", body: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.route: Any = None

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.url} ({len(self.body)} body bytes)>"

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (``str``; undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        :raises ValueError: the body is not JSON.
        """
        return _json.loads(self.body.decode("utf-8"))


def _pairs(headers: HeadersArg) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    pairs = [(str(name), str(value)) for name, value in items]
    for name, value in pairs:
        if not name or any(c in name for c in " \t\r\n:") or any(c in value for c in "\r\n\x00"):
            raise ValueError(f"invalid header field {name!r}: {value!r} (RFC 9110 §5.1, §5.5)")
    return pairs


class MockResponse:
    """A response the test transport sends (as HTTP/1.1 bytes) for a request.

    Give at most one of *body* (``bytes`` or ``str``), *text* (``str``, sent as UTF-8,
    ``Content-Type: text/plain; charset=utf-8`` unless *headers* set one), *json*
    (any JSON-serialisable value, ``application/json``) and *chunks* (an iterable or
    async iterable of ``bytes``: a streamed body, sent with ``Transfer-Encoding:
    chunked`` one chunk per event-loop turn unless *headers* give ``Content-Length``;
    an iterator is consumed by one response, a collection can be sent again).

    :param status: the status code (``int``, 200-599; the transport sends
        ``100 Continue`` itself, and a WebSocket route its ``101``).
    :param headers: field lines (a mapping or ``(name, value)`` pairs; repeat a name
        for several ``Set-Cookie``).  ``Content-Length`` is added for a fixed body
        unless given; giving ``Connection: close`` closes the connection after the
        response, as a server would.
    :param reason: the reason phrase; default: the standard one for *status*.
    :param compress: ``"gzip"`` or ``"deflate"``: the body is content-coded with it
        and ``Content-Encoding`` set (the client decodes it, as from a server).
    :param delay: seconds to wait before the head is sent (the client's real
        ``sock_read`` and total timeouts apply meanwhile).
    :raises ValueError: two body kinds given, a bad status, a CR or LF in a field,
        an unknown *compress*.
    """

    def __init__(
        self,
        status: int = 200,
        *,
        headers: HeadersArg = None,
        body: Union[bytes, str, None] = None,
        text: Optional[str] = None,
        json: Any = None,
        chunks: Union[Iterable[bytes], AsyncIterable[bytes], None] = None,
        reason: Optional[str] = None,
        compress: Optional[str] = None,
        delay: float = 0.0,
    ) -> None:
        kinds = (("body", body), ("text", text), ("json", json), ("chunks", chunks))
        given = [kind for kind, value in kinds if value is not None]
        if len(given) > 1:
            raise ValueError(f"give one body kind, not {' and '.join(given)}")
        if not 200 <= status <= 599:  # 1xx: the transport sends 100 Continue itself
            raise ValueError(f"status {status} is not a response status a route may send")
        if compress is not None and compress not in _CODINGS:
            raise ValueError(f"compress must be one of {_CODINGS}, not {compress!r}")
        self.status = status
        self.reason = reason if reason is not None else _phrase(status)
        if any(c in self.reason for c in "\r\n"):
            raise ValueError("the reason phrase must not contain CR or LF")
        self.headers = _pairs(headers)
        self.compress = compress
        self.delay = delay
        self.chunks = chunks
        if isinstance(chunks, (bytes, bytearray, str)):
            raise ValueError("chunks is an iterable of bytes pieces; give one body as body=")
        self._one_shot = _one_shot(chunks)
        self._sent = False
        content_type = None
        if json is not None:
            body, content_type = _json.dumps(json).encode(), "application/json"
        elif text is not None:
            body, content_type = text.encode(), "text/plain; charset=utf-8"
        elif isinstance(body, str):
            body, content_type = body.encode(), "text/plain; charset=utf-8"
        self.body: bytes = body if body is not None else b""
        self._content_type = content_type

    def __repr__(self) -> str:
        return f"<MockResponse {self.status} {self.reason}>"

    def _has(self, name: str) -> bool:
        name = name.lower()
        return any(n.lower() == name for n, _ in self.headers)

    @property
    def closes(self) -> bool:
        """The connection closes after this response (``Connection: close`` given)."""
        return any(n.lower() == "connection" and "close" in v.lower() for n, v in self.headers)

    def head(self, method: str = "GET") -> bytes:
        """The status line and field lines (``bytes``) answering a *method* request."""
        lines = [f"HTTP/1.1 {self.status} {self.reason}"]
        fields = list(self.headers)
        if self._content_type is not None and not self._has("content-type"):
            fields.append(("Content-Type", self._content_type))
        if self.compress is not None and not self._has("content-encoding"):
            fields.append(("Content-Encoding", self.compress))
        if self.status >= 200 and self.status not in _NO_BODY:
            if self.chunks is not None:
                if not self._has("content-length") and not self._has("transfer-encoding"):
                    fields.append(("Transfer-Encoding", "chunked"))
            elif not self._has("content-length") and not self._has("transfer-encoding"):
                fields.append(("Content-Length", str(len(self._coded_body()))))
        lines.extend(f"{name}: {value}" for name, value in fields)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def _coded_body(self) -> bytes:
        if self.compress is None:
            return self.body
        coder = _compressor(self.compress)
        coded: bytes = coder.compress(self.body) + coder.flush()
        return coded

    def _chunked(self) -> bool:
        return self.chunks is not None and not self._has("content-length")

    async def pieces(self, method: str = "GET") -> AsyncIterator[bytes]:
        """The response's bytes in the pieces they are sent in: the head, then the body
        (nothing for ``HEAD``, 1xx, 204 and 304; one piece per chunk for *chunks*).

        :raises RuntimeError: *chunks* is an iterator that was sent already.
        """
        if self._one_shot and self._sent:
            raise RuntimeError(
                f"{self!r} was sent already and its chunks are a one-shot iterator: answer with a handler that "
                "makes a new MockResponse per request"
            )
        self._sent = True
        yield self.head(method)
        if method == "HEAD" or self.status < 200 or self.status in _NO_BODY:
            return
        if self.chunks is None:
            body = self._coded_body()
            if body:
                yield body
            return
        coder = _compressor(self.compress) if self.compress else None
        chunked = self._chunked()
        async for chunk in _each(self.chunks):
            data = coder.compress(chunk) + coder.flush(zlib.Z_SYNC_FLUSH) if coder else bytes(chunk)
            if data:
                yield b"%x\r\n%s\r\n" % (len(data), data) if chunked else data
        tail = coder.flush() if coder else b""
        if chunked:
            yield (b"%x\r\n%s\r\n" % (len(tail), tail) if tail else b"") + b"0\r\n\r\n"
        elif tail:
            yield tail

    def to_bytes(self, method: str = "GET") -> bytes:
        """The whole response as one ``bytes`` (for a raw server; *chunks* must be a
        synchronous iterable here, and it is consumed).
        """
        if self.chunks is not None and not isinstance(self.chunks, Iterable):
            raise TypeError("to_bytes() needs chunks given as a synchronous iterable")
        out: list[bytes] = []

        async def collect() -> None:
            async for piece in self.pieces(method):
                out.append(piece)

        coro = collect()
        try:  # no awaiting inside for a synchronous iterable: one send() runs it through
            coro.send(None)
        except StopIteration:
            return b"".join(out)
        coro.close()  # pragma: no cover - a synchronous iterable never suspends
        raise RuntimeError("to_bytes() cannot run an asynchronous body")  # pragma: no cover


def _one_shot(chunks: Union[Iterable[bytes], AsyncIterable[bytes], None]) -> bool:
    """*chunks* is an iterator (consumed by one response), not a collection."""
    if chunks is None:
        return False
    if isinstance(chunks, AsyncIterable):
        return hasattr(chunks, "__anext__")
    return iter(chunks) is chunks


def _compressor(coding: str) -> "zlib._Compress":
    # gzip: a gzip member (RFC 1952, wbits 16+15); deflate: the zlib format (RFC 1950),
    # which is what "deflate" names in HTTP (RFC 9110 §8.4.1.2).
    return zlib.compressobj(wbits=31 if coding == "gzip" else 15)


async def _each(chunks: Union[Iterable[bytes], AsyncIterable[bytes]]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
            await asyncio.sleep(0)  # one chunk per event-loop turn: the client reads as they come
    else:
        for chunk in chunks:
            yield chunk


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def frozen_headers(fields: "CIMultiDict[str]") -> "CIMultiDictProxy[str]":
    """A read-only copy of *fields*."""
    return CIMultiDictProxy(CIMultiDict(fields))
