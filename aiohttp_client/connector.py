"""Connectors: ``BaseConnector``, ``TCPConnector``, ``UnixConnector`` and the
``Connection`` handle (reference: "Connectors").

The connector lends leases on connections (:mod:`._net._lending`: it asks
:class:`~._sansio._pool.Pool` what to do, then does the I/O) and opens connections:
DNS with a TTL cache, then every TCP connection through
:meth:`TCPConnector._wrap_create_connection` (RFC 8305 Happy Eyeballs via
aiohappyeyeballs, TLS; direct, to a proxy, or the one a CONNECT tunnel runs over,
:mod:`._net._dial`); :meth:`BaseConnector._connection_protocol`, the one protocol
factory, picks what speaks on each new connection.  A connection goes back to the
pool only when its protocol says it is reusable (the response was read to the end,
keep-alive, no error); otherwise it is closed.
"""

import asyncio
import socket
import sys
import traceback
import warnings
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Optional

import aiohappyeyeballs

from ._client._timeouts import ClientTimeout, timeout_after
from ._models import ConnectionKey, sentinel
from ._net._connection import Connection
from ._net._connector_params import cleanup_closed, connector_ssl, keepalive_seconds, ssl_shutdown_grace
from ._net._dial import create_connection
from ._net._lending import Lending
from ._net._tls import HTTP11_ONLY, connect_errors
from ._protocols._exchange import ExchangeConnection
from ._protocols._protocol import ResponseProtocol
from ._sansio._chunked import ChunkedDecoder
from ._sansio._http_parser import HeadParser
from ._sansio._pool import Pool
from .abc import AbstractResolver, ResolveResult
from .client_exceptions import (
    ClientConnectionError,
    ClientConnectorError,
    ConnectionTimeoutError,
    InvalidUrlClientError,
    UnixClientConnectorError,
)
from .resolver import DefaultResolver, DNSCache, ip_literal_addresses, is_noncanonical_ipv4

if TYPE_CHECKING:  # pragma: no cover
    from ._client._client_request import ClientRequest

__all__ = (
    "BaseConnector",
    "TCPConnector",
    "UnixConnector",
    "NamedPipeConnector",
    "Connection",
    "AddrInfoType",
    "SocketFactoryType",
)

_CLEANUP_CLOSED_DELAY = 2.0


def _cleanup_if_alive(ref: "weakref.ref[BaseConnector]") -> None:
    connector = ref()
    if connector is not None:
        connector._cleanup()


AddrInfoType = aiohappyeyeballs.AddrInfoType
SocketFactoryType = Callable[[AddrInfoType], socket.socket]


def _check_http1_alpn(transport: Any) -> None:
    """Refuse a TLS connection whose ALPN selected ``h2`` (RFC 7301 §3.2: the selection
    is binding) for an HTTP/1.1 protocol: offered by the caller's own ``SSLContext``
    while HTTP/2 is off or the request cannot use it (a WebSocket), the server would
    answer HTTP/1.1 with HTTP/2 frames.  Other labels a caller offers are left to the
    caller.

    :raises ClientConnectionError: naming the protocol and what to change.
    """
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    selected = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
    if selected == "h2":
        raise ClientConnectionError(
            f"The server selected the ALPN protocol {selected!r}, offered by the SSLContext "
            "given as ssl=, and this request speaks HTTP/1.1: turn HTTP/2 on "
            "(TCPConnector(http2=True)) or give an SSLContext whose ALPN list is ['http/1.1']"
        )


