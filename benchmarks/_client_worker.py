"""The client side of ``bench_client.py``, run in its own process.

``python _client_worker.py ours|aiohttp BASE_URL`` imports the client under test
(``aiohttp_client``, whose twins follow ``AIOHTTP_CLIENT_NO_EXTENSIONS`` as in any
program, or aiohttp), prints one JSON line describing itself, then serves commands
read from stdin, one per line, answering each with one JSON line:

``download SIZE``  stream ``/large?size=SIZE`` with ``iter_chunked(65536)``
``small N``        N sequential ``GET /json`` over one session (one kept-alive connection)
``pool N``         N ``GET /json`` from 64 concurrent tasks through one session's pool
                   (at most 64 kept-alive connections, the default limit of 100 not hit)

Each answer carries the wall time (``time.perf_counter``) and the CPU time of this
process (``time.process_time``) spent on the scenario.
"""

import asyncio
import json
import sys
import time
from typing import Any


async def download(client: Any, base: str, size: int) -> dict[str, Any]:
    async with client.ClientSession() as session:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        async with session.get(f"{base}/large?size={size}") as resp:
            assert resp.status == 200, resp.status
            nbytes = 0
            async for chunk in resp.content.iter_chunked(65536):
                nbytes += len(chunk)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert nbytes == size, (nbytes, size)
    return {"wall": wall, "cpu": cpu, "bytes": nbytes}


async def small(client: Any, base: str, count: int) -> dict[str, Any]:
    url = f"{base}/json"
    connections = set()
    async with client.ClientSession() as session:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(count):
            async with session.get(url) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
                connections.add(resp.headers["X-Connection"])
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert len(connections) == 1, f"expected one kept-alive connection, saw {len(connections)}"
    return {"wall": wall, "cpu": cpu, "requests": count}


POOL_TASKS = 64


async def pool(client: Any, base: str, count: int) -> dict[str, Any]:
    url = f"{base}/json"
    connections: set[str] = set()

    async def task(n: int) -> None:
        for _ in range(n):
            async with session.get(url) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
                connections.add(resp.headers["X-Connection"])

    async with client.ClientSession() as session:
        await task(1)  # warm: resolve, first connection
        per_task = count // POOL_TASKS
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(task(per_task) for _ in range(POOL_TASKS)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert len(connections) <= POOL_TASKS, f"the pool opened {len(connections)} connections for {POOL_TASKS} tasks"
    return {"wall": wall, "cpu": cpu, "requests": per_task * POOL_TASKS, "connections": len(connections)}


def hello(lib: str) -> dict[str, Any]:
    if lib == "aiohttp":
        import aiohttp

        return {"ok": True, "client": aiohttp, "version": aiohttp.__version__, "twins": {}}
    import aiohttp_client
    from aiohttp_client import _ext
    from aiohttp_client._sansio import _chunked, _http_parser  # noqa: F401  (fill _ext.LOADED)

    twins = dict(_ext.LOADED)
    if not hasattr(aiohttp_client, "ClientSession"):
        return {"ok": False, "error": "aiohttp_client.ClientSession is not importable yet", "twins": twins}
    return {
        "ok": True,
        "client": aiohttp_client,
        "version": getattr(aiohttp_client, "__version__", "?"),
        "twins": twins,
    }


def main() -> None:
    lib, base = sys.argv[1], sys.argv[2]
    info = hello(lib)
    client = info.pop("client", None)
    print(json.dumps(info), flush=True)
    if not info["ok"]:
        return
    commands = {"download": download, "small": small, "pool": pool}
    loop = asyncio.new_event_loop()
    try:
        for line in sys.stdin:
            name, arg = line.split()
            result = loop.run_until_complete(commands[name](client, base, int(arg)))
            print(json.dumps(result), flush=True)
    finally:
        loop.close()


if __name__ == "__main__":
    main()
