"""Memory of the WebSocket reader under hostile or slow peers (issue 15, items 22 and 23;
aiohttp advisories PYSEC-2026-4400 and PYSEC-2026-4389), and what back-pressure meets:
heartbeat, CLOSE, fragmented and compressed messages across the pause point, TLS, a
connection lost while bytes wait unparsed.

Sans-IO tests feed both reader twins (``reader_cls``); end-to-end tests run against a
raw asyncio server on 127.0.0.1 with each twin (``ws_twin``, from ``test_ws_interop``).
Peak memory is Python allocations (``tracemalloc``; the ``cpython`` marker deselects
those tests on PyPy, where the structural checks still run).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._sansio._ws_reader_py import MESSAGE_OVERHEAD
from test_ws_interop import _client_frame, raw_ws_server, tls_contexts, ws_twin  # noqa: F401
from vectors.ws_frames import frame

KIB = 1 << 10
MIB = 1 << 20
LIMIT = 1 << 16  # the stream's default queue limit (WebSocketStream)


@pytest.fixture(scope="session")
def reader_cls(twin: Any) -> Any:
    return twin.module("_ws_reader").WebSocketReader


@contextlib.contextmanager
def traced() -> Iterator[list[int]]:
    """Trace Python allocations in the block; yields a list that gets the peak growth."""
    import tracemalloc  # CPython only

    result: list[int] = []
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        yield result
        result.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def deflated(messages: list[bytes]) -> list[bytes]:
    """Frames of *messages* compressed with one context (RFC 7692 context takeover)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    frames = []
    for message in messages:
        data = comp.compress(message) + comp.flush(zlib.Z_SYNC_FLUSH)
        frames.append(frame(2, data[:-4], rsv=4))
    return frames


# -- sans-IO: both twins fed directly ---------------------------------------------------


@pytest.mark.cpython
@pytest.mark.parametrize("size", [512 * KIB, 4_000_000])
def test_frame_dripped_in_two_byte_pieces_stays_near_its_size(reader_cls: Any, size: int) -> None:
    payload = os.urandom(size)
    wire = frame(2, payload)
    pieces = [wire[i : i + 2] for i in range(0, len(wire), 2)]
    reader = reader_cls(max_msg_size=4 * MIB)
    out: list = []
    with traced() as peak:
        for piece in pieces:
            reader.feed(piece, out)
    assert [m.data for m in out] == [payload]
    # the growing buffer, the message and some slack; it was 22 MiB / 173 MiB
    assert peak[0] < 2.5 * size + 256 * KIB, f"{peak[0] / MIB:.1f} MiB for a {size / MIB:.2f} MiB frame"


@pytest.mark.cpython
@pytest.mark.parametrize("opcode", [1, 2])
def test_many_small_fragments_have_no_per_fragment_overhead(reader_cls: Any, opcode: int) -> None:
    count = 60000  # under max_fragments (65536)
    piece = b"abcdefgh"
    wire = frame(opcode, piece, fin=False) + frame(0, piece, fin=False) * (count - 2) + frame(0, piece)
    reader = reader_cls(max_msg_size=4 * MIB)
    out: list = []
    with traced() as peak:
        for i in range(0, len(wire), 4096):
            reader.feed(wire[i : i + 4096], out)
    expected = piece * count
    assert [m.data for m in out] == [expected.decode() if opcode == 1 else expected]
    # 480 KB of message: about 2x (buffer + message, text also its str); it was ~5 MiB
    assert peak[0] < 4 * len(expected) + 256 * KIB, f"{peak[0] / MIB:.1f} MiB"


def test_empty_frames_stop_at_the_limit_and_resume(reader_cls: Any) -> None:
    wire = b"\x82\x00" * 400_000 + frame(8, b"\x03\xe8bye")
    reader = reader_cls()
    out: list = []
    weight = reader.feed(wire, out, LIMIT)
    # each empty message weighs MESSAGE_OVERHEAD: at most one past the limit
    assert len(out) == LIMIT // MESSAGE_OVERHEAD + 1
    assert weight == len(out) * MESSAGE_OVERHEAD
    assert reader.pending == len(wire) - 2 * len(out)
    total = len(out)
    for _ in range(1000):  # a consumer that reads all it got, then lets the reader go on
        out.clear()
        reader.feed(b"", out, LIMIT)
        total += len(out)
        if not reader.pending:
            break
    assert total == 400_001 and out[-1].type is aiohttp.WSMsgType.CLOSE and out[-1].data == 1000
    assert reader.closed


def test_control_frames_count_toward_the_limit(reader_cls: Any) -> None:
    ping = frame(9, b"x" * 125)
    reader = reader_cls()
    out: list = []
    weight = reader.feed(ping * 10_000, out, LIMIT)
    assert weight == len(out) * (MESSAGE_OVERHEAD + 125) and LIMIT < weight <= LIMIT + MESSAGE_OVERHEAD + 125
    assert reader.pending == len(ping) * (10_000 - len(out))


