"""``ClientRequest``: normalise the user's arguments into a head and a body, and
``send`` them over a connection (reference: ``ClientRequest``).

Validation happens while building the request, before any byte is written: URL
(host and scheme), method (token), field names and values (no CR/LF/NUL/CTL, see
``_http_writer``).
"""

import asyncio
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, getversion
from yarl import URL

from .. import hdrs
from .._body._upload_tracker import UploadTracker
from .._models import ConnectionKey, HttpVersion, HttpVersion10, HttpVersion11, RequestInfo
from .._net._connection import Connection
from .._protocols._body_writer import (
    BodyWriter,
    compress_whole,
    content_length,
    count_once,
    short_body_error,
    write_body,
)
from .._protocols._exchange import Exchange, RequestHead
from .._sansio._basic_auth import BasicAuth
from .._sansio._http_writer import serialize_head, validate_method
from .._sansio._proxy import proxy_fields
from ..client_exceptions import ClientPayloadError, InvalidUrlClientError, NonHttpUrlClientError
from ..formdata import FormData
from ..payload import PAYLOAD_CHUNK, Payload, get_payload
from ..payload import LookupError as PayloadLookupError
from ._request_target import DEFAULT_FIELDS, USER_AGENT, Target
from ._request_target import target as url_target

__all__ = ("ClientRequest",)

#: In-memory bodies up to this size are written (and compressed) in one go; bigger
#: ones stream in pieces of this size, each waiting for the transport to drain, so a
#: big body is never copied whole (into a compressor's output or the transport's buffer).
_IN_ONE_WRITE = PAYLOAD_CHUNK


def _as_payload(data: Any) -> Payload:
    """A payload for *data*: a :class:`Payload` as is, a registered type wrapped
    (:data:`~aiohttp_client.payload.PAYLOAD_REGISTRY`), anything else (a mapping,
    pairs) given to :class:`~aiohttp_client.FormData`.

    :raises TypeError: *data* fits neither.
    """
    if isinstance(data, FormData):
        return data()
    try:
        return get_payload(data, disposition=None)
    except PayloadLookupError:
        return FormData(data)()


def _http_version(version: Any) -> HttpVersion:
    """*version* as an :class:`HttpVersion` of two one-digit ints (RFC 9112 §2.3:
    ``HTTP-version = HTTP-name "/" DIGIT "." DIGIT``); a ``"1.1"`` string is parsed
    as aiohttp does.

    :raises ValueError: anything else (so nothing odd reaches the request-line).
    """
    if version is HttpVersion11 or version is HttpVersion10:
        return version
    if isinstance(version, str):
        parts = version.split(".")
        if len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts):
            return HttpVersion(int(parts[0]), int(parts[1]))
        raise ValueError(f"Can not parse http version number: {version!r}")
    if (
        isinstance(version, tuple)
        and len(version) == 2
        and all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 9 for p in version)
    ):
        return version if isinstance(version, HttpVersion) else HttpVersion(*version)
    raise ValueError(f"HTTP version must be an HttpVersion of two ints, not {version!r}")


def _exchange_of(conn: Connection) -> Exchange:
    """*conn*'s exchange.  :raises ConnectionResetError: the lease has ended."""
    exchange = conn.exchange
    if exchange is None:
        raise ConnectionResetError("Connection closed before the request was sent")
    return exchange


