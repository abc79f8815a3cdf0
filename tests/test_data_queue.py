"""Tests of aiohttp_client.streams.DataQueue and FlowControlDataQueue, and the
module's exports."""

import asyncio
from typing import Any

import pytest

from _servers import run
from _stream_helpers import FakeProtocol, aio_streams, needs_aiohttp, spin
from aiohttp_client import streams
from aiohttp_client.streams import (
    DataQueue,
    EofStream,
    FlowControlDataQueue,
)

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
