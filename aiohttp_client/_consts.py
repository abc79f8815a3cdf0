"""Constants shared by several modules, each defined here once (layer 0).

- ``__version__``: the distribution's version; ``pyproject.toml`` reads it from here
  and the default ``User-Agent`` field value names it.
- ``sentinel``: the "argument not given" marker of keyword defaults, where ``None``
  has a meaning of its own (aiohttp's ``sentinel`` plays the same part).
"""

from typing import Any, Final

__all__ = ("__version__", "sentinel")

__version__: Final = "0.1.0"

sentinel: Any = object()
