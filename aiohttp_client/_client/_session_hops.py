"""What changes from one hop of a request to the next (the session's redirect policy
glue over :mod:`.._sansio._redirects`): the arguments of each hop's ``ClientRequest``
(the request's fields over the session's, auth, cookies, proxy, environment), cookies
stored from each hop's response, and the follow-up request after a redirect (RFC 9110
§15.4).  A mixin of ``ClientSession``.
"""

from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any, Optional

from multidict import CIMultiDict, istr
from yarl import URL

from .. import hdrs
from .._net._proxy_env import explicit_proxy, with_env_settings
from .._sansio._basic_auth import BasicAuth
from .._sansio._redirects import BadRedirect, redirect_headers, redirect_method, redirect_url, same_origin
from ..abc import AbstractCookieJar
from ..client_exceptions import (
    ClientPayloadError,
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    TooManyRedirects,
)
from ..cookiejar import CookieJar, _UnlimitedCookieJar
from ..payload import Payload
from ._client_request import ClientRequest
from ._client_response import ClientResponse

__all__ = ("_RedirectHops",)

_NO_PROXY: dict[str, Any] = {"proxy": None, "proxy_auth": None, "proxy_headers": None}


def _has_userinfo(url: URL) -> bool:
    return url.raw_user is not None or url.raw_password is not None


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

    def _merged_headers(self, headers: Any, auth: Optional[BasicAuth], url: URL) -> "CIMultiDict[str]":
        """The request's fields over the session's (:meth:`_prepare_headers`).

        :raises ValueError: an Authorization field together with credentials.
        """
        merged = self._prepare_headers(headers) if headers else self._default_headers  # never mutated
        if hdrs.AUTHORIZATION in merged and (auth or self._auth_for(url, url) or url.raw_user):
            raise ValueError("Cannot combine AUTHORIZATION header with AUTH argument or credentials encoded in URL")
        return merged

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

    def _auth_for(self, url: URL, first: URL) -> Optional[BasicAuth]:
        """The session's own auth for a hop to *url* of a request first sent to
        *first*: only inside the origin it is bound to, ``base_url``'s when the
        session has one, else *first*'s.  A redirect to another origin does not get
        it (RFC 9110 §15.4; requests' CVE-2018-18074; aiohttp sends it everywhere),
        a hop back to that origin does (§11.5: the protection space is the origin).
        Credentials in *url* replace it.
        """
        if self._default_auth is None or _has_userinfo(url):
            return None
        anchor = self._base_url if self._base_url is not None else first
        if url is not anchor and not same_origin(url, anchor):
            return None
        return self._default_auth

    def _hop_args(self, kwargs: Any, url: URL, first: URL) -> Any:
        """The ClientRequest arguments for one hop to *url* of a request first sent
        to *first*: the request's own auth (dropped by :meth:`_redirect_kwargs` on a
        cross-origin hop), else the session's (:meth:`_auth_for`); the jar's cookies
        for *url* under the per-request ones.  *kwargs* itself when none of that
        changes anything (an empty jar, no cookies, no auth: nothing is copied).
        """
        given = kwargs["auth"]
        auth = given if given is not None or self._default_auth is None else self._auth_for(url, first)
        cookies = self._cookies_for(url, kwargs["cookies"])
        if auth is given and cookies is None and kwargs["cookies"] is None:
            return kwargs
        return dict(kwargs, auth=auth, cookies=cookies)

    async def _hop_kwargs(self, kwargs: Any, url: URL, first: URL) -> Any:
        """:meth:`_hop_args` with ``trust_env``: the environment's proxy and netrc."""
        return await with_env_settings(dict(self._hop_args(kwargs, url, first)), url)

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
        if not same_origin(url, new_url) or _has_userinfo(new_url):
            kwargs["auth"] = None  # credentials in the new URL replace the old ones
        elif _has_userinfo(url):  # the URL's credentials go on to its own origin (item 5)
            kwargs["auth"] = BasicAuth.from_url(url)
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
