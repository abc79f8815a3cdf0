"""Session and request parameters that need checking or mapping, as aiohttp 3.14
does: the deprecated TLS aliases (``verify_ssl``/``fingerprint``/``ssl_context``),
timeouts (``timeout``, deprecated ``read_timeout``/``conn_timeout``) and the
deprecated ``auth``/``proxy_auth`` (reference: ``ClientSession``).
"""

import asyncio
import warnings
from typing import Any, Optional, Union

import attr
from yarl import URL

from .._models import sentinel
from .._net._tls import SSL_ALLOWED_TYPES, Fingerprint
from ..abc import AbstractCookieJar
from ..connector import BaseConnector, TCPConnector
from ..cookiejar import CookieJar
from ._timeouts import DEFAULT_TIMEOUT, ClientTimeout

__all__ = (
    "checked_base_url",
    "checked_request_args",
    "frozen_trace_configs",
    "merge_ssl",
    "request_timeout",
    "session_connector",
    "session_cookie_jar",
    "session_timeout",
    "warn_auth_params",
)

_NO_ALIASES = (None, None, None)
_EXCLUSIVE = "verify_ssl, ssl_context, fingerprint and ssl parameters are mutually exclusive"


def merge_ssl(
    ssl: Any, verify_ssl: Optional[bool], ssl_context: Any, fingerprint: Optional[bytes], stacklevel: int = 4
) -> Any:
    """The ``ssl=`` value after the deprecated aliases (each warns with
    :exc:`DeprecationWarning`, as in aiohttp 3.14).

    :raises ValueError: an alias together with ``ssl=`` or another alias.
    :raises TypeError: *ssl* of a type ``ssl=`` does not accept.
    """
    if ssl is None:
        ssl = True
    if verify_ssl is not None:
        warnings.warn("verify_ssl is deprecated, use ssl=False instead", DeprecationWarning, stacklevel=stacklevel)
        if not verify_ssl:
            if ssl is not True:
                raise ValueError(_EXCLUSIVE)
            ssl = False
    if ssl_context is not None:
        warnings.warn("ssl_context is deprecated, use ssl=context instead", DeprecationWarning, stacklevel=stacklevel)
        if ssl is not True:
            raise ValueError(_EXCLUSIVE)
        ssl = ssl_context
    if fingerprint is not None:
        warnings.warn(
            "fingerprint is deprecated, use ssl=Fingerprint(fingerprint) instead",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        if ssl is not True:
            raise ValueError(_EXCLUSIVE)
        ssl = Fingerprint(fingerprint)
    if not isinstance(ssl, (*SSL_ALLOWED_TYPES, Fingerprint)):
        raise TypeError(f"ssl should be SSLContext, Fingerprint, or bool, got {ssl!r} instead.")
    return ssl


def session_timeout(timeout: Any, read_timeout: Any, conn_timeout: Optional[float]) -> ClientTimeout:
    """The session's :class:`ClientTimeout` from ``timeout=`` and the deprecated
    ``read_timeout=`` (total) and ``conn_timeout=`` (connect), as aiohttp 3.14.

    :raises ValueError: *timeout* is not a ``ClientTimeout``, or is given together
        with a deprecated one.
    """
    if timeout is sentinel or timeout is None:
        result = DEFAULT_TIMEOUT
        if read_timeout is not sentinel:
            warnings.warn("read_timeout is deprecated, use timeout argument instead", DeprecationWarning, stacklevel=3)
            result = attr.evolve(result, total=read_timeout)
        if conn_timeout is not None:
            warnings.warn("conn_timeout is deprecated, use timeout argument instead", DeprecationWarning, stacklevel=3)
            result = attr.evolve(result, connect=conn_timeout)
        return result
    if not isinstance(timeout, ClientTimeout):
        raise ValueError(
            f"timeout parameter cannot be of {type(timeout)} type, please use 'timeout=ClientTimeout(...)'"
        )
    if read_timeout is not sentinel:
        raise ValueError("read_timeout and timeout parameters conflict, please setup timeout.read")
    if conn_timeout is not None:
        raise ValueError("conn_timeout and timeout parameters conflict, please setup timeout.connect")
    return timeout


def request_timeout(timeout: Any, default: ClientTimeout) -> ClientTimeout:
    """A request's ``timeout=``: a ``ClientTimeout``, or a number (or ``None``) for
    the total, as aiohttp 3.14 accepts it.
    """
    if timeout is sentinel:
        return default
    if isinstance(timeout, ClientTimeout):
        return timeout
    return ClientTimeout(total=timeout)


def warn_auth_params(auth: Any, proxy_auth: Any, stacklevel: int) -> None:
    """Aiohttp 3.14 deprecates ``auth=`` and ``proxy_auth=`` in favour of headers."""
    if auth is not None:
        warnings.warn(
            "The 'auth' parameter is deprecated and will be removed in v4; pass "
            "headers={'Authorization': aiohttp.encode_basic_auth(login, password)} instead",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
    if proxy_auth is not None:
        warnings.warn(
            "The 'proxy_auth' parameter is deprecated and will be removed in v4; pass "
            "proxy_headers={'Proxy-Authorization': aiohttp.encode_basic_auth(login, password)} instead",
            DeprecationWarning,
            stacklevel=stacklevel,
        )


def checked_request_args(
    ssl: Any, aliases: tuple[Optional[bool], Any, Optional[bytes]], auth: Any, proxy_auth: Any, data: Any, json: Any
) -> Any:
    """A request's ``ssl=`` after its deprecated *aliases* (``(verify_ssl,
    ssl_context, fingerprint)``, :func:`merge_ssl`), with the deprecation warnings of
    ``auth``/``proxy_auth`` attributed to the caller of ``ClientSession.request``
    (called from ``ClientSession._request`` only).

    :raises ValueError: conflicting TLS arguments, or both *data* and *json*.
    :raises TypeError: *ssl* of a type ``ssl=`` does not accept.
    """
    if ssl is not True or aliases != _NO_ALIASES:
        ssl = merge_ssl(ssl, *aliases, stacklevel=5)
    if auth is not None or proxy_auth is not None:
        warn_auth_params(auth, proxy_auth, stacklevel=5)
    if data is not None and json is not None:
        raise ValueError("data and json parameters can not be used at the same time")
    return ssl


def checked_base_url(base_url: Union[str, URL, None]) -> Optional[URL]:
    """A session's ``base_url``.  :raises ValueError: its path lacks the trailing ``/``."""
    if base_url is None:
        return None
    url = URL(base_url)
    if not url.path.endswith("/"):
        raise ValueError("base_url must have a trailing '/'")
    return url


def session_connector(
    connector: Optional[BaseConnector], loop: asyncio.AbstractEventLoop, ssl_shutdown_timeout: Any, http2: Any = None
) -> BaseConnector:
    """The session's connector: *connector*, or a new ``TCPConnector`` on *loop*
    (with *http2*, ``TCPConnector``'s argument, when given).

    :raises RuntimeError: *connector* runs on another event loop.
    :raises ValueError: *http2* given together with *connector* (the connector's
        setting rules; say it in one place).
    """
    if connector is not None:
        if http2 is not None:
            raise ValueError("http2 is TCPConnector's setting: pass it to the connector or the session, not both")
        if connector._loop is not loop:
            raise RuntimeError("Session and connector has to use same event loop")
        return connector
    extra: dict[str, Any] = {} if ssl_shutdown_timeout is sentinel else {"ssl_shutdown_timeout": ssl_shutdown_timeout}
    if http2 is not None:
        extra["http2"] = http2
    return TCPConnector(loop=loop, **extra)


def session_cookie_jar(cookie_jar: Optional[AbstractCookieJar], cookies: Any, loop: Any) -> AbstractCookieJar:
    """The session's jar (a new :class:`CookieJar` unless given) holding *cookies*."""
    jar = cookie_jar if cookie_jar is not None else CookieJar(loop=loop)
    if cookies:
        jar.update_cookies(cookies)
    return jar


def frozen_trace_configs(trace_configs: Optional[list[Any]]) -> list[Any]:
    """The session's trace configs, each frozen (no signal handler added later)."""
    configs = list(trace_configs or ())
    for config in configs:
        config.freeze()
    return configs
