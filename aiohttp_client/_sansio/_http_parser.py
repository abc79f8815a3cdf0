"""Selector for the response-head parser twin (see ``_ext`` for the policy)."""

from typing import TYPE_CHECKING

from .. import _ext

if TYPE_CHECKING or _ext.NO_EXTENSIONS:
    from ._http_parser_py import HeadParser

    _ext.record("http_parser", "py")
else:
    try:
        from ._http_parser_c import HeadParser

        _ext.record("http_parser", "c")
    except ImportError:  # pragma: no cover - the guard test fails on this path
        from ._http_parser_py import HeadParser

        _ext.record("http_parser", "py")

__all__ = ("HeadParser",)
