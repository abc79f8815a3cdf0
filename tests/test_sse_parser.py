"""The sans-IO ``text/event-stream`` parser (``_sansio/_sse.py``) against the WHATWG HTML
"Server-sent events" interpretation rules: every vector fed whole, byte by byte and in
random splits (hypothesis), which must all give the same events."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiohttp_client._sansio._sse import EventStreamLimitError, EventStreamParser, ServerSentEvent

E = ServerSentEvent


def feed_pieces(pieces: list[bytes], **kwargs: object) -> tuple[list[ServerSentEvent], EventStreamParser]:
    parser = EventStreamParser(**kwargs)  # type: ignore[arg-type]
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events += parser.feed(piece)
    parser.feed_eof()
    return events, parser


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def all_ways(data: bytes, **kwargs: object) -> list[ServerSentEvent]:
    """The events of *data* fed whole and byte by byte (asserted equal)."""
    whole, _ = feed_pieces([data], **kwargs)
    one_by_one, _ = feed_pieces([data[i : i + 1] for i in range(len(data))], **kwargs)
    assert one_by_one == whole
    return whole


VECTORS: list[tuple[bytes, list[ServerSentEvent]]] = [
    (b"data: hello\n\n", [E("hello")]),
    (b"data: a\ndata: b\ndata\n\n", [E("a\nb\n")]),  # "data" without colon appends an empty line
    (b"data:no-space\n\n", [E("no-space")]),
    (b"data:  two spaces\n\n", [E(" two spaces")]),  # only one space is removed
    (b"event: add\ndata: 1\n\nevent: del\ndata: 2\n\n", [E("1", "add"), E("2", "del")]),
    (b"event: x\n\ndata: y\n\n", [E("y")]),  # an event type without data is dropped at dispatch
    (b": comment\ndata: c\n:another\n\n", [E("c")]),
    (b"id: 7\ndata: a\n\ndata: b\n\n", [E("a", id="7"), E("b", id="7")]),
    (b"id: 7\ndata: a\n\nid\ndata: b\n\n", [E("a", id="7"), E("b", id="")]),  # an empty id resets
    (b"id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n", [E("a", id="7"), E("b", id="7")]),  # NUL: ignored
    (b"retry: 1500\ndata: r\n\n", [E("r", retry=1500)]),
    (b"retry: 15x\ndata: r\n\nretry: -1\ndata: s\n\n", [E("r"), E("s")]),  # only ASCII digits
    (b"retry: \xc2\xb2\ndata: r\n\n", [E("r")]),  # a Unicode digit is not an ASCII digit
    (b"data: crlf\r\n\r\ndata: cr\r\rdata: lf\n\n", [E("crlf"), E("cr"), E("lf")]),
    (b"\xef\xbb\xbfdata: bom\n\n", [E("bom")]),
    (b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n", [E("y")]),  # only one BOM is dropped
    (b"data: caf\xc3\xa9 \xff\n\n", [E("caf\u00e9 \ufffd")]),
    (b"unknown: 1\ndata: u\n\n", [E("u")]),
    (b"data: not dispatched", []),  # the stream ends before the blank line
    (b"data: a\n\ndata: cut\n", [E("a")]),
    (b"Data: case\n\n", []),  # field names are case-sensitive
    (b"\n\n\ndata: z\n\n", [E("z")]),
]


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_vectors_whole_and_byte_by_byte(data: bytes, expected: list[ServerSentEvent]) -> None:
    assert all_ways(data) == expected


def test_last_event_id_is_set_by_a_dispatch_without_data() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 42\n\n") == []
    assert parser.last_event_id == "42"


def test_last_event_id_buffer_starts_at_the_given_id() -> None:
    events, parser = feed_pieces([b"data: after reconnect\n\n"], last_event_id="41")
    assert events == [E("after reconnect", id="41")]
    assert parser.last_event_id == "41"


def test_unfinished_event_is_discarded_at_eof_and_id_not_committed() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"id: 9\ndata: x\n") == []
    parser.feed_eof()
    assert parser.last_event_id == ""
    assert parser.feed(b"\n") == []  # the data was discarded: the blank line dispatches nothing


def test_stream_retry_is_kept_on_the_parser() -> None:
    _, parser = feed_pieces([b"retry: 10\n\nretry: no\n\n"])
    assert parser.retry == 10


def test_cr_at_the_end_of_one_feed_and_lf_at_the_start_of_the_next() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n") == []  # the LF belongs to the CR: not a blank line
    assert parser.feed(b"\r") == [E("a")]
    assert parser.feed(b"\ndata: b\n\n") == [E("b")]


def test_bom_split_over_feeds() -> None:
    assert feed_pieces([b"\xef", b"", b"\xbb", b"\xbfdata: x\n\n"])[0] == [E("x")]
    assert feed_pieces([b"\xef\xbb", b"data: x\n\n"])[0] == []  # not a BOM: the line is "\ufffddata: x"


def test_line_over_the_limit_raises_whole_and_split() -> None:
    data = b"data: " + b"x" * 100 + b"\n\n"
    with pytest.raises(EventStreamLimitError):
        feed_pieces([data], max_line_size=64)
    with pytest.raises(EventStreamLimitError):
        feed_pieces([data[i : i + 1] for i in range(len(data))], max_line_size=64)
    assert all_ways(data, max_line_size=106) == [E("x" * 100)]


def test_pending_line_is_bounded_before_its_end_arrives() -> None:
    parser = EventStreamParser(max_line_size=1000)
    parser.feed(b"data: " + b"y" * 900)
    with pytest.raises(EventStreamLimitError):
        parser.feed(b"y" * 200)  # no line end yet: the limit holds without one


def test_event_data_over_the_limit_raises() -> None:
    data = b"data: 0123456789\n" * 20 + b"\n"
    with pytest.raises(EventStreamLimitError):
        feed_pieces([data], max_event_size=100)
    assert len(all_ways(data, max_event_size=220)[0].data) == 219


def test_event_json() -> None:
    (event,) = all_ways(b'data: {"a": [1,\ndata: 2]}\n\n')
    assert event.json() == {"a": [1, 2]}


# A stream built from random fields, separators and line ends, then cut at random points.
_LINE_END = st.sampled_from([b"\n", b"\r", b"\r\n"])
_FIELD = st.sampled_from([b"data", b"data:", b"data: ", b"event: ", b"id: ", b"id:", b"retry: ", b": ", b"x: "])
_VALUE = st.sampled_from([b"", b"1", b"20", b"a b", b"\xc3\xa9", b"\xff", b":", b"\x00", b" lead", b"\xef\xbb\xbf"])
_LINE = st.one_of(st.just(b""), st.builds(lambda f, v: f + v, _FIELD, _VALUE))
_STREAM = st.builds(
    lambda bom, lines: (b"\xef\xbb\xbf" if bom else b"") + b"".join(line + end for line, end in lines),
    st.booleans(),
    st.lists(st.tuples(_LINE, _LINE_END), max_size=40),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_STREAM, st.lists(st.integers(min_value=0), max_size=12))
def test_random_splits_give_the_same_events(data: bytes, cuts: list[int]) -> None:
    whole, parser_whole = feed_pieces([data])
    split, parser_split = feed_pieces(split_at(data, cuts))
    assert split == whole
    assert (parser_split.last_event_id, parser_split.retry) == (parser_whole.last_event_id, parser_whole.retry)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.lists(st.integers(min_value=0), max_size=8))
def test_random_splits_of_an_over_long_line_raise(excess: int, cuts: list[int]) -> None:
    """Whatever the split, the event before the long line is delivered, then the error."""
    data = b"data: ok\n\n" + b"data: " + b"z" * (58 + excess) + b"\n\n"
    parser = EventStreamParser(max_line_size=64)
    events: list[ServerSentEvent] = []
    with pytest.raises(EventStreamLimitError) as info:
        for piece in split_at(data, cuts):
            events += parser.feed(piece)
    assert events + info.value.events == [E("ok")]
    with pytest.raises(EventStreamLimitError):
        parser.feed(b"\n")  # the parser stays broken
