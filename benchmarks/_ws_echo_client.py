"""The client side of ``bench_ws_echo.py``, run in its own process.

``python _ws_echo_client.py ours|aiohttp URL`` imports the client under test
(``aiohttp_client``, whose twins follow ``AIOHTTP_CLIENT_NO_EXTENSIONS`` as in any
program, or aiohttp), prints one JSON line describing itself (for ours, which
WebSocket twins loaded), then serves commands read from stdin, one per line,
answering each with one JSON line:

``echo N SIZE text|binary``
    open a WebSocket to URL (one session), send one message and read its echo as a
    warm-up, then time N round trips: ``send_str`` (or ``send_bytes``) of a SIZE-byte
    message, ``receive()`` of its echo.  Answers the wall time
    (``time.perf_counter``) and the CPU time of this process (``time.process_time``)
    of the N round trips, and ``round_trips``.  The WebSocket is closed after the
    timing.
"""

import asyncio
import json
import sys
import time
from typing import Any


async def echo(client: Any, url: str, count: int, size: int, kind: str) -> dict[str, Any]:
    text = kind == "text"
    message: Any = "x" * size if text else bytes(range(256)) * (size // 256) + bytes(size % 256)
    async with client.ClientSession() as session:
        async with session.ws_connect(url, max_msg_size=0) as ws:
            send = ws.send_str if text else ws.send_bytes
            receive = ws.receive
            await send(message)
            first = await receive()
            if first.data != message:
                raise AssertionError(f"echo differs: {first!r:.200}")
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(count):
                await send(message)
                msg = await receive()
                if len(msg.data) != size:
                    raise AssertionError(f"echo of {len(msg.data)} bytes, sent {size}: {msg!r:.200}")
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            if msg.data != message:
                raise AssertionError(f"echo differs: {msg!r:.200}")
    return {"wall": wall, "cpu": cpu, "round_trips": count}


def hello(lib: str) -> dict[str, Any]:
    if lib == "aiohttp":
        import aiohttp
        from aiohttp._websocket import helpers, reader

        twins = {"reader": reader.WebSocketReader.__module__, "mask": helpers.websocket_mask.__name__}
        return {"ok": True, "client": aiohttp, "version": aiohttp.__version__, "twins": twins}
    import aiohttp_client
    from aiohttp_client import _ext
    from aiohttp_client._sansio import _ws_mask, _ws_reader  # noqa: F401  (fill _ext.LOADED)

    twins = {name: _ext.LOADED[name] for name in ("ws_reader", "ws_mask")}
    return {"ok": True, "client": aiohttp_client, "version": aiohttp_client.__version__, "twins": twins}


def main() -> None:
    lib, url = sys.argv[1], sys.argv[2]
    info = hello(lib)
    client = info.pop("client")
    print(json.dumps(info), flush=True)
    loop = asyncio.new_event_loop()
    try:
        for line in sys.stdin:
            name, count, size, kind = line.split()
            if name != "echo":
                raise SystemExit(f"unknown command {name!r}")
            result = loop.run_until_complete(echo(client, url, int(count), int(size), kind))
            print(json.dumps(result), flush=True)
    finally:
        loop.close()


if __name__ == "__main__":
    main()
