"""The client side of ``bench_client.py``, run in its own process.

``python _client_worker.py ours|aiohttp BASE_URL`` imports the client under test
(``aiohttp_client``, whose twins follow ``AIOHTTP_CLIENT_NO_EXTENSIONS`` as in any
program, or aiohttp), prints one JSON line describing itself, then serves commands
read from stdin, one per line, answering each with one JSON line:

``download SIZE``  stream ``/large?size=SIZE`` with ``iter_chunked(65536)``
``small N``        N sequential ``GET /json`` over one session (one kept-alive connection)
``post_json N``    N sequential ``POST /json`` with ``json=`` (a small document)
``upload N``       N sequential ``POST /json`` with a 1 MiB ``bytes`` body
``upload_file N``  N sequential ``POST /json`` with a 1 MiB file (``open(path, "rb")``,
                   the file written once, outside the timing)

and, for ``bench_nginx.py`` (paths on BASE_URL, served by nginx):

``fetch PATH``       stream PATH with ``iter_chunked(65536)`` (decoded), one request
``seq PATH,N``       N sequential GETs of PATH over one kept-alive connection
``conc PATH,N,C``    N GETs of PATH with C in flight at once through the pool (``limit=C``)
``zlib PATH``        PATH read raw (``auto_decompress=False``) outside the timing, then
                     gunzipped with :mod:`zlib` alone in 64 KiB output slices: the ceiling
``pool N``         N ``GET /json`` from 64 concurrent tasks through one session's pool
                   (at most 64 kept-alive connections, the default limit of 100 not hit)

Each answer carries the wall time (``time.perf_counter``) and the CPU time of this
process (``time.process_time``) spent on the scenario; ``fetch`` also counts the
times the client paused the socket transport (flow control: one pause/resume cycle
per crossing of the stream's high-water mark is the goal).
"""

import asyncio
import asyncio.selector_events
import json
import os
import sys
import tempfile
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


_PAUSES = [0]


def _count_pauses() -> None:
    """Count effective ``pause_reading()`` calls on asyncio's socket transports."""
    cls = asyncio.selector_events._SelectorTransport
    original = cls.pause_reading

    def pause_reading(self: Any) -> None:
        if self.is_reading():
            _PAUSES[0] += 1
        original(self)

    cls.pause_reading = pause_reading  # type: ignore[method-assign]


async def fetch(client: Any, base: str, arg: str) -> dict[str, Any]:
    _PAUSES[0] = 0
    async with client.ClientSession() as session:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        async with session.get(base + arg) as resp:
            assert resp.status == 200, resp.status
            nbytes = 0
            async for chunk in resp.content.iter_chunked(65536):
                nbytes += len(chunk)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "bytes": nbytes, "pauses": _PAUSES[0]}


async def seq(client: Any, base: str, arg: str) -> dict[str, Any]:
    path, count = arg.split(",")
    url = base + path
    async with client.ClientSession() as session:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(int(count)):
            async with session.get(url) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "requests": int(count)}


async def conc(client: Any, base: str, arg: str) -> dict[str, Any]:
    path, count, width = arg.split(",")
    url = base + path
    connector = client.TCPConnector(limit=int(width))
    async with client.ClientSession(connector=connector) as session:

        async def one() -> None:
            async with session.get(url) as resp:
                assert resp.status == 200, resp.status
                await resp.read()

        async def lane(n: int) -> None:
            for _ in range(n):
                await one()

        per_lane, extra = divmod(int(count), int(width))
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(lane(per_lane + (i < extra)) for i in range(int(width))))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "requests": int(count)}


async def zlib_ceiling(client: Any, base: str, arg: str) -> dict[str, Any]:
    import zlib

    async with client.ClientSession(auto_decompress=False) as session:
        async with session.get(base + arg, headers={"Accept-Encoding": "gzip"}) as resp:
            raw = await resp.read()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    nbytes = 0
    view = memoryview(raw)
    for i in range(0, len(raw), 65536):
        out = d.decompress(view[i : i + 65536], 65536)
        nbytes += len(out)
        while d.unconsumed_tail:
            out = d.decompress(d.unconsumed_tail, 65536)
            nbytes += len(out)
    nbytes += len(d.flush())
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "bytes": nbytes}


JSON_DOCUMENT = {"user": "ada", "id": 12345, "tags": ["a", "b", "c"], "active": True, "score": 9.5}
UPLOAD = b"\x5a" * 2**20


async def _posts(client: Any, base: str, count: int, kwargs: dict[str, Any]) -> dict[str, Any]:
    url = f"{base}/json"
    async with client.ClientSession() as session:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(count):
            async with session.post(url, **kwargs) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "requests": count}


async def post_json(client: Any, base: str, count: int) -> dict[str, Any]:
    return await _posts(client, base, count, {"json": JSON_DOCUMENT})


async def upload(client: Any, base: str, count: int) -> dict[str, Any]:
    return await _posts(client, base, count, {"data": UPLOAD})


async def upload_file(client: Any, base: str, count: int) -> dict[str, Any]:
    url = f"{base}/json"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload.bin")
        with open(path, "wb") as f:
            f.write(UPLOAD)
        async with client.ClientSession() as session:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(count):
                with open(path, "rb") as body:
                    async with session.post(url, data=body) as resp:
                        assert resp.status == 200, resp.status
                        await resp.read()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
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
        from aiohttp import http_parser

        parser = http_parser.HttpResponseParser.__name__  # HttpResponseParserPy when pure
        return {"ok": True, "client": aiohttp, "version": aiohttp.__version__, "twins": {"parser": parser}}
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
    _count_pauses()
    print(json.dumps(info), flush=True)
    if not info["ok"]:
        return
    commands = {
        "download": download,
        "small": small,
        "post_json": post_json,
        "upload": upload,
        "upload_file": upload_file,
        "fetch": fetch,
        "seq": seq,
        "conc": conc,
        "zlib": zlib_ceiling,
        "pool": pool,
    }
    int_args = ("download", "small", "post_json", "upload", "upload_file", "pool")
    loop = asyncio.new_event_loop()
    try:
        for line in sys.stdin:
            name, arg = line.split()
            command = commands[name]
            value = int(arg) if name in int_args else arg
            result = loop.run_until_complete(command(client, base, value))
            print(json.dumps(result), flush=True)
    finally:
        loop.close()


if __name__ == "__main__":
    main()
