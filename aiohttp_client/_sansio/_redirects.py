"""Redirect policy, free of I/O (RFC 9110 §15.4).

- 301/302 turn POST into GET (what every browser does; §15.4.2, §15.4.3 allow it);
  303 turns every method but HEAD into GET (§15.4.4); 307/308 keep method and body.
- The Location is a URI-reference resolved against the current URL (§10.2.2, RFC 3986
  §5.2): a scheme-relative one (``//host:port/path``, RFC 3986 §4.2) takes the current
  scheme; a Location without a fragment inherits the current one (RFC 9110 §10.2.2).
  Only http/https targets are followed.
- When the method becomes GET the body and its fields go.  When the origin changes
  (scheme, host or port: RFC 6454 §4; https -> http on one host counts), every copy of
  Authorization, Proxy-Authorization and Cookie goes, compared case-insensitively
  (RFC 9110 §15.4: credentials must not leak to another origin; the jar decides the
  new cookies afresh), and so does Host.
"""

from typing import Optional

from multidict import CIMultiDict
from yarl import URL

from .. import hdrs

__all__ = (
    "REDIRECT_STATUSES",
    "BadRedirect",
    "Origin",
    "origin",
    "redirect_method",
    "redirect_url",
    "redirect_headers",
    "same_origin",
)


class BadRedirect(ValueError):
    """The Location cannot be followed; ``non_http`` tells a non-http(s) scheme from
    a malformed URL.  The session maps it onto the public
    ``NonHttpUrlRedirectClientError`` / ``InvalidUrlRedirectClientError``.
    """

    def __init__(self, location: str, description: str, *, non_http: bool = False) -> None:
        super().__init__(location, description)
        self.location = location
        self.description = description
        self.non_http = non_http


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BODY_FIELDS = (hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH, hdrs.CONTENT_ENCODING, hdrs.TRANSFER_ENCODING)


def redirect_method(method: str, status: int) -> str:
    """The method of the follow-up request."""
    if status == 303 and method != "HEAD":
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


def redirect_url(current: URL, location: str, requote: bool = True) -> URL:
    """Resolve *location* against *current*; the fragment is kept from *current* when
    the Location has none (§10.2.2).

    :raises BadRedirect: *location* is not a usable URL, or not http or https.
    """
    try:
        target = URL(location, encoded=not requote)
    except ValueError as exc:
        raise BadRedirect(location, "Server attempted redirecting to a location that does not look like a URL") from exc
    scheme = target.scheme
    if scheme and scheme not in ("http", "https"):
        raise BadRedirect(location, "Server attempted redirecting to a non-http URL", non_http=True)
    if scheme and not target.raw_host:
        if scheme != current.scheme or location[len(scheme) + 1 :].startswith("//"):
            raise BadRedirect(location, "Invalid redirect URL origin")
        # "http:/path" or "http:path" on an http URL: a reference to the current
        # authority, as browsers resolve it (RFC 3986 §5.2.2's non-strict parsers).
        target = URL(location[len(scheme) + 1 :] or "/", encoded=not requote)
    if not target.scheme:  # a relative reference, scheme-relative ones included (§4.2)
        target = current.join(target)
    if not target.raw_host:
        raise BadRedirect(location, "Redirect URL has no host")
    if not target.fragment and current.fragment:
        target = target.with_fragment(current.fragment)
    return target


_CREDENTIAL_FIELDS = (hdrs.AUTHORIZATION, hdrs.PROXY_AUTHORIZATION, hdrs.COOKIE)


#: ``(scheme, host, port)`` of a URL, lower case (RFC 6454 §4)
Origin = tuple[str, str, Optional[int]]


def origin(url: URL) -> Origin:
    """*url*'s origin: scheme and host lower case, and the port (the scheme's
    default when the URL has none).
    """
    return url.scheme.lower(), (url.raw_host or "").lower(), url.port


def same_origin(old: URL, new: URL) -> bool:
    """``True`` when *old* and *new* share scheme, host and port (RFC 6454 §4)."""
    return origin(old) == origin(new)


def redirect_headers(headers: "CIMultiDict[str]", old: URL, new: URL, method_changed: bool) -> "CIMultiDict[str]":
    """The fields to send on the follow-up request."""
    out = CIMultiDict(headers)
    out.popall(hdrs.HOST, None)
    if method_changed:
        for name in _BODY_FIELDS:
            out.popall(name, None)
    if not same_origin(old, new):
        for name in _CREDENTIAL_FIELDS:
            out.popall(name, None)
    return out
