"""Content-coding decoders (RFC 9110 §8.4.1): gzip, deflate, br, zstd.

Each decoder takes compressed bytes with :meth:`feed` and hands decoded bytes out in
bounded slices with :meth:`next_piece`, so a small compressed body (a "zip bomb")
can never make one call allocate more than ``SLICE`` bytes: the caller pulls one
slice at a time and may stop pulling while its reader is paused.  :meth:`flush`
checks that the stream ended properly.

A body may hold several units: a gzip body is a series of members (RFC 1952 §2.2) and
zstd data a series of frames (RFC 8878 §3.1); each is decoded, up to ``MAX_MEMBERS``
per body (aiohttp's limit, against many tiny members), in time linear in their size.
``deflate`` is one zlib stream (RFC 9110 §8.4.1.2, RFC 1950) and a brotli body one
stream (RFC 7932): bytes after its end are an error, as are bytes after a gzip
member that do not start another.  aiohttp 3.14 also decodes concatenated zlib
streams; RFC 9110 defines none, so we do not.

``deflate`` is the zlib format (RFC 1950) by the RFC, but some servers send raw
deflate (RFC 1951): the decoder reads the first two bytes and takes raw deflate when
they are not a zlib header, as browsers do.

``br`` needs Brotli >= 1.2 (CPython) or brotlicffi >= 1.2 (PyPy), whose decompressor
takes an ``output_buffer_limit``; ``zstd`` needs ``compression.zstd`` (Python 3.14) or
``backports.zstd``, whose ``decompress`` takes a ``max_length`` — the ``speedups``
extra.  Older versions without an output cap are not used: such a coding is then
not offered in Accept-Encoding, and a body coded with it fails at its head with a
message naming what to install (as aiohttp fails).  Up to ``MAX_CODINGS``
codings may be chained (``Content-Encoding: gzip, br``).
"""

import collections
import importlib
import sys
import zlib
from typing import Any, Optional

from ..http_exceptions import ContentEncodingError

__all__ = (
    "SLICE",
    "MAX_CODINGS",
    "MAX_MEMBERS",
    "ContentDecoder",
    "chain",
    "make_decoder",
    "make_transfer_decoder",
    "set_zlib_backend",
    "supported_encodings",
)

SLICE = 65536  # largest piece one next_piece() call returns, in bytes (a 64 KiB read takes it whole)
IN_SLICE = 16384  # coded bytes handed to a decoder per call (bounds the tail it copies)
BUFFERED_IN_SLICE = 65536  # the same for a decoder that keeps unconsumed input itself
_MIN_WINDOW = 64  # coded bytes handed to a decoder at the start of each member
MAX_MEMBERS = 1024  # gzip members / zstd frames accepted in one body (aiohttp's limit)

_IS_PYPY = sys.implementation.name == "pypy"


def _optional_module(*names: str) -> Any:
    """The first of *names* that imports, or ``None`` (optional ``speedups`` extra)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _default_zlib() -> Any:
    """The zlib API used for gzip and deflate until :func:`set_zlib_backend`: zlib-ng's
    (``zlib_ng.zlib_ng``, the ``speedups`` extra: about twice stdlib zlib's decoding
    rate) when it imports, else ISA-L's (``isal.isal_zlib``, where it installs and
    zlib-ng does not; second because its gzip header check is laxer: it accepts
    reserved FLG bits that RFC 1952 §2.3.1.2 says must fail), else the stdlib
    :mod:`zlib` (always on PyPy: neither package builds there).  Every backend gets
    the same output caps (``SLICE``).
    """
    return _optional_module("zlib_ng.zlib_ng", "isal.isal_zlib") or zlib


_zlib: Any = _default_zlib()


def _bounded_brotli() -> Any:
    """Brotli (or brotlicffi) only if its decompressor can cap its output."""
    module = _optional_module("brotli", "brotlicffi")
    if module is None or not hasattr(module.Decompressor(), "can_accept_more_data"):
        return None
    return module


_brotli: Any = _bounded_brotli()
_zstd_mod: Any = _optional_module("compression.zstd", "backports.zstd")


def set_zlib_backend(lib: Any) -> None:
    """Use *lib*, a module with zlib's API (e.g. :mod:`zlib`, ``zlib_ng.zlib_ng``,
    ``isal.isal_zlib``), for gzip and deflate from now on, instead of the default
    (zlib-ng when installed, see ``_default_zlib``); decoded output stays capped at
    ``SLICE`` bytes per call whatever the backend (reference: ``set_zlib_backend``).
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


