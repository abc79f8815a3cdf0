"""The compiled twins expose exactly the Python twins' surface (frozenlist ``test_iface``).

For every ``_cparser/<name>_c.pyx``: the same ``__all__``; for each exported class the
same public attributes (on the class and on a default instance) and, for the class
and each public method, the same parameters (names, kinds, defaults).  Annotations
are not compared: the type checker only ever sees the Python twin.

Signatures of compiled methods come from ``inspect`` directly (Cython functions are
introspectable); a compiled class's own signature comes from the first line of its
docstring, which ``embedsignature`` writes.
"""

import importlib
import inspect
import pathlib
import sys
from typing import Any

import pytest

pytestmark = pytest.mark.c_extension

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAIRS = sorted(p.stem[: -len("_c")] for p in (ROOT / "_cparser").glob("*_c.pyx"))

Params = list[tuple[str, Any, Any]]


class _Sink:
    """The least a response reader's sink needs at construction."""

    reading_paused = False

    def on_body(self, data: bytes) -> None:
        pass

    def on_chunk_end(self) -> None:
        pass


# Arguments for a "default instance" of classes that have required parameters.
REQUIRED_ARGS: dict[str, tuple[Any, ...]] = {"ResponseReader": (_Sink(),)}


def params(sig: inspect.Signature) -> Params:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def _embedded_signature(obj: Any) -> inspect.Signature:
    first = ""
    for line in (obj.__doc__ or "").splitlines():  # a written-out signature may wrap
        first += line.strip() if first else line
        if first.count("(") == first.count(")"):
            break
    name = obj.__name__
    assert first.startswith(name + "("), f"no embedded signature in {obj!r}: {first!r}"
    # Defaults may name the module's globals (e.g. a twin class): evaluate them there.
    namespace: dict = dict(vars(sys.modules[obj.__module__]))
    exec(f"def {name}{first[len(name) :]}: pass", namespace)  # noqa: S102 - our own docstring
    return inspect.signature(namespace[name])


def signature(obj: Any) -> Params:
    try:
        return params(inspect.signature(obj))
    except ValueError:
        return params(_embedded_signature(obj))


def public(names: Any) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))


@pytest.mark.parametrize("name", PAIRS)
def test_same_surface(name: str) -> None:
    py = importlib.import_module(f"aiohttp_client._sansio.{name}_py")
    c = importlib.import_module(f"aiohttp_client._sansio.{name}_c")
    assert list(c.__all__) == list(py.__all__)
    for export in py.__all__:
        py_obj, c_obj = getattr(py, export), getattr(c, export)
        if not callable(py_obj):  # a constant: same value, same type
            assert (c_obj, type(c_obj)) == (py_obj, type(py_obj)), export
            continue
        assert signature(c_obj) == signature(py_obj), export
        if not inspect.isclass(py_obj):
            continue
        assert inspect.isclass(c_obj)
        args = REQUIRED_ARGS.get(export, ())
        py_inst, c_inst = py_obj(*args), c_obj(*args)  # the instances' dir() includes the class's
        assert public(dir(c_inst)) == public(dir(py_inst)), export
        for attr in public(dir(py_inst)):
            py_attr = inspect.getattr_static(py_obj, attr, None)
            c_attr = inspect.getattr_static(c_obj, attr, None)
            if callable(py_attr):
                assert signature(getattr(c_obj, attr)) == signature(getattr(py_obj, attr)), f"{export}.{attr}"
            elif isinstance(py_attr, property):
                assert c_attr is not None and not callable(c_attr), f"{export}.{attr}"
            else:  # instance data: same default value and type
                assert getattr(c_inst, attr) == getattr(py_inst, attr), f"{export}.{attr}"
                assert type(getattr(c_inst, attr)) is type(getattr(py_inst, attr)), f"{export}.{attr}"


def test_pairs_found() -> None:
    assert "_http_parser" in PAIRS and "_chunked" in PAIRS
