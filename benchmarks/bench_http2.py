"""HTTP/2 end to end against nginx over TLS (issue 17): ours on HTTP/2, ours on
HTTP/1.1 (a pool of ``limit=100`` connections) and httpx with ``http2=True``.

nginx (Debian's, ``listen ... ssl http2``, a trustme certificate) runs pinned to CPU 0;
each measurement runs in a fresh client subprocess (this file with ``--worker``), and
the implementations run interleaved, round after round; figures are medians.

- ``small``: 1,000 small GETs with 100 in flight: client CPU (user + system) per request;
- ``download``: a 100 MB file read with ``iter_chunked(65536)``: MB per second (wall)
  and CPU per MB.

Ratios printed at the end; the issue's targets: ours-h2 CPU/request <= 1.3x ours-HTTP/1.1
and <= 0.5x httpx; the download over HTTP/2 >= 0.7x our HTTP/1.1 throughput.

Run: ``./tools/bench -k http2``, or ``python benchmarks/bench_http2.py`` (prints only).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS, IN_FLIGHT = 1000, 100
LARGE = 100_000_000
SMALL_IMPLS = ("ours-h2", "ours-h1", "httpx-h2")
DOWNLOAD_IMPLS = ("ours-h2", "ours-h1")

_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    keepalive_requests 100000;
    http2_max_concurrent_streams 128;
    http2_chunk_size {chunk};
    sendfile on;
    types {{ application/json json; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        root {dir}/www;
    }}
}}
"""


