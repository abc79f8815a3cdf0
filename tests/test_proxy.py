"""Proxies end to end: proxy.py as the real proxy (HTTP absolute-form and CONNECT,
with and without Basic auth), raw peers where the exact bytes matter, and the
sans-IO rules of ``_sansio._proxy`` (environment and ``NO_PROXY``)."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from typing import Any

import proxy
import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import Reply, run, tls_server_for
from aiohttp_client._sansio._proxy import (
    bypasses_proxy,
    check_proxy,
    connect_request,
    no_proxy_rules,
    proxy_from_environ,
)
from test_client_tls import ca, client_context

__all__ = ("ca",)  # the trustme CA fixture, shared with test_client_tls

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
BODY = b"through the tunnel"


@pytest.fixture
def proxy_url() -> Iterator[Any]:
    """Factory: ``proxy_url(auth=None)`` starts proxy.py on 127.0.0.1 (optionally
    requiring ``user:pass``) and returns its URL; every one is stopped at teardown."""
    started: list[Any] = []

    def start(auth: str | None = None, pem: str | None = None) -> URL:
        args = ["--hostname", "127.0.0.1", "--port", "0", "--num-workers", "1", "--log-level", "WARNING"]
        if auth is not None:
            args += ["--basic-auth", auth]
        if pem is not None:  # listen with TLS: an https:// proxy
            args += ["--cert-file", pem, "--key-file", pem]
        instance = proxy.Proxy(input_args=args)
        instance.__enter__()
        started.append(instance)
        scheme = "http" if pem is None else "https"
        return URL.build(scheme=scheme, host="127.0.0.1", port=instance.flags.port)

    try:
        yield start
    finally:
        for instance in started:
            instance.__exit__(None, None, None)


@pytest.fixture
def tls_origin(ca: Any) -> Iterator[tuple[int, list[bytes]]]:
    """A TLS origin on 127.0.0.1 that records each request head it receives and
    answers :data:`BODY`; yields ``(port, heads)``."""
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    with tls_server_for(ca, response) as (port, _, heads):
        yield port, heads


# --------------------------------------------------------------------------------------
# Through proxy.py
# --------------------------------------------------------------------------------------


def test_plain_http_through_proxy_py(proxy_url, web_server) -> None:
    purl = proxy_url()
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession(proxy=purl) as session:
            async with session.get(srv.url("/echo?x=1")) as resp:
                echo = await resp.json()
        assert echo["path"] == "/echo" and echo["query"] == [["x", "1"]]

    run(main())


def test_https_through_connect_with_auth_only_on_connect(proxy_url, tls_origin, ca) -> None:
    purl = proxy_url(auth="user:pass")
    port, heads = tls_origin

    async def main() -> None:
        url = f"https://127.0.0.1:{port}/secret"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_context(ca))) as session:
            with pytest.raises(aiohttp.ClientHttpProxyError) as info:
                await session.get(url, proxy=purl)
            assert info.value.status == 407
            auth = aiohttp.BasicAuth("user", "pass")
            for _ in range(2):  # the second request reuses the tunnel
                async with session.get(url, proxy=purl, proxy_auth=auth, proxy_headers={"X-To-Proxy": "1"}) as resp:
                    assert await resp.read() == BODY
        assert len(heads) == 2
        for head in heads:  # nothing meant for the proxy went inside the tunnel
            assert b"proxy-authorization" not in head.lower() and b"x-to-proxy" not in head.lower()
            assert head.startswith(b"GET /secret HTTP/1.1\r\n")

    run(main())


def test_https_origin_through_an_https_proxy(proxy_url, tls_origin, ca, tmp_path) -> None:
    pem = tmp_path / "proxy.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    purl = proxy_url(pem=str(pem))
    port, heads = tls_origin

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            request = session.get(f"https://127.0.0.1:{port}/", proxy=purl, ssl=client_context(ca))
            if sys.version_info >= (3, 11):
                async with request as resp:
                    assert await resp.read() == BODY
            else:  # asyncio cannot run TLS inside TLS before 3.11
                with pytest.raises(aiohttp.ClientConnectionError, match="TLS inside TLS"):
                    await request
        assert len(heads) == (1 if sys.version_info >= (3, 11) else 0)

    run(main())


def test_proxy_credentials_in_the_proxy_url(proxy_url, web_server) -> None:
    purl = proxy_url(auth="user:pass")
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/echo"), proxy=purl) as resp:
                assert resp.status == 407  # plain HTTP: the proxy's answer is the response
            async with session.get(srv.url("/echo"), proxy=purl.with_user("user").with_password("pass")) as resp:
                echo = await resp.json()
        names = [name.lower() for name, _ in echo["headers"]]
        assert "proxy-authorization" not in names  # proxy.py consumed it

    run(main())


def test_trust_env_proxy_netrc_and_no_proxy(proxy_url, web_server, monkeypatch, tmp_path) -> None:
    purl = proxy_url(auth="user:pass")
    srv = web_server()
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password pass\n")
    monkeypatch.setenv("NETRC", str(netrc))

    async def main() -> None:
        async with aiohttp.ClientSession(trust_env=True) as session:
            monkeypatch.setenv("http_proxy", str(purl.with_user("user").with_password("wrong")))
            async with session.get(srv.url("/echo")) as resp:
                assert resp.status == 407  # the environment's proxy, with its URL's credentials
            monkeypatch.setenv("http_proxy", str(purl))
            async with session.get(srv.url("/echo")) as resp:
                assert resp.status == 200  # credentials for the proxy host from netrc
            monkeypatch.setenv("http_proxy", str(purl.with_user("user").with_password("wrong")))
            monkeypatch.setenv("no_proxy", "localhost,127.0.0.0/8")
            async with session.get(srv.url("/echo")) as resp:
                assert resp.status == 200  # NO_PROXY: straight to the origin

    run(main())


# --------------------------------------------------------------------------------------
# Raw peers: the exact request bytes, errors, the pool key
# --------------------------------------------------------------------------------------


def test_absolute_form_and_proxy_fields_on_a_plain_request(raw_server) -> None:
    fake_proxy = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(
                "http://example.invalid:8080/a b?q=1",
                proxy=fake_proxy.url(),
                proxy_auth=aiohttp.BasicAuth("u", "p"),
                proxy_headers={"X-Proxy": "yes"},
            ) as resp:
                assert await resp.read() == b"ok"

    run(main())
    (request,) = fake_proxy.requests
    lines = request.decode("latin-1").split("\r\n")
    assert lines[0] == "GET http://example.invalid:8080/a%20b?q=1 HTTP/1.1"
    assert "Host: example.invalid:8080" in lines
    assert "Proxy-Authorization: Basic dTpw" in lines and "X-Proxy: yes" in lines


def test_refused_connect_is_a_proxy_error_and_not_pooled(raw_server) -> None:
    fake_proxy = raw_server(Reply.of(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                with pytest.raises(aiohttp.ClientHttpProxyError) as info:
                    await session.get("https://example.invalid/", proxy=fake_proxy.url())
                assert info.value.status == 403

    run(main())
    assert fake_proxy.accepted == 2
    assert fake_proxy.requests[0].startswith(b"CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n")


def test_unreachable_proxy_is_a_proxy_connection_error() -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for url in ("http://example.invalid/", "https://example.invalid/"):
                with pytest.raises(aiohttp.ClientProxyConnectionError):
                    await session.get(url, proxy="http://127.0.0.1:9")

    run(main())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("target", ["http://origin.invalid:8080/", "https://origin.invalid/"])
def test_a_refusing_proxy_is_named_in_the_error(target: str) -> None:
    port = _closed_port()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                await session.get(target, proxy=f"http://127.0.0.1:{port}")
        err = info.value
        assert (err.host, err.port, err.ssl) == ("127.0.0.1", port, True)  # as aiohttp: the proxy's
        assert str(err).startswith(f"Cannot connect to host 127.0.0.1:{port} ssl:default [")
        assert "origin.invalid" not in str(err)
        assert isinstance(err.os_error, ConnectionRefusedError)

    run(main())


@contextlib.contextmanager
def _unresponsive_listener() -> Iterator[int]:
    """A port whose accept queue is full: a further connect attempt gets no answer."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(3):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield port


