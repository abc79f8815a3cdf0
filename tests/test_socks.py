"""SOCKS proxies end to end (issue 18): Debian's danted and hand-written SOCKS servers
(``tests/_socks_servers.py``) in front of real origins on 127.0.0.1.

What each test checks is in its name and docstring; the pairs with other features
(cookies, redirects, pooling, trust_env) are in ``test_socks_pairs.py``.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import logging
import os
import ssl
import subprocess
import sys
from typing import Any

import pytest
import trustme

import aiohttp_client as aiohttp
from _servers import HOST, Reply, run, served_in_thread
from _sockets import sockets_settle
from _socks_servers import INJECTED, PASSWORD, PROXY_ONLY_NAME, USER, dante, socks_peer
from test_ws_interop import ws_server

__all__ = ("dante", "socks_peer")  # fixtures, used by name

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _no_secret(*texts: Any) -> None:
    for text in texts:
        assert PASSWORD not in str(text), text


@pytest.mark.parametrize("scheme", ["socks4", "socks5", "socks5h"])
def test_plain_http_through_dante(dante: Any, web_server: Any, scheme: str) -> None:
    """The request goes in origin-form to the origin, through dante, for each scheme
    dante speaks; nothing proxy-specific reaches the origin."""
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/echo?x=1"), proxy=dante.url(scheme)) as resp:
                assert resp.status == 200
                echo = await resp.json(content_type=None)
        assert echo["path"] == "/echo"
        names = {k.lower() for k, _ in echo["headers"]}
        assert "proxy-authorization" not in names and "proxy-connection" not in names
        assert dict(echo["headers"])["Host"] == f"{HOST}:{srv.port}"

    run(main())


@pytest.fixture
def pproxy_url(unused_port: int) -> Any:
    """pproxy (a second SOCKS implementation, pure Python) speaking SOCKS4 and SOCKS5
    on 127.0.0.1; stopped at teardown."""
    import socket
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "pproxy", "-l", f"socks4+socks5://{HOST}:{unused_port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, unused_port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("pproxy did not start")
        yield lambda scheme: f"{scheme}://{HOST}:{unused_port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("scheme", ["socks4", "socks5", "socks5h"])
def test_plain_http_through_pproxy(pproxy_url: Any, web_server: Any, scheme: str) -> None:
    """The same through pproxy: a second SOCKS server implementation."""
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession(proxy=pproxy_url(scheme)) as session:
            for _ in range(2):
                async with session.get(srv.url("/echo")) as resp:
                    assert (await resp.json(content_type=None))["path"] == "/echo"

    run(main())
    assert len(set(srv.peers)) == 1  # one connection through the proxy, reused


def test_socks4a_sends_the_name_and_user_id(socks_peer: Any, raw_server: Any) -> None:
    """socks4a:// hands the name to the proxy (SOCKS4a: address 0.0.0.1, then the
    name) with the URL's user as the SOCKS4 user id; socks4:// resolves it here."""
    peer = socks_peer()
    srv = raw_server(Reply.of(OK))
    port = srv.port.to_bytes(2, "big")

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            url = f"http://{PROXY_ONLY_NAME}:{srv.port}/a"
            async with session.get(url, proxy=peer.url("socks4a", "ident")) as resp:
                assert await resp.read() == b"ok"
            async with session.get(f"http://localhost:{srv.port}/b", proxy=peer.url("socks4")) as resp:
                assert await resp.read() == b"ok"

    run(main())
    first, second = peer.handshakes
    assert first == b"\x04\x01" + port + b"\x00\x00\x00\x01ident\x00" + PROXY_ONLY_NAME.encode() + b"\x00"
    assert second == b"\x04\x01" + port + b"\x7f\x00\x00\x01\x00"  # localhost resolved here, no user id
    assert srv.requests[0].startswith(b"GET /a HTTP/1.1\r\nHost: socks-only.test:")


