"""Making a TCP connection for ``TCPConnector``: direct, to an HTTP proxy, through
a CONNECT tunnel, and through a SOCKS proxy (reference: "Connectors", "Proxy
support"; SOCKS: ``_socks``, issue 18).

Every TCP connection is made by the connector's ``_wrap_create_connection`` (aiohttp
3.14.5's hook, which libraries such as aiohttp-socks override); this module decides
what to connect to (the origin or the proxy, with which TLS context and which error
class) and asks for it.  The connection's protocol is chosen afterwards, in one
place, by ``BaseConnector.connect`` (``_connection_protocol``).
"""

import asyncio
import errno
import socket
import ssl
from typing import Any, NamedTuple, Optional

from yarl import URL

from .._client._timeouts import ClientTimeout, deadline_after, timeout_at
from .._models import ConnectionKey
from .._sansio._proxy import SOCKS_SCHEMES, proxy_fields
from ..client_exceptions import ClientConnectorDNSError, ClientConnectorError, ClientProxyConnectionError
from ._socks import SocksRoute, socks_credentials, socks_handshake, socks_route, start_origin
from ._tls import HTTP11_ONLY, Fingerprint, check_fingerprint, connect_errors, ssl_context_off_loop
from ._tunnel import open_tunnel

__all__ = ("Dial", "ProxyHop", "create_connection")


class Dial(NamedTuple):
    """One TCP connection to make.

    :ivar key: names the endpoint in errors (``ConnectionKey``).
    :ivar host: the host to resolve (ASCII).
    :ivar port: the TCP port.
    :ivar sslcontext: TLS over the connection with this context, or ``None``.
    :ivar server_hostname: the TLS server name (SNI, certificate check).
    :ivar error_cls: the ``ClientConnectorError`` class an ``OSError`` becomes.
    """

    key: ConnectionKey
    host: str
    port: int
    sslcontext: Optional[ssl.SSLContext]
    server_hostname: str
    error_cls: type[ClientConnectorError] = ClientConnectorError


class ProxyHop:
    """What ``_wrap_create_connection`` gets as *req* for the connection to a proxy
    (aiohttp passes a request to the proxy there): the proxy's URL, host, port and
    ``connection_key`` (errors name the proxy), and the origin request's traces.
    """

    __slots__ = ("url", "host", "port", "connection_key", "ssl", "proxy", "_traces")

    def __init__(self, url: URL, key: ConnectionKey, ssl_arg: Any, traces: Any) -> None:
        self.url = url
        self.host = key.host
        self.port = key.port
        self.connection_key = key
        self.ssl = ssl_arg
        self.proxy = None
        self._traces = traces

    def is_ssl(self) -> bool:
        return bool(self.connection_key.is_ssl)


async def create_connection(connector: Any, req: Any, traces: Any, timeout: ClientTimeout) -> asyncio.Protocol:
    """A new connection for *req* (a ``ClientRequest``) made by *connector* (a
    ``TCPConnector``): the asyncio protocol reading from it, TLS done, before the
    connector picks the connection's protocol.

    :raises ClientConnectorError: (and subclasses) the connection could not be made.
    """
    key = req.connection_key
    ssl_arg = req.ssl if req.ssl is not True else connector._ssl
    sslcontext = await ssl_context_off_loop(ssl_arg, connector._alpn_offer(req)) if req.is_ssl() else None
    dial = Dial(key, req.host, req.port or 80, sslcontext, req.server_hostname or req.host.rstrip("."))
    if req.proxy is None:
        _, protocol = await open_dial(connector, dial, req, traces=traces, timeout=timeout)
    elif req.proxy.scheme in SOCKS_SCHEMES:
        protocol = await _open_via_socks(connector, dial, req, traces=traces, timeout=timeout)
    else:
        protocol = await _open_via_proxy(connector, dial, req, ssl_arg, traces=traces, timeout=timeout)
    if isinstance(ssl_arg, Fingerprint) and sslcontext is not None:
        check_fingerprint(ssl_arg, getattr(protocol, "transport", None), key)
    mux = connector._mux
    if mux is not None:  # HTTP/2 asked for: may this connection speak it (_multiplex)
        mux.tag(protocol, req)
    return protocol


async def _open_via_proxy(
    connector: Any, dial: Dial, req: Any, ssl_arg: Any, *, traces: Any, timeout: ClientTimeout
) -> asyncio.Protocol:
    """A connection to *req*'s proxy: used as is for ``http://`` targets
    (absolute-form requests), tunnelled with CONNECT and TLS for ``https://``.
    """
    proxy: URL = req.proxy
    proxy_host = proxy.raw_host or ""
    proxy_port = proxy.port or 80
    proxy_tls = await ssl_context_off_loop(ssl_arg, HTTP11_ONLY) if proxy.scheme == "https" else None  # CONNECT
    # Errors reaching the proxy name the proxy (host, port, message), as aiohttp's do.
    proxy_key = ConnectionKey(
        proxy_host, proxy_port, proxy_tls is not None, ssl_arg if proxy_tls else True, None, None, None
    )
    to_proxy = Dial(proxy_key, proxy_host, proxy_port, proxy_tls, proxy_host, ClientProxyConnectionError)
    hop = ProxyHop(proxy, proxy_key, ssl_arg, traces)
    _, protocol = await open_dial(connector, to_proxy, hop, traces=traces, timeout=timeout)
    mux = connector._mux
    if mux is not None:  # the proxy itself is spoken to in HTTP/1.1
        protocol = mux.http1(protocol, connector._protocol_factory_http1)
    if dial.sslcontext is None:
        return protocol
    try:
        with connect_errors(dial.key, ClientConnectorError):
            _, inner = await open_tunnel(
                connector._loop,
                protocol,  # type: ignore[arg-type]
                proxy=proxy,
                proxy_key=proxy_key,
                target=(req.host, req.port),
                fields=proxy_fields(req.proxy_auth, req.proxy_headers),
                sslcontext=dial.sslcontext,
                server_hostname=dial.server_hostname,
                protocol_factory=connector._protocol_factory,
            )
            return inner
    except BaseException:
        protocol.close()  # type: ignore[attr-defined]
        raise


