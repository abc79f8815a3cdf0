"""The zlib backends of gzip and deflate (issue 20, section 2): zlib-ng
(``zlib_ng.zlib_ng``, the ``speedups`` extra) is the default where it imports, ISA-L
(``isal.isal_zlib``) next, the stdlib :mod:`zlib` last; ``set_zlib_backend`` overrides.
Every installed backend decodes the same vectors to the same bytes, at every split
point, keeps the output cap (``SLICE`` per call: decompression bombs stay bounded),
and turns the same broken streams into ``ContentEncodingError``; end to end on a raw
loopback peer the client reads the same body with each of them.

On PyPy (lane 3) neither zlib-ng nor ISA-L builds (their wheels are CPython-only and
their sources do not compile against PyPy 3.9): the stdlib zlib is the default there,
and :func:`test_the_default_backend` checks exactly that.
"""

import gzip
import importlib
import subprocess
import sys
import types
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aiohttp_client as aiohttp
from _raw_helpers import response
from _servers import Reply, run
from aiohttp_client._sansio import _compression
from aiohttp_client.http_exceptions import ContentEncodingError

_IS_PYPY = sys.implementation.name == "pypy"


def _importable(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_ZLIB_NG = _importable("zlib_ng.zlib_ng")
_ISAL = _importable("isal.isal_zlib")

# A backend with only decompressobj() (as PyPy's and CPython 3.11's zlib): the decoder's
# path for backends without a buffering ``_ZlibDecompressor`` runs on every Python.
_DECOMPRESSOBJ_ONLY = types.SimpleNamespace(
    __name__="zlib (decompressobj only)",
    MAX_WBITS=zlib.MAX_WBITS,
    error=zlib.error,
    decompressobj=zlib.decompressobj,
)
BACKENDS = {
    "zlib": zlib,
    "zlib-decompressobj-only": _DECOMPRESSOBJ_ONLY,
    **({"zlib_ng": _ZLIB_NG} if _ZLIB_NG else {}),
    **({"isal": _ISAL} if _ISAL else {}),
}


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    before = _compression._zlib
    _compression.set_zlib_backend(BACKENDS[request.param])
    try:
        yield request.param
    finally:
        _compression.set_zlib_backend(before)


def test_the_default_backend() -> None:
    if _IS_PYPY:
        # zlib-ng and isal do not install on PyPy 3.9 (pyproject: CPython markers).
        assert _ZLIB_NG is None and _ISAL is None
        assert _compression._default_zlib() is zlib
    else:
        # tools/test installs the speedups extra into the CPython venv: zlib-ng is there.
        assert _ZLIB_NG is not None, "zlib-ng (speedups extra) is not installed"
        assert _compression._default_zlib() is _ZLIB_NG
    # What a fresh process decodes with (other tests here switch the backend and back).
    code = "from aiohttp_client._sansio import _compression; print(_compression._zlib.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == _compression._default_zlib().__name__


def test_set_zlib_backend_overrides_the_default() -> None:
    before = _compression._zlib
    calls = []

    class Spy:
        MAX_WBITS = zlib.MAX_WBITS
        error = zlib.error

        @staticmethod
        def decompressobj(wbits: int) -> Any:
            calls.append(wbits)
            return zlib.decompressobj(wbits)

    aiohttp.set_zlib_backend(Spy)
    try:
        decoder = _compression.make_decoder("gzip")
        assert decoder is not None
        decoder.feed(gzip.compress(b"spy", mtime=0))
        assert decoder.next_piece() == b"spy"
    finally:
        aiohttp.set_zlib_backend(before)
    assert calls == [16 + zlib.MAX_WBITS]


@pytest.mark.cpython  # deselected on PyPy: zlib-ng installs on CPython only (its wheels and sources)
def test_a_backend_with_a_buffering_decompressor_decodes_with_it() -> None:
    """zlib-ng's ``_ZlibDecompressor`` keeps unconsumed input itself (no
    ``unconsumed_tail`` copy per capped call, issue 20 section 2): the decoder uses it
    when the backend has one, and ``decompressobj`` otherwise.
    """
    assert _ZLIB_NG is not None, "zlib-ng (speedups extra) is not installed"
    made: list[int] = []

    def factory(wbits: int) -> Any:
        made.append(wbits)
        return _ZLIB_NG._ZlibDecompressor(wbits)

    def no_decompressobj(wbits: int) -> Any:
        raise AssertionError("decompressobj used although _ZlibDecompressor exists")

    spy = types.SimpleNamespace(
        MAX_WBITS=_ZLIB_NG.MAX_WBITS, error=_ZLIB_NG.error, _ZlibDecompressor=factory, decompressobj=no_decompressobj
    )
    before = _compression._zlib
    aiohttp.set_zlib_backend(spy)
    try:
        out = _decode("gzip", _VECTORS["gzip members"][1], 4096)
    finally:
        aiohttp.set_zlib_backend(before)
    assert b"".join(out) == _VECTORS["gzip members"][2]
    assert made == [16 + zlib.MAX_WBITS] * 4  # one per member


@pytest.mark.parametrize("slices", [1, 2, 3])
def test_output_ending_exactly_at_a_slice_boundary(backend: str, slices: int) -> None:
    """All input consumed by a call whose output filled the cap: the decoder still
    asks for the rest (a buffering decompressor may report that it needs input
    while output is pending), and the end of the stream is not taken for truncation.
    """
    data = bytes(range(256)) * (_compression.SLICE * slices // 256)
    for coding, coded in (("gzip", gzip.compress(data, 9, mtime=0)), ("deflate", zlib.compress(data, 9))):
        for piece in (len(coded), 5):
            out = _decode(coding, coded, piece)
            assert b"".join(out) == data, (coding, piece)
            assert all(len(p) <= _compression.SLICE for p in out)


def _raw_deflate(data: bytes) -> bytes:
    obj = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


_TEXT = b"".join(b"%06d GET /item/%d 200\n" % (i, i * 7919 % 1000) for i in range(20000))
_VECTORS = {
    "gzip": ("gzip", gzip.compress(_TEXT, 1, mtime=0), _TEXT),
    "gzip members": (
        "gzip",
        b"".join(gzip.compress(p, 6, mtime=0) for p in (b"alpha", b"", _TEXT[:5000], b"omega")),
        b"alpha" + _TEXT[:5000] + b"omega",
    ),
    "deflate zlib": ("deflate", zlib.compress(_TEXT, 9), _TEXT),
    "deflate raw": ("deflate", _raw_deflate(_TEXT), _TEXT),
    "gzip empty": ("gzip", gzip.compress(b"", mtime=0), b""),
}


def _decode(coding: str, coded: bytes, piece: int) -> "list[bytes]":
    decoder = _compression.make_decoder(coding, max_members=10**6)
    assert decoder is not None
    out = []
    for i in range(0, len(coded), piece):
        decoder.feed(coded[i : i + piece])
        for _ in range(len(_TEXT)):  # bounded
            got = decoder.next_piece()
            if not got:
                break
            out.append(got)
    out.append(decoder.flush())
    return out


@pytest.mark.parametrize("vector", list(_VECTORS))
@pytest.mark.parametrize("piece", [1, 7, 4096, 10**7])
def test_every_backend_decodes_the_vectors_alike(backend: str, vector: str, piece: int) -> None:
    coding, coded, expected = _VECTORS[vector]
    out = _decode(coding, coded, piece)
    assert b"".join(out) == expected
    assert all(len(p) <= _compression.SLICE for p in out)


@settings(max_examples=60, deadline=None)
@given(vector=st.sampled_from(list(_VECTORS)), cuts=st.lists(st.integers(0, 10**6), max_size=6))
def test_backends_agree_at_any_split(vector: str, cuts: "list[int]") -> None:
    coding, coded, expected = _VECTORS[vector]
    bounds = sorted({0, len(coded), *(c % (len(coded) + 1) for c in cuts)})
    before = _compression._zlib
    try:
        for lib in BACKENDS.values():
            _compression.set_zlib_backend(lib)
            decoder = _compression.make_decoder(coding)
            assert decoder is not None
            out = []
            for start, end in zip(bounds, bounds[1:]):
                decoder.feed(coded[start:end])
                for _ in range(1000):
                    got = decoder.next_piece()
                    if not got:
                        break
                    out.append(got)
            out.append(decoder.flush())
            assert b"".join(out) == expected, lib
    finally:
        _compression.set_zlib_backend(before)


def test_a_bomb_is_handed_out_in_capped_slices(backend: str) -> None:
    size = 64 * 2**20
    coded = gzip.compress(b"\0" * size, 9, mtime=0)  # about 64 KiB coded
    decoder = _compression.make_decoder("gzip")
    assert decoder is not None
    decoder.feed(coded)
    first = decoder.next_piece()
    assert 0 < len(first) <= _compression.SLICE  # nothing more decoded until asked
    total = len(first)
    for _ in range(size // 1024):  # bounded
        got = decoder.next_piece()
        if not got:
            break
        assert len(got) <= _compression.SLICE
        total += len(got)
    total += len(decoder.flush())
    assert total == size


def _corrupt_crc(data: bytes) -> bytes:
    out = bytearray(data)
    out[-8] ^= 0x01
    return bytes(out)


_BROKEN = {
    "truncated gzip": ("gzip", gzip.compress(_TEXT, 1, mtime=0)[:-100]),
    "truncated deflate": ("deflate", zlib.compress(_TEXT)[:-10]),
    "bad gzip crc": ("gzip", _corrupt_crc(gzip.compress(_TEXT[:3000], 1, mtime=0))),
    "garbage after a member": ("gzip", gzip.compress(b"a", mtime=0) + b"garbage!!!"),
    "not gzip at all": ("gzip", b"this is not gzip data, not at all"),
    "data after deflate": ("deflate", zlib.compress(b"abc") + b"x"),
}


@pytest.mark.parametrize("case", list(_BROKEN))
def test_broken_streams_fail_alike(backend: str, case: str) -> None:
    coding, coded = _BROKEN[case]
    with pytest.raises(ContentEncodingError):
        _decode(coding, coded, 4096)


def test_end_to_end_every_backend_reads_the_same_body(raw_server: Any, backend: str) -> None:
    coding, coded, expected = _VECTORS["gzip members"]
    size = 7  # 7-byte chunks: member boundaries fall inside chunks
    pieces = [coded[i : i + size] for i in range(0, len(coded), size)]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    head = response(b"200 OK", b"Content-Encoding: gzip", b"Transfer-Encoding: chunked")
    srv = raw_server(Reply.of(head + body + b"0\r\n\r\n"))

    async def main() -> bytes:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                return await resp.read()

    assert run(main(), timeout=30) == expected
