"""Instruction counts (valgrind callgrind) of ``bench_pipeline.py``'s work, ours vs aiohttp.

The wall-clock medians of ``bench_pipeline.py`` move by 30-90% between runs on a shared
2-core machine; callgrind counts instructions, which repeat for the same binary and
input.  For each case this runs a worker twice, with 0 and with N calls, and reports
``(I(N) - I(0)) / N``: the instructions of one call, start-up removed.  An instruction
count is a proxy for time (it ignores cache misses and page faults), so read it beside
the medians, not instead of them.

Cases: the three pipeline items (50 kept-alive responses through to each response's
``StreamReader``), whole and in 7-byte pieces, compiled and pure twins against
aiohttp's compiled and pure-Python parsers; and the 8 MiB gzip-coded chunked body
decoded through the reader (zlib) against zlib alone.

Run: ``.venv/bin/python benchmarks/pipeline_instructions.py [--ours-only] [N] [filter]``
(N defaults to 5; *filter* keeps the cases whose name contains it, e.g. ``"10-chunk
7-byte c"``; ``--ours-only`` skips the rivals, whose counts do not change with our code,
and halves the run).  Needs valgrind and aiohttp.
"""

import sys
from pathlib import Path

import _support

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_WORKER = r"""
import sys
sys.path[:0] = [{root!r}, {bench!r}, {tests!r}]
import _support
import bench_pipeline as bp
who, kind, item, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
if item == "gzip":
    coded, wire = bp._gzip_wire()
    chunks = [wire[i : i + bp.FEED] for i in range(0, len(wire), bp.FEED)]
    if who == "ours":
        classes = [_support.our_twin(kind, h) for h in ("http_reader", "http_parser", "chunked")]
        def once():
            return bp.ours_decode(*classes, chunks)
    else:
        import zlib
        view = memoryview(coded)
        def once():
            d = zlib.decompressobj(31)
            for i in range(0, len(view), bp.FEED):
                d.decompress(view[i : i + bp.FEED], 65536)
                while d.unconsumed_tail:
                    d.decompress(d.unconsumed_tail, 65536)
else:
    chunks = _support.pieces(_support.CORPUS[item] * bp.COPIES, mode)
    if who == "ours":
        classes = [_support.our_twin(kind, h) for h in ("http_reader", "http_parser", "chunked")]
        def once():
            return bp.ours_stream(*classes, chunks)
    else:
        rival = _support.AiohttpRival()
        cls = rival.parser_cls(kind)
        def once():
            return bp.aiohttp_stream(rival, cls, chunks)
once()
for _ in range(n):
    once()
"""

CASES = [(item, mode) for item in ("10-field", "30-field-set-cookie", "10-chunk") for mode in ("whole", "7-byte")]


def _instructions(who: str, kind: str, item: str, mode: str, n: int) -> int:
    code = _WORKER.format(root=str(ROOT), bench=str(HERE), tests=str(ROOT / "tests"))
    return _support.callgrind_instructions(code, who, kind, item, mode, str(n))


def per_call(who: str, kind: str, item: str, mode: str, n: int) -> int:
    return (_instructions(who, kind, item, mode, n) - _instructions(who, kind, item, mode, 0)) // n


def main() -> int:
    args = sys.argv[1:]
    ours_only = "--ours-only" in args
    args = [a for a in args if a != "--ours-only"]
    n = int(args[0]) if args else 5
    wanted = args[1] if len(args) > 1 else ""
    print(f"Instructions per call (callgrind, {n} calls, start-up subtracted); ratio = ours / rival")
    print(f"{'case':<34}{'kind':<6}{'ours':>14}{'rival':>14}{'ratio':>8}")
    for item, mode in [*CASES, ("gzip", "64 KiB feeds")]:
        for kind in ("c", "py"):
            name = f"{item} {mode}"
            if wanted not in f"{name} {kind}":
                continue
            ours = per_call("ours", kind, item, mode, n)
            if ours_only:
                print(f"{name:<34}{kind:<6}{ours:>14}{'-':>14}{'-':>8}", flush=True)
                continue
            rival = per_call("rival", kind, item, mode, n)
            print(f"{name:<34}{kind:<6}{ours:>14}{rival:>14}{ours / rival:>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
