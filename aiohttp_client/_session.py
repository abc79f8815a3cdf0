"""``ClientSession`` and the module-level ``request()`` (reference: "Client Session").

A request goes through four short layers, one concern each:
``_request`` (merge the session defaults, total timeout) -> ``_send_with_redirects``
(the redirect loop, ``_redirects`` policy) -> middlewares -> ``_send_once`` (one
request on one connection: connect timeout, write, read the head).
"""

import asyncio
import json
import urllib.request
import warnings
from collections.abc import Awaitable, Iterable, Sequence
from http.cookies import SimpleCookie
from types import TracebackType
from typing import Any, Callable, Optional, Union

import attr
from multidict import CIMultiDict, istr
from yarl import URL

from . import hdrs
from ._client_request import ClientRequest
from ._client_response import ClientResponse
from ._consts import sentinel
from ._context_managers import _RequestContextManager, _SessionRequestContextManager
from ._models import HttpVersion, HttpVersion11
from ._netrc import netrc_auth
from ._sansio._basic_auth import BasicAuth
from ._sansio._redirects import REDIRECT_STATUSES, BadRedirect, redirect_headers, redirect_method, redirect_url
from ._timeouts import DEFAULT_TIMEOUT, ClientTimeout, timeout_after, timeout_at
from .abc import AbstractCookieJar
from .client_exceptions import (
    ClientError,
    ClientOSError,
    ConnectionTimeoutError,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    ServerDisconnectedError,
    TooManyRedirects,
)
from .client_middlewares import build_client_middlewares
from .connector import BaseConnector, Connection, TCPConnector
from .cookiejar import CookieJar, _UnlimitedCookieJar
from .payload import JsonPayload, Payload
from .tracing import TraceConfig, make_traces, trace_request_exception, trace_request_start

__all__ = ("ClientSession", "request")

Handler = Callable[[ClientRequest], Awaitable[ClientResponse]]
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


@attr.s(auto_attribs=True, frozen=True, slots=True)
class _Options:
    """Per-request settings after merging the session's defaults."""

    timeout: ClientTimeout
    read_until_eof: bool
    auto_decompress: bool
    read_bufsize: int
    max_line_size: int
    max_field_size: int
    max_headers: int


