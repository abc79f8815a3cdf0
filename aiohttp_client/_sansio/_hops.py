"""One immutable record per call and one per hop, and the pure functions between them
(issue 16 part 2).

- :class:`Call`: what the user asked for, once per ``session.request()``, after the
  session's defaults were merged (its fields over the session's, ``base_url``, the
  explicit proxy).  Built by the session; never changed.
- :class:`Hop`: what one hop sends: method, URL (userinfo taken out), body, fields, the
  one credential it sends, the request's own cookies still carried, the proxy.
  :func:`first_hop` builds the first from the call, :func:`next_hop` each next one from
  the last one and the redirect response (RFC 9110 §15.4, the :mod:`._redirects`
  policy).
- :class:`BoundAuth`: a credential and the one origin (RFC 6454 §4: scheme, host, port)
  it may be sent to, with where it came from.  Credentials written in the URL and
  ``auth=`` are bound to the URL's origin and go on to the hops that stay there; once a
  hop leaves that origin they are gone for good (a hop back does not restore them, as
  in aiohttp 3.14).  The session's ``auth`` is bound to ``base_url``'s origin, else to
  the origin of the URL asked for, and every hop inside it gets it, a hop back included
  (RFC 9110 §11.5: the protection space is the origin; aiohttp sends it everywhere
  without ``base_url``).  netrc credentials (``trust_env``) are bound to the hop's own
  origin and looked up again on every hop; proxy credentials to the proxy's origin.

Nothing here does I/O: the session reads the cookie jar, the environment and netrc,
and rewinds the body, around these functions.
"""

from collections.abc import Iterable
from typing import Any, NamedTuple, Optional

from multidict import CIMultiDict
from yarl import URL

from ._basic_auth import BasicAuth
from ._redirects import Origin, origin, redirect_headers, redirect_method

__all__ = (
    "FROM_ARGUMENT",
    "FROM_NETRC",
    "FROM_PROXY",
    "FROM_SESSION",
    "FROM_URL",
    "BoundAuth",
    "Call",
    "Hop",
    "Redirect",
    "bind",
    "first_hop",
    "has_userinfo",
    "next_hop",
    "session_auth_for",
)

#: Where a credential came from (:attr:`BoundAuth.source`).
FROM_URL = "url"  # the userinfo of the URL asked for (or of a redirect's Location)
FROM_ARGUMENT = "auth="  # the request's auth= argument
FROM_SESSION = "session"  # ClientSession(auth=...)
FROM_NETRC = "netrc"  # trust_env: the netrc entry of the hop's host
FROM_PROXY = "proxy"  # proxy_auth=, the proxy URL's userinfo, or netrc for the proxy's host

#: The sources a credential goes on from one hop to the next with (while the origin
#: stays the same); the others are decided again on every hop.
_CARRIED = frozenset({FROM_URL, FROM_ARGUMENT})


class BoundAuth(NamedTuple):
    """A credential bound to the one origin it may be sent to."""

    #: the credentials (a :class:`BasicAuth`; ``auth=`` is type-checked by the request)
    auth: BasicAuth
    #: ``(scheme, host, port)``, lower case (:func:`._redirects.origin`)
    origin: Origin
    #: one of ``FROM_*``
    source: str

    def allows(self, url: URL) -> bool:
        """``True`` when *url* is inside the origin this credential is bound to."""
        return origin(url) == self.origin


def bind(auth: Optional[BasicAuth], url: Optional[URL], source: str) -> Optional[BoundAuth]:
    """*auth* bound to *url*'s origin (``None`` when there is no *auth*; an *auth*
    without a *url*, e.g. ``proxy_auth`` without a proxy, is bound to no origin).
    """
    if auth is None:
        return None
    return BoundAuth(auth, origin(url) if url is not None else ("", "", None), source)


def has_userinfo(url: URL) -> bool:
    """*url* has a user or a password (RFC 3986 §3.2.1)."""
    return url.raw_user is not None or url.raw_password is not None


def session_auth_for(auth: Optional[BasicAuth], base_url: Optional[URL], url: URL) -> Optional[BoundAuth]:
    """The session's *auth* for a call to *url*: bound to *base_url*'s origin when
    the session has one, else to *url*'s.
    """
    if auth is None:
        return None
    return BoundAuth(auth, origin(base_url if base_url is not None else url), FROM_SESSION)


