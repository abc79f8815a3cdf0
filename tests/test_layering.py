"""Layering rules of DESIGN.md, checked on the source (AST for .py, a regex for .pyx).

- Layer 0 (shared foundations) and layer 1 (sans-IO) import neither ``asyncio``,
  ``socket`` nor ``ssl``, nor any module of a higher layer; every ``_cparser/*.pyx``
  counts as layer 1.  Imports under ``if TYPE_CHECKING:`` count too: a sans-IO module
  should not even name the I/O layer's types.
- Only a selector (``X.py``) imports its twins (``X_py``, ``X_c``).
- Nothing in ``aiohttp_client/`` or ``_cparser/`` imports ``aiohttp``.

An AST scan rather than an import: ``aiohttp_client/__init__.py`` imports everything.
Modules the table does not list yet are skipped by the layer rules (the table grows
with the code); the other two rules apply to every file.
"""

import ast
import pathlib
import re
from typing import Iterator, List, Set, Tuple

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKG = ROOT / "aiohttp_client"
CPARSER = ROOT / "_cparser"

LAYER0 = {"_ext", "http_exceptions", "hdrs", "typedefs", "_models"}
LAYER1 = {
    "_fields",
    "_http_parser",
    "_http_parser_py",
    "_chunked",
    "_chunked_py",
    "_framing",
    "_http_reader",
    "_http_writer",
    "_compression",
    "_redirects",
    "_digest_auth",
    "cookiejar",
    "_proxy",
    "_pool",
    "_basic_auth",
    "abc",
} | {p.stem for p in PKG.glob("_ws_*.py")}
LAYER2 = {
    "streams",
    "_protocol",
    "resolver",
    "_tls",
    "connector",
    "payload",
    "formdata",
    "_client_request",
    "_client_response",
    "tracing",
    "client_exceptions",
    "_timeouts",
    "_data_queue",
}
LAYER3 = {"__init__", "__main__", "_cli", "client_middlewares", "_session", "_context_managers", "client_ws"}
IO_STDLIB = {"asyncio", "socket", "ssl"}

TWINS = {p.stem[: -len("_py")] for p in PKG.glob("*_py.py")} | {p.stem[: -len("_c")] for p in CPARSER.glob("*_c.pyx")}
TWIN_MODULES = {f"{t}_py" for t in TWINS} | {f"{t}_c" for t in TWINS}
PACKAGE_MODULES = {p.stem for p in PKG.glob("*.py")} | {p.stem for p in CPARSER.glob("*.pyx")}

Import = Tuple[str, int]  # ("asyncio" | "aiohttp_client.<module>" | other top-level name, line)


def _resolve_package_name(name: str) -> str:
    """``aiohttp_client.X``: X if it is one of our modules, else the package itself."""
    return f"aiohttp_client.{name}" if name in PACKAGE_MODULES else "aiohttp_client.__init__"


def _from_import(module: str, names: List[str]) -> Iterator[str]:
    if module == "aiohttp_client":  # from aiohttp_client import X / from . import X
        for name in names:
            yield _resolve_package_name(name)
    elif module.startswith("aiohttp_client."):
        yield "aiohttp_client." + module.split(".")[1]
    else:
        yield module.split(".")[0]


