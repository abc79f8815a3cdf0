"""Guard against a silently missing compiled twin (multidict's
``test_c_extension_preferred_by_default``).

Each case starts a fresh ``python -I -W error``, imports every selector and reads
``_ext.LOADED``.  The twins are derived from the files: every ``_cparser/<stem>_c.pyx``
is a compiled twin whose selector is ``aiohttp_client._sansio.<stem>`` and whose ``LOADED`` key
is ``<stem>`` without its leading underscore (``_http_parser_c.pyx`` -> selector
``aiohttp_client._sansio._http_parser``, key ``"http_parser"``), so adding a twin extends the
guard.

- CPython, variable removed (or empty): ``"c"`` for every twin;
- ``AIOHTTP_CLIENT_NO_EXTENSIONS=1``: ``"py"`` for every twin;
- ``AIOHTTP_CLIENT_NO_EXTENSIONS=0``: ``"py"`` too (documented: any non-empty value);
- any other interpreter: ``"py"``, whatever the variable says.

``tools/wheels`` runs this suite against an installed wheel, from a copy of ``tests/``
outside the checkout, with ``AIOHTTP_CLIENT_TEST_WHEEL`` set to ``compiled`` or ``pure``:
then the package must come from the venv, and a pure wheel has no compiled twin at all
(so ``"py"`` even on CPython with the variable unset).  Without it the package must be
this checkout's (the lanes of ``tools/test``).
"""

import importlib.machinery
import json
import os
import pathlib
import subprocess
import sys
from typing import Optional

import pytest

import aiohttp_client

ROOT = pathlib.Path(__file__).resolve().parent.parent
CPARSER = ROOT / "_cparser"
PACKAGE_PARENT = str(pathlib.Path(aiohttp_client.__file__).resolve().parent.parent)
CPYTHON = sys.implementation.name == "cpython"
PACKAGE = pathlib.Path(aiohttp_client.__file__).resolve().parent
VAR = "AIOHTTP_CLIENT_NO_EXTENSIONS"
#: "compiled" or "pure" when tools/wheels runs the suite against an installed wheel.
WHEEL = os.environ.get("AIOHTTP_CLIENT_TEST_WHEEL", "")
#: Whether the compiled twins are there to load when the policy allows them.
INSTALLED_COMPILED = WHEEL != "pure"


def compiled_twins() -> list[tuple[str, str]]:
    """``(selector module, LOADED key)`` for every ``_cparser/*_c.pyx``."""
    stems = sorted(p.stem for p in CPARSER.glob("*.pyx"))
    assert stems, f"no .pyx under {CPARSER}"
    twins = []
    for stem in stems:
        assert stem.startswith("_") and stem.endswith("_c"), f"{stem}.pyx does not follow the _<name>_c naming"
        selector = stem[: -len("_c")]
        twins.append((f"aiohttp_client._sansio.{selector}", selector.lstrip("_")))
    return twins


TWINS = compiled_twins()

_PROBE = """
import importlib, json, sys
sys.path.insert(0, {parent!r})
from aiohttp_client import _ext
exported = {{}}
for selector in {selectors!r}:
    module = importlib.import_module(selector)
    objs = [getattr(module, name) for name in module.__all__]
    exported[selector] = sorted({{o.__module__ for o in objs if hasattr(o, "__module__")}})  # not constants
print(json.dumps({{"loaded": _ext.LOADED, "no_extensions": _ext.NO_EXTENSIONS, "exported": exported}}))
"""


def probe(value: Optional[str]) -> dict[str, object]:
    env = dict(os.environ)
    env.pop(VAR, None)
    if value is not None:
        env[VAR] = value
    code = _PROBE.format(parent=PACKAGE_PARENT, selectors=[selector for selector, _ in TWINS])
    proc = subprocess.run(
        [sys.executable, "-I", "-W", "error", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        pytest.param(None, CPYTHON, id="unset"),
        pytest.param("", CPYTHON, id="empty"),
        pytest.param("1", False, id="1"),
        pytest.param("0", False, id="0-also-disables"),
        pytest.param("yes", False, id="yes"),
    ],
)
def test_selected_twins(value: Optional[str], allowed: bool) -> None:
    """*allowed*: the policy allows the compiled twins; they load where they are installed."""
    result = probe(value)
    tag = "c" if allowed and INSTALLED_COMPILED else "py"
    assert result["no_extensions"] is (not allowed)
    assert result["loaded"] == {key: tag for _, key in TWINS}
    assert result["exported"] == {selector: [f"{selector}_{tag}"] for selector, _ in TWINS}


def test_every_twin_has_both_sides() -> None:
    for selector, _ in TWINS:
        name = selector.rsplit(".", 1)[1]
        assert (PACKAGE / "_sansio" / f"{name}.py").is_file(), f"no selector for {name}_c.pyx"
        assert (PACKAGE / "_sansio" / f"{name}_py.py").is_file(), f"no Python twin for {name}_c.pyx"


def compiled_files(selector: str) -> list[str]:
    """The extension-module files of *selector*'s compiled twin in the imported package."""
    name = selector.rsplit(".", 1)[1] + "_c"
    return sorted(p.name for p in (PACKAGE / "_sansio").iterdir() if p.name.startswith(name + "."))


def test_the_package_under_test() -> None:
    """The suite tests what it claims to: this checkout, or the wheel installed in the venv."""
    assert WHEEL in ("", "compiled", "pure"), f"AIOHTTP_CLIENT_TEST_WHEEL={WHEEL!r}"
    assert (PACKAGE / "py.typed").is_file()
    if not WHEEL:
        assert PACKAGE == ROOT / "aiohttp_client"
        return
    venv = pathlib.Path(sys.prefix).resolve()
    assert venv in PACKAGE.parents, f"{PACKAGE} is not installed in {venv}"
    assert PACKAGE != ROOT / "aiohttp_client"  # not a source copy beside the tests
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for selector, _ in TWINS:
        files = compiled_files(selector)
        if WHEEL == "pure":
            assert files == [], f"the pure wheel ships {files}"
        else:
            assert len(files) == 1 and files[0].endswith(suffixes), f"{selector}: {files}"
