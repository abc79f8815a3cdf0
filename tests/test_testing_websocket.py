"""WebSocket routes of the test transport against the client's real ``ws_connect``:
scripted server messages, recorded client messages, closing from either end,
heartbeats, and a handler that fails.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client.testing import MockConnector, MockRouter, NoRouteError


def _session(router: MockRouter) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=MockConnector(router))


def test_websocket_script_and_recorded_client_messages() -> None:
    router = MockRouter()

    async def echo(ws: Any) -> None:
        message = await ws.receive()
        await ws.send_str(f"echo: {message.data}")

    route = router.websocket("ws://chat.test/socket", echo, messages=["hello", b"\x00\x01", {"n": 1}], protocol="chat")

    async def main() -> None:
        async with _session(router) as session:
            async with session.ws_connect("ws://chat.test/socket", protocols=("other", "chat")) as ws:
                assert ws.protocol == "chat"
                assert await ws.receive_str(timeout=5) == "hello"
                assert await ws.receive_bytes(timeout=5) == b"\x00\x01"
                assert await ws.receive_json(timeout=5) == {"n": 1}
                await ws.send_str("hi")
                assert await ws.receive_str(timeout=5) == "echo: hi"
                await ws.send_bytes(b"x" * 70_000)
            assert ws.close_code == 1000

    run(main())
    (server,) = route.sockets
    kinds = [(m.type, m.data if m.type != aiohttp.WSMsgType.BINARY else len(m.data)) for m in server.received]
    assert kinds == [
        (aiohttp.WSMsgType.TEXT, "hi"),
        (aiohttp.WSMsgType.BINARY, 70_000),
        (aiohttp.WSMsgType.CLOSE, 1000),
    ]


def test_websocket_server_close_reaches_the_client() -> None:
    router = MockRouter()

    async def bye(ws: Any) -> None:
        await ws.close(4000, b"done")

    router.websocket("ws://chat.test/socket", bye)

    async def main() -> None:
        async with _session(router) as session:
            async with session.ws_connect("ws://chat.test/socket") as ws:
                msg = await ws.receive(timeout=5)
                assert (msg.type, msg.data, msg.extra) == (aiohttp.WSMsgType.CLOSE, 4000, "done")

    run(main())


def test_plain_get_does_not_match_a_websocket_route() -> None:
    router = MockRouter()
    router.websocket("ws://chat.test/socket")

    async def main() -> None:
        async with _session(router) as session:
            with pytest.raises(NoRouteError, match="not a WebSocket handshake"):
                await session.get("http://chat.test/socket")

    run(main())


def test_websocket_heartbeat_pings_are_answered() -> None:
    router = MockRouter()
    route = router.websocket("ws://chat.test/socket")

    async def main() -> None:
        async with _session(router) as session:
            async with session.ws_connect("ws://chat.test/socket", heartbeat=0.05) as ws:
                await asyncio.sleep(0.3)
                assert not ws.closed  # each ping got its pong in time

    run(main())
    pings = [m for m in route.sockets[0].received if m.type == aiohttp.WSMsgType.PING]
    assert len(pings) >= 2


def test_websocket_handler_failing_closes_the_socket() -> None:
    router = MockRouter()

    async def broken(ws: Any) -> None:
        raise ValueError("handler bug")

    router.websocket("ws://chat.test/socket", broken)

    async def main() -> None:
        async with _session(router) as session:
            async with session.ws_connect("ws://chat.test/socket") as ws:
                msg = await ws.receive(timeout=5)
                assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.ERROR)

    run(main())
    assert [str(e) for e in router.errors] == ["handler bug"]
