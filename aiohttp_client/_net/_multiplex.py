"""HTTP/2 for a connector (``TCPConnector(http2=...)``, issue 17): which requests
may ride an HTTP/2 connection, what a TLS connection offers in ALPN, and which
protocol a new connection speaks.  The leases of several requests on one connection
are the pool's (``_sansio._pool``, ``_lending``): an ``H2Protocol`` is a connection of
capacity SETTINGS_MAX_CONCURRENT_STREAMS there.

Imported only when a connector asks for HTTP/2: with ``http2`` off nothing here (and
nothing of ``h2``) is loaded, and the connector's HTTP/1.1 path makes no extra call.

Rules (RFC 9113 §3):

- An ``https://`` origin is offered ALPN ``h2`` and ``http/1.1`` (RFC 7301) through a
  default TLS context of its own; the server's choice decides.  An ``http://`` origin
  speaks HTTP/2 only with ``http2="prior-knowledge"`` (RFC 9113 §3.3), and never
  through a plain HTTP proxy.  A WebSocket request (``Upgrade``) always gets an
  HTTP/1.1 connection (ALPN ``http/1.1`` only; RFC 8441 is not supported), under a pool
  key of its own so that it never takes a lease on an HTTP/2 connection.
- Requests for a key whose connection is being opened wait for it when it may speak
  HTTP/2; once an origin answered with HTTP/1.1 they no longer wait.
"""

import asyncio
import ssl
from typing import Any, NamedTuple, Optional

from .. import hdrs
from .._models import ConnectionKey
from .._protocols._h2 import ALPN_H2, H2Protocol, PendingProtocol

__all__ = ("Multiplexer", "PRIOR_KNOWLEDGE")

PRIOR_KNOWLEDGE = "prior-knowledge"
_ALPN_BOTH = ("h2", "http/1.1")
_ALPN_H1 = ("http/1.1",)
#: Origins remembered as HTTP/1.1 (their requests stop waiting for a pending
#: connection); forgotten all at once beyond this many.
_MAX_HTTP1_KEYS = 1024


class _WebSocketKey(NamedTuple):
    """The pool key of a WebSocket request on an HTTP/2 connector (never an HTTP/2 one)."""

    key: ConnectionKey


class Multiplexer:
    """The HTTP/2 side of one connector.

    :param connector: the ``TCPConnector``.
    :param mode: ``True`` (ALPN for ``https://``) or ``"prior-knowledge"`` (also
        ``http://``).
    """

    def __init__(self, connector: Any, mode: Any) -> None:
        self._loop: asyncio.AbstractEventLoop = connector._loop
        self._connector = connector
        self.prior_knowledge = mode == PRIOR_KNOWLEDGE
        self._http1_keys: set[Any] = set()

    def eligible(self, req: Any) -> bool:
        """*req* may ride an HTTP/2 connection."""
        if hdrs.UPGRADE in req.headers:
            return False
        if req.is_ssl():
            return True
        return self.prior_knowledge and req.proxy is None

    def may_multiplex(self, req: Any) -> bool:
        """The connection about to be opened for *req* may speak HTTP/2."""
        return self.eligible(req) and req.connection_key not in self._http1_keys

    def pool_key(self, req: Any) -> Any:
        key = req.connection_key
        return _WebSocketKey(key) if hdrs.UPGRADE in req.headers else key

    def alpn(self, req: Any) -> tuple[str, ...]:
        """The ALPN protocols a default TLS context offers for *req*."""
        return _ALPN_BOTH if hdrs.UPGRADE not in req.headers else _ALPN_H1

    def factory(self) -> PendingProtocol:
        return PendingProtocol(self._loop)

    def tag(self, protocol: Any, req: Any) -> None:
        """Note on a new connection's *protocol* whether it may speak HTTP/2 for *req*."""
        if isinstance(protocol, PendingProtocol):
            protocol.h2_allowed = self.eligible(req)
            protocol.h2_prior = protocol.h2_allowed and self.prior_knowledge and not req.is_ssl()
            protocol.key = req.connection_key

    @staticmethod
    def http1(protocol: Any, http1: Any) -> Any:
        """*protocol* as HTTP/1.1 (the connection to a proxy: CONNECT, absolute-form)."""
        if isinstance(protocol, PendingProtocol):
            return protocol.become(http1())
        return protocol

    def choose(self, transport: Any, protocol: Any, http1: Any) -> Any:
        """The protocol a new connection speaks: HTTP/2 when TLS negotiated ``h2`` or
        with prior knowledge for a cleartext origin; else ``http1()`` (HTTP/1.1).
        """
        if not isinstance(protocol, PendingProtocol):
            return protocol  # made by an overridden factory, or already HTTP/1.1
        ssl_object: Optional[ssl.SSLObject] = transport.get_extra_info("ssl_object") if transport else None
        if ssl_object is not None:
            use_h2 = protocol.h2_allowed and ssl_object.selected_alpn_protocol() == ALPN_H2
        else:
            use_h2 = protocol.h2_prior
        if not use_h2 and protocol.h2_allowed:
            if len(self._http1_keys) >= _MAX_HTTP1_KEYS:
                self._http1_keys.clear()
            self._http1_keys.add(protocol.key)
        if not use_h2:
            return protocol.become(http1())
        h2 = H2Protocol(self._loop)
        connector = self._connector  # SETTINGS, GOAWAY: the pool's books, and its waiters
        h2.on_capacity = lambda n: connector._capacity_changed(h2, n, h2.going_away)
        return protocol.become(h2)
