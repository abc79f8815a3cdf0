"""Bytes never cross a protocol switch (issue 15 item 1).

A scripted "proxy" on 127.0.0.1 answers ``CONNECT`` with exact bytes, then relays
to a trustme TLS origin: bytes after the 2xx head (a plaintext response injected as
if from the origin) must fail the request with ``ClientProxyConnectionError``, put
nothing in the cookie jar and leave nothing in the pool.  Also: a 101 to a plain
request and a 1xx followed by more than the final response; cancellation and
timeouts while waiting for the CONNECT answer.  The reader twins differ: run in
lanes 1 and 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import HOST, Reply, run, served_in_thread, tls_server_for
from aiohttp_client._protocols._exchange import ReaderOptions
from aiohttp_client._protocols._protocol import ResponseProtocol
from test_client_tls import ca, client_context
from test_protocol import FakeTransport

__all__ = ("ca",)  # the trustme CA fixture, shared with test_client_tls

ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"
INJECTED = b"HTTP/1.1 200 OK\r\nSet-Cookie: evil=1\r\nContent-Length: 4\r\n\r\nevil"
BODY = b"from the origin"


class ScriptedProxy:
    """What the scripted proxy saw: the request heads, the connections accepted and
    the connections the client ended (EOF or reset)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.heads: list[bytes] = []
        self.accepted = 0
        self.ended = 0
        self.lock = threading.Lock()

    def wait_ended(self, n: int, timeout: float = 5.0) -> int:
        deadline = time.monotonic() + timeout
        while self.ended < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.ended


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@contextlib.contextmanager
def scripted_proxy(
    origin_port: int,
    answer: Sequence[bytes] = (ESTABLISHED,),
    after_hello: bytes = b"",
    plain_reply: bytes = b"",
    silent: bool = False,
) -> Iterator[ScriptedProxy]:
    """A proxy that answers each ``CONNECT`` with the pieces of *answer* (one write
    each), then, if *after_hello*, waits for the client's first TLS bytes and sends
    *after_hello* before relaying to the origin.  A plain absolute-form request gets
    *plain_reply*.  *silent*: never answer."""
    box: list[ScriptedProxy] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state = box[0]
        with state.lock:
            state.accepted += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                with state.lock:
                    state.heads.append(head)
                if silent:
                    await reader.read()
                    return
                if not head.startswith(b"CONNECT "):
                    writer.write(plain_reply)
                    await writer.drain()
                    continue
                for piece in answer:
                    writer.write(piece)
                    await writer.drain()
                break
            hello = b""
            if after_hello:
                hello = await reader.read(65536)
                writer.write(after_hello)
                await writer.drain()
            origin_reader, origin_writer = await asyncio.open_connection(HOST, origin_port)
            origin_writer.write(hello)
            await asyncio.gather(_pipe(reader, origin_writer), _pipe(origin_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with state.lock:
                state.ended += 1

    def start(loop: asyncio.AbstractEventLoop) -> Coroutine[Any, Any, asyncio.AbstractServer]:
        return asyncio.start_server(handle, HOST, 0)

    with served_in_thread("scripted_proxy", start) as server:
        box.append(ScriptedProxy(server.sockets[0].getsockname()[1]))
        yield box[0]


@pytest.fixture
def tls_origin(ca: Any) -> Iterator[tuple[int, list[bytes]]]:
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    with tls_server_for(ca, response) as (port, _, heads):
        yield port, heads


def _session() -> aiohttp.ClientSession:
    # unsafe=True: the jar takes cookies from an IP host, so an injected one would land
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def test_a_response_in_the_connect_packet_is_refused(tls_origin, ca) -> None:
    port, heads = tls_origin
    with scripted_proxy(port, answer=(ESTABLISHED + INJECTED,)) as proxy:

        async def main() -> None:
            ctx = client_context(ca)  # one context: one pool key
            async with _session() as session:
                for _ in range(2):
                    with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                        await session.get(f"https://{HOST}:{port}/", proxy=proxy.url, ssl=ctx)
                    assert (info.value.host, info.value.port) == (HOST, proxy.port)
                    assert f"{len(INJECTED)} bytes after its 200 response to CONNECT" in str(info.value)
                assert len(session.cookie_jar) == 0

        run(main())
        assert proxy.accepted == 2  # the refused connection was never pooled
        assert proxy.wait_ended(2) == 2  # and the client closed each one
    assert heads == []  # nothing reached the origin


def test_a_response_right_after_the_connect_answer_never_reaches_the_caller(tls_origin, ca) -> None:
    """Two writes: the second arrives with the 200 (refused as above) or after TLS
    took over the connection (a TLS error): never a response."""
    port, heads = tls_origin
    with scripted_proxy(port, answer=(ESTABLISHED, INJECTED)) as proxy:

        async def main() -> None:
            async with _session() as session:
                with pytest.raises(aiohttp.ClientConnectorError) as info:
                    await session.get(f"https://{HOST}:{port}/", proxy=proxy.url, ssl=client_context(ca))
                assert type(info.value) in (aiohttp.ClientProxyConnectionError, aiohttp.ClientConnectorSSLError)
                assert len(session.cookie_jar) == 0

        run(main())
        assert proxy.wait_ended(1) == 1
    assert heads == []


def test_a_response_after_the_client_hello_is_a_tls_error(tls_origin, ca) -> None:
    port, heads = tls_origin
    with scripted_proxy(port, after_hello=INJECTED) as proxy:

        async def main() -> None:
            async with _session() as session:
                with pytest.raises(aiohttp.ClientConnectorSSLError):
                    await session.get(f"https://{HOST}:{port}/", proxy=proxy.url, ssl=client_context(ca))
                assert len(session.cookie_jar) == 0

        run(main())
        assert proxy.wait_ended(1) == 1
    assert heads == []


def test_a_clean_tunnel_is_pooled_and_reused(tls_origin, ca) -> None:
    port, heads = tls_origin
    with scripted_proxy(port) as proxy:

        async def main() -> None:
            ctx = client_context(ca)  # one context: one pool key
            async with _session() as session:
                for _ in range(3):
                    async with session.get(f"https://{HOST}:{port}/", proxy=proxy.url, ssl=ctx) as resp:
                        assert await resp.read() == BODY

        run(main())
        assert proxy.accepted == 1
    assert len(heads) == 3


def test_a_redirect_into_an_injecting_tunnel(tls_origin, ca) -> None:
    """http:// through the proxy (absolute-form) redirects to https://: the CONNECT
    for the second hop is answered with an injected response."""
    port, heads = tls_origin
    location = f"https://{HOST}:{port}/".encode()
    redirect = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
    with scripted_proxy(port, answer=(ESTABLISHED + INJECTED,), plain_reply=redirect) as proxy:

        async def main() -> None:
            async with _session() as session:
                with pytest.raises(aiohttp.ClientProxyConnectionError):
                    await session.get("http://origin.invalid/start", proxy=proxy.url, ssl=client_context(ca))
                assert len(session.cookie_jar) == 0

        run(main())
        assert proxy.heads[0].startswith(b"GET http://origin.invalid/start HTTP/1.1\r\n")
        assert proxy.heads[1].startswith(b"CONNECT %s:%d HTTP/1.1\r\n" % (HOST.encode(), port))
        assert proxy.wait_ended(2) == 2
    assert heads == []


@pytest.mark.parametrize("how", ["cancel", "connect_timeout"])
def test_waiting_for_the_connect_answer_ends_cleanly(tls_origin, ca, how: str) -> None:
    port, _ = tls_origin
    with scripted_proxy(port, silent=True) as proxy:

        async def main() -> None:
            timeout = aiohttp.ClientTimeout(connect=0.3) if how == "connect_timeout" else None
            async with aiohttp.ClientSession(timeout=timeout) as session:
                request = session.get(f"https://{HOST}:{port}/", proxy=proxy.url, ssl=client_context(ca))
                if how == "cancel":
                    task = asyncio.ensure_future(request)
                    await asyncio.sleep(0.3)
                    task.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await task
                else:
                    with pytest.raises(aiohttp.ConnectionTimeoutError):
                        await request

        run(main())
        assert proxy.heads and proxy.heads[0].startswith(b"CONNECT ")
        assert proxy.wait_ended(1) == 1  # the half-open tunnel was closed, not kept


# --------------------------------------------------------------------------------------
# Other protocol switches: 101 and 1xx
# --------------------------------------------------------------------------------------


def test_bytes_after_a_101_to_a_plain_request_are_not_a_response(raw_server) -> None:
    switch = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n"
    srv = raw_server(Reply.of(switch + INJECTED))

    async def main() -> None:
        async with _session() as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert resp.status == 101
                    assert await asyncio.wait_for(resp.read(), 5) == b""
            assert len(session.cookie_jar) == 0

    run(main())
    assert srv.accepted == 2  # an upgraded connection is never pooled


def test_bytes_after_the_final_response_behind_a_100_are_not_kept(raw_server) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + INJECTED
    srv = raw_server(Reply.of(reply))

    async def main() -> None:
        async with _session() as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert (resp.status, await resp.read()) == (200, b"ok")
            assert len(session.cookie_jar) == 0

    run(main())
    assert srv.accepted == 2  # the connection with unread bytes was closed


# --------------------------------------------------------------------------------------
# The protocol, both reader twins: what detach_for_tunnel hands back
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pieces",
    [
        [ESTABLISHED + INJECTED],
        [ESTABLISHED[:-1], ESTABLISHED[-1:] + INJECTED],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + INJECTED],  # RFC 9110 §9.3.6: no body
    ],
    ids=["one-piece", "split", "content-length-ignored"],
)
def test_detach_for_tunnel_returns_every_byte_after_the_head(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any, pieces: list[bytes]
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        proto = ResponseProtocol(
            loop,
            head_parser_cls=head_parser_cls,
            chunked_decoder_cls=chunked_decoder_cls,
            reader_cls=response_reader_cls,
        )
        transport = FakeTransport(proto)
        proto.connection_made(transport)
        waiter = proto.start("CONNECT", ReaderOptions(read_until_eof=False))
        for piece in pieces:
            proto.data_received(piece)
        head, _ = await asyncio.wait_for(waiter, 5)
        assert head.status == 200
        assert proto.detach_for_tunnel() == INJECTED
        assert proto.should_close and not transport.closing
        proto.data_received(b"late")  # no reader any more: the connection fails
        assert transport.closing

    run(main())


def test_bytes_after_the_connect_answer_before_the_tunnel_fail_the_connection(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    """A separate read between the 2xx head and the hand-over to TLS (asyncio runs
    the tunnel's task first, so only a direct feed shows it): the connection fails."""

    async def main() -> None:
        proto = ResponseProtocol(
            asyncio.get_running_loop(),
            head_parser_cls=head_parser_cls,
            chunked_decoder_cls=chunked_decoder_cls,
            reader_cls=response_reader_cls,
        )
        transport = FakeTransport(proto)
        proto.connection_made(transport)
        waiter = proto.start("CONNECT", ReaderOptions(read_until_eof=False))
        proto.data_received(ESTABLISHED)
        proto.data_received(INJECTED)
        head, _ = await asyncio.wait_for(waiter, 5)
        assert head.status == 200 and transport.closing and proto.should_close

    run(main())