@pytest.mark.parametrize("target", ["http://origin.invalid:8080/", "https://origin.invalid/"])
def test_a_proxy_that_does_not_answer_the_connect_times_out_naming_it(target: str) -> None:
    with _unresponsive_listener() as port:

        async def main() -> None:
            timeout = aiohttp.ClientTimeout(total=5, sock_connect=0.3)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                with pytest.raises(aiohttp.ConnectionTimeoutError) as info:
                    await session.get(target, proxy=f"http://127.0.0.1:{port}")
            assert f"127.0.0.1:{port}" in str(info.value) and "origin.invalid" not in str(info.value)

        run(main())


def test_trust_env_ignores_all_proxy(raw_server, monkeypatch) -> None:
    srv = raw_server(Reply.of(OK))
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    monkeypatch.setenv("all_proxy", "socks5://127.0.0.1:9")

    async def main() -> None:
        async with aiohttp.ClientSession(trust_env=True) as session:
            async with session.get(srv.url("/direct")) as resp:
                assert await resp.read() == b"ok"

    run(main())
    (request,) = srv.requests
    assert request.startswith(b"GET /direct HTTP/1.1\r\n")  # origin-form: no proxy in between


def test_unknown_proxy_scheme_and_bad_proxy_auth_are_refused_clearly() -> None:
    # SOCKS proxies work since issue 18 (tests/test_socks*.py); other schemes do not.
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ValueError, match="ftp://127.0.0.1:1080"):
                await session.get("http://example.invalid/", proxy="ftp://127.0.0.1:1080")
            with pytest.raises(ValueError, match="proxy_auth must be None or BasicAuth"):
                await session.get("http://example.invalid/", proxy="http://127.0.0.1:9", proxy_auth=("u", "p"))

    run(main())


