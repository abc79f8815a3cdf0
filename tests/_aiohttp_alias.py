"""``import aiohttp`` answered by ``aiohttp_client`` (``aiohttp.X`` by
``aiohttp_client.X``), in a process that runs a library written for aiohttp
(aiohttp-socks) on this client: :func:`install` puts an import hook first on
``sys.meta_path``.  Never called in the test process itself; the subprocess of
``test_socks_aiohttp_socks.py`` and the conftest ``tools/aiohttp_socks_suite.py``
generates import it (with this folder on ``sys.path``).  Imports nothing but the
standard library until a name is looked up."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

__all__ = ("install",)


class _Same:
    """A loader that hands over a module already imported."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: Any) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        pass


class _AiohttpIsAiohttpClient:
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != "aiohttp" and not name.startswith("aiohttp."):
            return None
        module = importlib.import_module("aiohttp_client" + name[len("aiohttp") :])
        return importlib.machinery.ModuleSpec(name, _Same(module), is_package=hasattr(module, "__path__"))  # type: ignore[arg-type]


def install() -> None:
    """From now on ``import aiohttp`` gives ``aiohttp_client`` in this process."""
    sys.meta_path.insert(0, _AiohttpIsAiohttpClient())
