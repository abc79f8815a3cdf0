"""What one small GET allocates, ours against aiohttp 3.14.5 (issue 20, section 1).

    .venv/bin/python benchmarks/alloc_profile.py [N] [--top K]

nginx (as in ``bench_harness.py``: one worker pinned to CPU 0) serves a 13-byte body;
each client runs in its own subprocess (this script with ``--worker ours|aiohttp``)
doing the harness's sequential loop (``TCPConnector(limit=1)``,
``async with session.get(url) as r: await r.read()``).  Printed per client:

- ``live blocks``: ``sys.getallocatedblocks()`` inside the ``async with`` after
  ``read()``, minus the count before the request: the memory blocks a request holds
  while it is being read (request, response, headers, futures, ...);
- ``blocks kept``: the same count after N requests minus before them, per request
  (anything above 0 grows without bound);
- ``gc``: ``gc.get_stats()`` deltas over N requests, scaled to 10,000: collections per
  generation and the objects the collector freed (objects that only a collection
  frees: reference cycles left by each request);
- ``mallocs``: calls of CPython's allocators (``PyObject_Malloc``, ``PyObject_Calloc``,
  ``PyObject_Realloc``, ``PyMem_Malloc`` ...) per request, counted by valgrind's
  callgrind over two runs (``CALLGRIND_RUNS`` requests apart, so start-up cancels
  out): every object a request creates and frees, not only the ones alive mid-request
  (``--no-callgrind`` skips it; it takes about a minute);
- the gc-tracked objects alive inside the ``async with`` that were not alive before
  the request, by type (``gc.get_objects()``; the ``--top`` K types);
- the ``--top`` K source lines holding the most live blocks mid-request (tracemalloc,
  one request after warm-up), the library's own lines only.
"""

import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


async def _measure(client: Any, url: str, count: int, top: int, lib_dir: str) -> dict[str, Any]:
    live: list[int] = []
    async with client.ClientSession(connector=client.TCPConnector(limit=1)) as session:
        for _ in range(200):  # warm-up: connection, caches, lazy imports
            async with session.get(url) as r:
                await r.read()
        del r
        gc.collect()
        stats0 = gc.get_stats()
        blocks0 = sys.getallocatedblocks()
        for _ in range(count):
            before = sys.getallocatedblocks()
            async with session.get(url) as r:
                await r.read()
                live.append(sys.getallocatedblocks() - before)
            del r  # else the last response lives on into the next "before"
        blocks1 = sys.getallocatedblocks()
        stats1 = gc.get_stats()
        gc.collect()
        before_ids = {id(o) for o in gc.get_objects()}
        async with session.get(url) as r:
            await r.read()
            new_objects = [o for o in gc.get_objects() if id(o) not in before_ids]
            types: dict[str, int] = {}
            for o in new_objects:
                t = type(o)
                name = f"{t.__module__}.{t.__qualname__}"
                types[name] = types.get(name, 0) + 1
            del new_objects
        tracemalloc.start(1)
        snap0 = tracemalloc.take_snapshot()
        async with session.get(url) as r:
            await r.read()
            snap1 = tracemalloc.take_snapshot()
        del r
        tracemalloc.stop()
    scale = 10_000 / count
    diff = snap1.compare_to(snap0, "lineno")
    mine = [d for d in diff if d.count_diff > 0 and d.traceback[0].filename.startswith(lib_dir)]
    mine.sort(key=lambda d: -d.count_diff)
    live.sort()
    return {
        "live_blocks_median": live[len(live) // 2],
        "blocks_kept_per_request": (blocks1 - blocks0) / count,
        "gc_collections_per_10k": [
            round((b["collections"] - a["collections"]) * scale, 1) for a, b in zip(stats0, stats1)
        ],
        "gc_collected_per_10k": [round((b["collected"] - a["collected"]) * scale) for a, b in zip(stats0, stats1)],
        "gc_tracked_new_by_type": sorted(types.items(), key=lambda kv: -kv[1])[:top],
        "gc_tracked_new": sum(types.values()),
        "tracemalloc_live_blocks": sum(d.count_diff for d in diff if d.count_diff > 0),
        "top": [
            (os.path.relpath(d.traceback[0].filename, lib_dir), d.traceback[0].lineno, d.count_diff) for d in mine[:top]
        ],
    }


def worker(lib: str, url: str, count: int, top: int) -> None:
    if lib == "aiohttp":
        import aiohttp as client
    else:
        import aiohttp_client as client  # type: ignore[no-redef]
    lib_dir = os.path.dirname(os.path.dirname(client.__file__))
    loop = asyncio.new_event_loop()
    try:
        print(json.dumps(loop.run_until_complete(_measure(client, url, count, top, lib_dir))))
    finally:
        loop.close()


_ALLOCATORS = (
    "PyObject_Malloc",
    "PyObject_Calloc",
    "PyObject_Realloc",
    "PyMem_Malloc",
    "PyMem_Calloc",
    "PyMem_Realloc",
)
CALLGRIND_RUNS = (100, 600)


async def _loop_only(client: Any, url: str, count: int) -> None:
    async with client.ClientSession(connector=client.TCPConnector(limit=1)) as session:
        for _ in range(count):
            async with session.get(url) as r:
                await r.read()


def callgrind_worker(lib: str, url: str, count: int) -> None:
    if lib == "aiohttp":
        import aiohttp as client
    else:
        import aiohttp_client as client  # type: ignore[no-redef]
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_loop_only(client, url, count))
    finally:
        loop.close()


