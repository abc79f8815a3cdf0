"""Where HTTP/2 meets proxies and the caller's TLS context: ``https://`` through a
SOCKS proxy with ``http2=True`` negotiates ``h2`` by ALPN inside the SOCKS connection
(the one protocol factory chooses for SOCKS connections too), and concurrent requests
share that one connection; with HTTP/2 off it stays HTTP/1.1; a caller's context that
offers ``h2`` while HTTP/2 is off fails clearly.  Against nginx (``listen ... ssl http2``).
"""

from __future__ import annotations

import asyncio

import pytest

import aiohttp_client as aiohttp
from _h2_servers import client_tls
from _servers import run
from _socks_servers import socks_peer
from aiohttp_client import HttpVersion

__all__ = ("socks_peer",)  # fixture, used by name

pytestmark = pytest.mark.nginx


@pytest.mark.parametrize("scheme", ["socks5", "socks4"])
def test_http2_through_socks(nginx_h2, socks_peer, scheme: str) -> None:
    peer = socks_peer()

    async def main() -> list[tuple[HttpVersion, bytes]]:
        ctx = client_tls(nginx_h2.ca)
        async with aiohttp.ClientSession(http2=True) as session:

            async def one() -> tuple[HttpVersion, bytes]:
                async with session.get(nginx_h2.url("/small"), ssl=ctx, proxy=peer.url(scheme)) as resp:
                    assert resp.status == 200
                    return resp.version, await resp.read()

            first = await one()  # opens the connection: later ones ride it
            return [first, *await asyncio.gather(*(one() for _ in range(20)))]

    results = run(main())
    assert {version for version, _ in results} == {HttpVersion(2, 0)}
    assert len({body for _, body in results}) == 1
    assert len(peer.handshakes) == 1  # one SOCKS connection carried all 21 streams
    records = nginx_h2.access_log()
    assert len(records) == 21 and {r["protocol"] for r in records} == {"HTTP/2.0"}
    assert len({r["connection"] for r in records}) == 1


def test_http2_off_through_socks_stays_http11(nginx_h2, socks_peer) -> None:
    peer = socks_peer()

    async def main() -> HttpVersion:
        async with aiohttp.ClientSession() as session:
            ctx = client_tls(nginx_h2.ca, alpn=("http/1.1",))
            async with session.get(nginx_h2.url("/small"), ssl=ctx, proxy=peer.url()) as resp:
                await resp.read()
                return resp.version

    assert run(main()) == HttpVersion(1, 1)
    assert [r["protocol"] for r in nginx_h2.access_log()] == ["HTTP/1.1"]


@pytest.mark.parametrize("via_socks", [False, True])
def test_user_context_offering_h2_with_http2_off_fails_clearly(nginx_h2, socks_peer, via_socks: bool) -> None:
    """The caller's SSLContext offers h2 and nginx selects it, but HTTP/2 is off: a
    clear ClientConnectionError (before: HTTP/1.1 bytes to an HTTP/2 server, and
    "data received with no request outstanding"); the connection is not pooled, and a
    context offering only http/1.1 then works.
    """
    peer = socks_peer()
    proxy = peer.url() if via_socks else None

    async def main() -> HttpVersion:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError, match="selected the ALPN protocol 'h2'"):
                await session.get(nginx_h2.url("/small"), ssl=client_tls(nginx_h2.ca), proxy=proxy)
            assert not session.connector._conns  # type: ignore[union-attr]
            ctx = client_tls(nginx_h2.ca, alpn=("http/1.1",))
            async with session.get(nginx_h2.url("/small"), ssl=ctx, proxy=proxy) as resp:
                await resp.read()
                return resp.version

    assert run(main()) == HttpVersion(1, 1)
    assert [r["protocol"] for r in nginx_h2.access_log()] == ["HTTP/1.1"]
