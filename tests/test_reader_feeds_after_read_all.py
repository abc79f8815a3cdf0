"""Body pieces that reach a stream whose ``read()`` is collecting the whole body.

``StreamReader.read()`` raises the stream's water marks to ``(sys.maxsize, 2 *
sys.maxsize)`` (no point pausing a producer whose consumer takes everything).  A second
piece that arrives before the woken ``read()`` waits again -- as when a transport calls
``data_received`` more than once in one callback (seen with HTTP/1.1 over TLS on
CPython 3.9, not on 3.11+) -- meets no waiter, so the compiled reader
takes its inline path: it must compare against a high-water mark beyond ``Py_ssize_t``
(found by ``tools/wheels``: ``OverflowError`` in the cp39 wheel's HTTP/1.1-over-TLS
uploads of ``tests/test_http2_parity.py``).  Both twins; no I/O (the sink records the
flow-control calls, as in ``tests/test_reader_stream_feed.py``).
"""

import asyncio
from typing import Any

import pytest

from _servers import run
from aiohttp_client._sansio._framing import CHUNKED
from aiohttp_client.streams import StreamReader


class _Sink:
    def __init__(self) -> None:
        self.streams: list[StreamReader] = []
        self.calls: list[str] = []

    def pause_reading(self) -> None:
        self.calls.append("pause")

    def resume_reading(self) -> None:
        self.calls.append("resume")

    def on_head(self, head: Any, framing: Any) -> Any:
        stream = StreamReader(self, 2**16)
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


_PIECES = [b"a" * 1000, b"b" * 7, b"c" * 300, b"d" * 70_000]
_WIRE = {
    "length": (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % sum(map(len, _PIECES)), _PIECES, b""),
    "chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        [b"%x\r\n%s\r\n" % (len(p), p) for p in _PIECES],
        b"0\r\n\r\n",
    ),
}


@pytest.mark.parametrize("framing", list(_WIRE))
def test_pieces_back_to_back_while_read_collects_the_body(response_reader_cls: Any, framing: str) -> None:
    head, pieces, end = _WIRE[framing]

    async def main() -> tuple[bytes, list[str]]:
        sink = _Sink()
        reader = response_reader_cls(sink)
        reader.start("GET")
        reader.feed(head)
        stream = sink.streams[0]
        whole = asyncio.ensure_future(stream.read())
        await asyncio.sleep(0)  # read() now waits, its water marks raised
        for piece in pieces:  # several data_received calls in one callback: no waiter after the first
            reader.feed(piece)
        reader.feed(end)
        return await asyncio.wait_for(whole, 5), sink.calls

    body, calls = run(main())
    assert body == b"".join(_PIECES)
    assert calls == []  # a consumer that takes everything never pauses the producer
