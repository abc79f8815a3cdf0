"""WebSocket interop on 127.0.0.1 with two independent servers, the ``websockets``
library and ``aiohttp.web``, through the public API only; each test runs once with
each frame-reader twin (``ws_twin``).  Also: handshake failures, bytes behind the 101
head, abrupt TCP close and heartbeat timeout against raw asyncio servers, and TLS.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, Callable

import pytest
import trustme
from websockets.asyncio.server import serve

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._ws import _ws_connect

HOST = "127.0.0.1"
BIG = os.urandom(1 << 16) * 256  # 16 MiB
SERVERS = ["websockets", "aiohttp"]


@pytest.fixture(autouse=True)
def ws_twin(twin: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the test with the frame-reader twin under test (``py`` or ``c``)."""
    cls = twin.module("_ws_reader").WebSocketReader
    monkeypatch.setattr(_ws_connect, "WebSocketReader", cls)
    return cls


# -- servers ---------------------------------------------------------------------------


async def _wsl_echo(ws: Any) -> None:
    async for msg in ws:
        if msg == "fragments":
            await ws.send(iter(["frag", "men", "ted"]))
        elif msg == "close-4000":
            await ws.close(4000, "server says bye")
        elif msg == "ping-me":
            waiter = await ws.ping(b"from-server")
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong-seen")
        else:
            await ws.send(msg)


async def _aio_echo(request: Any) -> Any:
    from aiohttp import web

    ws = web.WebSocketResponse(max_msg_size=0, protocols=("chat",), autoping=False)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == web.WSMsgType.PING:
            await ws.pong(msg.data)
        elif msg.type == web.WSMsgType.TEXT:
            if msg.data == "close-4000":
                await ws.close(code=4000, message=b"server says bye")
            elif msg.data == "ping-me":
                await ws.ping(b"from-server")
                reply = await ws.receive()
                ok = reply.type == web.WSMsgType.PONG and reply.data == b"from-server"
                await ws.send_str("pong-seen" if ok else "no")
            elif msg.data == "fragments":
                await ws.send_str("fragmented")  # aiohttp.web cannot send fragments
            else:
                await ws.send_str(msg.data)
        elif msg.type == web.WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


@asynccontextmanager
async def ws_server(kind: str, compress: bool = True, ssl_ctx: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    scheme = "wss" if ssl_ctx else "ws"
    if kind == "websockets":
        compression = "deflate" if compress else None
        async with serve(_wsl_echo, HOST, 0, max_size=None, compression=compression, ssl=ssl_ctx) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            yield f"{scheme}://{HOST}:{port}/"
        return
    from aiohttp import web

    app = web.Application()
    app.router.add_get("/", _aio_echo)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0, ssl_context=ssl_ctx)
        await site.start()
        yield f"{scheme}://{HOST}:{runner.addresses[0][1]}/"
    finally:
        # A TLS connection closes only once its close_notify exchange is over, which on a
        # loaded machine (and through proxy.py) can outlast the test: wait for the server's
        # connections to close (bounded) so that none is left for the loop's teardown.
        for _ in range(100 if ssl_ctx is not None else 0):
            if runner.server is None or not runner.server.connections:
                break
            await asyncio.sleep(0.1)
        await runner.cleanup()


@asynccontextmanager
async def raw_ws_server(
    after_handshake: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    status: bytes = b"101 Switching Protocols",
    extra: bytes = b"",
    salt: bytes = b"",
    head_fields: bytes = b"",
    ssl_ctx: ssl.SSLContext | None = None,
) -> AsyncIterator[str]:
    """A server that answers the handshake (with *head_fields*, then *extra* in the same
    write) and runs *after_handshake*; a *salt* makes its Sec-WebSocket-Accept wrong;
    with *ssl_ctx* it speaks TLS (the URL is ``https``)."""
    writers: list[asyncio.StreamWriter] = []

    async def serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        head = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11" + salt).digest())
        writer.write(
            b"HTTP/1.1 " + status + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n" + head_fields + b"Content-Length: 0\r\n\r\n" + extra
        )
        await after_handshake(reader, writer)

    server = await asyncio.start_server(serve_one, HOST, 0, ssl=ssl_ctx)
    try:
        yield f"{'https' if ssl_ctx else 'http'}://{HOST}:{server.sockets[0].getsockname()[1]}/"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


# -- tests against both servers -----------------------------------------------------------


