"""End to end against a scripted raw TCP peer: body framing and connection reuse.

Every test here and in ``test_client_raw_defects.py`` and ``test_client_raw_requests.py``
drives the client only through its aiohttp-compatible public API (a user's ``import
aiohttp`` becomes ``import aiohttp_client as aiohttp``) and checks what the server
received byte for byte where that matters.
"""

from __future__ import annotations

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK, get, response
from _servers import Reply, run

# --------------------------------------------------------------------------------------
# Body framing
# --------------------------------------------------------------------------------------


def test_content_length_body_status_and_headers(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            response(
                b"200 OK",
                b"Content-Length: 11",
                b"Content-Type: text/plain; charset=utf-8",
                b"X-Multi: a",
                b"X-Multi: b",
                body=b"hello world",
            )
        )
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/path")) as resp:
                assert resp.status == 200
                assert resp.reason == "OK"
                assert resp.version == aiohttp.HttpVersion11
                assert resp.headers["Content-Length"] == "11"
                assert resp.headers["content-type"] == "text/plain; charset=utf-8"
                assert resp.headers.getall("X-Multi") == ["a", "b"]
                assert (b"X-Multi", b"a") in resp.raw_headers
                assert (b"X-Multi", b"b") in resp.raw_headers
                assert resp.content_length == 11
                assert await resp.read() == b"hello world"
                assert await resp.text() == "hello world"

    run(main())


def test_status_line_without_reason(raw_server) -> None:
    srv = raw_server(Reply.of(b"HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n"))

    resp, body = run(get(srv.url()))
    assert (resp.status, resp.reason, body) == (201, "", b"")


def test_chunked_with_extensions_and_trailers_then_reuse(raw_server) -> None:
    head = response(b"200 OK", b"Transfer-Encoding: chunked")
    srv = raw_server(
        [
            # Split inside the size line, the data and the trailer section.
            Reply.of(
                head + b"5\r\nhel",
                b"lo\r\n6;name=value\r\n wor",
                b"ld\r\n0\r\nX-Trailer: yes\r",
                b"\n\r\n",
                delay=0.02,
            ),
            Reply.of(OK),
        ]
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert "Content-Length" not in resp.headers
                assert await resp.read() == b"hello world"
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    # The trailer section was consumed exactly: the connection was reusable.
    assert srv.accepted == 1
    assert len(srv.requests) == 2


def test_body_until_close_without_length(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            response(b"200 OK", b"Content-Type: text/plain", body=b"first part, "),
            b"second part",
            close=True,
            delay=0.05,
        )
    )

    resp, body = run(get(srv.url()))
    assert resp.status == 200
    assert body == b"first part, second part"


def test_iter_chunked_over_many_pieces(raw_server) -> None:
    payload = bytes(range(256)) * 1000
    pieces = [payload[i : i + 7000] for i in range(0, len(payload), 7000)]
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: %d" % len(payload)), *pieces, delay=0.001))

    async def main() -> bytes:
        got = []
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                async for chunk in resp.content.iter_chunked(4096):
                    assert 0 < len(chunk) <= 4096
                    got.append(chunk)
        return b"".join(got)

    assert run(main()) == payload


# --------------------------------------------------------------------------------------
# Connection reuse
# --------------------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 1
    assert len(srv.requests) == 3


def test_response_not_read_to_the_end_is_not_reused(raw_server) -> None:
    srv = raw_server(
        [
            Reply.of(response(b"200 OK", b"Content-Length: 100000", body=b"0123456789"), hang=True),
            Reply.of(OK),
        ]
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert await resp.content.readexactly(5) == b"01234"
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2
    assert srv.connections[0].closed_by_peer.wait(5), "the unfinished connection stayed open"
    assert len(srv.connections[0].requests) == 1


def test_response_released_unread_with_await_is_not_reused(raw_server) -> None:
    srv = raw_server(
        [
            Reply.of(response(b"200 OK", b"Content-Length: 100000", body=b"x" * 10), hang=True),
            Reply.of(OK),
        ]
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(srv.url())
            assert resp.status == 200
            resp.release()
            resp = await session.get(srv.url())
            assert await resp.read() == b"ok"
            resp.release()

    run(main())
    assert srv.accepted == 2


def test_response_that_failed_is_not_reused(raw_server) -> None:
    head = response(b"200 OK", b"Transfer-Encoding: chunked")
    srv = raw_server([Reply.of(head, b"zz\r\nhello\r\n", delay=0.05), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2


def test_idempotent_request_is_retried_when_a_kept_alive_connection_died(raw_server) -> None:
    # The second request goes out on the pooled connection, which the server then
    # closes without answering (as when its keep-alive timer fired at that moment).
    srv = raw_server([Reply.of(OK), Reply(close=True), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2
    assert len(srv.requests) == 3


def test_post_is_not_retried_when_a_kept_alive_connection_died(raw_server) -> None:
    srv = raw_server([Reply.of(OK), Reply(close=True), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data=b"1") as resp:
                assert await resp.read() == b"ok"
            with pytest.raises(aiohttp.ServerDisconnectedError):
                async with session.post(srv.url(), data=b"2"):
                    pass

    run(main())
    assert srv.accepted == 1
    assert len(srv.requests) == 2


def test_connection_close_field_is_honoured(raw_server) -> None:
    closing = response(b"200 OK", b"Connection: close", b"Content-Length: 2", body=b"ok")
    srv = raw_server([Reply.of(closing), Reply.of(OK)])  # the server itself keeps it open

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2
    assert srv.connections[0].closed_by_peer.wait(5)


def test_http10_response_without_keep_alive_is_not_reused(raw_server) -> None:
    srv = raw_server([Reply.of(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert resp.version == aiohttp.HttpVersion10
                assert await resp.read() == b"ok"
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2
