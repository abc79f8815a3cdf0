"""``ClientSession`` and the module-level ``request()`` (reference: "Client Session").

A request goes through short steps, one concern each:
``_request`` (check the arguments, merge the session defaults into one ``Call``
record, ``_sansio/_hops``) -> ``_send_traced`` (only when ``trace_configs`` are set:
the request start, end and exception signals) -> ``_send`` (the total timeout and the
redirect loop: ``first_hop``, then ``next_hop`` after each redirect, one ``Hop`` record
each; the jar's cookies, the environment and the ``ClientRequest`` of each hop are in
``_session_hops``) ->
middlewares -> ``_send_once`` (one request on one connection: an idle pooled one or a
new one under the connect timeout, and the one retry of an idempotent request whose
reused connection was lost) -> ``_exchange`` (write the request, read the head).
"""

import asyncio
import json
import sys
import traceback
import warnings
from collections.abc import Awaitable, Iterable, Sequence
from types import TracebackType
from typing import Any, Callable, Optional, Union

from multidict import CIMultiDict
from yarl import URL

from .. import hdrs
from .._body._upload_tracker import UploadTracker
from .._models import HttpVersion, HttpVersion11, sentinel
from .._net._proxy_env import with_env_settings
from .._protocols._exchange import ReaderOptions
from .._sansio._basic_auth import BasicAuth
from .._sansio._hops import Call, first_hop
from .._sansio._redirects import REDIRECT_STATUSES
from .._ws._ws_connect import WSRequestContextManager, ws_connect
from ..abc import AbstractCookieJar
from ..client_exceptions import (
    ClientError,
    ClientOSError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
)
from ..client_middlewares import build_client_middlewares
from ..client_ws import ClientWebSocketResponse
from ..connector import BaseConnector, Connection, TCPConnector
from ..payload import JsonBytesPayload, JsonPayload, Payload
from ..tracing import make_traces, trace_request_exception, trace_request_start
from ._client_request import ClientRequest
from ._client_response import ClientResponse
from ._context_managers import _RequestContextManager, _SessionRequestContextManager
from ._request_params import (
    checked_base_url,
    checked_request_args,
    frozen_trace_configs,
    request_timeout,
    session_connector,
    session_cookie_jar,
    session_timeout,
    warn_auth_params,
)
from ._session_attributes import SessionAttributes
from ._session_hops import _RedirectHops
from ._timeouts import ClientTimeout, Deadlines, deadline_after, timeout_after

__all__ = ("ClientSession", "request")

Handler = Callable[[ClientRequest], Awaitable[ClientResponse]]
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_LIMITS = (None, None, None, None)
_tuple_new = tuple.__new__
_STOCK_CONNECT = BaseConnector.connect
_STOCK_SEND = ClientRequest.send
_STOCK_REQUEST_INFO = ClientRequest.request_info  # the property object: a subclass may override it


class _Options:
    """Per-request settings after merging the session's defaults: the timeouts and
    how the exchange reads the response (*reader*, built once per distinct set).
    """

    __slots__ = ("timeout", "reader")

    def __init__(self, timeout: ClientTimeout, reader: ReaderOptions) -> None:
        self.timeout = timeout
        self.reader = reader


def _reader_options(timeout: ClientTimeout, read_until_eof: bool, auto_decompress: bool, limits: Any) -> ReaderOptions:
    """The :class:`ReaderOptions` of a request: *limits* is ``(read_bufsize,
    max_line_size, max_field_size, max_headers)`` (bytes); ``sock_read`` of *timeout*.
    """
    bufsize, line, field, headers = limits
    return ReaderOptions(read_until_eof, auto_decompress, bufsize, timeout.sock_read, line, field, headers)


