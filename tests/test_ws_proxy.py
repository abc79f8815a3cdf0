"""``wss://`` through proxy.py: the client opens a CONNECT tunnel (with the proxy's
Basic credentials on the CONNECT only), runs TLS to the origin inside it, then the
WebSocket handshake; both WebSocket servers (``websockets`` and aiohttp.web) answer
as the origin."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from typing import Any

import pytest
import trustme

import aiohttp_client as aiohttp
from _servers import run
from test_proxy import proxy_url
from test_ws_interop import HOST, SERVERS, raw_ws_server, ws_server

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


def test_ws_with_trust_env_uses_ws_proxy_only(monkeypatch: Any) -> None:
    """``ws://`` reads ``ws_proxy`` and never ``http_proxy`` or ``all_proxy``, as
    aiohttp 3.14.5 does (checked black box): with those naming a dead proxy the
    handshake goes direct; ``ws_proxy`` naming it fails on the proxy."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        dead = f"http://{HOST}:{sock.getsockname()[1]}"  # closed once the block ends
    monkeypatch.setenv("http_proxy", dead)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")

    async def main() -> None:
        async with ws_server("aiohttp") as url, aiohttp.ClientSession(trust_env=True) as session:
            async with session.ws_connect(url) as ws:
                await ws.send_str("direct")
                assert await ws.receive_str() == "direct"
            monkeypatch.setenv("ws_proxy", dead)
            with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                await session.ws_connect(url)
            assert f"{info.value.host}:{info.value.port}" == dead[len("http://") :]

    run(main(), timeout=30)


def test_ws_through_a_proxy_bytes_behind_the_101_go_to_the_websocket() -> None:
    """``ws://`` through an http:// proxy is an absolute-form GET to the proxy (as in
    aiohttp); a frame that arrives with the 101 belongs to the WebSocket reader."""
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.read())  # until the client goes away

    async def main() -> None:
        async with raw_ws_server(record, extra=b"\x81\x05Hello") as proxy_url:
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(
                    "ws://origin.invalid/chat", proxy=proxy_url, timeout=aiohttp.ClientWSTimeout(ws_close=0.2)
                )
                assert await ws.receive_str() == "Hello"
                await ws.close()

    run(main(), timeout=30)
    assert seen and seen[0][:2] == b"\x88\x82"  # the client's masked close frame, nothing else before it
