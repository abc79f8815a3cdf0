"""The sans-IO response reader: framing, 1xx, EOF, pause/resume without copies,
bounded decompression.  Runs against both twins through the conftest fixtures."""

import gzip
import zlib
from typing import Any

import pytest

from aiohttp_client._sansio._http_reader import BODY, DONE, HEAD
from aiohttp_client.http_exceptions import (
    BadStatusLine,
    ContentEncodingError,
    ContentLengthError,
    InvalidHeader,
    TransferEncodingError,
)


class Sink:
    """Records events; pauses when more than ``high`` body bytes are unconsumed."""

    def __init__(self, high: int = 0) -> None:
        self.events: list[tuple[str, Any]] = []
        self.high = high
        self.buffered = 0
        self.reading_paused = False

    def on_head(self, head: Any, framing: Any) -> None:
        self.events.append(("head", (head.status, framing.kind)))

    def on_body(self, data: bytes) -> None:
        assert data, "empty body pieces must not be delivered"
        self.events.append(("body", bytes(data)))
        self.buffered += len(data)
        if self.high and self.buffered > self.high:
            self.reading_paused = True

    def on_coded_body(self, n: int) -> None:
        self.coded = getattr(self, "coded", 0) + n

    def on_chunk_end(self) -> None:
        self.events.append(("chunk_end", None))

    def on_message_complete(self, trailers: Any) -> None:
        self.events.append(("complete", trailers))

    def consume(self) -> None:
        self.buffered = 0
        self.reading_paused = False

    @property
    def body(self) -> bytes:
        return b"".join(v for k, v in self.events if k == "body")

    @property
    def complete(self) -> bool:
        return any(k == "complete" for k, _ in self.events)


@pytest.fixture
def make_reader(head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any) -> Any:
    def make(sink: Sink, method: str = "GET", **kw: Any) -> Any:
        reader = response_reader_cls(sink, head_parser_cls=head_parser_cls, chunked_decoder_cls=chunked_decoder_cls)
        reader.start(method, **kw)
        return reader

    return make


def feed_all(reader: Any, data: bytes, step: int = 0) -> None:
    if not step:
        reader.feed(data)
        return
    for i in range(0, len(data), step):
        reader.feed(data[i : i + step])


