"""HeadParser: every response vector x every split strategy x both twins, plus the API."""

import sys
import time
from typing import Any, Callable

import pytest
from multidict import CIMultiDictProxy

from _feeding import STRATEGIES, applicable, drive_head, plans
from aiohttp_client._models import HttpVersion, HttpVersion10, HttpVersion11, ResponseHead
from aiohttp_client.http_exceptions import BadStatusLine, InvalidHeader, LineTooLong
from vectors import CORPUS, Error, Head, Incomplete, split_response
from vectors.http_response import CASES

MATRIX = [
    pytest.param(case, strategy, id=f"{case.id}-{strategy}")
    for case in CASES
    for strategy in STRATEGIES
    if applicable(strategy, case.completes)
]


def check_head(head: Any, expect: Head) -> None:
    assert type(head) is ResponseHead
    assert head.version == HttpVersion(*expect.version)
    assert type(head.version) is HttpVersion
    assert head.status == expect.status and type(head.status) is int
    assert head.reason == expect.reason and type(head.reason) is str
    assert head.raw_headers == expect.raw_headers
    assert type(head.raw_headers) is tuple
    for pair in head.raw_headers:
        assert type(pair) is tuple and len(pair) == 2
        assert type(pair[0]) is bytes and type(pair[1]) is bytes
    assert type(head.headers) is CIMultiDictProxy
    assert tuple(head.headers.items()) == expect.expected_headers()
    for name, value in head.headers.items():
        assert isinstance(name, str) and type(value) is str  # multidict hands out istr keys


@pytest.mark.parametrize(("case", "strategy"), MATRIX)
def test_vector(head_parser_cls: Any, case: Any, strategy: str) -> None:
    for plan in plans(strategy, case.wire):
        outcome = drive_head(head_parser_cls(**case.limits), plan.pieces, plan.start)
        expect = case.expect
        if isinstance(expect, Error):
            assert outcome[0] == "error", outcome
            assert outcome[1] is expect.cls, outcome
            assert expect.fragment in outcome[2], outcome
        elif isinstance(expect, Incomplete):
            assert outcome == ("incomplete", len(case.wire)), outcome
        else:
            assert outcome[0] == "head", outcome
            check_head(outcome[1], expect)
            assert outcome[2] == case.leftover + plan.extra


@pytest.mark.parametrize("name", ["10-field", "30-field-set-cookie", "10-chunk", "1MiB-chunked"])
def test_corpus_seven_byte_pieces(head_parser_cls: Any, name: str) -> None:
    """The benchmark feeding: the realistic heads in 7-byte pieces."""
    wire = CORPUS[name]
    head_bytes, body = split_response(wire)
    pieces = [wire[i : i + 7] for i in range(0, len(head_bytes) + 7, 7)]
    kind, head, leftover = drive_head(head_parser_cls(), pieces)
    assert kind == "head"
    assert head.status == 200 and head.version is HttpVersion11
    assert len(head.raw_headers) == head_bytes.count(b"\r\n") - 2
    assert body.startswith(leftover)


def test_corpus_field_counts(head_parser_cls: Any) -> None:
    counts = {}
    for name, wire in CORPUS.items():
        head, end = head_parser_cls().feed(wire)
        assert head is not None and wire[end:] == split_response(wire)[1]
        counts[name] = len(head.headers)
    assert counts["10-field"] == 10
    assert counts["30-field-set-cookie"] == 30
    head, _ = head_parser_cls().feed(CORPUS["30-field-set-cookie"])
    assert len(head.headers.getall("set-cookie")) == 5


def test_version_singletons(head_parser_cls: Any) -> None:
    parser = head_parser_cls()
    assert parser.feed(b"HTTP/1.1 200 OK\r\n\r\n")[0].version is HttpVersion11
    assert parser.feed(b"HTTP/1.0 200 OK\r\n\r\n")[0].version is HttpVersion10
    assert parser.feed(b"HTTP/1.0 200 OK\r\n")[0] is None
    assert parser.feed(b"\r\n")[0].version is HttpVersion10