@pytest.mark.parametrize("compress", [0, 15], ids=["plain", "deflate"])
@pytest.mark.parametrize("kind", SERVERS)
def test_echo_text_binary_big(kind: str, compress: int) -> None:
    async def main() -> None:
        async with ws_server(kind) as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url, compress=compress, max_msg_size=0) as ws:
                assert (9 <= ws.compress <= 15) if compress else ws.compress == 0  # websockets picks 12
                await ws.send_str("héllo")
                assert await ws.receive_str() == "héllo"
                await ws.send_bytes(b"\x00\x01\x02")
                assert await ws.receive_bytes() == b"\x00\x01\x02"
                await ws.send_json({"a": [1, 2]})
                assert await ws.receive_json() == {"a": [1, 2]}
                await ws.send_bytes(BIG)
                msg = await ws.receive(timeout=20)
                assert msg.type is aiohttp.WSMsgType.BINARY and msg.data == BIG
            assert ws.closed and ws.close_code == 1000

    run(main(), timeout=40)


@pytest.mark.parametrize("kind", SERVERS)
def test_fragmented_and_decode_text_off(kind: str) -> None:
    async def main() -> None:
        async with ws_server(kind) as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url, decode_text=False) as ws:
                await ws.send_str("fragments")
                msg = await ws.receive()
                assert msg.type is aiohttp.WSMsgType.TEXT and msg.data == b"fragmented"

    run(main())


@pytest.mark.parametrize("kind", SERVERS)
def test_ping_pong_both_ways(kind: str) -> None:
    async def main() -> None:
        async with ws_server(kind) as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url, autoping=False) as ws:
                await ws.ping(b"from-client")
                msg = await ws.receive()
                assert msg.type is aiohttp.WSMsgType.PONG and msg.data == b"from-client"
            async with session.ws_connect(url) as ws:  # autoping answers the server's ping
                await ws.send_str("ping-me")
                assert await ws.receive_str() == "pong-seen"

    run(main())


@pytest.mark.parametrize("kind", SERVERS)
def test_server_initiated_close(kind: str) -> None:
    async def main() -> None:
        async with ws_server(kind) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url)
            await ws.send_str("close-4000")
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4000 and msg.extra == "server says bye"
            assert ws.closed and ws.close_code == 4000
            assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSED
            assert await ws.close() is False

    run(main())


@pytest.mark.parametrize("kind", SERVERS)
def test_async_for_and_client_close(kind: str) -> None:
    async def main() -> None:
        async with ws_server(kind) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url)
            for i in range(3):
                await ws.send_str(f"m{i}")
            got = []
            async for msg in ws:
                got.append(msg.data)
                if len(got) == 3:
                    assert await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY) is True
            assert got == ["m0", "m1", "m2"]
            assert ws.close_code in (1000, 1001)  # websockets echoes our code, aiohttp.web sends 1000
            assert ws.get_extra_info("peername") is None

    run(main())


def test_close_from_two_tasks_while_receive_waits() -> None:
    # As aiohttp 3.14.5 does: the waiting receive() ends with CLOSED, the first close()
    # hands the handshake to the second, which reads on until the server's CLOSE.
    from aiohttp import web

    async def handler(request: Any) -> Any:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive_bytes()
        await ws.send_str("late")
        seen.append((await ws.receive()).type.value)
        return ws

    seen: list[int] = []

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/", handler)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, HOST, 0).start()
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(f"http://{HOST}:{runner.addresses[0][1]}/")
                await ws.send_bytes(b"ask")
                first = asyncio.create_task(ws.close())
                second = asyncio.create_task(ws.close())
                assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSED
                assert (await first, await second) == (False, True)
                assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSED
                assert ws.close_code == aiohttp.WSCloseCode.OK  # the server's CLOSE was read
        finally:
            await runner.cleanup()
        assert seen == [aiohttp.WSMsgType.CLOSE.value]

    run(main(), timeout=5)  # ws_close (10 s) would run out if the server's CLOSE were missed


def test_protocol_negotiation() -> None:
    async def main() -> None:
        async with ws_server("aiohttp") as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url, protocols=("x", "chat")) as ws:
                assert ws.protocol == "chat"
            async with session.ws_connect(url, protocols=("x",)) as ws:
                assert ws.protocol is None

    run(main())


def tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a trustme certificate for 127.0.0.1, and a client context
    that trusts its CA."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


