"""``trust_env=True``: proxies from the environment and credentials from ``.netrc``
(reference: ``ClientSession(trust_env=...)`` and "Proxy support").

The rules are in :mod:`.._sansio._proxy`; this module reads ``os.environ`` and the
netrc file (``$NETRC``, else ``~/.netrc``, ``~/_netrc`` on Windows).  Both are read
on every call, so a redirect to another scheme or host picks its own proxy and
credentials.
"""

import asyncio
import logging
import netrc
import os
import pathlib
from typing import Any, Optional

from yarl import URL

from .. import hdrs
from .._sansio._basic_auth import BasicAuth
from .._sansio._hops import FROM_NETRC, FROM_PROXY, BoundAuth, Hop, bind
from .._sansio._proxy import SOCKS_SCHEMES, bypasses_proxy, check_proxy, no_proxy_rules, proxy_from_environ
from ..client_exceptions import InvalidUrlClientError
from ._socks import check_socks, socks_credentials

_log = logging.getLogger("aiohttp_client.client")

__all__ = ("env_proxy_for", "explicit_proxy", "netrc_auth_for", "with_env_settings")


def _netrc_path() -> Optional[pathlib.Path]:
    given = os.environ.get("NETRC")
    if given:
        return pathlib.Path(given)
    try:
        home = pathlib.Path.home()
    except RuntimeError:  # no home directory
        return None
    return home / ("_netrc" if os.name == "nt" else ".netrc")


def netrc_auth_for(host: Optional[str]) -> Optional[BasicAuth]:
    """Credentials for *host* from the netrc file, or ``None`` (no file, no entry,
    or a file that does not parse: that one is logged on ``aiohttp_client.client``).
    """
    path = _netrc_path()
    if not host or path is None or not path.is_file():
        return None
    try:
        entries = netrc.netrc(str(path))
    except (netrc.NetrcParseError, OSError) as exc:
        _log.warning("could not read .netrc file %s: %s", path, exc)
        return None
    found = entries.authenticators(host)
    if found is None:
        return None
    login, account, password = found
    return BasicAuth.unwarned(login or account or "", password or "")


def env_proxy_for(url: URL) -> Optional[tuple[URL, Optional[BasicAuth]]]:
    """The proxy and its credentials the environment names for *url*, or ``None``
    (no proxy variable for its scheme, or ``NO_PROXY`` matches it).

    Credentials come from the proxy URL, else from netrc for the proxy's host.

    :raises ValueError: the environment names an unsupported proxy, or a SOCKS proxy
        without python-socks installed (the message names ``aiohttp_client[socks]``).
    """
    environ = os.environ
    value = proxy_from_environ(environ, url.scheme)
    if value is None:
        return None
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    if no_proxy and bypasses_proxy(url.raw_host or "", url.port, no_proxy_rules(no_proxy)):
        return None
    if "://" not in value:
        value = "http://" + value
    proxy, auth = check_proxy(URL(value), None)
    if auth is None:
        auth = netrc_auth_for(proxy.host)
    check_socks(proxy, auth)
    return proxy, auth


def explicit_proxy(
    proxy: Any, proxy_auth: Optional[BasicAuth], proxy_headers: Any
) -> tuple[Optional[URL], Optional[BoundAuth], Any]:
    """``(proxy, proxy_auth, proxy_headers)`` of a request made with an explicit
    *proxy* (``str`` or :class:`~yarl.URL`; ``None``: none, and nothing else either),
    the credentials bound to the proxy's origin.

    :raises InvalidUrlClientError: (a ``ValueError``) an unusable proxy URL, see
        :func:`~.._sansio._proxy.check_proxy`, or a SOCKS proxy without python-socks
        installed (the message names ``aiohttp_client[socks]``) or with credentials
        SOCKS cannot carry (:func:`~._socks.check_socks`).
    :raises ValueError: *proxy_auth* is not a :class:`BasicAuth`.
    :raises TypeError: *proxy* is neither text nor a URL.
    """
    if proxy_auth is not None and not isinstance(proxy_auth, BasicAuth):
        raise ValueError("proxy_auth must be None or BasicAuth() tuple")
    if proxy is None:
        return None, None, None
    try:
        url, auth = check_proxy(URL(proxy), proxy_auth)
        check_socks(url, socks_credentials(auth, proxy_headers) if url.scheme in SOCKS_SCHEMES else None)
    except ValueError as exc:
        raise InvalidUrlClientError(_shown(proxy), str(exc)) from exc
    return url, bind(auth, url, FROM_PROXY), proxy_headers


def _shown(proxy: Any) -> Any:
    """*proxy* as an exception may show it: without its credentials."""
    try:
        url = URL(proxy)
        if url.absolute and (url.raw_user is not None or url.raw_password is not None):
            return url.with_user(None)
    except ValueError:
        pass
    return proxy


async def with_env_settings(hop: Hop) -> Hop:
    """*hop* with ``trust_env=True``: the environment's proxy unless the call named
    one, and the netrc credentials of the hop's host (bound to its origin) unless the
    hop sends some or has an ``Authorization`` field.  The netrc file is read in a
    worker thread, off the event loop; both are read again for every hop.
    """
    return await asyncio.get_running_loop().run_in_executor(None, _env_settings, hop)


def _env_settings(hop: Hop) -> Hop:
    changes: dict[str, Any] = {}
    url = hop.url
    if hop.proxy is None:
        found = env_proxy_for(url)
        if found is not None:
            changes["proxy"] = found[0]
            changes["proxy_auth"] = bind(found[1], found[0], FROM_PROXY)
    if hop.auth is None and hdrs.AUTHORIZATION not in hop.headers:
        auth = netrc_auth_for(url.host)
        if auth is not None:
            changes["auth"] = bind(auth, url, FROM_NETRC)
    return hop._replace(**changes) if changes else hop
