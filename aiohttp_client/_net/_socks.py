"""SOCKS proxies: the handshake on a TCP connection the connector made to the proxy,
then HTTP, or TLS with the origin, over it (issue 18).

Schemes (the convention of curl and of most clients; RFC 1928 for SOCKS5, RFC 1929
for its username/password sub-negotiation; SOCKS4 and SOCKS4a are de facto
specifications):

=========== ======= ======================================================
scheme      version who resolves the origin's name
=========== ======= ======================================================
``socks4``  4       this client (the connector's resolver; IPv4 only)
``socks4a`` 4a      the proxy
``socks5``  5       this client (the connector's resolver)
``socks5h`` 5       the proxy
=========== ======= ======================================================

Credentials come from ``proxy_auth``, the proxy URL's userinfo, or a Basic
``Proxy-Authorization`` in ``proxy_headers`` (what aiohttp 3.14 recommends instead of
the deprecated ``proxy_auth``; SOCKS has no header fields, so nothing else of
``proxy_headers`` is sent anywhere): SOCKS5 sends them
with the username/password method (RFC 1929, each 1 to 255 ASCII bytes), SOCKS4 sends
the login as its user id (the password is not part of SOCKS4).  They go to the proxy
only: never to the origin, never into a log, a ``repr`` or an exception message.

The protocol itself is ``python-socks`` (the optional extra ``aiohttp_client[socks]``),
its asyncio connectors, run over a small protocol of ours on the connector's
transport, so that DNS, Happy Eyeballs, ``local_addr``, ``socket_factory``, TLS
settings and the pool stay the connector's.  After the proxy's reply the transport
gets a fresh protocol from the connector's factory (plain HTTP) or TLS starts with the
origin inside it (``https://``, ``wss://``: verification, ``server_hostname``, the
fingerprint and ALPN as for a direct connection).  Bytes the proxy sends after its
reply, before the client spoke, are refused: they can only be the proxy's own
(``ClientProxyConnectionError``; compare ``_tunnel`` for HTTP proxies).

Errors: the proxy cannot be reached -> ``ClientProxyConnectionError`` naming it; the
proxy answers with a failure (authentication refused, host unreachable, ...) ->
``ClientSocksProxyError`` (a ``ClientProxyConnectionError``) with the reply's meaning;
the handshake stalls -> ``ConnectionTimeoutError`` once ``sock_connect`` passes.
"""

import asyncio
import errno
import importlib
import ssl
from typing import Any, Callable, NamedTuple, Optional

from yarl import URL

from .._models import ConnectionKey
from .._protocols._protocol import ResponseProtocol
from .._sansio._basic_auth import BasicAuth
from .._sansio._proxy import SOCKS_SCHEMES
from ..client_exceptions import ClientProxyConnectionError, ClientSocksProxyError

__all__ = (
    "SOCKS_PORT",
    "SocksRoute",
    "check_socks",
    "socks_credentials",
    "socks_handshake",
    "socks_route",
    "start_origin",
)

#: The default port of a SOCKS proxy (RFC 1928 §3).
SOCKS_PORT = 1080

_EXTRA_HINT = "install the extra: pip install 'aiohttp_client[socks]'"

# SOCKS5 replies (RFC 1928 §6) and SOCKS4 replies as the nearest errno, so that
# ClientOSError.errno means something to a caller.
_SOCKS5_ERRNO = {
    0x01: errno.EIO,
    0x02: errno.EACCES,
    0x03: errno.ENETUNREACH,
    0x04: errno.EHOSTUNREACH,
    0x05: errno.ECONNREFUSED,
    0x06: errno.ETIMEDOUT,
    0x07: errno.EPROTO,
    0x08: errno.EAFNOSUPPORT,
}
_SOCKS4_ERRNO = {0x5B: errno.ECONNREFUSED, 0x5C: errno.EACCES, 0x5D: errno.EACCES}


class SocksRoute(NamedTuple):
    """What the handshake needs: the proxy's version (4 or 5), whether the proxy
    resolves the origin's name, the proxy's address, and the credentials.
    """

    version: int
    remote_dns: bool
    host: str
    port: int
    auth: Optional[BasicAuth]


