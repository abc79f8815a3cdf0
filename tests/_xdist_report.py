"""Keep the "N deselected" count in the closing line under pytest-xdist.

``tools/test`` runs each pytest lane with ``-n 2``.  Under xdist the workers collect
and deselect (``conftest.py`` drops what does not apply in the lane, ``-k``/``-m`` what
the caller asked), but the controller never sees those ``pytest_deselected`` calls, so
the closing line would lose its "N deselected".  Each worker collects the same items,
so each reports the same count; the controller takes the first worker's and reports it
once.  Registered by ``conftest.py``; without xdist both hooks are inert.
"""

from __future__ import annotations

from typing import Any

import pytest

_KEY = "aiohttp_client_deselected"


@pytest.hookimpl(trylast=True)
def pytest_deselected(items: list[pytest.Item]) -> None:
    config = getattr(items[0], "config", None) if items else None
    if config is not None and hasattr(config, "workeroutput"):  # an xdist worker
        config.workeroutput[_KEY] = config.workeroutput.get(_KEY, 0) + len(items)


class _Deselected:
    """Stands for one test a worker deselected (the terminal summary counts them)."""

    def __init__(self, n: int) -> None:
        self.nodeid = f"<deselected on an xdist worker #{n}>"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    config = node.config
    if getattr(config, "_aiohttp_client_deselected_reported", False):
        return
    count = getattr(node, "workeroutput", {}).get(_KEY)
    if count is None:
        return
    config._aiohttp_client_deselected_reported = True
    config.hook.pytest_deselected(items=[_Deselected(i) for i in range(count)])
