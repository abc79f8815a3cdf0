"""What a request needs from its URL, read once per ``URL`` object, and the default
fields of a request that adds none (used by ``ClientRequest``).

yarl's properties each cost a Python call; a session sends many requests to the same
``URL`` objects, so the facts are kept in a small bounded cache keyed by ``id`` and
checked by identity.
"""

import sys
from typing import Optional

from multidict import CIMultiDict
from yarl import URL

from .. import hdrs
from .._models import ConnectionKey, __version__
from .._sansio._compression import supported_encodings
from ..resolver import is_noncanonical_ipv4

__all__ = ("USER_AGENT", "DEFAULT_FIELDS", "Target", "target", "host_header")

USER_AGENT = f"Python/{sys.version_info[0]}.{sys.version_info[1]} aiohttp_client/{__version__}"
#: the auto fields besides Host and User-Agent (``ClientRequest.DEFAULT_HEADERS``)
DEFAULT_FIELDS = {hdrs.ACCEPT: "*/*", hdrs.ACCEPT_ENCODING: supported_encodings()}
_HTTP_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_SSL_SCHEMES = frozenset({"https", "wss"})
_CACHE_SIZE = 256


def host_header(url: URL) -> str:
    """The ``Host`` field value for *url* (RFC 9110 §7.2): an IPv6 literal in brackets,
    the port only when it is given and not the scheme's default.
    """
    host = url.raw_host or ""
    if ":" in host:
        host = f"[{host}]"
    if url.explicit_port is not None and not url.is_default_port():
        host = f"{host}:{url.port}"
    return host


class Target:
    """The facts of one ``URL`` object: scheme and host checks, port, TLS, ``Host``
    field, request-target, userinfo, the default fields and the serialized heads.
    """

    __slots__ = (
        "url",
        "scheme_ok",
        "host",
        "host_ok",
        "port",
        "is_ssl",
        "host_header",
        "path_qs",
        "userinfo",
        "default_fields",
        "heads",
        "plain_key",
    )

    def __init__(self, url: URL) -> None:
        self.url = url
        scheme = url.scheme
        host = url.raw_host
        self.scheme_ok = scheme in _HTTP_SCHEMES
        self.host = host or ""
        self.host_ok = bool(host) and not is_noncanonical_ipv4(self.host)
        self.port = url.port
        self.is_ssl = scheme in _SSL_SCHEMES
        self.host_header = host_header(url)
        self.path_qs = url.raw_path_qs or "/"
        self.userinfo = url.raw_user is not None or url.raw_password is not None
        #: the fields of a request that adds none (copied: a copy is cheaper than a build)
        self.default_fields = CIMultiDict(
            [(hdrs.HOST, self.host_header), *DEFAULT_FIELDS.items(), (hdrs.USER_AGENT, USER_AGENT)]
        )
        #: method -> the serialized HTTP/1.1 head of a request with just those fields
        self.heads: dict[str, bytes] = {}
        #: the ``ConnectionKey`` of a request with default TLS, no proxy and no
        #: ``server_hostname`` (``ClientRequest.connection_key``; made on first use)
        self.plain_key: Optional[ConnectionKey] = None


_TARGETS: "dict[int, Target]" = {}


def target(url: URL) -> Target:
    """The :class:`Target` of *url* (bounded cache: cleared when full)."""
    found = _TARGETS.get(id(url))
    if found is not None and found.url is url:
        return found
    if len(_TARGETS) >= _CACHE_SIZE:
        _TARGETS.clear()
    found = _TARGETS[id(url)] = Target(url)
    return found
