"""ChunkedDecoder: every chunked vector x every split strategy x both twins, plus the API."""

import random
import sys
from typing import Any

import pytest

from _feeding import STRATEGIES, applicable, drive_chunked, plans, random_pieces
from aiohttp_client.http_exceptions import TransferEncodingError
from vectors import Body, Error
from vectors.chunked import BODY_CORPUS, CASES

MATRIX = [
    pytest.param(case, strategy, id=f"{case.id}-{strategy}")
    for case in CASES
    for strategy in STRATEGIES
    if applicable(strategy, case.completes)
]


def check(case: Any, outcome: Any, extra: bytes) -> None:
    expect = case.expect
    if isinstance(expect, Error):
        assert outcome[0] == "error", outcome
        assert outcome[1] is expect.cls, outcome
        assert expect.fragment in outcome[2], outcome
        return
    assert isinstance(expect, Body)
    if expect.done:
        assert outcome == ("done", expect.data, expect.chunks, expect.trailers, case.leftover + extra), outcome
        assert type(outcome[3]) is tuple
    else:
        assert outcome == ("incomplete", expect.data, expect.chunks), outcome


@pytest.mark.parametrize(("case", "strategy"), MATRIX)
def test_vector(chunked_decoder_cls: Any, case: Any, strategy: str) -> None:
    for plan in plans(strategy, case.wire):
        outcome = drive_chunked(chunked_decoder_cls(**case.limits), plan.pieces, plan.start)
        check(case, outcome, plan.extra)


@pytest.mark.parametrize("name", sorted(BODY_CORPUS))
@pytest.mark.parametrize("piece_size", [0, 7, 4096, 65536])
def test_corpus(chunked_decoder_cls: Any, name: str, piece_size: int) -> None:
    body = BODY_CORPUS[name]
    if piece_size == 7 and len(body) > 100_000:
        piece_size = 1021  # keep the 1 MiB body quick; still misaligned with every chunk
    pieces = [body] if piece_size == 0 else [body[i : i + piece_size] for i in range(0, len(body), piece_size)]
    kind, data, chunks, trailers, leftover = drive_chunked(chunked_decoder_cls(), pieces)
    assert kind == "done" and leftover == b""
    assert len(data) == sum(chunks)
    if name == "10-chunk":
        assert len(chunks) == 10 and trailers == ((b"X-Checksum", b"sha256=3f1a"),)
        assert data.count(b"\n") == 10
    else:
        assert len(data) == 1 << 20 and trailers == ()


def test_corpus_random_splits(chunked_decoder_cls: Any) -> None:
    body = BODY_CORPUS["1MiB-chunked"]
    whole = drive_chunked(chunked_decoder_cls(), [body])
    for seed in range(3):
        assert drive_chunked(chunked_decoder_cls(), random_pieces(body, random.Random(seed), 64)) == whole


def test_max_pieces_stops_early(chunked_decoder_cls: Any) -> None:
    data = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    decoder = chunked_decoder_cls(max_pieces=1)
    out: list[bytes] = []
    offsets = []
    pos = 0
    for _ in range(len(data)):  # bounded
        pos = decoder.feed(data, pos, out)
        offsets.append(pos)
        if decoder.done:
            break
    assert out == [b"abc", b"", b"de", b""]
    assert offsets == [6, 8, 13, 15, len(data)]
    assert decoder.done and decoder.trailers == ()


def test_max_pieces_counts_per_call(chunked_decoder_cls: Any) -> None:
    data = b"".join(b"1\r\n%c\r\n" % c for c in b"abcdef") + b"0\r\n\r\n"
    decoder = chunked_decoder_cls(max_pieces=4)
    out: list[bytes] = []
    pos = decoder.feed(data, 0, out)
    assert out == [b"a", b"", b"b", b""] and 0 < pos < len(data)
    out2: list[bytes] = []
    pos = decoder.feed(data, pos, out2)
    assert out2 == [b"c", b"", b"d", b""]


def test_done_decoder_consumes_nothing(chunked_decoder_cls: Any) -> None:
    decoder = chunked_decoder_cls()
    out: list[bytes] = []
    assert decoder.feed(b"0\r\n\r\nnext", 0, out) == 5
    assert decoder.done
    assert decoder.feed(b"more", 0, out) == 0
    assert decoder.feed(b"more", 2, out) == 2
    assert out == []


def test_initial_state(chunked_decoder_cls: Any) -> None:
    decoder = chunked_decoder_cls()
    assert decoder.done is False and decoder.trailers == ()
    assert (decoder.max_line_size, decoder.max_field_size, decoder.max_headers, decoder.max_pieces) == (
        8190,
        8190,
        128,
        1024,
    )
    custom = chunked_decoder_cls(max_line_size=1, max_field_size=2, max_headers=3, max_pieces=4)
    assert (custom.max_line_size, custom.max_field_size, custom.max_headers, custom.max_pieces) == (1, 2, 3, 4)


def test_pieces_are_slices_of_the_input(chunked_decoder_cls: Any) -> None:
    decoder = chunked_decoder_cls()
    out: list[bytes] = []
    decoder.feed(b"a\r\n01234", 0, out)
    decoder.feed(b"56789\r\n0", 0, out)
    assert out == [b"01234", b"56789", b""]
    assert all(type(piece) is bytes for piece in out)


def test_start_offset_and_negative_start(chunked_decoder_cls: Any) -> None:
    out: list[bytes] = []
    assert chunked_decoder_cls().feed(b"xx2\r\nab\r\n", 2, out) == 9
    assert out == [b"ab", b""]
    with pytest.raises(ValueError):
        chunked_decoder_cls().feed(b"2\r\nab\r\n", -1, [])


def test_out_may_be_any_appendable(chunked_decoder_cls: Any) -> None:
    class Sink:
        def __init__(self) -> None:
            self.items: list[bytes] = []

        def append(self, item: bytes) -> None:
            self.items.append(item)

    sink = Sink()
    assert chunked_decoder_cls().feed(b"2\r\nab\r\n0\r\n\r\n", 0, sink) == 12
    assert sink.items == [b"ab", b""]


def test_error_message_quotes_the_line(chunked_decoder_cls: Any) -> None:
    with pytest.raises(TransferEncodingError) as info:
        chunked_decoder_cls().feed(b"zz" + b"y" * 60 + b"\r\n", 0, [])
    assert str(info.value).endswith("bad chunk-size " + repr(b"zz" + b"y" * 30))


@pytest.mark.c_extension
def test_compiled_twin_takes_any_buffer() -> None:
    from aiohttp_client._sansio._chunked_c import ChunkedDecoder

    data = b"5\r\nhello\r\n0\r\nX: y\r\n\r\nrest"
    for buf in (bytearray(data), memoryview(data)):
        decoder = ChunkedDecoder()
        out: list[bytes] = []
        assert decoder.feed(buf, 0, out) == len(data) - 4
        assert out == [b"hello", b""] and all(type(piece) is bytes for piece in out)
        assert decoder.trailers == ((b"X", b"y"),)


def test_huge_limits_mean_no_limit(chunked_decoder_cls: Any) -> None:
    """sys.maxsize as "no limit" must not overflow the compiled twin's arithmetic."""
    huge = sys.maxsize
    decoder = chunked_decoder_cls(max_line_size=huge, max_field_size=huge, max_headers=huge, max_pieces=huge)
    out: list[bytes] = []
    assert decoder.feed(b"3\r\nabc\r\n0\r\nX: y\r\n", 0, out) == 17
    assert decoder.feed(b"\r\n", 0, out) == 2
    assert out == [b"abc", b""] and decoder.trailers == ((b"X", b"y"),)
