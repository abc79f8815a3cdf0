"""Pool and connector defects of issue 7, each against a real peer on 127.0.0.1.

Each test failed before its fix: a connection released while its decoded body was
held back, one host's queue stalling another, ``server_hostname`` missing from the
pool key, unsolicited bytes on an idle connection, the retry after response bytes,
and ``https://`` to a plain-HTTP port.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run, served_in_thread
from _sockets import sockets_settle, sockets_to
from test_client_tls import ca, tls_server

__all__ = ("ca", "tls_server")  # the TLS peer's fixtures, shared with test_client_tls

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
PLAIN = bytes(range(256)) * 4096  # 1 MiB, inflates far past any high-water mark


def test_gzip_body_held_back_keeps_its_connection(raw_server) -> None:
    body = gzip.compress(PLAIN)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    srv = raw_server(Reply.of(head + body))  # head and whole body in one write

    async def main() -> None:
        async with aiohttp.ClientSession(read_bufsize=2**12) as session:
            first = await session.get(srv.url("/1"))
            await asyncio.sleep(0.1)  # the whole message has arrived; the reader paused
            second = await asyncio.wait_for(session.get(srv.url("/2")), 3)
            assert await asyncio.wait_for(first.read(), 3) == PLAIN
            assert await asyncio.wait_for(second.read(), 3) == PLAIN
        assert srv.accepted == 2  # the paused connection was not lent out again

    run(main())


def test_one_host_queue_does_not_stall_another(raw_server) -> None:
    slow = raw_server(Reply.of(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", b"ok", delay=0.5))
    fast = raw_server(Reply.of(OK))

    async def main() -> None:
        done: list[str] = []
        conn = aiohttp.TCPConnector(limit_per_host=1)
        async with aiohttp.ClientSession(connector=conn) as session:

            async def fetch(name: str, url: str) -> None:
                async with session.get(url) as resp:
                    await resp.read()
                done.append(name)

            a1 = asyncio.ensure_future(fetch("a1", slow.url()))
            await asyncio.sleep(0.05)
            a2 = asyncio.ensure_future(fetch("a2", slow.url()))  # queued behind a1
            await asyncio.sleep(0.05)
            await asyncio.wait_for(fetch("b", fast.url()), 3)
            await asyncio.wait_for(asyncio.gather(a1, a2), 5)
        assert done == ["b", "a1", "a2"]

    run(main())


def test_server_hostname_is_part_of_the_pool_key(tls_server: tuple[int, Any], ca: Any) -> None:
    port, _ = tls_server
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)

    async def main() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
            url = f"https://127.0.0.1:{port}/"
            async with session.get(url, server_hostname="localhost") as resp:
                assert await resp.read() == b"secret"
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(url, server_hostname="other.example")

    run(main())


def test_unsolicited_bytes_close_the_idle_connection(raw_server) -> None:
    srv = raw_server(Reply(pieces=[OK, b"X"], delay=0.05, hang=True))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"
            closed = await asyncio.to_thread(srv.connections[0].closed_by_peer.wait, 2)
            assert closed  # the client closed the idle connection on the stray byte
            assert session.connector is not None

    run(main())


def test_no_retry_once_response_bytes_arrived(raw_server) -> None:
    srv = raw_server([Reply.of(OK), Reply.of(b"HTTP/1.1 200 OK\r\nContent-", close=True), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                await resp.read()
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await session.get(srv.url())
        assert srv.accepted == 1

    run(main())


def test_retry_when_the_pooled_connection_was_closed(raw_server) -> None:
    srv = raw_server([Reply.of(OK), Reply(close=True), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"
        assert srv.accepted == 2

    run(main())


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A plain-HTTP peer that answers the first bytes it receives (whatever they
    are) with a 400 response, keeping the connection open; yields its port."""

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")  # type: ignore[attr-defined]

    with served_in_thread("plain_http", lambda loop: loop.create_server(Answer, "127.0.0.1", 0)) as server:
        yield server.sockets[0].getsockname()[1]


def test_https_to_a_plain_http_port_fails_at_once(plain_http_port: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorSSLError):
                await session.get(f"https://127.0.0.1:{plain_http_port}/", timeout=aiohttp.ClientTimeout(total=5))
        assert loop.time() - start < 2
        assert await sockets_settle(plain_http_port) == 0

    run(main())


def test_error_paths_leave_no_socket_open(raw_server) -> None:
    srv = raw_server(Reply(hang=True))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError):
                await session.get("http://127.0.0.1:1/")
            with pytest.raises(asyncio.TimeoutError):
                await session.get(srv.url(), timeout=aiohttp.ClientTimeout(total=0.2))
            task = asyncio.ensure_future(session.get(srv.url()))
            await asyncio.sleep(0.1)
            assert sockets_to(srv.port) == 1  # the hanging request's connection: counted
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await sockets_settle(srv.port, 1) == 0

    run(main())


def test_ceil_threshold_rounds_the_total_deadline_up(raw_server) -> None:
    srv = raw_server(Reply(hang=True))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession() as session:
            timeout = aiohttp.ClientTimeout(total=0.3, ceil_threshold=0.1)
            with pytest.raises(asyncio.TimeoutError):
                await session.get(srv.url(), timeout=timeout)
            fired = loop.time()
        assert abs(fired - round(fired)) < 0.1  # it ended on a whole second of loop time

    run(main())


def test_deprecated_connector_parameters_warn() -> None:
    async def main() -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            conn = aiohttp.TCPConnector(ssl_shutdown_timeout=0.1)
        await conn.close()
        expected = {DeprecationWarning} | ({RuntimeWarning} if sys.version_info < (3, 11) else set())
        assert {w.category for w in caught} == expected
        assert "ssl_shutdown_timeout" in str(caught[0].message)
        with pytest.warns(DeprecationWarning, match="ssl_shutdown_timeout"):
            session = aiohttp.ClientSession(ssl_shutdown_timeout=0)
        await session.close()

    run(main())
