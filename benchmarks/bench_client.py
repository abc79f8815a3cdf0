"""End to end over loopback: a 100 MB streamed download (``iter_chunked(65536)``) and
2,000 sequential small GETs over one kept-alive connection, for our client with each
twin and for aiohttp's client.

The server is ``tools/demo_server.py`` in a subprocess pinned to CPU 0
(``os.sched_setaffinity``); each client runs in its own subprocess
(``_client_worker.py``) so that twin selection is real: ``ours-py`` runs with
``AIOHTTP_CLIENT_NO_EXTENSIONS=1``, ``ours-c`` without it (and is skipped unless the
compiled twins loaded).  ``tools/bench`` runs pytest under ``taskset -c 1``, so the
clients inherit CPU 1.  Reported: MB/s, requests/s, and CPU time of the client process
(``time.process_time``) per download and per request, medians over the rounds.
"""

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import _support

DOWNLOAD_SIZE = 100_000_000  # bytes
SMALL_COUNT = 2000
POST_COUNT = 2000  # JSON POSTs per round
UPLOAD_COUNT = 100  # 1 MiB uploads per round
POOL_COUNT = 6400  # 100 per task, 64 concurrent tasks
ROUNDS = 5
WORKER = str(_support.ROOT / "benchmarks" / "_client_worker.py")
IMPLS = ("ours-c", "ours-py", "aiohttp")
_PINNED = {"server": False}  # whether the server could be pinned to CPU 0


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with _support.demo_server() as (url, pinned):
        _PINNED["server"] = pinned
        yield url


class Worker:
    def __init__(self, impl: str, proc: "subprocess.Popen[str]") -> None:
        self.impl = impl
        self.proc = proc
        self.results: list[dict[str, Any]] = []

    def run(self, command: str, arg: int) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{command} {arg}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client worker died (exit status {self.proc.wait(timeout=10)})")
        result: dict[str, Any] = json.loads(line)
        self.results.append(result)
        return result


@pytest.fixture(scope="module", params=IMPLS)
def worker(request: Any, server: str) -> Iterator[Worker]:
    impl: str = request.param
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_support.ROOT), env.get("PYTHONPATH")]))
    env.pop("AIOHTTP_CLIENT_NO_EXTENSIONS", None)
    if impl == "ours-py":
        env["AIOHTTP_CLIENT_NO_EXTENSIONS"] = "1"
    lib = "aiohttp" if impl == "aiohttp" else "ours"
    cmd = [sys.executable, WORKER, lib, server]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True) as proc:
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline() or '{"ok": false, "error": "worker died"}')
            if not info["ok"]:
                pytest.skip(f"{impl}: {info['error']}")
            expected = {"ours-c": "c", "ours-py": "py"}.get(impl)
            if expected and set(info["twins"].values()) != {expected}:
                pytest.skip(f"{impl}: twins loaded {info['twins']} (build them: setup.py build_ext --inplace)")
            yield Worker(impl, proc)
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)


def test_download(benchmark: Any, worker: Worker) -> None:
    benchmark.group = "client download 100 MB"
    worker.results.clear()
    benchmark.pedantic(worker.run, args=("download", DOWNLOAD_SIZE), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    runs = worker.results[1:]  # without the warm-up round
    benchmark.extra_info.update(
        suite="client",
        item="download",
        mode="e2e",
        impl=worker.impl,
        server_pinned=_PINNED["server"],
        client_cpus=sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        mb_per_s=statistics.median(r["bytes"] / r["wall"] / 1e6 for r in runs),
        cpu_s=statistics.median(r["cpu"] for r in runs),
    )


def _request_rate(benchmark: Any, worker: Worker, command: str, count: int, group: str, item: str) -> None:
    benchmark.group = group
    worker.results.clear()
    benchmark.pedantic(worker.run, args=(command, count), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    runs = worker.results[1:]
    benchmark.extra_info.update(
        suite="client",
        item=item,
        mode="e2e",
        impl=worker.impl,
        server_pinned=_PINNED["server"],
        client_cpus=sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        req_per_s=statistics.median(r["requests"] / r["wall"] for r in runs),
        cpu_us_per_req=statistics.median(r["cpu"] / r["requests"] * 1e6 for r in runs),
    )


def test_small_gets(benchmark: Any, worker: Worker) -> None:
    _request_rate(benchmark, worker, "small", SMALL_COUNT, f"client {SMALL_COUNT} small GETs", "small-gets")


def test_post_json(benchmark: Any, worker: Worker) -> None:
    _request_rate(benchmark, worker, "post_json", POST_COUNT, f"client {POST_COUNT} JSON POSTs", "post-json")


def test_upload_1mib(benchmark: Any, worker: Worker) -> None:
    _request_rate(benchmark, worker, "upload", UPLOAD_COUNT, f"client {UPLOAD_COUNT} 1 MiB uploads", "upload-1mib")


def test_pool_concurrent(benchmark: Any, worker: Worker) -> None:
    group = f"client {POOL_COUNT} GETs, 64 concurrent, through the pool"
    _request_rate(benchmark, worker, "pool", POOL_COUNT, group, "pool-64")
