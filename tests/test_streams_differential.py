"""Differential tests: the same scripts of producer and consumer operations run against
our StreamReader and aiohttp's (the test peer), which must give the same results,
exceptions, EOF and flow-control state after every step."""

import asyncio
import random
from collections.abc import Awaitable
from typing import Any, Callable, Optional

import pytest

from _servers import run
from _stream_helpers import FakeProtocol, aio_streams, needs_aiohttp, spin
from aiohttp_client.streams import (
    EmptyStreamReader,
    StreamReader,
)

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
