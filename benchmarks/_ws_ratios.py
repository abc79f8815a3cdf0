"""The WebSocket part of the ratio table (``bench_ws_mask``, ``bench_ws_reader``,
``bench_ws_echo``): medians of the same run, ours against aiohttp, compiled with
compiled and pure with pure; for the mask also against a same-size bytearray copy.

Ratios here are speed-ups, aiohttp's median / ours (above 1.00: ours is faster)."""

from typing import Any, Callable, Optional

_SUITES = ("ws_mask", "ws_reader", "ws_echo")


def _speedup(ours: Optional[float], theirs: Optional[float]) -> str:
    if ours is None or theirs is None or ours == 0:
        return "-"
    return f"{theirs / ours:.2f}x"


def ws_lines(
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
        "  ws_echo: aiohttp's client in the aiohttp-c column; c vs copy: bytearray copy / our mask.",
        "",
    ]
    return lines + table(rows)