class Call(NamedTuple):
    """What one call asked for, with the session's defaults merged in (built once per
    ``session.request()``; the fields after ``traces`` steer the session's loop).
    """

    method: str
    #: the URL asked for, joined to ``base_url``; userinfo still in it
    url: URL
    params: Any
    #: the body as given (a payload, or what ``ClientRequest`` turns into one), or ``None``
    data: Any
    #: the request's fields over the session's (never mutated)
    headers: "CIMultiDict[str]"
    #: the request's over the session's (a frozenset of ``istr`` from the session)
    skip_auto_headers: Optional[Iterable[str]]
    #: ``auth=`` of the request, not bound yet (:func:`first_hop` binds it)
    auth: Optional[BasicAuth]
    #: the session's auth, bound (:func:`session_auth_for`)
    session_auth: Optional[BoundAuth]
    #: ``cookies=`` of the request (the jar's are added per hop by the session)
    cookies: Any
    compress: Any
    chunked: Optional[bool]
    expect100: bool
    ssl: Any
    server_hostname: Optional[str]
    #: the explicit proxy (the request's, else the session's), checked, userinfo out
    proxy: Optional[URL]
    #: its credentials, bound to the proxy's origin
    proxy_auth: Optional[BoundAuth]
    proxy_headers: Any
    #: the request's ``Trace`` objects (empty when no trace config is set)
    traces: Any = ()
    #: the session's per-request settings (``_session._Options``)
    options: Any = None
    allow_redirects: bool = True
    max_redirects: int = 10
    middlewares: Any = None
    upload_tracker: Any = None
    raise_for_status: Any = None


class Hop(NamedTuple):
    """What one hop of a call sends."""

    call: Call
    method: str
    #: the hop's URL without userinfo (that is in :attr:`auth`), before ``params``
    url: URL
    #: the call's ``params`` on the first hop, ``None`` after a redirect
    params: Any
    #: the body, or ``None`` (none, or dropped when a redirect turned the method into GET)
    data: Any
    headers: "CIMultiDict[str]"
    #: the credential this hop sends in ``Authorization``, or ``None``
    auth: Optional[BoundAuth]
    #: the request's ``cookies=``, ``None`` once a hop left the first origin
    cookies: Any
    proxy: Optional[URL]
    proxy_auth: Optional[BoundAuth]


class Redirect(NamedTuple):
    """What :func:`next_hop` needs from a redirect response."""

    status: int
    #: the Location, resolved against the last hop's URL (:func:`._redirects.redirect_url`)
    url: URL
    #: the method the redirected request was sent with
    method: str
    #: the body it was sent with (sent again when the method stays, RFC 9110 §15.4.8)
    body: Any


_tuple_new = tuple.__new__


def _url_credential(url: URL) -> tuple[URL, Optional[BoundAuth]]:
    """*url* without its userinfo, and the userinfo as a credential bound to its
    origin (percent-decoded, latin-1, as :meth:`BasicAuth.from_url`).

    :raises ValueError: the decoded user contains ``":"`` (RFC 7617 §2).
    """
    return url.with_user(None), bind(BasicAuth.from_url(url), url, FROM_URL)


def first_hop(call: Call) -> Hop:
    """The first hop of *call*: credentials written in the URL, else ``auth=``, else
    the session's auth when the URL is inside its origin.

    :raises ValueError: credentials both in the URL and in ``auth=``.
    """
    method, url, params, data, headers, _, given, session_auth, cookies = call[:9]  # one unpacking, no lookups
    if url.raw_user is not None or url.raw_password is not None:  # has_userinfo(url), inline
        if given is not None:
            raise ValueError("Cannot combine AUTH argument with credentials encoded in URL")
        url, auth = _url_credential(url)
    elif given is not None:
        auth = BoundAuth(given, origin(url), FROM_ARGUMENT)
    else:
        auth = session_auth
        if auth is not None and not auth.allows(url):
            auth = None
    hop = (call, method, url, params, data, headers, auth, cookies, call.proxy, call.proxy_auth)
    return _tuple_new(Hop, hop)  # as Hop(...), without binding its Python __new__'s parameters


def next_hop(last: Hop, redirect: Redirect) -> Hop:
    """The hop after *last* was answered with *redirect* (RFC 9110 §15.4).

    The method becomes GET as :func:`._redirects.redirect_method` says, and then the
    body and its fields go; otherwise the body is sent again.  ``params`` went into the
    last URL.  Fields as :func:`._redirects.redirect_headers` keeps them.  The
    credential: the new URL's own userinfo, else the last hop's URL or ``auth=``
    credential while the new URL is inside its origin, else the session's auth when
    it is inside that one's.  The request's cookies go on while the origin stays.
    """
    call = last.call
    method = redirect_method(redirect.method, redirect.status)
    changed = method != redirect.method
    url = redirect.url
    headers = redirect_headers(last.headers, last.url, url, changed)
    carried = last.auth
    if has_userinfo(url):
        url, auth = _url_credential(url)
    elif carried is not None and carried.source in _CARRIED and carried.allows(url):
        auth = carried
    else:
        auth = call.session_auth
        if auth is not None and not auth.allows(url):
            auth = None
    cookies = last.cookies if last.cookies is not None and origin(url) == origin(last.url) else None
    data = None if changed else redirect.body
    return _tuple_new(Hop, (call, method, url, None, data, headers, auth, cookies, call.proxy, call.proxy_auth))