def socks_route(proxy: URL, auth: Optional[BasicAuth]) -> SocksRoute:
    """The route for a SOCKS *proxy* URL (without userinfo) and its *auth*."""
    scheme = proxy.scheme
    return SocksRoute(
        4 if scheme.startswith("socks4") else 5,
        scheme in ("socks4a", "socks5h"),
        proxy.raw_host or "",
        proxy.port or SOCKS_PORT,
        auth,
    )


def socks_credentials(auth: Optional[BasicAuth], proxy_headers: Any) -> Optional[BasicAuth]:
    """The SOCKS credentials: *auth* (``proxy_auth`` or the URL's), else a Basic
    ``Proxy-Authorization`` field of *proxy_headers* (a mapping), else ``None``.

    :raises ValueError: that field is not Basic credentials.
    """
    if auth is not None or not proxy_headers:
        return auth
    for name, value in proxy_headers.items():
        if name.lower() == "proxy-authorization":
            return BasicAuth.decode(value)
    return None


def _python_socks() -> tuple[Any, Any, Any]:
    """``(ProxyType, create_connector, ReplyError)`` from python-socks.

    The asyncio connectors run over any stream with ``write``, ``read``,
    ``read_exactly`` and ``close``; they live in python-socks' private
    ``_connectors`` package (2.4 to 3.x): a release that moves them fails here, by name.

    :raises ValueError: python-socks is not installed or lacks those names.
    """
    try:
        ps = importlib.import_module("python_socks")
        factory = importlib.import_module("python_socks._connectors.factory_async")
        errors = importlib.import_module("python_socks._protocols.errors")
        return ps.ProxyType, factory.create_connector, errors.ReplyError
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"SOCKS proxies need python-socks>=2.4 ({exc}); {_EXTRA_HINT}") from None


def check_socks(proxy: URL, auth: Optional[BasicAuth]) -> None:
    """Refuse what cannot work before anything is sent: no python-socks, or
    credentials SOCKS cannot carry.

    :raises ValueError: python-socks is missing (the message names the extra
        ``aiohttp_client[socks]``); SOCKS5 credentials that are not 1 to 255 ASCII
        bytes each (RFC 1929 §2); a SOCKS4 user id that is not ASCII.
    """
    if proxy.scheme not in SOCKS_SCHEMES:
        return
    _python_socks()
    if auth is None:
        return
    if not (auth.login.isascii() and auth.password.isascii()):
        raise ValueError(f"{proxy.scheme}:// credentials must be ASCII")
    if proxy.scheme.startswith("socks5") and not (0 < len(auth.login) < 256 and 0 < len(auth.password) < 256):
        raise ValueError("SOCKS5 credentials need a user name and a password of 1 to 255 bytes each (RFC 1929)")


class _HandshakeStream(asyncio.Protocol):
    """The transport's protocol during the handshake, and the stream python-socks'
    connector reads and writes (``write``, ``read``, ``read_exactly``, ``close``).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, transport: asyncio.Transport) -> None:
        self._loop = loop
        self._transport = transport
        self._buffer = bytearray()
        self._waiter: Optional[asyncio.Future[None]] = None
        self._gone: Optional[BaseException] = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self._gone = self._gone or ConnectionResetError(errno.ECONNRESET, "the SOCKS proxy closed the connection")
        self._wake()
        return False

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if self._gone is None:
            reason = "the SOCKS proxy closed the connection"
            if exc is not None:
                reason = f"the connection to the SOCKS proxy was lost ({exc})"
            self._gone = ConnectionResetError(errno.ECONNRESET, reason)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def write(self, data: bytes) -> None:
        if self._gone is not None:
            raise self._gone
        self._transport.write(data)

    async def read(self, max_bytes: int = 65536) -> bytes:
        await self._fill(1)
        data = bytes(self._buffer[:max_bytes])
        del self._buffer[:max_bytes]
        return data

    async def read_exactly(self, n: int) -> bytes:
        await self._fill(n)
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    async def _fill(self, n: int) -> None:
        while len(self._buffer) < n:  # each pass waits for data or the end
            if self._gone is not None:
                raise self._gone
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def close(self) -> None:
        self._transport.abort()

    def leftover(self) -> bytes:
        """Bytes received after the proxy's reply (the caller refuses them)."""
        return bytes(self._buffer)


