"""HTTP/2 for a connector (``TCPConnector(http2=...)``, issue 17): which requests
may ride an HTTP/2 connection, which protocol a new connection speaks, and the
leases of several requests on one connection.

Imported only when a connector asks for HTTP/2: with ``http2`` off nothing here (and
nothing of ``h2``) is loaded, and the connector's HTTP/1.1 path makes no extra call.

Rules (RFC 9113 §3, §9.1):

- An ``https://`` origin is offered ALPN ``h2`` and ``http/1.1`` (RFC 7301) through a
  TLS context of its own; the server's choice decides.  An ``http://`` origin speaks
  HTTP/2 only with ``http2="prior-knowledge"`` (RFC 9113 §3.3), and never through a
  plain HTTP proxy.  A WebSocket request (``Upgrade``) always gets an HTTP/1.1
  connection (ALPN ``http/1.1`` only; RFC 8441 is not supported).
- One HTTP/2 connection per pool key carries up to the peer's
  SETTINGS_MAX_CONCURRENT_STREAMS requests; beyond that a second connection is opened
  when ``limit``/``limit_per_host`` allow (they count connections), else the request
  rides the least loaded one and waits there for a stream slot.
- A request for a key whose first connection is being opened waits for it instead of
  opening another (when that one turns out HTTP/1.1, the key is remembered and later
  requests no longer wait).
- An HTTP/2 connection holds one pool slot while it carries a lease; with none it is
  idle (``keepalive_timeout``) and closed when that passes.
"""

import asyncio
import ssl
from typing import Any, Optional

from .. import hdrs
from .._models import ConnectionKey
from .._protocols._h2 import ALPN_H2, H2Protocol, PendingProtocol
from ._connection import Connection

__all__ = ("Multiplexer", "PRIOR_KNOWLEDGE")

PRIOR_KNOWLEDGE = "prior-knowledge"
_ALPN_BOTH = ("h2", "http/1.1")
_ALPN_H1 = ("http/1.1",)
#: Times a request waits for a connection being opened to its origin (each wait is
#: bounded by that connection's connect timeout) before opening one itself.
_MAX_WAITS = 3


