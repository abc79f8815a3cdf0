"""Content-coding decoders (RFC 9110 §8.4.1): gzip, deflate, br, zstd.

Each decoder takes compressed bytes with :meth:`feed` and hands decoded bytes out in
bounded slices with :meth:`next_piece`, so a small compressed body (a "zip bomb")
can never make one call allocate more than ``SLICE`` bytes: the caller pulls one
slice at a time and may stop pulling while its reader is paused.  :meth:`flush`
checks that the stream ended properly.

``deflate`` is the zlib format (RFC 1950) by the RFC, but some servers send raw
deflate (RFC 1951): the decoder tries zlib first and switches to raw deflate if the
first bytes are not a zlib header, as browsers do.

``br`` needs Brotli >= 1.2 (CPython) or brotlicffi >= 1.2 (PyPy), whose decompressor
takes an ``output_buffer_limit``; ``zstd`` needs ``compression.zstd`` (Python 3.14) or
``backports.zstd``, whose ``decompress`` takes a ``max_length`` — the ``speedups``
extra.  Older versions without an output cap are not used: such a coding is then
not offered in Accept-Encoding and passed through undecoded.  Up to ``MAX_CODINGS``
codings may be chained (``Content-Encoding: gzip, br``).
"""

import collections
import importlib
import zlib
from typing import Any, Optional

from ..http_exceptions import ContentEncodingError

__all__ = (
    "SLICE",
    "MAX_CODINGS",
    "ContentDecoder",
    "chain",
    "make_decoder",
    "make_transfer_decoder",
    "set_zlib_backend",
    "supported_encodings",
)

SLICE = 65536  # largest piece one next_piece() call returns, in bytes (a 64 KiB read takes it whole)
IN_SLICE = 16384  # coded bytes handed to zlib per call (bounds the tail zlib copies)

_zlib: Any = zlib