class ClientSession:
    """The first-class interface for making HTTP requests (reference: ``ClientSession``).

    Unsupported in this release (they raise ``NotImplementedError`` when given):
    ``proxy``, and ``trust_env=True`` when the environment names
    a proxy for the request.  ``Set-Cookie`` fields of every response (redirect
    hops included) go to :attr:`cookie_jar` (a :class:`CookieJar` unless given).
    """

    def __init_subclass__(cls) -> None:
        warnings.warn(
            f"Inheritance class {cls.__name__} from ClientSession is discouraged", DeprecationWarning, stacklevel=2
        )

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
        request_class: type[ClientRequest] = ClientRequest,
        response_class: type[ClientResponse] = ClientResponse,
        ws_response_class: Any = None,
        version: HttpVersion = HttpVersion11,
        cookie_jar: Any = None,
        connector_owner: bool = True,
        raise_for_status: Union[bool, Callable[[ClientResponse], Awaitable[None]]] = False,
        timeout: Any = sentinel,
        auto_decompress: bool = True,
        trust_env: bool = False,
        requote_redirect_url: bool = True,
        trace_configs: Optional[list[Any]] = None,
        middlewares: Sequence[Any] = (),
        read_bufsize: int = 2**16,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        fallback_charset_resolver: Callable[[ClientResponse, bytes], str] = lambda r, b: "utf-8",
        ssl_shutdown_timeout: Any = sentinel,
    ) -> None:
        _refuse_unsupported(proxy=proxy)
        if timeout is not sentinel and timeout is not None and not isinstance(timeout, ClientTimeout):
            raise ValueError(
                f"timeout parameter cannot be of {type(timeout)} type, please use 'timeout=ClientTimeout(...)'"
            )
        self._loop = loop or asyncio.get_running_loop()
        self._cookie_jar: AbstractCookieJar = cookie_jar if cookie_jar is not None else CookieJar(loop=self._loop)
        if cookies:
            self._cookie_jar.update_cookies(cookies)
        self._connector: Optional[BaseConnector] = connector or TCPConnector(loop=self._loop)
        self._connector_owner = connector_owner
        self._base_url = URL(base_url) if base_url is not None else None
        if self._base_url is not None and self._base_url.path and not self._base_url.path.endswith("/"):
            raise ValueError("base_url must have a trailing '/'")
        self._default_headers: CIMultiDict[str] = CIMultiDict(headers or {})
        self._skip_auto_headers = frozenset(istr(h) for h in (skip_auto_headers or ()))
        self._default_auth = auth
        self._json_serialize = json_serialize
        self._request_class = request_class
        self._response_class = response_class
        self._ws_response_class = ws_response_class
        self._version = version
        self._raise_for_status = raise_for_status
        self._timeout = DEFAULT_TIMEOUT if timeout is sentinel else _as_timeout(timeout)
        self._auto_decompress = auto_decompress
        self._trust_env = trust_env
        self._requote_redirect_url = requote_redirect_url
        self._middlewares = tuple(middlewares)
        self._trace_configs: list[TraceConfig] = list(trace_configs or ())
        for trace_config in self._trace_configs:
            trace_config.freeze()
        self._limits = (read_bufsize, max_line_size, max_field_size, max_headers)
        self._resolve_charset = fallback_charset_resolver
        self._default_options = _Options(self._timeout, True, auto_decompress, *self._limits)

    # -- the public verbs ------------------------------------------------------------

    def request(self, method: str, url: Union[str, URL], **kwargs: Any) -> "_RequestContextManager":
        """Perform an HTTP request; usable with ``await`` and with ``async with``."""
        return _RequestContextManager(self._request(method, url, **kwargs))

    def get(self, url: Union[str, URL], *, allow_redirects: bool = True, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_GET, url, allow_redirects=allow_redirects, **kwargs)

    def options(self, url: Union[str, URL], *, allow_redirects: bool = True, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_OPTIONS, url, allow_redirects=allow_redirects, **kwargs)

    def head(self, url: Union[str, URL], *, allow_redirects: bool = False, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_HEAD, url, allow_redirects=allow_redirects, **kwargs)

    def post(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_POST, url, data=data, **kwargs)

    def put(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_PUT, url, data=data, **kwargs)

    def patch(self, url: Union[str, URL], *, data: Any = None, **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_PATCH, url, data=data, **kwargs)

    def delete(self, url: Union[str, URL], **kwargs: Any) -> "_RequestContextManager":
        return self.request(hdrs.METH_DELETE, url, **kwargs)

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
        ssl: Any = True,
        server_hostname: Optional[str] = None,
        proxy_headers: Any = None,
        trace_request_ctx: Any = None,
        middlewares: Optional[Sequence[Any]] = None,
        read_bufsize: Optional[int] = None,
        auto_decompress: Optional[bool] = None,
        max_line_size: Optional[int] = None,
        max_field_size: Optional[int] = None,
        max_headers: Optional[int] = None,
    ) -> ClientResponse:
        if self.closed:
            raise RuntimeError("Session is closed")
        _refuse_unsupported(proxy=proxy)
        if data is not None and json is not None:
            raise ValueError("data and json parameters can not be used at the same time")
        if json is not None:
            data = JsonPayload(json, dumps=self._json_serialize)
        url = self._build_url(str_or_url)
        if self._trust_env:
            _refuse_env_proxy(url)
        opts = self._options(
            timeout, read_until_eof, auto_decompress, read_bufsize, max_line_size, max_field_size, max_headers
        )
        request_kwargs = dict(
            params=params,
            data=data,
            headers=self._merged_headers(headers),
            skip_auto_headers=self._merged_skip(skip_auto_headers),
            auth=auth if auth is not None else self._auth_for(url),
            cookies=cookies,
            compress=compress,
            chunked=chunked,
            expect100=expect100,
            ssl=ssl,
            server_hostname=server_hostname,
        )
        if self._trust_env and request_kwargs["auth"] is None and url.host and not url.raw_user:
            if hdrs.AUTHORIZATION not in request_kwargs["headers"]:
                request_kwargs["auth"] = await self._loop.run_in_executor(None, netrc_auth, url.host)
        if (
            request_kwargs["auth"] is not None or url.raw_user or url.raw_password
        ) and hdrs.AUTHORIZATION in request_kwargs["headers"]:
            raise ValueError("Cannot combine AUTHORIZATION header with AUTH argument or credentials encoded in URL")
        mws = self._middlewares if middlewares is None else tuple(middlewares)
        deadline = self._loop.time() + opts.timeout.total if opts.timeout.total else None
        traces = make_traces(self, self._trace_configs, trace_request_ctx) if self._trace_configs else None
        if traces:
            request_kwargs["headers"] = headers = CIMultiDict(request_kwargs["headers"])
            request_kwargs["traces"] = traces
            await trace_request_start(traces, method, url, headers, params)
        try:
            async with timeout_at(deadline):
                resp = await self._send_with_redirects(
                    method, url, request_kwargs, opts, allow_redirects, max_redirects, mws
                )
        except BaseException as exc:
            if traces:
                await trace_request_exception(traces, method, url, request_kwargs["headers"], params, exc)
            raise
        if traces:
            for trace in traces:
                await trace.send_request_end(resp.method, resp.url, request_kwargs["headers"], resp)
        resp._set_deadline(deadline)
        await self._check_status(resp, raise_for_status)
        return resp

    def _build_url(self, str_or_url: Union[str, URL]) -> URL:
        try:
            url = URL(str_or_url)
        except (ValueError, TypeError) as exc:
            raise InvalidUrlClientError(str_or_url) from exc
        if self._base_url is not None and not url.is_absolute():
            url = self._base_url.join(url)
        return url

    def _options(
        self, timeout: Any, read_until_eof: bool, auto_decompress: Optional[bool], *limits: Optional[int]
    ) -> _Options:
        if timeout is sentinel and read_until_eof and auto_decompress is None and limits == (None, None, None, None):
            return self._default_options
        merged = [given if given is not None else default for given, default in zip(limits, self._limits)]
        return _Options(
            self._timeout if timeout is sentinel else _as_timeout(timeout),
            read_until_eof,
            self._auto_decompress if auto_decompress is None else auto_decompress,
            *merged,
        )

    def _merged_headers(self, headers: Any) -> "CIMultiDict[str]":
        if not headers:
            return self._default_headers  # ClientRequest copies, never mutates it
        result = CIMultiDict(self._default_headers)
        if headers:
            for name, _value in headers.items() if hasattr(headers, "items") else headers:
                if name in result:
                    result.popall(name)
            result.extend(headers)
        return result

    def _merged_skip(self, skip_auto_headers: Optional[Iterable[str]]) -> "frozenset[istr]":
        if not skip_auto_headers:
            return self._skip_auto_headers
        return self._skip_auto_headers.union(istr(h) for h in skip_auto_headers)

    def _cookies_for(self, url: URL, cookies: Any) -> Any:
        """The jar's cookies for *url* with the per-request *cookies* over them."""
        jar = self._cookie_jar
        found = jar.filter_cookies(url) if len(jar) or not isinstance(jar, CookieJar) else None
        if not cookies:
            return found or None
        request_jar = _UnlimitedCookieJar(
            quote_cookie=jar.quote_cookie,
            unsafe=getattr(jar, "unsafe", False),
            treat_as_secure_origin=getattr(jar, "treat_as_secure_origin", None),
        )
        request_jar.update_cookies(cookies)
        merged = SimpleCookie()
        if found:
            merged.update(found)
        merged.update(request_jar.filter_cookies(url))
        return merged

    def _auth_for(self, url: URL) -> Optional[BasicAuth]:
        if self._default_auth is None or url.raw_user:
            return None
        if self._base_url is not None and url.origin() != self._base_url.origin():
            return None
        return self._default_auth

    async def _check_status(self, resp: ClientResponse, raise_for_status: Any) -> None:
        check = self._raise_for_status if raise_for_status is None else raise_for_status
        if check is True:
            resp.raise_for_status()
        elif check:
            await check(resp)

    # -- layer 2: redirects -------------------------------------------------------------

    async def _send_with_redirects(
        self,
        method: str,
        url: URL,
        kwargs: Any,
        opts: _Options,
        allow_redirects: bool,
        max_redirects: int,
        middlewares: tuple[Any, ...],
    ) -> ClientResponse:
        history: list[ClientResponse] = []
        request_cookies = kwargs.pop("cookies")
        while True:
            req = self._request_class(
                method,
                url,
                loop=self._loop,
                version=self._version,
                session=self,
                response_class=self._response_class,
                cookies=self._cookies_for(url, request_cookies),
                **kwargs,
            )
            resp = await self._with_middlewares(middlewares, opts, tuple(history))(req)
            set_cookies = resp.headers.getall(hdrs.SET_COOKIE, None)
            if set_cookies:  # every hop's cookies, stored for that hop's URL
                try:
                    self._cookie_jar.update_cookies_from_headers(set_cookies, resp.url)
                except BaseException:
                    resp.close()
                    raise
            location = resp.headers.get(hdrs.LOCATION) or resp.headers.get(hdrs.URI)
            if not allow_redirects or resp.status not in REDIRECT_STATUSES or location is None:
                return resp
            for trace in req._traces:
                await trace.send_request_redirect(req.method, req.url, req.headers, resp)
            history.append(resp)
            if len(history) > max_redirects:
                resp.close()
                raise TooManyRedirects(history[0].request_info, tuple(history))
            resp.release()
            new_method = redirect_method(req.method, resp.status)
            new_url = self._redirect_url(resp, location)
            kwargs = dict(
                kwargs, params=None, headers=redirect_headers(kwargs["headers"], url, new_url, new_method != req.method)
            )
            if new_method != req.method:
                kwargs["data"] = None
            if new_url.origin() != url.origin():
                kwargs["auth"] = None
            method, url = new_method, new_url

    def _redirect_url(self, resp: ClientResponse, location: str) -> URL:
        try:
            return redirect_url(resp.real_url, location, self._requote_redirect_url)
        except BadRedirect as exc:
            resp.close()
            if exc.non_http:
                raise NonHttpUrlRedirectClientError(location) from exc
            raise InvalidUrlRedirectClientError(location, exc.description) from exc

    def _with_middlewares(
        self, middlewares: tuple[Any, ...], opts: _Options, history: tuple[ClientResponse, ...]
    ) -> Handler:
        async def send(req: ClientRequest) -> ClientResponse:
            return await self._send_once(req, opts, history)

        return build_client_middlewares(send, middlewares) if middlewares else send

    # -- layer 3: one request on one connection ------------------------------------------------

    async def _send_once(
        self, req: ClientRequest, opts: _Options, history: tuple[ClientResponse, ...]
    ) -> ClientResponse:
        """Send *req* and read the response head.

        An idempotent request (RFC 9110 §9.2.2) that fails on a pooled connection
        before any response byte arrived is retried once on a new connection: the
        server may have closed the idle connection just as we reused it.
        """
        conn = await self._connect(req, opts)
        try:
            return await self._exchange(req, conn, opts, history)
        except (ServerDisconnectedError, ClientOSError):
            if not (conn.reused and req.method in _IDEMPOTENT and _body_replayable(req)):
                raise
        conn = await self._connect(req, opts)
        return await self._exchange(req, conn, opts, history)

    async def _connect(self, req: ClientRequest, opts: _Options) -> Connection:
        if self._connector is None:
            raise RuntimeError("Session is closed")
        try:
            if opts.timeout.connect is None:
                return await self._connector.connect(req, req._traces or None, opts.timeout)
            async with timeout_after(opts.timeout.connect):
                return await self._connector.connect(req, req._traces or None, opts.timeout)
        except asyncio.TimeoutError as exc:
            if isinstance(exc, ClientError):
                raise
            raise ConnectionTimeoutError(f"Connection timeout to host {req.url}") from exc

    async def _exchange(
        self, req: ClientRequest, conn: Connection, opts: _Options, history: tuple[ClientResponse, ...]
    ) -> ClientResponse:
        protocol = conn.protocol
        if protocol is None:  # pragma: no cover - a fresh connection always has one
            raise ClientOSError("Connection closed")
        waiter = protocol.expect_response(
            req.method,
            read_until_eof=opts.read_until_eof,
            auto_decompress=opts.auto_decompress,
            read_bufsize=opts.read_bufsize,
            read_timeout=opts.timeout.sock_read,
            max_line_size=opts.max_line_size,
            max_field_size=opts.max_field_size,
            max_headers=opts.max_headers,
        )
        try:
            await req.send(conn)
            resp = self._response_class(
                req.method,
                req.original_url,
                request_info=req.request_info,
                loop=self._loop,
                session=self,
                history=history,
                traces=req._traces or None,
            )
            resp._request = req
            return await resp.start(conn, waiter)
        except BaseException as exc:
            _settle(waiter)
            conn.close()
            if isinstance(exc, OSError) and not isinstance(exc, ClientError):
                raise ClientOSError(*exc.args) from exc
            raise

    # -- lifetime --------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the session and, if it owns it, the connector."""
        if self._connector is not None:
            if self._connector_owner:
                await self._connector.close()
            self._connector = None

    @property
    def closed(self) -> bool:
        """``True`` once the session was closed."""
        return self._connector is None or self._connector.closed

    @property
    def connector(self) -> Optional[BaseConnector]:
        return self._connector

    @property
    def cookie_jar(self) -> AbstractCookieJar:
        """The session's cookie jar (reference: ``ClientSession.cookie_jar``)."""
        return self._cookie_jar

    @property
    def trace_configs(self) -> "list[TraceConfig]":
        """The session's (frozen) trace configs."""
        return self._trace_configs

    @property
    def connector_owner(self) -> bool:
        return self._connector_owner

    @property
    def timeout(self) -> ClientTimeout:
        return self._timeout

    @property
    def headers(self) -> "CIMultiDict[str]":
        return self._default_headers

    @property
    def skip_auto_headers(self) -> "frozenset[istr]":
        return self._skip_auto_headers

    @property
    def auth(self) -> Optional[BasicAuth]:
        return self._default_auth

    @property
    def json_serialize(self) -> Callable[[Any], str]:
        return self._json_serialize

    @property
    def raise_for_status(self) -> Any:
        return self._raise_for_status

    @property
    def auto_decompress(self) -> bool:
        return self._auto_decompress

    @property
    def trust_env(self) -> bool:
        return self._trust_env

    @property
    def version(self) -> HttpVersion:
        return self._version

    @property
    def requote_redirect_url(self) -> bool:
        return self._requote_redirect_url

    @requote_redirect_url.setter
    def requote_redirect_url(self, value: bool) -> None:
        """Deprecated (as in aiohttp): pass ``requote_redirect_url=`` to the constructor."""
        warnings.warn("session.requote_redirect_url modification is deprecated", DeprecationWarning, stacklevel=2)
        self._requote_redirect_url = value

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """Deprecated (as in aiohttp): the session's event loop."""
        warnings.warn("client.loop property is deprecated", DeprecationWarning, stacklevel=2)
        return self._loop

    def detach(self) -> None:
        """Forget the connector without closing it."""
        self._connector = None

    def __del__(self, _warnings: Any = warnings) -> None:
        if getattr(self, "_connector", None) is None:
            return  # closed, detached, or __init__ refused its arguments
        if not self.closed and self._connector_owner:
            _warnings.warn(f"Unclosed client session {self!r}", ResourceWarning, source=self)

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
    return not isinstance(body, Payload) or body.as_bytes() is not None