@pytest.mark.filterwarnings("ignore:.*(BasicAuth|proxy_auth).*:DeprecationWarning")
def test_socks5_credentials_bytes_rfc1929(socks_peer: Any, raw_server: Any) -> None:
    """SOCKS5 offers no-auth and username/password, sends RFC 1929's request, then
    CONNECT with an IPv4 address (socks5://) or the name (socks5h://); the credentials
    never reach the origin."""
    peer = socks_peer()
    srv = raw_server(Reply.of(OK))
    port = srv.port.to_bytes(2, "big")

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://localhost:{srv.port}/", proxy=peer.url("socks5", f"{USER}:{PASSWORD}")):
                pass
            url = f"http://{PROXY_ONLY_NAME}:{srv.port}/"
            async with session.get(url, proxy=peer.url("socks5h"), proxy_auth=aiohttp.BasicAuth(USER, PASSWORD)):
                pass

    run(main())
    auth = b"\x01" + bytes([len(USER)]) + USER.encode() + bytes([len(PASSWORD)]) + PASSWORD.encode()
    name = PROXY_ONLY_NAME.encode()
    assert peer.handshakes == [
        b"\x05\x02\x00\x02" + auth + b"\x05\x01\x00\x01\x7f\x00\x00\x01" + port,
        b"\x05\x02\x00\x02" + auth + b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port,
    ]
    assert PASSWORD.encode() not in srv.received and USER.encode() not in srv.received


def test_socks5_auth_with_dante_and_a_wrong_password(dante: Any, raw_server: Any, caplog: Any) -> None:
    """dante checks the password: the right one passes, a wrong one is
    ClientSocksProxyError (EACCES) naming the proxy; the password is in no message,
    repr or log record."""
    srv = raw_server(Reply.of(OK))
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/"), proxy=dante.url("socks5", f"{USER}:{PASSWORD}")) as resp:
                assert await resp.read() == b"ok"
                _no_secret(repr(resp), resp.request_info, resp.connection)
            with pytest.raises(aiohttp.ClientSocksProxyError) as info:
                await session.get(srv.url("/"), proxy=dante.url("socks5", f"{USER}:wrong-{PASSWORD}"))
        exc = info.value
        assert isinstance(exc, aiohttp.ClientProxyConnectionError)
        assert (exc.host, exc.port, exc.errno, exc.reply_code) == (HOST, dante.port, errno.EACCES, None)
        assert "authentication failure" in str(exc) and f"{HOST}:{dante.port}" in str(exc)
        _no_secret(str(exc), repr(exc), exc.args, exc.__cause__, exc.__context__)

    run(main())
    assert len(srv.requests) == 1
    assert PASSWORD.encode() not in srv.received and b"Proxy-Authorization" not in srv.received
    _no_secret(*(record.getMessage() for record in caplog.records))


def test_socks5h_a_name_only_the_proxy_resolves(dante: Any, web_server: Any) -> None:
    """socks5h:// lets dante resolve a name this process cannot; socks5:// and
    socks4:// resolve it here and fail with ClientConnectorDNSError."""
    srv = web_server()
    url = f"http://{PROXY_ONLY_NAME}:{srv.port}/echo"

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(url, proxy=dante.url("socks5h")) as resp:
                assert resp.status == 200
                assert dict((await resp.json(content_type=None))["headers"])["Host"] == f"{PROXY_ONLY_NAME}:{srv.port}"
            for scheme in ("socks5", "socks4"):
                with pytest.raises(aiohttp.ClientConnectorDNSError):
                    await session.get(url, proxy=dante.url(scheme, f"{USER}:{PASSWORD}"))

    run(main())


def test_reply_errors_have_their_meaning(dante: Any, socks_peer: Any) -> None:
    """A SOCKS5 failure reply is ClientSocksProxyError with the reply's meaning,
    code and errno: dante's "host unreachable" for a name it cannot resolve, and each
    code from a hand-written server."""
    peer = socks_peer(mode="fail", fail_code=5)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientSocksProxyError) as info:
                await session.get("http://no-such-host.invalid/", proxy=dante.url("socks5h"))
            assert (info.value.reply_code, info.value.errno) == (4, errno.EHOSTUNREACH)
            assert "Host unreachable" in str(info.value) and "no-such-host.invalid:80" in str(info.value)
            with pytest.raises(aiohttp.ClientSocksProxyError) as info:
                await session.get(f"http://{HOST}:9/", proxy=peer.url("socks5"))
            assert (info.value.reply_code, info.value.errno) == (5, errno.ECONNREFUSED)
            assert "refused" in str(info.value) and f"{HOST}:{peer.port}" in str(info.value)

    run(main())