def py_imports(path: pathlib.Path) -> List[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: List[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                mod = "aiohttp_client." + name.split(".")[1] if name.startswith("aiohttp_client.") else name.split(".")[0]
                found.append((mod, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = "aiohttp_client" + ("." + node.module if node.module else "")
            else:
                module = node.module or ""
            for mod in _from_import(module, [a.name for a in node.names]):
                found.append((mod, node.lineno))
    return found


_PYX_FROM = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+c?import[ \t]+(?:\(([^)]*)\)|([\w \t,]*))", re.M)
_PYX_IMPORT = re.compile(r"^[ \t]*c?import[ \t]+([\w.]+)", re.M)


def pyx_imports(path: pathlib.Path) -> List[Import]:
    text = path.read_text(encoding="utf-8")
    found: List[Import] = []
    for m in _PYX_FROM.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        module = m.group(1)
        if module.startswith("."):
            module = "aiohttp_client" + ("." + module.lstrip(".") if module.strip(".") else "")
        names = [n.strip() for n in (m.group(2) or m.group(3)).split(",") if n.strip()]
        for mod in _from_import(module, names):
            found.append((mod, line))
    for m in _PYX_IMPORT.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        name = m.group(1)
        mod = "aiohttp_client." + name.split(".")[1] if name.startswith("aiohttp_client.") else name.split(".")[0]
        found.append((mod, line))
    return found


def sources() -> List[Tuple[str, pathlib.Path, List[Import]]]:
    out = [(p.stem, p, py_imports(p)) for p in sorted(PKG.glob("*.py"))]
    out += [(p.stem, p, pyx_imports(p)) for p in sorted(CPARSER.glob("*.pyx"))]
    return out


SOURCES = sources()


def layer_of(module: str) -> int:
    for layer, members in enumerate((LAYER0, LAYER1, LAYER2, LAYER3)):
        if module in members:
            return layer
    return -1


def _ours(mod: str) -> str:
    return mod.split(".", 1)[1] if mod.startswith("aiohttp_client.") else ""


LOWER = [pytest.param(*s, id=s[1].name) for s in SOURCES if s[1].suffix == ".pyx" or layer_of(s[0]) in (0, 1)]


@pytest.mark.parametrize(("name", "path", "imports"), LOWER)
def test_lower_layers_stay_sans_io(name: str, path: pathlib.Path, imports: List[Import]) -> None:
    own = 1 if path.suffix == ".pyx" else layer_of(name)
    bad = []
    for mod, line in imports:
        if mod in IO_STDLIB:
            bad.append(f"{path.name}:{line} imports {mod}")
        elif _ours(mod) and layer_of(_ours(mod)) > own:
            bad.append(f"{path.name}:{line} (layer {own}) imports {mod} (layer {layer_of(_ours(mod))})")
    assert not bad, "\n".join(bad)


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in a layer above, or its imports go unchecked."""
    twins_c = {p.stem for p in CPARSER.glob("*.pyx")}
    unplaced = sorted(
        p.stem for p in PKG.glob("*.py") if layer_of(p.stem) == -1 and p.stem not in TWIN_MODULES | twins_c
    )
    assert not unplaced, f"modules without a layer: {unplaced}"


def test_only_selectors_import_twins() -> None:
    bad = []
    for name, path, imports in SOURCES:
        for mod, line in imports:
            target = _ours(mod)
            if target in TWIN_MODULES and name != target.rsplit("_", 1)[0]:
                bad.append(f"{path.name}:{line} imports twin {mod}")
    assert not bad, "\n".join(bad)


def test_nothing_imports_aiohttp() -> None:
    bad = [f"{path.name}:{line}" for _, path, imports in SOURCES for mod, line in imports if mod == "aiohttp"]
    assert not bad, "aiohttp_client must not import aiohttp: " + ", ".join(bad)


def test_scanner_sees_imports() -> None:
    """The scanners find what they must (a guard against a scanner that finds nothing)."""
    found = {name: {mod for mod, _ in imports} for name, _, imports in SOURCES}
    assert "aiohttp_client._http_parser_py" in found["_http_parser"]
    assert "aiohttp_client._http_parser_c" in found["_http_parser"]
    assert "aiohttp_client._models" in found["_http_parser_c"]
    assert "aiohttp_client.http_exceptions" in found["_chunked_c"]
    assert "re" in found["_http_parser_py"]
    sample: Set[str] = set()
    for mod, _ in py_imports(PKG / "_ext.py"):
        sample.add(mod)
    assert {"os", "sys"} <= sample
