"""``ClientResponse``: status, fields, body reading and release (reference:
"Response object").

The response holds the ``Connection`` lease and talks to its exchange
(:mod:`.._protocols._exchange`): the lease ends by itself, the connection going back
to the pool, as soon as the whole body has been received (the exchange calls back);
``release()`` before that closes it instead when the exchange says it must (a
half-read HTTP/1.1 connection cannot be reused).
"""

import asyncio
import codecs
import json
import warnings
from http.cookies import SimpleCookie
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional

from multidict import CIMultiDict, CIMultiDictProxy, MultiDictProxy
from yarl import URL

from .._models import ContentDisposition, HttpVersion, RequestInfo, ResponseHead
from .._sansio._cookies import parse_set_cookie_headers
from .._sansio._header_values import is_json_mimetype, parse_content_disposition, parse_content_type, parse_links
from ..client_exceptions import ClientConnectionError, ClientResponseError, ContentTypeError
from ..http_exceptions import HttpProcessingError
from ..streams import EMPTY_PAYLOAD, StreamReader

if TYPE_CHECKING:  # pragma: no cover
    from .._net._connection import Connection

__all__ = ("ClientResponse",)

_NO_HEADERS: "CIMultiDictProxy[str]" = CIMultiDictProxy(CIMultiDict())  # read-only, shared until a head


