"""Chart ``build/bench-ratios.txt`` (written by ``tools/bench``) as a PNG.

    .venv/bin/python tools/bench_chart.py [RATIOS] [-o PNG] [--note TEXT]

One horizontal bar per scenario and twin: how fast ours is against aiohttp, as
"times aiohttp's speed" on a log scale (right of 1: ours is faster).  The parser tables
hold median times, so the bar is aiohttp's time over ours; a table row whose hint says
"(higher is better)" (requests/s, MB/s) is drawn as ours over aiohttp, "(lower is
better)" as aiohttp over ours; tables that carry neither (nginx, WebSocket) are left
out and listed on stderr.  The caption names the machine (CPU model, cores, load
average when charted), the date of the ratios file and the commit.

Needs matplotlib (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SPLIT = re.compile(r"\s{2,}")
# Parser table: (ours column, aiohttp column, twin); the times, not the rounded ratio.
_PARSER_PAIRS = (("ours-c", "aiohttp-c", "c"), ("ours-py", "aiohttp-py", "py"))
_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_METRIC_RATIOS = {"c/aiohttp": "c", "py/aiohttp": "py", "py/aiohttp-py": "py"}


@dataclass
class Bar:
    label: str
    twin: str  # "c" or "py"
    speed: float  # times aiohttp's speed


def _ratio(cell: str) -> float | None:
    cell = cell.rstrip("*")
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if value > 0 else None


def _seconds(cell: str) -> float | None:
    """``"10.9 us"`` -> seconds (``tools/bench``'s time format); None for ``-``."""
    number, _, unit = cell.partition(" ")
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        return None
    return value if value > 0 else None


def _tables(lines: list[str]) -> list[list[list[str]]]:
    """Every table of the file: its header row then its rows (split on 2+ spaces)."""
    tables = []
    for i in range(1, len(lines)):
        if lines[i].startswith("--") and set(lines[i]) <= {"-", " "}:
            header = _SPLIT.split(lines[i - 1].strip())
            rows = []
            for line in lines[i + 1 :]:
                if not line.strip():
                    break
                rows.append(_SPLIT.split(line.strip()))
            tables.append([header, *rows])
    return tables


def bars(text: str) -> tuple[list[Bar], list[str]]:
    """The bars of every table with a known direction, and the headers of those left out."""
    out: list[Bar] = []
    skipped: list[str] = []
    for header, *rows in _tables(text.splitlines()):
        if "py ratio" in header:  # parser table: median times, lower is better
            for row in rows:
                if len(row) != len(header):
                    continue
                label = " ".join(row[:3])
                for ours_col, theirs_col, twin in _PARSER_PAIRS:
                    ours = _seconds(row[header.index(ours_col)])
                    theirs = _seconds(row[header.index(theirs_col)])
                    if ours is not None and theirs is not None:
                        out.append(Bar(label, twin, theirs / ours))
            continue
        cols = [(header.index(c), t) for c, t in _METRIC_RATIOS.items() if c in header]
        hints = ("(higher is better)", "(lower is better)")
        hinted = [row for row in rows if len(row) == len(header) and row[2] in hints]
        if not cols or not hinted:
            skipped.append(" ".join(header))
            continue
        for row in hinted:
            label = f"{row[0]} {row[1]}"
            for idx, twin in cols:
                r = _ratio(row[idx])
                if r is not None:
                    out.append(Bar(label, twin, r if row[2] == "(higher is better)" else 1 / r))
    return out, skipped


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def caption(ratios: Path, note: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    when = datetime.datetime.fromtimestamp(ratios.stat().st_mtime, datetime.timezone.utc)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    parts = [
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load} when charted",
        f"measured {when:%Y-%m-%d %H:%M} UTC, commit {commit}; bars: ours / aiohttp speed (log scale)",
    ]
    if note:
        parts.append(note)
    return "\n".join(parts)


def chart(found: list[Bar], caption_text: str, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(b.label for b in found))
    height = 0.38
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.42 * len(labels)))
    colours = {"c": "#1f77b4", "py": "#ff7f0e"}
    names = {"c": "compiled twin vs aiohttp compiled", "py": "pure-Python twin vs aiohttp pure-Python"}
    for k, twin in enumerate(("c", "py")):
        ys, xs = [], []
        for b in found:
            if b.twin == twin:
                ys.append(labels.index(b.label) + (k - 0.5) * height)
                xs.append(b.speed)
        if xs:
            ax.barh(ys, xs, height=height, color=colours[twin], label=names[twin], left=0)
            for y, x in zip(ys, xs):
                ax.text(x * 1.03, y, f"{x:.2f}x", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("times aiohttp's speed (right of 1: aiohttp_client is faster)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("aiohttp_client against aiohttp 3.14.5 (tools/bench)", fontsize=11)
    fig.text(0.01, 0.005, caption_text, fontsize=7, va="bottom", ha="left")
    fig.tight_layout(rect=(0, 0.04 + 0.012 * caption_text.count("\n"), 1, 1))
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ratios", nargs="?", type=Path, default=ROOT / "build" / "bench-ratios.txt")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "build" / "bench-ratios.png")
    ap.add_argument("--note", default="", help="a line added to the caption (e.g. how busy the machine was)")
    args = ap.parse_args(argv)
    if not args.ratios.is_file():
        print(f"bench_chart: no {args.ratios}; run ./tools/bench first", file=sys.stderr)
        return 1
    found, skipped = bars(args.ratios.read_text())
    for header in skipped:
        print(f"bench_chart: left out a table with no direction per row: {header}", file=sys.stderr)
    if not found:
        print(f"bench_chart: no ratios to chart in {args.ratios}", file=sys.stderr)
        return 1
    chart(found, caption(args.ratios, args.note), args.output)
    print(f"bench_chart: wrote {args.output} ({len(found)} bars)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
