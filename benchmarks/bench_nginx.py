"""End to end against nginx: what a user experiences, ours against aiohttp 3.14.5.

nginx (Debian's, started here) runs pinned to CPU 0; every client runs in its own
subprocess (``_client_worker.py``) on CPU 1 (``tools/bench`` pins pytest, and the
workers inherit it).  The implementations run **interleaved**: each round runs every
implementation once, so a slow spell of the machine hits all of them alike; the figures
are medians over the rounds, and each ratio compares two medians of the same run.

Implementations: ``ours-c`` (compiled twins), ``ours-py`` (``AIOHTTP_CLIENT_NO_EXTENSIONS=1``),
``aiohttp`` (its compiled parser), ``aiohttp-py`` (``AIOHTTP_NO_EXTENSIONS=1``), and for
the download ``curl`` (the command-line tool writing to ``/dev/null``; CPU from its
rusage) as the reference for what the kernel copy costs.

Scenarios (CPU = user + system time of the client process for the timed part):

- ``seq``: 2,000 sequential small GETs on one keep-alive connection: CPU us per request;
- ``conc``: 4,000 small GETs, 64 in flight through the pool (``limit=64``): CPU us per request;
- ``download``: a 100 MB file, ``iter_chunked(65536)``: CPU us per MB, and how often the
  client paused the socket transport (per MB);
- ``gzip``: 32 MiB of text, gzip-coded by nginx in chunked transfer coding, decoded:
  decoded MB per second of client CPU (nginx compressing on the fly is slower than the
  client decodes, so wall-clock MB/s would measure nginx), against ``zlib`` alone on the
  same coded bytes in the same process (the ``zlib`` column, the in-process ceiling).
"""

import json
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

import _support

NGINX = _support.NGINX
WORKER = _support.ROOT / "benchmarks" / "_client_worker.py"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
LARGE = 100_000_000
TEXT = 32 * 1024 * 1024
SEQ, CONC, WIDTH = 2000, 4000, 64
PYTHON_IMPLS = ("ours-c", "ours-py", "aiohttp", "aiohttp-py")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} not found: apt-get install nginx-light (tools/test installs it)")
    base = tmp_path_factory.mktemp("nginx")
    www = base / "www"
    (www / "gz").mkdir(parents=True)
    (www / "small.json").write_bytes(json.dumps({"hello": "world", "n": list(range(10))}).encode())
    with open(www / "large.bin", "wb") as f:
        block = bytes(range(256)) * 4096
        for _ in range(LARGE // len(block)):
            f.write(block)
        f.write(block[: LARGE % len(block)])
    line = b"%08d: some compressible text for the gzip scenario, nginx codes it on the fly\n"
    with open(www / "gz" / "text.txt", "wb") as f:
        n = 0
        while n < TEXT:
            chunk = b"".join(line % i for i in range(n // 80, n // 80 + 1000))[: TEXT - n]
            f.write(chunk)
            n += len(chunk)
    with _support.nginx(base) as url:
        yield url


class Worker(_support.ClientWorker):
    """One client process (``_client_worker.py``) on CPU 1 (``tools/bench`` pins pytest)."""

    def __init__(self, impl: str, base: str) -> None:
        super().__init__(impl, WORKER, base)

    def run(self, command: str, arg: str) -> dict[str, Any]:
        return self.ask(f"{command} {arg}")


@pytest.fixture(scope="module")
def workers(nginx: str) -> Iterator[dict[str, Worker]]:
    started = {impl: Worker(impl, nginx) for impl in PYTHON_IMPLS}
    try:
        bad = {impl: w.info for impl, w in started.items() if not w.info.get("ok")}
        if bad:
            pytest.fail(f"client workers did not start: {bad}")
        expected = {"ours-c": "c", "ours-py": "py"}
        for impl, tag in expected.items():
            loaded = set(started[impl].info["twins"].values())
            if loaded != {tag}:
                pytest.fail(f"{impl} loaded twins {started[impl].info['twins']}: build them first")
        yield started
    finally:
        for w in started.values():
            w.close()


def _curl(url: str) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", "/dev/null", url], check=True)
    wall = time.perf_counter() - wall0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "bytes": LARGE}


def _interleaved(workers: dict[str, Worker], command: str, arg: str) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in workers}
    for w in workers.values():  # warm-up round, not counted
        w.run(command, arg)
    for _ in range(ROUNDS):
        for impl, w in workers.items():
            runs[impl].append(w.run(command, arg))
    return runs


def _record(benchmark: Any, item: str, unit: str, values: dict[str, float], note: str = "") -> None:
    benchmark.extra_info.update(suite="nginx", item=item, mode="e2e", impl="all", unit=unit, values=values, note=note)


def _once(benchmark: Any) -> None:
    # The figures come from the interleaved rounds; pytest-benchmark times one no-op.
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def test_seq_small_gets(benchmark: Any, workers: dict[str, Worker]) -> None:
    runs = _interleaved(workers, "seq", f"/small.json,{SEQ}")
    values = {i: statistics.median(r["cpu"] / r["requests"] * 1e6 for r in rs) for i, rs in runs.items()}
    _record(benchmark, f"{SEQ} sequential small GETs", "CPU us/request", values)
    _once(benchmark)


def test_concurrent_small_gets(benchmark: Any, workers: dict[str, Worker]) -> None:
    runs = _interleaved(workers, "conc", f"/small.json,{CONC},{WIDTH}")
    values = {i: statistics.median(r["cpu"] / r["requests"] * 1e6 for r in rs) for i, rs in runs.items()}
    _record(benchmark, f"{CONC} small GETs, {WIDTH} in flight", "CPU us/request", values)
    _once(benchmark)


def test_download(benchmark: Any, workers: dict[str, Worker], nginx: str) -> None:
    runs = _interleaved(workers, "fetch", "/large.bin")
    runs["curl"] = [_curl(nginx + "/large.bin") for _ in range(ROUNDS)]
    values = {i: statistics.median(r["cpu"] / (r["bytes"] / 1e6) * 1e6 for r in rs) for i, rs in runs.items()}
    pauses = {
        i: statistics.median(r["pauses"] / (r["bytes"] / 1e6) for r in rs) for i, rs in runs.items() if i != "curl"
    }
    note = "curl: the command-line tool, to /dev/null; transport pauses per MB (median): " + ", ".join(
        f"{i} {p:.2f}" for i, p in pauses.items()
    )
    _record(benchmark, "100 MB download", "CPU us/MB", values, note=note)
    _once(benchmark)


def test_gzip_chunked(benchmark: Any, workers: dict[str, Worker]) -> None:
    runs = _interleaved(workers, "fetch", "/gz/text.txt")
    ceiling = [workers["ours-c"].run("zlib", "/gz/text.txt") for _ in range(ROUNDS)]
    runs["zlib"] = ceiling
    values = {i: statistics.median(r["bytes"] / r["cpu"] / 1e6 for r in rs) for i, rs in runs.items()}
    _record(
        benchmark,
        "32 MiB gzip, chunked, decoded",
        "MB per CPU s (higher is better)",
        values,
        note="zlib: the same coded bytes gunzipped by zlib alone in the client process",
    )
    _once(benchmark)
