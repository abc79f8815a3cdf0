"""Connector parameters that need mapping or a warning, as aiohttp 3.14 does: the
keep-alive timeout, the deprecated TLS aliases of ``TCPConnector`` and the
deprecated ``ssl_shutdown_timeout``, ``enable_cleanup_closed`` where the leak it
works around is fixed (reference: "Connectors").
"""

import sys
import warnings
from ssl import SSLContext
from typing import Any, Optional

from .._models import sentinel
from ._tls import Fingerprint

__all__ = ("keepalive_seconds", "cleanup_closed", "connector_ssl", "ssl_shutdown_grace")

#: CPython fixed the leak of TLS transports whose shutdown never completes in these
#: releases (python/cpython#118960); ``enable_cleanup_closed`` is a no-op there.
_TLS_LEAK_FIXED = sys.version_info >= (3, 13, 1) or (3, 12, 7) <= sys.version_info < (3, 13)


def keepalive_seconds(keepalive_timeout: Any, force_close: bool) -> float:
    """Seconds an idle connection is kept: 15 unless given, 0 with *force_close*.

    :raises ValueError: *keepalive_timeout* given together with ``force_close=True``.
    """
    if force_close:
        if keepalive_timeout is not None and keepalive_timeout is not sentinel:
            raise ValueError("keepalive_timeout cannot be set if force_close is True")
    elif keepalive_timeout is sentinel:
        keepalive_timeout = 15.0
    return 0.0 if keepalive_timeout in (None, sentinel) else float(keepalive_timeout)


def cleanup_closed(enable_cleanup_closed: bool, stacklevel: int) -> bool:
    """``enable_cleanup_closed``, warned about and ignored where CPython fixed the leak."""
    if enable_cleanup_closed and _TLS_LEAK_FIXED:
        warnings.warn(
            "enable_cleanup_closed ignored because the asyncio TLS connection leak "
            f"is fixed in Python {sys.version_info[:3]}",
            DeprecationWarning,
            stacklevel=stacklevel + 1,
        )
        return False
    return enable_cleanup_closed


def connector_ssl(ssl: Any, verify_ssl: bool, fingerprint: Optional[bytes], ssl_context: Any) -> Any:
    """``TCPConnector``'s ``ssl`` after the deprecated aliases, the last one winning."""
    if not verify_ssl:
        ssl = False
    if fingerprint is not None:
        ssl = Fingerprint(fingerprint)
    if ssl_context is not None:
        ssl = ssl_context
    if ssl is None:
        ssl = True
    elif not isinstance(ssl, (bool, SSLContext, Fingerprint)):
        raise TypeError(f"ssl should be SSLContext, bool, Fingerprint or None, got {ssl!r} instead.")
    return ssl


def ssl_shutdown_grace(ssl_shutdown_timeout: Any, stacklevel: int) -> float:
    """Seconds a TLS shutdown may take before the transport is aborted (0: abort at
    once); a given ``ssl_shutdown_timeout`` warns, as it is deprecated, and a non-zero
    one is ignored (with a warning) before Python 3.11.
    """
    if ssl_shutdown_timeout is sentinel:
        return 0.0
    warnings.warn(
        "The ssl_shutdown_timeout parameter is deprecated and will be removed in aiohttp 4.0",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )
    if ssl_shutdown_timeout and sys.version_info < (3, 11):
        warnings.warn(
            f"ssl_shutdown_timeout={ssl_shutdown_timeout} is ignored on Python < 3.11; "
            "only ssl_shutdown_timeout=0 is supported.",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
        return 0.0
    return float(ssl_shutdown_timeout) if ssl_shutdown_timeout else 0.0


def http2_multiplexer(connector: Any, http2: Any) -> Any:
    """The HTTP/2 side of *connector* for ``TCPConnector(http2=...)``
    (``_net._multiplex``, imported only now: with HTTP/2 off nothing of it loads).

    :raises ValueError: *http2* is not ``False``, ``True`` or ``"prior-knowledge"``.
    :raises RuntimeError: ``h2`` is not installed (the extra ``aiohttp_client[http2]``).
    """
    if http2 is not True and http2 != "prior-knowledge":
        raise ValueError(f"http2 must be False, True or 'prior-knowledge', not {http2!r}")
    try:
        from ._multiplex import Multiplexer
    except ImportError as exc:
        raise RuntimeError('HTTP/2 needs the h2 package: pip install "aiohttp_client[http2]"') from exc
    return Multiplexer(connector, http2)