class BaseConnector(Lending):
    """Pool of connections with limits (reference: ``BaseConnector``).

    :param keepalive_timeout: seconds an idle connection is kept (default 15).
    :param force_close: close every connection after its response.
    :param limit: most simultaneous connections, 0 = unlimited.
    :param limit_per_host: most simultaneous connections per ``(host, port, is_ssl)``.
    :param enable_cleanup_closed: abort a TLS transport still open 2 seconds after it
        was closed (servers that never finish the TLS shutdown).  Connections are
        aborted, not shut down, unless ``ssl_shutdown_timeout`` asks otherwise, so this
        only bounds that grace period; on Python 3.12.7+/3.13.1+ it warns and is
        ignored, as in the reference.
    :param timeout_ceil_threshold: ``sock_connect`` timeouts of this many seconds or
        more end on a whole second.
    :raises ValueError: *keepalive_timeout* given together with ``force_close=True``.
    """

    _parser_twins: tuple[type[Any], type[Any]] = (HeadParser, ChunkedDecoder)
    #: URL schemes a session may send through this connector (reference: ``BaseConnector``)
    allowed_protocol_schema_set: frozenset[str] = frozenset({"", "http", "https", "ws", "wss"})
    _closed = True  # until __init__ has run: ``__del__`` of a half-built connector is silent
    _mux: Any = None  # the HTTP/2 side (``_net._multiplex.Multiplexer``) when asked for

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
        self._keepalive_timeout = keepalive_seconds(keepalive_timeout, force_close)
        self._loop = loop or asyncio.get_running_loop()
        if self._loop.get_debug():  # where it was made, for the "Unclosed" report
            self._source_traceback = traceback.extract_stack(sys._getframe(1))
        self._force_close = force_close
        self._pool: Pool[ExchangeConnection, asyncio.Future[Optional[ExchangeConnection]]] = Pool(
            limit, limit_per_host, self._keepalive_timeout, self._loop.time
        )
        self._in_use: set[ExchangeConnection] = set()
        self._closed = False
        self._cleanup_handle: Optional[asyncio.TimerHandle] = None
        self._timeout_ceil_threshold = timeout_ceil_threshold
        self._enable_cleanup_closed = cleanup_closed(enable_cleanup_closed, stacklevel=2)
        self._ssl_shutdown_timeout = 0.0

    _source_traceback: Optional[traceback.StackSummary] = None

    def __del__(self, _warnings: Any = warnings) -> None:
        """An open connector with connections is reported as aiohttp 3.14.5 does: a
        ``ResourceWarning``, and "Unclosed connector" through the loop's exception
        handler (keys ``connector``, ``connections``, ``message``, and
        ``source_traceback`` in debug mode), seen on stderr under the default filters.
        """
        if getattr(self, "_closed", True):
            return  # closed, or the constructor raised
        if self._pool.idle_count or self._in_use:
            _warnings.warn(f"Unclosed connector {self!r}", ResourceWarning, source=self)
            idle = [str(stack) for stack in self._pool.idle_by_key().values()]
            context: dict[str, Any] = {
                "connector": self,
                "connections": idle + [repr(protocol) for protocol in self._in_use],
                "message": "Unclosed connector",
            }
            if self._source_traceback is not None:
                context["source_traceback"] = self._source_traceback
            self._loop.call_exception_handler(context)

    async def __aenter__(self) -> "BaseConnector":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __enter__(self) -> "BaseConnector":
        warnings.warn(
            '"with Connector():" is deprecated, use "async with Connector():" instead', DeprecationWarning, stacklevel=2
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close_now(abort_ssl=False)

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
    def _conns(self) -> "Mapping[Any, list[tuple[ExchangeConnection, float]]]":
        """Compatibility view, read-only, for libraries that read aiohttp's private
        ``_conns`` (gql waits for TLS transports to close through it): the idle
        connections as ``ConnectionKey -> [(protocol, loop time it went idle)]``;
        each protocol has ``transport``.  A snapshot: the pool is not changed by it.
        """
        return MappingProxyType(self._pool.idle_by_key())

    @property
    def limit_per_host(self) -> int:
        return self._pool.limit_per_host

    # -- acquire / release: _net/_lending.Lending --------------------------------------

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is not None:
            return
        when = self._pool.next_expiry()
        if when is not None:  # a weak reference: a leaked connector is still collected (and reported)
            self._cleanup_handle = self._loop.call_at(when, _cleanup_if_alive, weakref.ref(self))

    def _cleanup(self) -> None:
        self._cleanup_handle = None
        for protocol in self._pool.expire():
            protocol.close()
        self._schedule_cleanup()

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        """Open a new connection for *req* (subclasses implement it)."""
        raise NotImplementedError()

    def _protocol_factory(self) -> ResponseProtocol:
        """The asyncio protocol a new transport is made with (HTTP/1.1; with HTTP/2
        asked for, one that keeps what arrives until :meth:`_connection_protocol`).
        """
        if self._mux is not None:
            return self._mux.factory()  # type: ignore[no-any-return]
        head_cls, chunked_cls = self._parser_twins
        return ResponseProtocol(self._loop, head_parser_cls=head_cls, chunked_decoder_cls=chunked_cls)

    def _protocol_factory_http1(self) -> ResponseProtocol:
        head_cls, chunked_cls = self._parser_twins
        return ResponseProtocol(self._loop, head_parser_cls=head_cls, chunked_decoder_cls=chunked_cls)

    def _connection_protocol(self, transport: Any, protocol: Any) -> ExchangeConnection:
        """The one protocol factory: what speaks on a new connection, chosen once its
        transport (and TLS) is up, for every kind of connection (direct, to an HTTP
        proxy, through a CONNECT tunnel, a SOCKS proxy, a Unix socket).  *protocol* is
        the asyncio protocol the transport was made with (:meth:`_protocol_factory`);
        it has read nothing yet (or kept what it read).  HTTP/1.1 (*protocol* itself)
        unless HTTP/2 was asked for and applies (``_net._multiplex``: ALPN ``h2``, or
        prior knowledge).
        """
        if self._mux is not None:
            protocol = self._mux.choose(transport, protocol, self._protocol_factory_http1)
        if isinstance(protocol, ResponseProtocol):
            _check_http1_alpn(transport)
        return protocol  # type: ignore[no-any-return]

    # -- closing ----------------------------------------------------------------------

    async def close(self, *, abort_ssl: bool = False) -> None:
        """Close every connection, idle or in use, and refuse new requests; wait (up
        to 2 seconds) until they are closed.  *abort_ssl* aborts TLS connections
        even when ``ssl_shutdown_timeout`` asks for a graceful shutdown.
        """
        closing = self._close_now(abort_ssl)
        if closing:
            await asyncio.wait(closing, timeout=2)

    def _close_now(self, abort_ssl: bool) -> "list[asyncio.Future[None]]":
        """:meth:`close` without the wait: every connection is told to close; the
        futures of those still closing are returned.
        """
        if self._closed:
            return []
        self._closed = True
        if self._cleanup_handle is not None:
            self._cleanup_handle.cancel()
            self._cleanup_handle = None
        protocols = self._pool.drain_idle() + list(self._in_use)
        self._in_use.clear()
        for waiter in self._pool.drain_waiters():
            if not waiter.done():
                waiter.set_exception(ClientConnectionError("Connector is closed."))
        grace = 0.0 if abort_ssl else self._ssl_shutdown_timeout
        if grace and self._enable_cleanup_closed:
            grace = min(grace, _CLEANUP_CLOSED_DELAY)
        for protocol in protocols:
            protocol.close(tls_grace=grace)
        return [p.closed for p in protocols if not p.closed.done()]


class TCPConnector(BaseConnector):
    """Connector for HTTP and HTTPS over TCP (reference: ``TCPConnector``).

    DNS answers are cached for *ttl_dns_cache* seconds (``None``: forever) when
    *use_dns_cache* is true; connecting to several addresses follows RFC 8305
    (Happy Eyeballs) with *happy_eyeballs_delay* seconds between attempts.

    *http2* (an addition, issue 17; docs/http2.md): ``True`` offers HTTP/2 to ``https://``
    origins by ALPN (RFC 9113 §3.2); ``"prior-knowledge"`` also to ``http://`` (§3.3).

    :raises TypeError: *ssl* is not ``True``, ``False``, an ``SSLContext`` or a
        :class:`Fingerprint`.
    :raises ValueError: *http2* is not ``False``, ``True`` or ``"prior-knowledge"``.
    :raises RuntimeError: *http2* asked for without ``h2`` (``aiohttp_client[http2]``).
    """

    allowed_protocol_schema_set = BaseConnector.allowed_protocol_schema_set | {"tcp"}

    def __init__(
        self,
        *,
        ssl: Any = True,
        verify_ssl: bool = True,
        fingerprint: Optional[bytes] = None,
        use_dns_cache: bool = True,
        ttl_dns_cache: Optional[int] = 10,
        dns_cache_max_size: int = 1000,
        family: int = 0,
        ssl_context: Optional[Any] = None,
        local_addr: Optional[tuple[str, int]] = None,
        resolver: Optional[AbstractResolver] = None,
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
        http2: Any = False,
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
        self._ssl = connector_ssl(ssl, verify_ssl, fingerprint, ssl_context)
        self._resolver = resolver or DefaultResolver()
        self._use_dns_cache = use_dns_cache
        self._dns_cache = DNSCache(ttl_dns_cache, self._loop.time, dns_cache_max_size)
        self._family = family
        self._local_addr_infos = aiohappyeyeballs.addr_to_addr_infos(local_addr) if local_addr is not None else None
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._interleave = interleave
        self._socket_factory = socket_factory
        self._ssl_shutdown_timeout = ssl_shutdown_grace(ssl_shutdown_timeout, stacklevel=2)
        if http2 is not False:
            from ._net._connector_params import http2_multiplexer  # HTTP/2 code loads only now

            self._mux = http2_multiplexer(self, http2)

    @property
    def family(self) -> int:
        return self._family

    @property
    def use_dns_cache(self) -> bool:
        return self._use_dns_cache

    @property
    def dns_cache(self) -> bool:
        """Whether DNS answers are cached (the reference's name for *use_dns_cache*)."""
        return self._use_dns_cache

    @property
    def cached_hosts(self) -> "MappingProxyType[tuple[str, int], list[ResolveResult]]":
        """A read-only snapshot of the DNS cache: ``(host, port) -> addresses``."""
        return MappingProxyType(self._dns_cache.entries)

    def clear_dns_cache(self, host: Optional[str] = None, port: Optional[int] = None) -> None:
        """Forget cached addresses of *host*/*port*, or all of them."""
        if host is not None and port is not None:
            self._dns_cache.clear((host, port))
        elif host is None and port is None:
            self._dns_cache.clear()
        else:
            raise ValueError("Either both host and port or none of them are allowed.")

    async def close(self, *, abort_ssl: bool = False) -> None:
        await super().close(abort_ssl=abort_ssl)
        await self._resolver.close()

    async def _resolve(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        literal = ip_literal_addresses(host, port)
        if literal is not None:
            return literal
        key = (host, port)
        if is_noncanonical_ipv4(host):
            raise InvalidUrlClientError(f"{host}: an IPv4 address must be four decimal octets")
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
        addrs = await self._resolver.resolve(host, port, family=socket.AddressFamily(self._family))
        for trace in traces or ():
            await trace.send_dns_resolvehost_end(host)
        if self._use_dns_cache:
            self._dns_cache.add(key, addrs)
        return addrs

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        """A new TCP connection for *req*: direct, to its HTTP proxy, or tunnelled
        through it (:mod:`._net._dial`); every one is made by
        :meth:`_wrap_create_connection`.
        """
        protocol = await create_connection(self, req, traces, timeout)
        return protocol  # type: ignore[return-value]

    def _alpn_offer(self, req: "ClientRequest") -> tuple[str, ...]:
        """The ALPN protocols (RFC 7301) a default TLS context offers for *req*: its
        shared context is the one for ``(verification, this offer)``; a user's
        ``SSLContext`` is used as given.  HTTP/1.1 only, unless HTTP/2 was asked for
        (then ``h2`` and ``http/1.1``, but ``http/1.1`` only for a WebSocket).
        """
        return HTTP11_ONLY if self._mux is None else self._mux.alpn(req)

    def _may_multiplex(self, req: "ClientRequest") -> bool:
        """Whether the connection about to be opened for *req* may speak HTTP/2 (then
        requests for its key wait for it rather than open another).
        """
        return self._mux is not None and self._mux.may_multiplex(req)

    async def _wrap_create_connection(
        self,
        *args: Any,
        addr_infos: "list[AddrInfoType]",
        req: "ClientRequest",
        timeout: ClientTimeout,
        client_error: type[Exception] = ClientConnectorError,
        **kwargs: Any,
    ) -> tuple[asyncio.Transport, ResponseProtocol]:
        """Make one TCP connection (aiohttp 3.14.5's hook, same signature): connect
        to one of *addr_infos* (RFC 8305 Happy Eyeballs, within ``timeout.sock_connect``
        seconds), then ``loop.create_connection(*args, sock=..., **kwargs)`` (*args*:
        the protocol factory; *kwargs*: ``ssl``, ``server_hostname``).  The one place
        a TCP connection is made (direct, to a proxy); libraries override it (e.g.
        to connect through a SOCKS proxy) and return ``(transport, protocol)``.

        :raises ConnectionTimeoutError: ``sock_connect`` passed.
        :raises ClientConnectorCertificateError: the certificate did not verify.
        :raises ClientConnectorSSLError: another TLS failure.
        :raises ClientConnectorError: *client_error* (for ``req.connection_key``), for
            any other connection failure.
        """
        error_cls: Any = client_error
        with connect_errors(req.connection_key, error_cls):
            async with timeout_after(timeout.sock_connect, ceil_threshold=self._timeout_ceil_threshold):
                sock = await aiohappyeyeballs.start_connection(
                    addr_infos,
                    local_addr_infos=self._local_addr_infos,
                    happy_eyeballs_delay=self._happy_eyeballs_delay,
                    interleave=self._interleave,
                    loop=self._loop,
                    socket_factory=self._socket_factory,
                )
                for trace in getattr(req, "_traces", None) or ():
                    await trace.send_sock_connected()
                try:
                    return await self._loop.create_connection(*args, sock=sock, **kwargs)
                except BaseException:
                    sock.close()
                    raise


class _PathConnector(BaseConnector):
    """A connector to one local endpoint named by *path* (Unix socket, named pipe)."""

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
        self._check_loop()

    def _check_loop(self) -> None:
        """Refuse an event loop that cannot reach *path* (a hook)."""

    @property
    def path(self) -> str:
        return self._path

    async def _connect_path(self) -> ResponseProtocol:
        raise NotImplementedError()

    def _path_error(self, key: ConnectionKey, exc: OSError) -> ClientConnectorError:
        return ClientConnectorError(key, exc)

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> ResponseProtocol:
        try:
            async with timeout_after(timeout.sock_connect):
                return await self._connect_path()
        except asyncio.TimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to {self._path}") from exc
        except OSError as exc:
            raise self._path_error(req.connection_key, exc) from exc


class UnixConnector(_PathConnector):
    """Connector over a Unix domain socket at *path* (reference: ``UnixConnector``)."""

    allowed_protocol_schema_set = BaseConnector.allowed_protocol_schema_set | {"unix"}

    async def _connect_path(self) -> ResponseProtocol:
        _, protocol = await self._loop.create_unix_connection(self._protocol_factory, self._path)
        return protocol

    def _path_error(self, key: ConnectionKey, exc: OSError) -> ClientConnectorError:
        return UnixClientConnectorError(self._path, key, exc)


class NamedPipeConnector(_PathConnector):
    """Connector over a Windows named pipe at *path* (reference:
    ``NamedPipeConnector``); it needs the proactor event loop.

    :raises RuntimeError: the loop is not a ``ProactorEventLoop`` (any other
        platform than Windows).
    """

    def _check_loop(self) -> None:
        proactor = getattr(asyncio, "ProactorEventLoop", None)
        if proactor is None or not isinstance(self._loop, proactor):
            self._closed = True
            raise RuntimeError("Named Pipes only available in proactor loop under windows")

    async def _connect_path(self) -> ResponseProtocol:
        create = self._loop.create_pipe_connection  # type: ignore[attr-defined]
        _, protocol = await create(self._protocol_factory, self._path)
        return protocol  # type: ignore[no-any-return]