class ClientSession(SessionAttributes, _RedirectHops):
    """The first-class interface for making HTTP requests (reference: ``ClientSession``).

    A session garbage-collected while open is reported as aiohttp does: a
    ``ResourceWarning``, and "Unclosed client session" through the loop's exception
    handler (keys ``client_session``, ``message``, and ``source_traceback`` when the
    loop was in debug mode), so that it shows on stderr under the default filters.

    The cookie jar (``cookie_jar``, ``cookies``), HTTP and HTTPS proxies (``proxy``,
    and with ``trust_env=True`` the environment's proxies and netrc), ``trace_configs``
    and ``middlewares`` work as in aiohttp 3.14.5; README.md lists where this client
    deliberately differs (e.g. the session's ``auth`` is not sent across origins on a
    redirect).

    ``http2`` (an addition, issue 17): ``True`` or ``"prior-knowledge"`` builds the
    session's own ``TCPConnector(http2=...)`` (docs/http2.md); with ``connector``
    given it is refused (``ValueError``): the connector's setting rules.
    """

    def __init__(
        self,
        base_url: Optional[Union[str, URL]] = None,
        *,
        connector: Optional[BaseConnector] = None,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        cookies: Any = None,
        headers: Any = None,
        proxy: Any = None,
        proxy_auth: Optional[BasicAuth] = None,
        skip_auto_headers: Optional[Iterable[str]] = None,
        auth: Optional[BasicAuth] = None,
        json_serialize: Callable[[Any], str] = json.dumps,
        json_serialize_bytes: Optional[Callable[[Any], bytes]] = None,
        request_class: type[ClientRequest] = ClientRequest,
        response_class: type[ClientResponse] = ClientResponse,
        ws_response_class: type[ClientWebSocketResponse] = ClientWebSocketResponse,
        version: HttpVersion = HttpVersion11,
        cookie_jar: Any = None,
        connector_owner: bool = True,
        raise_for_status: Union[bool, Callable[[ClientResponse], Awaitable[None]]] = False,
        read_timeout: Any = sentinel,
        conn_timeout: Optional[float] = None,
        timeout: Any = sentinel,
        auto_decompress: bool = True,
        trust_env: bool = False,
        requote_redirect_url: bool = True,
        trace_configs: Optional[list[Any]] = None,
        middlewares: Sequence[Any] = (),
        read_bufsize: int = 2**18,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        fallback_charset_resolver: Callable[[ClientResponse, bytes], str] = lambda r, b: "utf-8",
        ssl_shutdown_timeout: Any = sentinel,
        http2: Any = None,
    ) -> None:
        self._base_url = checked_base_url(base_url)
        self._timeout = session_timeout(timeout, read_timeout, conn_timeout)
        warn_auth_params(auth, proxy_auth, stacklevel=3)
        self._loop = self._running_loop(loop)
        # The jar first: an illegal cookie name raises CookieError before a connector is opened.
        self._cookie_jar: AbstractCookieJar = session_cookie_jar(cookie_jar, cookies, self._loop)
        self._connector: Optional[BaseConnector] = session_connector(connector, self._loop, ssl_shutdown_timeout, http2)
        self._connector_owner = connector_owner
        self._set_request_defaults(headers, skip_auto_headers, auth, proxy, proxy_auth)
        self._json_serialize, self._json_serialize_bytes = json_serialize, json_serialize_bytes
        self._request_class, self._response_class = request_class, response_class
        self._ws_response_class, self._version = ws_response_class, version
        self._raise_for_status, self._auto_decompress = raise_for_status, auto_decompress
        self._trust_env, self._requote_redirect_url = trust_env, requote_redirect_url
        self._middlewares, self._trace_configs = tuple(middlewares), frozen_trace_configs(trace_configs)
        self._limits = (read_bufsize, max_line_size, max_field_size, max_headers)
        self._resolve_charset = fallback_charset_resolver
        self._default_options = _Options(
            self._timeout, _reader_options(self._timeout, True, auto_decompress, self._limits)
        )
        self._retry_connection = True  # aiohttp's private switch for the retry in _send_once
        self._deadlines = Deadlines(self._loop)  # the total timeouts' shared timer handles
        self._urls: dict[str, URL] = {}  # str -> URL, bounded (the URLs a session asks for again)

    def _running_loop(self, loop: Optional[asyncio.AbstractEventLoop]) -> asyncio.AbstractEventLoop:
        """*loop*, else the running one; in debug mode, where the session was made
        is kept for the "Unclosed client session" report.

        :raises RuntimeError: no *loop* and none running.
        """
        loop = loop or asyncio.get_running_loop()
        if loop.get_debug():
            self._source_traceback = traceback.extract_stack(sys._getframe(2))
        return loop

    # -- the public verbs ------------------------------------------------------------

    def request(self, method: str, url: Union[str, URL], **kwargs: Any) -> "_RequestContextManager":
        """Perform an HTTP request; usable with ``await`` and with ``async with``."""
        return _RequestContextManager(self._request(method, url, **kwargs))

    def get(self, url: Union[str, URL], *, allow_redirects: bool = True, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_GET, url, allow_redirects=allow_redirects, **kwargs))

    def options(self, url: Union[str, URL], *, allow_redirects: bool = True, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_OPTIONS, url, allow_redirects=allow_redirects, **kwargs))

    def head(self, url: Union[str, URL], *, allow_redirects: bool = False, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_HEAD, url, allow_redirects=allow_redirects, **kwargs))

    def post(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_POST, url, data=data, **kwargs))

    def put(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_PUT, url, data=data, **kwargs))

    def patch(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_PATCH, url, data=data, **kwargs))

    def delete(self, url: Union[str, URL], **kwargs: Any) -> "_RequestContextManager":
        return _RequestContextManager(self._request(hdrs.METH_DELETE, url, **kwargs))

    def ws_connect(self, url: Union[str, URL], **kwargs: Any) -> WSRequestContextManager:
        """Open a WebSocket (reference: ``ws_connect``; parameters in :mod:`.._ws._ws_connect`)."""
        return WSRequestContextManager(ws_connect(self, url, **kwargs))

    # -- layer 1: defaults and the total timeout -------------------------------------------

    async def _request(
        self,
        method: str,
        str_or_url: Union[str, URL],
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        cookies: Any = None,
        headers: Any = None,
        skip_auto_headers: Optional[Iterable[str]] = None,
        auth: Optional[BasicAuth] = None,
        allow_redirects: bool = True,
        max_redirects: int = 10,
        compress: Union[str, bool, None] = None,
        chunked: Optional[bool] = None,
        expect100: bool = False,
        raise_for_status: Any = None,
        read_until_eof: bool = True,
        proxy: Any = None,
        proxy_auth: Optional[BasicAuth] = None,
        timeout: Any = sentinel,
        verify_ssl: Optional[bool] = None,
        fingerprint: Optional[bytes] = None,
        ssl_context: Any = None,
        ssl: Any = True,
        server_hostname: Optional[str] = None,
        proxy_headers: Any = None,
        trace_request_ctx: Any = None,
        read_bufsize: Optional[int] = None,
        auto_decompress: Optional[bool] = None,
        max_line_size: Optional[int] = None,
        max_field_size: Optional[int] = None,
        max_headers: Optional[int] = None,
        middlewares: Optional[Sequence[Any]] = None,
        upload_tracker: Optional[UploadTracker] = None,
    ) -> ClientResponse:
        if upload_tracker is not None:
            upload_tracker._bind()
        try:
            if self.closed:
                raise RuntimeError("Session is closed")
            ssl = checked_request_args(ssl, (verify_ssl, ssl_context, fingerprint), auth, proxy_auth, data, json)
            url = self._build_url(str_or_url)
            proxy, bound_proxy_auth, proxy_headers = self._proxy_args(proxy, proxy_auth, proxy_headers)
            call: Call = _tuple_new(Call, (  # as Call(...), in its field order, without binding 24 parameters
                method, url, params, data if json is None else self._json_payload(json),
                self._merged_headers(headers, auth, url), self._merged_skip(skip_auto_headers), auth,
                self._session_auth(url), cookies, compress, chunked, expect100, ssl, server_hostname,
                proxy, bound_proxy_auth, proxy_headers,
                make_traces(self, self._trace_configs, trace_request_ctx) if self._trace_configs else (),
                self._options(timeout, read_until_eof, auto_decompress, read_bufsize, max_line_size, max_field_size,
                              max_headers),
                allow_redirects, max_redirects, middlewares, upload_tracker, raise_for_status,
            ))  # fmt: skip
            return await (self._send_traced(call) if call.traces else self._send(call))  # traced: only when configured
        finally:
            if upload_tracker is not None:
                upload_tracker._request_done()

    async def _send_traced(self, call: Call) -> ClientResponse:
        """:meth:`_send` between the request-start signal and the request-end (or
        request-exception) signal (``tracing_reference.rst``).
        """
        call = call._replace(headers=CIMultiDict(call.headers))  # trace handlers may change this copy
        traces, method, url, headers, params = call.traces, call.method, call.url, call.headers, call.params
        await trace_request_start(traces, method, url, headers, params)
        try:
            resp = await self._send(call)
        except BaseException as exc:
            await trace_request_exception(traces, method, url, headers, params, exc)
            raise
        for trace in traces:
            await trace.send_request_end(resp.method, resp.url, headers, resp)
        return resp

    async def _send(self, call: Call) -> ClientResponse:
        """Send *call*, hop by hop (:mod:`.._sansio._hops`; redirects as the
        ``_redirects`` policy says), under the total timeout; the last request's body
        is closed when it is over.
        """
        mws = self._middlewares if call.middlewares is None else tuple(call.middlewares)
        opts, tracker = call.options, call.upload_tracker
        total = opts.timeout.total
        deadline = deadline_after(self._loop, total, opts.timeout.ceil_threshold) if total else None
        history: list[ClientResponse] = []
        req: Optional[ClientRequest] = None
        try:
            with self._deadlines.scope(deadline):
                hop = first_hop(call)
                while True:
                    if self._trust_env:
                        hop = await with_env_settings(hop)
                    req = self._new_request(hop)
                    if tracker is not None:
                        req._upload_tracker = tracker
                    if mws:
                        resp = await self._with_middlewares(mws, opts, tuple(history))(req)
                    else:
                        resp = await self._send_once(req, opts, tuple(history))
                    self._store_cookies(resp)
                    if not call.allow_redirects or resp.status not in REDIRECT_STATUSES:
                        break
                    location = self._redirect_location(resp, history, call.max_redirects)
                    if location is None:
                        break
                    hop = await self._next_hop(req, resp, location, hop)
            resp._history = tuple(history)
            resp._set_deadline(deadline)
            check = self._raise_for_status if call.raise_for_status is None else call.raise_for_status
            if check:
                await self._check_status(resp, check)
            return resp
        finally:
            if req is not None and isinstance(req.body, Payload):
                await req._close_body()

    def _new_response(self, req: ClientRequest) -> ClientResponse:
        """The response object for *req*, of the session's ``response_class`` (built
        with aiohttp 3.14.5's arguments, which subclasses expect).
        """
        traces = req._traces or None
        if self._response_class is ClientResponse:
            resp = ClientResponse._for_request(req, traces, self._loop, self)
            if type(req).request_info is not _STOCK_REQUEST_INFO:  # a subclass's own, taken now
                resp._request_info = req.request_info
            return resp
        return self._response_class(
            req.method,
            req.original_url,
            writer=req._write_task,
            continue100=req._continue,
            timer=None,
            request_info=req.request_info,
            traces=traces,
            loop=self._loop,
            session=self,
            stream_writer=None,
        )

    def _json_payload(self, value: Any) -> Payload:
        if self._json_serialize_bytes is not None:
            return JsonBytesPayload(value, dumps=self._json_serialize_bytes)
        return JsonPayload(value, dumps=self._json_serialize)

    def _options(
        self, timeout: Any, read_until_eof: bool, auto_decompress: Optional[bool], *limits: Optional[int]
    ) -> _Options:
        if timeout is sentinel and read_until_eof and auto_decompress is None and limits == _NO_LIMITS:
            return self._default_options
        merged = [given if given is not None else default for given, default in zip(limits, self._limits)]
        timeouts = request_timeout(timeout, self._timeout)
        decompress = self._auto_decompress if auto_decompress is None else auto_decompress
        return _Options(timeouts, _reader_options(timeouts, read_until_eof, decompress, merged))

    async def _check_status(self, resp: ClientResponse, check: Any) -> None:
        if check is True:
            resp.raise_for_status()
        else:
            await check(resp)

    def _with_middlewares(
        self, middlewares: tuple[Any, ...], opts: _Options, history: tuple[ClientResponse, ...]
    ) -> Handler:
        async def send(req: ClientRequest) -> ClientResponse:
            return await self._send_once(req, opts, history)

        return build_client_middlewares(send, middlewares)

    # -- one request on one connection ------------------------------------------------

    async def _send_once(
        self, req: ClientRequest, opts: _Options, history: tuple[ClientResponse, ...]
    ) -> ClientResponse:
        """Send *req* and read the response head.

        An idempotent request (RFC 9110 §9.2.2) that fails with a lost connection
        before a response head arrived is retried once on a new connection (the
        server may have closed an idle connection just as we reused it), as aiohttp
        3.14 does while ``_retry_connection`` is true; its body is rewound first.
        """
        req._begin_attempt()
        conn = self._reuse_idle(req, opts) or await self._connect(req, opts)
        exchange = conn.exchange
        try:
            return await self._exchange(req, conn, opts, history)
        except (ServerDisconnectedError, ClientOSError):
            answered = exchange is None or exchange.response_started  # never retry once a byte came
            if answered or not (conn.reused and self._retry_connection and req.method in _IDEMPOTENT):
                # An HTTP/2 stream the server did not process (GOAWAY, REFUSED_STREAM;
                # RFC 9113 §6.8, §8.7) goes again on a new connection, whatever its method.
                if answered or not getattr(exchange, "retryable", False):
                    raise
            await req.close()  # the body writer settles before the body is rewound
            if not _body_replayable(req):
                raise
        req._begin_attempt()
        conn = await self._connect(req, opts)
        return await self._exchange(req, conn, opts, history)

    def _reuse_idle(self, req: ClientRequest, opts: _Options) -> Optional[Connection]:
        """An idle pooled connection for *req* taken without a coroutine, when the
        connector is a stock one and nothing (tracing, a connect timeout) watches.
        """
        connector = self._connector
        if connector is None or req._traces or type(connector).connect is not _STOCK_CONNECT:
            return None
        return connector._reuse_idle(req)

    async def _connect(self, req: ClientRequest, opts: _Options) -> Connection:
        if self._connector is None:
            raise RuntimeError("Session is closed")
        try:
            if opts.timeout.connect is None:
                return await self._connector.connect(req, req._traces or None, opts.timeout)
            async with timeout_after(opts.timeout.connect, ceil_threshold=opts.timeout.ceil_threshold):
                return await self._connector.connect(req, req._traces or None, opts.timeout)
        except asyncio.TimeoutError as exc:
            if isinstance(exc, ClientError):
                raise
            raise ConnectionTimeoutError(f"Connection timeout to host {req.url}") from exc

    async def _exchange(
        self, req: ClientRequest, conn: Connection, opts: _Options, history: tuple[ClientResponse, ...]
    ) -> ClientResponse:
        exchange = conn.exchange
        if exchange is None:  # pragma: no cover - a fresh lease always has one
            raise ClientOSError("Connection closed")
        waiter = exchange.start(req.method, opts.reader)
        resp: Optional[ClientResponse] = None
        try:
            if type(req).send is not _STOCK_SEND or not req._send_nowait(conn):
                await req.send(conn)
            task = req._write_task
            if task is None:  # the whole request is written (no body task): no callback to make
                exchange.request_sent()
            else:
                _when_written(task, exchange.request_sent)
            resp = self._new_response(req)
            resp._history = history
            resp._request = req
            return await resp.start(conn, waiter)
        except BaseException as exc:
            _settle(waiter)
            req._stop_writer()
            if resp is not None:
                resp.close()  # cancelled or failed before the head: nothing to release
            conn.close()
            if isinstance(exc, OSError) and not isinstance(exc, ClientError):
                raise ClientOSError(*exc.args) from exc
            raise

    # -- lifetime --------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the session and, if it owns it, the connector."""
        self._deadlines.close()
        if self._connector is not None:
            if self._connector_owner:
                await self._connector.close()
            self._connector = None

    @property
    def closed(self) -> bool:
        """``True`` once the session was closed."""
        return self._connector is None or self._connector.closed

    def __init_subclass__(cls) -> None:
        warnings.warn(
            f"Inheritance class {cls.__name__} from ClientSession is discouraged", DeprecationWarning, stacklevel=2
        )

    def detach(self) -> None:
        """Forget the connector without closing it."""
        self._connector = None

    _source_traceback: Optional[traceback.StackSummary] = None

    def __del__(self, _warnings: Any = warnings) -> None:
        if not hasattr(self, "_connector"):
            return  # the constructor raised: nothing was opened
        if not self.closed:  # connector_owner=False included, as in aiohttp
            _warnings.warn(f"Unclosed client session {self!r}", ResourceWarning, source=self)
            context: dict[str, Any] = {"client_session": self, "message": "Unclosed client session"}
            if self._source_traceback is not None:
                context["source_traceback"] = self._source_traceback
            self._loop.call_exception_handler(context)  # a closed loop's too, as aiohttp

    async def __aenter__(self) -> "ClientSession":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self.close()


