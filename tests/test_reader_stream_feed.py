"""The response reader feeding a real ``StreamReader`` (issue 20, section 4).

The compiled reader runs ``StreamReader.feed_data`` inline on the stream's slots
(``register_stream_type``); the Python reader calls ``feed_data``.  Both twins, fed
the same responses split at the same points into streams with small limits (so they
pause and resume often), must leave the streams in the same state: the same bytes,
``total_bytes``, buffered size and pause/resume calls.  A waiting reader is woken, a
fed stream after EOF still raises, and a subclass (which may override ``feed_data``)
gets every piece through its own method.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _servers import run
from aiohttp_client._sansio import _http_reader
from aiohttp_client._sansio._framing import CHUNKED
from aiohttp_client._sansio._http_reader import DONE
from aiohttp_client.streams import StreamReader
from vectors import CORPUS

_LENGTH_BODY = b"0123456789abcdef" * 40
_RESPONSES = {
    "length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(_LENGTH_BODY) + _LENGTH_BODY,
        _LENGTH_BODY,
    ),
    "chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"".join(b"%x\r\n%s\r\n" % (n, b"x" * n) for n in (1, 7, 30, 200, 3, 64))
        + b"0\r\n\r\n",
        b"x" * (1 + 7 + 30 + 200 + 3 + 64),
    ),
    "10-field": (bytes(CORPUS["10-field"]), None),
}


class _Sink:
    """The reader's sink and the streams' producer: what the connection's protocol
    does, minus the I/O; records the flow-control calls."""

    def __init__(self, limit: int, stream_cls: type = StreamReader) -> None:
        self.limit = limit
        self.stream_cls = stream_cls
        self.reading_paused = False
        self.streams: list[Any] = []
        self.calls: list[str] = []

    def pause_reading(self) -> None:
        self.calls.append("pause")
        self.reading_paused = True

    def resume_reading(self) -> None:
        self.calls.append("resume")
        self.reading_paused = False

    def on_head(self, head: Any, framing: Any) -> Any:
        stream = self.stream_cls(self, self.limit)
        if framing.kind == CHUNKED:
            stream.begin_http_chunk_receiving()
        self.streams.append(stream)
        return stream

    def on_body(self, data: bytes) -> None:
        self.streams[-1].feed_data(data)

    def on_coded_body(self, n: int) -> None:
        pass

    def on_chunk_end(self) -> None:
        self.streams[-1].end_http_chunk_receiving()

    def on_message_complete(self, trailers: Any) -> None:
        self.streams[-1].feed_eof()


def _drive(reader_cls: Any, wire: bytes, cuts: Sequence[int], limit: int) -> tuple[list[bytes], list[str], Any]:
    """Feed *wire* split at *cuts*; whenever the stream pauses, read what it holds
    (``read_nowait``) and resume the reader.  Returns the bytes read per response,
    the flow-control calls and the last stream's counters."""
    sink = _Sink(limit)
    reader = reader_cls(sink)
    reader.start("GET")
    got: list[bytearray] = []
    bounds = [0, *sorted(c % (len(wire) + 1) for c in cuts), len(wire)]

    def drain() -> None:
        for _ in range(10_000):  # bounded
            while len(got) < len(sink.streams):
                got.append(bytearray())
            if sink.streams:
                stream = sink.streams[-1]
                # The chunk ends recorded so far (what readchunk() reports), then the data.
                sink.calls.append(f"splits {list(stream._http_chunk_splits or ())} {stream._last_chunk_end}")
                got[-1] += stream.read_nowait(-1)
            if not sink.reading_paused:
                return
            reader.resume()
        raise AssertionError("the reader never stopped pausing")

    for start, end in zip(bounds, bounds[1:]):
        reader.feed(wire[start:end])
        drain()
        for _ in range(100):  # bounded: responses that ended in this piece
            if reader.state != DONE:
                break
            reader.start("GET")
            reader.resume()
            drain()
    last = sink.streams[-1]
    return [bytes(g) for g in got], sink.calls, (last.total_bytes, last._size, last.is_eof())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(list(_RESPONSES)),
    copies=st.integers(1, 3),
    cuts=st.lists(st.integers(0, 10**6), max_size=12),
    limit=st.sampled_from([1, 4, 16, 2**16]),
)
def test_both_twins_leave_the_streams_alike(name: str, copies: int, cuts: "list[int]", limit: int) -> None:
    wire, body = _RESPONSES[name]
    wire *= copies
    outcomes = {}
    for tag in ("py", "c"):
        try:
            module = __import__(f"aiohttp_client._sansio._http_reader_{tag}", fromlist=["ResponseReader"])
        except ImportError:  # lane 2 and PyPy: no compiled twin to compare with
            continue
        outcomes[tag] = _drive(module.ResponseReader, wire, cuts, limit)
    got, calls, _counters = outcomes["py"]
    assert len(got) == copies
    if body is not None:
        assert got == [body] * copies
    assert calls.count("pause") == calls.count("resume")
    if name == "chunked":
        assert any(c.startswith("splits [") and c != "splits [] 0" for c in calls)
    if "c" in outcomes:
        assert outcomes["c"] == outcomes["py"]


def test_the_stream_class_is_registered_with_the_selected_reader() -> None:
    assert _http_reader.registered_stream_type() is StreamReader


def test_a_waiting_reader_is_woken(response_reader_cls: Any) -> None:
    async def main() -> bytes:
        sink = _Sink(2**16)
        reader = response_reader_cls(sink)
        reader.start("GET")
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        stream = sink.streams[0]
        waiting = asyncio.ensure_future(stream.read(10))
        await asyncio.sleep(0)  # the read is now waiting
        reader.feed(b"01234")
        first = await asyncio.wait_for(waiting, 5)
        reader.feed(b"56789")
        return first + await asyncio.wait_for(stream.read(), 5)

    assert run(main()) == b"0123456789"


def test_a_subclass_gets_every_piece_through_its_feed_data(response_reader_cls: Any) -> None:
    seen: list[bytes] = []

    class Recording(StreamReader):
        __slots__ = ()

        def feed_data(self, data: bytes) -> None:
            seen.append(data)
            super().feed_data(data)

    sink = _Sink(2**16, Recording)
    reader = response_reader_cls(sink)
    reader.start("GET")
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef"
    for i in range(len(wire)):
        reader.feed(wire[i : i + 1])
    assert b"".join(seen) == b"abcdef" and len(seen) == 6
    assert sink.streams[0].read_nowait(-1) == b"abcdef"


def test_feeding_a_stream_after_its_end_still_raises(response_reader_cls: Any) -> None:
    """A sink that ends the stream early (as a protocol closing on an error would):
    the next body piece must raise as ``feed_data`` does, not be appended."""

    class EndingSink(_Sink):
        def on_head(self, head: Any, framing: Any) -> Any:
            stream = super().on_head(head, framing)
            stream.feed_eof()
            return stream

    sink = EndingSink(2**16)
    reader = response_reader_cls(sink)
    reader.start("GET")
    with pytest.raises(RuntimeError, match="feed_data"):
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    stream: Optional[StreamReader] = sink.streams[0]
    assert stream is not None and stream.total_bytes == 0