def test_headers_are_case_insensitive(head_parser_cls: Any) -> None:
    head, _ = head_parser_cls().feed(b"HTTP/1.1 200 OK\r\ncontent-type: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
    assert head.headers["Content-Type"] == "a"
    assert head.headers.getall("X-A") == ["1", "2"]
    assert [name for name, _ in head.headers.items()] == ["content-type", "X-A", "x-a"]


def test_parser_is_reusable_after_a_head(head_parser_cls: Any) -> None:
    parser = head_parser_cls()
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: b\r\n\r\nbody"
    first, end = parser.feed(data)
    assert first.status == 100 and parser.pending == 0
    second, end2 = parser.feed(data, end)
    assert second.status == 200 and second.raw_headers == ((b"A", b"b"),)
    assert data[end2:] == b"body"


def test_pending_and_reset(head_parser_cls: Any) -> None:
    parser = head_parser_cls()
    assert parser.pending == 0
    assert parser.feed(b"HTTP/1.1 200 OK\r\nA:") == (None, 19)
    assert parser.pending == 19
    assert parser.feed(b" b", 1) == (None, 2)
    assert parser.pending == 20
    parser.reset()
    assert parser.pending == 0
    head, end = parser.feed(b"HTTP/1.1 404 Nope\r\n\r\n")
    assert head.status == 404 and end == 21


def test_partial_head_then_error_leaves_nothing_pending(head_parser_cls: Any) -> None:
    parser = head_parser_cls()
    parser.feed(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n")
    with pytest.raises(InvalidHeader):
        parser.feed(b"\r\n")
    assert parser.pending == 0


def test_start_past_the_end_takes_nothing(head_parser_cls: Any) -> None:
    parser = head_parser_cls()
    assert parser.feed(b"HTTP", 10) == (None, 4)
    assert parser.pending == 0


def test_negative_start_is_rejected(head_parser_cls: Any) -> None:
    with pytest.raises(ValueError):
        head_parser_cls().feed(b"HTTP/1.1 200 OK\r\n\r\n", -1)


def test_limits_are_attributes(head_parser_cls: Any) -> None:
    parser = head_parser_cls(max_line_size=10, max_field_size=20, max_headers=3)
    assert (parser.max_line_size, parser.max_field_size, parser.max_headers) == (10, 20, 3)
    default = head_parser_cls()
    assert (default.max_line_size, default.max_field_size, default.max_headers) == (8190, 8190, 128)
    with pytest.raises(LineTooLong):
        parser.feed(b"HTTP/1.1 200 OK\r\n\r\n")


def test_limit_counts_accumulated_bytes(head_parser_cls: Any) -> None:
    """A line split over many feeds cannot grow past its limit (checked per feed)."""
    parser = head_parser_cls(max_field_size=32)
    parser.feed(b"HTTP/1.1 200 OK\r\nX-Long: ")
    with pytest.raises(LineTooLong, match="response header"):
        for _ in range(100):  # bounded: the limit is hit after ~4 feeds
            parser.feed(b"vvvvvvvv")


def test_status_line_error_carries_the_line(head_parser_cls: Any) -> None:
    with pytest.raises(BadStatusLine) as info:
        head_parser_cls().feed(b"HTTP/1.1 2x0 OK\r\nA: b\r\n\r\n")
    assert info.value.args == ("HTTP/1.1 2x0 OK",)


def _feed_bytewise(parser_cls: Any, data: bytes) -> float:
    parser = parser_cls(max_line_size=1 << 22)
    feed = parser.feed
    pieces = [data[i : i + 1] for i in range(len(data))]
    began = time.process_time()
    for piece in pieces:
        feed(piece)
    return time.process_time() - began


def _best(fn: Callable[[], float], rounds: int = 3) -> float:
    """The least CPU time (``process_time``: time spent descheduled on a loaded machine
    does not count) of *rounds* runs."""
    return min(fn() for _ in range(rounds))


def test_bytewise_feeding_is_linear(head_parser_cls: Any) -> None:
    """No rescans: feeding a long line byte by byte costs O(n), not O(n**2)."""
    small = b"HTTP/1.1 200 " + b"r" * 20_000
    large = b"HTTP/1.1 200 " + b"r" * 80_000
    ratio = _best(lambda: _feed_bytewise(head_parser_cls, large)) / _best(
        lambda: _feed_bytewise(head_parser_cls, small)
    )
    assert ratio < 10, ratio  # linear is ~4, quadratic would be ~16


def test_many_lines_bytewise_is_linear(head_parser_cls: Any) -> None:
    """Line and count bookkeeping is incremental too."""

    def run(n: int) -> float:
        parser = head_parser_cls(max_headers=10_000)
        data = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * n
        pieces: list[bytes] = [data[i : i + 1] for i in range(len(data))]
        began = time.process_time()
        for piece in pieces:
            parser.feed(piece)
        return time.process_time() - began

    ratio = _best(lambda: run(8000)) / _best(lambda: run(2000))
    assert ratio < 10, ratio


@pytest.mark.c_extension
def test_compiled_twin_takes_any_buffer() -> None:
    from aiohttp_client._sansio._http_parser_c import HeadParser

    data = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nrest"
    expected = HeadParser().feed(data)
    for buf in (bytearray(data), memoryview(data)):
        head, end = HeadParser().feed(buf)
        assert (head, end) == expected
        assert type(head.raw_headers[0][0]) is bytes
    parser = HeadParser()
    assert parser.feed(memoryview(data)[:10]) == (None, 10)
    assert parser.feed(bytearray(data[10:])) == (expected[0], len(data) - 10 - 4)


def _pairs(head: Any) -> tuple[Any, ...]:
    return tuple(head.headers.items())


def test_big_head_then_small_head(head_parser_cls: Any) -> None:
    """A large partial head (buffer grows) followed by ordinary heads."""
    parser = head_parser_cls()
    big = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%03d: %s\r\n" % (i, b"v" * 200) for i in range(100)) + b"\r\n"
    for i in range(0, len(big), 1000):
        head, end = parser.feed(big[i : i + 1000])
    assert head is not None and len(head.raw_headers) == 100
    head, end = parser.feed(b"HTTP/1.1 204 No Content\r\nA: b\r\n\r\n")
    assert head.status == 204 and _pairs(head) == (("A", "b"),)


def test_huge_limits_mean_no_limit(head_parser_cls: Any) -> None:
    """sys.maxsize as "no limit" must not overflow the compiled twin's arithmetic."""
    huge = sys.maxsize
    parser = head_parser_cls(max_line_size=huge, max_field_size=huge, max_headers=huge)
    assert parser.feed(b"HTTP/1.1 200 OK\r\nA: b\r\n") == (None, 23)
    head, end = parser.feed(b"\r\n")
    assert head.raw_headers == ((b"A", b"b"),) and end == 2
