"""1,000 WebSocket echo round trips (a 32-byte text message each) on one connection to
an aiohttp.web echo server: our client with each reader/mask twin vs aiohttp's client.

Server and client share one event loop (the same for every client), so the figure
includes the server's own work; only the ratio between clients is meaningful."""

import asyncio
import importlib
from collections.abc import Iterator
from typing import Any

import pytest

ROUND_TRIPS = 1000
MESSAGE = "x" * 32


async def _echo(request: Any) -> Any:
    from aiohttp import web

    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        await ws.send_str(msg.data)
    return ws


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[asyncio.AbstractEventLoop, str]]:
    from aiohttp import web

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/", _echo)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    yield loop, f"http://127.0.0.1:{runner.addresses[0][1]}/"
    loop.run_until_complete(runner.cleanup())
    loop.close()


def _use_twin(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp_client import _ws_connect
    from aiohttp_client._sansio import _ws_writer

    try:
        reader = importlib.import_module(f"aiohttp_client._sansio._ws_reader_{kind}")
        mask = importlib.import_module(f"aiohttp_client._sansio._ws_mask_{kind}")
    except ImportError as exc:
        pytest.skip(f"compiled twin not built ({exc})")
    monkeypatch.setattr(_ws_connect, "WebSocketReader", reader.WebSocketReader)
    monkeypatch.setattr(_ws_writer, "websocket_mask", mask.websocket_mask)


async def _round_trips(ws: Any) -> None:
    for _ in range(ROUND_TRIPS):
        await ws.send_str(MESSAGE)
        msg = await ws.receive()
        if msg.data != MESSAGE:
            raise AssertionError(msg)


@pytest.mark.parametrize("impl", ["ours-py", "ours-c", "aiohttp"])
def test_echo(benchmark: Any, server: Any, impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loop, url = server
    if impl == "aiohttp":
        client = importlib.import_module("aiohttp")
    else:
        _use_twin(impl.split("-")[1], monkeypatch)
        client = importlib.import_module("aiohttp_client")

    async def open_ws() -> tuple[Any, Any]:
        session = client.ClientSession()
        return session, await session.ws_connect(url)

    session, ws = loop.run_until_complete(open_ws())
    benchmark.group = "ws_echo 1,000 round trips"
    benchmark.extra_info.update(suite="ws_echo", item="1000-round-trips", mode="32B-text", impl=impl)
    try:
        benchmark.pedantic(lambda: loop.run_until_complete(_round_trips(ws)), rounds=7, iterations=1)
    finally:
        loop.run_until_complete(ws.close())
        loop.run_until_complete(session.close())