async def _open_via_socks(
    connector: Any, dial: Dial, req: Any, *, traces: Any, timeout: ClientTimeout
) -> asyncio.Protocol:
    """A connection to the origin through *req*'s SOCKS proxy (:mod:`._socks`): the
    origin's name resolved here unless the proxy resolves it, TCP to the proxy
    (``_wrap_create_connection``), the handshake, then HTTP or TLS with the origin
    over a fresh protocol from the connector's factory.  ``sock_connect`` bounds TCP
    to the proxy, and once more the handshake and TLS together.

    Errors carry the proxy's key, or the request's without the credentials.
    """
    route = socks_route(req.proxy, socks_credentials(req.proxy_auth, req.proxy_headers))
    key = dial.key._replace(proxy_auth=None)  # exceptions never show credentials
    host, port = dial.host, dial.port
    if not route.remote_dns or route.version == 4:
        host = await _socks_target(connector, key, route, dial, traces=traces)
    proxy_key = ConnectionKey(route.host, route.port, False, True, None, None, None)
    to_proxy = Dial(proxy_key, route.host, route.port, None, route.host, ClientProxyConnectionError)
    hop = ProxyHop(req.proxy, proxy_key, True, traces)
    transport, _ = await open_dial(connector, to_proxy, hop, traces=traces, timeout=timeout)
    delay = timeout.sock_connect
    loop = connector._loop
    when = None if delay is None else deadline_after(loop, delay, connector._timeout_ceil_threshold)
    try:
        with connect_errors(proxy_key, ClientProxyConnectionError):
            async with timeout_at(when):
                await socks_handshake(transport, route, proxy_key, host, port)
        with connect_errors(key, ClientConnectorError):
            async with timeout_at(when):
                return await start_origin(transport, dial.sslcontext, dial.server_hostname, connector._protocol_factory)
    except BaseException:
        transport.abort()
        raise


async def _socks_target(connector: Any, key: ConnectionKey, route: SocksRoute, target: Dial, *, traces: Any) -> str:
    """The address the SOCKS request names: *target*'s host resolved by the connector
    (``socks4://``, ``socks5://``; SOCKS4 carries IPv4 only), or the host itself for
    ``socks4a://`` with a name.

    :raises ClientConnectorDNSError: the name did not resolve.
    :raises ClientConnectorError: SOCKS4 and no IPv4 address.
    """
    host, port = target.host, target.port
    if route.remote_dns and ":" not in host:  # socks4a with a name or an IPv4 literal
        return host
    try:
        addrs = await connector._resolve(host, port, traces)
    except OSError as exc:
        raise ClientConnectorDNSError(key, exc) from exc
    # IPv4 first, as python-socks does (aiodns hands the address over as bytes).
    hosts = [a["host"] for a in sorted(addrs, key=lambda a: a["family"] != socket.AF_INET)]
    texts = [h.decode() if isinstance(h, bytes) else str(h) for h in hosts]
    if route.version == 4 and (not texts or ":" in texts[0]):
        reason = f"SOCKS4 carries only IPv4 addresses, and {host} has none"
        raise ClientConnectorError(key, OSError(errno.EAFNOSUPPORT, reason))
    return texts[0]


async def open_dial(
    connector: Any, dial: Dial, req: Any, *, traces: Any, timeout: ClientTimeout
) -> tuple[asyncio.Transport, asyncio.Protocol]:
    """Resolve *dial*'s host and connect through ``connector._wrap_create_connection``
    (TLS when *dial* has a context).

    :raises ClientConnectorDNSError: the name did not resolve.
    :raises ConnectionTimeoutError: ``sock_connect`` passed.
    :raises ClientConnectorCertificateError: the certificate did not verify.
    :raises ClientConnectorSSLError: another TLS failure.
    :raises ClientConnectorError: ``dial.error_cls``, for any other connection failure.
    """
    try:
        addrs = await connector._resolve(dial.host, dial.port, traces)
    except OSError as exc:
        raise ClientConnectorDNSError(dial.key, exc) from exc
    infos = [(a["family"], socket.SOCK_STREAM, a["proto"], "", (a["host"], a["port"])) for a in addrs]
    sslcontext = dial.sslcontext
    with connect_errors(dial.key, dial.error_cls):
        transport, protocol = await connector._wrap_create_connection(
            connector._protocol_factory,
            addr_infos=infos,
            req=req,
            timeout=timeout,
            client_error=dial.error_cls,
            ssl=sslcontext,
            server_hostname=dial.server_hostname if sslcontext else None,
        )
    return transport, protocol
