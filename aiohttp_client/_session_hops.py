"""What changes from one hop of a request to the next (the session's redirect policy
glue over :mod:`._sansio._redirects`): the arguments of each hop's ``ClientRequest``
(auth, cookies, proxy, environment), cookies stored from each hop's response, and the
follow-up request after a redirect (RFC 9110 §15.4).  A mixin of ``ClientSession``.
"""

from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any, Callable, Optional

from multidict import istr
from yarl import URL

from . import hdrs
from ._client_request import ClientRequest
from ._client_response import ClientResponse
from ._proxy_env import explicit_proxy, with_env_settings
from ._sansio._basic_auth import BasicAuth
from ._sansio._redirects import BadRedirect, redirect_headers, redirect_method, redirect_url, same_origin
from .abc import AbstractCookieJar
from .client_exceptions import (
    ClientPayloadError,
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    TooManyRedirects,
)
from .cookiejar import CookieJar, _UnlimitedCookieJar
from .payload import Payload

__all__ = ("_RedirectHops",)

_NO_PROXY: dict[str, Any] = {"proxy": None, "proxy_auth": None, "proxy_headers": None}


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
    _merged_headers: Callable[[Any, Optional[BasicAuth], URL], Any]

    def _request_kwargs(
        self,
        url: URL,
        params: Any,
        data: Any,
        headers: Any,
        skip_auto_headers: Any,
        auth: Optional[BasicAuth],
        cookies: Any,
        compress: Any,
        chunked: Optional[bool],
    ) -> dict[str, Any]:
        """The ClientRequest arguments a request to *url* starts with (its first
        hop's, before the per-hop ones, the proxy's and the TLS ones).

        :raises ValueError: an Authorization field together with credentials.
        """
        return {
            "params": params,
            "data": data,
            "headers": self._merged_headers(headers, auth, url),
            "skip_auto_headers": self._merged_skip(skip_auto_headers),
            "auth": auth,
            "cookies": cookies,
            "compress": compress,
            "chunked": chunked,
        }

    def _merged_skip(self, skip_auto_headers: Optional[Iterable[str]]) -> "frozenset[istr]":
        if not skip_auto_headers:
            return self._skip_auto_headers
        return self._skip_auto_headers.union(istr(h) for h in skip_auto_headers)

    def _proxy_kwargs(self, proxy: Any, proxy_auth: Optional[BasicAuth], proxy_headers: Any) -> dict[str, Any]:
        """The request's proxy settings, the session's as defaults (validated)."""
        if proxy is None and self._default_proxy is None and proxy_auth is None and proxy_headers is None:
            return _NO_PROXY  # no proxy: nothing to check (read only, never mutated)
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

    def _auth_for(self, url: URL) -> Optional[BasicAuth]:
        if self._default_auth is None or url.raw_user:
            return None
        if self._base_url is not None and url.origin() != self._base_url.origin():
            return None
        return self._default_auth

    def _hop_args(self, kwargs: Any, url: URL) -> Any:
        """The ClientRequest arguments for one hop to *url*: a per-request auth is
        dropped on a cross-origin hop while the session's own auth is decided afresh
        for every URL (as aiohttp 3.14 does); the jar's cookies for *url* under the
        per-request ones.  *kwargs* itself when none of that changes anything (an
        empty jar, no cookies, no auth: nothing is copied).
        """
        given = kwargs["auth"]
        auth = given if given is not None or self._default_auth is None else self._auth_for(url)
        cookies = self._cookies_for(url, kwargs["cookies"])
        if auth is given and cookies is None and kwargs["cookies"] is None:
            return kwargs
        return dict(kwargs, auth=auth, cookies=cookies)

    async def _hop_kwargs(self, kwargs: Any, url: URL) -> Any:
        """:meth:`_hop_args` with ``trust_env``: the environment's proxy and netrc."""
        return await with_env_settings(dict(self._hop_args(kwargs, url)), url)

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

    async def _next_hop(
        self, req: ClientRequest, resp: ClientResponse, location: str, kwargs: Any, url: URL
    ) -> tuple[str, URL, Any]:
        """The method, URL and request arguments of the request after redirect *resp*."""
        for trace in req._traces:
            await trace.send_request_redirect(req.method, req.url, req.headers, resp)
        resp.release()
        await req.close()  # a body writer still running ends before the body is reused
        new_method = redirect_method(req.method, resp.status)
        new_url = self._redirect_url(resp, location)
        return new_method, new_url, self._redirect_kwargs(kwargs, req, resp, url, new_url, new_method)

    @staticmethod
    def _redirect_kwargs(
        kwargs: Any, req: ClientRequest, resp: ClientResponse, url: URL, new_url: URL, new_method: str
    ) -> Any:
        """The ClientRequest arguments of the follow-up request (``_redirects`` policy)."""
        method_changed = new_method != req.method
        kwargs = dict(kwargs, params=None, headers=redirect_headers(kwargs["headers"], url, new_url, method_changed))
        if method_changed:
            kwargs["data"] = None
        elif isinstance(req.body, Payload):
            if not req.body.rewind():
                resp.close()
                raise ClientPayloadError(
                    "Cannot follow redirect with a consumed request body. Use bytes, "
                    "a seekable file-like object, or set allow_redirects=False."
                )
            kwargs["data"] = req.body
        if not same_origin(url, new_url) or new_url.raw_user:
            kwargs["auth"] = None  # credentials in the new URL replace the old ones
        if not same_origin(url, new_url):
            kwargs["cookies"] = None
        return kwargs

    def _redirect_url(self, resp: ClientResponse, location: str) -> URL:
        try:
            return redirect_url(resp.real_url, location, self._requote_redirect_url)
        except BadRedirect as exc:
            resp.close()
            if exc.non_http:
                raise NonHttpUrlRedirectClientError(location) from exc
            raise InvalidUrlRedirectClientError(location, exc.description) from exc


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