@pytest.mark.cpython
def test_deflated_messages_are_not_inflated_past_the_limit(reader_cls: Any) -> None:
    messages = [bytes([i % 251]) * MIB for i in range(150)]
    wire = b"".join(deflated(messages))
    assert len(wire) < 200 * KIB
    reader = reader_cls(max_msg_size=4 * MIB, compress=True)
    out: list = []
    with traced() as peak:
        reader.feed(wire, out, LIMIT)
    assert [m.data for m in out] == messages[:1]  # one message went over the limit: stop
    assert peak[0] < 4 * MIB, f"{peak[0] / MIB:.1f} MiB"  # it was 150 MiB inflated
    got = 1
    for _ in range(200):  # the context carries over every stop
        out.clear()
        reader.feed(b"", out, LIMIT)
        assert [m.data for m in out] == messages[got : got + 1]
        got += 1
        if not reader.pending:
            break
    assert got == 150


# -- end to end: a raw server on 127.0.0.1 ------------------------------------------------


async def _wait_paused(ws: Any) -> None:
    protocol = ws._conn.protocol
    for _ in range(500):  # 5 s
        if protocol.reading_paused:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the stream never paused")


def _flood(*chunks: bytes, then: Any = None) -> Any:
    """A server script: write *chunks*, signal once they are in the kernel's buffers
    (``sent``: for small floods only, a larger one waits for the client to read), run
    *then* (or wait for the client to go)."""
    sent = asyncio.Event()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for chunk in chunks:
            writer.write(chunk)
        await writer.drain()
        sent.set()
        if then is not None:
            await then(reader, writer)
            return
        with contextlib.suppress(ConnectionError, ssl.SSLError):  # TLS: the client may reset
            await reader.read()

    script.sent = sent  # type: ignore[attr-defined]
    return script


async def _not_reading_until_sent(ws: Any, script: Any, sent: bool = True) -> None:
    await _wait_paused(ws)
    if sent:
        await asyncio.wait_for(script.sent.wait(), 10)
    await asyncio.sleep(0.2)  # the application still does not read


