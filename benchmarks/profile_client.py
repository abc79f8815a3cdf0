"""Profile our client's per-request path and its download path (cProfile, top functions).

    .venv/bin/python benchmarks/profile_client.py seq [N]         # N sequential small GETs (3000)
    .venv/bin/python benchmarks/profile_client.py conc [N]        # N small GETs, 64 in flight (4000)
    .venv/bin/python benchmarks/profile_client.py download [MB]   # one download of MB megabytes (100)
    ... --uvloop          # run on uvloop's event loop (when installed)
    ... --time            # no profiler: print CPU us per request (or per MB) only
    ... --callers NAME    # also print who calls the functions matching NAME
    ... --aiohttp         # profile aiohttp 3.14.5 instead (the rival, for comparison)

The peer is nginx (as in ``bench_nginx.py``) when ``/usr/sbin/nginx`` exists, else
``tools/demo_server.py``; it runs in a subprocess pinned to CPU 0, this process on
CPU 1 when the machine has two.  Prints the top functions by own time, without the
event loop's wait in ``epoll`` (which is the peer's time, not ours); the issue notes
quote these before and after a change of the hot path.
"""

import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _support  # noqa: E402
import aiohttp_client  # noqa: E402

client: Any = aiohttp_client

WIDTH = 64


async def seq(url: str, count: int) -> None:
    async with client.ClientSession() as session:
        for _ in range(count):
            async with session.get(url) as resp:
                await resp.read()


async def conc(url: str, count: int) -> None:
    connector = client.TCPConnector(limit=WIDTH)
    async with client.ClientSession(connector=connector) as session:

        async def lane(n: int) -> None:
            for _ in range(n):
                async with session.get(url) as resp:
                    await resp.read()

        await asyncio.gather(*(lane(count // WIDTH) for _ in range(WIDTH)))


async def download(url: str, megabytes: int) -> None:
    async with client.ClientSession() as session:
        async with session.get(url) as resp:
            async for _chunk in resp.content.iter_chunked(65536):
                pass


@contextmanager
def _nginx(megabytes: int) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        www = Path(tmp) / "www"
        www.mkdir()
        (www / "small.json").write_bytes(json.dumps({"hello": "world", "n": list(range(10))}).encode())
        with open(www / "large.bin", "wb") as f:
            f.truncate(megabytes * 1_000_000)
        with _support.nginx(Path(tmp)) as base:
            yield f"{base}/small.json", f"{base}/large.bin"


@contextmanager
def _demo_server(megabytes: int) -> Iterator[tuple[str, str]]:
    with _support.demo_server() as (base, _pinned):
        yield f"{base}/json", f"{base}/large?size={megabytes * 1_000_000}"


def _run(coro: Any, use_uvloop: bool) -> None:
    if use_uvloop:
        import uvloop

        uvloop.run(coro)
    else:
        asyncio.run(coro)


def main() -> None:
    global client
    args = sys.argv[1:]
    if "--aiohttp" in args:
        import aiohttp

        client = aiohttp
    use_uvloop = "--uvloop" in args
    timing_only = "--time" in args
    callers = args[args.index("--callers") + 1] if "--callers" in args else None
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--callers")]
    what = positional[0] if positional else "seq"
    default = {"seq": 3000, "conc": 4000, "download": 100}[what]
    amount = int(positional[1]) if len(positional) > 1 else default
    peer = _nginx if os.access(_support.NGINX, os.X_OK) else _demo_server
    _support.pin(os.getpid(), 1)
    with peer(amount if what == "download" else 1) as (small_url, large_url):
        coro = {"seq": lambda: seq(small_url, amount), "conc": lambda: conc(small_url, amount)}.get(
            what, lambda: download(large_url, amount)
        )
        _run(seq(small_url, 50), use_uvloop)  # warm-up: imports, first connection
        profiler = cProfile.Profile()
        cpu0 = time.process_time()
        if not timing_only:
            profiler.enable()
        _run(coro(), use_uvloop)
        if not timing_only:
            profiler.disable()
        cpu = time.process_time() - cpu0
    unit = "MB" if what == "download" else "request"
    print(
        f"{what} {amount}: CPU {cpu / amount * 1e6:.1f} us per {unit}{' (under cProfile)' if not timing_only else ''}"
    )
    if timing_only:
        return
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(r"^(?!.*method 'poll' of 'select.epoll').*$", 30)
    if callers:
        stats.print_callers(callers)


if __name__ == "__main__":
    main()
