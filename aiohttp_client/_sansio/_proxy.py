"""Proxies, sans-IO: which proxy a request uses, the fields sent to it, and the
``CONNECT`` request that opens a tunnel (reference: ``client_advanced.rst``, "Proxy
support"; RFC 9110 §9.3.6 for CONNECT, §11.7.2 for Proxy-Authorization).

The environment is passed in as a mapping (``os.environ`` by the caller), so every
rule here is a pure function:

- Only ``http_proxy``, ``https_proxy``, ``ws_proxy`` and ``wss_proxy`` are read, each
  for its own scheme (``ws://`` never falls back to ``http_proxy``), as aiohttp does;
  ``all_proxy`` is never read (aiohttp does not read it either), whatever it names;
  a ``socks5://`` (or ``socks4://``, ``socks4a://``, ``socks5h://``) value in one of
  the four is a SOCKS proxy (``_net/_socks``).  Names are matched case-insensitively as urllib's
  ``getproxies_environment`` does: the all-lower-case name wins, and an empty
  lower-case variable switches its scheme off.  ``HTTP_PROXY`` in any other case
  is ignored when ``REQUEST_METHOD`` is set (a CGI script would otherwise take the
  client's ``Proxy:`` request header for its proxy, "httpoxy").
- ``NO_PROXY`` is a comma- or space-separated list: ``*`` (everything), a host name
  (itself and its subdomains, a leading ``.`` or ``*.`` is ignored; never a bare
  suffix: ``example.com`` does not match ``badexample.com``), an IP address or a CIDR
  network, each optionally with ``:port``.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Optional, Union

from yarl import URL

from .._models import HttpVersion11
from ._basic_auth import BasicAuth
from ._http_writer import serialize_head

__all__ = (
    "ProxyRule",
    "SOCKS_SCHEMES",
    "check_proxy",
    "is_http_proxy",
    "connect_request",
    "no_proxy_rules",
    "proxy_from_environ",
    "proxy_fields",
    "bypasses_proxy",
)

PROXY_SCHEMES = frozenset({"http", "https"})
#: The request schemes a proxy is read from the environment for (``<scheme>_proxy``).
ENV_PROXY_SCHEMES = frozenset({"http", "https", "ws", "wss"})
#: SOCKS proxy schemes (``_net/_socks``); the request itself then goes as to the origin.
SOCKS_SCHEMES = frozenset({"socks4", "socks4a", "socks5", "socks5h"})
_IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class ProxyRule(NamedTuple):
    """One ``NO_PROXY`` entry: a domain (lower case, no leading dot) or a network,
    and a port (``None``: any).
    """

    domain: Optional[str]
    network: Optional[_IPNetwork]
    port: Optional[int]


def check_proxy(proxy: URL, proxy_auth: Optional[BasicAuth]) -> tuple[URL, Optional[BasicAuth]]:
    """Validate a proxy URL and its credentials; return the URL without userinfo
    and the credentials (from *proxy_auth* or from the URL's userinfo).

    Schemes: ``http``, ``https``, and the :data:`SOCKS_SCHEMES` (whether python-socks
    is installed is checked by the caller, ``_net/_socks.check_socks``).

    :raises ValueError: another scheme, no host, *proxy_auth* that is not a
        :class:`BasicAuth`, or credentials both in the URL and in *proxy_auth*.
    """
    if proxy_auth is not None and not isinstance(proxy_auth, BasicAuth):
        raise ValueError("proxy_auth must be None or BasicAuth() tuple")
    scheme = proxy.scheme
    if (scheme not in PROXY_SCHEMES and scheme not in SOCKS_SCHEMES) or not proxy.raw_host:
        shown = str(proxy.with_user(None)) if proxy.absolute else str(proxy)  # no credentials in messages
        raise ValueError(
            "Only http://, https:// and SOCKS (socks4://, socks4a://, socks5://, socks5h://) "
            f"proxies are supported, got {shown!r}"
        )
    url_auth = BasicAuth.from_url(proxy)
    if url_auth is not None:
        if proxy_auth is not None:
            raise ValueError("Cannot combine proxy_auth with credentials in the proxy URL")
        proxy_auth = url_auth
        proxy = proxy.with_user(None)
    return proxy, proxy_auth


def is_http_proxy(proxy: Optional[URL]) -> bool:
    """Whether *proxy* is an HTTP proxy, which reads plain-HTTP requests itself
    (absolute-form, ``Proxy-Authorization``); a SOCKS proxy only carries bytes.
    """
    return proxy is not None and proxy.scheme not in SOCKS_SCHEMES


def proxy_fields(proxy_auth: Optional[BasicAuth], proxy_headers: Optional[Mapping[str, str]]) -> list[tuple[str, str]]:
    """The fields for the proxy: *proxy_headers*, then ``Proxy-Authorization``."""
    fields = list(proxy_headers.items()) if proxy_headers else []
    if proxy_auth is not None:
        fields = [(k, v) for k, v in fields if k.lower() != "proxy-authorization"]
        fields.append(("Proxy-Authorization", proxy_auth.encode()))
    return fields


def authority(host: str, port: Optional[int]) -> str:
    """``host:port`` for a request-target in authority-form (RFC 9112 §3.2.3)."""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}"


def connect_request(host: str, port: Optional[int], fields: Iterable[tuple[str, str]]) -> bytes:
    """``CONNECT host:port HTTP/1.1`` with ``Host`` and *fields* (RFC 9110 §9.3.6).

    *host* is the ASCII (IDNA) host.

    :raises ValueError: a forbidden character in a field.
    """
    target = authority(host, port)
    head = [("Host", target), *fields]
    return serialize_head("CONNECT", target, HttpVersion11, head)


def proxy_from_environ(environ: Mapping[str, str], scheme: str) -> Optional[str]:
    """The proxy URL the environment names for *scheme* (``http``, ``https``,
    ``ws``, ``wss``), or ``None``.
    """
    if scheme not in ENV_PROXY_SCHEMES:
        return None
    wanted = f"{scheme}_proxy"
    found: Optional[str] = None
    for name, value in environ.items():  # any case first
        if value and name.lower() == wanted:
            found = value
    if scheme == "http" and "REQUEST_METHOD" in environ:
        found = None  # httpoxy: only the lower-case name below counts
    if wanted in environ:  # the lower-case name wins, empty or not
        found = environ[wanted] or None
    return found


def no_proxy_rules(value: str) -> list[ProxyRule]:
    """Parse a ``NO_PROXY`` value; ``*`` becomes a rule with an empty domain."""
    rules = []
    for entry in value.replace(",", " ").split():
        host, port = _split_port(entry.strip())
        try:
            network: Optional[_IPNetwork] = ipaddress.ip_network(host, strict=False)
        except ValueError:
            network = None
        if network is not None:
            rules.append(ProxyRule(None, network, port))
        else:
            domain = host.lower().lstrip("*").lstrip(".")
            rules.append(ProxyRule(domain, None, port))
    return rules


def bypasses_proxy(host: str, port: Optional[int], rules: Iterable[ProxyRule]) -> bool:
    """Whether *host* (and *port*) matches a ``NO_PROXY`` rule."""
    host = host.lower().rstrip(".")
    if host.startswith("["):
        host = host[1:-1]
    try:
        address: Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]] = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for rule in rules:
        if rule.port is not None and rule.port != port:
            continue
        if rule.network is not None:
            if address is not None and address.version == rule.network.version and address in rule.network:
                return True
        elif rule.domain is not None and (rule.domain == "" or host == rule.domain or host.endswith("." + rule.domain)):
            return True
    return False


def _split_port(entry: str) -> tuple[str, Optional[int]]:
    if entry.startswith("["):  # [v6] or [v6]:port
        end = entry.find("]")
        rest = entry[end + 1 :]
        return entry[1:end], int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None