class _Input:
    """Coded bytes waiting for a decoder: the fed pieces as they came (never joined),
    handed out as views of at most *limit* bytes; what the decoder did not consume of
    the last view is given back, so no coded byte is copied by us.
    """

    __slots__ = ("_pieces", "_pos")

    def __init__(self) -> None:
        self._pieces: collections.deque[bytes] = collections.deque()
        self._pos = 0  # bytes of _pieces[0] already handed out

    def add(self, data: bytes) -> None:
        if data:
            self._pieces.append(data)

    def __bool__(self) -> bool:
        pieces = self._pieces
        return len(pieces) > 1 or (bool(pieces) and self._pos < len(pieces[0]))

    def take(self, limit: int) -> memoryview:
        """Up to *limit* bytes (at least one, if any are left) from the front."""
        pieces = self._pieces
        if self._pos >= len(pieces[0]):
            pieces.popleft()
            self._pos = 0
        view = memoryview(pieces[0])[self._pos : self._pos + limit]
        self._pos += len(view)
        return view

    def give_back(self, n: int) -> None:
        """The last *n* bytes of the last :meth:`take` were not consumed."""
        self._pos -= n

    def peek(self, n: int) -> bytes:
        """The first *n* bytes (fewer if fewer are queued), not consumed."""
        out = b""
        pos = self._pos
        for piece in self._pieces:
            out += piece[pos : pos + n - len(out)]
            pos = 0
            if len(out) >= n:
                break
        return out


def _error(coding: str, why: object) -> ContentEncodingError:
    return ContentEncodingError(f"Can not decode content-encoding: {coding}: {why}")


def _window(member_in: int, most: int = IN_SLICE) -> int:
    """Coded bytes to hand a decoder for the member it has read *member_in* bytes of
    (at most *most*).

    A decoder copies what follows the end of its member (``unused_data``); starting
    each member with a small window that doubles as the member proves long keeps
    that copy under twice the member's size, so many small members cost time
    linear in their total size, never members × ``IN_SLICE``.
    """
    return min(most, max(_MIN_WINDOW, member_in))


def _zlib_wbits(head: bytes, wbits: int) -> int:
    """``deflate`` as a zlib stream (RFC 1950 §2.2: CM 8, CINFO <= 7, the header a
    multiple of 31) or, failing that, raw deflate (RFC 1951) as some servers send;
    *wbits* is the backend's ``MAX_WBITS``.
    """
    cmf, flg = head[0], head[1]
    return wbits if cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0 else -wbits