class ClientResponse:
    """A response: head attributes at once, the body through :attr:`content` or
    :meth:`read`/:meth:`text`/:meth:`json` (reference: ``ClientResponse``).
    """

    version: Optional[HttpVersion] = None
    status: int = None  # type: ignore[assignment]
    reason: Optional[str] = None
    content: StreamReader = EMPTY_PAYLOAD
    _body: Optional[bytes] = None
    _connection: Optional["Connection"] = None
    _closed = True
    _in_context = False
    _upload_complete: "Optional[asyncio.Future[None]]" = None
    # Until set on the instance (most are never: a response sets fewer attributes).
    _headers: "CIMultiDictProxy[str]" = _NO_HEADERS
    _raw_headers: tuple[tuple[bytes, bytes], ...] = ()
    _cookies: Optional[SimpleCookie] = None
    _deadline: Optional[asyncio.TimerHandle] = None
    _released = False
    _sent_url: Optional[URL] = None  # the request's URL and fields for request_info (_for_request)
    _sent_fields: "Optional[CIMultiDict[str]]" = None

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        writer: Any = None,
        continue100: Any = None,
        timer: Any = None,
        request_info: RequestInfo,
        traces: Any = None,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        session: Any = None,
        stream_writer: Any = None,
        history: tuple["ClientResponse", ...] = (),
    ) -> None:
        """Arguments as aiohttp 3.14.5's (libraries build responses themselves);
        *writer*, *continue100*, *timer*, *traces* and *stream_writer* are accepted
        for that and unused here.
        """
        self._setup(method, url, request_info, traces, loop, session, history=history)

    @classmethod
    def _for_request(cls, request: Any, traces: Any, loop: Any, session: Any) -> "ClientResponse":
        """``cls(method, url, request_info=..., ...)`` for *request* as the session
        makes it, without keyword binding (only for the stock class: a subclass gets
        aiohttp's constructor arguments).  :attr:`request_info` is built when first
        read (most responses never read it) from what *request* is now: its URL and
        its fields object here, its method and URL as given in ``method`` and
        ``real_url`` (a middleware may change the request and send it again).
        """
        self = cls.__new__(cls)
        self._setup(request.method, request.original_url, None, traces, loop, session)
        self._request = request
        self._sent_url = request.url
        self._sent_fields = request.headers
        return self

    def _setup(
        self,
        method: str,
        url: URL,
        request_info: Optional[RequestInfo],
        traces: Any,
        loop: Optional[asyncio.AbstractEventLoop],
        session: Any,
        *,
        history: tuple["ClientResponse", ...] = (),
    ) -> None:
        self.method = method
        self._url = url.with_fragment(None) if url.raw_fragment else url
        self._real_url = url
        self._request_info = request_info
        self._loop = loop if loop is not None else asyncio.get_event_loop()
        self._session = session
        self._history = history
        self._request: Any = None
        self._traces = traces
        resolver = getattr(session, "_resolve_charset", None)
        self._resolve_charset: Callable[[ClientResponse, bytes], str] = resolver or (lambda r, b: "utf-8")

    # -- start --------------------------------------------------------------------

    async def start(self, connection: "Connection", head_waiter: "asyncio.Future[Any]") -> "ClientResponse":
        """Wait for the head on *connection*'s exchange (*head_waiter*, what its
        ``start()`` returned: ``(head, stream)``).

        :raises ClientResponseError: the head was malformed (status 400, as aiohttp).
        :raises ServerDisconnectedError: the server closed before a complete head.
        :raises SocketTimeoutError: ``sock_read`` passed without data.
        """
        self._connection = connection
        self._closed = False
        try:
            head, stream = await head_waiter
        except BaseException as exc:
            # No response: the caller closes the connection; nothing to warn about.
            self._connection = None
            self._closed = True
            if isinstance(exc, HttpProcessingError):
                raise ClientResponseError(
                    self.request_info, self._history, status=exc.code, message=exc.message
                ) from exc
            raise
        self._set_head(head, stream)
        exchange = connection.exchange
        if exchange is not None:
            exchange.set_on_complete(self._response_eof)
        return self

    def _set_head(self, head: ResponseHead, stream: StreamReader) -> None:
        self.version = head.version
        self.status = head.status
        self.reason = head.reason
        self._headers = head.headers
        self._raw_headers = head.raw_headers
        self.content = stream

    def _set_deadline(self, when: Optional[float]) -> None:
        """Fail body reads with ``asyncio.TimeoutError`` at loop time *when* (total)."""
        if when is not None and self._connection is not None:
            self._deadline = self._loop.call_at(when, self._on_deadline)

    def _on_deadline(self) -> None:
        self._deadline = None
        conn = self._connection
        exchange = None if conn is None else conn.exchange
        if exchange is not None:
            exchange.abort(asyncio.TimeoutError())
        self._cleanup(close=True)

    def _response_eof(self) -> None:
        """The whole body was received: give the connection back to the pool
        (not after ``101 Switching Protocols``: the connection now belongs to the
        new protocol, RFC 9110 §15.2.2, until the response is closed).
        """
        if self.status == 101:
            return
        self._cleanup(close=False)

    def _cleanup(self, *, close: bool) -> None:
        request = self._request
        if request is not None and request._stop_writer():
            close = True  # an early response: the request body is unfinished
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        conn, self._connection = self._connection, None
        if conn is not None:
            if close:
                conn.close()
            else:
                conn.release()
        self._closed = True

    # -- attributes ---------------------------------------------------------------

    @property
    def url(self) -> URL:
        return self._url

    @property
    def real_url(self) -> URL:
        return self._real_url

    @property
    def host(self) -> str:
        return self._url.raw_host or ""

    @property
    def headers(self) -> "CIMultiDictProxy[str]":
        return self._headers

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        return self._raw_headers

    @property
    def request_info(self) -> RequestInfo:
        """The request as sent (URL, method, fields, URL as given): built from the
        request on first access when the session made this response.
        """
        info = self._request_info
        if info is None and self._sent_fields is not None:
            sent = (self._sent_url, self.method, CIMultiDictProxy(self._sent_fields), self._real_url)
            info = self._request_info = tuple.__new__(RequestInfo, sent)  # as RequestInfo(...)
        return info  # type: ignore[return-value]  # None only if a caller built it with None

    @property
    def history(self) -> tuple["ClientResponse", ...]:
        return self._history

    @property
    def connection(self) -> Optional["Connection"]:
        return self._connection

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def ok(self) -> bool:
        """``True`` if ``status`` is below 400."""
        return self.status < 400

    @property
    def cookies(self) -> SimpleCookie:
        """Set-Cookie fields of this response as a :class:`http.cookies.SimpleCookie`
        (RFC 6265 §5.2 parsing; invalid fields skipped, at most 50 cookies).
        """
        if self._cookies is None:
            cookies = SimpleCookie()
            for name, morsel in parse_set_cookie_headers(self._headers.getall("Set-Cookie", ())):
                dict.__setitem__(cookies, name, morsel)
            self._cookies = cookies
        return self._cookies

    @property
    def content_type(self) -> str:
        return parse_content_type(self._headers.get("Content-Type", ""))[0]

    @property
    def charset(self) -> Optional[str]:
        return parse_content_type(self._headers.get("Content-Type", ""))[1].get("charset")

    @property
    def content_length(self) -> Optional[int]:
        value = self._headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def content_disposition(self) -> Optional[ContentDisposition]:
        value = self._headers.get("Content-Disposition")
        return None if value is None else parse_content_disposition(value)

    @property
    def links(self) -> "MultiDictProxy[MultiDictProxy[Any]]":
        return parse_links(self._headers.getall("Link", ()), self._url)

    def get_encoding(self) -> str:
        """The charset of the body: the Content-Type ``charset`` if Python knows it,
        UTF-8 for JSON types (RFC 8259 §8.1), else the session's
        ``fallback_charset_resolver``.
        """
        mimetype, params = parse_content_type(self._headers.get("Content-Type", ""))
        encoding = params.get("charset")
        if encoding:
            try:
                codecs.lookup(encoding)
                return encoding
            except LookupError:
                pass
        if is_json_mimetype(mimetype):
            return "utf-8"
        if self._body is None:
            raise RuntimeError("Cannot compute fallback encoding of a not yet read body")
        return self._resolve_charset(self, self._body)

    # -- body -------------------------------------------------------------------------

    async def read(self) -> bytes:
        """The whole body (``bytes``), read once and cached.

        :raises ClientPayloadError: the body was malformed or cut short.
        :raises ClientConnectionError: the response was released (as aiohttp 3.14,
            also when the body had been read before).
        """
        if self._released:
            raise ClientConnectionError("Connection closed")
        if self._body is None:
            try:
                self._body = await self.content.read()
            except BaseException:
                self.close()
                raise
            for trace in self._traces or ():
                await trace.send_response_chunk_received(self.method, self._url, self._body)
        return self._body

    async def text(self, encoding: Optional[str] = None, errors: str = "strict") -> str:
        """The body decoded with *encoding* (default: :meth:`get_encoding`).

        :raises UnicodeDecodeError: the body does not decode.
        """
        body = await self.read()
        return body.decode(encoding or self.get_encoding(), errors=errors)

    async def json(
        self,
        *,
        encoding: Optional[str] = None,
        loads: Callable[[str], Any] = json.loads,
        content_type: Optional[str] = "application/json",
    ) -> Any:
        """The body parsed as JSON; ``None`` for an empty (whitespace) body.

        :raises ContentTypeError: Content-Type does not match *content_type*
            (``None`` disables the check; ``application/json`` also admits
            ``application/<x>+json``).
        """
        body = await self.read()
        if content_type:
            mimetype = self.content_type
            ok = is_json_mimetype(mimetype) if content_type == "application/json" else content_type in mimetype
            if not ok:
                raise ContentTypeError(
                    self.request_info,
                    self._history,
                    status=self.status,
                    message=f"Attempt to decode JSON with unexpected mimetype: {mimetype}",
                    headers=self._headers,
                )
        text = body.decode(encoding or self.get_encoding())
        if not text.strip():
            return None
        return loads(text)

    def raise_for_status(self) -> None:
        """Raise if ``status`` is 400 or higher.

        :raises ClientResponseError: if ``status`` is 400 or higher (outside an ``async with`` block
            the response is released first).
        """
        if self.status >= 400:
            if not self._in_context:
                self.release()
            raise ClientResponseError(
                self.request_info,
                self._history,
                status=self.status,
                message=self.reason or "",
                headers=self._headers,
            )

    def release(self) -> Any:
        """Give the connection back: to the pool if the body was fully received,
        closed otherwise.  Returns a completed awaitable for aiohttp compatibility.
        """
        self._released = True
        content = self.content  # after release, reading it raises (as aiohttp 3.14)
        if content is not EMPTY_PAYLOAD and content.exception() is None:
            content.set_exception(ClientConnectionError("Connection closed"))
        if self._connection is not None:
            exchange = self._connection.exchange
            reusable = exchange is not None and not exchange.must_close
            self._cleanup(close=not reusable)
        return _NOOP

    @property
    def output_size(self) -> int:
        """Request body bytes written so far (deprecated in aiohttp 3.14.4)."""
        warnings.warn("output_size is deprecated, use upload_tracker", DeprecationWarning, stacklevel=2)
        request = self._request
        return 0 if request is None else int(request._output_size)

    @property
    def upload_complete(self) -> "asyncio.Future[None]":
        """A future done once the request body was written (deprecated in aiohttp
        3.14.4 in favour of ``UploadTracker``); the same future on every access.
        """
        warnings.warn("upload_complete is deprecated, use upload_tracker", DeprecationWarning, stacklevel=2)
        if self._upload_complete is None:
            fut: asyncio.Future[None] = self._loop.create_future()
            self._upload_complete = fut
            task = None if self._request is None else self._request._write_task
            if task is None or task.done():
                fut.set_result(None)
            else:
                task.add_done_callback(lambda _t: _resolve(fut))
        return self._upload_complete

    def close(self) -> None:
        """Close the connection now, whatever the state of the body."""
        self._released = True
        self._cleanup(close=True)

    async def wait_for_close(self) -> None:
        """Release the response (compatibility with aiohttp)."""
        self.release()

    def __del__(self, _warnings: Any = warnings) -> None:
        if self._connection is not None and not self._loop.is_closed():
            self._cleanup(close=True)
            _warnings.warn(f"Unclosed response {self!r}", ResourceWarning, source=self)

    def __repr__(self) -> str:
        return f"<ClientResponse({self._url}) [{self.status} {self.reason}]>"

    async def __aenter__(self) -> "ClientResponse":
        self._in_context = True
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        self.release()


def _resolve(fut: "asyncio.Future[None]") -> None:
    if not fut.done():
        fut.set_result(None)


class _noop:
    """An already-finished awaitable (``release()`` returns one)."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_NOOP = _noop()