class _NoResolver:
    """The resolver handed to python-socks: names it should resolve locally were
    resolved by the connector before the handshake, so it is never asked.
    """

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> Any:
        raise OSError(errno.EINVAL, f"{host} should have been resolved by the connector")


def _reply_error(route: SocksRoute, proxy_key: ConnectionKey, exc: Exception, target: str) -> ClientSocksProxyError:
    code = getattr(exc, "error_code", None)
    code = int(code) if code is not None else None
    table = _SOCKS5_ERRNO if route.version == 5 else _SOCKS4_ERRNO
    number = table.get(code, errno.EPROTO) if code is not None else errno.EPROTO
    if "authentication" in str(exc).lower():
        number = errno.EACCES
    coded = f" (SOCKS{route.version} reply {code:#04x})" if code is not None else f" (SOCKS{route.version})"
    reason = f"refused the connection to {target}: {exc}{coded}"
    return ClientSocksProxyError(proxy_key, OSError(number, reason), code)


async def socks_handshake(
    transport: asyncio.Transport, route: SocksRoute, proxy_key: ConnectionKey, host: str, port: int
) -> None:
    """Ask the proxy on *transport* for a connection to *host*:*port* (an IP
    literal, or a name the proxy resolves).

    On return the transport is a byte pipe to the origin; its protocol must be
    replaced by the caller (it is the handshake's until then).  The caller closes
    the transport on any error.

    :raises ClientSocksProxyError: the proxy answered with a failure or an answer
        that is not SOCKS.
    :raises ClientProxyConnectionError: the proxy closed the connection, or sent
        bytes after its reply (for *proxy_key*).
    """
    proxy_type, create_connector, reply_error = _python_socks()
    loop = asyncio.get_running_loop()
    stream = _HandshakeStream(loop, transport)
    transport.set_protocol(stream)
    auth = route.auth
    connector = create_connector(
        proxy_type=proxy_type.SOCKS4 if route.version == 4 else proxy_type.SOCKS5,
        username=auth.login if auth is not None else None,
        password=auth.password if auth is not None else None,
        rdns=route.remote_dns,
        resolver=_NoResolver(),
    )
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        await connector.connect(stream=stream, host=host, port=port)
    except reply_error as exc:
        raise _reply_error(route, proxy_key, exc, target) from None
    except OSError as exc:
        raise ClientProxyConnectionError(proxy_key, exc) from None
    extra = stream.leftover()
    if extra:  # before the client spoke: not the origin's (it has not been asked)
        reason = f"the SOCKS proxy sent {len(extra)} bytes after its reply"
        raise ClientProxyConnectionError(proxy_key, OSError(errno.EPROTO, reason))


async def start_origin(
    transport: asyncio.Transport,
    sslcontext: Optional[ssl.SSLContext],
    server_hostname: str,
    protocol_factory: Callable[[], ResponseProtocol],
) -> ResponseProtocol:
    """Hand *transport* (a byte pipe to the origin) to a fresh protocol from
    *protocol_factory*, with TLS to the origin first when *sslcontext* is given.

    :raises ssl.SSLError: (and ``ssl.CertificateError``) the TLS handshake failed.
    :raises ConnectionResetError: the connection closed meanwhile.
    """
    if transport.is_closing():
        raise ConnectionResetError(errno.ECONNRESET, "the SOCKS proxy closed the connection")
    inner = protocol_factory()
    if sslcontext is None:
        transport.set_protocol(inner)
        inner.connection_made(transport)
        return inner
    loop = asyncio.get_running_loop()
    tls = await loop.start_tls(transport, inner, sslcontext, server_hostname=server_hostname)
    if tls is None:  # pragma: no cover - only when the transport closed meanwhile
        raise ConnectionResetError(errno.ECONNRESET, "the SOCKS proxy closed the connection")
    inner.connection_made(tls)
    return inner