class _ZlibDecoder(ContentDecoder):
    """gzip and deflate.  gzip is a series of members (RFC 1952 §2.2), each decoded
    in turn, at most *max_members*; ``deflate`` is one zlib stream (RFC 9110
    §8.4.1.2), so bytes after its end are an error, as is anything after the last
    gzip member that does not start a valid member.

    With a backend that has a buffering ``_ZlibDecompressor`` (zlib-ng 1.x,
    CPython 3.12's zlib; not ISA-L 1.x: ``decompress(data, max_length)``,
    ``needs_input``, ``eof``, ``unused_data``), coded bytes go to it up to ``BUFFERED_IN_SLICE`` at a time and
    only when it asks for input: it keeps what a capped call did not consume.  With
    only ``decompressobj`` (PyPy's and CPython 3.11's zlib), coded bytes go to it at
    most ``IN_SLICE`` at a time and whatever it leaves unconsumed (its
    ``unconsumed_tail``, a copy per capped call) is given back.  Issue 20: the copies
    of that tail were most of the gap to zlib-ng's own rate.

    Pieces end at multiples of ``SLICE`` in the decoded stream: after a short piece
    (the input ran out) the next one is capped to reach the boundary, so that a
    consumer reading ``SLICE`` bytes at a time gets whole pieces again, not a join
    of two for every read from there on.
    """

    def __init__(self, encoding: str, max_members: int) -> None:
        self._encoding = encoding
        self._gzip = encoding != "deflate"
        self._max_members = max_members if self._gzip else 1
        self._members = 0
        self._obj: Any = None  # the current member's decompressor; None between members
        self._member_in = 0  # coded bytes of the current member consumed so far
        self._input = _Input()
        self._full = False  # the last call filled its cap: zlib may hold more output
        self._edge = 0  # decoded bytes so far, modulo SLICE
        self._lib = lib = _zlib  # one backend per body, even if set_zlib_backend() runs
        self._buffering: Any = getattr(lib, "_ZlibDecompressor", None)

    def feed(self, data: bytes) -> None:
        self._input.add(data)

    def _start_member(self) -> bool:
        if self._members >= self._max_members:
            if not self._gzip:
                raise _error(self._encoding, "data after the end of the stream")
            raise _error(self._encoding, f"more than {self._max_members} members")
        lib = self._lib
        if self._gzip:
            wbits = 16 + lib.MAX_WBITS
        else:
            head = self._input.peek(2)
            if len(head) < 2:
                return False  # the format is known from the first two bytes
            wbits = _zlib_wbits(head, lib.MAX_WBITS)
        self._members += 1
        factory = self._buffering
        self._obj = factory(wbits) if factory is not None else lib.decompressobj(wbits)
        self._member_in = 0
        return True

    def next_piece(self) -> bytes:
        if self._buffering is not None:
            return self._next_buffered()
        source = self._input
        while True:
            obj = self._obj
            if source:
                if obj is None:
                    if not self._start_member():
                        return b""
                    obj = self._obj
                data: Any = source.take(_window(self._member_in))
            elif obj is not None and self._full:
                data = b""
            else:
                return b""
            cap = SLICE - self._edge
            try:
                out: bytes = obj.decompress(data, cap)
            except self._lib.error as exc:
                raise _error(self._encoding, exc) from exc
            left = len(obj.unused_data if obj.eof else obj.unconsumed_tail)
            source.give_back(left)
            self._member_in += len(data) - left
            self._full = len(out) == cap
            self._edge = (self._edge + len(out)) % SLICE
            if obj.eof:
                self._obj = None
            if out:
                return out

    def _next_buffered(self) -> bytes:
        """:meth:`next_piece` with a ``_ZlibDecompressor``: input only when it needs
        some (then it holds none: what follows a member's end, ``unused_data``, is
        from the last take and is given back); a call whose output filled the cap is
        followed by one without input, whatever ``needs_input`` says.
        """
        source = self._input
        while True:
            obj = self._obj
            if obj is not None and (self._full or not obj.needs_input):
                data: Any = b""
            elif source:
                if obj is None:
                    if not self._start_member():
                        return b""
                    obj = self._obj
                data = source.take(_window(self._member_in, BUFFERED_IN_SLICE))
            else:
                return b""
            cap = SLICE - self._edge
            try:
                out: bytes = obj.decompress(data, cap)
            except self._lib.error as exc:
                raise _error(self._encoding, exc) from exc
            self._member_in += len(data)
            self._full = len(out) == cap
            self._edge = (self._edge + len(out)) % SLICE
            if obj.eof:
                left = len(obj.unused_data)
                source.give_back(left)
                self._member_in -= left
                self._obj = None
                self._full = False
            if out:
                return out

    def flush(self) -> bytes:
        obj = self._obj
        if obj is None:
            if self._input:  # a deflate body of one byte
                raise _error(self._encoding, "truncated")
            return b""
        if self._buffering is not None:  # its output was all pulled by next_piece()
            if not obj.eof:
                raise _error(self._encoding, "truncated")
            return b""
        try:
            tail: bytes = obj.flush()
        except self._lib.error as exc:  # pragma: no cover
            raise _error(self._encoding, exc) from exc
        if not obj.eof:
            raise _error(self._encoding, "truncated")
        return tail


class _BrotliDecoder(ContentDecoder):
    """Brotli >= 1.2 (or brotlicffi with the same API): ``process`` with an
    ``output_buffer_limit``, so one call returns at most ``SLICE`` bytes.  A brotli
    stream has no members (RFC 7932 §9.1): bytes after its end make the decoder fail.
    """

    def __init__(self) -> None:
        self._obj = _brotli.Decompressor()
        self._input = _Input()
        self._seen = False

    def feed(self, data: bytes) -> None:
        self._input.add(data)

    def next_piece(self) -> bytes:
        obj = self._obj
        source = self._input
        while True:
            # Input only when the decoder asks for it; else pull buffered output.
            data: Any = b""
            if source and obj.can_accept_more_data():
                data = source.take(IN_SLICE)
            try:
                out: bytes = obj.process(data, output_buffer_limit=SLICE)
            except Exception as exc:
                raise _error("br", exc) from exc
            self._seen = True
            if out:
                return out
            if not data and not (source and obj.can_accept_more_data()):
                return b""

    def flush(self) -> bytes:
        if self._seen and not self._obj.is_finished():
            raise _error("br", "truncated")
        return b""


