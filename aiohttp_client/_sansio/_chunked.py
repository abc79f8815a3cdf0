"""Selector for the chunked-decoder twin (see ``_ext`` for the policy)."""

from typing import TYPE_CHECKING

from .. import _ext

if TYPE_CHECKING or _ext.NO_EXTENSIONS:
    from ._chunked_py import ChunkedDecoder

    _ext.record("chunked", "py")
else:
    try:
        from ._chunked_c import ChunkedDecoder

        _ext.record("chunked", "c")
    except ImportError:  # pragma: no cover - the guard test fails on this path
        from ._chunked_py import ChunkedDecoder

        _ext.record("chunked", "py")

__all__ = ("ChunkedDecoder",)
