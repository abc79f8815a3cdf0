"""What changes from one hop of a request to the next (the session's side of
:mod:`.._sansio._hops`, which builds the call and hop records): the call's fields over
the session's, its proxy, the cookie jar's cookies for each hop's URL, cookies stored
from each hop's response, and the hop after a redirect (RFC 9110 §15.4), with what
needs I/O around the pure function (trace signals, releasing the response, rewinding
the body).  A mixin of ``ClientSession``.
"""

import asyncio
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any, Optional, Union

from multidict import CIMultiDict, istr
from yarl import URL

from .. import hdrs
from .._models import HttpVersion
from .._net._proxy_env import explicit_proxy
from .._sansio._basic_auth import BasicAuth
from .._sansio._hops import BoundAuth, Hop, Redirect, has_userinfo, next_hop, session_auth_for
from .._sansio._redirects import BadRedirect, redirect_url, same_origin
from ..abc import AbstractCookieJar
from ..client_exceptions import (
    ClientPayloadError,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    TooManyRedirects,
)
from ..cookiejar import CookieJar, _UnlimitedCookieJar
from ..payload import Payload
from ._client_request import ClientRequest
from ._client_response import ClientResponse

__all__ = ("_RedirectHops",)

_NO_PROXY: tuple[None, None, None] = (None, None, None)
_URL_CACHE_SIZE = 256


class _RedirectHops:
    """Per-hop decisions of a ``ClientSession`` (it provides the attributes below)."""

    _cookie_jar: AbstractCookieJar
    _default_auth: Optional[BasicAuth]
    _default_proxy: Optional[URL]
    _default_proxy_auth: Optional[BasicAuth]
    _base_url: Optional[URL]
    _trust_env: bool
    _requote_redirect_url: bool
    _skip_auto_headers: "frozenset[istr]"
    _default_headers: "CIMultiDict[str]"
    _urls: dict[str, URL]
    _request_class: type[ClientRequest]
    _response_class: type[ClientResponse]
    _version: HttpVersion
    _loop: asyncio.AbstractEventLoop

    def _set_request_defaults(
        self,
        headers: Any,
        skip_auto_headers: Optional[Iterable[str]],
        auth: Optional[BasicAuth],
        proxy: Any,
        proxy_auth: Optional[BasicAuth],
    ) -> None:
        """The defaults every request of the session starts from (its fields over
        these, :meth:`_merged_headers`; its proxy, :meth:`_proxy_args`).
        """
        self._default_headers: CIMultiDict[str] = CIMultiDict(headers or {})
        self._skip_auto_headers = frozenset(istr(h) for h in (skip_auto_headers or ()))
        self._default_auth, self._default_proxy_auth = auth, proxy_auth
        self._default_proxy = URL(proxy) if proxy is not None else None

    def _session_auth(self, url: URL) -> Optional[BoundAuth]:
        """The session's auth for a call to *url*, bound (:func:`.._sansio._hops.session_auth_for`)."""
        auth = self._default_auth
        return None if auth is None else session_auth_for(auth, self._base_url, url)

    def _build_url(self, str_or_url: Union[str, URL]) -> URL:
        """The request URL: parsed once per distinct string (a bounded cache), then
        joined to ``base_url`` when relative.
        """
        if type(str_or_url) is str:
            url = self._urls.get(str_or_url)
            if url is not None:
                return url
        try:
            url = URL(str_or_url)
        except (ValueError, TypeError) as exc:
            raise InvalidUrlClientError(str_or_url) from exc
        if self._base_url is not None and not url.is_absolute():
            url = self._base_url.join(url)
        if type(str_or_url) is str:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[str_or_url] = url
        return url

    def _new_request(self, hop: Hop) -> ClientRequest:
        """One hop's request, of the session's ``request_class`` (a subclass is built
        with aiohttp's keyword arguments, which subclasses expect), with the jar's
        cookies for the hop's URL under the request's own.
        """
        cookies = self._cookies_for(hop.url, hop.cookies)
        if self._request_class is ClientRequest:
            req = ClientRequest._for_session(hop, cookies, self)
        else:
            req = self._request_class(
                hop.method,
                hop.url,
                loop=self._loop,
                version=self._version,
                session=self,
                response_class=self._response_class,
                **_request_kwargs(hop, cookies),
            )
        return req

    def _merged_headers(self, headers: Any, auth: Optional[BasicAuth], url: URL) -> "CIMultiDict[str]":
        """The request's fields over the session's (:meth:`_prepare_headers`), for a
        call to *url* with *auth*.

        :raises ValueError: an Authorization field together with credentials (*auth*,
            the session's auth for *url*, or credentials in *url*).
        """
        merged = self._prepare_headers(headers) if headers else self._default_headers  # never mutated
        if hdrs.AUTHORIZATION in merged and (auth or self._session_auth_applies(url) or url.raw_user):
            raise ValueError("Cannot combine AUTHORIZATION header with AUTH argument or credentials encoded in URL")
        return merged

    def _session_auth_applies(self, url: URL) -> bool:
        """The session's auth would be sent to *url* (the first hop of a call)."""
        if self._default_auth is None or has_userinfo(url):
            return False
        anchor = self._base_url
        return anchor is None or url is anchor or same_origin(url, anchor)

    def _prepare_headers(self, headers: Any) -> "CIMultiDict[str]":
        """The session's default headers overridden by *headers* (a mapping, a
        multidict or pairs): a name given in *headers* replaces every default of that
        name, and repeated names in *headers* are all kept.  Returns a new
        ``CIMultiDict`` (aiohttp's private hook, used by caching libraries).
        """
        result = CIMultiDict(self._default_headers)
        if headers:
            items = headers.items() if hasattr(headers, "items") else headers
            added: set[str] = set()
            for name, value in items:
                key = name.lower()
                if key in added:
                    result.add(name, value)
                else:
                    result[name] = value
                    added.add(key)
        return result

    def _merged_skip(self, skip_auto_headers: Optional[Iterable[str]]) -> "frozenset[istr]":
        if not skip_auto_headers:
            return self._skip_auto_headers
        return self._skip_auto_headers.union(istr(h) for h in skip_auto_headers)

    def _proxy_args(
        self, proxy: Any, proxy_auth: Optional[BasicAuth], proxy_headers: Any
    ) -> tuple[Optional[URL], Optional[BoundAuth], Any]:
        """The request's proxy settings, the session's as defaults (validated), the
        credentials bound to the proxy's origin.
        """
        if proxy is None and self._default_proxy is None and proxy_auth is None and proxy_headers is None:
            return _NO_PROXY  # no proxy: nothing to check
        if proxy is None:
            proxy = self._default_proxy
            proxy_auth = proxy_auth if proxy_auth is not None else self._default_proxy_auth
        return explicit_proxy(proxy, proxy_auth, proxy_headers)

    def _cookies_for(self, url: URL, cookies: Any) -> Any:
        """The jar's cookies for *url* with the per-request *cookies* over them."""
        jar = self._cookie_jar
        ours = isinstance(jar, CookieJar)
        found = jar.filter_cookies(url) if len(jar) or not ours else None
        if not cookies:
            return (found if ours else _by_name(found)) or None
        request_jar = _UnlimitedCookieJar(
            quote_cookie=jar.quote_cookie,
            unsafe=getattr(jar, "unsafe", False),
            treat_as_secure_origin=getattr(jar, "treat_as_secure_origin", None),
        )
        request_jar.update_cookies(cookies)
        merged: SimpleCookie = SimpleCookie()
        if found:
            merged.update(found)
        merged.update(request_jar.filter_cookies(url))
        return _by_name(merged)

    def _store_cookies(self, resp: ClientResponse) -> None:
        """Every hop's ``Set-Cookie`` fields go to the jar, for that hop's URL; a
        failing jar closes the response (its connection is not reused).
        """
        set_cookies = resp.headers.getall(hdrs.SET_COOKIE, None)
        if set_cookies:
            try:
                self._cookie_jar.update_cookies_from_headers(set_cookies, resp.url)
            except BaseException:
                resp.close()
                raise

    @staticmethod
    def _redirect_location(resp: ClientResponse, history: list[ClientResponse], max_redirects: int) -> Optional[str]:
        """The Location of a redirect *resp*, which joins *history*, or ``None``
        when it has none.  Counted as aiohttp 3.14 does: every 3xx with a redirect
        status joins the history; the max_redirects-th one raises (0: no limit).
        """
        history.append(resp)
        if max_redirects and len(history) >= max_redirects:
            resp.close()
            raise TooManyRedirects(history[0].request_info, tuple(history))
        return resp.headers.get(hdrs.LOCATION) or resp.headers.get(hdrs.URI)

    async def _next_hop(self, req: ClientRequest, resp: ClientResponse, location: str, last: Hop) -> Hop:
        """The hop after redirect *resp* to *location* (:func:`.._sansio._hops.next_hop`);
        the body, when it goes again (307, 308), is rewound first.

        :raises ClientPayloadError: that body cannot be sent again (it was consumed).
        """
        for trace in req._traces:
            await trace.send_request_redirect(req.method, req.url, req.headers, resp)
        resp.release()
        await req.close()  # a body writer still running ends before the body is reused
        url = self._redirect_url(resp, location)
        body = req.body if isinstance(req.body, Payload) else last.data
        hop = next_hop(last, Redirect(resp.status, url, req.method, body))
        if isinstance(hop.data, Payload) and not hop.data.rewind():
            resp.close()
            raise ClientPayloadError(
                "Cannot follow redirect with a consumed request body. Use bytes, "
                "a seekable file-like object, or set allow_redirects=False."
            )
        return hop

    def _redirect_url(self, resp: ClientResponse, location: str) -> URL:
        try:
            return redirect_url(resp.real_url, location, self._requote_redirect_url)
        except BadRedirect as exc:
            resp.close()
            if exc.non_http:
                raise NonHttpUrlRedirectClientError(location) from exc
            raise InvalidUrlRedirectClientError(location, exc.description) from exc


