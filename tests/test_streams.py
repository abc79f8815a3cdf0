"""Tests of aiohttp_client.streams: StreamReader, EmptyStreamReader, DataQueue.

Unit tests check the documented behaviour; the differential tests run the same scripts of
producer and consumer operations against aiohttp's StreamReader (the test peer) and
require the same results, exceptions, EOF and flow-control state after every step.
"""

import asyncio
import logging
import random
import sys
from collections.abc import Awaitable
from typing import Any, Callable, Optional, TypeVar

import pytest

from _servers import run
from aiohttp_client import streams
from aiohttp_client.http_exceptions import LineTooLong
from aiohttp_client.streams import (
    EMPTY_PAYLOAD,
    DataQueue,
    EmptyStreamReader,
    EofStream,
    FlowControlDataQueue,
    StreamReader,
)

try:
    import aiohttp.streams as aio_streams
except ImportError:  # pragma: no cover - e.g. on PyPy
    aio_streams = None  # type: ignore[assignment]

# The oracle is aiohttp 3.14 (the API we copy); conftest deselects these tests where it
# cannot be installed (PyPy 3.9 gets aiohttp 3.13), so they run in the CPython lanes.
needs_aiohttp = pytest.mark.aiohttp_oracle

T = TypeVar("T")


class FakeProtocol:
    """Records pause/resume calls; tracks the paused state like a real protocol."""

    connected = True  # read by aiohttp's StreamReader

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.paused = False

    @property
    def _reading_paused(self) -> bool:
        return self.paused

    def pause_reading(self) -> None:
        self.calls.append("pause")
        self.paused = True

    def resume_reading(self, resume_parser: bool = True) -> None:
        self.calls.append("resume")
        self.paused = False


def make(limit: int = 2**16) -> tuple[StreamReader, FakeProtocol]:
    proto = FakeProtocol()
    return StreamReader(proto, limit, loop=asyncio.get_running_loop()), proto


def fresh(data: bytes) -> bytes:
    """A new bytes object equal to *data* (so identity checks are meaningful)."""
    return bytes(bytearray(data))


