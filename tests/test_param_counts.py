"""No private function takes more than 6 positional parameters besides ``self``/``cls``
(issue 16: options travel as records, ``_sansio/_hops``, not as long argument lists).

An AST scan of every ``.py`` under ``aiohttp_client/``.  A function counts when its
name starts with ``_`` (dunder methods are public protocol, not private), or it lives
in a private module (a path part starting with ``_``, ``__init__``/``__main__`` aside)
or in a private class, or inside a counted function.  Positional parameters are the
positional-only and ordinary ones, plus one for ``*args``; keyword-only ones are not
counted (aiohttp's public signatures are keyword-only beyond their first few, and a
public method of a public class in a public module is not counted at all).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "aiohttp_client"
LIMIT = 6


def _private_name(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_module(path: Path) -> bool:
    parts = path.relative_to(PKG).with_suffix("").parts
    return any(_private_name(part) for part in parts)


def positional_count(args: ast.arguments, method: bool) -> int:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if method and names and names[0] in ("self", "cls", "mcs"):
        names = names[1:]
    return len(names) + (1 if args.vararg is not None else 0)


def _over_limit(tree: ast.AST, private: bool, qualname: str, in_class: bool) -> Iterator[tuple[str, int, int]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef):
            yield from _over_limit(node, private or _private_name(node.name), f"{qualname}{node.name}.", True)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            counted = private or _private_name(node.name)
            count = positional_count(node.args, in_class)
            if counted and count > LIMIT:
                yield f"{qualname}{node.name}", node.lineno, count
            yield from _over_limit(node, counted, f"{qualname}{node.name}.", False)
        else:
            yield from _over_limit(node, private, qualname, in_class)


def offenders() -> list[str]:
    found = []
    for path in sorted(PKG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name, line, count in _over_limit(tree, _private_module(path), "", False):
            found.append(f"{path.relative_to(PKG.parent)}:{line} {name} takes {count} positional parameters")
    return found


def test_no_private_function_takes_more_than_six_positional_parameters() -> None:
    assert offenders() == []


def _scan(source: str, module: str = "_private.py") -> list[tuple[str, int, int]]:
    return list(_over_limit(ast.parse(source), _private_module(PKG / module), "", False))


def test_the_scan_counts_what_it_should() -> None:
    """The rules above, on small sources (so the scan itself cannot pass by finding nothing)."""
    seven = "a, b, c, d, e, f, g"
    assert _scan(f"def _f({seven}): pass", "public.py") == [("_f", 1, 7)]
    assert _scan(f"def f({seven}): pass", "public.py") == []  # public function, public module
    assert _scan(f"def f({seven}): pass") == [("f", 1, 7)]  # any function of a private module
    assert _scan(f"class C:\n    def m(self, {seven}): pass", "public.py") == []
    assert _scan(f"class _C:\n    def m(self, {seven}): pass", "public.py") == [("_C.m", 2, 7)]
    assert _scan(f"class C:\n    def __init__(self, {seven}): pass", "public.py") == []
    assert _scan(f"class C:\n    def __init__(self, {seven}): pass") == [("C.__init__", 2, 7)]
    assert _scan("def _f(self, a, b, c, d, e, f): pass", "public.py") == [("_f", 1, 7)]  # not a method
    assert _scan("class C:\n    def _m(self, a, b, c, d, e, f): pass", "public.py") == []
    assert _scan("def _f(a, b, c, d, e, *rest): pass", "public.py") == []
    assert _scan("def _f(a, b, c, d, e, f, *rest): pass", "public.py") == [("_f", 1, 7)]
    assert _scan(f"def _f(*, {seven}): pass", "public.py") == []  # keyword-only
    assert _scan("def _f(a, /, b, c, d, e, f, g): pass", "public.py") == [("_f", 1, 7)]
    assert _scan(f"def f():\n    def _inner({seven}): pass", "public.py") == [("f._inner", 2, 7)]
    assert _private_module(PKG / "_client" / "_session.py") and not _private_module(PKG / "connector.py")
    assert not _private_module(PKG / "testing" / "__init__.py")
