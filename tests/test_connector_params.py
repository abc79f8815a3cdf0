"""Connector parameters and properties of the reference, against real peers:
resolvers (``abc.AbstractResolver``), the bounded DNS cache, numeric IPv4 hosts,
and the timeouts around the pool."""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run, served_in_thread, tls_server_for
from aiohttp_client.abc import AbstractResolver, ResolveResult
from test_client_tls import ca

__all__ = ("ca",)  # the trustme CA fixture, shared with test_client_tls

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class LoopbackResolver(AbstractResolver):
    """Every name is 127.0.0.1; counts the lookups."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def test_custom_resolver_and_bounded_dns_cache(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        resolver = LoopbackResolver()
        conn = aiohttp.TCPConnector(resolver=resolver, dns_cache_max_size=2, force_close=True)
        async with aiohttp.ClientSession(connector=conn) as session:
            for name in ("a.test", "b.test", "c.test", "c.test", "a.test"):
                async with session.get(f"http://{name}:{srv.port}/") as resp:
                    assert await resp.read() == b"ok"
            assert isinstance(conn.cached_hosts, MappingProxyType)
            assert set(conn.cached_hosts) == {("c.test", srv.port), ("a.test", srv.port)}
            assert resolver.lookups == ["a.test", "b.test", "c.test", "a.test"]  # a.test was evicted
            conn.clear_dns_cache("a.test", srv.port)
            assert set(conn.cached_hosts) == {("c.test", srv.port)}
            conn.clear_dns_cache()
            assert not conn.cached_hosts and conn.dns_cache

    run(main())


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "0177.0.0.1"])
def test_non_canonical_ipv4_hosts_are_invalid_urls(host: str) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.InvalidUrlClientError):
                await session.get(f"http://{host}:1/")

    run(main())


def test_sock_read_does_not_fire_while_the_consumer_pauses(raw_server) -> None:
    body = b"x" * 2**20
    srv = raw_server(Reply.of(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body))

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(sock_read=0.2)
        async with aiohttp.ClientSession(timeout=timeout, read_bufsize=2**12) as session:
            async with session.get(srv.url()) as resp:
                await asyncio.sleep(0.5)  # the server is done; we are slow
                assert await resp.read() == body

    run(main())


def test_no_read_timer_survives_on_an_idle_pooled_connection(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_read=0.1)) as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"
                await asyncio.sleep(0.3)  # idle in the pool for longer than sock_read
        assert srv.accepted == 1

    run(main())


def test_connect_timeout_covers_waiting_for_the_pool(raw_server) -> None:
    srv = raw_server(Reply(hang=True))

    async def main() -> None:
        conn = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=conn) as session:
            first = asyncio.ensure_future(session.get(srv.url()))
            await asyncio.sleep(0.1)
            with pytest.raises(aiohttp.ConnectionTimeoutError):
                await session.get(srv.url(), timeout=aiohttp.ClientTimeout(connect=0.2))
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first

    run(main())


def test_named_pipe_connector_needs_the_proactor_loop() -> None:
    async def main() -> None:
        if sys.platform == "win32":  # pragma: no cover - the CI runs on Linux
            conn = aiohttp.NamedPipeConnector(r"\\.\pipe\none")
            assert conn.path == r"\\.\pipe\none"
            await conn.close()
        else:
            with pytest.raises(RuntimeError, match="proactor"):
                aiohttp.NamedPipeConnector("/tmp/none")

    run(main())


def test_unix_connector(tmp_path) -> None:
    path = str(tmp_path / "http.sock")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(OK)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        conn = aiohttp.UnixConnector(path)
        assert conn.path == path
        async with aiohttp.ClientSession(connector=conn) as session:
            for _ in range(2):
                async with session.get("http://unix.invalid/") as resp:
                    assert await resp.read() == b"ok"
        missing = aiohttp.UnixConnector(str(tmp_path / "missing.sock"))
        async with aiohttp.ClientSession(connector=missing) as session:
            with pytest.raises(aiohttp.UnixClientConnectorError):
                await session.get("http://unix.invalid/")

    with served_in_thread("unix", lambda loop: asyncio.start_unix_server(answer, path)):
        run(main())


def test_sock_read_starts_after_a_slow_body_is_written(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def body():  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.4)
        yield b"late"

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            timeout = aiohttp.ClientTimeout(sock_read=0.2)
            async with session.put(srv.url(), data=body(), timeout=timeout) as resp:
                assert await resp.read() == b"ok"
        assert srv.requests[0].endswith(b"4\r\nlate\r\n0\r\n\r\n")

    run(main())


def test_tls_offers_alpn_http11_and_close_can_abort(ca: Any) -> None:
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    server_ctx.set_alpn_protocols(["h2", "http/1.1"])
    chosen: list[str | None] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chosen.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await reader.read()  # until the client closes
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def main(port: int) -> None:
        conn = aiohttp.TCPConnector(ssl=False)
        async with aiohttp.ClientSession(connector=conn, connector_owner=False) as session:
            async with session.get(f"https://127.0.0.1:{port}/") as resp:
                assert await resp.read() == b"ok"
        await conn.close(abort_ssl=True)
        assert conn.closed

    def start(loop: asyncio.AbstractEventLoop) -> Any:
        return asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ctx)

    with served_in_thread("alpn", start) as server:
        run(main(server.sockets[0].getsockname()[1]))
    assert chosen == ["http/1.1"]


def test_unusable_proxy_values() -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.InvalidUrlClientError):
                await session.get("http://example.invalid/", proxy="InvalidUrl")
            with pytest.raises(TypeError):
                await session.get("http://example.invalid/", proxy=42)

    run(main())


def test_default_tls_context_is_built_off_the_loop(tls_server_port: int, monkeypatch) -> None:
    from aiohttp_client._net import _tls

    threads: list[str] = []
    make = _tls._make_context

    def recording(verified: bool, alpn: tuple[str, ...]) -> ssl.SSLContext:
        threads.append(threading.current_thread().name)
        return make(verified, alpn)

    monkeypatch.setattr(_tls, "_contexts", {})
    monkeypatch.setattr(_tls, "_make_context", recording)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(f"https://127.0.0.1:{tls_server_port}/", ssl=False) as resp:
                    await resp.read()

    run(main())
    assert len(threads) == 1 and threads[0] != threading.main_thread().name  # once, in a worker


@pytest.fixture
def tls_server_port(ca: Any) -> Iterator[int]:
    with tls_server_for(ca, OK) as (port, _, _):
        yield port


def test_session_and_connector_must_share_the_loop() -> None:
    other = asyncio.new_event_loop()
    try:

        async def make_connector() -> aiohttp.TCPConnector:
            return aiohttp.TCPConnector()

        conn = other.run_until_complete(make_connector())

        async def main() -> None:
            with pytest.raises(RuntimeError, match="same event loop"):
                aiohttp.ClientSession(connector=conn)

        run(main())
        other.run_until_complete(conn.close())
    finally:
        other.close()
