"""Every package folder of ``aiohttp_client/`` is one the build ships.

``pyproject.toml`` lists the packages explicitly (``[tool.setuptools] packages``), so a new
folder that is missing there still passes every test run from the source tree but is
absent from the wheel (its modules fail to import once installed).

Run against an installed wheel (``tools/wheels``, from a copy of ``tests/`` and
``pyproject.toml``), the same tests check the other side: every listed package is in
the installed package.
"""

import importlib.util
import pathlib
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself requires tomli before Python 3.11
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The package that would be imported (this checkout, or the installed wheel that
# tools/wheels tests), located without importing it, as in test_layering.py.
_SPEC = importlib.util.find_spec("aiohttp_client")
assert _SPEC is not None and _SPEC.submodule_search_locations
PKG = pathlib.Path(_SPEC.submodule_search_locations[0]).resolve()


def package_folders(pkg: pathlib.Path) -> set[str]:
    """Dotted names of the folders under *pkg* (itself included) that hold an
    ``__init__.py`` or any ``.py`` file; caches and hidden folders are not packages."""
    folders = {pkg} | {path.parent for path in pkg.rglob("*.py")}
    return {
        ".".join(folder.relative_to(pkg.parent).parts)
        for folder in folders
        if not any(part == "__pycache__" or part.startswith(".") for part in folder.relative_to(pkg).parts)
    }


def shipped_packages() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        config = tomllib.load(f)
    packages = config["tool"]["setuptools"]["packages"]
    assert isinstance(packages, list), "packages must be listed explicitly (no find: directive)"
    return packages


def test_every_package_folder_is_shipped() -> None:
    missing = sorted(package_folders(PKG) - set(shipped_packages()))
    assert not missing, f"folders absent from pyproject.toml [tool.setuptools] packages: {missing}"


def test_every_shipped_package_is_a_folder_with_an_init() -> None:
    """A listed package is a folder with an ``__init__.py`` (no stale entry, no
    implicit namespace package), listed once."""
    shipped = shipped_packages()
    assert len(shipped) == len(set(shipped)), f"listed twice: {sorted(p for p in shipped if shipped.count(p) > 1)}"
    bad = [name for name in shipped if not (PKG.parent.joinpath(*name.split(".")) / "__init__.py").is_file()]
    assert not bad, f"listed packages without a folder and its __init__.py: {bad}"


def test_the_scan_finds_the_folders(tmp_path: pathlib.Path) -> None:
    """The scan is not vacuous: it finds the package, ``_sansio`` and a folder of the I/O
    layer, and on a made-up tree a folder of ``.py`` files without ``__init__.py`` too,
    but no cache."""
    found = package_folders(PKG)
    assert {"aiohttp_client", "aiohttp_client._sansio", "aiohttp_client._net"} <= found
    pkg = tmp_path / "aiohttp_client"
    for rel in ("__init__.py", "_a/__init__.py", "_b/_c/x.py", "__pycache__/y.py", "_d/data.txt"):
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text("", encoding="utf-8")
    names = {name.split(".", 1)[1] if "." in name else "" for name in package_folders(pkg)}
    assert names == {"", "_a", "_b._c"}