async def spin(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


# --------------------------------------------------------------------------- basics


def test_read_returns_fed_object_without_copy() -> None:
    async def main() -> None:
        s, _ = make()
        a, b = fresh(b"hello"), fresh(b"world")
        s.feed_data(a)
        s.feed_data(b)
        assert (await s.read(5)) is a
        assert (await s.readany()) is b
        c = fresh(b"xyz")
        s.feed_data(c)
        assert (await s.read(100)) is c  # fits and is the only buffer
        d = fresh(b"line\n")
        s.feed_data(d)
        assert (await s.readline()) is d

    run(main())


def test_unread_data_goes_back_in_front_and_warns() -> None:
    async def main() -> None:
        s, _ = make()
        s.feed_data(b"line1line2")
        s.feed_eof()
        assert await s.read(3) == b"lin"
        with pytest.warns(DeprecationWarning, match="unread_data"):
            s.unread_data(b"xlin")
        with pytest.warns(DeprecationWarning):
            s.unread_data(b"")
        assert await s.read() == b"xline1line2"
        assert repr(s).startswith("<StreamReader")

    run(main())


def test_read_n_partial_and_join() -> None:
    async def main() -> None:
        s, _ = make()
        for piece in (b"abcdef", b"gh", b"ijkl"):
            s.feed_data(piece)
        assert await s.read(2) == b"ab"
        assert await s.read(2) == b"cd"
        # Up to n of what is buffered, across buffers, without waiting for more.
        assert await s.read(5) == b"efghi"
        assert await s.read(100) == b"jkl"
        s.feed_eof()
        assert await s.read(10) == b""
        assert s.at_eof()

    run(main())


def test_read_zero_returns_empty_without_waiting() -> None:
    async def main() -> None:
        s, _ = make()
        assert await s.read(0) == b""

    run(main())


def test_read_all_waits_for_eof() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        s.feed_data(b"ab")
        s.read_nowait(1)
        loop.call_soon(s.feed_data, b"cd")
        loop.call_later(0.01, s.feed_data, b"ef")
        loop.call_later(0.02, s.feed_eof)
        assert await s.read() == b"bcdef"
        assert s.at_eof()
        assert s.total_bytes == 6

    run(main())


def test_readany_waits_and_drains_everything() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        loop.call_soon(s.feed_data, b"a")
        assert await s.readany() == b"a"
        s.feed_data(b"bc")
        s.feed_data(b"de")
        assert await s.read(1) == b"b"
        assert await s.readany() == b"cde"
        s.feed_eof()
        assert await s.readany() == b""

    run(main())


def test_readexactly() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        s.feed_data(b"ab")
        loop.call_soon(s.feed_data, b"cdef")
        assert await s.readexactly(3) == b"abc"
        assert await s.readexactly(0) == b""
        s.feed_eof()
        with pytest.raises(asyncio.IncompleteReadError) as info:
            await s.readexactly(5)
        assert info.value.partial == b"def"
        assert info.value.expected == 5

    run(main())


def test_readline_and_readuntil() -> None:
    async def main() -> None:
        s, _ = make()
        s.feed_data(b"one\ntw")
        s.feed_data(b"o\r")
        s.feed_data(b"\nthree--four")
        s.feed_eof()
        assert await s.readline() == b"one\n"
        assert await s.readuntil(b"\r\n") == b"two\r\n"
        assert await s.readuntil(b"--") == b"three--"
        assert await s.readline() == b"four"  # EOF without the separator
        assert await s.readline() == b""
        with pytest.raises(ValueError):
            await s.readuntil(b"")

    run(main())


@pytest.mark.parametrize("sep", [b"\n", b"\r\n", b"--X--", b"aa"])
def test_readuntil_every_split(sep: bytes) -> None:
    """The separator is found wherever the feeds split it (and not earlier)."""
    body = b"xa" + sep + b"yy" + sep + b"a" + sep + b"tail"
    expected = []
    rest = body
    for _ in range(10):
        i = rest.find(sep)
        if i == -1:
            expected.append(rest)
            break
        expected.append(rest[: i + len(sep)])
        rest = rest[i + len(sep) :]

    async def main() -> None:
        for i in range(len(body) + 1):
            for j in range(i, len(body) + 1):
                s, _ = make()
                for piece in (body[:i], body[i:j], body[j:]):
                    s.feed_data(piece)
                s.feed_eof()
                got = []
                for _ in range(10):
                    part = await s.readuntil(sep)
                    if not part:
                        break
                    got.append(part)
                assert got == expected, (i, j)

    run(main())


def test_readline_waits_across_feeds() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        loop.call_soon(s.feed_data, b"ab")
        loop.call_later(0.01, s.feed_data, b"c\nd")
        assert await s.readline() == b"abc\n"
        assert s.read_nowait() == b"d"

    run(main())


def test_readline_too_long() -> None:
    async def main() -> None:
        s, _ = make(limit=4)  # high-water mark 8 is the default line limit
        s.feed_data(b"0123456789\n")
        with pytest.raises(LineTooLong):
            await s.readline()
        s2, _ = make()
        s2.feed_data(b"abcdef\nxy\n")
        with pytest.raises(LineTooLong):
            await s2.readline(max_line_length=3)
        assert await s2.readline(max_line_length=3) == b"xy\n"

    run(main())


def test_read_nowait() -> None:
    async def main() -> None:
        s, _ = make()
        assert s.read_nowait() == b""
        s.feed_data(b"abc")
        s.feed_data(b"de")
        assert s.read_nowait(2) == b"ab"
        assert s.read_nowait(0) == b""
        assert s.read_nowait() == b"cde"
        task = asyncio.ensure_future(s.read())
        await spin()
        with pytest.raises(RuntimeError):
            s.read_nowait()
        s.feed_eof()
        assert await task == b""

    run(main())


def test_second_concurrent_reader_is_refused() -> None:
    async def main() -> None:
        s, _ = make()
        first = asyncio.ensure_future(s.readany())
        await spin()
        with pytest.raises(RuntimeError):
            await s.readany()
        s.feed_data(b"x")
        assert await first == b"x"

    run(main())


def test_woken_reader_does_not_clear_the_next_readers_waiter() -> None:
    # `first` is woken (its waiter resolved and cleared) and its data taken before it
    # runs; `second` starts waiting in between.  When `first` resumes, its clean-up
    # must leave `second`'s waiter in place (else the next feed never wakes `second`),
    # and `first`, finding another reader waiting, is refused as any second reader is.
    async def main() -> None:
        s, _ = make()
        go = asyncio.get_running_loop().create_future()

        async def later() -> bytes:
            await go
            return await s.readany()

        first = asyncio.ensure_future(s.readany())
        second = asyncio.ensure_future(later())
        await spin()
        go.set_result(None)  # `second` is scheduled before `first` is woken below
        s.feed_data(b"a")
        assert s.read_nowait() == b"a"
        await spin()
        with pytest.raises(RuntimeError):
            await first
        s.feed_data(b"b")
        assert await asyncio.wait_for(second, 2) == b"b"

    run(main())


def test_cancelled_read_leaves_stream_usable() -> None:
    async def main() -> None:
        s, _ = make()
        task = asyncio.ensure_future(s.read(3))
        await spin()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        s.feed_data(b"abc")
        assert await s.read(3) == b"abc"

    run(main())


def test_total_bytes_and_raw_bytes() -> None:
    async def main() -> None:
        s, _ = make()
        s.feed_data(b"abc")
        s.feed_data(b"")
        s.feed_data(b"de")
        assert s.total_bytes == 5
        assert s.total_raw_bytes == 5
        s.total_compressed_bytes = 3
        assert s.total_raw_bytes == 3
        await s.read(1)
        assert s.total_bytes == 5

    run(main())


def test_feed_after_eof_is_an_error() -> None:
    async def main() -> None:
        s, _ = make()
        s.feed_eof()
        with pytest.raises(RuntimeError):
            s.feed_data(b"x")

    run(main())


def test_eof_state_and_wait_eof() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        s.feed_data(b"x")
        assert not s.is_eof() and not s.at_eof()
        loop.call_soon(s.feed_eof)
        await s.wait_eof()
        assert s.is_eof() and not s.at_eof()
        await s.read()
        assert s.at_eof()
        await s.wait_eof()  # returns at once

    run(main())


def test_on_eof_callbacks(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        s, _ = make()
        calls: list[str] = []

        def boom() -> None:
            raise ValueError("callback failure")

        s.on_eof(lambda: calls.append("a"))
        s.on_eof(boom)
        s.on_eof(lambda: calls.append("b"))
        assert calls == []
        with caplog.at_level(logging.ERROR, logger="aiohttp_client.streams"):
            s.feed_eof()
        assert calls == ["a", "b"]
        assert "Exception in eof callback" in caplog.text
        s.on_eof(lambda: calls.append("late"))
        assert calls == ["a", "b", "late"]

    run(main())


def test_repr() -> None:
    async def main() -> None:
        s, _ = make(limit=10)
        s.feed_data(b"abc")
        s.feed_eof()
        text = repr(s)
        assert "3 bytes" in text and "eof" in text and "low=10 high=20" in text

    run(main())


# ------------------------------------------------------------------------ exceptions


def test_exception_is_raised_even_with_buffered_data() -> None:
    async def main() -> None:
        s, _ = make()
        s.feed_data(b"line\nmore")
        exc = ValueError("broken")
        s.set_exception(exc)
        assert s.exception() is exc
        for read in (
            lambda: s.read(),
            lambda: s.read(1),
            s.readany,
            s.readline,
            lambda: s.readuntil(b"e"),
            s.readchunk,
            lambda: s.readexactly(2),
        ):
            with pytest.raises(ValueError) as info:
                await read()
            assert info.value is exc
        with pytest.raises(ValueError):
            s.read_nowait()

    run(main())


def test_exception_wakes_waiting_reader_with_cause() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        exc, cause = KeyError("k"), OSError("reset")
        loop.call_soon(s.set_exception, exc, cause)
        with pytest.raises(KeyError) as info:
            await s.read()
        assert info.value is exc
        assert exc.__cause__ is cause

    run(main())


def test_exception_cause_without_waiter_and_explicit_none() -> None:
    async def main() -> None:
        s, _ = make()
        exc, cause = KeyError("k"), OSError("reset")
        s.set_exception(exc, cause)
        assert exc.__cause__ is cause
        exc2 = KeyError("j")
        exc2.__cause__ = cause
        s.set_exception(exc2, None)  # type: ignore[arg-type]
        assert exc2.__cause__ is None
        exc3 = KeyError("self")
        s.set_exception(exc3, exc3)
        assert exc3.__cause__ is None

    run(main())


def test_exception_wakes_wait_eof_and_drops_callbacks() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        calls: list[int] = []
        s.on_eof(lambda: calls.append(1))
        loop.call_soon(s.set_exception, RuntimeError("x"))
        with pytest.raises(RuntimeError):
            await s.wait_eof()
        s.feed_eof()
        assert calls == []

    run(main())


# ---------------------------------------------------------------------- HTTP chunks


def test_readchunk_reports_http_chunk_ends() -> None:
    async def main() -> None:
        s, _ = make()
        s.begin_http_chunk_receiving()
        s.feed_data(b"ab")
        s.feed_data(b"cd")
        s.end_http_chunk_receiving()
        s.end_http_chunk_receiving()  # no data in between: no empty chunk
        s.feed_data(b"efg")
        s.end_http_chunk_receiving()
        s.feed_data(b"h")
        s.feed_eof()
        assert await s.readchunk() == (b"abcd", True)
        assert await s.read(1) == b"e"
        assert await s.readchunk() == (b"fg", True)
        assert await s.readchunk() == (b"h", False)
        assert await s.readchunk() == (b"", False)

    run(main())


def test_feed_http_chunks_equals_the_calls_one_by_one() -> None:
    """One ``feed_http_chunks`` call (what the reader hands over per decoder call) gives
    what the same pieces fed one call each give: data, boundaries, counts, pauses."""
    pieces = [b"ab", b"cd", b"", b"", b"efg", b"", b"h"]

    async def main() -> None:
        batch, batch_proto = make(limit=2)
        single, single_proto = make(limit=2)
        for s in (batch, single):
            s.begin_http_chunk_receiving()
        batch.feed_http_chunks(pieces)
        for piece in pieces:
            if piece:
                single.feed_data(piece)
            else:
                single.end_http_chunk_receiving()
        assert batch.total_bytes == single.total_bytes == 8
        assert batch_proto.calls == single_proto.calls == ["pause"]  # once per crossing
        for s in (batch, single):
            s.feed_eof()
        results = []
        for s in (batch, single):
            got = [await s.readchunk() for _ in range(4)]
            results.append(got)
        assert results[0] == results[1] == [(b"abcd", True), (b"efg", True), (b"h", False), (b"", False)]

    run(main())


def test_feed_http_chunks_needs_begin_and_no_eof() -> None:
    async def main() -> None:
        s, _ = make()
        with pytest.raises(RuntimeError):
            s.feed_http_chunks([b"a"])
        s.begin_http_chunk_receiving()
        s.feed_eof()
        with pytest.raises(RuntimeError):
            s.feed_http_chunks([b"a"])

    run(main())


def test_readchunk_empty_chunk_end_at_read_position() -> None:
    async def main() -> None:
        s, _ = make()
        s.begin_http_chunk_receiving()
        s.feed_data(b"abc")
        s.end_http_chunk_receiving()
        assert await s.read(3) == b"abc"
        assert await s.readchunk() == (b"", True)

    run(main())


def test_chunk_end_without_new_data_is_not_reported() -> None:
    """A chunk that decoded to no data (e.g. compressed bytes still buffered in the
    decompressor) records no boundary, even when the previous boundary was already
    consumed.  aiohttp 3.14 reports a spurious ``(b"", True)`` in that second case."""

    async def main() -> None:
        s, _ = make()
        s.begin_http_chunk_receiving()
        s.end_http_chunk_receiving()  # nothing fed yet
        s.feed_data(b"abc")
        s.end_http_chunk_receiving()
        s.end_http_chunk_receiving()
        assert await s.readchunk() == (b"abc", True)
        s.end_http_chunk_receiving()  # boundary consumed, still no new data
        s.feed_data(b"de")
        s.end_http_chunk_receiving()
        s.feed_eof()
        assert await s.readchunk() == (b"de", True)
        assert await s.readchunk() == (b"", False)

    run(main())


def test_readchunk_without_chunking_and_waiting() -> None:
    async def main() -> None:
        s, _ = make()
        loop = asyncio.get_running_loop()
        s.feed_data(b"ab")
        s.feed_data(b"cd")
        assert await s.readchunk() == (b"ab", False)
        assert await s.readchunk() == (b"cd", False)
        loop.call_soon(s.feed_data, b"e")
        assert await s.readchunk() == (b"e", False)

        c, _ = make()
        c.begin_http_chunk_receiving()
        c.feed_data(b"xy")
        loop.call_soon(c.end_http_chunk_receiving)
        assert await c.readchunk() == (b"xy", False)  # data first, no end yet
        assert await c.readchunk() == (b"", True)  # woken by the chunk end alone

    run(main())


def test_chunk_receiving_misuse() -> None:
    async def main() -> None:
        s, _ = make()
        with pytest.raises(RuntimeError):
            s.end_http_chunk_receiving()
        s.feed_data(b"x")
        with pytest.raises(RuntimeError):
            s.begin_http_chunk_receiving()
        c, _ = make()
        c.begin_http_chunk_receiving()
        c.begin_http_chunk_receiving()  # idempotent

    run(main())


# ----------------------------------------------------------------------- iteration


def test_iterators() -> None:
    async def main() -> None:
        body = [b"line1\nli", b"ne2\n", b"", b"tail"]

        async def filled() -> StreamReader:
            s, _ = make()
            for piece in body:
                s.feed_data(piece)
            s.feed_eof()
            return s

        s = await filled()
        assert [line async for line in s] == [b"line1\n", b"line2\n", b"tail"]
        s = await filled()
        assert [c async for c in s.iter_chunked(5)] == [b"line1", b"\nline", b"2\ntai", b"l"]
        s = await filled()
        assert [c async for c in s.iter_any()] == [b"line1\nline2\ntail"]
        s = await filled()
        assert [c async for c in s.iter_chunks()] == [
            (b"line1\nli", False),
            (b"ne2\n", False),
            (b"tail", False),
        ]

    run(main())


def test_iter_any_with_concurrent_producer() -> None:
    async def main() -> None:
        s, _ = make()
        pieces = [bytes([65 + i]) * (i + 1) for i in range(20)]

        async def produce() -> None:
            for piece in pieces:
                s.feed_data(piece)
                await asyncio.sleep(0)
            s.feed_eof()

        producer = asyncio.ensure_future(produce())
        got = [c async for c in s.iter_any()]
        await producer
        assert b"".join(got) == b"".join(pieces)

    run(main())


# --------------------------------------------------------------------- flow control


def test_pause_above_high_water_resume_below_low_water() -> None:
    async def main() -> None:
        s, proto = make(limit=4)
        assert s.get_read_buffer_limits() == (4, 8)
        s.feed_data(b"abc")
        s.feed_data(b"defgh")  # 8 bytes: not above the high-water mark
        assert proto.calls == []
        s.feed_data(b"i")
        assert proto.calls == ["pause"]
        assert await s.read(2) == b"ab"  # 7 left: not below 4
        assert proto.calls == ["pause"]
        assert await s.read(4) == b"cdef"  # 3 left
        assert proto.calls == ["pause", "resume"]
        assert await s.read(1) == b"g"
        assert proto.calls == ["pause", "resume"]  # resumed only when paused

    run(main())


def test_one_pause_per_crossing_of_the_high_water_mark() -> None:
    """Pieces fed while the stream is already above its high-water mark pause nothing
    more: one pause, then one resume once below the low-water mark."""

    async def main() -> None:
        s, proto = make(limit=4)
        for piece in (b"abcdefghi", b"j", b"k", b"l"):
            s.feed_data(piece)
        assert proto.calls == ["pause"]
        assert s.read_nowait(-1) == b"abcdefghijkl"  # (read(n) would raise the marks)
        assert proto.calls == ["pause", "resume"]
        s.feed_data(b"0123456789")  # a second crossing: a second cycle
        assert proto.calls == ["pause", "resume", "pause"]

    run(main())


def test_read_n_raises_limits() -> None:
    async def main() -> None:
        s, proto = make(limit=4)
        s.feed_data(b"x")
        assert await s.read(100) == b"x"
        assert s.get_read_buffer_limits() == (100, 200)
        s.feed_data(b"abcd")
        assert await s.read(3) == b"abc"
        assert s.get_read_buffer_limits() == (100, 200)
        s.feed_data(b"y" * 199)
        assert proto.calls == []
        s.feed_data(b"y")
        assert proto.calls == ["pause"]
        s.set_read_chunk_size(10)  # never lowers
        assert s.get_read_buffer_limits() == (100, 200)

    run(main())


def test_read_all_resumes_and_never_pauses() -> None:
    async def main() -> None:
        s, proto = make(limit=4)
        loop = asyncio.get_running_loop()
        s.feed_data(b"0123456789")
        assert proto.calls == ["pause"]
        loop.call_soon(s.feed_data, b"z" * 100)
        loop.call_soon(s.feed_eof)
        assert await s.read() == b"0123456789" + b"z" * 100
        assert proto.calls == ["pause", "resume"]
        assert s.get_read_buffer_limits()[0] == sys.maxsize

    run(main())


def test_feed_eof_resumes_paused_protocol() -> None:
    async def main() -> None:
        s, proto = make(limit=1)
        s.feed_data(b"abc")
        assert proto.paused
        s.feed_eof()
        assert not proto.paused
        assert proto.calls == ["pause", "resume"]

    run(main())


def test_many_small_http_chunks_pause() -> None:
    async def main() -> None:
        s, proto = make(limit=1024)  # byte marks far away; chunk marks 64 / 32
        s.begin_http_chunk_receiving()
        for _i in range(65):
            s.feed_data(b"x")
            s.end_http_chunk_receiving()
        assert proto.calls == ["pause"]
        for _i in range(33):
            assert await s.readchunk() == (b"x", True)
        assert proto.calls == ["pause"]  # 32 pending chunk ends: not below 32
        assert await s.readchunk() == (b"x", True)
        assert proto.calls == ["pause", "resume"]

    run(main())


def test_large_body_in_small_reads_bounded_buffer() -> None:
    """Producer and consumer in lockstep, the producer faster: the buffer never passes
    the high-water mark by more than one feed, and every byte arrives in order."""

    async def main() -> None:
        s, proto = make(limit=1000)
        rng = random.Random(7)
        body = bytes(rng.getrandbits(8) for _ in range(50_000))

        async def produce() -> None:
            pos = 0
            for _ in range(100_000):
                if pos >= len(body):
                    break
                if not proto.paused:
                    step = rng.randint(1, 700)
                    s.feed_data(body[pos : pos + step])
                    pos += step
                await asyncio.sleep(0)
            s.feed_eof()

        producer = asyncio.ensure_future(produce())
        got = []
        consumed = 0
        for _ in range(100_000):
            block = await s.read(300)
            if not block:
                break
            assert len(block) <= 300
            got.append(block)
            consumed += len(block)
            assert s.total_bytes - consumed <= 2000 + 700
            await asyncio.sleep(0)  # the consumer's own work
        await producer
        assert b"".join(got) == body
        assert proto.calls.count("pause") >= 1
        assert proto.calls.count("resume") >= 1
        # Strictly alternating: never resumed without a pause, never paused twice
        # without a resume in between (the producer stops feeding while paused).
        assert proto.calls[0::2] == ["pause"] * len(proto.calls[0::2])
        assert proto.calls[1::2] == ["resume"] * len(proto.calls[1::2])

    run(main())


# -------------------------------------------------------------------- empty stream


def test_empty_stream_reader() -> None:
    async def main() -> None:
        s = EmptyStreamReader()
        assert s.at_eof() and s.is_eof()
        assert s.exception() is None
        assert await s.read() == b""
        assert await s.read(10) == b""
        assert await s.readany() == b""
        assert await s.readline() == b""
        assert await s.readuntil(b"x") == b""
        assert s.read_nowait() == b""
        assert await s.readchunk() == (b"", False)
        assert await s.readchunk() == (b"", True)
        with pytest.raises(asyncio.IncompleteReadError) as info:
            await s.readexactly(3)
        assert info.value.expected == 3
        await s.wait_eof()
        assert [x async for x in s] == []
        assert [x async for x in s.iter_chunked(4)] == []
        assert [x async for x in s.iter_any()] == []
        calls: list[int] = []
        s.on_eof(lambda: calls.append(1))
        assert calls == [1]
        s.feed_data(b"ignored")
        s.set_exception(ValueError())
        s.feed_eof()
        assert await s.read() == b"" and s.exception() is None
        assert s.total_bytes == 0
        assert repr(s) == "<EmptyStreamReader>"

    run(main())


def test_empty_payload_is_shared_and_unchanged() -> None:
    async def main() -> None:
        assert isinstance(EMPTY_PAYLOAD, EmptyStreamReader)
        EMPTY_PAYLOAD.feed_data(b"x")
        EMPTY_PAYLOAD.set_read_chunk_size(10**9)
        assert await EMPTY_PAYLOAD.read() == b""
        assert EMPTY_PAYLOAD.get_read_buffer_limits() == (2**16, 2**17)

    run(main())
    run(main())  # usable from another loop


# ------------------------------------------------------------------------ DataQueue


def test_data_queue() -> None:
    async def main() -> None:
        q: DataQueue[str] = DataQueue()
        loop = asyncio.get_running_loop()
        q.feed_data("a")
        assert len(q) == 1
        assert await q.read() == "a"
        loop.call_soon(q.feed_data, "b")
        assert await q.read() == "b"
        q.feed_data("c")
        q.feed_eof()
        assert q.is_eof() and not q.at_eof()
        assert [x async for x in q] == ["c"]
        assert q.at_eof()
        with pytest.raises(EofStream):
            await q.read()

    run(main())


def test_data_queue_exception_after_items() -> None:
    async def main() -> None:
        q: DataQueue[int] = DataQueue()
        loop = asyncio.get_running_loop()
        q.feed_data(1)
        exc = ValueError("x")
        q.set_exception(exc)
        assert q.exception() is exc and q.is_eof()
        assert await q.read() == 1  # queued items first
        with pytest.raises(ValueError):
            await q.read()

        q2: DataQueue[int] = DataQueue()
        loop.call_soon(q2.set_exception, KeyError("k"), OSError("cause"))
        with pytest.raises(KeyError) as info:
            await q2.read()
        assert isinstance(info.value.__cause__, OSError)

        q3: DataQueue[int] = DataQueue()
        first = asyncio.ensure_future(q3.read())
        await spin()
        with pytest.raises(RuntimeError):
            await q3.read()
        q3.feed_data(5)
        assert await first == 5

    run(main())


def test_data_queue_feed_data_takes_a_weight() -> None:
    async def main() -> None:
        q: DataQueue[object] = DataQueue(asyncio.get_running_loop())
        item = object()
        q.feed_data(item, 7)  # aiohttp's signature; a plain queue does not count it
        q.feed_eof()
        assert [x async for x in q] == [item]

    run(main())


async def _flow_script(q: Any, protocol: FakeProtocol, eof: type[Exception] = EofStream) -> list[Any]:
    """Feed items of given weights and read them back; log the producer's state."""
    log: list[Any] = []
    for n, size in enumerate((8, 8, 8, 0, 30)):
        q.feed_data(n, size)
        log.append(("fed", n, protocol.paused))
    q.feed_eof()
    while True:
        try:
            item = await q.read()
        except eof:
            break
        log.append(("read", item, protocol.paused))
    log.append(("calls", protocol.calls))
    return log


def test_flow_control_data_queue_pauses_above_twice_the_limit() -> None:
    async def main() -> None:
        protocol = FakeProtocol()
        log = await _flow_script(FlowControlDataQueue(protocol, 10, loop=asyncio.get_running_loop()), protocol)
        assert log == [
            ("fed", 0, False),
            ("fed", 1, False),
            ("fed", 2, True),  # 24 bytes > 2 * 10
            ("fed", 3, True),
            ("fed", 4, True),
            ("read", 0, True),  # 46 left
            ("read", 1, True),
            ("read", 2, True),  # 30 left: not under 10
            ("read", 3, True),
            ("read", 4, False),  # empty: resumed
            ("calls", ["pause", "resume"]),
        ]

    run(main())


@needs_aiohttp
def test_flow_control_data_queue_matches_aiohttp() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = FakeProtocol(), FakeProtocol()
        got = await _flow_script(FlowControlDataQueue(ours, 10, loop=loop), ours)
        want = await _flow_script(
            aio_streams.FlowControlDataQueue(theirs, 10, loop=loop), theirs, aio_streams.EofStream
        )
        assert got == want

    run(main())


def test_module_exports() -> None:
    assert set(streams.__all__) == {
        "EMPTY_PAYLOAD",
        "EofStream",
        "StreamReader",
        "EmptyStreamReader",
        "DataQueue",
        "FlowControlDataQueue",
    }


# --------------------------------------------------------- differential vs aiohttp


class Driver:
    """Applies one operation script to one StreamReader implementation and logs what
    every step observes.  At most one read is pending at a time; after each step the
    loop runs until nothing more can progress."""

    def __init__(self, cls: Any, limit: int) -> None:
        self.proto = FakeProtocol()
        self.stream = cls(self.proto, limit, loop=asyncio.get_running_loop())
        self.pending: Optional[asyncio.Task[Any]] = None
        self.pending_step = -1
        self.log: list[Any] = []

    @staticmethod
    def outcome(task: "asyncio.Task[Any]") -> Any:
        exc = task.exception()
        if exc is None:
            return ("ok", task.result())
        if isinstance(exc, asyncio.IncompleteReadError):
            return ("IncompleteReadError", exc.partial, exc.expected)
        return ("raise", type(exc).__name__, exc.args if isinstance(exc, KeyError) else None)

    async def settle(self, step: int) -> None:
        await spin(4)
        if self.pending is not None and self.pending.done():
            self.log.append((step, "done", self.pending_step, self.outcome(self.pending)))
            self.pending = None
        s = self.stream
        self.log.append(
            (
                step,
                "state",
                self.proto.paused,
                s.is_eof(),
                s.at_eof(),
                s.total_bytes,
                s.get_read_buffer_limits(),
                self.pending is None,
            )
        )

    async def apply(self, step: int, op: tuple[Any, ...]) -> None:
        s = self.stream
        kind = op[0]
        if kind == "feed":
            s.feed_data(op[1])
        elif kind == "eof":
            s.feed_eof()
        elif kind == "exc":
            s.set_exception(KeyError(op[1]))
        elif kind == "begin":
            s.begin_http_chunk_receiving()
        elif kind == "end":
            s.end_http_chunk_receiving()
        elif kind == "nowait":
            try:
                self.log.append((step, "nowait", s.read_nowait(op[1])))
            except Exception as exc:
                self.log.append((step, "nowait-raise", type(exc).__name__))
        elif self.pending is None:
            coro: Callable[[], Awaitable[Any]] = {
                "read": lambda: s.read(op[1]),
                "readany": s.readany,
                "readline": s.readline,
                "readuntil": lambda: s.readuntil(op[1]),
                "readchunk": s.readchunk,
                "readexactly": lambda: s.readexactly(op[1]),
            }[kind]
            self.pending = asyncio.ensure_future(coro())
            self.pending_step = step
        await self.settle(step)

    async def finish(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            try:
                await self.pending
            except BaseException:
                pass
            self.pending = None


READ_OPS = ("read", "readany", "readline", "readuntil", "readchunk", "readexactly", "nowait")


def random_script(rng: random.Random) -> tuple[int, list[tuple[Any, ...]]]:
    limit = rng.choice([1, 2, 3, 4, 8, 16, 64])
    ops: list[tuple[Any, ...]] = []
    chunked = rng.random() < 0.5
    if chunked:
        ops.append(("begin",))
    fed_since_end = False
    eof = False
    for _ in range(rng.randint(1, 40)):
        r = rng.random()
        if r < 0.40 and not eof:
            data = bytes(rng.choice(b"ab\r\n-") for _ in range(rng.randint(0, 12)))
            ops.append(("feed", data))
            fed_since_end = fed_since_end or bool(data)
        elif r < 0.47 and chunked and fed_since_end and not eof:
            # Only after new data: aiohttp can report a spurious empty chunk end when
            # the previous one was already consumed (a documented difference).
            ops.append(("end",))
            fed_since_end = False
        elif r < 0.50 and not eof:
            ops.append(("eof",))
            eof = True
        elif r < 0.51:
            ops.append(("exc", "boom"))
        else:
            kind = rng.choice(READ_OPS)
            if kind in ("read", "nowait"):
                ops.append((kind, rng.choice([-1, 1, 2, 3, 5, 8, 20])))
            elif kind == "readexactly":
                ops.append((kind, rng.randint(0, 10)))
            elif kind == "readuntil":
                ops.append((kind, rng.choice([b"\n", b"\r\n", b"-a", b"ab-"])))
            else:
                ops.append((kind,))
    if not eof:
        ops.append(("eof",))
    ops.append(("read", -1))
    return limit, ops


async def run_script(cls: Any, limit: int, ops: list[tuple[Any, ...]]) -> list[Any]:
    driver = Driver(cls, limit)
    try:
        for step, op in enumerate(ops):
            await driver.apply(step, op)
    finally:
        await driver.finish()
    return driver.log


@needs_aiohttp
def test_differential_random_scripts() -> None:
    assert aio_streams is not None

    async def main() -> None:
        rng = random.Random(20240611)
        for case in range(1000):
            limit, ops = random_script(rng)
            ours = await run_script(StreamReader, limit, ops)
            theirs = await run_script(aio_streams.StreamReader, limit, ops)
            assert ours == theirs, (case, limit, ops)

    run(main())


@needs_aiohttp
@pytest.mark.parametrize(
    "limit,ops",
    [
        # Exception while data is buffered: reads raise at once.
        (16, [("feed", b"abc"), ("exc", "x"), ("read", 1), ("readany",), ("nowait", -1)]),
        # readexactly across feeds, then EOF before the end.
        (16, [("readexactly", 5), ("feed", b"ab"), ("feed", b"cdef"), ("readexactly", 4), ("eof",)]),
        # readline waiting while a chunk end arrives without data.
        (16, [("begin",), ("feed", b"ab"), ("readline",), ("end",), ("feed", b"\n")]),
        # readchunk woken by a chunk end.
        (16, [("begin",), ("feed", b"ab"), ("readchunk",), ("readchunk",), ("end",)]),
        # Pause on many chunk ends, resume when they are read.
        (16, [("begin",)] + [op for _ in range(6) for op in (("feed", b"x"), ("end",))] + [("readchunk",)] * 7),
        # read_nowait while a reader waits.
        (16, [("read", 3), ("nowait", -1), ("feed", b"abcd"), ("nowait", 2)]),
        # Line longer than the high-water mark.
        (2, [("feed", b"abcdef"), ("readline",), ("feed", b"\n"), ("readline",)]),
    ],
)
def test_differential_fixed_scripts(limit: int, ops: list[tuple[Any, ...]]) -> None:
    assert aio_streams is not None

    async def main() -> None:
        ops_ = ops + [("eof",), ("read", -1)] if ("eof",) not in ops else ops
        ours = await run_script(StreamReader, limit, ops_)
        theirs = await run_script(aio_streams.StreamReader, limit, ops_)
        assert ours == theirs

    run(main())


@needs_aiohttp
def test_differential_iterators() -> None:
    assert aio_streams is not None

    async def collect(cls: Any, pieces: list[bytes], chunk_ends: list[int], how: str) -> Any:
        proto = FakeProtocol()
        s = cls(proto, 8, loop=asyncio.get_running_loop())
        if chunk_ends:
            s.begin_http_chunk_receiving()

        async def produce() -> None:
            for i, piece in enumerate(pieces):
                s.feed_data(piece)
                if i in chunk_ends:
                    s.end_http_chunk_receiving()
                await asyncio.sleep(0)
            s.feed_eof()

        producer = asyncio.ensure_future(produce())
        got: list[Any] = []
        if how == "lines":
            iterator: Any = s.__aiter__()
        elif how == "any":
            iterator = s.iter_any()
        elif how == "chunks":
            iterator = s.iter_chunks()
        else:
            iterator = s.iter_chunked(int(how))
        try:
            async for x in iterator:
                got.append(x)
        except Exception as exc:  # LineTooLong: each library has its own class
            got.append(("raise", type(exc).__name__))
        await producer
        return got

    async def main() -> None:
        rng = random.Random(99)
        for _ in range(150):
            pieces = [bytes(rng.choice(b"xy\n") for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 12))]
            ends = sorted(rng.sample(range(len(pieces)), rng.randint(0, len(pieces))))
            for how in ("lines", "any", "chunks", "1", "3", "7", "64"):
                ours = await collect(StreamReader, pieces, ends, how)
                theirs = await collect(aio_streams.StreamReader, pieces, ends, how)
                assert ours == theirs, (pieces, ends, how)

    run(main())


@needs_aiohttp
def test_differential_empty_stream_reader() -> None:
    assert aio_streams is not None

    async def observe(s: Any) -> list[Any]:
        out: list[Any] = [s.at_eof(), s.is_eof(), s.exception()]
        out.append(await s.read())
        out.append(await s.readany())
        out.append(await s.readline())
        out.append(await s.readchunk())
        out.append(await s.readchunk())
        out.append(s.read_nowait())
        try:
            await s.readexactly(2)
        except asyncio.IncompleteReadError as exc:
            out.append((exc.partial, exc.expected))
        return out

    async def main() -> None:
        assert await observe(EmptyStreamReader()) == await observe(aio_streams.EmptyStreamReader())

    run(main())