def _allocator_calls(out_file: str) -> dict[str, int]:
    """Calls to each of ``_ALLOCATORS`` in a callgrind output file (names compressed:
    ``cfn=(id) name`` the first time, ``cfn=(id)`` after)."""
    names: dict[str, str] = {}
    calls: dict[str, int] = {}
    target = None
    with open(out_file) as f:
        for line in f:
            if line.startswith(("cfn=", "fn=")):
                ref = line.split("=", 1)[1].strip()
                if " " in ref:
                    key, name = ref.split(" ", 1)
                    names[key] = name
                else:
                    key = ref
                target = names.get(key) if line.startswith("cfn=") else None
            elif line.startswith("calls=") and target is not None:
                if target in _ALLOCATORS:
                    calls[target] = calls.get(target, 0) + int(line.split("=", 1)[1].split()[0])
                target = None
    return calls


def mallocs_per_request(lib: str, url: str) -> dict[str, float]:
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in CALLGRIND_RUNS:
            out_file = os.path.join(tmp, f"cg.{n}")
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", sys.executable, __file__]
            cmd += ["--callgrind-worker", lib, url, str(n)]
            subprocess.run(cmd, check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED="0"))
            counts.append(_allocator_calls(out_file))
    span = CALLGRIND_RUNS[1] - CALLGRIND_RUNS[0]
    per = {name: (counts[1].get(name, 0) - counts[0].get(name, 0)) / span for name in _ALLOCATORS}
    return {k: round(v, 1) for k, v in per.items() if v}


def main() -> None:
    import _support

    args = sys.argv[1:]
    use_callgrind = "--no-callgrind" not in args
    args = [a for a in args if a != "--no-callgrind"]
    top = 15
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    count = int(args[0]) if args else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "www").mkdir()
        (base / "www" / "small.txt").write_bytes(b"Hello, world!")
        with _support.nginx(base) as url:
            for lib in ("ours", "aiohttp"):
                cmd = [sys.executable, __file__, "--worker", lib, url + "/small.txt", str(count), str(top)]
                out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                print(f"== {lib}: {count} sequential small GETs")
                for key in ("live_blocks_median", "blocks_kept_per_request", "tracemalloc_live_blocks"):
                    print(f"  {key}: {out[key]}")
                print(f"  gc collections per 10k requests (gen 0, 1, 2): {out['gc_collections_per_10k']}")
                print(f"  objects freed by gc per 10k requests (gen 0, 1, 2): {out['gc_collected_per_10k']}")
                if use_callgrind:
                    per = mallocs_per_request(lib, url + "/small.txt")
                    print(f"  allocator calls per request (callgrind): {sum(per.values()):.1f} {per}")
                print(f"  gc-tracked objects alive mid-request, new since before it: {out['gc_tracked_new']}")
                for name, n in out["gc_tracked_new_by_type"]:
                    print(f"    {n:5d}  {name}")
                print("  live blocks mid-request by source line (one request):")
                for path, line, n in out["top"]:
                    print(f"    {n:5d}  {path}:{line}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--callgrind-worker":
        callgrind_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
