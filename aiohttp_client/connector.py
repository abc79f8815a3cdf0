"""Connectors: ``BaseConnector``, ``TCPConnector``, ``UnixConnector`` and the
``Connection`` handle (reference: "Connectors").

The connector asks :class:`~._pool.Pool` what to do, then does the I/O: opening a
connection (DNS with a TTL cache, RFC 8305 Happy Eyeballs via aiohappyeyeballs,
TLS), returning one to the idle pool, closing expired ones, waking waiters.  A
connection goes back to the pool only when its protocol says it is reusable (the
response was read to the end, keep-alive, no error); otherwise it is closed.
"""

import asyncio
import socket
import ssl
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional

import aiohappyeyeballs

from ._connection import Connection
from ._consts import sentinel
from ._models import ConnectionKey
from ._protocol import ResponseProtocol
from ._sansio._chunked import ChunkedDecoder
from ._sansio._http_parser import HeadParser
from ._sansio._pool import Pool
from ._timeouts import ClientTimeout, timeout_after
from ._tls import Fingerprint, ssl_context_for
from .client_exceptions import (
    ClientConnectionError,
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ConnectionTimeoutError,
    ServerFingerprintMismatch,
    UnixClientConnectorError,
)
from .resolver import DefaultResolver, DNSCache, ResolveResult

if TYPE_CHECKING:  # pragma: no cover
    from ._client_request import ClientRequest

__all__ = ("BaseConnector", "TCPConnector", "UnixConnector", "Connection", "AddrInfoType", "SocketFactoryType")

AddrInfoType = aiohappyeyeballs.AddrInfoType
SocketFactoryType = Callable[[AddrInfoType], socket.socket]


