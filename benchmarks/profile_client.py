"""Profile our client's per-request path and its download path (cProfile, top functions).

    .venv/bin/python benchmarks/profile_client.py seq [N]         # N sequential small GETs (2000)
    .venv/bin/python benchmarks/profile_client.py download [MB]   # one download of MB megabytes (100)

The peer is ``tools/demo_server.py`` in a subprocess pinned to CPU 0 (this process to
CPU 1 when the machine has two).  Prints the top 25 functions by own time; the issue
notes quote these before and after a change of the hot path.
"""

import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _support  # noqa: E402
import aiohttp_client  # noqa: E402


async def seq(base: str, count: int) -> None:
    async with aiohttp_client.ClientSession() as session:
        for _ in range(count):
            async with session.get(f"{base}/json") as resp:
                await resp.read()


async def download(base: str, megabytes: int) -> None:
    async with aiohttp_client.ClientSession() as session:
        async with session.get(f"{base}/large?size={megabytes * 1_000_000}") as resp:
            async for _chunk in resp.content.iter_chunked(65536):
                pass


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "seq"
    amount = int(sys.argv[2]) if len(sys.argv) > 2 else (2000 if what == "seq" else 100)
    cmd = [sys.executable, str(ROOT / "tools" / "demo_server.py"), "--port", "0"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as server:
        try:
            _support.pin(server.pid, 0)
            _support.pin(os.getpid(), 1)
            assert server.stdout is not None
            base = f"http://127.0.0.1:{int(server.stdout.readline())}"
            coro = seq(base, amount) if what == "seq" else download(base, amount)
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(coro)
            profiler.disable()
        finally:
            server.terminate()
            server.wait(timeout=10)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
