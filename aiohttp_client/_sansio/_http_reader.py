"""Selector for the per-connection response-reader twin (see ``_ext`` for the policy).

Both twins take the framing decision from ``_body_coding.begin_body`` (Python, once
per head); they differ only in how the bytes are moved.
"""

from typing import TYPE_CHECKING

from .. import _ext

if TYPE_CHECKING or _ext.NO_EXTENSIONS:
    from ._http_reader_py import BODY, DONE, HEAD, IDLE, ResponseReader, register_stream_type, registered_stream_type

    _ext.record("http_reader", "py")
else:
    try:
        from ._http_reader_c import BODY, DONE, HEAD, IDLE, ResponseReader, register_stream_type, registered_stream_type

        _ext.record("http_reader", "c")
    except ImportError:  # pragma: no cover - the guard test fails on this path
        from ._http_reader_py import (
            BODY,
            DONE,
            HEAD,
            IDLE,
            ResponseReader,
            register_stream_type,
            registered_stream_type,
        )

        _ext.record("http_reader", "py")

__all__ = ("ResponseReader", "IDLE", "HEAD", "BODY", "DONE", "register_stream_type", "registered_stream_type")
