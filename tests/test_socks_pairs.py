"""SOCKS proxies where they meet other features (issue 18): the pool, cookies,
redirects across origins, per-session settings, ``trust_env`` and ``.netrc``,
request bodies, cancellation.  Peers: danted and hand-written SOCKS servers
(``tests/_socks_servers.py``), raw and aiohttp.web origins, all on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import HOST, Reply, run
from _sockets import sockets_settle
from _socks_servers import PASSWORD, PROXY_ONLY_NAME, USER, dante, socks_peer

__all__ = ("dante", "socks_peer")  # fixtures, used by name

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
_AUTH = b"\x01" + bytes([len(USER)]) + USER.encode() + bytes([len(PASSWORD)]) + PASSWORD.encode()


@pytest.mark.filterwarnings("ignore:.*(BasicAuth|proxy_auth).*:DeprecationWarning")
def test_pool_key_carries_the_proxy_and_its_credentials(dante: Any, raw_server: Any) -> None:
    """Through the same SOCKS proxy with the same credentials a connection is reused
    (credentials in the URL or as ``proxy_auth`` are the same key); other
    credentials, none, or another scheme get a new connection."""
    srv = raw_server(Reply.of(OK))
    with_creds = dante.url("socks5", f"{USER}:{PASSWORD}")

    async def get(session: aiohttp.ClientSession, **kwargs: Any) -> None:
        async with session.get(srv.url("/"), **kwargs) as resp:
            assert await resp.read() == b"ok"

    async def main() -> None:
        async with aiohttp.ClientSession(proxy=with_creds) as session:  # per session
            for _ in range(3):
                await get(session)
            assert srv.accepted == 1
            await get(session, proxy=dante.url("socks5"))  # no credentials: not that connection
            assert srv.accepted == 2
            await get(session, proxy=with_creds)
            await get(session, proxy=dante.url("socks5"), proxy_auth=aiohttp.BasicAuth(USER, PASSWORD))
            await get(session)
            assert srv.accepted == 2
            await get(session, proxy=dante.url("socks5h", f"{USER}:{PASSWORD}"))
            assert srv.accepted == 3

    run(main())
    assert len(srv.requests) == 8
    assert all(r.startswith(b"GET / HTTP/1.1\r\n") for r in srv.requests)  # origin-form, no proxy fields
    assert b"roxy" not in srv.received and PASSWORD.encode() not in srv.received


def test_cookies_through_socks(dante: Any, raw_server: Any) -> None:
    """A cookie set by the origin through the proxy is sent back through it."""
    set_cookie = b"HTTP/1.1 200 OK\r\nSet-Cookie: k=v; Path=/\r\nContent-Length: 2\r\n\r\nok"
    srv = raw_server([Reply.of(set_cookie), Reply.of(OK)])

    async def main() -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # the origin is an IP address
        async with aiohttp.ClientSession(proxy=dante.url("socks5h"), cookie_jar=jar) as session:
            for path in ("/set", "/again"):
                async with session.get(srv.url(path)) as resp:
                    assert await resp.read() == b"ok"
            assert [c.key for c in session.cookie_jar] == ["k"]

    run(main())
    first, second = srv.requests
    assert b"\r\nCookie:" not in first and b"\r\nCookie: k=v\r\n" in second


def test_a_redirect_to_another_origin_keeps_the_proxy(socks_peer: Any, raw_server: Any) -> None:
    """A 302 to another origin, reachable only by a name the proxy resolves: the
    next hop goes through the same SOCKS proxy with the same credentials, per
    request and per session."""
    peer = socks_peer()
    target = raw_server(Reply.of(OK))
    location = f"http://{PROXY_ONLY_NAME}:{target.port}/there".encode()
    first = raw_server(Reply.of(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"))
    proxy = peer.url("socks5h", f"{USER}:{PASSWORD}")

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(first.url("/here"), proxy=proxy) as resp:
                assert (resp.status, str(resp.url)) == (200, location.decode())
                assert [h.status for h in resp.history] == [302]
        async with aiohttp.ClientSession(proxy=proxy) as session:
            async with session.get(first.url("/here")) as resp:
                assert resp.status == 200

    run(main())
    assert len(peer.handshakes) == 4
    to_first = b"\x05\x01\x00\x01\x7f\x00\x00\x01" + first.port.to_bytes(2, "big")  # an IPv4 literal
    name = PROXY_ONLY_NAME.encode()
    to_target = b"\x05\x01\x00\x03" + bytes([len(name)]) + name + target.port.to_bytes(2, "big")
    assert peer.handshakes == [b"\x05\x02\x00\x02" + _AUTH + r for r in (to_first, to_target) * 2]
    assert all(r.startswith(b"GET /there HTTP/1.1\r\nHost: socks-only.test:") for r in target.requests)


def test_trust_env_reads_a_socks_proxy_from_http_proxy(
    socks_peer: Any, web_server: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    """``trust_env``: a ``socks5h://`` value in ``http_proxy`` is used (its
    credentials from ``.netrc`` for the proxy's host), ``ALL_PROXY`` stays unread,
    ``NO_PROXY`` still bypasses it."""
    peer = socks_peer()
    srv = web_server()
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", peer.url("socks5h"))
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {HOST} login {USER} password {PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    url = f"http://{PROXY_ONLY_NAME}:{srv.port}/echo"

    async def main() -> None:
        async with aiohttp.ClientSession(trust_env=True) as session:
            async with session.get(url) as resp:
                assert resp.status == 200
                names = {k.lower() for k, _ in (await resp.json())["headers"]}
                assert "authorization" not in names and "proxy-authorization" not in names
            monkeypatch.setenv("no_proxy", f"{PROXY_ONLY_NAME},{HOST}")
            with pytest.raises(aiohttp.ClientConnectorDNSError):
                await session.get(url)  # direct: this process cannot resolve the name
            async with session.get(srv.url("/echo")) as resp:  # direct: ALL_PROXY (dead) is not read
                assert resp.status == 200

    run(main())
    (shake,) = peer.handshakes
    assert shake.startswith(b"\x05\x02\x00\x02" + _AUTH)


def test_request_bodies_through_socks(dante: Any, web_server: Any) -> None:
    """Bodies of each kind (bytes, JSON, a stream of unknown length: chunked) reach
    the origin whole through the proxy."""
    srv = web_server()
    big = os.urandom(300_000)

    async def stream() -> Any:
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    async def main() -> None:
        async with aiohttp.ClientSession(proxy=dante.url("socks5", f"{USER}:{PASSWORD}")) as session:
            async with session.post(srv.url("/echo"), data=big) as resp:
                assert (await resp.json())["body"].encode("latin-1") == big
            async with session.post(srv.url("/echo"), json={"a": [1, 2]}) as resp:
                assert (await resp.json())["body"] == '{"a": [1, 2]}'
            async with session.post(srv.url("/echo"), data=stream()) as resp:
                echo = await resp.json()
                assert echo["body"].encode("latin-1") == big
                assert ("Transfer-Encoding", "chunked") in [tuple(h) for h in echo["headers"]]

    run(main(), timeout=30)


def test_cancelled_mid_handshake_closes_the_socket(socks_peer: Any) -> None:
    """A request cancelled while the proxy stalls in the handshake leaves no socket
    open and its connection slot free."""
    peer = socks_peer(mode="stall")

    async def attempt(session: aiohttp.ClientSession) -> None:
        task = asyncio.ensure_future(session.get("http://origin.invalid/", proxy=peer.url("socks5h")))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            await attempt(session)
            for _ in range(3):
                await attempt(session)  # limit=1: a leaked slot would block the next one
            assert await sockets_settle(peer.port) == 0

    run(main())
    assert len(peer.handshakes) == 4


def test_credentials_from_proxy_headers(socks_peer: Any, raw_server: Any) -> None:
    """aiohttp 3.14 deprecates ``proxy_auth`` for ``proxy_headers={"Proxy-Authorization":
    encode_basic_auth(...)}``: with a SOCKS proxy those become the SOCKS5 credentials
    (RFC 1929), and no field of ``proxy_headers`` reaches the origin; a field that is
    not Basic credentials is refused before connecting."""
    peer = socks_peer()
    srv = raw_server(Reply.of(OK))
    fields = {"Proxy-Authorization": aiohttp.encode_basic_auth(USER, PASSWORD), "X-For-Proxy": "1"}

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/"), proxy=peer.url("socks5"), proxy_headers=fields) as resp:
                assert await resp.read() == b"ok"
            with pytest.raises(ValueError, match="Unknown authorization method"):
                bearer = {"Proxy-Authorization": "Bearer x"}
                await session.get(srv.url("/"), proxy=peer.url("socks5"), proxy_headers=bearer)

    run(main())
    (shake,) = peer.handshakes
    assert shake.startswith(b"\x05\x02\x00\x02" + _AUTH)
    (request,) = srv.requests
    assert b"roxy-" not in request and b"X-For-Proxy" not in request


def test_trust_env_ws_proxy_socks(dante: Any, monkeypatch: Any) -> None:
    """``ws_proxy=socks5h://…`` carries ``ws_connect`` under ``trust_env`` (the
    WebSocket server's name resolves only for the proxy)."""
    from test_ws_interop import ws_server

    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ws_proxy", dante.url("socks5h", f"{USER}:{PASSWORD}"))

    async def main() -> None:
        async with ws_server("aiohttp") as url, aiohttp.ClientSession(trust_env=True) as session:
            async with session.ws_connect(url.replace(HOST, PROXY_ONLY_NAME)) as ws:
                await ws.send_str("via ws_proxy")
                assert await ws.receive_str() == "via ws_proxy"

    run(main())
