"""HTTP/2 connection protocol (issue 17) driven directly over real sockets: the raw
``h2`` server of ``_h2_servers.py`` on 127.0.0.1 plays the protocol cases (GOAWAY
mid-flight, RST_STREAM mid-body, a window never opened, one stream at a time,
forbidden response fields), and checks what it received frame by frame."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from _h2_client import begin, fetch, open_h2, request_head
from _h2_servers import SETTINGS, H2Request, H2ServerConn
from _servers import pattern_bytes, run
from aiohttp_client._models import HttpVersion
from aiohttp_client._protocols._exchange import ReaderOptions
from aiohttp_client._protocols._h2 import STREAM_WINDOW
from aiohttp_client.client_exceptions import (
    ClientConnectionResetError,
    ClientPayloadError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from aiohttp_client.http_exceptions import BadHttpMessage


def test_get_head_fields_and_request_fields(h2_server):
    srv = h2_server()

    async def main():
        proto = await open_h2(srv.url())
        fields = [
            ("X-Mixed-Case", "v1"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"),
            ("Upgrade", "websocket"),
            ("Proxy-Connection", "keep-alive"),
            ("TE", "gzip"),
        ]
        head, body = await fetch(proto, "GET", srv.url("/a?b=1"), fields=fields)
        assert head.version == HttpVersion(2, 0)
        assert head.status == 200 and head.reason == "OK"
        assert dict(head.headers) == {"content-type": "text/plain"}
        assert head.raw_headers == ((b"content-type", b"text/plain"),)
        assert body == b"/a?b=1|"
        proto.close()

    run(main())
    (req,) = srv.requests
    assert req.headers == [
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":authority", f"127.0.0.1:{srv.port}".encode()),
        (b":path", b"/a?b=1"),
        (b"x-mixed-case", b"v1"),
    ]


@pytest.mark.parametrize("bad", ["a\r\nb", "a\nb", "a\x00b"])
def test_cr_lf_nul_refused(h2_server, bad):
    srv = h2_server()

    async def main():
        proto = await open_h2(srv.url())
        ex = proto.new_exchange()
        ex.start("GET", ReaderOptions())
        with pytest.raises(ValueError):
            ex.write_head(request_head("GET", srv.url(), [("X-Bad", bad)]), b"")
        ex.release()
        head, _ = await fetch(proto, "GET", srv.url("/ok"))  # the connection is fine
        assert head.status == 200
        proto.close()

    run(main())
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    "fields",
    [[(b"transfer-encoding", b"chunked")], [(b"X-Upper", b"1")], [(b"connection", b"close")]],
    ids=["transfer-encoding", "upper-case", "connection"],
)
def test_forbidden_response_field_is_a_protocol_error(h2_server, fields):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.respond(req.stream_id, 200, fields, b"body")

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex, fut = begin(proto, "GET", srv.url())
        with pytest.raises(BadHttpMessage, match="protocol error"):
            await asyncio.wait_for(fut, 5)
        assert ex.must_close and proto.should_close
        await asyncio.wait_for(proto.closed, 5)  # the connection is closed
        ex.release()

    run(main())
    # The server got our GOAWAY (PROTOCOL_ERROR) before the close.
    assert srv.call(lambda: srv.connections[0].client_goaway)


def _hold_until(n):
    """A handler that answers nothing until *n* requests arrived."""

    async def wait(conn: H2ServerConn) -> None:
        for _ in range(500):  # polled: an asyncio.Event binds a loop at creation on 3.9
            if len(conn.streams) >= n:
                return
            await asyncio.sleep(0.01)
        raise asyncio.TimeoutError

    return wait


def test_goaway_mid_flight_unprocessed_streams_retryable(h2_server):
    wait = _hold_until(3)

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        await wait(conn)
        if req.stream_id == 1:
            conn.respond(req.stream_id, 200, [], b"first part ", end=False)
            conn.goaway(last_stream_id=1)
            await asyncio.sleep(0.05)
            conn.send(req.stream_id, b"and the rest", end=True)

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex1, f1 = begin(proto, "GET", srv.url("/1"))
        ex3, f3 = begin(proto, "GET", srv.url("/3"))
        ex5, f5 = begin(proto, "GET", srv.url("/5"))
        head, stream = await asyncio.wait_for(f1, 5)
        for fut in (f3, f5):
            with pytest.raises(ServerDisconnectedError, match="GOAWAY"):
                await asyncio.wait_for(fut, 5)
        assert ex3.retryable and ex5.retryable and not ex1.retryable
        assert proto.capacity == 0 and not proto.should_close  # no new stream; stream 1 goes on
        assert await asyncio.wait_for(stream.read(), 5) == b"first part and the rest"
        for ex in (ex1, ex3, ex5):
            ex.release()
        await asyncio.wait_for(proto.closed, 5)  # closed once its last stream ended

    run(main())


def test_goaway_with_error_fails_processed_streams(h2_server):
    wait = _hold_until(2)

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        await wait(conn)
        if req.stream_id == 1:
            conn.respond(1, 200, [], b"partial", end=False)
            await asyncio.sleep(0.02)
            conn.goaway(last_stream_id=1, code=2)  # INTERNAL_ERROR
            conn.close()

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex1, f1 = begin(proto, "GET", srv.url("/1"))
        ex3, f3 = begin(proto, "GET", srv.url("/3"))
        head, stream = await asyncio.wait_for(f1, 5)
        with pytest.raises(ClientPayloadError):
            await asyncio.wait_for(stream.read(), 5)
        with pytest.raises(ServerDisconnectedError):
            await asyncio.wait_for(f3, 5)
        assert ex3.retryable and not ex1.retryable
        ex1.release()
        ex3.release()
        await asyncio.wait_for(proto.closed, 5)

    run(main())


def test_rst_stream_mid_body_then_connection_reused(h2_server):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if req.header(b":path") == b"/reset":
            conn.respond(req.stream_id, 200, [(b"content-length", b"100")], b"x" * 10, end=False)
            await asyncio.sleep(0.02)
            conn.reset(req.stream_id, 2)
        else:
            conn.respond(req.stream_id, 200, [], b"fine")

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        with pytest.raises(ClientPayloadError, match="reset"):
            await fetch(proto, "GET", srv.url("/reset"))
        assert not proto.should_close
        head, body = await fetch(proto, "GET", srv.url("/other"))
        assert body == b"fine"
        proto.close()

    run(main())
    assert len(srv.connections) == 1


def test_refused_stream_before_head_is_retryable(h2_server):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.reset(req.stream_id, 7)  # REFUSED_STREAM: not processed (RFC 9113 §8.7)

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex, fut = begin(proto, "GET", srv.url())
        with pytest.raises(ServerDisconnectedError):
            await asyncio.wait_for(fut, 5)
        assert ex.retryable and not ex.must_close
        ex.release()
        proto.close()

    run(main())


def test_window_never_opened_upload_times_out_no_hang(h2_server):
    srv = h2_server(settings={SETTINGS.INITIAL_WINDOW_SIZE: 0}, ack_data=False)

    async def main():
        proto = await open_h2(srv.url())
        ex = proto.new_exchange()
        fut = ex.start("POST", ReaderOptions())
        ex.write_head(request_head("POST", srv.url("/up")), None)
        ex.write(b"y" * 200_000)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ex.drain(), 0.5)
        ex.release()  # resets the stream; the connection stays usable
        fut.cancel()
        assert proto.is_connected()
        proto.close()

    run(main())
    assert srv.requests[0].body == b""  # not one DATA byte went out
    assert srv.call(lambda: srv.requests[0].reset) == 8  # CANCEL


def test_max_concurrent_streams_one_queues(h2_server):
    live = {"now": 0, "max": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        live["now"] += 1
        live["max"] = max(live["max"], live["now"])
        await asyncio.sleep(0.03)
        live["now"] -= 1
        conn.respond(req.stream_id, 200, [], req.header(b":path"))

    srv = h2_server(handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 1})

    async def main():
        proto = await open_h2(srv.url())
        assert proto.capacity == 1
        results = await asyncio.gather(*(fetch(proto, "GET", srv.url(f"/{i}")) for i in range(4)))
        assert [body for _, body in results] == [f"/{i}".encode() for i in range(4)]
        proto.close()

    run(main())
    assert live["max"] == 1 and len(srv.requests) == 4


def test_slow_reader_bounded_and_other_streams_go_on(h2_server):
    big = pattern_bytes(8 * 2**20)

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if req.header(b":path") == b"/big":
            conn.respond(req.stream_id, 200, [], None, end=False)
            await conn.send_all(req.stream_id, big)
        else:
            conn.respond(req.stream_id, 200, [], b"small")

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex, fut = begin(proto, "GET", srv.url("/big"))
        head, stream = await asyncio.wait_for(fut, 5)
        await asyncio.sleep(0.3)  # the reader sleeps: the server fills our windows
        low, high = stream.get_read_buffer_limits()
        assert stream.total_bytes <= high + STREAM_WINDOW + 2**14
        # Another stream on the same connection is not stalled by the paused one.
        _, small = await asyncio.wait_for(fetch(proto, "GET", srv.url("/small")), 5)
        assert small == b"small"
        got = bytearray()
        peak = 0
        while True:
            chunk = await asyncio.wait_for(stream.readany(), 10)
            if not chunk:
                break
            got += chunk
            peak = max(peak, stream.total_bytes - len(got))
        assert bytes(got) == big
        assert peak <= high + STREAM_WINDOW + 2**14
        ex.release()
        proto.close()

    run(main(), timeout=60)


def test_sock_read_per_stream(h2_server):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if req.header(b":path") == b"/stall":
            conn.respond(req.stream_id, 200, [], b"some", end=False)  # then nothing
        else:
            conn.respond(req.stream_id, 200, [], b"quick")

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex, fut = begin(proto, "GET", srv.url("/stall"), options=ReaderOptions(read_timeout=0.3))
        head, stream = await asyncio.wait_for(fut, 5)
        with pytest.raises(SocketTimeoutError):
            await asyncio.wait_for(stream.read(), 5)
        ex.release()
        _, body = await fetch(proto, "GET", srv.url("/q"))  # the connection goes on
        assert body == b"quick"
        proto.close()

    run(main())
    assert srv.call(lambda: srv.requests[0].reset) == 8


def test_expect_100_continue(h2_server):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if not req.ended:
            conn.respond(req.stream_id, 100, [], None, end=False)
            for _ in range(200):
                if req.ended:
                    break
                await asyncio.sleep(0.01)
        conn.respond(req.stream_id, 201, [], bytes(req.body))

    srv = h2_server(handler, on_headers=True)

    async def main():
        proto = await open_h2(srv.url())
        ex = proto.new_exchange()
        fut = ex.start("PUT", ReaderOptions())
        ex.write_head(request_head("PUT", srv.url("/e"), [("Expect", "100-continue")]), None)
        await asyncio.wait_for(ex.expect_continue(), 5)
        ex.write(b"payload after 100")
        await ex.drain()
        ex.end_body()
        ex.request_sent()
        head, stream = await asyncio.wait_for(fut, 5)
        assert head.status == 201 and head.reason == "Created"
        assert await stream.read() == b"payload after 100"
        ex.release()
        proto.close()

    run(main())


def test_upload_larger_than_windows(h2_server):
    body = pattern_bytes(3 * 2**20)
    srv = h2_server()

    async def main():
        proto = await open_h2(srv.url())
        ex = proto.new_exchange()
        fut = ex.start("POST", ReaderOptions())
        ex.write_head(request_head("POST", srv.url("/u")), None)
        for i in range(0, len(body), 100_000):
            ex.write(body[i : i + 100_000])
            await asyncio.wait_for(ex.drain(), 5)
        ex.end_body()
        ex.request_sent()
        head, stream = await asyncio.wait_for(fut, 10)
        assert await stream.read() == b"/u|" + body
        ex.release()
        proto.close()

    run(main(), timeout=30)


def test_gzip_content_coding_decoded(h2_server):
    text = b"hello h2 " * 5000

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.respond(req.stream_id, 200, [(b"content-encoding", b"gzip")], gzip.compress(text))

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        head, body = await fetch(proto, "GET", srv.url())
        assert body == text
        head, body = await fetch(proto, "GET", srv.url(), options=ReaderOptions(auto_decompress=False))
        assert gzip.decompress(body) == text
        proto.close()

    run(main())


def test_connection_lost_before_head_and_mid_body(h2_server):
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if req.header(b":path") == b"/mid":
            conn.respond(req.stream_id, 200, [(b"content-length", b"10")], b"abc", end=False)
            await asyncio.sleep(0.02)
        conn.close()

    srv = h2_server(handler)

    async def main():
        proto = await open_h2(srv.url())
        ex, fut = begin(proto, "GET", srv.url("/mid"))
        head, stream = await asyncio.wait_for(fut, 5)
        with pytest.raises(ClientPayloadError):
            await asyncio.wait_for(stream.read(), 5)
        ex.release()
        proto2 = await open_h2(srv.url())
        ex, fut = begin(proto2, "GET", srv.url("/early"))
        with pytest.raises(ServerDisconnectedError):
            await asyncio.wait_for(fut, 5)
        assert ex.must_close
        ex.release()
        after = proto2.new_exchange()  # a lease on a lost connection fails at once
        fut = after.start("GET", ReaderOptions())
        with pytest.raises(ClientConnectionResetError):
            after.write_head(request_head("GET", srv.url("/after")), b"")
        with pytest.raises(ServerDisconnectedError):
            await fut

    run(main())
