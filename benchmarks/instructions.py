"""Instruction counts (valgrind callgrind) of parsing each corpus head, ours vs aiohttp.

Wall-clock medians on a shared 2-core machine move by 30% between runs; callgrind
counts instructions, which repeat exactly for the same binary and input.  For each
(parser, corpus item, feeding mode) this runs the worker twice, with 0 and with N
parses, and reports (I(N) - I(0)) / N: the instructions of one parse, start-up cost
removed.  Run: ``.venv/bin/python benchmarks/instructions.py [N]`` (``tools/bench
--instructions`` does it).  Needs valgrind and aiohttp; covers the head-only suite.
"""

import sys
from pathlib import Path

import _support

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ITEMS = ("10-field", "30-field-set-cookie", "10-chunk")
MODES = ("whole", "7-byte")

_WORKER = r"""
import sys
sys.path[:0] = [{bench!r}, {tests!r}]
import _support
from bench_http_parser import _head_only
who, item, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
chunks = _support.pieces(_head_only(item), mode)
if who == "ours":
    from aiohttp_client._sansio._http_parser_c import HeadParser
    def once():
        parser = HeadParser()
        for data in chunks:
            head, _end = parser.feed(data, 0)
            if head is not None:
                return head
else:
    rival = _support.AiohttpRival()
    cls = rival.parser_cls("c")
    def once():
        return rival.response(cls, chunks)
once()
for _ in range(n):
    once()
"""


def _instructions(who: str, item: str, mode: str, n: int) -> int:
    code = _WORKER.format(bench=str(HERE), tests=str(ROOT / "tests"))
    return _support.callgrind_instructions(code, who, item, mode, str(n))


def per_parse(who: str, item: str, mode: str, n: int) -> int:
    return (_instructions(who, item, mode, n) - _instructions(who, item, mode, 0)) // n


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rows: list[tuple[str, str, int, int]] = []
    for item in ITEMS:
        for mode in MODES:
            counts: dict[str, int] = {who: per_parse(who, item, mode, n) for who in ("ours", "aiohttp")}
            rows.append((item, mode, counts["ours"], counts["aiohttp"]))
    print(f"Instructions per head parse (callgrind, {n} parses, start-up subtracted); compiled twins")
    print(f"{'item':<22}{'mode':<8}{'ours-c':>10}{'aiohttp-c':>11}{'aiohttp/ours':>14}")
    for item, mode, ours, theirs in rows:
        print(f"{item:<22}{mode:<8}{ours:>10}{theirs:>11}{theirs / ours:>13.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