def _request_kwargs(hop: Hop, cookies: Any) -> dict[str, Any]:
    """*hop* as aiohttp's ``ClientRequest`` keyword arguments (for a session's
    ``request_class`` subclass); ``traces`` only when the call is traced.
    """
    call = hop.call
    auth, proxy_auth = hop.auth, hop.proxy_auth
    kwargs = {
        "params": hop.params,
        "data": hop.data,
        "headers": hop.headers,
        "skip_auto_headers": call.skip_auto_headers,
        "auth": auth.auth if auth is not None else None,
        "cookies": cookies,
        "compress": call.compress,
        "chunked": call.chunked,
        "expect100": call.expect100,
        "proxy": hop.proxy,
        "proxy_auth": proxy_auth.auth if proxy_auth is not None else None,
        "proxy_headers": call.proxy_headers,
        "ssl": call.ssl,
        "server_hostname": call.server_hostname,
    }
    if call.traces:
        kwargs["traces"] = call.traces
    return kwargs


def _by_name(cookies: Any) -> Any:
    """*cookies* in the order aiohttp 3.14 sends them: by name (it writes the Cookie
    field with ``SimpleCookie.output()``, which sorts).
    """
    if not cookies or len(cookies) < 2:
        return cookies
    ordered: SimpleCookie = SimpleCookie()
    for name in sorted(cookies):
        dict.__setitem__(ordered, name, cookies[name])
    return ordered