def test_tls() -> None:
    server_ctx, client_ctx = tls_contexts()

    async def main() -> None:
        for kind in SERVERS:
            async with ws_server(kind, ssl_ctx=server_ctx) as url, aiohttp.ClientSession() as session:
                async with session.ws_connect(url, ssl=client_ctx) as ws:
                    assert ws.get_extra_info("ssl_object") is not None
                    await ws.send_str("secure")
                    assert await ws.receive_str() == "secure"

    run(main(), timeout=20)


# Sizes around the receive buffer's steps (16 KiB, 64 KiB, 256 KiB), each message with
# its own bytes, so that a reader keeping a view into the reused buffer shows.
BUFFER_SIZES = [1, 16383, 16384, 16385, 5, 65535, 65536, 65537, 70000, 262143, 262144, 262145, 700000, 3]


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
@pytest.mark.parametrize("kind", SERVERS)
def test_messages_across_receive_buffer_sizes(kind: str, tls: bool) -> None:
    server_ctx, client_ctx = tls_contexts() if tls else (None, None)

    async def main() -> None:
        async with ws_server(kind, compress=False, ssl_ctx=server_ctx) as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url, max_msg_size=0, ssl=client_ctx or True) as ws:
                # reads go into the stream's own buffer (recv_into), not through data_received
                transport = ws._conn.transport  # type: ignore[union-attr]
                assert isinstance(transport.get_protocol(), asyncio.BufferedProtocol)
                messages = [bytes([i % 251]) * n for i, n in enumerate(BUFFER_SIZES)]
                for message in messages:  # all in flight at once, then read back
                    await ws.send_bytes(message)
                for message in messages:
                    assert await ws.receive_bytes(timeout=10) == message
                await ws.send_str("é" * 40000)
                assert await ws.receive_str(timeout=10) == "é" * 40000

    run(main(), timeout=40)


def test_flow_control_pauses_and_resumes_reading() -> None:
    frames = [b"\x82\x7e\x20\x00" + bytes([i]) * 8192 for i in range(64)]  # 64 x 8 KiB

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for frame in frames:
            writer.write(frame)
        await writer.drain()
        await reader.read()

    async def main() -> None:
        async with raw_ws_server(flood) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
            protocol = ws._conn.protocol  # type: ignore[union-attr]
            for _ in range(200):  # the client reads nothing: its stream fills up
                if protocol.reading_paused:
                    break
                await asyncio.sleep(0.01)
            assert protocol.reading_paused
            for i in range(64):
                assert await ws.receive_bytes(timeout=5) == bytes([i]) * 8192
            assert not protocol.reading_paused
            await ws.close()

    run(main())


# -- raw servers: exact bytes ---------------------------------------------------------------


async def _idle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client goes away


def test_bytes_behind_the_101_head_are_kept() -> None:
    async def main() -> None:
        async with raw_ws_server(_idle, extra=b"\x81\x05Hello\x89\x00") as url:
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(url, autoping=False, timeout=aiohttp.ClientWSTimeout(ws_close=0.2))
                assert await ws.receive_str() == "Hello"
                assert (await ws.receive()).type is aiohttp.WSMsgType.PING
                await ws.close()
                assert ws.close_code == 1006  # the raw server never answers the close

    run(main())


def test_abrupt_tcp_close_is_1006() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x81\x02hi")
        await writer.drain()
        writer.transport.abort()

    async def main() -> None:
        async with raw_ws_server(drop) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url)
            assert await ws.receive_str() == "hi"
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSED
            assert ws.closed and ws.close_code is aiohttp.WSCloseCode.ABNORMAL_CLOSURE

    run(main())


def test_heartbeat_without_pong_closes() -> None:
    async def main() -> None:
        async with raw_ws_server(_idle) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, heartbeat=0.1)
            msg = await ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.ERROR
            assert isinstance(msg.data, aiohttp.ServerTimeoutError)
            assert ws.closed and ws.close_code is aiohttp.WSCloseCode.ABNORMAL_CLOSURE

    run(main())