def _body_replayable(req: ClientRequest) -> bool:
    body = req.body
    return not isinstance(body, Payload) or body.rewind()


def _when_written(task: "asyncio.Task[None]", callback: Callable[[], None]) -> None:
    """Call *callback* once the request body's writer *task* is done."""
    if task.done():
        callback()
    else:
        task.add_done_callback(lambda _: callback())


def _settle(waiter: "asyncio.Future[Any]") -> None:
    """Mark a head future as handled, so asyncio does not log its exception."""
    if waiter.done():
        if not waiter.cancelled():
            waiter.exception()
    else:
        waiter.cancel()


def request(
    method: str,
    url: Union[str, URL],
    *,
    version: HttpVersion = HttpVersion11,
    connector: Optional[BaseConnector] = None,
    loop: Optional[asyncio.AbstractEventLoop] = None,
    **kwargs: Any,
) -> _SessionRequestContextManager:
    """Make one request with a throw-away session (reference: ``request``).

    Use as ``async with aiohttp_client.request("GET", url) as resp:``; the session
    (and, unless *connector* is given, its connector) closes with the response.
    """
    if connector is None:  # one request: its connection is not kept (as aiohttp does)
        connector = TCPConnector(loop=loop, force_close=True)
        owner = True
    else:
        owner = False
    session = ClientSession(loop=loop, version=version, connector=connector, connector_owner=owner)
    return _SessionRequestContextManager(session._request(method, url, **kwargs), session)
