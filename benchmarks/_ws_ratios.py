"""The WebSocket part of the ratio table.

``bench_ws_mask`` and ``bench_ws_reader``: medians of the same run, ours against
aiohttp, compiled with compiled and pure with pure; for the mask also against a
same-size bytearray copy.  Ratios there are speed-ups, aiohttp's median / ours (above
1.00: ours is faster).

``bench_ws_echo`` (end to end, clients interleaved per round): the median round-trip
rate and client CPU per round trip of each client, and ours / aiohttp of each."""

from typing import Any, Callable, Optional

import _support

_SUITES = ("ws_mask", "ws_reader")


def _speedup(ours: Optional[float], theirs: Optional[float]) -> str:
    if ours is None or theirs is None or ours == 0:
        return "-"
    return f"{theirs / ours:.2f}x"


def ws_lines(
    results: dict[tuple[str, ...], Any],
    fmt_time: Callable[[Optional[float]], str],
    table: Callable[[list[list[str]]], list[str]],
) -> list[str]:
    micro = _micro_lines(results, fmt_time, table)
    echo = _echo_lines(results, table)
    return micro + ([""] if micro and echo else []) + echo


def _micro_lines(
    results: dict[tuple[str, ...], Any],
    fmt_time: Callable[[Optional[float]], str],
    table: Callable[[list[list[str]]], list[str]],
) -> list[str]:
    medians: dict[tuple[str, str], dict[str, float]] = {}
    for (suite, item, _mode, impl), bench in results.items():
        if suite in _SUITES:
            medians.setdefault((suite, item), {})[impl] = bench.stats.median
    if not medians:
        return []
    rows = [
        ["suite", "item", "", "ours-py", "aiohttp-py", "py speed-up", "ours-c", "aiohttp-c", "c speed-up", "c vs copy"]
    ]
    for (suite, item), m in sorted(medians.items(), key=lambda kv: (_SUITES.index(kv[0][0]), kv[0][1])):
        theirs_c = m.get("aiohttp-c", m.get("aiohttp"))
        rows.append(
            [
                suite,
                item,
                "",
                fmt_time(m.get("ours-py")),
                fmt_time(m.get("aiohttp-py")),
                _speedup(m.get("ours-py"), m.get("aiohttp-py")),
                fmt_time(m.get("ours-c")),
                fmt_time(theirs_c),
                _speedup(m.get("ours-c"), theirs_c),
                _speedup(m.get("ours-c"), m.get("copy")),
            ]
        )
    lines = [
        "WebSocket: median per call; speed-up = aiohttp / ours (above 1.00x: ours is faster);",
        "  c vs copy: bytearray copy / our mask.",
        "",
    ]
    return lines + table(rows)


_ECHO_METRICS = (
    ("rt_per_s", "round trips/s", "higher is better"),
    ("cpu_us_per_rt", "client CPU us/round trip", "lower is better"),
)


def _echo_lines(results: dict[tuple[str, ...], Any], table: Callable[[list[list[str]]], list[str]]) -> list[str]:
    impls = ("ours-c", "ours-py", "aiohttp")
    rows = [["ws_echo", "metric", "", *impls, "c/aiohttp", "py/aiohttp"]]
    server = rounds = None
    for (suite, item, _mode, _impl), bench in results.items():
        if suite != "ws_echo" or "rt_per_s" not in bench.extra_info:
            continue
        server, rounds = bench.extra_info.get("server"), bench.extra_info.get("rounds")
        rows += _support.metric_rows(item, bench.extra_info, _ECHO_METRICS, impls, ("aiohttp", "aiohttp"))
    if len(rows) == 1:
        return []
    head = [
        f"WebSocket echo (bench_ws_echo.py): {server} echo server pinned to CPU 0, clients in their own",
        f"processes on CPU 1, interleaved per round; medians of {rounds} rounds; ratio = ours / aiohttp.",
        "",
    ]
    return head + table(rows)
