"""A tunnel through an HTTP proxy: ``CONNECT host:port`` on a connection to the
proxy, then TLS with the origin inside it (RFC 9110 §9.3.6; reference: "Proxy
support").

``Proxy-Authorization`` and the ``proxy_headers`` go on the CONNECT request only;
nothing of them is sent inside the tunnel.  A CONNECT answered with a status other
than 2xx raises :class:`~..client_exceptions.ClientHttpProxyError` and closes the
connection (it is never pooled).  Bytes that follow a 2xx head are refused
(:class:`~..client_exceptions.ClientProxyConnectionError`, the connection closed):
they would otherwise be read as the origin's first response, outside TLS.  The
tunnel's TLS layer gets a fresh protocol, so no parser state crosses it.  Through
an ``https://`` proxy this is TLS inside TLS, which asyncio supports from Python 3.11.
"""

import asyncio
import errno
import ssl
from collections.abc import Iterable
from typing import Callable, Optional

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._models import ConnectionKey, HttpVersion11, RequestInfo
from .._protocols._exchange import ReaderOptions, RequestHead
from .._protocols._protocol import ResponseProtocol
from .._sansio._proxy import authority, connect_request
from ..client_exceptions import ClientConnectionError, ClientHttpProxyError, ClientProxyConnectionError

__all__ = ("open_tunnel",)

_CONNECT_OPTIONS = ReaderOptions(read_until_eof=False)


async def open_tunnel(
    loop: asyncio.AbstractEventLoop,
    protocol: ResponseProtocol,
    *,
    proxy: URL,
    proxy_key: ConnectionKey,
    target: tuple[str, Optional[int]],
    fields: Iterable[tuple[str, str]],
    sslcontext: ssl.SSLContext,
    server_hostname: str,
    protocol_factory: Callable[[], asyncio.Protocol],
) -> tuple[asyncio.Transport, asyncio.Protocol]:
    """Ask the proxy on *protocol*'s connection for a tunnel to *target* (``(host,
    port)``, ASCII host), then start TLS to the origin over it.

    The CONNECT request is one exchange on *protocol* (HTTP/1.1, to the proxy).
    Returns ``(TLS transport, a new protocol from *protocol_factory*)``: nothing of
    the exchange with the proxy (parser state, buffered bytes) crosses into the
    tunnel; the connector then picks the connection's protocol from these (its
    one factory).  The caller closes *protocol*'s transport on any error.

    :raises ClientHttpProxyError: the proxy refused (a status other than 2xx).
    :raises ClientProxyConnectionError: (for *proxy_key*) the proxy sent bytes after
        its 2xx head, before the TLS handshake began: they are not the origin's.
    :raises ssl.SSLError: (and ``ssl.CertificateError``) the TLS handshake failed.
    :raises OSError: the connection failed.
    """
    transport = protocol.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("The proxy closed the connection")
    fields = list(fields)
    host, port = target
    head_fields = CIMultiDict([("Host", authority(host, port)), *fields])
    raw = connect_request(host, port, fields)
    head = RequestHead("CONNECT", proxy, authority(host, port), HttpVersion11, head_fields, raw, False)
    waiter = protocol.start("CONNECT", _CONNECT_OPTIONS)
    protocol.write_head(head, b"")
    head_in, _ = await waiter
    if not 200 <= head_in.status < 300:
        info = RequestInfo(proxy, "CONNECT", CIMultiDictProxy(CIMultiDict(fields)), proxy)
        raise ClientHttpProxyError(info, (), status=head_in.status, message=head_in.reason, headers=head_in.headers)
    extra = protocol.detach_for_tunnel()
    if extra:  # e.g. a plaintext response injected as if from the origin
        reason = f"the proxy sent {len(extra)} bytes after its {head_in.status} response to CONNECT"
        raise ClientProxyConnectionError(proxy_key, OSError(errno.EPROTO, reason))
    if transport.is_closing():  # pragma: no cover - closed between the head and here
        raise ConnectionResetError("The proxy closed the tunnel")
    inner = protocol_factory()
    try:
        # start_tls moves the transport to its TLS layer before its first await:
        # any later byte from the proxy is TLS input, never HTTP for *protocol*.
        tls = await loop.start_tls(transport, inner, sslcontext, server_hostname=server_hostname)
    except TypeError as exc:  # asyncio before 3.11 cannot start TLS on a TLS transport
        raise ClientConnectionError(
            f"TLS inside TLS (an https:// proxy to {target[0]}) is not supported by this event loop: {exc}"
        ) from exc
    if tls is None:  # pragma: no cover - only when the transport closed meanwhile
        raise ConnectionResetError("The proxy closed the tunnel")
    inner.connection_made(tls)
    return tls, inner
