"""ResponseProtocol driven through a fake transport that replays wire bytes
(httpcore MockStream style): exception mapping, flow control, read timeout."""

import asyncio
from typing import Any

import pytest

from _servers import run
from aiohttp_client._protocols._exchange import ReaderOptions
from aiohttp_client._protocols._protocol import ResponseProtocol
from aiohttp_client.client_exceptions import ClientPayloadError, ServerDisconnectedError, SocketTimeoutError
from aiohttp_client.http_exceptions import BadStatusLine


class FakeTransport(asyncio.Transport):
    def __init__(self, protocol: ResponseProtocol) -> None:
        super().__init__()
        self.protocol = protocol
        self.paused = False
        self.pauses = 0
        self.closing = False

    def pause_reading(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        self.paused = False

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def write(self, data: Any) -> None:
        pass


async def connect(head_parser_cls: Any, chunked_decoder_cls: Any, reader_cls: Any, **kw: Any) -> Any:
    loop = asyncio.get_running_loop()
    proto = ResponseProtocol(
        loop, head_parser_cls=head_parser_cls, chunked_decoder_cls=chunked_decoder_cls, reader_cls=reader_cls
    )
    transport = FakeTransport(proto)
    proto.connection_made(transport)
    waiter = proto.start("GET", ReaderOptions(**kw))
    proto.request_sent()  # the request went out: sock_read counts from here
    return proto, transport, waiter


def test_head_and_body(head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(head_parser_cls, chunked_decoder_cls, response_reader_cls)
        completed: list[bool] = []
        for piece in (b"HTTP/1.1 200 OK\r\nContent-", b"Length: 5\r\n\r\nhe", b"llo"):
            proto.data_received(piece)
        head, stream = await waiter
        proto.set_on_complete(lambda: completed.append(True))
        assert head.status == 200 and await stream.read() == b"hello"
        assert completed == [True] and not proto.should_close

    run(main())


def test_eof_before_head_is_server_disconnected(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(head_parser_cls, chunked_decoder_cls, response_reader_cls)
        proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Le")
        proto.connection_lost(None)
        with pytest.raises(ServerDisconnectedError):
            await waiter

    run(main())


def test_bad_head_is_passed_to_the_response_and_closes(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(head_parser_cls, chunked_decoder_cls, response_reader_cls)
        proto.data_received(b"HTTP/1.1 2x0 OK\r\n\r\n")
        with pytest.raises(BadStatusLine):
            await waiter
        assert transport.closing and proto.should_close

    run(main())


def test_truncated_body_keeps_delivered_bytes(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(head_parser_cls, chunked_decoder_cls, response_reader_cls)
        proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        head, stream = await waiter
        assert await stream.readany() == b"0123456789"
        proto.connection_lost(None)
        with pytest.raises(ClientPayloadError):
            await stream.read()
        assert proto.should_close

    run(main())


def test_flow_control_pauses_transport(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(
            head_parser_cls, chunked_decoder_cls, response_reader_cls, read_bufsize=1024
        )
        proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n")
        head, stream = await waiter
        proto.data_received(b"x" * 5000)
        assert transport.paused and proto.reading_paused
        data = await stream.read(5000)
        await asyncio.sleep(0)  # the resume runs in its own loop callback
        assert len(data) == 5000 and not transport.paused
        proto.data_received(b"y" * 5000)
        rest = await stream.read()
        assert rest == b"y" * 5000

    run(main())


def test_paused_chunked_tail_delivered_in_order(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    """Thousands of 1-byte chunks in one read: the reader stops at the piece cap when
    the stream paused and continues from its offset when the stream drains."""

    async def main() -> None:
        proto, transport, waiter = await connect(
            head_parser_cls, chunked_decoder_cls, response_reader_cls, read_bufsize=16
        )
        body = b"".join(b"1\r\n%c\r\n" % (97 + i % 26) for i in range(20000)) + b"0\r\n\r\n"
        proto.data_received(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        head, stream = await waiter
        assert transport.paused
        got = await stream.read()
        assert got == bytes(97 + i % 26 for i in range(20000))

    run(main())


def test_sock_read_timeout(head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(
            head_parser_cls, chunked_decoder_cls, response_reader_cls, read_timeout=0.05
        )
        proto.data_received(b"HTTP/1.1 200 OK\r\n")
        with pytest.raises(SocketTimeoutError):
            await waiter
        assert transport.closing

    run(main())


def test_sock_read_counts_from_request_sent(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        proto = ResponseProtocol(
            loop,
            head_parser_cls=head_parser_cls,
            chunked_decoder_cls=chunked_decoder_cls,
            reader_cls=response_reader_cls,
        )
        proto.connection_made(FakeTransport(proto))
        waiter = proto.start("GET", ReaderOptions(read_timeout=0.05))
        await asyncio.sleep(0.15)  # a slow upload: no timer yet
        assert not waiter.done()
        proto.request_sent()
        with pytest.raises(SocketTimeoutError):
            await waiter

    run(main())


def test_sock_read_timeout_resets_on_data(
    head_parser_cls: Any, chunked_decoder_cls: Any, response_reader_cls: Any
) -> None:
    async def main() -> None:
        proto, transport, waiter = await connect(
            head_parser_cls, chunked_decoder_cls, response_reader_cls, read_timeout=0.2
        )
        proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        head, stream = await waiter
        for piece in (b"a", b"b", b"c"):  # each gap is under the timeout, the sum is not
            await asyncio.sleep(0.08)
            proto.data_received(piece)
        assert await stream.read() == b"abc"

    run(main())
