"""Parsing through to the stream, on keep-alive streams of responses.

What one connection does with the bytes it receives: status-line and fields, framing,
chunked decoding, and the body delivered to each response's ``StreamReader``.  Each
item is 50 copies of one corpus response back to back (a kept-alive connection), fed
whole or in 7-byte pieces.

- ours: the per-connection reader twin (``_sansio._http_reader_<kind>.ResponseReader``)
  with the head-parser and chunked-decoder twins of the same kind, its events delivered
  to our ``StreamReader`` as ``_protocol.ResponseProtocol`` delivers them (one stream
  per response, which the reader feeds directly; restarted on the leftover bytes
  after each message);
- aiohttp 3.14.5: ``HttpResponseParser`` (compiled) and ``HttpResponseParserPy``, which
  feed their own ``StreamReader`` payloads.

Both sides build fresh parsers for every timed call; the check after timing compares
the body bytes each stream received.
"""

from collections.abc import Sequence
from typing import Any

import pytest

import _support
from _support import CORPUS, MODES
from aiohttp_client._sansio._framing import CHUNKED
from aiohttp_client._sansio._http_reader import DONE
from aiohttp_client.streams import StreamReader

ITEMS = ("10-field", "30-field-set-cookie", "10-chunk")
COPIES = 50
LIMIT = 2**30  # no flow-control pause on either side, as in the parser benchmarks


class _NoFlow:
    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _Sink:
    """What ``ResponseProtocol`` does with the reader's events, minus the I/O."""

    reading_paused = False

    def __init__(self) -> None:
        self.streams: list[StreamReader] = []
        self.stream: Any = None
        self.complete = False
        self._flow = _NoFlow()

    def on_head(self, head: Any, framing: Any) -> Any:
        self.stream = stream = StreamReader(self._flow, LIMIT)
        if framing.kind == CHUNKED:
            stream.begin_http_chunk_receiving()
        self.streams.append(stream)
        return stream

    def on_body(self, data: bytes) -> None:
        self.stream.feed_data(data)

    def on_chunk_end(self) -> None:
        self.stream.end_http_chunk_receiving()

    def on_message_complete(self, trailers: Any) -> None:
        self.stream.feed_eof()
        self.complete = True


def ours_stream(reader_cls: Any, head_parser_cls: Any, decoder_cls: Any, chunks: Sequence[bytes]) -> list[StreamReader]:
    sink = _Sink()
    reader = reader_cls(sink, head_parser_cls=head_parser_cls, chunked_decoder_cls=decoder_cls)
    reader.start("GET")
    for data in chunks:
        reader.feed(data)
        while reader.state == DONE:
            reader.start("GET")  # keeps the bytes that followed the response
            reader.resume()  # and continues with them
    return sink.streams


def aiohttp_stream(rival: _support.AiohttpRival, parser_cls: Any, chunks: Sequence[bytes]) -> list[Any]:
    return [payload for _msg, payload in rival.response(parser_cls, chunks)]


@pytest.fixture(scope="module", params=ITEMS)
def item(request: Any) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def expected(item: str) -> bytes:
    [(_msg, payload)] = _support.AiohttpRival().response(_support.AiohttpRival().parser_py, [CORPUS[item]])
    return _support.payload_bytes(payload)


def _label(benchmark: Any, item: str, mode: str, impl: str) -> None:
    benchmark.group = f"pipeline {item} x{COPIES} {mode}"
    benchmark.extra_info.update(suite="pipeline", item=item, mode=mode, impl=impl)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_ours(benchmark: Any, our_twin: Any, item: str, mode: str, kind: str, expected: bytes) -> None:
    head_parser_cls = our_twin(kind, "http_parser")
    decoder_cls = our_twin(kind, "chunked")
    reader_cls = our_twin(kind, "http_reader")
    chunks = _support.pieces(CORPUS[item] * COPIES, mode)
    _label(benchmark, item, mode, f"ours-{kind}")
    streams = benchmark(ours_stream, reader_cls, head_parser_cls, decoder_cls, chunks)
    assert len(streams) == COPIES
    assert all(s.read_nowait(-1) == expected for s in streams)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["py", "c"])
def test_aiohttp(
    benchmark: Any, rival: _support.AiohttpRival, item: str, mode: str, kind: str, expected: bytes
) -> None:
    parser_cls = rival.parser_cls(kind)
    if parser_cls is None:
        pytest.skip("aiohttp is installed without its compiled parser")
    chunks = _support.pieces(CORPUS[item] * COPIES, mode)
    _label(benchmark, item, mode, f"aiohttp-{kind}")
    payloads = benchmark(aiohttp_stream, rival, parser_cls, chunks)
    assert len(payloads) == COPIES
    assert all(_support.payload_bytes(p) == expected for p in payloads)