def _optional_module(*names: str) -> Any:
    """The first of *names* that imports, or ``None`` (optional ``speedups`` extra)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _bounded_brotli() -> Any:
    """Brotli (or brotlicffi) only if its decompressor can cap its output."""
    module = _optional_module("brotli", "brotlicffi")
    if module is None or not hasattr(module.Decompressor(), "can_accept_more_data"):
        return None
    return module


_brotli: Any = _bounded_brotli()
_zstd_mod: Any = _optional_module("compression.zstd", "backports.zstd")


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
    if _zstd_mod is not None:
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
    """gzip and deflate.  Fed pieces are queued as they are (no joining), and handed
    to zlib ``IN_SLICE`` bytes at a time (a view, no copy), so the unconsumed tail zlib
    copies after each bounded output slice is never more than ``IN_SLICE`` bytes.
    """

    def __init__(self, wbits: int, encoding: str) -> None:
        self._wbits = wbits
        self._encoding = encoding
        self._obj = _zlib.decompressobj(wbits)
        self._inputs: collections.deque[bytes] = collections.deque()
        self._pos = 0  # bytes of _inputs[0] already handed to zlib
        self._tail = b""  # what zlib did not consume of the last slice
        self._started = False

    def feed(self, data: bytes) -> None:
        if data:
            self._inputs.append(data)

    def next_piece(self) -> bytes:
        obj = self._obj
        inputs = self._inputs
        while not obj.eof:
            data: Any = self._tail
            if not data:
                if inputs and self._pos >= len(inputs[0]):
                    inputs.popleft()
                    self._pos = 0
                if not inputs:
                    return b""
                data = memoryview(inputs[0])[self._pos : self._pos + IN_SLICE]
                self._pos += len(data)
            try:
                out: bytes = obj.decompress(data, SLICE)
            except _zlib.error as exc:
                if self._started or self._wbits != _zlib.MAX_WBITS:
                    raise ContentEncodingError(f"Can not decode content-encoding: {self._encoding}: {exc}") from exc
                # Not a zlib stream: servers that send raw deflate as "deflate" exist.
                self._wbits = -_zlib.MAX_WBITS
                self._obj = obj = _zlib.decompressobj(self._wbits)
                self._pos, self._tail = 0, b""  # from the first byte again (nothing was popped)
                continue
            self._started = True
            self._tail = obj.unconsumed_tail
            if out:
                return out
        inputs.clear()  # after the end of the stream: ignored
        self._pos, self._tail = 0, b""
        return b""

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


class _BrotliDecoder(ContentDecoder):
    """Brotli >= 1.2 (or brotlicffi with the same API): ``process`` with an
    ``output_buffer_limit``, so one call returns at most ``SLICE`` bytes.
    """

    def __init__(self) -> None:
        self._obj = _brotli.Decompressor()
        self._input = b""
        self._seen = False

    def feed(self, data: bytes) -> None:
        self._input = self._input + data if self._input else data

    def next_piece(self) -> bytes:
        obj = self._obj
        while True:
            # Input only when the decoder asks for it; else pull buffered output.
            data = b""
            if self._input and obj.can_accept_more_data():
                data, self._input = self._input, b""
            try:
                out: bytes = obj.process(data, output_buffer_limit=SLICE)
            except Exception as exc:
                raise ContentEncodingError(f"Can not decode content-encoding: br: {exc}") from exc
            self._seen = True
            if out:
                return out
            if not data and not (self._input and obj.can_accept_more_data()):
                return b""

    def flush(self) -> bytes:
        if self._seen and not self._obj.is_finished():
            raise ContentEncodingError("Can not decode content-encoding: br: truncated")
        return b""


class _ZstdDecoder(ContentDecoder):
    """``compression.zstd`` (Python 3.14) or its backport: ``decompress`` with a
    ``max_length``, so one call returns at most ``SLICE`` bytes.  Concatenated
    frames are decoded one after another (RFC 8878 §3.1).
    """

    def __init__(self) -> None:
        self._obj = _zstd_mod.ZstdDecompressor()
        self._input = b""
        self._seen = False

    def feed(self, data: bytes) -> None:
        self._input = self._input + data if self._input else data
        self._seen = True

    def next_piece(self) -> bytes:
        obj = self._obj
        while True:
            if obj.eof:
                rest = obj.unused_data + self._input
                if not rest:
                    return b""
                obj = self._obj = _zstd_mod.ZstdDecompressor()
                self._input = rest
            if obj.needs_input:
                data, self._input = self._input, b""
                if not data:
                    return b""
            else:
                data = b""
            try:
                out: bytes = obj.decompress(data, SLICE)
            except Exception as exc:
                raise ContentEncodingError(f"Can not decode content-encoding: zstd: {exc}") from exc
            if out:
                return out

    def flush(self) -> bytes:
        if self._seen and not self._obj.eof:
            raise ContentEncodingError("Can not decode content-encoding: zstd: truncated")
        return b""


class _FailingDecoder(ContentDecoder):
    """A transfer coding we cannot decode: the body fails instead of being handed
    out still coded (RFC 9112 §6.1).
    """

    def __init__(self, coding: str) -> None:
        self._coding = coding

    def feed(self, data: bytes) -> None:
        raise ContentEncodingError(f"Can not decode: {self._coding}")

    def next_piece(self) -> bytes:
        return b""


class _ChainDecoder(ContentDecoder):
    """Codings applied in order (``gzip, br``: gzip first): decoded in reverse, each
    stage pulling bounded slices from the one before it.
    """

    def __init__(self, stages: "list[ContentDecoder]") -> None:
        self._stages = stages  # in decoding order

    def feed(self, data: bytes) -> None:
        self._stages[0].feed(data)

    def next_piece(self) -> bytes:
        return self._pull(len(self._stages) - 1)

    def _pull(self, index: int) -> bytes:
        stage = self._stages[index]
        while True:
            out = stage.next_piece()
            if out or index == 0:
                return out
            data = self._pull(index - 1)
            if not data:
                return b""
            stage.feed(data)

    def flush(self) -> bytes:
        out: list[bytes] = []
        for index, stage in enumerate(self._stages):
            tail = stage.flush()
            if index + 1 < len(self._stages):
                if tail:
                    self._stages[index + 1].feed(tail)
            elif tail:
                out.append(tail)
        last = self._stages[-1]
        while True:  # bounded by the (small) flushed tails fed above
            piece = last.next_piece()
            if not piece:
                return b"".join(out)
            out.append(piece)


MAX_CODINGS = 5  # longest chain of codings accepted (aiohttp's limit)


def _one_decoder(coding: str) -> Optional[ContentDecoder]:
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder(16 + _zlib.MAX_WBITS, coding)
    if coding == "deflate":
        return _ZlibDecoder(_zlib.MAX_WBITS, coding)
    if coding == "br" and _brotli is not None:
        return _BrotliDecoder()
    if coding == "zstd" and _zstd_mod is not None:
        return _ZstdDecoder()
    return None


def _codings(value: str) -> "list[str]":
    return [c for c in (c.strip(" \t").lower() for c in value.split(",")) if c and c != "identity"]


def make_decoder(encoding: str) -> Optional[ContentDecoder]:
    """A decoder for the Content-Encoding value *encoding* (one coding or a list in
    the order applied, RFC 9110 §8.4), or ``None`` when the body should be passed
    through unchanged (identity, or a coding this installation cannot decode).

    More than ``MAX_CODINGS`` codings give a decoder that fails (the body read
    raises ``ClientPayloadError``).
    """
    codings = _codings(encoding)
    if len(codings) > MAX_CODINGS:
        return _FailingDecoder(f"too many content codings ({len(codings)})")
    stages = [_one_decoder(c) for c in reversed(codings)]
    if not stages or any(s is None for s in stages):
        return None
    return stages[0] if len(stages) == 1 else _ChainDecoder(stages)  # type: ignore[arg-type]


def make_transfer_decoder(codings: "list[str]") -> Optional[ContentDecoder]:
    """A decoder for the transfer codings *codings* (``Transfer-Encoding`` without
    the final ``chunked``, RFC 9112 §6.1, §7); a coding we cannot decode gives a
    decoder that fails, never bytes still coded.
    """
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) > MAX_CODINGS:
        return _FailingDecoder(f"too many transfer codings ({len(codings)})")
    stages: list[ContentDecoder] = []
    for coding in reversed(codings):
        stage = _one_decoder(coding)
        stages.append(stage if stage is not None else _FailingDecoder(f"transfer-encoding {coding}"))
    return stages[0] if len(stages) == 1 else _ChainDecoder(stages)


def chain(first: Optional[ContentDecoder], second: Optional[ContentDecoder]) -> Optional[ContentDecoder]:
    """*first* then *second* (either may be ``None``)."""
    if first is None or second is None:
        return first or second
    return _ChainDecoder([first, second])
