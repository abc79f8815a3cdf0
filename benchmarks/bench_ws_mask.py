"""WebSocket masking at 1 KiB, 64 KiB and 1 MiB: our twins vs aiohttp's compiled and
pure-Python masks, and a same-size ``bytearray`` copy as the memory-bandwidth baseline.

Every implementation masks the same preallocated ``bytearray`` in place (the input
drifts between rounds, which changes nothing for an XOR); the baseline copies it."""

import importlib
from typing import Any

import pytest
from tests.vectors.ws_mask import SIZES, oracle

KEY = b"\x37\xfa\x21\x3d"
IMPLS = ["ours-py", "ours-c", "aiohttp-py", "aiohttp-c"]


def mask_function(impl: str) -> Any:
    side, kind = impl.split("-")
    if side == "ours":
        try:
            return importlib.import_module(f"aiohttp_client._sansio._ws_mask_{kind}").websocket_mask
        except ImportError as exc:
            pytest.skip(f"compiled twin not built ({exc})")
    if kind == "c":
        return importlib.import_module("aiohttp._websocket.mask")._websocket_mask_cython
    return importlib.import_module("aiohttp._websocket.helpers")._websocket_mask_python


@pytest.fixture(scope="module", params=list(SIZES))
def size(request: Any) -> str:
    return str(request.param)


def _label(benchmark: Any, size: str, impl: str) -> None:
    benchmark.group = f"ws_mask {size}"
    benchmark.extra_info.update(suite="ws_mask", item=size, mode="in-place", impl=impl)


@pytest.mark.parametrize("impl", IMPLS)
def test_mask(benchmark: Any, size: str, impl: str) -> None:
    fn = mask_function(impl)
    original = bytes(range(256)) * (SIZES[size] // 256)
    check = bytearray(original)
    fn(KEY, check)
    assert bytes(check) == oracle(KEY, original)
    data = bytearray(original)
    _label(benchmark, size, impl)
    benchmark(fn, KEY, data)


def test_bytearray_copy(benchmark: Any, size: str) -> None:
    data = bytearray(range(256)) * (SIZES[size] // 256)
    _label(benchmark, size, "copy")
    benchmark(bytearray, data)
