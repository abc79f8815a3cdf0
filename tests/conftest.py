"""Twin facade fixtures (the multidict/propcache pattern).

``twin`` is parametrised ``py`` (always) and ``c`` (marked ``c_extension``).  The
compiled twin must import on CPython: a failed import is a test *error*, never a skip,
so a broken build cannot pass by testing the Python twin twice.  The ``c`` params are
deselected (they do not apply, and the terminal summary counts them) only under
``--no-c-extensions`` or on an interpreter other than CPython.  Per-hot-path fixtures derive from
``twin``, so a test using several of them runs once per twin, not per combination.

Keep this file generic: server and I/O fixtures live in their own modules.
"""

import gc
import importlib
import importlib.metadata
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

# The real peers (raw asyncio server, aiohttp.web, nginx) are fixtures of tests/_servers.py,
# tests/_web_server.py and tests/_nginx_server.py.
pytest_plugins = (
    "_servers",
    "_web_server",
    "_nginx_server",
    "_h2_servers",
    "_hypercorn_server",
    "_blocking",
    "_xdist_report",
)

CPYTHON = sys.implementation.name == "cpython"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-c-extensions",
        action="store_true",
        default=False,
        help="deselect the tests of the compiled twins (pure-Python lane; implied on non-CPython)",
    )


def _aiohttp_oracle_available() -> bool:
    """aiohttp 3.14, the API we copy, is the oracle of the differential tests."""
    try:
        return importlib.metadata.version("aiohttp").startswith("3.14.")
    except importlib.metadata.PackageNotFoundError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what does not apply in this lane: the ``c`` params without compiled
    twins, the ``aiohttp_oracle`` tests where aiohttp 3.14 cannot be installed, and the
    ``cpython`` tests (they need CPython's object layout) on another interpreter.  Tests
    using the ``dante`` fixture are marked ``dante`` (deselected only by ``-m``: the
    hosted wheel builds, whose containers cannot run it)."""
    drop_c = not CPYTHON or config.getoption("--no-c-extensions")
    drop_oracle = not _aiohttp_oracle_available()
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if "dante" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dante)  # so that `-m "not dante"` can leave it out
        not_here = (
            (drop_c and item.get_closest_marker("c_extension") is not None)
            or (drop_oracle and item.get_closest_marker("aiohttp_oracle") is not None)
            or (not CPYTHON and item.get_closest_marker("cpython") is not None)
        )
        (dropped if not_here else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move what exists once the tests are collected (the modules, the collected items,
    hypothesis' strategies, ~1M objects) out of the cyclic collector's reach
    (``gc.freeze()``, CPython 3.7+).  ``run()`` in ``_servers.py`` calls ``gc.collect()``
    after every test coroutine to finalise what the test leaked; without the freeze each
    of those collections walked the whole heap and took most of the CPython lanes' CPU.
    Objects the tests create are still collected and finalised as before."""
    if hasattr(gc, "freeze"):  # not on PyPy, whose collector has no generations to freeze
        gc.collect()
        gc.freeze()


@dataclass(frozen=True)
class Twin:
    """One side of every twin pair: ``py`` (``*_py`` modules) or ``c`` (``*_c``)."""

    tag: str

    @property
    def is_pure_python(self) -> bool:
        return self.tag == "py"

    def module(self, selector: str) -> ModuleType:
        """The twin module behind selector *selector* (e.g. ``"_http_parser"``)."""
        return importlib.import_module(f"aiohttp_client._sansio.{selector}_{self.tag}")

    def __str__(self) -> str:
        return self.tag


@pytest.fixture(
    scope="session",
    params=[
        pytest.param(Twin("py"), id="py"),
        pytest.param(Twin("c"), id="c", marks=pytest.mark.c_extension),
    ],
)
def twin(request: pytest.FixtureRequest) -> Twin:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def head_parser_cls(twin: Twin) -> Any:
    """``HeadParser`` of the twin under test."""
    return twin.module("_http_parser").HeadParser


@pytest.fixture(scope="session")
def chunked_decoder_cls(twin: Twin) -> Any:
    """``ChunkedDecoder`` of the twin under test."""
    return twin.module("_chunked").ChunkedDecoder


@pytest.fixture(scope="session")
def response_reader_cls(twin: Twin) -> Any:
    """``ResponseReader`` (the per-connection reader) of the twin under test."""
    return twin.module("_http_reader").ResponseReader
