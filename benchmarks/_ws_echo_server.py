"""The WebSocket echo server of ``bench_ws_echo.py``, run in its own process.

``python _ws_echo_server.py aiohttp|websockets`` binds a free port on 127.0.0.1,
prints the port number alone on the first line of stdout, and echoes every TEXT and
BINARY message back as it came (same type, same data) on any path, without size
limit and without compression, until SIGTERM or SIGINT (exit status 0).

``aiohttp`` serves with ``aiohttp.web`` (compiled parts, as installed); ``websockets``
with the ``websockets`` library's asyncio server.  Test-only peers: the client under
test never runs in this process.
"""

import asyncio
import signal
import sys
from typing import Any


async def _aiohttp_server(stop: asyncio.Event) -> None:
    from aiohttp import WSMsgType, web

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _websockets_server(stop: asyncio.Event) -> None:
    from websockets.asyncio.server import serve

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, max_size=None, compression=None) as server:
        print(next(iter(server.sockets)).getsockname()[1], flush=True)
        await stop.wait()


async def main(kind: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await (_aiohttp_server(stop) if kind == "aiohttp" else _websockets_server(stop))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("aiohttp", "websockets"):
        sys.exit("usage: _ws_echo_server.py aiohttp|websockets")
    asyncio.run(main(sys.argv[1]))
