"""Selector for the WebSocket masking twin (see ``_ext`` for the policy)."""

from typing import TYPE_CHECKING

from .. import _ext

if TYPE_CHECKING or _ext.NO_EXTENSIONS:
    from ._ws_mask_py import websocket_mask

    _ext.record("ws_mask", "py")
else:
    try:
        from ._ws_mask_c import websocket_mask

        _ext.record("ws_mask", "c")
    except ImportError:  # pragma: no cover - the guard test fails on this path
        from ._ws_mask_py import websocket_mask

        _ext.record("ws_mask", "py")

__all__ = ("websocket_mask",)
