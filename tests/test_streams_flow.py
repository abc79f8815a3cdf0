"""Tests of aiohttp_client.streams.StreamReader: HTTP chunk ends, iteration, flow
control (pause above the high-water mark, resume below the low one), and the empty
stream."""

import asyncio
import random
import sys

import pytest

from _servers import run
from _stream_helpers import make
from aiohttp_client.streams import (
    EMPTY_PAYLOAD,
    EmptyStreamReader,
    StreamReader,
)

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