@pytest.mark.cpython
def test_empty_frames_from_a_peer_stay_bounded() -> None:
    count = 100_000

    async def main() -> None:
        script = _flood(b"\x82\x00" * count, frame(8, b"\x0f\xa0bye"))
        async with raw_ws_server(script) as url, aiohttp.ClientSession() as session:
            with traced() as peak:
                ws = await session.ws_connect(url, autoclose=False, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
                await _not_reading_until_sent(ws, script)
            # the server's 200 KB and the client's kept bytes; it was 8 MiB (400k frames: 31 MiB)
            assert peak[0] < 2 * MIB, f"{peak[0] / MIB:.1f} MiB"
            for _ in range(count):
                msg = await ws.receive(timeout=5)
                assert msg.type is aiohttp.WSMsgType.BINARY and msg.data == b""
            msg = await ws.receive(timeout=5)  # the CLOSE that arrived while paused
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4000 and msg.extra == "bye"
            await ws.close()

    run(main(), timeout=60)


@pytest.mark.cpython
def test_deflated_flood_from_a_peer_is_not_inflated_ahead() -> None:
    block = os.urandom(16 * KIB)
    # each message repeats a block of the one before: context takeover across every pause
    messages = [block * 64 + i.to_bytes(4, "big") for i in range(150)]

    async def main() -> None:
        script = _flood(*deflated(messages))
        async with raw_ws_server(script, head_fields=b"Sec-WebSocket-Extensions: permessage-deflate\r\n") as url:
            async with aiohttp.ClientSession() as session:
                with traced() as peak:
                    ws = await session.ws_connect(url, compress=15, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
                    await _not_reading_until_sent(ws, script)
                assert peak[0] < 6 * MIB, f"{peak[0] / MIB:.1f} MiB"  # it was 16.6 MiB (1 MiB messages)
                for message in messages:
                    assert await ws.receive_bytes(timeout=5) == message
                await ws.close()

    run(main(), timeout=60)


@pytest.mark.cpython
def test_frame_dripped_by_a_peer_stays_near_its_size() -> None:
    payload = os.urandom(64 * KIB)
    wire = frame(2, payload)

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import socket

        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(wire), 2):
            writer.write(wire[i : i + 2])
            await asyncio.sleep(0)  # the client reads between the writes (same loop)
        await reader.read()

    async def main() -> None:
        async with raw_ws_server(drip) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
            with traced() as peak:
                assert await ws.receive_bytes(timeout=30) == payload
            assert peak[0] < 512 * KIB, f"{peak[0] / KIB:.0f} KiB"
            await ws.close()

    run(main(), timeout=60)


def test_heartbeat_does_not_fail_a_connection_paused_by_its_reader() -> None:
    heartbeat = 0.1
    frames = [frame(2, bytes([i]) * 8192) for i in range(64)]  # 512 KiB: over the limit
    pings: list[float] = []

    async def answer_pings(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(200):  # bounded; the client's CLOSE ends it
            opcode, payload = await _client_frame(reader)
            if opcode == 9:
                pings.append(loop.time())
                writer.write(frame(10, payload))
            elif opcode == 8:
                writer.write(frame(8, b"\x03\xe8"))
                return

    async def main() -> None:
        script = _flood(*frames, then=answer_pings)
        async with raw_ws_server(script) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, heartbeat=heartbeat)
            await _not_reading_until_sent(ws, script, sent=False)
            await asyncio.sleep(heartbeat * 8)  # many intervals without reading
            assert not ws.closed and ws.exception() is None
            assert not pings  # nothing the server's answer could be read behind
            for i in range(64):
                assert await ws.receive_bytes(timeout=5) == bytes([i]) * 8192
            resumed = asyncio.get_running_loop().time()
            for _ in range(100):  # at most 5 s; the PONGs queue up (a few bytes each)
                if [t for t in pings if t > resumed]:
                    break
                await asyncio.sleep(heartbeat / 2)
            assert not ws.closed and ws.exception() is None
            assert [t for t in pings if t > resumed], "the heartbeat did not start over"
            await ws.close()

    run(main(), timeout=20)


def test_fragmented_message_split_across_the_pause_point() -> None:
    pings = [frame(9, bytes([i % 256]) * 125) for i in range(600)]  # 600 x 189: over the limit
    first, last = frame(1, "é".encode()[:1], fin=False), frame(0, "é".encode()[1:] + b"!")

    async def main() -> None:
        script = _flood(first, *pings, last, frame(8, b"\x03\xe8"))
        async with raw_ws_server(script) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, autoping=False, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
            await _not_reading_until_sent(ws, script)
            for i in range(600):
                msg = await ws.receive(timeout=5)
                assert msg.type is aiohttp.WSMsgType.PING and msg.data == bytes([i % 256]) * 125
            assert await ws.receive_str(timeout=5) == "é!"
            assert (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.CLOSE

    run(main(), timeout=30)


def test_bytes_kept_at_the_limit_survive_the_connection_loss() -> None:
    count = 50_000

    async def main() -> None:
        script = _flood(b"".join(frame(2, i.to_bytes(4, "big")) for i in range(count)))
        async with raw_ws_server(script) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
            await _not_reading_until_sent(ws, script)
            queued = len(ws._reader.queue)
            ws._conn.transport.abort()  # the connection ends while the reader keeps bytes
            await asyncio.sleep(0)
            got = 0
            for _ in range(count + 1):
                msg = await ws.receive(timeout=5)
                if msg.type is not aiohttp.WSMsgType.BINARY:
                    break
                assert msg.data == got.to_bytes(4, "big")
                got += 1
            assert msg.type is aiohttp.WSMsgType.CLOSED and ws.close_code == 1006
            assert got > queued  # the kept bytes were parsed and delivered before the end

    run(main(), timeout=30)


def test_tls_flood_pauses_and_delivers_everything() -> None:
    server_ctx, client_ctx = tls_contexts()
    frames = [frame(2, bytes([i]) * 8192) for i in range(128)]  # 1 MiB

    async def main() -> None:
        script = _flood(*frames)
        async with raw_ws_server(script, ssl_ctx=server_ctx) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, ssl=client_ctx)
            await _not_reading_until_sent(ws, script, sent=False)
            assert len(ws._reader.queue) * 8192 <= 2 * LIMIT  # parsing stopped at the limit
            for i in range(128):
                assert await ws.receive_bytes(timeout=5) == bytes([i]) * 8192
            await ws.close()

    run(main(), timeout=30)


def test_receive_timeout_while_the_reader_keeps_bytes() -> None:
    # an incomplete frame after the flood: once the queue is drained, receive() waits
    # for the rest and times out; the connection is still usable afterwards
    frames = [frame(2, bytes([i]) * 8192) for i in range(16)]
    tail = frame(2, b"late")

    async def finish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(6 + 2)  # the client's masked "go"
        writer.write(tail[3:])
        await reader.read()

    async def main() -> None:
        script = _flood(*frames, tail[:3], then=finish)
        async with raw_ws_server(script) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
            await _not_reading_until_sent(ws, script)
            for i in range(16):
                assert await ws.receive_bytes(timeout=5) == bytes([i]) * 8192
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(timeout=0.2)
            await ws.send_str("go")
            assert await ws.receive_bytes(timeout=5) == b"late"
            await ws.close()

    run(main(), timeout=30)
