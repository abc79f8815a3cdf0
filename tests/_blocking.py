"""A blocking-call detector on every test (registered by ``conftest.py``).

``blockbuster`` replaces the blocking functions of ``time``, ``os``, ``io``, ``socket``,
``ssl`` and ``threading`` locks with checks that raise ``BlockingError`` when they are
called while an event loop runs in the calling thread.  It is scanned for
``aiohttp_client`` only: a blocking call counts when a frame of the package is on the
stack, so the client is held to "never block the loop" while the test peers (servers
with their own loops in threads, aiohttp.web) and the tests' own set-up are not.

A ``BlockingError`` inside the client may be caught and turned into another error
(``write_body`` makes a payload's failure a ``ClientConnectionError``), so the fixture
also records every one raised and fails the test when there was any.

On PyPy (no ``forbiddenfruit``) the methods of the ``io`` classes cannot be replaced;
the module functions (``time.sleep``, ``os.*``, socket methods) still are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from blockbuster import BlockBuster, BlockingError, blockbuster_ctx

__all__ = ("no_blocking_calls", "blocking_errors")

#: The places the client may block, with why: a log record (the client logs an
#: exception raised by a user's callback, as aiohttp does) goes to the handlers the
#: application configured; a ``StreamHandler`` writing to a file is that application's
#: choice, and its ``emit`` (with its flush) is allowed to block.
#: The command-line tool (``_cli/_cli.py``, run in-process by ``test_cli.py``) writes
#: the body to its output file or stdout and its -v lines, notes and progress bar to
#: stderr from its loop, as curl writes each piece before reading the next: the loop
#: runs nothing but that one download, so a write that blocks delays only the next read.
_CLI_WRITERS = ("write", "flush", "_note", "_print_request", "_print_head", "_fetch_one", "update", "close", "__init__")
ALLOWED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("io.TextIOWrapper.write", "logging/__init__.py", ("emit",)),
    ("io.BufferedWriter.write", "logging/__init__.py", ("emit",)),
    ("io.TextIOWrapper.write", "_cli/_cli.py", _CLI_WRITERS),
    ("io.BufferedWriter.write", "_cli/_cli.py", _CLI_WRITERS),
    ("os.write", "_cli/_cli.py", _CLI_WRITERS),
)

#: Every BlockingError constructed while the current test ran.
blocking_errors: list[str] = []

_original_init = BlockingError.__init__


def _recording_init(self: BlockingError, func: str) -> None:
    blocking_errors.append(func)
    _original_init(self, func)


@pytest.fixture(autouse=True)
def no_blocking_calls() -> Iterator[BlockBuster]:
    """Detect blocking calls made by ``aiohttp_client`` on a running loop."""
    blocking_errors.clear()
    BlockingError.__init__ = _recording_init  # type: ignore[method-assign]
    try:
        with blockbuster_ctx("aiohttp_client") as detector:
            for name, filename, functions in ALLOWED:
                if name in detector.functions:
                    detector.functions[name].can_block_in(filename, functions)
            yield detector
    finally:
        BlockingError.__init__ = _original_init  # type: ignore[method-assign]
    seen, expected = list(blocking_errors), _expected(detector)
    blocking_errors.clear()
    if seen and not expected:
        pytest.fail(f"blocking calls on the event loop: {', '.join(seen)}")


def _expected(detector: Any) -> bool:
    """A test proving the detector works marks it ``expected_blocking = True``."""
    return bool(getattr(detector, "expected_blocking", False))
