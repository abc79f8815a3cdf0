"""WebSocket echo round trips, what a user experiences: our client (compiled twins
``ours-c``, Python twins ``ours-py``) against aiohttp 3.14.5's client.

The echo server (``_ws_echo_server.py``: ``aiohttp.web`` by default,
``BENCH_WS_SERVER=websockets`` for the ``websockets`` library's server) runs in its
own process pinned to CPU 0; each client runs in its own process
(``_ws_echo_client.py``) pinned to CPU 1, so twin selection is real (``ours-py`` runs
with ``AIOHTTP_CLIENT_NO_EXTENSIONS=1``).  The clients run **interleaved**: each round
runs every client once (the order rotating from round to round), after one warm-up
round that is not counted; figures are medians over the rounds and each ratio
compares two medians of the same run.

Cases, each over one WebSocket opened outside the timing:

- ``32B-text``: 1,000 round trips of a 32-byte TEXT message (``send_str``, ``receive``);
- ``64KiB-binary``: 200 round trips of a 64 KiB BINARY message (``send_bytes``, ``receive``).

Reported per client: round trips per second (wall clock, so it includes the server's
time and the loopback) and the client process's CPU time (``time.process_time``) per
round trip.  ``BENCH_ROUNDS`` sets the rounds (9).
"""

import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import _support

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
SERVER = os.environ.get("BENCH_WS_SERVER", "aiohttp")
IMPLS = ("ours-c", "ours-py", "aiohttp")
CASES = {  # case -> (round trips, message bytes, message type)
    "32B-text": (1000, 32, "text"),
    "64KiB-binary": (200, 65536, "binary"),
}
_HERE = _support.ROOT / "benchmarks"


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    cmd = [sys.executable, str(_HERE / "_ws_echo_server.py"), SERVER]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        try:
            if not _support.pin(proc.pid, 0):
                pytest.fail("could not pin the echo server to CPU 0 (fewer than 2 CPUs?)")
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.strip().isdigit():
                pytest.fail(f"echo server did not start: {line!r}")
            yield f"http://127.0.0.1:{int(line)}/"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


class Worker(_support.ClientWorker):
    """One client process (``_ws_echo_client.py``) pinned to CPU 1."""

    def __init__(self, impl: str, url: str) -> None:
        super().__init__(impl, _HERE / "_ws_echo_client.py", url)
        self.pinned = _support.pin(self.proc.pid, 1)

    def echo(self, count: int, size: int, kind: str) -> dict[str, Any]:
        return self.ask(f"echo {count} {size} {kind}")


@pytest.fixture(scope="module")
def workers(echo_server: str) -> Iterator[dict[str, Worker]]:
    started: dict[str, Worker] = {}
    try:
        for impl in IMPLS:
            started[impl] = Worker(impl, echo_server)
        bad = {impl: w.info for impl, w in started.items() if not w.info.get("ok") or not w.pinned}
        if bad:
            pytest.fail(f"client workers did not start or could not be pinned to CPU 1: {bad}")
        for impl, tag in {"ours-c": "c", "ours-py": "py"}.items():
            if set(started[impl].info["twins"].values()) != {tag}:
                pytest.fail(f"{impl} loaded twins {started[impl].info['twins']}: build them first")
        yield started
    finally:
        for w in started.values():
            w.close()


@pytest.mark.parametrize("case", list(CASES))
def test_echo(benchmark: Any, workers: dict[str, Worker], case: str) -> None:
    count, size, kind = CASES[case]
    order = list(workers.values())
    for w in order:  # warm-up round, not counted
        w.echo(count, size, kind)
    runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in workers}
    for n in range(ROUNDS):
        for w in order[n % len(order) :] + order[: n % len(order)]:
            runs[w.impl].append(w.echo(count, size, kind))
    benchmark.group = f"ws_echo {case}"
    benchmark.extra_info.update(
        suite="ws_echo",
        item=f"{count} x {case}",
        mode="e2e",
        impl="all",
        server=SERVER,
        rounds=ROUNDS,
        rt_per_s={i: statistics.median(r["round_trips"] / r["wall"] for r in rs) for i, rs in runs.items()},
        cpu_us_per_rt={i: statistics.median(r["cpu"] / r["round_trips"] * 1e6 for r in rs) for i, rs in runs.items()},
    )
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # the figures come from the rounds
