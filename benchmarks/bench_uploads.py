"""Request bodies end to end, ours against aiohttp 3.14.5: a small JSON POST, a 1 MiB
``bytes`` upload and a 1 MiB file upload, each sequential over one kept-alive connection.

The server is ``tools/demo_server.py`` (it reads each body whole, then answers) in a
subprocess pinned to CPU 0; every client runs in its own subprocess
(``_client_worker.py``, the ``Worker`` of ``bench_nginx.py``) on CPU 1 (``tools/bench``
pins pytest, and the workers inherit it).  The implementations run **interleaved**:
each round runs every implementation once, so a slow spell of the machine hits all of
them alike; the figures are medians over the rounds, and each ratio compares two
medians of the same run.

Reported per scenario: requests per second (wall clock, so it includes the server's
time) and client CPU (user + system of the client process, executor threads included)
per request.
"""

import os
import statistics
from collections.abc import Iterator
from typing import Any

import pytest

import _support
from bench_nginx import PYTHON_IMPLS, Worker

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
POSTS = 2000  # JSON POSTs per round
UPLOADS = 100  # 1 MiB uploads per round


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    with _support.demo_server() as (url, pinned):
        if not pinned:
            pytest.fail("could not pin the server to CPU 0 (fewer than 2 CPUs?)")
        yield url


@pytest.fixture(scope="module")
def workers(demo_server: str) -> Iterator[dict[str, Worker]]:
    started = {impl: Worker(impl, demo_server) for impl in PYTHON_IMPLS}
    try:
        bad = {impl: w.info for impl, w in started.items() if not w.info.get("ok")}
        if bad:
            pytest.fail(f"client workers did not start: {bad}")
        for impl, tag in {"ours-c": "c", "ours-py": "py"}.items():
            if set(started[impl].info["twins"].values()) != {tag}:
                pytest.fail(f"{impl} loaded twins {started[impl].info['twins']}: build them first")
        yield started
    finally:
        for w in started.values():
            w.close()


def _measure(benchmark: Any, workers: dict[str, Worker], command: str, count: int, item: str) -> None:
    runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in workers}
    for w in workers.values():  # warm-up round, not counted
        w.run(command, str(count))
    for _ in range(ROUNDS):
        for impl, w in workers.items():
            runs[impl].append(w.run(command, str(count)))
    benchmark.extra_info.update(
        suite="uploads",
        item=item,
        mode="e2e",
        impl="all",
        req_per_s={i: statistics.median(r["requests"] / r["wall"] for r in rs) for i, rs in runs.items()},
        cpu_us_per_req={i: statistics.median(r["cpu"] / r["requests"] * 1e6 for r in rs) for i, rs in runs.items()},
        rounds=ROUNDS,
    )
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # the figures come from the rounds


def test_post_json(benchmark: Any, workers: dict[str, Worker]) -> None:
    _measure(benchmark, workers, "post_json", POSTS, f"{POSTS} JSON POSTs")


def test_upload_bytes(benchmark: Any, workers: dict[str, Worker]) -> None:
    _measure(benchmark, workers, "upload", UPLOADS, f"{UPLOADS} 1 MiB bytes uploads")


def test_upload_file(benchmark: Any, workers: dict[str, Worker]) -> None:
    _measure(benchmark, workers, "upload_file", UPLOADS, f"{UPLOADS} 1 MiB file uploads")
