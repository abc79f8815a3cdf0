"""Selector for the WebSocket frame-reader twin (see ``_ext`` for the policy)."""

from typing import TYPE_CHECKING

from .. import _ext

if TYPE_CHECKING or _ext.NO_EXTENSIONS:
    from ._ws_reader_py import MESSAGE_OVERHEAD, WebSocketReader

    _ext.record("ws_reader", "py")
else:
    try:
        from ._ws_reader_c import MESSAGE_OVERHEAD, WebSocketReader

        _ext.record("ws_reader", "c")
    except ImportError:  # pragma: no cover - the guard test fails on this path
        from ._ws_reader_py import MESSAGE_OVERHEAD, WebSocketReader

        _ext.record("ws_reader", "py")

__all__ = ("MESSAGE_OVERHEAD", "WebSocketReader")