def _close_soon(body: Payload) -> None:
    task = asyncio.ensure_future(body.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


_closing: "set[asyncio.Future[None]]" = set()  # strong references until they finish


class ClientRequest:
    """One HTTP request (reference: ``ClientRequest``).

    ``expect100=True`` (or an ``Expect: 100-continue`` field given by the caller)
    writes the head, then waits for ``100 Continue`` before writing the body (RFC 9110
    §10.1.1); when a final status arrives instead the body is never sent and the
    connection, its request unfinished, is closed rather than reused.

    :raises InvalidUrlClientError: the URL has no scheme or no host.
    :raises NonHttpUrlClientError: the scheme is not http, https, ws or wss.
    :raises ValueError: a method that is not a token; credentials both in the URL
        and in *auth*; ``chunked`` together with Content-Length or Transfer-Encoding.
    """

    DEFAULT_HEADERS = DEFAULT_FIELDS
    #: methods without request content by convention (RFC 9110 §9.3), and the others
    #: (reference: ``ClientRequest``)
    GET_METHODS = frozenset({hdrs.METH_GET, hdrs.METH_HEAD, hdrs.METH_OPTIONS, hdrs.METH_TRACE})
    POST_METHODS = frozenset({hdrs.METH_PATCH, hdrs.METH_POST, hdrs.METH_PUT})
    ALL_METHODS = GET_METHODS | POST_METHODS | {hdrs.METH_DELETE}

    body: Union[Payload, bytes] = b""
    _upload_tracker: Optional[UploadTracker] = None  # set by the session (upload_tracker=)
    _body_length: Optional[int] = None  # a Content-Length the caller gave
    _output_size = 0  # body bytes handed to the transport (before any coding)
    _attempt = 0
    _continue: "Optional[asyncio.Future[None]]" = None  # resolved by 100 Continue (expect100)
    _pristine: "Optional[tuple[int, Target]]" = None  # the fields as copied from the template
    _framed = False  # the framing fields were set by a send
    _chunked_by_us = False  # a send set Transfer-Encoding: chunked (update_body removes it)
    _writer_exchange: Optional[Exchange] = None  # the exchange the body writer writes to

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        params: Any = None,
        headers: Any = None,
        skip_auto_headers: Optional[Iterable[str]] = None,
        data: Any = None,
        cookies: Any = None,
        auth: Optional[BasicAuth] = None,
        version: HttpVersion = HttpVersion11,
        compress: Union[str, bool, None] = None,
        chunked: Optional[bool] = None,
        expect100: bool = False,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        response_class: Optional[type[Any]] = None,
        proxy: Optional[URL] = None,
        proxy_auth: Optional[BasicAuth] = None,
        timer: Any = None,
        session: Any = None,
        ssl: Any = True,
        proxy_headers: Any = None,
        traces: Any = None,
        trust_env: bool = False,
        server_hostname: Optional[str] = None,
    ) -> None:
        self._setup(
            method, url, params, headers, skip_auto_headers, data, cookies, auth, version, compress, chunked, expect100
        )
        self._setup_route(proxy, proxy_auth, session, response_class, ssl, proxy_headers, traces, server_hostname)
        self._setup_fields(headers, auth, cookies, data)

    @classmethod
    def _for_session(cls, method: str, url: URL, hop: Any, session: Any) -> "ClientRequest":
        """``cls(method, url, version=..., session=..., **hop)`` as the session makes
        it, without binding twenty keyword arguments (only for the stock class; a
        subclass is always built through its own ``__init__``).
        """
        self = cls.__new__(cls)
        headers, auth, cookies, data = hop["headers"], hop["auth"], hop["cookies"], hop["data"]
        self._setup(
            method,
            url,
            hop["params"],
            headers,
            hop["skip_auto_headers"],
            data,
            cookies,
            auth,
            session._version,
            hop["compress"],
            hop["chunked"],
            hop["expect100"],
        )
        self._setup_route(
            hop["proxy"],
            hop["proxy_auth"],
            session,
            session._response_class,
            hop["ssl"],
            hop["proxy_headers"],
            hop.get("traces"),
            hop["server_hostname"],
        )
        self._setup_fields(headers, auth, cookies, data)
        return self

    def _setup(
        self,
        method: str,
        url: URL,
        params: Any,
        headers: Any,
        skip_auto_headers: Optional[Iterable[str]],
        data: Any,
        cookies: Any,
        auth: Optional[BasicAuth],
        version: HttpVersion,
        compress: Union[str, bool, None],
        chunked: Optional[bool],
        expect100: bool,
    ) -> None:
        self.method = validate_method(method.upper())
        if params:
            url = url.extend_query(params)
        self.original_url = url
        self.url = url.with_fragment(None) if url.raw_fragment else url
        self._check_url(self.url, url)
        self.version = version if version is HttpVersion11 else _http_version(version)
        if chunked is not None and not isinstance(chunked, bool):
            warnings.warn("Chunk size is deprecated #1615", DeprecationWarning, stacklevel=4)
        self.chunked = chunked
        self.compress: Optional[str] = ("deflate" if compress is True else compress) or None
        self._expect100 = expect100
        self._write_task: Optional[asyncio.Task[None]] = None
        self.skip_auto_headers = (
            CIMultiDict((h, None) for h in skip_auto_headers) if skip_auto_headers else CIMultiDict()
        )

    def _setup_route(
        self,
        proxy: Optional[URL],
        proxy_auth: Optional[BasicAuth],
        session: Any,
        response_class: Optional[type[Any]],
        ssl: Any,
        proxy_headers: Any,
        traces: Any,
        server_hostname: Optional[str],
    ) -> None:
        self.session = session
        self.response_class = response_class
        self.proxy = proxy
        self.proxy_auth = proxy_auth
        self.proxy_headers: Optional[CIMultiDict[str]] = CIMultiDict(proxy_headers) if proxy_headers else None
        self.ssl = ssl
        self.server_hostname = server_hostname
        self._traces = traces or []

    def _setup_fields(self, headers: Any, auth: Optional[BasicAuth], cookies: Any, data: Any) -> None:
        self._build_headers(headers, auth, cookies)
        if self.proxy is not None and not self.is_ssl():  # the proxy reads this request itself
            self.headers.update(proxy_fields(self.proxy_auth, self.proxy_headers))
        if data is not None:
            self._set_body(_as_payload(data))

    # -- building -------------------------------------------------------------

    @staticmethod
    def _check_url(url: URL, given: URL) -> None:
        """Raise for a *url* a request cannot go to, naming the URL as *given*
        (fragment included), as aiohttp 3.14.5 does: no scheme (``"example.com/x"``,
        ``"/x"``, ``""``, ``"//host/x"``: not an absolute URL, RFC 3986 §4.3) or no
        host is an ``InvalidUrlClientError``; another scheme is a ``NonHttpUrlClientError``.
        """
        target = url_target(url)
        if not target.scheme_ok:
            raise NonHttpUrlClientError(given) if url.scheme else InvalidUrlClientError(given)
        if not target.host_ok:
            raise InvalidUrlClientError(given)

    def _build_headers(self, headers: Any, auth: Optional[BasicAuth], cookies: Any) -> None:
        target = url_target(self.url)
        if not headers and not self.skip_auto_headers and self.DEFAULT_HEADERS is DEFAULT_FIELDS:
            self.headers: CIMultiDict[str] = target.default_fields.copy()  # the common case
            self._pristine = (getversion(self.headers), target)
        else:
            self.headers = self._given_fields(target.host_header, headers)
        fields = self.headers
        if target.userinfo:
            auth = self._url_auth(auth)
        if auth is not None:
            if not isinstance(auth, BasicAuth):
                raise TypeError("BasicAuth() tuple is required instead")
            fields[hdrs.AUTHORIZATION] = auth.encode()
        if cookies:
            pairs = cookies.items() if isinstance(cookies, Mapping) else cookies
            value = "; ".join(f"{getattr(v, 'key', k)}={getattr(v, 'coded_value', v)}" for k, v in pairs)
            given = fields.get(hdrs.COOKIE)  # one Cookie field (RFC 6265 §5.4)
            fields[hdrs.COOKIE] = f"{given}; {value}" if given else value
        if self._expect100:
            fields[hdrs.EXPECT] = "100-continue"

    def _given_fields(self, host_header: str, headers: Any) -> "CIMultiDict[str]":
        """Host, the caller's *headers*, then the default fields not given or skipped."""
        fields: CIMultiDict[str] = CIMultiDict()
        fields[hdrs.HOST] = host_header
        if headers:
            items = (
                headers.items() if isinstance(headers, (Mapping, MultiDict, CIMultiDict, CIMultiDictProxy)) else headers
            )
            for name, value in items:
                if name.lower() == "host":
                    fields[hdrs.HOST] = value
                else:
                    fields.add(name, value)
        for name, value in self.DEFAULT_HEADERS.items():
            if name not in self.skip_auto_headers and name not in fields:
                fields[name] = value
        if hdrs.USER_AGENT not in self.skip_auto_headers and hdrs.USER_AGENT not in fields:
            fields[hdrs.USER_AGENT] = USER_AGENT
        return fields

    def _url_auth(self, auth: Optional[BasicAuth]) -> Optional[BasicAuth]:
        """The credentials in the URL (taken out of it), unless *auth* is given too.

        :raises ValueError: both.
        """
        url = self.url
        url_auth = BasicAuth.from_url(url)
        if url_auth is not None:
            if auth is not None:
                raise ValueError("Cannot combine AUTH argument with credentials encoded in URL")
            auth = url_auth
        if url.raw_user or url.raw_password:
            self.url = url.with_user(None)
            self.original_url = self.original_url.with_user(None)
        return auth

    def _set_body(self, payload: Payload) -> None:
        self.body = payload
        if hdrs.CONTENT_TYPE not in self.headers and hdrs.CONTENT_TYPE not in self.skip_auto_headers:
            self.headers[hdrs.CONTENT_TYPE] = payload.content_type
        for name, value in payload.headers.items():
            if name not in self.headers:
                self.headers[name] = value

    async def update_body(self, body: Any) -> None:
        """Replace the body, closing the previous payload (reference: ``update_body``).
        The framing fields follow the new body at the next send (as in aiohttp, a
        Content-Length given before is replaced by the new body's).
        """
        if isinstance(self.body, Payload):
            await self.close()  # a writer still sending the old body stops first
            await self.body.close()
        self.body = b""
        self._body_length = None
        self.headers.popall(hdrs.CONTENT_LENGTH, None)
        if self._chunked_by_us:
            self.headers.popall(hdrs.TRANSFER_ENCODING, None)
            self._chunked_by_us = False
        if body is not None:
            self._set_body(_as_payload(body))

    def _framing_headers(self) -> tuple[bool, Optional[bytes]]:
        """Set Content-Length / Transfer-Encoding; return ``(chunked, whole body or None)``."""
        headers = self.headers
        body = self.body
        if self.chunked and not self._framed and (hdrs.CONTENT_LENGTH in headers or hdrs.TRANSFER_ENCODING in headers):
            raise ValueError("chunked can not be set if Content-Length or Transfer-Encoding header is set")
        self._framed = True  # a second send (a retry) finds the fields the first one set
        if not isinstance(body, Payload):
            if self.method in ("POST", "PUT", "PATCH") and hdrs.CONTENT_LENGTH not in headers:
                headers[hdrs.CONTENT_LENGTH] = "0"
            return False, None
        raw = body._in_memory()
        given = headers.get(hdrs.CONTENT_LENGTH)
        if given is not None and given.isdigit() and not self.chunked and not self.compress:
            # The caller's Content-Length frames the body: send that many bytes.
            self._body_length = int(given)
            return False, raw[: self._body_length] if raw is not None else None
        if self.compress:
            headers[hdrs.CONTENT_ENCODING] = self.compress
            if raw is not None and len(raw) <= _IN_ONE_WRITE:
                raw = compress_whole(raw, self.compress)
            else:  # a big body is compressed as it streams out (bounded memory), chunked
                raw = None
        if self.chunked or (raw is None and body.size is None) or (self.compress and raw is None):
            headers.popall(hdrs.CONTENT_LENGTH, None)
            headers[hdrs.TRANSFER_ENCODING] = "chunked"
            self._chunked_by_us = True
            return True, raw
        if hdrs.TRANSFER_ENCODING in headers:
            return "chunked" in headers[hdrs.TRANSFER_ENCODING].lower(), raw
        headers[hdrs.CONTENT_LENGTH] = str(len(raw) if raw is not None else body.size)
        return False, raw

    # -- properties -------------------------------------------------------------------

    def is_ssl(self) -> bool:
        return url_target(self.url).is_ssl

    @property
    def host(self) -> str:
        return url_target(self.url).host

    @property
    def port(self) -> Optional[int]:
        return url_target(self.url).port

    @property
    def connection_key(self) -> ConnectionKey:
        headers = self.proxy_headers
        headers_hash = hash(tuple(headers.items())) if headers else None
        target = url_target(self.url)
        fields = (target.host, target.port, target.is_ssl, self.ssl, self.proxy, self.proxy_auth, headers_hash)
        return tuple.__new__(ConnectionKey, (*fields, self.server_hostname))  # as ConnectionKey(...), faster

    @property
    def request_info(self) -> RequestInfo:
        info = (self.url, self.method, CIMultiDictProxy(self.headers), self.original_url)
        return tuple.__new__(RequestInfo, info)  # as RequestInfo(...), without its Python __new__

    @property
    def request_target(self) -> str:
        """The request-target: origin-form (RFC 9112 §3.2.1), or absolute-form
        (§3.2.2) for a plain-HTTP request through a proxy.
        """
        target = url_target(self.url)
        if self.proxy is not None and not target.is_ssl:
            return str(self.url)
        return target.path_qs

    # -- sending ---------------------------------------------------------------------

    async def send(self, conn: "Connection") -> None:
        """Write the request through *conn*'s exchange.  A streamed body is written by
        a task, so the response can be read while the body is still going out (a
        server may answer early).  With ``Expect: 100-continue`` that task first
        waits for ``100 Continue`` (RFC 9110 §10.1.1); a final response instead means
        the body is never sent.

        :raises ValueError: a forbidden character in the head (nothing was written).
        :raises ConnectionResetError: the connection is closed (nothing was written).
        """
        body = self.body
        if isinstance(body, Payload):
            await self._ready_to_send(body)
        exchange = _exchange_of(conn)
        chunked, raw, head = self._head()
        declared = None if chunked else content_length(self.headers)
        if raw is not None and declared is not None and len(raw) < declared:
            raise short_body_error(len(raw), declared)  # nothing written yet
        self._continue = None
        if isinstance(body, Payload) and self._expects_continue():
            self._continue = exchange.expect_continue()
        if self._traces:
            head = await self._trace_head(conn, head, body)
        if not isinstance(body, Payload):
            exchange.write_head(head, b"")
            return
        tracker = self._upload_tracker
        if tracker is not None:
            tracker._attempt_writing(self._attempt)
        if raw is not None and self._continue is None and len(raw) <= _IN_ONE_WRITE:
            exchange.write_head(head, raw)
            self._count(len(raw) if self.compress is None else body.size or 0)
            if tracker is not None:
                tracker._attempt_finished(self._attempt)
            return
        exchange.write_head(head, None)
        # Streamed chunks are reported by the writer; a body in memory was reported whole.
        traced = self if self._traces and (self._continue is not None or body._in_memory() is None) else None
        self._start_writer(conn, exchange, body, raw, declared, traced)

    async def _trace_head(self, conn: "Connection", head: RequestHead, body: Any) -> RequestHead:
        """Send the head (and a body in memory) trace signals, after checking what
        would fail the write (a forbidden character, a closed connection), so no
        signal reports a request that never went out; returns *head* serialized.
        """
        if head.raw is None:  # validates (ValueError); an HTTP/2 exchange ignores raw
            head = head._replace(raw=serialize_head(head.method, head.target, head.version, head.fields.items()))
        if conn.closed:
            raise ConnectionResetError("Connection closed before the request was sent")
        in_memory = body._in_memory() if self._continue is None and isinstance(body, Payload) else None
        for trace in self._traces:  # the head (and a body in memory) go out now
            await trace.send_request_headers(self.method, self.url, self.headers)
            if in_memory:
                await trace.send_request_chunk_sent(self.method, self.url, in_memory)
        return head

    def _start_writer(
        self,
        conn: "Connection",
        exchange: Exchange,
        body: Payload,
        raw: Optional[bytes],
        declared: Optional[int],
        traced: Optional["ClientRequest"],
    ) -> None:
        """Start the task writing *body* (or *raw*, the body in memory) through
        *exchange* after the head.  Its byte counts and its end are reported for this
        attempt only, so a writer of an earlier send still stopping never counts
        toward a later one.
        """
        attempt = self._attempt
        self._writer_exchange = exchange

        def count(n: int) -> None:
            self._count(n, attempt)

        def done(exc: Optional[BaseException], cancelled: bool) -> None:
            self._body_done(exc, cancelled, attempt)

        if raw is not None and self.compress is not None:  # in memory, coded, after 100 Continue
            writer = BodyWriter(exchange, None, count_once(count, body.size or 0), traced)
        elif raw is not None:  # in memory: after 100 Continue, or too big for one write
            writer = BodyWriter(exchange, None, count, traced)
        else:
            writer = BodyWriter(exchange, self.compress, count, traced)
        length = body.size if self._body_length is None else self._body_length
        self._write_task = asyncio.ensure_future(
            write_body(body, writer, conn, length, done, continue100=self._continue, in_memory=raw, declared=declared)
        )

    async def _ready_to_send(self, body: Payload) -> None:
        """Make *body* ready for this send: a writer still running from a previous
        send of this request (a middleware sending it again after an early answer)
        is stopped first, then the body starts again from its start.

        :raises ClientPayloadError: the body was consumed and cannot be sent again
            (an async iterable, a stream that cannot seek); nothing is written.
        """
        await self.close()
        if not body.rewind():
            raise ClientPayloadError(
                "The request body cannot be sent again: it was consumed (an async iterable or a "
                "stream that cannot seek). Use bytes or a seekable file-like object"
            )

    def _expects_continue(self) -> bool:
        """``Expect: 100-continue`` is in the head (``expect100=True`` or given)."""
        return self.headers.get(hdrs.EXPECT, "").lower() == "100-continue"

    def _head(self) -> tuple[bool, Optional[bytes], RequestHead]:
        """The framing (``(chunked, whole body or None)``) and the head to send (its
        ``raw`` the template head when it applies).
        """
        chunked, raw = self._framing_headers()
        template = self._template_head()
        if template is not None:
            target = self._pristine[1].path_qs  # type: ignore[index]
        else:
            target = self.request_target
        head = (self.method, self.url, target, self.version, self.headers, template, chunked)
        return chunked, raw, tuple.__new__(RequestHead, head)  # as RequestHead(...), faster

    def _send_nowait(self, conn: "Connection") -> bool:
        """:meth:`send` without a coroutine when it would await nothing (no body,
        nothing traced): ``True`` once the head is written, ``False`` (nothing
        done) otherwise.
        """
        if self._traces or isinstance(self.body, Payload):
            return False
        _chunked, _raw, head = self._head()
        exchange = conn.exchange
        if exchange is None:
            raise ConnectionResetError("Connection closed before the request was sent")
        exchange.write_head(head, b"")
        return True

    def _template_head(self) -> Optional[bytes]:
        """The head serialized before for a request with the same method, URL and
        fields, when this one's fields are still those copied from the template
        (multidict's version says whether they changed since) and nothing else
        goes into the head; else ``None``.
        """
        pristine = self._pristine
        if pristine is None or self.proxy is not None or self.version is not HttpVersion11:
            return None
        version, target = pristine
        if getversion(self.headers) != version or url_target(self.url) is not target:  # type: ignore[arg-type]
            return None
        head = target.heads.get(self.method)
        if head is None:
            head = serialize_head(self.method, target.path_qs, HttpVersion11, self.headers.items())
            if len(target.heads) < 16:
                target.heads[self.method] = head
        return head

    def _count(self, n: int, attempt: Optional[int] = None) -> None:
        """*n* body bytes (before coding) of *attempt* (default: the current one)
        went to the exchange.
        """
        self._output_size += n
        if self._upload_tracker is not None:
            self._upload_tracker._add_bytes(self._attempt if attempt is None else attempt, n)

    def _begin_attempt(self) -> None:
        """A send of this request begins (before connecting): tell the tracker."""
        if self._upload_tracker is not None:
            self._attempt = self._upload_tracker._attempt_started(isinstance(self.body, Payload))

    def _body_done(self, exc: Optional[BaseException], cancelled: bool, attempt: int) -> None:
        tracker = self._upload_tracker
        if tracker is not None:
            if exc is None and not cancelled:
                tracker._attempt_finished(attempt)
            else:
                tracker._attempt_failed(attempt, exc)

    def _stop_writer(self) -> bool:
        """Cancel the body writer if it is still running; ``True`` when it was (the
        body is unfinished, so the connection must not be reused).  Its exchange is
        cut: what it buffered is dropped (closing would first flush it, and a peer
        that stopped reading would keep the socket open).
        """
        task = self._write_task
        if task is None or task.done():
            return False
        task.cancel()
        exchange = self._writer_exchange
        if exchange is not None:
            exchange.cut()
        return True

    async def _close_body(self) -> None:
        """Release what the body holds once it is no longer being written (the
        request is over; a body still going out after an early response is closed
        when its writer ends).
        """
        body = self.body
        if not isinstance(body, Payload):
            return
        task = self._write_task
        if task is not None and not task.done():
            task.add_done_callback(lambda _t: _close_soon(body))
        else:
            await body.close()

    async def close(self) -> None:
        """Wait for (or stop) a body still being written."""
        task = self._write_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    def __repr__(self) -> str:
        return f"<ClientRequest({self.method} {self.url})>"
