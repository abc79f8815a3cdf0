"""The outside harness's download, gzip and sequential loops (``bench_harness.py``) for
two checkouts of this client side by side: ``python benchmarks/ab_harness.py BEFORE_TREE
AFTER_TREE [JOB ...]`` (each tree with its compiled twins built in place, e.g. a
``git worktree``).  JOBs: ``download`` (100 MB, ``iter_chunked(65536)``, CPU per MB
against the curl CLI), ``gzip`` (32 MiB ``gzip -1`` text in 32 KiB chunks, CPU per
decoded MB against our default zlib backend alone on the same bytes), ``seq`` (small
GETs on one connection, ``AB_SEQ_N`` of them, default 5000), ``tls`` (the download over
TLS: nginx with a self-signed certificate); all by default.

nginx (the harness's configuration) is pinned to CPU 0, each client worker
(this tree's ``benchmarks/_harness_worker.py``, ``PYTHONPATH`` set to its tree) to
CPU 1.  ``ROUNDS`` (default 7) interleaved rounds after a warm-up, the order rotating;
it prints medians and, per round, the after/before ratios (median and range): on a
shared machine that range is the error bar.  Not collected by ``tools/bench`` (not a
``bench_*`` file): it answers "did this change pay".
"""

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import _support
import bench_harness

_TLS = """
    server {{
        listen 127.0.0.1:{tls_port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        root {dir}/www;
    }}
}}
"""


def _worker(tree: str, lib: str, url: str) -> "subprocess.Popen[str]":
    """This tree's worker script (it knows ``tls``) importing *tree*'s client."""
    env = dict(os.environ, PYTHONPATH=tree)
    cmd = [sys.executable, str(_support.ROOT / "benchmarks" / "_harness_worker.py"), lib, url]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd="/tmp")
    _support.pin(proc.pid, 1)
    assert proc.stdout is not None
    hello = json.loads(proc.stdout.readline())
    if not hello.get("ok"):
        raise SystemExit(f"worker for {tree} ({lib}) did not start: {hello}")
    return proc


def _ask(proc: "subprocess.Popen[str]", line: str) -> Any:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def _curl(url: str) -> dict[str, Any]:
    before = os.times()
    subprocess.run(["taskset", "-c", "1", "curl", "-ksS", "-o", "/dev/null", url], check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"cpu": cpu, "bytes": bench_harness.LARGE}


def _rounds(jobs: dict[str, Callable[[], dict[str, Any]]], rounds: int) -> dict[str, list[dict[str, Any]]]:
    names = list(jobs)
    for name in names:
        jobs[name]()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs[name].append(jobs[name]())
    return runs


def _report(
    title: str, runs: dict[str, list[dict[str, Any]]], per: str, scale: float, pairs: list[tuple[str, str]]
) -> None:
    print(f"== {title}")
    for name, rs in runs.items():
        vals = [r["cpu"] / r[per] * scale for r in rs]
        print(f"  {name:>14}: median {statistics.median(vals):9.2f}  range {min(vals):.2f}..{max(vals):.2f}")
    for a, b in pairs:
        ratios = [(x["cpu"] / x[per]) / (y["cpu"] / y[per]) for x, y in zip(runs[a], runs[b])]
        print(
            f"  {a} / {b}: median {statistics.median(ratios):.3f}"
            f"  range {min(ratios):.3f}..{max(ratios):.3f}  (n={len(ratios)})"
        )


def _certs(base: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(base / "key.pem"), "-out", str(base / "cert.pem")],
        check=True,
        capture_output=True,
    )


def _www(base: Path) -> Path:
    """The harness's files under *base*/www; returns the gzip file."""
    www = base / "www"
    (www / "pre").mkdir(parents=True)
    (www / "empty.txt").write_bytes(b"")
    (www / "small.txt").write_bytes(b"Hello, world!")
    with open(www / "large.bin", "wb") as f:
        block = bytes(range(256)) * 4096
        for _ in range(bench_harness.LARGE // len(block)):
            f.write(block)
        f.write(block[: bench_harness.LARGE % len(block)])
    bench_harness._log_text(www / "pre" / "log.txt", bench_harness.TEXT)
    subprocess.run(["gzip", "-1", "-k", "-n", str(www / "pre" / "log.txt")], check=True)
    _certs(base)
    return www / "pre" / "log.txt.gz"


_PAIRS = [("after", "before"), ("before", "curl"), ("after", "curl")]


def _run_jobs(jobs: list[str], w: "dict[str, subprocess.Popen[str]]", urls: tuple[str, str], gz: Path) -> None:
    rounds = int(os.environ.get("ROUNDS", "7"))
    seq_n = int(os.environ.get("AB_SEQ_N", "5000"))
    url, tls_url = urls
    if "download" in jobs:
        d = {n: (lambda p=p: _ask(p, "fetch /large.bin")) for n, p in w.items()}
        d["curl"] = lambda: _curl(url + "/large.bin")
        _report("100 MB download, CPU ms per MB", _rounds(d, rounds), "bytes", 1e9, _PAIRS)
    if "tls" in jobs:
        d = {n: (lambda p=p: _ask(p, "tls " + tls_url + "/large.bin")) for n, p in w.items()}
        d["curl"] = lambda: _curl(tls_url + "/large.bin")
        _report("100 MB download over TLS, CPU ms per MB", _rounds(d, rounds), "bytes", 1e9, _PAIRS)
    if "gzip" in jobs:
        decoded = len(gzip.decompress(gz.read_bytes()))
        d = {n: (lambda p=p: _ask(p, "fetch /pre/log.txt")) for n, p in w.items()}
        d["alone"] = lambda: _ask(w["after"], f"ceiling {gz},zlib_ng")
        runs = _rounds(d, rounds)
        for name, rs in runs.items():
            assert all(r["bytes"] == decoded for r in rs), (name, [r["bytes"] for r in rs])
        pairs = [("after", "before"), ("alone", "before"), ("alone", "after")]
        _report("32 MiB gzip, CPU ms per decoded MB (zlib_ng alone)", runs, "bytes", 1e9, pairs)
    if "seq" in jobs:
        d = {n: (lambda p=p: _ask(p, f"seq /small.txt,{seq_n}")) for n, p in w.items()}
        title = f"sequential small GETs ({seq_n}), CPU us per request"
        _report(title, _rounds(d, rounds), "requests", 1e6, [("after", "before")])


def main() -> None:
    before, after = sys.argv[1], sys.argv[2]
    jobs = sys.argv[3:] or ["download", "gzip", "seq", "tls"]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        gz = _www(base)
        tls_port = _support.free_port()
        conf = bench_harness._CONF.rstrip().rstrip("}") + _TLS.replace("{tls_port}", str(tls_port))
        with _support.nginx(base, conf) as url:
            w = {"before": _worker(before, "ours", url), "after": _worker(after, "ours", url)}
            try:
                _run_jobs(jobs, w, (url, f"https://127.0.0.1:{tls_port}"), gz)
            finally:
                for p in w.values():
                    assert p.stdin is not None
                    p.stdin.close()
                    p.wait(timeout=30)


if __name__ == "__main__":
    main()
