"""HTTP/1.1 connections receive into one buffer per thread (``_protocols/_receive.py``):
each receive of up to 256 KiB is copied out in pieces of at most 64 KiB before the next
one.  Checked byte for byte against raw servers: several connections of one loop
downloading at once (Content-Length and chunked framing, chunk-size lines split across
pieces), loops in two threads at once, TLS, and a response followed in the same
receive by bytes nobody asked for.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run, tls_server_for
from aiohttp_client._protocols._receive import PIECE, RECEIVE_SIZE, receive_view
from test_client_tls import ca, client_context
from test_tunnel_safety import ESTABLISHED, INJECTED, scripted_proxy

__all__ = ("ca",)  # the trustme CA fixture of test_client_tls


def _bodies(count: int) -> list[bytes]:
    """Distinct bodies, each longer than a receive and not a multiple of a piece; the
    first byte names the body."""
    return [bytes([i]) + os.urandom(3 * RECEIVE_SIZE + 1000 + 4097 * i) for i in range(count)]


def _content_length(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def _chunked(body: bytes, size: int = 100_003) -> bytes:
    """Chunks of *size* bytes: their chunk-size lines fall anywhere in a 64 KiB piece."""
    out = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]
    for i in range(0, len(body), size):
        part = body[i : i + size]
        out.append(b"%x\r\n%s\r\n" % (len(part), part))
    out.append(b"0\r\n\r\n")
    return b"".join(out)


async def _download(session: aiohttp.ClientSession, url: str) -> bytes:
    pieces = []
    async with session.get(url) as resp:
        async for piece in resp.content.iter_chunked(65536):
            assert 0 < len(piece) <= 65536
            pieces.append(piece)
            await asyncio.sleep(0)  # let the other connections receive meanwhile
    return b"".join(pieces)


def test_connections_of_one_loop_download_at_once_byte_exact(raw_server: Any) -> None:
    bodies = _bodies(4)
    second = _content_length(bodies[1])
    replies = [Reply.of(_content_length(bodies[0])), Reply.of(second[:5], second[5:])]
    srv = raw_server(replies + [Reply.of(_chunked(b)) for b in bodies[2:]])

    async def main() -> list[bytes]:
        connector = aiohttp.TCPConnector(limit=4, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            url = f"http://127.0.0.1:{srv.port}/"
            return await asyncio.gather(*(_download(session, url) for _ in bodies))

    got = run(main(), timeout=30)
    assert sorted(got) == sorted(bodies)  # which connection got which body is the server's order
    assert srv.accepted == 4


def test_loops_in_two_threads_download_at_once_byte_exact(raw_server: Any) -> None:
    bodies = _bodies(2)
    srv = raw_server([Reply.of(_chunked(bodies[0])), Reply.of(_content_length(bodies[1]))])
    results: dict[int, Any] = {}
    views: dict[int, int] = {}
    start = threading.Barrier(2, timeout=10)

    def worker(i: int) -> None:
        views[i] = id(receive_view())  # alive for the thread's life: ids are distinct

        async def main() -> bytes:
            async with aiohttp.ClientSession() as session:
                start.wait()
                return await _download(session, f"http://127.0.0.1:{srv.port}/")

        try:
            results[i] = asyncio.run(main())
        except BaseException as exc:  # reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert sorted(results.values()) == sorted(bodies)
    assert views[0] != views[1], "one receive buffer per thread"


def test_tls_download_byte_exact(ca: Any) -> None:
    body = _bodies(1)[0]
    ctx = client_context(ca)
    with tls_server_for(ca, _chunked(body, 70_001)) as (port, _der, heads):

        async def main() -> bytes:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
                return await _download(session, f"https://127.0.0.1:{port}/")

        assert run(main(), timeout=30) == body
        assert len(heads) == 1


def test_bytes_after_the_response_in_the_same_receive(raw_server: Any) -> None:
    """A response, then bytes no request asked for, sent in one write: they arrive in
    the same receive, past the first 64 KiB piece.  The response is read whole; the
    connection is not used again (RFC 9112 §9.3 has no unsolicited bytes)."""
    body = os.urandom(PIECE + 4000)
    extra = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad" + os.urandom(PIECE + 10)
    srv = raw_server([Reply.of(_content_length(body) + extra), Reply.of(_content_length(b"second"))])

    async def main() -> tuple[bytes, bytes]:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{srv.port}/"
            async with session.get(url) as resp:
                first = await resp.read()
            async with session.get(url) as resp:
                return first, await resp.read()

    first, second = run(main(), timeout=30)
    assert first == body
    assert second == b"second"
    assert srv.accepted == 2


def test_a_proxy_answer_to_connect_with_more_than_a_piece_after_it(ca: Any) -> None:
    """A hostile proxy sends its 200 to CONNECT and, in the same write, a response
    and padding longer than a 64 KiB piece: the request fails with the documented
    error, nothing reaches the origin or the cookie jar, the connection is closed."""
    injected = INJECTED + os.urandom(PIECE + 5000)
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with tls_server_for(ca, response) as (port, _der, heads):
        with scripted_proxy(port, answer=(ESTABLISHED + injected,)) as proxy:

            async def main() -> None:
                jar = aiohttp.CookieJar(unsafe=True)
                async with aiohttp.ClientSession(cookie_jar=jar) as session:
                    with pytest.raises(aiohttp.ClientProxyConnectionError) as info:
                        await session.get(f"https://127.0.0.1:{port}/", proxy=proxy.url, ssl=client_context(ca))
                    assert (info.value.host, info.value.port) == ("127.0.0.1", proxy.port)
                    assert "bytes after its 200 response to CONNECT" in str(info.value)
                    assert len(jar) == 0

            run(main(), timeout=30)
            assert proxy.wait_ended(1) == 1
    assert heads == []


def test_websocket_frames_in_the_receive_of_the_101() -> None:
    """The 101 and frames longer than a piece in one write (RFC 6455 §4.1: the
    server may send frames right after its handshake): every frame reaches the
    WebSocket byte for byte, whichever piece it starts in."""
    big = os.urandom(PIECE * 2 + 777)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        key = [
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        ][0]
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        upgrade = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        frames = b"\x82\x7f" + len(big).to_bytes(8, "big") + big + b"\x81\x04done"
        writer.write(upgrade + b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + frames)
        await writer.drain()
        await reader.read(2)  # the start of the client's close frame: answer it
        writer.write(b"\x88\x02\x03\xe8")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        try:
            port = server.sockets[0].getsockname()[1]
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(f"http://127.0.0.1:{port}/") as ws:
                    assert (await ws.receive_bytes(timeout=10)) == big
                    assert (await ws.receive_str(timeout=10)) == "done"
        finally:
            server.close()
            await server.wait_closed()

    run(main(), timeout=30)
