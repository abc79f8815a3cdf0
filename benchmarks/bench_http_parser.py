"""Response parsing, whole responses: our head-parser twin + body decoding vs aiohttp's
response parsers (``aiohttp._http_parser.HttpResponseParser``, compiled, and
``aiohttp.http_parser.HttpResponseParserPy``), fed the same bytes whole and in 7-byte
pieces.  See ``_support`` for the fairness rules."""

from typing import Any

import pytest

import _support
from _support import CORPUS, ITEMS, MODES


@pytest.fixture(scope="module", params=ITEMS)
def item(request: Any) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def expected_body(item: str, rival: _support.AiohttpRival) -> bytes:
    """The body per aiohttp's pure-Python parser: what every implementation must return."""
    [(_msg, payload)] = rival.response(rival.parser_py, [CORPUS[item]])
    return _support.payload_bytes(payload)


def _label(benchmark: Any, item: str, mode: str, impl: str) -> None:
    benchmark.group = f"http_parser {item} {mode}"
    benchmark.extra_info.update(suite="http_parser", item=item, mode=mode, impl=impl)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_ours(benchmark: Any, our_twin: Any, item: str, mode: str, kind: str, expected_body: bytes) -> None:
    head_parser_cls = our_twin(kind, "http_parser")
    decoder_cls = our_twin(kind, "chunked") if _support.is_chunked(item) else None
    chunks = _support.pieces(CORPUS[item], mode)
    _label(benchmark, item, mode, f"ours-{kind}")
    body: list[bytes] = benchmark(_support.ours_response, head_parser_cls, decoder_cls, chunks)
    assert b"".join(body) == expected_body


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_aiohttp(
    benchmark: Any, rival: _support.AiohttpRival, item: str, mode: str, kind: str, expected_body: bytes
) -> None:
    parser_cls = rival.parser_cls(kind)
    if parser_cls is None:
        pytest.skip("aiohttp is installed without its compiled parser")
    chunks = _support.pieces(CORPUS[item], mode)
    _label(benchmark, item, mode, f"aiohttp-{kind}")
    messages: list[tuple[Any, Any]] = benchmark(rival.response, parser_cls, chunks)
    [(_msg, payload)] = messages
    assert _support.payload_bytes(payload) == expected_body


# -- the head alone -------------------------------------------------------------------
# The parser targets are about the head parser: here each corpus head has its
# framing fields replaced by ``Content-Length: 0``, so both sides parse exactly one head
# and no body (the body pieces of the whole-response suite above are sliced by Python
# harness code on our side, which dilutes the head parser's share in 7-byte mode).


def _head_only(item: str) -> bytes:
    wire = CORPUS[item]
    head = wire[: wire.index(b"\r\n\r\n") + 2]
    lines = [
        line for line in head.split(b"\r\n") if not line.lower().startswith((b"content-length:", b"transfer-encoding:"))
    ]
    return b"\r\n".join(lines[:-1]) + b"\r\nContent-Length: 0\r\n\r\n"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_ours_head(benchmark: Any, our_twin: Any, item: str, mode: str, kind: str) -> None:
    head_parser_cls = our_twin(kind, "http_parser")
    chunks = _support.pieces(_head_only(item), mode)
    benchmark.group = f"http_head {item} {mode}"
    benchmark.extra_info.update(suite="http_head", item=item, mode=mode, impl=f"ours-{kind}")

    def parse() -> Any:
        parser = head_parser_cls()
        for data in chunks:
            head, _end = parser.feed(data, 0)
            if head is not None:
                return head
        return None

    head = benchmark(parse)
    assert head is not None and head.headers["Content-Length"] == "0"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_aiohttp_head(benchmark: Any, rival: _support.AiohttpRival, item: str, mode: str, kind: str) -> None:
    parser_cls = rival.parser_cls(kind)
    if parser_cls is None:
        pytest.skip("aiohttp is installed without its compiled parser")
    chunks = _support.pieces(_head_only(item), mode)
    benchmark.group = f"http_head {item} {mode}"
    benchmark.extra_info.update(suite="http_head", item=item, mode=mode, impl=f"aiohttp-{kind}")
    messages: list[tuple[Any, Any]] = benchmark(rival.response, parser_cls, chunks)
    [(msg, _payload)] = messages
    assert msg.headers["Content-Length"] == "0"
