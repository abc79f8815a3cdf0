"""WebSocket frame reader: 10,000 small text frames (``SMALL_TEXT_STREAM`` of
``tests/vectors/ws_frames.py``) parsed through to queued messages, what ``receive()``
returns: our twins behind :class:`~aiohttp_client._ws._ws_stream.WebSocketStream` (reader
+ ``DataQueue``) vs aiohttp's ``WebSocketReader`` twins with their ``WebSocketDataQueue``.

Both sides get the same 4 KiB pieces, build a fresh reader and queue in every timed
call, and never pause (limits far above the stream's size)."""

import asyncio
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from tests.vectors.ws_frames import SMALL_TEXT_STREAM

PIECE = 4096
CHUNKS = [SMALL_TEXT_STREAM[i : i + PIECE] for i in range(0, len(SMALL_TEXT_STREAM), PIECE)]
IMPLS = ["ours-py", "ours-c", "aiohttp-py", "aiohttp-c"]


class _Protocol:
    """What both queues may call on a transport-owning protocol (never here)."""

    _reading_paused = False
    reading_paused = False

    def pause_reading(self) -> None:
        raise AssertionError("the benchmark must not pause")

    def resume_reading(self) -> None:
        raise AssertionError("the benchmark must not pause")


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def ours(kind: str, loop: asyncio.AbstractEventLoop) -> Any:
    try:
        reader_cls = importlib.import_module(f"aiohttp_client._sansio._ws_reader_{kind}").WebSocketReader
    except ImportError as exc:
        pytest.skip(f"compiled twin not built ({exc})")
    from aiohttp_client._ws._ws_stream import WebSocketStream

    def run() -> Any:
        stream = WebSocketStream(_Protocol(), reader_cls(), loop, limit=1 << 40)
        for chunk in CHUNKS:
            stream.feed_data(chunk)
        return stream.queue

    return run


def theirs(kind: str, loop: asyncio.AbstractEventLoop) -> Any:
    module = importlib.import_module(f"aiohttp._websocket.reader_{kind}")

    def run() -> Any:
        queue = module.WebSocketDataQueue(_Protocol(), 1 << 29, loop=loop)
        reader = module.WebSocketReader(queue, 4 * 1024 * 1024, False, True)
        for chunk in CHUNKS:
            reader.feed_data(chunk)
        return queue

    return run


@pytest.mark.parametrize("impl", IMPLS)
def test_reader(benchmark: Any, loop: asyncio.AbstractEventLoop, impl: str) -> None:
    side, kind = impl.split("-")
    run = ours(kind, loop) if side == "ours" else theirs(kind, loop)
    benchmark.group = "ws_reader 10,000 small text frames"
    benchmark.extra_info.update(suite="ws_reader", item="10k-small-text", mode="4KiB", impl=impl)
    queue = benchmark(run)
    assert len(queue._buffer) == 10000
