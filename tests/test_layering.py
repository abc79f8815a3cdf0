"""The layers of ARCHITECTURE.md, checked on the source (AST for .py, a regex for .pyx).

- Every module of the package has a layer: 0 (shared foundations, at the top level),
  1 (sans-IO: everything under ``aiohttp_client/_sansio/`` and every ``_cparser/*.pyx``),
  2 (the asyncio I/O layer) or 3 (the public front).  A module imports only from its
  own layer or lower ones.  Imports under ``if TYPE_CHECKING:`` count too.
- Nothing in layers 0 and 1 imports ``asyncio``, ``socket`` or ``ssl``; nothing under
  ``_sansio/`` imports a module of the package outside ``_sansio/`` but layer 0.
- No import cycles among the package's modules, type-checking imports included.
- Only a selector (``X.py``) imports its twins (``X_py``, ``X_c``).
- Nothing in ``aiohttp_client/`` or ``_cparser/`` imports ``aiohttp``.

An AST scan rather than an import: ``aiohttp_client/__init__.py`` imports everything.
Modules are named by their dotted path inside the package (``_sansio._framing``); the
package's ``__init__`` is ``__init__``.
"""

import ast
import importlib.util
import pathlib
import re
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The package that would be imported (this checkout, or the installed wheel that
# tools/wheels tests), located without importing it.
_SPEC = importlib.util.find_spec("aiohttp_client")
assert _SPEC is not None and _SPEC.submodule_search_locations
PKG = pathlib.Path(_SPEC.submodule_search_locations[0]).resolve()
SANSIO = PKG / "_sansio"
CPARSER = ROOT / "_cparser"

LAYER0 = {"_ext", "http_exceptions", "hdrs", "typedefs", "_models"}
# Folders whose modules (their ``__init__`` included) are all in one layer.
FOLDER_LAYER = {
    "_protocols": 2,  # what is spoken on one connection
    "_net": 2,  # making and lending connections
    "_body": 2,  # payloads, the response stream, multipart reading, upload tracking
    "_cli": 3,  # the command
    "testing": 3,  # the test transport, a public package (issue 19)
}
# The top level's public modules (aiohttp's paths) and the modules of the mixed folders,
# ``_client/`` (request, response, timeouts: 2; the session: 3) and ``_ws/``.
LAYER2 = {
    "streams",
    "resolver",
    "connector",
    "payload",
    "formdata",
    "multipart",
    "tracing",
    "client_exceptions",
    "cookiejar",
    "abc",
    "client_proto",  # aiohttp's path for the connection protocol (issue 18)
    "_client.__init__",
    "_client._request_params",
    "_client._request_target",
    "_client._session_attributes",
    "_client._client_request",
    "_client._request_send",
    "_client._client_response",
    "_client._timeouts",
    "_ws.__init__",
    "_ws._ws_stream",  # WebSocket (issue 9)
}
LAYER3 = {"__init__", "__main__", "client_middlewares", "client_ws"}
LAYER3 |= {"_client._session", "_client._context_managers", "_client._session_hops"}
LAYER3 |= {"_ws._ws_connect"}  # WebSocket (issue 9)
LAYER3 |= {"retry", "sse"}  # RetryMiddleware, the Server-Sent Events client (issue 19)
IO_STDLIB = {"asyncio", "socket", "ssl"}

Import = tuple[str, int]  # (our dotted module, e.g. "_sansio._framing", or "<top-level name>", line)


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return ".".join(rel.parts)


def _py_modules() -> dict[str, pathlib.Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


PY_MODULES = _py_modules()
PYX_MODULES = {f"_sansio.{p.stem}": p for p in sorted(CPARSER.glob("*.pyx"))}
OURS = set(PY_MODULES) | set(PYX_MODULES)


def _ours_or_external(dotted: str) -> str:
    """``aiohttp_client.a.b`` -> ``a.b`` (or the longest prefix that is one of our
    modules; the package itself is ``__init__``); anything else -> its top-level name."""
    if dotted == "aiohttp_client":
        return "__init__"
    if not dotted.startswith("aiohttp_client."):
        return "!" + dotted.split(".")[0]
    parts = dotted.split(".")[1:]
    while parts:
        name = ".".join(parts)
        if name in OURS:
            return name
        if f"{name}.__init__" in OURS:
            return f"{name}.__init__"
        parts.pop()
    return "__init__"


def _from_import(package: str, names: list[str]) -> Iterator[str]:
    """Targets of ``from <package> import <names>``: a submodule when the name is one."""
    for name in names:
        target = _ours_or_external(f"{package}.{name}")
        if target == "__init__" or target.startswith("!") or not target.endswith(name):
            target = _ours_or_external(package)
        yield target


def _absolute(module: str, level: int, current: str) -> str:
    if not level:
        return module
    package = ["aiohttp_client", *current.split(".")[:-1]]
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def py_imports(name: str, path: pathlib.Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((_ours_or_external(alias.name), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module or "", node.level, name)
            for target in _from_import(module, [a.name for a in node.names]):
                found.append((target, node.lineno))
    return found


_PYX_FROM = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+c?import[ \t]+(?:\(([^)]*)\)|([\w \t,]*))", re.M)
_PYX_IMPORT = re.compile(r"^[ \t]*c?import[ \t]+([\w.]+)", re.M)


def pyx_imports(name: str, path: pathlib.Path) -> list[Import]:
    text = path.read_text(encoding="utf-8")
    found: list[Import] = []
    for m in _PYX_FROM.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        module = m.group(1)
        level = len(module) - len(module.lstrip("."))
        module = _absolute(module.lstrip("."), level, name)
        names = [n.strip() for n in (m.group(2) or m.group(3)).split(",") if n.strip()]
        for target in _from_import(module, names):
            found.append((target, line))
    for m in _PYX_IMPORT.finditer(text):
        found.append((_ours_or_external(m.group(1)), text.count("\n", 0, m.start()) + 1))
    return found


SOURCES = {name: (path, py_imports(name, path)) for name, path in PY_MODULES.items()}
SOURCES.update({name: (path, pyx_imports(name, path)) for name, path in PYX_MODULES.items()})


def _shown(path: pathlib.Path) -> str:
    """*path* as a failure message names it: from the package's parent folder (the
    checkout or site-packages), or from the checkout for a ``.pyx``."""
    for base in (PKG.parent, ROOT):
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def layer_of(module: str) -> int:
    if module.startswith("_sansio."):
        return 1
    folder, dot, _ = module.partition(".")
    if dot and folder in FOLDER_LAYER:
        return FOLDER_LAYER[folder]
    for layer, members in ((0, LAYER0), (2, LAYER2), (3, LAYER3)):
        if module in members:
            return layer
    return -1


def _ours(target: str) -> bool:
    return not target.startswith("!")


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in a layer (above, or by its folder)."""
    unplaced = sorted(name for name in SOURCES if layer_of(name) == -1)
    assert not unplaced, f"modules without a layer: {unplaced}"
    named = LAYER0 | LAYER2 | LAYER3
    by_folder = {"_sansio", *FOLDER_LAYER}
    stale = sorted(name for name in named if name not in OURS or name.partition(".")[0] in by_folder)
    assert not stale, f"named in a layer set but no module, or placed by its folder already: {stale}"


def test_folder_inits_are_empty() -> None:
    """Importing any module of a folder runs the folder's ``__init__`` first: it holds a
    docstring only, so it adds no import the layers above do not see (and a mixed folder,
    ``_client/`` or ``_ws/``, pulls nothing of layer 3 into layer 2).  A public package
    (``testing/``, all of it layer 3) re-exports its names from its ``__init__``."""
    public = {"testing.__init__"}
    inits = sorted(name for name in PY_MODULES if name.endswith(".__init__") and name not in public)
    assert {"_sansio.__init__", "_net.__init__", "_client.__init__"} <= set(inits)
    bad = []
    for name in inits:
        body = ast.parse(PY_MODULES[name].read_text(encoding="utf-8")).body
        if not (len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
            bad.append(name)
    assert not bad, f"folder __init__ modules with code: {bad}"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_imports_point_down(name: str) -> None:
    path, imports = SOURCES[name]
    own = layer_of(name)
    bad = []
    for target, line in imports:
        if _ours(target) and target != "__init__" and layer_of(target) > own:
            bad.append(f"{_shown(path)}:{line} (layer {own}) imports {target} (layer {layer_of(target)})")
        elif _ours(target) and target == "__init__" and own < 3:
            bad.append(f"{_shown(path)}:{line} (layer {own}) imports the package front")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(n for n in SOURCES if layer_of(n) <= 1))
def test_lower_layers_stay_sans_io(name: str) -> None:
    path, imports = SOURCES[name]
    bad = [f"{_shown(path)}:{line} imports {t[1:]}" for t, line in imports if t[1:] in IO_STDLIB]
    if name.startswith("_sansio."):
        bad += [
            f"{_shown(path)}:{line} imports {t}, outside _sansio/ and not layer 0"
            for t, line in imports
            if _ours(t) and not t.startswith("_sansio.") and layer_of(t) != 0
        ]
    assert not bad, "\n".join(bad)


def _graph() -> dict[str, set[str]]:
    return {name: {t for t, _ in imports if _ours(t) and t != name} for name, (_, imports) in SOURCES.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycles() -> None:
    cycles = find_cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_finds_cycles() -> None:
    """The finder is not vacuous: a two-module and a three-module cycle are found."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "a"}, "f": set()}
    assert sorted(find_cycles(graph)) == [["a", "b"], ["c", "d", "e"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


_PYX_CIMPORT = re.compile(r"^[ \t]*from[ \t]+aiohttp_client\.(_sansio\.\w+_c)[ \t]+cimport[ \t]", re.M)


def _c_level_cimports(name: str, path: pathlib.Path) -> set[tuple[str, int]]:
    """``(twin, line)`` of each compiled twin that compiled twin *name* cimports: its
    C-level interface (a ``.pxd``), the one way a twin may reach another directly."""
    if path.suffix != ".pyx" or not name.endswith("_c"):
        return set()
    text = path.read_text(encoding="utf-8")
    return {(m.group(1), text.count("\n", 0, m.start()) + 1) for m in _PYX_CIMPORT.finditer(text)}


def test_only_selectors_import_twins() -> None:
    twins = {n for n in OURS if n.endswith(("_py", "_c")) and n.startswith("_sansio.")}
    bad = []
    for name, (path, imports) in SOURCES.items():
        allowed = _c_level_cimports(name, path)
        for target, line in imports:
            if target in twins and name != target.rsplit("_", 1)[0] and (target, line) not in allowed:
                bad.append(f"{_shown(path)}:{line} imports twin {target}")
    assert not bad, "\n".join(bad)


def test_the_reader_reaches_the_decoder_and_parser_only_by_cimport() -> None:
    """The exception above is used, and only as a cimport: the compiled reader's Python
    imports of the decoder and the head parser still go through their selectors."""
    path, imports = SOURCES["_sansio._http_reader_c"]
    cimported = _c_level_cimports("_sansio._http_reader_c", path)
    assert {t for t, _line in cimported} == {"_sansio._chunked_c", "_sansio._http_parser_c"}
    assert any(t == "_sansio._chunked" for t, _line in imports)
    assert any(t == "_sansio._http_parser" for t, _line in imports)
    assert all(
        t not in ("_sansio._chunked_c", "_sansio._http_parser_c") for t, line in imports if (t, line) not in cimported
    )


def test_nothing_imports_aiohttp() -> None:
    bad = [f"{_shown(path)}:{line}" for path, imports in SOURCES.values() for t, line in imports if t == "!aiohttp"]
    assert not bad, "aiohttp_client must not import aiohttp: " + ", ".join(bad)


def test_scanner_sees_imports() -> None:
    """The scanners find what they must (a guard against a scanner that finds nothing)."""
    found = {name: {t for t, _ in imports} for name, (_, imports) in SOURCES.items()}
    assert {"_sansio._http_parser_py", "_sansio._http_parser_c"} <= found["_sansio._http_parser"]
    assert "_models" in found["_sansio._http_parser_c"]
    # The reader twins take the per-head decision from one Python module (DESIGN.md).
    assert {"_sansio._body_coding", "_sansio._http_parser", "_sansio._chunked"} <= found["_sansio._http_reader_c"]
    assert "_sansio._body_coding" in found["_sansio._http_reader_py"]
    assert "_sansio._framing" in found["_sansio._body_coding"]
    assert "http_exceptions" in found["_sansio._chunked_c"]
    assert "_sansio._fields" in found["_sansio._chunked_py"]
    assert "http_exceptions" in found["_sansio._fields"]
    assert "_ext" in found["_sansio._chunked"]
    assert "!re" in found["_sansio._http_parser_py"]
    assert "!asyncio" in found["connector"]
    assert "_net._connection" in found["_client._request_send"]  # a TYPE_CHECKING-free import
    assert "_protocols._protocol" in found["connector"]  # a public module reaches into a folder
    assert "hdrs" in found["_client._session"]  # ``from .. import hdrs``: a folder reaches up
    assert "_body._stream_base" in found["_body._data_queue"]  # a sibling in the same folder
    assert "__init__" in found["_cli._cli"]  # import aiohttp_client as client
    assert {"!os", "!sys"} <= found["_ext"]
    # every layer is populated, so no rule above runs over an empty set
    assert {layer_of(n) for n in SOURCES} == {0, 1, 2, 3}
