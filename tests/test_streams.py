"""Tests of aiohttp_client.streams.StreamReader: reading, waiting, EOF and exceptions.

Chunk reporting and flow control are in test_streams_flow.py, DataQueue in
test_data_queue.py, the differential tests against aiohttp's StreamReader in
test_streams_differential.py.
"""

import asyncio
import logging

import pytest

from _servers import run
from _stream_helpers import fresh, make, spin
from aiohttp_client.http_exceptions import LineTooLong

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


def test_callbacks_after_an_exception_run_once_at_eof() -> None:
    async def main() -> None:
        s, _ = make()
        calls: list[str] = []
        s.on_eof(lambda: calls.append("dropped"))
        s.set_exception(RuntimeError("x"))
        s.on_eof(lambda: calls.append("a"))
        s.on_eof(lambda: calls.append("b"))
        assert calls == []
        s.feed_eof()
        assert calls == ["a", "b"]
        s.feed_eof()  # a second end runs nothing again
        assert calls == ["a", "b"]

    run(main())
