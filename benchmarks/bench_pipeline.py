"""Parsing through to the stream, on keep-alive streams of responses.

What one connection does with the bytes it receives: status-line and fields, framing,
chunked decoding, and the body delivered to each response's ``StreamReader``.  Each
item is 50 copies of one corpus response back to back (a kept-alive connection), fed
whole or in 7-byte pieces.

- ours: the per-connection reader twin (``_sansio._http_reader_<kind>.ResponseReader``)
  with the head-parser and chunked-decoder twins of the same kind, its events delivered
  to our ``StreamReader`` as ``_protocols._protocol.ResponseProtocol`` delivers them (one stream
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

    def on_coded_body(self, n: int) -> None:
        self.stream.total_compressed_bytes = (self.stream.total_compressed_bytes or 0) + n

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


# -- a gzip-coded chunked body through the reader into the stream ------------------------

GZIP_TEXT = 8 * 1024 * 1024  # decoded bytes (the nginx scenario has 32 MiB; per MB it is the same)
GZIP_CHUNK = 4096  # chunk-data size: nginx emits one chunk per gzip buffer (4 KiB pages here)
FEED = 65536  # bytes per feed() call, as the transport hands them over
BACKENDS = ("zlib", "zlib_ng.zlib_ng", "isal.isal_zlib")


def _gzip_wire() -> tuple[bytes, bytes]:
    import zlib

    line = b"%08d: some compressible text for the gzip scenario, nginx codes it on the fly\n"
    text = b"".join(line % i for i in range(GZIP_TEXT // len(line) + 1))[:GZIP_TEXT]
    obj = zlib.compressobj(1, zlib.DEFLATED, 31)
    coded = obj.compress(text) + obj.flush()
    body = b"".join(
        b"%x\r\n%s\r\n" % (len(coded[i : i + GZIP_CHUNK]), coded[i : i + GZIP_CHUNK])
        for i in range(0, len(coded), GZIP_CHUNK)
    )
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
    return coded, head + body + b"0\r\n\r\n"


@pytest.fixture(scope="module")
def gzip_wire() -> tuple[bytes, list[bytes]]:
    coded, wire = _gzip_wire()
    return coded, [wire[i : i + FEED] for i in range(0, len(wire), FEED)]


@pytest.fixture(params=BACKENDS)
def zlib_backend(request: Any) -> Any:
    """Each zlib backend that is installed, set with ``set_zlib_backend`` (and reset
    to the default, zlib-ng when installed)."""
    import importlib

    from aiohttp_client._sansio import _compression

    try:
        lib = importlib.import_module(request.param)
    except ImportError:
        pytest.skip(f"{request.param} is not installed")
    before = _compression._zlib
    _compression.set_zlib_backend(lib)
    yield lib
    _compression.set_zlib_backend(before)


def ours_decode(reader_cls: Any, head_parser_cls: Any, decoder_cls: Any, chunks: Sequence[bytes]) -> int:
    """Feed *chunks* to the reader; after each feed a consumer takes what the stream
    holds in blocks of at most 64 KiB (as ``iter_chunked(65536)`` would), so decoded
    bytes are dropped as they come, as in the ceiling.  Returns the decoded byte count."""
    sink = _Sink()
    reader = reader_cls(sink, head_parser_cls=head_parser_cls, chunked_decoder_cls=decoder_cls)
    reader.start("GET")
    n = 0
    for data in chunks:
        reader.feed(data)
        block = sink.stream.read_nowait(65536)
        while block:
            n += len(block)
            block = sink.stream.read_nowait(65536)
    assert sink.complete
    return n


@pytest.mark.parametrize("kind", ["py", "c"])
def test_gzip_ours(benchmark: Any, our_twin: Any, zlib_backend: Any, gzip_wire: Any, kind: str) -> None:
    reader_cls = our_twin(kind, "http_reader")
    classes = (reader_cls, our_twin(kind, "http_parser"), our_twin(kind, "chunked"))
    benchmark.group = f"gzip {GZIP_TEXT >> 20} MiB chunked, decoded, {zlib_backend.__name__}"
    benchmark.extra_info.update(suite="gzip", item=zlib_backend.__name__, mode="64 KiB feeds", impl=f"ours-{kind}")
    assert benchmark(ours_decode, *classes, gzip_wire[1]) == GZIP_TEXT


def test_gzip_backend_alone(benchmark: Any, zlib_backend: Any, gzip_wire: Any) -> None:
    """The ceiling: the backend's decompressobj on the same coded bytes, 64 KiB in, 64 KiB
    output slices (as ``_client_worker.zlib_ceiling`` does for the nginx scenario)."""
    coded = memoryview(gzip_wire[0])

    def alone() -> int:
        d = zlib_backend.decompressobj(31)
        n = 0
        for i in range(0, len(coded), FEED):
            n += len(d.decompress(coded[i : i + FEED], 65536))
            while d.unconsumed_tail:
                n += len(d.decompress(d.unconsumed_tail, 65536))
        return n + len(d.flush())

    benchmark.group = f"gzip {GZIP_TEXT >> 20} MiB chunked, decoded, {zlib_backend.__name__}"
    benchmark.extra_info.update(suite="gzip", item=zlib_backend.__name__, mode="64 KiB feeds", impl="alone")
    assert benchmark(alone) == GZIP_TEXT
