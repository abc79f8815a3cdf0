"""Per-request CPU of two checkouts of this client side by side, and aiohttp's:
``python benchmarks/ab_trees.py BEFORE_TREE AFTER_TREE`` (each tree with its compiled
twins built in place, e.g. a ``git worktree``).

The server is the after tree's ``tools/demo_server.py`` pinned to CPU 0; each client
is a long-lived ``benchmarks/_client_worker.py`` of its own tree (``PYTHONPATH`` set to
the tree) pinned to CPU 1.  CPU is the worker's ``process_time`` spent in the scenario;
a warm-up round, then ``ROUNDS`` (default 7) rounds whose order rotates; medians, and
the median and range of the per-round after/before ratios.  Not collected by
``tools/bench`` (not a ``bench_*`` file): it answers "did this change cost anything".
"""

import json
import os
import statistics
import subprocess
import sys
from typing import Any

SCENARIOS = [("small", 2000), ("post_json", 2000), ("pool", 6400), ("upload_file", 100)]


def _worker(tree: str, lib: str, url: str) -> "subprocess.Popen[str]":
    env = dict(os.environ, PYTHONPATH=tree)
    cmd = [sys.executable, f"{tree}/benchmarks/_client_worker.py", lib, url]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd="/tmp")
    os.sched_setaffinity(proc.pid, {1})
    assert proc.stdout is not None
    hello = json.loads(proc.stdout.readline())
    if not hello.get("ok"):
        raise SystemExit(f"worker for {tree} ({lib}) did not start: {hello}")
    return proc


def _ask(proc: "subprocess.Popen[str]", command: str, n: int) -> Any:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{command} {n}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def main() -> None:
    before, after = sys.argv[1], sys.argv[2]
    rounds = int(os.environ.get("ROUNDS", "7"))
    server = subprocess.Popen(
        [sys.executable, f"{after}/tools/demo_server.py", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    os.sched_setaffinity(server.pid, {0})
    assert server.stdout is not None
    url = f"http://127.0.0.1:{int(server.stdout.readline())}"
    workers = {"before": _worker(before, "ours", url), "after": _worker(after, "ours", url)}
    workers["aiohttp"] = _worker(before, "aiohttp", url)
    names = list(workers)
    cpu: dict[tuple[str, str], list[float]] = {(i, s): [] for i in names for s, _ in SCENARIOS}
    try:
        for r in range(rounds + 1):
            order = names[r % 3 :] + names[: r % 3]
            for scenario, n in SCENARIOS:
                for name in order:
                    result = _ask(workers[name], scenario, n)
                    if r:  # round 0 warms up
                        cpu[(name, scenario)].append(result["cpu"] / n * 1e6)
    finally:
        for proc in workers.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)
        server.terminate()
        server.wait()
    print(f"{'scenario':12} {'before us':>9} {'after us':>9} {'aiohttp us':>10} {'after/before':>12} (range)")
    for scenario, _n in SCENARIOS:
        b, a, x = (statistics.median(cpu[(name, scenario)]) for name in names)
        ratios = [p / q for p, q in zip(cpu[("after", scenario)], cpu[("before", scenario)])]
        print(
            f"{scenario:12} {b:9.1f} {a:9.1f} {x:10.1f} {statistics.median(ratios):12.3f} "
            f"({min(ratios):.3f}-{max(ratios):.3f})"
        )


if __name__ == "__main__":
    main()