def test_a_proxy_that_refuses_or_is_unreachable(unused_port: int) -> None:
    """No one listening on the proxy's port: ClientProxyConnectionError naming the
    proxy (not the origin)."""

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                await session.get("http://origin.invalid/", proxy=f"socks5h://{USER}:{PASSWORD}@{HOST}:{unused_port}")
        exc = info.value
        assert not isinstance(exc, aiohttp.ClientSocksProxyError)
        assert (exc.host, exc.port, exc.errno) == (HOST, unused_port, errno.ECONNREFUSED)
        _no_secret(str(exc), repr(exc))

    run(main())


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("which", ["sock_connect", "connect"])
def test_a_proxy_that_stalls_mid_handshake(socks_peer: Any, which: str) -> None:
    """The proxy reads the greeting and never answers: the ``sock_connect`` or
    ``connect`` timeout ends the handshake with ConnectionTimeoutError, and every
    socket to the proxy is closed."""
    peer = socks_peer(mode="stall")
    timeout = aiohttp.ClientTimeout(**{which: 0.3})

    async def attempt(session: aiohttp.ClientSession) -> None:
        with pytest.raises(aiohttp.ConnectionTimeoutError):
            await session.get("http://origin.invalid/", proxy=peer.url("socks5h"))
        await asyncio.sleep(0.05)  # an aborted transport closes its socket on the next loop pass

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await attempt(session)  # warm-up: whatever the loop opens once (e.g. its executor)
            for _ in range(5):
                await attempt(session)
            assert await sockets_settle(peer.port) == 0

    run(main())
    assert len(peer.handshakes) == 6 and all(h.startswith(b"\x05") for h in peer.handshakes)


def test_bytes_after_the_reply_are_refused(socks_peer: Any, raw_server: Any) -> None:
    """A proxy that sends a response right behind its SOCKS5 reply, before the client
    spoke: ClientProxyConnectionError, the injected bytes are never a response, and
    the origin gets no request."""
    peer = socks_peer(mode="extra")
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                await session.get(srv.url("/"), proxy=peer.url("socks5"))
            assert f"sent {len(INJECTED)} bytes after its reply" in str(info.value)

    run(main())
    assert srv.requests == []


# --------------------------------------------------------------------------------------
# TLS to the origin through SOCKS
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


def _tls_origin(ca: Any) -> tuple[Any, bytes]:
    """A TLS origin with ALPN http/1.1 and a certificate for 127.0.0.1 and the
    proxy-only name; answers with JSON: the SNI name and the ALPN protocol it saw.
    Returns the server's context manager and the SHA-256 of its certificate.
    """
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert = ca.issue_cert(HOST, PROXY_ONLY_NAME)
    cert.configure_cert(server_ctx)
    server_ctx.set_alpn_protocols(["http/1.1"])
    seen: list[str | None] = []
    server_ctx.sni_callback = lambda sslobj, name, ctx: seen.append(name)  # type: ignore[assignment,misc]

    async def handle(reader: Any, writer: Any) -> None:
        # Keep-alive, as tls_server_for: the client closes.  (On Python 3.9 / PyPy a
        # TLS connection the server closes while it idles in the pool leaves asyncio's
        # _SSLProtocolTransport unclosed, direct or through SOCKS alike: reported.)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
                body = json.dumps({"sni": seen[-1] if seen else None, "alpn": alpn}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except Exception:  # a client that gave up on the certificate
            pass
        finally:
            writer.close()

    async def start(loop: Any) -> Any:
        return await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)

    der = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
    return served_in_thread("tls_origin", start), hashlib.sha256(der).digest()


