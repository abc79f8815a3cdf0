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

from .._sansio._basic_auth import BasicAuth
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


def explicit_proxy(proxy: Any, proxy_auth: Optional[BasicAuth], proxy_headers: Any) -> dict[str, Any]:
    """``proxy``, ``proxy_auth`` and ``proxy_headers`` keywords for a request made
    with an explicit *proxy* (``str`` or :class:`~yarl.URL`; ``None``: none).

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
        return {"proxy": None, "proxy_auth": None, "proxy_headers": None}
    try:
        url, auth = check_proxy(URL(proxy), proxy_auth)
        check_socks(url, socks_credentials(auth, proxy_headers) if url.scheme in SOCKS_SCHEMES else None)
    except ValueError as exc:
        raise InvalidUrlClientError(_shown(proxy), str(exc)) from exc
    return {"proxy": url, "proxy_auth": auth, "proxy_headers": proxy_headers}


def _shown(proxy: Any) -> Any:
    """*proxy* as an exception may show it: without its credentials."""
    try:
        url = URL(proxy)
        if url.absolute and (url.raw_user is not None or url.raw_password is not None):
            return url.with_user(None)
    except ValueError:
        pass
    return proxy


async def with_env_settings(kwargs: dict[str, Any], url: URL) -> dict[str, Any]:
    """*kwargs* for one request (or redirect hop) to *url* with ``trust_env=True``:
    the environment's proxy unless one was given, and origin credentials from netrc
    unless the request has some.  The netrc file is read in a worker thread, off
    the event loop.
    """
    return await asyncio.get_running_loop().run_in_executor(None, _env_settings, kwargs, url)


def _env_settings(kwargs: dict[str, Any], url: URL) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if kwargs.get("proxy") is None:
        found = env_proxy_for(url)
        if found is not None:
            changes["proxy"], changes["proxy_auth"] = found
    if kwargs.get("auth") is None and url.raw_user is None and "Authorization" not in kwargs.get("headers", ()):
        auth = netrc_auth_for(url.host)
        if auth is not None:
            changes["auth"] = auth
    return dict(kwargs, **changes) if changes else kwargs
