#!/usr/bin/env python3
"""Cython annotation report: ``cython -a`` HTML for ``_cparser/*.pyx`` in ``build/annotate/``.

    python tools/annotate.py [--top N] [STEM ...]

Compiles each compiled twin (or only the given stems, e.g. ``_http_parser_c``) to C
with the directives ``setup.py`` uses and writes ``build/annotate/<stem>.html``; open
it in a browser: yellow lines call into the Python C-API, and the darker the yellow,
the more they do.  It also prints, per module, how many lines touch the C-API and the
*N* yellowest ones, so a hot loop that grew a Python call shows up in a terminal.
Nothing is built or installed; the generated ``.c`` stays in ``build/annotate/`` too.
"""

import argparse
import html
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CPARSER = ROOT / "_cparser"
OUT = ROOT / "build" / "annotate"
# Same directives as setup.py; the file headers add their own (language_level=3).
DIRECTIVES = ["embedsignature=True"]
_LINE = re.compile(r'<pre class="cython line score-(\d+)"[^>]*>[^<]*<span[^>]*>(\d+)</span>:(.*?)</pre>', re.S)


def annotate(pyx: pathlib.Path) -> pathlib.Path:
    OUT.mkdir(parents=True, exist_ok=True)
    c_file = OUT / (pyx.stem + ".c")
    cmd = [sys.executable, "-m", "cython", "-3", "-a", "-I", str(CPARSER)]
    for directive in DIRECTIVES:
        cmd += ["-X", directive]
    cmd += ["--module-name", f"aiohttp_client._sansio.{pyx.stem}", "-o", str(c_file), str(pyx)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    return c_file.with_suffix(".html")


def scores(report: pathlib.Path) -> list[tuple[int, int, str]]:
    """``(score, line number, source)`` for every line with a non-zero score."""
    found = []
    for m in _LINE.finditer(report.read_text(encoding="utf-8")):
        score = int(m.group(1))
        if score:
            source = re.sub(r"<[^>]+>", "", m.group(3))
            found.append((score, int(m.group(2)), html.unescape(source).strip()))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stems", nargs="*", help="only these _cparser/<stem>.pyx")
    parser.add_argument("--top", type=int, default=10, help="show the N yellowest lines (default 10)")
    args = parser.parse_args()
    sources = sorted(CPARSER.glob("*.pyx"))
    if args.stems:
        sources = [p for p in sources if p.stem in args.stems]
        missing = set(args.stems) - {p.stem for p in sources}
        if missing:
            parser.error(f"no _cparser/<stem>.pyx for: {', '.join(sorted(missing))}")
    for pyx in sources:
        report = annotate(pyx)
        lines = scores(report)
        print(f"{report.relative_to(ROOT)}: {len(lines)} lines touch the Python C-API")
        for score, number, source in sorted(lines, reverse=True)[: args.top]:
            print(f"  {score:4d}  {pyx.name}:{number}: {source[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