def test_https_through_socks(dante: Any, ca: Any) -> None:
    """TLS with the origin inside the SOCKS connection, as for a direct one: the
    certificate verified for the URL's name (sent as SNI, resolved by the proxy),
    ALPN http/1.1, ``server_hostname=``, a fingerprint; a CA we do not trust or a
    wrong fingerprint fail with the documented errors."""
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    client_ctx.set_alpn_protocols(["http/1.1"])
    origin, digest = _tls_origin(ca)

    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            url = f"https://{PROXY_ONLY_NAME}:{port}/"
            async with session.get(url, proxy=dante.url("socks5h"), ssl=client_ctx) as resp:
                assert await resp.json(content_type=None) == {"sni": PROXY_ONLY_NAME, "alpn": "http/1.1"}
            url = f"https://{HOST}:{port}/"
            async with session.get(
                url, proxy=dante.url("socks5"), ssl=client_ctx, server_hostname=PROXY_ONLY_NAME
            ) as resp:
                assert (await resp.json(content_type=None))["sni"] == PROXY_ONLY_NAME
            async with session.get(url, proxy=dante.url("socks4"), ssl=aiohttp.Fingerprint(digest)) as resp:
                assert (await resp.json(content_type=None))["alpn"] == "http/1.1"  # the default context offers it
            with pytest.raises(aiohttp.ServerFingerprintMismatch):
                await session.get(url, proxy=dante.url("socks5"), ssl=aiohttp.Fingerprint(b"\0" * 32))
            with pytest.raises(aiohttp.ClientConnectorCertificateError) as info:
                await session.get(url, proxy=dante.url("socks5", f"{USER}:{PASSWORD}"))  # the system CAs
            assert info.value.host == HOST and info.value.port == port
            _no_secret(str(info.value), repr(info.value))

    with origin as server:
        run(main(server.sockets[0].getsockname()[1]), timeout=20)


# --------------------------------------------------------------------------------------
# WebSocket through SOCKS
# --------------------------------------------------------------------------------------


def test_websocket_echo_through_socks(dante: Any, ca: Any) -> None:
    """ws:// and wss:// through SOCKS5: the upgrade and frames go through the proxy,
    TLS with the origin inside it for wss://."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with ws_server("aiohttp") as url:
                async with session.ws_connect(url, proxy=dante.url("socks5", f"{USER}:{PASSWORD}")) as ws:
                    await ws.send_str("through socks")
                    assert await ws.receive_str() == "through socks"
            async with ws_server("aiohttp", ssl_ctx=server_ctx) as url:
                async with session.ws_connect(url, proxy=dante.url("socks5h"), ssl=client_ctx) as ws:
                    assert ws.get_extra_info("ssl_object") is not None
                    await ws.send_bytes(b"\x00\xff" * 40000)
                    assert await ws.receive_bytes() == b"\x00\xff" * 40000
                    await ws.close()

    run(main(), timeout=30)


# --------------------------------------------------------------------------------------
# Without python-socks
# --------------------------------------------------------------------------------------

_WITHOUT_PYTHON_SOCKS = """
import asyncio, os, sys
sys.modules["python_socks"] = None  # as if it were not installed
import aiohttp_client as aiohttp

async def main():
    async with aiohttp.ClientSession() as session:
        try:
            await session.get("http://127.0.0.1:9/", proxy="socks5://u:pw-secret@127.0.0.1:9")
        except aiohttp.InvalidUrlClientError as exc:
            print("explicit:", exc)
    os.environ["http_proxy"] = "socks5h://127.0.0.1:9"
    async with aiohttp.ClientSession(trust_env=True) as session:
        try:
            await session.get("http://127.0.0.1:9/")
        except ValueError as exc:
            print("env:", exc)

asyncio.run(main())
"""


def test_without_python_socks_the_error_names_the_extra() -> None:
    """With python-socks missing, a SOCKS proxy (given or from the environment) is
    refused before connecting, naming the extra ``aiohttp_client[socks]``."""
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PYTHON_SOCKS],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["explicit", "env"]
    for line in lines:
        assert "aiohttp_client[socks]" in line and "python-socks" in line
    assert "pw-secret" not in out.stdout