def test_connections_are_not_shared_across_proxy_credentials(raw_server) -> None:
    fake_proxy = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for login in ("alice", "bob", "alice"):
                auth = aiohttp.BasicAuth(login, "pw")
                async with session.get("http://example.invalid/", proxy=fake_proxy.url(), proxy_auth=auth) as resp:
                    await resp.read()

    run(main())
    assert fake_proxy.accepted == 2  # alice's connection reused by alice only


# --------------------------------------------------------------------------------------
# Sans-IO rules
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypass"),
    [
        ("example.com", 80, "example.com", True),
        ("www.example.com", 80, "example.com", True),
        ("www.example.com", 80, ".example.com", True),
        ("badexample.com", 80, "example.com", False),
        ("example.com", 80, "*", True),
        ("10.1.2.3", 80, "10.0.0.0/8", True),
        ("11.1.2.3", 80, "10.0.0.0/8", False),
        ("::1", 80, "::1", True),
        ("example.com", 8080, "example.com:80", False),
        ("example.com", 80, "example.com:80", True),
        ("Example.COM.", 80, "other.org, example.com", True),
        ("example.com", 80, "", False),
    ],
)
def test_no_proxy_rules(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    assert bypasses_proxy(host, port, no_proxy_rules(no_proxy)) is bypass


# Expected values from aiohttp 3.14.5, black box (helpers.get_env_proxy_for_url).
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ALL_PROXY": "socks5://s:1", "all_proxy": "http://a:1"}, {}),
        ({"HTTP_PROXY": "http://upper:1"}, {"http": "http://upper:1"}),
        ({"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:1"}, {"http": "http://lower:1"}),
        ({"HTTP_PROXY": "http://upper:1", "http_proxy": ""}, {}),  # an empty lower-case name switches it off
        ({"Http_Proxy": "http://mixed:1"}, {"http": "http://mixed:1"}),
        ({"http_proxy": "http://h:1", "ws_proxy": "http://ws:1"}, {"http": "http://h:1", "ws": "http://ws:1"}),
        ({"https_proxy": "http://hs:1", "WSS_PROXY": "http://wss:1"}, {"https": "http://hs:1", "wss": "http://wss:1"}),
        ({"HTTP_PROXY": "http://upper:1", "REQUEST_METHOD": "GET"}, {}),  # httpoxy
        ({"http_proxy": "http://lower:1", "REQUEST_METHOD": "GET"}, {"http": "http://lower:1"}),
        ({"FTP_PROXY": "http://ftp:1", "no_proxy": "x"}, {}),
    ],
)
def test_proxy_from_environ_reads_what_aiohttp_reads(env: dict[str, str], expected: dict[str, str]) -> None:
    found = {scheme: proxy_from_environ(env, scheme) for scheme in ("http", "https", "ws", "wss", "ftp", "all")}
    assert {k: v for k, v in found.items() if v is not None} == expected


def test_check_proxy_and_connect_request() -> None:
    url, auth = check_proxy(URL("http://u:p@proxy:3128"), None)
    assert url == URL("http://proxy:3128") and auth == aiohttp.BasicAuth("u", "p")
    with pytest.raises(ValueError, match="ftp"):
        check_proxy(URL("ftp://proxy:1080"), None)
    socks = check_proxy(URL("socks5://u:p@proxy:1080"), None)
    assert socks == (URL("socks5://proxy:1080"), aiohttp.BasicAuth("u", "p"))
    with pytest.raises(ValueError):
        check_proxy(URL("http://u:p@proxy:3128"), aiohttp.BasicAuth("a", "b"))
    assert connect_request("::1", 443, [("Proxy-Authorization", "Basic x")]) == (
        b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: Basic x\r\n\r\n"
    )