class Multiplexer:
    """The HTTP/2 side of one connector (its pool bookkeeping stays in ``_sansio._pool``).

    :param connector: the ``TCPConnector``.
    :param mode: ``True`` (ALPN for ``https://``) or ``"prior-knowledge"`` (also
        ``http://``).
    """

    def __init__(self, connector: Any, mode: Any) -> None:
        self._connector = connector
        self._loop: asyncio.AbstractEventLoop = connector._loop
        self.prior_knowledge = mode == PRIOR_KNOWLEDGE
        self._leased: dict[Any, list[H2Protocol]] = {}  # key -> connections carrying leases
        self._leases: dict[H2Protocol, int] = {}
        self._idle: dict[H2Protocol, tuple[Any, asyncio.TimerHandle]] = {}
        self._opening: dict[Any, asyncio.Future[None]] = {}
        self._http1_keys: set[Any] = set()

    # -- which requests, which protocol ----------------------------------------------

    def eligible(self, req: Any) -> bool:
        """*req* may ride an HTTP/2 connection."""
        if hdrs.UPGRADE in req.headers:
            return False
        if req.is_ssl():
            return True
        return self.prior_knowledge and req.proxy is None

    def alpn(self, req: Any) -> tuple[str, ...]:
        """The ALPN protocols a TLS connection for *req* offers."""
        return _ALPN_BOTH if hdrs.UPGRADE not in req.headers else _ALPN_H1

    def factory(self) -> PendingProtocol:
        return PendingProtocol(self._loop)

    def choose(self, transport: Any, protocol: Any, req: Any, http1: Any) -> Any:
        """The protocol a new connection speaks: HTTP/2 when TLS negotiated ``h2``, or
        for a plain ``http://`` origin with prior knowledge; else ``http1()`` (HTTP/1.1).
        """
        if not isinstance(protocol, PendingProtocol):
            return protocol  # made by an overridden factory: leave it alone
        ssl_object: Optional[ssl.SSLObject] = transport.get_extra_info("ssl_object") if transport else None
        if ssl_object is not None:
            use_h2 = ssl_object.selected_alpn_protocol() == ALPN_H2 and hdrs.UPGRADE not in req.headers
        else:
            use_h2 = self.eligible(req) and not req.is_ssl()
        if not use_h2:
            self._http1_keys.add(req.connection_key)
        return protocol.become(H2Protocol(self._loop) if use_h2 else http1())

    # -- leases ----------------------------------------------------------------------------

    def lease(self, req: Any, key: ConnectionKey) -> Optional[Connection]:
        """A lease on an HTTP/2 connection to *key* with a free stream slot (or an
        idle one), or ``None``.
        """
        best = None
        for proto in self._leased.get(key, ()):
            if proto.is_connected() and not proto.should_close and proto.active < proto.capacity:
                if best is None or proto.active < best.active:
                    best = proto
        if best is None:
            for proto, (idle_key, handle) in list(self._idle.items()):
                if idle_key != key:
                    continue
                handle.cancel()
                del self._idle[proto]
                if proto.is_connected() and not proto.should_close:
                    self._connector._pool.acquire(key)
                    best = proto
                    break
                proto.close()
        if best is None:
            return None
        return self.lend(key, best, reused=True)

    def lease_full(self, key: ConnectionKey) -> Optional[Connection]:
        """A lease on the least loaded HTTP/2 connection to *key* even when its stream
        slots are taken (the stream waits on it for one), or ``None``.
        """
        live = [p for p in self._leased.get(key, ()) if p.is_connected() and not p.should_close]
        if not live:
            return None
        return self.lend(key, min(live, key=lambda p: p.active), reused=True)

    def lend_new(self, key: ConnectionKey, protocol: Any, lend_http1: Any) -> Connection:
        """The first lease on a new connection: multiplexed for HTTP/2, else the
        connector's HTTP/1.1 lease (*lend_http1*).
        """
        if isinstance(protocol, H2Protocol):
            return self.lend(key, protocol)
        self.opened(key)
        return lend_http1(key, protocol)  # type: ignore[no-any-return]

    @staticmethod
    def http1(protocol: Any, http1: Any) -> Any:
        """*protocol* as HTTP/1.1 (the connection to a proxy: CONNECT, absolute-form)."""
        if isinstance(protocol, PendingProtocol):
            return protocol.become(http1())
        return protocol

    def lend(self, key: ConnectionKey, proto: H2Protocol, reused: bool = False) -> Connection:
        n = self._leases.get(proto, 0)
        if not n:
            self._leased.setdefault(key, []).append(proto)
        self._leases[proto] = n + 1
        self.opened(key)
        return Connection(self._connector, key, proto, self._loop, reused)

    def release(self, key: ConnectionKey, proto: Any, should_close: bool) -> bool:
        """End one lease on *proto*; ``False`` when *proto* is not multiplexed (the
        connector then does the HTTP/1.1 bookkeeping).
        """
        n = self._leases.get(proto)
        if n is None:
            return False
        connector = self._connector
        if should_close:
            proto.close()
        if n > 1:
            self._leases[proto] = n - 1
            return True
        del self._leases[proto]
        leased = self._leased[key]
        leased.remove(proto)
        if not leased:
            del self._leased[key]
        connector._pool.release(key)
        if connector._closed or connector._force_close or proto.should_close:
            proto.close()
        else:
            handle = self._loop.call_later(connector._keepalive_timeout, self._expire, proto)
            self._idle[proto] = (key, handle)
        connector._wake_waiters()
        return True

    def _expire(self, proto: H2Protocol) -> None:
        if self._idle.pop(proto, None) is not None:
            proto.close()

    # -- connections being opened --------------------------------------------------------

    async def before_connect(self, req: Any, key: ConnectionKey, traces: Any) -> Optional[Connection]:
        """``connect()``'s first step for a request that may ride HTTP/2: a stream on a
        connection to *key* that is open (or idle, or being opened); or, when the
        limits leave no room for another connection, on the least loaded one (the
        stream waits there for a slot); else ``None`` (open one).
        """
        connector = self._connector
        conn = connector._reuse_idle(req) or await self._wait_for_opening(req, key)
        if conn is None and not connector._pool.can_acquire(key):
            conn = self.lease_full(key)
        if conn is not None:
            for trace in traces or ():
                await trace.send_connection_reuseconn()
        return conn

    async def _wait_for_opening(self, req: Any, key: ConnectionKey) -> Optional[Connection]:
        """While a connection to *key* is being opened, wait for it and lease it."""
        for _ in range(_MAX_WAITS):
            opening = self._opening.get(key)
            if opening is None or key in self._http1_keys:
                return None
            await asyncio.wait({opening})
            conn = self.lease(req, key)
            if conn is not None:
                return conn
        return None

    def opening(self, req: Any, key: ConnectionKey) -> None:
        """A connection for *req* is about to be opened."""
        if key not in self._opening and key not in self._http1_keys and self.eligible(req):
            self._opening[key] = self._loop.create_future()

    def opened(self, key: ConnectionKey) -> None:
        """The connection being opened to *key* is up (or failed): wake the waiters."""
        fut = self._opening.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(None)

    def drain(self) -> list[Any]:
        """Every connection, for the connector's close."""
        for fut in self._opening.values():
            if not fut.done():
                fut.set_result(None)
        self._opening.clear()
        protos = list(self._leases)
        for proto, (_, handle) in self._idle.items():
            handle.cancel()
            protos.append(proto)
        self._idle.clear()
        self._leases.clear()
        self._leased.clear()
        return protos
