"""Content-coding decoders (RFC 9110 §8.4.1): gzip, deflate, br, zstd.

Each decoder takes compressed bytes with :meth:`feed` and hands decoded bytes out in
bounded slices with :meth:`next_piece`, so a small compressed body (a "zip bomb")
can never make one call allocate more than ``SLICE`` bytes: the caller pulls one
slice at a time and may stop pulling while its reader is paused.  :meth:`flush`
checks that the stream ended properly.

``deflate`` is the zlib format (RFC 1950) by the RFC, but some servers send raw
deflate (RFC 1951): the decoder tries zlib first and switches to raw deflate if the
first bytes are not a zlib header, as browsers do.

``br`` needs Brotli (CPython) or brotlicffi (PyPy), ``zstd`` needs zstandard — the
``speedups`` extra.  Their decoders feed the input in small slices, which bounds
each call's output by the input slice times the format's ratio limit, not by
``SLICE``.
"""

import importlib
import zlib
from typing import Any, Optional

from ..http_exceptions import ContentEncodingError

__all__ = ("SLICE", "ContentDecoder", "make_decoder", "set_zlib_backend", "supported_encodings")

SLICE = 65536  # largest piece one next_piece() call returns, in bytes
_IN_SLICE = 4096  # input slice for decoders without an output bound

_zlib: Any = zlib


def _optional_module(*names: str) -> Any:
    """The first of *names* that imports, or ``None`` (optional ``speedups`` extra)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_brotli: Any = _optional_module("brotli", "brotlicffi")
_zstd: Any = _optional_module("zstandard")


def set_zlib_backend(lib: Any) -> None:
    """Use *lib*, a module with zlib's API (e.g. ``zlib_ng.zlib_ng``, ``isal.isal_zlib``),
    for gzip and deflate from now on (reference: ``set_zlib_backend``).
    """
    global _zlib
    _zlib = lib


def supported_encodings() -> str:
    """The ``Accept-Encoding`` value for the codings this installation can decode."""
    codings = ["gzip", "deflate"]
    if _brotli is not None:
        codings.append("br")
    if _zstd is not None:
        codings.append("zstd")
    return ", ".join(codings)


class ContentDecoder:
    """Decoder base: ``feed(data)``, then ``next_piece()`` until it returns ``b""``."""

    def feed(self, data: bytes) -> None:
        raise NotImplementedError

    def next_piece(self) -> bytes:
        raise NotImplementedError

    def flush(self) -> bytes:
        """Return the last decoded bytes; :raises ContentEncodingError: truncated stream."""
        return b""


class _ZlibDecoder(ContentDecoder):
    def __init__(self, wbits: int, encoding: str) -> None:
        self._wbits = wbits
        self._encoding = encoding
        self._obj = _zlib.decompressobj(wbits)
        self._input = b""
        self._started = False

    def feed(self, data: bytes) -> None:
        self._input = self._input + data if self._input else data

    def next_piece(self) -> bytes:
        data = self._input
        if not data or self._obj.eof:
            self._input = b""
            return b""
        try:
            out: bytes = self._obj.decompress(data, SLICE)
        except _zlib.error as exc:
            if self._started or self._wbits != _zlib.MAX_WBITS:
                raise ContentEncodingError(f"Can not decode content-encoding: {self._encoding}: {exc}") from exc
            # Not a zlib stream: servers that send raw deflate as "deflate" exist.
            self._wbits = -_zlib.MAX_WBITS
            self._obj = _zlib.decompressobj(self._wbits)
            return self.next_piece()
        self._started = True
        self._input = self._obj.unconsumed_tail
        return out

    def flush(self) -> bytes:
        if not self._started:
            return b""
        if not self._obj.eof:
            try:
                tail: bytes = self._obj.flush()
            except _zlib.error as exc:  # pragma: no cover
                raise ContentEncodingError(str(exc)) from exc
            if not self._obj.eof:
                raise ContentEncodingError(f"Can not decode content-encoding: {self._encoding}: truncated")
            return tail
        return b""


class _SlicedDecoder(ContentDecoder):
    """For decoders without an output bound: feed them the input in small slices."""

    def __init__(self, encoding: str, process: Any) -> None:
        self._encoding = encoding
        self._process = process
        self._input = memoryview(b"")

    def feed(self, data: bytes) -> None:
        self._input = memoryview(bytes(self._input) + data) if self._input else memoryview(data)

    def next_piece(self) -> bytes:
        while self._input:
            chunk, self._input = self._input[:_IN_SLICE], self._input[_IN_SLICE:]
            try:
                out: bytes = self._process(bytes(chunk))
            except Exception as exc:
                raise ContentEncodingError(f"Can not decode content-encoding: {self._encoding}: {exc}") from exc
            if out:
                return out
        return b""


def _brotli_decoder() -> ContentDecoder:
    obj = _brotli.Decompressor()
    process = getattr(obj, "process", None) or obj.decompress
    return _SlicedDecoder("br", process)


def _zstd_decoder() -> ContentDecoder:
    obj = _zstd.ZstdDecompressor().decompressobj()
    return _SlicedDecoder("zstd", obj.decompress)


def make_decoder(encoding: str) -> Optional[ContentDecoder]:
    """A decoder for the Content-Encoding value *encoding*, or ``None`` when the body
    should be passed through unchanged (identity or a coding we cannot decode).
    """
    encoding = encoding.strip(" \t").lower()
    if encoding in ("gzip", "x-gzip"):
        return _ZlibDecoder(16 + _zlib.MAX_WBITS, encoding)
    if encoding == "deflate":
        return _ZlibDecoder(_zlib.MAX_WBITS, encoding)
    if encoding == "br" and _brotli is not None:
        return _brotli_decoder()
    if encoding == "zstd" and _zstd is not None:
        return _zstd_decoder()
    return None