class _ZstdDecoder(ContentDecoder):
    """``compression.zstd`` (Python 3.14) or its backport: ``decompress`` with a
    ``max_length``, so one call returns at most ``SLICE`` bytes.  Zstandard data is
    one or more frames (RFC 8878 §3.1), skippable frames included: each is decoded in
    turn, at most *max_members*.
    """

    def __init__(self, max_members: int) -> None:
        self._max_members = max_members
        self._frames = 0
        self._obj: Any = None  # the current frame's decompressor; None between frames
        self._member_in = 0
        self._input = _Input()

    def feed(self, data: bytes) -> None:
        self._input.add(data)

    def next_piece(self) -> bytes:
        source = self._input
        while True:
            obj = self._obj
            if obj is not None and not obj.needs_input:
                data: Any = b""  # output still buffered inside the decompressor
            elif not source:
                return b""
            else:
                if obj is None:
                    if self._frames >= self._max_members:
                        raise _error("zstd", f"more than {self._max_members} frames")
                    self._frames += 1
                    obj = self._obj = _zstd_mod.ZstdDecompressor()
                    self._member_in = 0
                data = source.take(_window(self._member_in))
            try:
                out: bytes = obj.decompress(data, SLICE)
            except Exception as exc:
                raise _error("zstd", exc) from exc
            self._member_in += len(data)
            if obj.eof:
                left = len(obj.unused_data)
                source.give_back(left)
                self._member_in -= left
                self._obj = None
            if out:
                return out

    def flush(self) -> bytes:
        if self._obj is not None:
            raise _error("zstd", "truncated")
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


def _one_decoder(coding: str, max_members: int = MAX_MEMBERS) -> Optional[ContentDecoder]:
    if coding in ("gzip", "x-gzip", "deflate"):
        return _ZlibDecoder(coding, max_members)
    if coding == "br" and _brotli is not None:
        return _BrotliDecoder()
    if coding == "zstd" and _zstd_mod is not None:
        return _ZstdDecoder(max_members)
    return None


def _missing_decoder(coding: str) -> ContentEncodingError:
    """A body coded with *coding*, which we know but cannot decode here (never offered
    in Accept-Encoding): an error naming what to install, not bytes still coded.
    """
    if coding == "zstd" and _IS_PYPY:
        how = "no zstd decoder with an output cap installs on PyPy"
    else:
        how = 'pip install "aiohttp_client[speedups]"'
    name = "brotli (br)" if coding == "br" else "zstandard (zstd)"
    return ContentEncodingError(f"Can not decode content-encoding: {name}. Please install the decoder: {how}")


def _codings(value: str) -> "list[str]":
    return [c for c in (c.strip(" \t").lower() for c in value.split(",")) if c and c != "identity"]


def make_decoder(encoding: str, max_members: int = MAX_MEMBERS) -> Optional[ContentDecoder]:
    """A decoder for the Content-Encoding value *encoding* (one coding or a list in
    the order applied, RFC 9110 §8.4), or ``None`` when the body should be passed
    through unchanged (identity, or a coding we do not know, as aiohttp does).

    More than ``MAX_CODINGS`` codings give a decoder that fails (the body read
    raises ``ClientPayloadError``), as do more than *max_members* gzip members or
    zstd frames in one body.

    :raises ContentEncodingError: ``br`` or ``zstd`` without its decoder installed.
    """
    codings = _codings(encoding)
    if len(codings) > MAX_CODINGS:
        return _FailingDecoder(f"too many content codings ({len(codings)})")
    for coding in codings:
        if coding in ("br", "zstd") and _one_decoder(coding) is None:
            raise _missing_decoder(coding)
    stages = [_one_decoder(c, max_members) for c in reversed(codings)]
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
