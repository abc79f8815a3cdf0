"""Chunked transfer coding, body alone: our chunked-decoder twins vs aiohttp's
pure-Python ``HttpPayloadParser`` (configured as its response parser configures it),
fed the same bytes whole and in 7-byte pieces.

aiohttp has no stand-alone compiled chunked decoder (llhttp decodes chunks inside the
response parser), so its compiled side is ``HttpResponseParser`` fed a two-field head
followed by the same body; the ratio table marks that pairing with ``*``."""

from typing import Any

import pytest

import _support
from _support import CHUNKED_ITEMS, CORPUS, MODES

MINIMAL_HEAD = b"HTTP/1.1 200 OK\r\nServer: x\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.fixture(scope="module", params=CHUNKED_ITEMS)
def item(request: Any) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def chunked_body(item: str) -> bytes:
    _head, body = _support.split_head(CORPUS[item])
    return body


@pytest.fixture(scope="module")
def expected_body(chunked_body: bytes, rival: _support.AiohttpRival) -> bytes:
    return _support.payload_bytes(rival.chunked_body([chunked_body]))


def _label(benchmark: Any, item: str, mode: str, impl: str) -> None:
    benchmark.group = f"chunked {item} {mode}"
    benchmark.extra_info.update(suite="chunked", item=item, mode=mode, impl=impl)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_ours(
    benchmark: Any, our_twin: Any, item: str, mode: str, kind: str, chunked_body: bytes, expected_body: bytes
) -> None:
    decoder_cls = our_twin(kind, "chunked")
    chunks = _support.pieces(chunked_body, mode)
    _label(benchmark, item, mode, f"ours-{kind}")
    body: list[bytes] = benchmark(_support.ours_chunked_body, decoder_cls, chunks)
    assert b"".join(body) == expected_body


@pytest.mark.parametrize("mode", MODES)
def test_aiohttp_py(
    benchmark: Any, rival: _support.AiohttpRival, item: str, mode: str, chunked_body: bytes, expected_body: bytes
) -> None:
    chunks = _support.pieces(chunked_body, mode)
    _label(benchmark, item, mode, "aiohttp-py")
    payload = benchmark(rival.chunked_body, chunks)
    assert _support.payload_bytes(payload) == expected_body


@pytest.mark.parametrize("mode", MODES)
def test_aiohttp_c(
    benchmark: Any, rival: _support.AiohttpRival, item: str, mode: str, chunked_body: bytes, expected_body: bytes
) -> None:
    if rival.parser_c is None:
        pytest.skip("aiohttp is installed without its compiled parser")
    chunks = _support.pieces(MINIMAL_HEAD + chunked_body, mode)
    _label(benchmark, item, mode, "aiohttp-c")
    [(_msg, payload)] = benchmark(rival.response, rival.parser_c, chunks)
    assert _support.payload_bytes(payload) == expected_body
