"""Twin facade fixtures (the multidict/propcache pattern).

``twin`` is parametrised ``py`` (always) and ``c`` (marked ``c_extension``).  The
compiled twin must import on CPython: a failed import is a test *error*, never a skip,
so a broken build cannot pass by testing the Python twin twice.  The ``c`` params are
skipped, with the reason, only under ``--no-c-extensions`` or on an interpreter other
than CPython; that is the one allowed skip.  Per-hot-path fixtures derive from
``twin``, so a test using several of them runs once per twin, not per combination.

Keep this file generic: server and I/O fixtures live in their own modules.
"""

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, List

import pytest

CPYTHON = sys.implementation.name == "cpython"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-c-extensions",
        action="store_true",
        default=False,
        help="skip the tests of the compiled twins (pure-Python lane; implied on non-CPython)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if CPYTHON and not config.getoption("--no-c-extensions"):
        return
    reason = "--no-c-extensions given" if CPYTHON else f"no compiled twins on {sys.implementation.name}"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("c_extension") is not None:
            item.add_marker(skip)


@dataclass(frozen=True)
class Twin:
    """One side of every twin pair: ``py`` (``*_py`` modules) or ``c`` (``*_c``)."""

    tag: str

    @property
    def is_pure_python(self) -> bool:
        return self.tag == "py"

    def module(self, selector: str) -> ModuleType:
        """The twin module behind selector *selector* (e.g. ``"_http_parser"``)."""
        return importlib.import_module(f"aiohttp_client.{selector}_{self.tag}")

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