@contextmanager
def nginx_h2() -> Iterator[tuple[str, str]]:
    """nginx over TLS with HTTP/2 on a free port: yields ``(base URL, CA file)``."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import trustme

    import _support

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "tmp").mkdir()
        www = base / "www"
        www.mkdir()
        (www / "small.json").write_bytes(json.dumps({"hello": "world", "n": list(range(10))}).encode())
        with open(www / "large.bin", "wb") as f:
            block = bytes(range(256)) * 4096
            for _ in range(LARGE // len(block)):
                f.write(block)
            f.write(block[: LARGE % len(block)])
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1")
        cert.private_key_pem.write_to_path(str(base / "key.pem"))
        (base / "cert.pem").write_bytes(b"".join(p.bytes() for p in cert.cert_chain_pems))
        ca.cert_pem.write_to_path(str(base / "ca.pem"))
        port = _support.free_port()
        (base / "nginx.conf").write_text(
            _CONF.format(dir=base, port=port, chunk=os.environ.get("BENCH_H2_CHUNK", "8k"))
        )
        cmd = [NGINX, "-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
        with subprocess.Popen(cmd, stdin=subprocess.DEVNULL) as proc:
            try:
                _support.pin(proc.pid, 0)
                deadline = time.monotonic() + 10
                while not _support.accepting(port):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"nginx did not start: {(base / 'error.log').read_text()}")
                    time.sleep(0.05)
                yield f"https://127.0.0.1:{port}", str(base / "ca.pem")
            finally:
                proc.terminate()
                proc.wait(timeout=10)


# -- the client side (a subprocess per measurement) -------------------------------------


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _ours(impl: str, scenario: str, base: str, cafile: str) -> dict[str, Any]:
    import aiohttp_client

    h2 = impl == "ours-h2"
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["h2", "http/1.1"] if h2 else ["http/1.1"])
    connector = aiohttp_client.TCPConnector(limit=IN_FLIGHT, http2=h2, ssl=ctx)
    async with aiohttp_client.ClientSession(connector=connector) as session:
        async with session.get(base + "/small.json") as resp:  # warm: the connection is up
            await resp.read()
            version = str(resp.version)
        if scenario == "small":
            sem = asyncio.Semaphore(IN_FLIGHT)

            async def one() -> None:
                async with sem, session.get(base + "/small.json") as resp:
                    await resp.read()

            cpu0, wall0 = _cpu(), time.perf_counter()
            await asyncio.gather(*(one() for _ in range(REQUESTS)))
            return {"cpu": _cpu() - cpu0, "wall": time.perf_counter() - wall0, "n": REQUESTS, "version": version}
        cpu0, wall0 = _cpu(), time.perf_counter()
        n = 0
        async with session.get(base + "/large.bin") as resp:
            async for chunk in resp.content.iter_chunked(65536):
                n += len(chunk)
        return {"cpu": _cpu() - cpu0, "wall": time.perf_counter() - wall0, "n": n, "version": version}


async def _httpx(base: str, cafile: str) -> dict[str, Any]:
    import httpx

    ctx = ssl.create_default_context(cafile=cafile)
    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(http2=True, verify=ctx, limits=limits) as client:
        version = (await client.get(base + "/small.json")).http_version
        sem = asyncio.Semaphore(IN_FLIGHT)

        async def one() -> None:
            async with sem:
                (await client.get(base + "/small.json")).read()

        cpu0, wall0 = _cpu(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(REQUESTS)))
        return {"cpu": _cpu() - cpu0, "wall": time.perf_counter() - wall0, "n": REQUESTS, "version": version}


def _worker(impl: str, scenario: str, base: str, cafile: str) -> None:
    if impl == "httpx-h2":
        result = asyncio.run(_httpx(base, cafile))
    else:
        result = asyncio.run(_ours(impl, scenario, base, cafile))
    print(json.dumps(result))


def measure(impl: str, scenario: str, base: str, cafile: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", impl, scenario, base, cafile]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"{impl} {scenario}: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_all(base: str, cafile: str) -> dict[str, dict[str, float]]:
    small: dict[str, list[dict[str, Any]]] = {i: [] for i in SMALL_IMPLS}
    down: dict[str, list[dict[str, Any]]] = {i: [] for i in DOWNLOAD_IMPLS}
    for _ in range(ROUNDS):
        for impl in SMALL_IMPLS:
            small[impl].append(measure(impl, "small", base, cafile))
        for impl in DOWNLOAD_IMPLS:
            down[impl].append(measure(impl, "download", base, cafile))
    cpu_us = {i: statistics.median(r["cpu"] / r["n"] * 1e6 for r in rs) for i, rs in small.items()}
    mb_s = {i: statistics.median(r["n"] / r["wall"] / 1e6 for r in rs) for i, rs in down.items()}
    cpu_mb = {i: statistics.median(r["cpu"] / (r["n"] / 1e6) * 1e6 for r in rs) for i, rs in down.items()}
    versions = {i: rs[0]["version"] for i, rs in {**small, **down}.items()}
    return {"cpu_us_per_request": cpu_us, "download_mb_s": mb_s, "download_cpu_us_per_mb": cpu_mb, "versions": versions}


def report(figures: dict[str, Any]) -> str:
    cpu, mb_s = figures["cpu_us_per_request"], figures["download_mb_s"]
    lines = [
        f"HTTP/2 vs HTTP/1.1 vs httpx, nginx TLS, {REQUESTS} small GETs with {IN_FLIGHT} in flight "
        f"({ROUNDS} rounds, medians; versions {figures['versions']})",
        "  CPU us/request: " + ", ".join(f"{i} {v:.0f}" for i, v in cpu.items()),
        f"  ours-h2 / ours-h1 = {cpu['ours-h2'] / cpu['ours-h1']:.2f} (target <= 1.3)",
        f"  ours-h2 / httpx-h2 = {cpu['ours-h2'] / cpu['httpx-h2']:.2f} (target <= 0.5)",
        "  100 MB download MB/s: " + ", ".join(f"{i} {v:.0f}" for i, v in mb_s.items()),
        "  download CPU us/MB: " + ", ".join(f"{i} {v:.0f}" for i, v in figures["download_cpu_us_per_mb"].items()),
        f"  ours-h2 / ours-h1 throughput = {mb_s['ours-h2'] / mb_s['ours-h1']:.2f} (target >= 0.7)",
    ]
    return "\n".join(lines)


def test_http2_against_nginx(benchmark: Any) -> None:
    with nginx_h2() as (base, cafile):
        figures = run_all(base, cafile)
    text = report(figures)
    print("\n" + text)
    benchmark.extra_info.update(suite="nginx-http2", item="http2", mode="e2e", impl="all", note=text)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))  # this checkout's aiohttp_client
        _worker(*sys.argv[2:6])
    else:
        with nginx_h2() as (base_url, ca_file):
            print(report(run_all(base_url, ca_file)))