async def _client_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One masked client frame with a short payload: ``(opcode, unmasked payload)``."""
    b0, b1 = await reader.readexactly(2)
    key = await reader.readexactly(4)
    payload = await reader.readexactly(b1 & 0x7F)
    return b0 & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def test_heartbeat_waits_while_data_arrives_then_pings() -> None:
    # 20 intervals of data per heartbeat: a loaded machine that stalls the client for
    # a few hundred ms does not let the PING through between two data frames.
    heartbeat = 1.0
    seen: list[tuple[float, int]] = []  # (loop time, opcode) of the client's frames
    last_data: list[float] = []  # when the server sent its last data frame

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()

        async def collect() -> None:
            while True:
                opcode, payload = await _client_frame(reader)
                seen.append((loop.time(), opcode))
                if opcode == 9:  # answer the PING, then prove the connection still works
                    writer.write(b"\x8a" + bytes([len(payload)]) + payload + b"\x81\x05after")
                elif opcode == 8:
                    writer.write(b"\x88\x02\x03\xe8")
                    return

        task = asyncio.create_task(collect())
        try:
            for _ in range(10):  # data every 50 ms: each frame moves the PING further away
                writer.write(b"\x81\x04tick")
                await asyncio.sleep(0.05)
            last_data.append(loop.time())
            await asyncio.wait_for(task, 5)  # until the client's CLOSE
        finally:
            task.cancel()

    async def main() -> None:
        async with raw_ws_server(talk) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, heartbeat=heartbeat)
            for _ in range(10):
                assert await ws.receive_str(timeout=5) == "tick"
            assert await ws.receive_str(timeout=5) == "after"  # the PONG kept it open
            assert not ws.closed
            await ws.close()
        pings = [t for t, opcode in seen if opcode == 9]
        assert len(pings) == 1, seen
        assert pings[0] - last_data[0] >= heartbeat - 0.06  # a whole interval after the last data

    run(main(), timeout=10)


def test_heartbeat_keeps_pinging_after_each_pong() -> None:
    # The server sends nothing but PONGs: each one ends a PONG wait, and the next PING
    # must follow an interval later, again and again (not only the first one).
    heartbeat = 0.1
    pings: list[float] = []

    async def pong_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(100):  # bounded; the client's CLOSE ends it
            opcode, payload = await _client_frame(reader)
            if opcode == 9:
                pings.append(loop.time())
                writer.write(b"\x8a" + bytes([len(payload)]) + payload)
            elif opcode == 8:
                writer.write(b"\x88\x02\x03\xe8")
                return

    async def main() -> None:
        async with raw_ws_server(pong_only) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, heartbeat=heartbeat)
            for _ in range(100):  # at most 5 s: three PINGs, each after the last PONG
                if len(pings) >= 3:
                    break
                await asyncio.sleep(0.05)
            assert not ws.closed
            await ws.close()
        assert len(pings) >= 3, pings

    run(main(), timeout=10)


def test_protocol_error_sends_its_close_code() -> None:
    async def main() -> None:
        seen: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

        async def bad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"\x81\x01\xff")  # invalid UTF-8
            seen.set_result(await reader.readexactly(8))

        async with raw_ws_server(bad) as url, aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url)
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.ERROR and msg.data.code == 1007
            assert ws.close_code == 1007
            frame = await asyncio.wait_for(seen, 5)
        first, masked = frame[:2], frame[2:]
        assert first == b"\x88\x82"
        assert bytes(b ^ masked[i] for i, b in enumerate(masked[4:6])) == b"\x03\xef"

    run(main())


@pytest.mark.parametrize(
    "status,message",
    [(b"200 OK", "Invalid response status"), (b"101 Switching Protocols", "Invalid challenge response")],
)
def test_handshake_errors(status: bytes, message: str) -> None:
    async def main() -> None:
        salt = b"x" if status.startswith(b"101") else b""
        async with raw_ws_server(_idle, status=status, salt=salt) as url, aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                await session.ws_connect(url)
            assert info.value.message == message
            assert info.value.status == int(status[:3])

    run(main())


def test_deprecations_and_argument_checks() -> None:
    async def main() -> None:
        async with ws_server("aiohttp") as url, aiohttp.ClientSession() as session:
            with pytest.warns(DeprecationWarning, match="parameter 'timeout' of type 'float'"):
                ws = await session.ws_connect(url, timeout=3.0)
            await ws.close()
            with pytest.warns(DeprecationWarning, match="receive_timeout"):
                ws = await session.ws_connect(url, receive_timeout=3.0)
            await ws.close()
            with pytest.raises(ValueError):
                await session.ws_connect(url, compress=8)
            with pytest.raises(TypeError, match="ssl should be SSLContext"):
                await session.ws_connect(url, ssl="yes")

    run(main())