class BaseConnector:
    """Pool of connections with limits (reference: ``BaseConnector``).

    :param keepalive_timeout: seconds an idle connection is kept (default 15).
    :param force_close: close every connection after its response.
    :param limit: most simultaneous connections, 0 = unlimited.
    :param limit_per_host: most simultaneous connections per ``(host, port, is_ssl)``.
    :raises ValueError: *keepalive_timeout* given together with ``force_close=True``.
    """

    _parser_twins: tuple[type[Any], type[Any]] = (HeadParser, ChunkedDecoder)

    def __init__(
        self,
        *,
        keepalive_timeout: Any = sentinel,
        force_close: bool = False,
        limit: int = 100,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        timeout_ceil_threshold: float = 5,
    ) -> None:
        if force_close:
            if keepalive_timeout is not None and keepalive_timeout is not sentinel:
                raise ValueError("keepalive_timeout cannot be set if force_close is True")
        elif keepalive_timeout is sentinel:
            keepalive_timeout = 15.0
        self._loop = loop or asyncio.get_running_loop()
        self._force_close = force_close
        self._keepalive_timeout = 0.0 if keepalive_timeout in (None, sentinel) else float(keepalive_timeout)
        self._pool: Pool[ResponseProtocol, asyncio.Future[None]] = Pool(
            limit, limit_per_host, self._keepalive_timeout, self._loop.time
        )
        self._in_use: set[ResponseProtocol] = set()
        self._closed = False
        self._cleanup_handle: Optional[asyncio.TimerHandle] = None
        self._timeout_ceil_threshold = timeout_ceil_threshold

    def __del__(self, _warnings: Any = warnings) -> None:
        if self._closed:
            return
        if self._pool.idle_count or self._in_use:
            _warnings.warn(f"Unclosed connector {self!r}", ResourceWarning, source=self)

    async def __aenter__(self) -> "BaseConnector":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- properties -------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def force_close(self) -> bool:
        return self._force_close

    @property
    def limit(self) -> int:
        return self._pool.limit

    @property
    def limit_per_host(self) -> int:
        return self._pool.limit_per_host

    # -- acquire / release ---------------------------------------------------------

    async def connect(
        self, req: "ClientRequest", traces: Any = None, timeout: Optional[ClientTimeout] = None
    ) -> Connection:
        """A connection for *req*: an idle one, or a new one once the limits allow.

        :raises ClientConnectionError: the connector is closed.
        :raises ClientConnectorError: (and subclasses) the connection could not be made.
        """
        if self._closed:
            raise ClientConnectionError("Connector is closed.")
        key = req.connection_key
        pool = self._pool
        protocol = self._take_idle(key)
        if protocol is not None:
            pool.acquire(key)
            for trace in traces or ():
                await trace.send_connection_reuseconn()
            return self._lend(key, protocol, reused=True)
        if pool.can_acquire(key) and not pool.has_waiters():
            pool.acquire(key)
        else:
            for trace in traces or ():
                await trace.send_connection_queued_start()
            await self._wait_for_slot(key)  # the slot is acquired on our behalf
            for trace in traces or ():
                await trace.send_connection_queued_end()
            protocol = self._take_idle(key)
            if protocol is not None:
                for trace in traces or ():
                    await trace.send_connection_reuseconn()
                return self._lend(key, protocol, reused=True)
        try:
            for trace in traces or ():
                await trace.send_connection_create_start()
            protocol = await self._create_connection(req, traces, timeout or ClientTimeout())
            for trace in traces or ():
                await trace.send_connection_create_end()
        except BaseException:
            pool.release(key)
            self._wake_waiters()
            raise
        if self._closed:
            protocol.close()
            pool.release(key)
            raise ClientConnectionError("Connector is closed.")
        return self._lend(key, protocol)

    def _lend(self, key: ConnectionKey, protocol: ResponseProtocol, reused: bool = False) -> Connection:
        self._in_use.add(protocol)
        return Connection(self, key, protocol, self._loop, reused)

    async def _wait_for_slot(self, key: ConnectionKey) -> None:
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._pool.add_waiter(key, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pool.release(key)  # we were handed a slot but gave up
                self._wake_waiters()
            else:
                self._pool.remove_waiter(waiter)
            raise

    def _take_idle(self, key: ConnectionKey) -> Optional[ResponseProtocol]:
        while True:
            protocol, expired = self._pool.take_idle(key)
            for old in expired:
                old.close()
            if protocol is None or (protocol.is_connected() and not protocol.should_close):
                return protocol
            protocol.close()

    def _release(self, key: ConnectionKey, protocol: ResponseProtocol, *, should_close: bool = False) -> None:
        if protocol not in self._in_use:
            return
        self._in_use.discard(protocol)
        self._pool.release(key)
        if self._closed or self._force_close or should_close or protocol.should_close:
            protocol.close()
        else:
            self._pool.put_idle(key, protocol)
            self._schedule_cleanup()
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        pool = self._pool
        while True:
            item = pool.next_waiter()
            if item is None:
                return
            key, waiter = item
            if waiter.done():
                continue
            pool.acquire(key)
            waiter.set_result(None)

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is not None:
            return
        when = self._pool.next_expiry()
        if when is not None:
            self._cleanup_handle = self._loop.call_at(when, self._cleanup)

    def _cleanup(self) -> None:
        self._cleanup_handle = None
        for protocol in self._pool.expire():
            protocol.close()
        self._schedule_cleanup()

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        """Open a new connection for *req* (subclasses implement it)."""
        raise NotImplementedError()

    def _protocol_factory(self) -> ResponseProtocol:
        head_cls, chunked_cls = self._parser_twins
        return ResponseProtocol(self._loop, head_parser_cls=head_cls, chunked_decoder_cls=chunked_cls)

    # -- closing ----------------------------------------------------------------------

    async def close(self) -> None:
        """Close every connection, idle or in use, and refuse new requests."""
        if self._closed:
            return
        self._closed = True
        if self._cleanup_handle is not None:
            self._cleanup_handle.cancel()
            self._cleanup_handle = None
        protocols = self._pool.drain_idle() + list(self._in_use)
        self._in_use.clear()
        for waiter in self._pool.drain_waiters():
            if not waiter.done():
                waiter.set_exception(ClientConnectionError("Connector is closed."))
        for protocol in protocols:
            protocol.close()
        closing = [p.closed for p in protocols if not p.closed.done()]
        if closing:
            await asyncio.wait(closing, timeout=2)


class TCPConnector(BaseConnector):
    """Connector for HTTP and HTTPS over TCP (reference: ``TCPConnector``).

    DNS answers are cached for *ttl_dns_cache* seconds (``None``: forever) when
    *use_dns_cache* is true; connecting to several addresses follows RFC 8305
    (Happy Eyeballs) with *happy_eyeballs_delay* seconds between attempts.
    """

    def __init__(
        self,
        *,
        ssl: Any = True,
        verify_ssl: bool = True,
        fingerprint: Optional[bytes] = None,
        use_dns_cache: bool = True,
        ttl_dns_cache: Optional[int] = 10,
        family: int = 0,
        ssl_context: Optional[Any] = None,
        local_addr: Optional[tuple[str, int]] = None,
        resolver: Optional[Any] = None,
        keepalive_timeout: Any = sentinel,
        force_close: bool = False,
        limit: int = 100,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        timeout_ceil_threshold: float = 5,
        happy_eyeballs_delay: Optional[float] = 0.25,
        interleave: Optional[int] = None,
        socket_factory: Optional[SocketFactoryType] = None,
        ssl_shutdown_timeout: Any = sentinel,
    ) -> None:
        super().__init__(
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
            enable_cleanup_closed=enable_cleanup_closed,
            loop=loop,
            timeout_ceil_threshold=timeout_ceil_threshold,
        )
        if not verify_ssl:
            ssl = False
        if fingerprint is not None:
            ssl = Fingerprint(fingerprint)
        if ssl_context is not None:
            ssl = ssl_context
        self._ssl = ssl
        self._resolver = resolver or DefaultResolver()
        self._use_dns_cache = use_dns_cache
        self._dns_cache = DNSCache(ttl_dns_cache, self._loop.time)
        self._family = family
        self._local_addr_infos = aiohappyeyeballs.addr_to_addr_infos(local_addr) if local_addr is not None else None
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._interleave = interleave
        self._socket_factory = socket_factory

    @property
    def family(self) -> int:
        return self._family

    @property
    def use_dns_cache(self) -> bool:
        return self._use_dns_cache

    def clear_dns_cache(self, host: Optional[str] = None, port: Optional[int] = None) -> None:
        """Forget cached addresses of *host*/*port*, or all of them."""
        if host is not None and port is not None:
            self._dns_cache.clear((host, port))
        elif host is None and port is None:
            self._dns_cache.clear()
        else:
            raise ValueError("Either both host and port or none of them are allowed.")

    async def close(self) -> None:
        await super().close()
        await self._resolver.close()

    async def _resolve(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        key = (host, port)
        if self._use_dns_cache:
            cached = self._dns_cache.get(key)
            if cached is not None:
                for trace in traces or ():
                    await trace.send_dns_cache_hit(host)
                return cached
            for trace in traces or ():
                await trace.send_dns_cache_miss(host)
        for trace in traces or ():
            await trace.send_dns_resolvehost_start(host)
        addrs: list[ResolveResult] = await self._resolver.resolve(host, port, family=self._family)
        for trace in traces or ():
            await trace.send_dns_resolvehost_end(host)
        if self._use_dns_cache:
            self._dns_cache.add(key, addrs)
        return addrs

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        key = req.connection_key
        host = req.url.raw_host or ""
        port = req.port or 80
        try:
            addrs = await self._resolve(host, port, traces)
        except OSError as exc:
            raise ClientConnectorDNSError(key, exc) from exc
        infos = [(a["family"], socket.SOCK_STREAM, a["proto"], "", (a["host"], a["port"])) for a in addrs]
        ssl_arg = req.ssl if req.ssl is not True else self._ssl
        sslcontext = ssl_context_for(ssl_arg) if req.is_ssl() else None
        try:
            async with timeout_after(timeout.sock_connect):
                sock = await aiohappyeyeballs.start_connection(
                    infos,
                    local_addr_infos=self._local_addr_infos,
                    happy_eyeballs_delay=self._happy_eyeballs_delay,
                    interleave=self._interleave,
                    loop=self._loop,
                    socket_factory=self._socket_factory,
                )
                for trace in traces or ():
                    await trace.send_sock_connected()
                transport, protocol = await self._loop.create_connection(
                    self._protocol_factory,
                    sock=sock,
                    ssl=sslcontext,
                    server_hostname=(req.server_hostname or host.rstrip(".")) if sslcontext else None,
                )
        except asyncio.TimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to host {req.url}") from exc
        except ssl.CertificateError as exc:
            raise ClientConnectorCertificateError(key, exc) from exc
        except ssl.SSLError as exc:
            raise ClientConnectorSSLError(key, exc) from exc
        except OSError as exc:
            if exc.errno is None and isinstance(exc, asyncio.TimeoutError):  # pragma: no cover
                raise
            raise ClientConnectorError(key, exc) from exc
        if isinstance(ssl_arg, Fingerprint):
            self._check_fingerprint(ssl_arg, transport, key)
        return protocol

    @staticmethod
    def _check_fingerprint(fp: Fingerprint, transport: asyncio.BaseTransport, key: ConnectionKey) -> None:
        sslobj = transport.get_extra_info("ssl_object")
        cert = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
        if cert is None or not fp.matches(cert):
            # abort, not close: a TLS close would first wait for close_notify with a
            # server we do not trust, and the socket would outlive the error.
            transport.abort()  # type: ignore[attr-defined]
            got = fp._hashfunc(cert).digest() if cert is not None else b""
            raise ServerFingerprintMismatch(fp.fingerprint, got, key.host, key.port or 0)


class UnixConnector(BaseConnector):
    """Connector over a Unix domain socket at *path* (reference: ``UnixConnector``)."""

    def __init__(
        self,
        path: str,
        force_close: bool = False,
        keepalive_timeout: Any = sentinel,
        limit: int = 100,
        limit_per_host: int = 0,
        loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> None:
        super().__init__(
            force_close=force_close,
            keepalive_timeout=keepalive_timeout,
            limit=limit,
            limit_per_host=limit_per_host,
            loop=loop,
        )
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        try:
            async with timeout_after(timeout.sock_connect):
                _, protocol = await self._loop.create_unix_connection(self._protocol_factory, self._path)
        except asyncio.TimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to {self._path}") from exc
        except OSError as exc:
            raise UnixClientConnectorError(self._path, req.connection_key, exc) from exc
        return protocol
