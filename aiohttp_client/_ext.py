"""The extension policy: the one place that decides compiled vs pure-Python twins.

Rule: ``NO_EXTENSIONS`` is true when the environment variable
``AIOHTTP_CLIENT_NO_EXTENSIONS`` is set to any non-empty value (the aio-libs
convention, so ``=0`` also disables the extensions), or when the interpreter is
not CPython (PyPy, GraalPy).  ``setup.py`` applies the same two conditions.

Each selector module (``_http_parser``, ``_chunked``, ...) records which twin it
loaded in :data:`LOADED` as ``"c"`` or ``"py"``; the guard test reads it.
"""

import os
import sys

__all__ = ("NO_EXTENSIONS", "LOADED", "record")

NO_EXTENSIONS: bool = bool(os.environ.get("AIOHTTP_CLIENT_NO_EXTENSIONS")) or (sys.implementation.name != "cpython")

#: hot path name -> "c" or "py", filled in by the selectors as they are imported.
LOADED: dict[str, str] = {}


def record(hot_path: str, twin: str) -> None:
    """Note that the selector for *hot_path* loaded *twin* (``"c"`` or ``"py"``)."""
    LOADED[hot_path] = twin
