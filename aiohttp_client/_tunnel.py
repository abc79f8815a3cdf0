"""A tunnel through an HTTP proxy: ``CONNECT host:port`` on a connection to the
proxy, then TLS with the origin inside it (RFC 9110 §9.3.6; reference: "Proxy
support").

``Proxy-Authorization`` and the ``proxy_headers`` go on the CONNECT request only;
nothing of them is sent inside the tunnel.  A CONNECT answered with a status other
than 2xx raises :class:`~.client_exceptions.ClientHttpProxyError` and closes the
connection (it is never pooled).  Through an ``https://`` proxy this is TLS inside
TLS, which asyncio supports from Python 3.11.
"""

import asyncio
import ssl
from collections.abc import Iterable
from typing import Optional

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._models import RequestInfo
from ._protocol import ResponseProtocol
from ._sansio._proxy import connect_request
from .client_exceptions import ClientConnectionError, ClientHttpProxyError

__all__ = ("open_tunnel",)


async def open_tunnel(
    loop: asyncio.AbstractEventLoop,
    protocol: ResponseProtocol,
    proxy: URL,
    target: tuple[str, Optional[int]],
    fields: Iterable[tuple[str, str]],
    sslcontext: ssl.SSLContext,
    server_hostname: str,
) -> None:
    """Ask the proxy on *protocol*'s connection for a tunnel to *target* (``(host,
    port)``, ASCII host), then start TLS to the origin over it; *protocol* then
    reads from the TLS transport.

    :raises ClientHttpProxyError: the proxy refused (a status other than 2xx).
    :raises ssl.SSLError: (and ``ssl.CertificateError``) the TLS handshake failed.
    :raises OSError: the connection failed.
    """
    transport = protocol.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("The proxy closed the connection")
    fields = list(fields)
    waiter = protocol.expect_response("CONNECT", read_until_eof=False)
    transport.write(connect_request(target[0], target[1], fields))
    head, _, _ = await waiter
    if not 200 <= head.status < 300:
        info = RequestInfo(proxy, "CONNECT", CIMultiDictProxy(CIMultiDict(fields)), proxy)
        raise ClientHttpProxyError(info, (), status=head.status, message=head.reason, headers=head.headers)
    try:
        tls = await loop.start_tls(transport, protocol, sslcontext, server_hostname=server_hostname)
    except TypeError as exc:  # asyncio before 3.11 cannot start TLS on a TLS transport
        raise ClientConnectionError(
            f"TLS inside TLS (an https:// proxy to {target[0]}) is not supported by this event loop: {exc}"
        ) from exc
    if tls is None:  # pragma: no cover - only when the transport closed meanwhile
        raise ConnectionResetError("The proxy closed the tunnel")
    protocol.connection_made(tls)
