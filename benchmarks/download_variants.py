"""Issue 20 section 3, the measurement behind "no BufferedProtocol path": CPU per MB
of a 100 MB download (``iter_chunked(65536)``, nginx pinned to CPU 0, this process to
CPU 1) through variants of the receive path, interleaved, ``ROUNDS`` (default 11)
rounds after a warm-up, medians and ranges.

- ``raw``: an ``asyncio.Protocol`` that only counts ``data_received`` bytes (the floor:
  the selector loop's 256 KiB ``recv`` into a fresh ``bytes``);
- ``raw-buffered``: an ``asyncio.BufferedProtocol`` receiving into one reused 256 KiB
  ``bytearray`` (``get_buffer``/``buffer_updated``), counting;
- ``ours``: the client as it is (256 KiB ``bytes`` per ``recv``, fed whole to the
  stream; each 64 KiB read slices it: the one copy curl does not make);
- ``ours-recv-1m``: the same with the transport's ``max_size`` at 1 MiB (fewer loop
  iterations, the same copies);
- ``ours-buffered-1m``: ``ResponseProtocol`` as a ``BufferedProtocol`` receiving into a
  reused 1 MiB buffer, each ``buffer_updated`` split into 64 KiB ``bytes`` (one copy,
  as now, but from a warm buffer; the reads then return those pieces whole);
- ``curl``: the curl CLI to ``/dev/null`` (children's CPU).

A ``read(65536)`` must return ``bytes`` (the reference's contract), so the bytes a
consumer gets are made either by ``recv`` itself (64 KiB receives: one loop iteration
and one task wake-up per 64 KiB, which costs more than the copy saved) or by a copy out
of a receive buffer: a ``BufferedProtocol`` moves the copy, it cannot remove it.
Not collected by ``tools/bench``: ``python benchmarks/download_variants.py``.

Figures (issue 20 section 3, 2026-12-07, shared 2-core machine, load 7-8, 11 rounds):
raw 0.241, raw-buffered 0.241, ours 0.377, ours-recv-1m 0.318, ours-buffered-1m 0.336,
curl 0.400 ms/MB (medians; ranges about +-30 %).  The buffered variant was then built
for real (the transport switched to a ``BufferedProtocol`` receiver with a shared
1 MiB buffer for Content-Length >= 1 MiB, 64 KiB pieces; bytes pieces of the whole
receive came from ``mmap``: 22,000 page faults per 100 MiB, 3x the CPU) and measured
with ``ab_harness.py`` against main, 11 interleaved rounds: plain 1.10x main's CPU per
MB (0.96..1.29), TLS 1.00x (0.69..1.18).  It did not pay and was not kept.
"""

import asyncio
import os
import resource
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

import _support
import aiohttp_client
import aiohttp_client.connector as connector_module
import bench_harness
from aiohttp_client._protocols._protocol import ResponseProtocol

SIZE = bench_harness.LARGE


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class _Counting(asyncio.Protocol):
    def __init__(self, done: "asyncio.Future[int]") -> None:
        self.done, self.n = done, 0

    def data_received(self, data: bytes) -> None:
        self.n += len(data)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.done.set_result(self.n)


class _CountingBuffered(asyncio.BufferedProtocol):
    def __init__(self, done: "asyncio.Future[int]") -> None:
        self.done, self.n, self.buf = done, 0, bytearray(2**18)

    def get_buffer(self, sizehint: int) -> bytearray:
        return self.buf

    def buffer_updated(self, nbytes: int) -> None:
        self.n += nbytes

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.done.set_result(self.n)


class _BufferedResponseProtocol(ResponseProtocol, asyncio.BufferedProtocol):
    """The experiment: receive into a reused 1 MiB buffer, feed 64 KiB ``bytes``."""

    _view: Optional[memoryview] = None

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._view is None:
            self._view = memoryview(bytearray(2**20))
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        view = self._view
        assert view is not None
        for i in range(0, nbytes, 65536):
            self.data_received(bytes(view[i : min(i + 65536, nbytes)]))


async def _raw(url: str, cls: Any) -> int:
    loop = asyncio.get_running_loop()
    host, port = url.split("//")[1].split(":")
    done: asyncio.Future[int] = loop.create_future()
    transport, _ = await loop.create_connection(lambda: cls(done), host, int(port))
    transport.write(b"GET /large.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return await done


async def _ours(url: str, max_size: int = 0, protocol_cls: Any = None) -> int:
    made = connector_module.ResponseProtocol
    connection_made = ResponseProtocol.connection_made
    if protocol_cls is not None:
        connector_module.ResponseProtocol = protocol_cls  # type: ignore[misc]
    if max_size:

        def bigger(self: ResponseProtocol, transport: Any) -> None:
            transport.max_size = max_size  # the selector transport's recv size (private)
            connection_made(self, transport)

        ResponseProtocol.connection_made = bigger  # type: ignore[method-assign]
    try:
        n = 0
        async with aiohttp_client.ClientSession() as session:
            async with session.get(url + "/large.bin") as resp:
                async for chunk in resp.content.iter_chunked(65536):
                    n += len(chunk)
        return n
    finally:
        connector_module.ResponseProtocol = made  # type: ignore[misc]
        ResponseProtocol.connection_made = connection_made  # type: ignore[method-assign]


def _curl(url: str) -> float:
    before = os.times()
    subprocess.run(["taskset", "-c", "1", "curl", "-sS", "-o", "/dev/null", url + "/large.bin"], check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    base = Path(tempfile.mkdtemp())
    (base / "www" / "pre").mkdir(parents=True)
    block = bytes(range(256)) * 4096
    with open(base / "www" / "large.bin", "wb") as f:
        for _ in range(SIZE // len(block)):
            f.write(block)
        f.write(block[: SIZE % len(block)])
    with _support.nginx(base, bench_harness._CONF) as url:
        _support.pin(os.getpid(), 1)
        loop = asyncio.new_event_loop()
        variants: dict[str, Callable[[], Any]] = {
            "raw": lambda: _raw(url, _Counting),
            "raw-buffered": lambda: _raw(url, _CountingBuffered),
            "ours": lambda: _ours(url),
            "ours-recv-1m": lambda: _ours(url, max_size=2**20),
            "ours-buffered-1m": lambda: _ours(url, protocol_cls=_BufferedResponseProtocol),
        }
        ms: dict[str, list[float]] = {name: [] for name in [*variants, "curl"]}
        names = list(ms)
        for r in range(int(os.environ.get("ROUNDS", "11")) + 1):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                if name == "curl":
                    cpu = _curl(url)
                else:
                    start = _cpu()
                    assert loop.run_until_complete(variants[name]()) >= SIZE  # raw: the head too
                    cpu = _cpu() - start
                if r:  # round 0 warms up
                    ms[name].append(cpu / (SIZE / 1e6) * 1e3)
        loop.close()
    for name, values in ms.items():
        print(f"{name:>17}: median {statistics.median(values):.3f} ms/MB  range {min(values):.3f}..{max(values):.3f}")


if __name__ == "__main__":
    main()
