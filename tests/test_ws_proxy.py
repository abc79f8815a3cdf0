"""``wss://`` through proxy.py: the client opens a CONNECT tunnel (with the proxy's
Basic credentials on the CONNECT only), runs TLS to the origin inside it, then the
WebSocket handshake; both WebSocket servers (``websockets`` and aiohttp.web) answer
as the origin."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import trustme

import aiohttp_client as aiohttp
from _servers import run
from test_proxy import proxy_url
from test_ws_interop import HOST, SERVERS, ws_server

__all__ = ("proxy_url",)  # proxy.py, shared with test_proxy


@pytest.mark.parametrize("kind", SERVERS)
def test_wss_through_proxy_py_connect(proxy_url: Any, kind: str) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    purl = proxy_url(auth="user:pass")

    async def main() -> None:
        async with ws_server(kind, ssl_ctx=server_ctx) as url, aiohttp.ClientSession() as session:
            assert url.startswith("wss://")
            with pytest.raises(aiohttp.ClientHttpProxyError) as refused:
                await session.ws_connect(url, ssl=client_ctx, proxy=purl)
            assert refused.value.status == 407  # the CONNECT itself needs the credentials
            creds = {"Proxy-Authorization": aiohttp.encode_basic_auth("user", "pass")}
            async with session.ws_connect(url, ssl=client_ctx, proxy=purl, proxy_headers=creds) as ws:
                assert ws.get_extra_info("ssl_object") is not None  # TLS to the origin, inside the tunnel
                await ws.send_str("through the tunnel")
                assert await ws.receive_str() == "through the tunnel"
                await ws.send_bytes(b"\x00\xff" * 40000)
                assert await ws.receive_bytes() == b"\x00\xff" * 40000
                await ws.close()
            assert ws.closed and ws.close_code == aiohttp.WSCloseCode.OK

    run(main(), timeout=30)