@pytest.mark.parametrize("step", [0, 1, 7])
def test_content_length_body(make_reader: Any, step: int) -> None:
    sink = Sink()
    reader = make_reader(sink)
    feed_all(reader, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", step)
    assert sink.events[0] == ("head", (200, 1))
    assert sink.body == b"hello"
    assert sink.complete and reader.state == DONE and reader.leftover == b""


def test_content_length_body_whole_input_is_not_copied(make_reader: Any) -> None:
    sink = Sink()
    captured: list[bytes] = []
    sink.on_body = captured.append  # type: ignore[method-assign]
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n")
    block = bytes(range(256)) * 256
    reader.feed(block)
    assert captured[0] is block  # handed on as-is: no slice, no join


@pytest.mark.parametrize("step", [0, 1, 5])
def test_chunked_with_trailers(make_reader: Any, step: int) -> None:
    sink = Sink()
    reader = make_reader(sink)
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
    feed_all(reader, wire, step)
    assert sink.body == b"abcde"
    assert sink.events[-1] == ("complete", ((b"X-T", b"1"),))
    assert sum(1 for k, _ in sink.events if k == "chunk_end") == 2


def test_until_close_ends_at_eof(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\n\r\npart1")
    reader.feed(b"part2")
    assert not sink.complete and reader.state == BODY
    reader.feed_eof()
    assert sink.body == b"part1part2" and sink.complete


def test_read_until_eof_false_means_empty_body(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink, read_until_eof=False)
    reader.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    assert sink.complete and sink.body == b""


@pytest.mark.parametrize(
    "method,status_line",
    [("HEAD", b"HTTP/1.1 200 OK"), ("GET", b"HTTP/1.1 204 No Content"), ("GET", b"HTTP/1.1 304 Not Modified")],
)
def test_no_body_despite_content_length(make_reader: Any, method: str, status_line: bytes) -> None:
    sink = Sink()
    reader = make_reader(sink, method)
    reader.feed(status_line + b"\r\nContent-Length: 10\r\n\r\n")
    assert sink.complete and sink.body == b""
    assert reader.state == DONE


def test_interim_1xx_is_skipped(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
    assert sink.events == []
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert sink.events[0] == ("head", (200, 1)) and sink.body == b"ok"


def test_leftover_after_response_is_kept(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE")
    assert reader.leftover == b"GARBAGE"
    reader.feed(b"MORE")
    assert reader.leftover == b"GARBAGEMORE" and reader.state == DONE
    reader.leftover = b""  # dropped, as after a 101
    assert reader.leftover == b""


TWO = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc"


@pytest.mark.parametrize("how", ["resume", "feed", "feed_eof"])
def test_leftover_is_the_start_of_the_next_response(make_reader: Any, how: str) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(TWO[:-1])
    assert reader.state == DONE and reader.leftover.startswith(b"HTTP/1.1 201")
    reader.start("GET")  # keeps the bytes that followed the first response
    assert reader.state == HEAD and reader.leftover == b""
    if how == "resume":
        reader.resume()
        assert sink.events[-1] == ("body", b"ab")
        reader.feed(TWO[-1:])
    elif how == "feed":
        reader.feed(TWO[-1:])
    else:
        with pytest.raises(ContentLengthError, match="1 bytes missing"):
            reader.feed_eof()  # parses what was kept, then reports the cut-short body
        assert sink.events[-1] == ("body", b"ab")
        return
    assert [e for e in sink.events if e[0] == "head"] == [("head", (200, 1)), ("head", (201, 1))]
    assert sink.body == b"okabc" and reader.state == DONE and reader.leftover == b""


@pytest.mark.parametrize(
    "head,exc",
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", InvalidHeader),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", InvalidHeader),
        (b"HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n", InvalidHeader),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", InvalidHeader),
        (b"HTTP/1.1 2000 OK\r\n\r\n", BadStatusLine),
    ],
)
def test_framing_errors(make_reader: Any, head: bytes, exc: type) -> None:
    reader = make_reader(Sink())
    with pytest.raises(exc):
        reader.feed(head)


def test_equal_repeated_content_length_accepted(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok")
    assert sink.body == b"ok" and sink.complete


def test_truncated_content_length_body(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    with pytest.raises(ContentLengthError):
        reader.feed_eof()
    assert sink.body == b"0123456789"  # what was delivered stays delivered


def test_truncated_chunked_body(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    reader.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
    with pytest.raises(TransferEncodingError):
        reader.feed_eof()
    assert sink.body == b"hel"


def test_eof_during_head_is_left_to_the_caller(make_reader: Any) -> None:
    reader = make_reader(Sink())
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-")
    assert reader.state == HEAD and reader.has_partial_head
    reader.feed_eof()  # no exception: the I/O layer raises ServerDisconnectedError


def test_pause_keeps_offset_and_resumes(make_reader: Any) -> None:
    """Many tiny chunks: the decoder's piece cap returns control, the reader sees
    the sink paused, keeps (data, offset) and continues on resume()."""
    sink = Sink(high=100)
    reader = make_reader(sink)
    body = b"".join(b"1\r\n%c\r\n" % (65 + i % 26) for i in range(5000)) + b"0\r\n\r\n"
    reader.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    assert sink.reading_paused and not sink.complete
    delivered = len(sink.body)
    assert delivered < 5000
    for _ in range(10000):  # bounded
        if sink.complete:
            break
        sink.consume()
        reader.resume()
    assert sink.complete
    assert sink.body == bytes(65 + i % 26 for i in range(5000))


def test_gzip_decoded(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    payload = gzip.compress(b"hello world" * 1000)
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
    assert sink.body == b"hello world" * 1000 and sink.complete


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_zlib_and_raw(make_reader: Any, wbits: int) -> None:
    sink = Sink()
    reader = make_reader(sink)
    obj = zlib.compressobj(wbits=wbits)
    payload = obj.compress(b"deflated " * 500) + obj.flush()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n")
    reader.feed(b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n")
    assert sink.body == b"deflated " * 500 and sink.complete


def test_decompression_bomb_is_bounded(make_reader: Any) -> None:
    """64 MiB of zeros gzip to ~64 KiB; with a paused sink the reader must hold at
    most one slice beyond the high-water mark, not the whole inflated body."""
    sink = Sink(high=1 << 16)
    reader = make_reader(sink)
    obj = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    payload = obj.compress(b"\0" * (64 << 20)) + obj.flush()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload))
    reader.feed(payload)
    assert sink.reading_paused
    assert sink.buffered <= (1 << 16) + 65536
    total = sink.buffered
    for _ in range(5000):  # bounded; each round releases at most 128 KiB
        if sink.complete:
            break
        sink.consume()
        sink.events.clear()
        reader.resume()
        total += sink.buffered
        assert sink.buffered <= (1 << 16) + 65536
    assert sink.complete and total == 64 << 20


def test_bad_gzip_raises_content_encoding_error(make_reader: Any) -> None:
    reader = make_reader(Sink())
    with pytest.raises(ContentEncodingError):
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\nnot gzip!!")


def test_truncated_gzip_raises_at_end(make_reader: Any) -> None:
    sink = Sink()
    reader = make_reader(sink)
    payload = gzip.compress(b"x" * 10000)[:-12]
    with pytest.raises(ContentEncodingError):
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)


def test_keep_alive_decisions(make_reader: Any) -> None:
    cases = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\n\r\n", False),  # read until close
        (b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", False),  # faulty framing
    ]
    for wire, keep_alive in cases:
        reader = make_reader(Sink())
        reader.feed(wire)
        assert reader.framing is not None and reader.framing.keep_alive is keep_alive, wire


def test_data_with_no_request_outstanding_is_an_error(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    from aiohttp_client.http_exceptions import BadHttpMessage

    reader = response_reader_cls(Sink(), head_parser_cls=head_parser_cls, chunked_decoder_cls=chunked_decoder_cls)
    with pytest.raises(BadHttpMessage):
        reader.feed(b"HTTP/1.1 200 OK\r\n\r\n")