def _settle(waiter: "asyncio.Future[Any]") -> None:
    """Mark a head future as handled, so asyncio does not log its exception."""
    if waiter.done():
        if not waiter.cancelled():
            waiter.exception()
    else:
        waiter.cancel()


def _as_timeout(timeout: Any) -> ClientTimeout:
    if timeout is None:
        return ClientTimeout()
    if isinstance(timeout, ClientTimeout):
        return timeout
    if isinstance(timeout, (int, float)):
        warnings.warn("timeout as a number is deprecated, use ClientTimeout", DeprecationWarning, stacklevel=4)
        return ClientTimeout(total=timeout)
    raise ValueError(f"timeout parameter cannot be of {type(timeout)} type, please use 'timeout=ClientTimeout(...)'")


def _refuse_env_proxy(url: URL) -> None:
    """``trust_env=True`` is honoured only where the environment names no proxy for
    *url*: proxies are not supported yet, and silently going direct would be wrong.
    """
    proxies = urllib.request.getproxies_environment()
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in typeshed
    if url.scheme in proxies and not bypass(url.raw_host or "", proxies):
        raise NotImplementedError(
            f"trust_env=True: the environment sets a {url.scheme} proxy, "
            "and proxies are not supported by aiohttp_client yet"
        )


def _refuse_unsupported(**given: Any) -> None:
    for name, value in given.items():
        if value:
            raise NotImplementedError(f"{name}= is not supported by aiohttp_client yet")


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
    session = ClientSession(loop=loop, version=version, connector=connector, connector_owner=connector is None)
    return _SessionRequestContextManager(session._request(method, url, **kwargs), session)
