"""Fixtures shared by the benchmarks, and the ratio table printed at the end.

Each benchmark records what it measured in ``benchmark.extra_info`` (``suite``,
``item``, ``mode``, ``impl``, plus throughput figures for the end-to-end suite).
:func:`pytest_terminal_summary` reads the pytest-benchmark session's results, pairs
ours with aiohttp's (compiled with compiled, pure with pure), prints the ratios of the
medians and writes the same table to ``build/bench-ratios.txt``.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support  # noqa: E402
from _ws_ratios import ws_lines  # noqa: E402

RATIOS_FILE = _support.ROOT / "build" / "bench-ratios.txt"


@pytest.fixture(scope="session")
def rival() -> Iterator[_support.AiohttpRival]:
    r = _support.AiohttpRival()
    yield r
    r.close()


@pytest.fixture(scope="session")
def our_twin() -> Callable[[str, str], Any]:
    """``our_twin(kind, hot_path)`` -> the twin class; skips when a compiled one is not built."""

    def get(kind: str, hot_path: str) -> Any:
        try:
            return _support.our_twin(kind, hot_path)
        except ImportError as exc:
            if kind == "py":
                raise
            pytest.skip(f"compiled twin not built ({exc}); run: .venv/bin/python setup.py build_ext --inplace")

    return get


# -- the ratio table -------------------------------------------------------------------


def _fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = (cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _parser_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    medians: dict[tuple[str, str, str], dict[str, float]] = {}
    for (suite, item, mode, impl), bench in results.items():
        if suite in ("http_head", "http_parser", "chunked", "pipeline"):
            medians.setdefault((suite, item, mode), {})[impl] = bench.stats.median
    if not medians:
        return []
    rows = [["suite", "item", "mode", "ours-py", "aiohttp-py", "py ratio", "ours-c", "aiohttp-c", "c ratio"]]
    order = {item: i for i, item in enumerate(_support.ITEMS)}
    for (suite, item, mode), m in sorted(
        medians.items(),
        key=lambda kv: (
            ("http_head", "http_parser", "pipeline", "chunked").index(kv[0][0]),
            order.get(kv[0][1], 99),
            kv[0][2] != "whole",
        ),
    ):
        c_ratio = _support.fmt_ratio(m.get("ours-c"), m.get("aiohttp-c"))
        if suite == "chunked" and c_ratio != "-":
            c_ratio += "*"
        rows.append(
            [
                suite,
                item,
                mode,
                _fmt_time(m.get("ours-py")),
                _fmt_time(m.get("aiohttp-py")),
                _support.fmt_ratio(m.get("ours-py"), m.get("aiohttp-py")),
                _fmt_time(m.get("ours-c")),
                _fmt_time(m.get("aiohttp-c")),
                c_ratio,
            ]
        )
    lines = [
        "Parsers: median time per response, ratio = ours / aiohttp (below 1.00: ours is faster).",
        f"corpus: {_support.CORPUS_SOURCE}",
        "http_head: the head alone (framing fields replaced by Content-Length: 0, so both",
        "  parsers stop at the head); http_parser: whole response (head + body);",
        "  pipeline: 50 responses back to back through to each response's StreamReader;",
        "  chunked: the chunked body alone.",
        "",
    ]
    lines += _table(rows)
    if any(k[0] == "chunked" for k in medians):
        lines.append("* aiohttp has no stand-alone compiled chunked decoder: aiohttp-c is its compiled response")
        lines.append(
            "  parser fed a 2-field head plus the same body: slightly more work, which favours ours-c a little."
        )
    return lines


def _e2e_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    info: dict[str, dict[str, dict[str, float]]] = {}
    for (suite, item, _mode, impl), bench in results.items():
        if suite == "client":
            info.setdefault(item, {})[impl] = bench.extra_info
    if not info:
        return []
    metrics = [
        ("download", "mb_per_s", "MB/s", "higher is better"),
        ("download", "cpu_s", "CPU s per download", "lower is better"),
        ("small-gets", "req_per_s", "requests/s", "higher is better"),
        ("small-gets", "cpu_us_per_req", "CPU us per request", "lower is better"),
        ("post-json", "req_per_s", "requests/s", "higher is better"),
        ("post-json", "cpu_us_per_req", "CPU us per request", "lower is better"),
        ("upload-1mib", "req_per_s", "requests/s", "higher is better"),
        ("upload-1mib", "cpu_us_per_req", "CPU us per request", "lower is better"),
        ("pool-64", "req_per_s", "requests/s", "higher is better"),
        ("pool-64", "cpu_us_per_req", "CPU us per request", "lower is better"),
    ]
    rows = [["scenario", "metric", "", "ours-c", "ours-py", "aiohttp", "c/aiohttp", "py/aiohttp"]]
    for scenario, key, label, hint in metrics:
        by_impl = info.get(scenario, {})
        vals = {impl: by_impl.get(impl, {}).get(key) for impl in ("ours-c", "ours-py", "aiohttp")}
        rows.append(
            [
                scenario,
                label,
                f"({hint})",
                *(f"{v:.4g}" if v is not None else "-" for v in vals.values()),
                _support.fmt_ratio(vals["ours-c"], vals["aiohttp"]),
                _support.fmt_ratio(vals["ours-py"], vals["aiohttp"]),
            ]
        )
    any_info = next(iter(next(iter(info.values())).values()))
    pinned = any_info.get("server_pinned")
    lines = [
        "End to end (medians): each client in its own subprocess "
        f"(CPUs {any_info.get('client_cpus')}), server tools/demo_server.py "
        + ("pinned to CPU 0;" if pinned else "NOT pinned (fewer than 2 CPUs?);"),
        "ratio = ours / aiohttp of each metric.",
        "",
    ]
    return lines + _table(rows)


def _nginx_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    rows = [["scenario", "unit", "ours-c", "ours-py", "aiohttp", "aiohttp-py", "ref", "c/aiohttp", "py/aiohttp-py"]]
    notes = []
    for (suite, item, _mode, _impl), bench in results.items():
        if suite != "nginx":
            continue
        v = bench.extra_info["values"]
        ref = next(((k, v[k]) for k in ("curl", "zlib") if k in v), None)
        rows.append(
            [
                item,
                bench.extra_info["unit"],
                *(f"{v[k]:.4g}" if k in v else "-" for k in ("ours-c", "ours-py", "aiohttp", "aiohttp-py")),
                f"{ref[0]} {ref[1]:.4g}" if ref else "-",
                _support.fmt_ratio(v.get("ours-c"), v.get("aiohttp")),
                _support.fmt_ratio(v.get("ours-py"), v.get("aiohttp-py")),
            ]
        )
        if bench.extra_info.get("note"):
            notes.append(bench.extra_info["note"])
    if len(rows) == 1:
        return []
    head = [
        "Against nginx (pinned to CPU 0), clients interleaved per round on CPU 1; medians; ratio = ours / aiohttp.",
        "",
    ]
    return head + _table(rows) + notes


_UPLOAD_METRICS = (
    ("req_per_s", "requests/s", "higher is better"),
    ("cpu_us_per_req", "CPU us/request", "lower is better"),
)


def _uploads_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    impls = ("ours-c", "ours-py", "aiohttp", "aiohttp-py")
    rows = [["scenario", "metric", "", *impls, "c/aiohttp", "py/aiohttp-py"]]
    for (suite, item, _mode, _impl), bench in results.items():
        if suite == "uploads":
            rows += _support.metric_rows(item, bench.extra_info, _UPLOAD_METRICS, impls, ("aiohttp", "aiohttp-py"))
    if len(rows) == 1:
        return []
    head = [
        "Request bodies (bench_uploads.py): tools/demo_server.py pinned to CPU 0, clients interleaved",
        "per round on CPU 1; medians; ratio = ours / aiohttp.",
        "",
    ]
    return head + _table(rows)


def _harness_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    rows = [["loop", "figure", "", "median", "min", "max"]]
    for (suite, item, _mode, _impl), bench in results.items():
        if suite != "harness":
            continue
        extra = bench.extra_info
        for n, (impl, v) in enumerate(extra["values"].items()):
            rows.append([item if n == 0 else "", f"{impl}: {extra['unit']}", "", f"{v:.4g}", "", ""])
        for name, r in extra["ratios"].items():
            rows.append(["", name, "", f"{r['median']:.2f}", f"{r['min']:.2f}", f"{r['max']:.2f}"])
    if len(rows) == 1:
        return []
    head = [
        "The outside harness's loops (bench_harness.py): nginx on CPU 0, each client in its own",
        "process on CPU 1, interleaved repeats; a ratio is the median of the per-repeat ratios",
        "(min and max beside it); a value is the median over the repeats.",
        "",
    ]
    return head + _table(rows)


def _state_lines(results: dict[tuple[str, ...], Any]) -> list[str]:
    medians: dict[str, dict[str, float]] = {}
    for (suite, item, _mode, impl), bench in results.items():
        if suite == "state":
            medians.setdefault(item, {})[impl] = bench.stats.median
    if not medians:
        return []
    rows = [["scenario", "", "", "ours", "aiohttp", "ratio"]]
    for item, m in sorted(medians.items()):
        ours, theirs = m.get("ours"), m.get("aiohttp")
        rows.append([item, "", "", _fmt_time(ours), _fmt_time(theirs), _support.fmt_ratio(ours, theirs)])
    return ["Cookies, middlewares, tracing (bench_state.py, medians; ratio = ours / aiohttp):", ""] + _table(rows)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is None:
        return
    results: dict[tuple[str, ...], Any] = {}
    for bench in session.benchmarks:
        extra = bench.extra_info
        if bench.has_error or not bench or "suite" not in extra:
            continue
        results[(extra["suite"], extra["item"], extra["mode"], extra["impl"])] = bench
    sections = [
        _parser_lines(results),
        _e2e_lines(results),
        _nginx_lines(results),
        _harness_lines(results),
        _uploads_lines(results),
        ws_lines(results, _fmt_time, _table),
        _state_lines(results),
    ]
    lines: list[str] = []
    for section in filter(None, sections):
        if lines:
            lines.append("")
        lines += section
    if not lines:
        return
    RATIOS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RATIOS_FILE.write_text("\n".join(lines) + "\n")
    terminalreporter.section("aiohttp_client / aiohttp ratios")
    for line in lines:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(also written to {RATIOS_FILE.relative_to(_support.ROOT)})")
