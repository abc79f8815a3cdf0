"""HTTP/1.1 connections receive into one buffer per thread (``_protocols/_receive.py``):
each receive of up to 256 KiB is copied out in pieces of at most 64 KiB before the next
one.  Checked byte for byte against raw servers: several connections of one loop
downloading at once (Content-Length and chunked framing, chunk-size lines split across
pieces), loops in two threads at once, TLS, and a response followed in the same
receive by bytes nobody asked for.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from typing import Any

import trustme

import aiohttp_client as aiohttp
from _servers import Reply, run, tls_server_for
from aiohttp_client._protocols._receive import PIECE, RECEIVE_SIZE, receive_view


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


def test_tls_download_byte_exact() -> None:
    body = _bodies(1)[0]
    ca = trustme.CA()
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
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
