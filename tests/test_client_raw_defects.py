"""End to end against a scripted raw TCP peer: broken bodies, broken heads, responses
without a body, framing conflicts and 1xx heads (the raised exception, the connection
never reused, the data already received kept)."""

from __future__ import annotations

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK, get, response
from _servers import Reply, run

# --------------------------------------------------------------------------------------
# Broken bodies
# --------------------------------------------------------------------------------------


def test_truncated_body_keeps_delivered_bytes_then_raises(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            response(b"200 OK", b"Content-Length: 100", body=b"0123456789"),
            close=True,
            delay=0.3,  # the ten bytes arrive well before the close
        )
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                delivered = b""
                with pytest.raises(aiohttp.ClientPayloadError):
                    while True:
                        chunk = await resp.content.readany()
                        assert chunk, "EOF instead of an error on a truncated body"
                        delivered += chunk
                assert delivered == b"0123456789"

    run(main())


def test_truncated_body_read_raises_payload_error(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 100", body=b"0123456789"), close=True))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()

    run(main())


def test_truncated_chunked_body_raises_payload_error(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            response(b"200 OK", b"Transfer-Encoding: chunked", body=b"a\r\n01234"),
            close=True,
        )
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()

    run(main())


@pytest.mark.parametrize("split", [True, False], ids=["body-after-head", "one-segment"])
@pytest.mark.parametrize(
    "body",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"5 5\r\nhello\r\n0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"],
    ids=["not-hex", "space-in-size", "missing-crlf-after-data"],
)
def test_bad_chunk_raises_payload_error(raw_server, body: bytes, split: bool) -> None:
    # The head is valid, so the response is returned; the error belongs to the body
    # (reference: ClientPayloadError for "malformed chunked encoding") whether or not
    # the bad bytes arrived together with the head.
    head = response(b"200 OK", b"Transfer-Encoding: chunked")
    srv = raw_server(Reply.of(head, body, delay=0.05) if split else Reply.of(head + body))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 200
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()

    run(main())


def test_invalid_gzip_body_raises_payload_error(raw_server) -> None:
    srv = raw_server(
        Reply.of(response(b"200 OK", b"Content-Encoding: gzip", b"Content-Length: 12", body=b"not gzip!!!!"))
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()

    run(main())


# --------------------------------------------------------------------------------------
# Broken heads
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTX/1.1 200 OK",
        b"HTTP/1.1200 OK",
        b"garbage",
    ],
)
def test_malformed_status_line_raises_response_error(raw_server, status_line: bytes) -> None:
    srv = raw_server(Reply.of(status_line + b"\r\nContent-Length: 0\r\n\r\n"))

    async def main() -> None:
        with pytest.raises(aiohttp.ClientResponseError):
            await get(srv.url())

    run(main())


def test_oversized_header_line_raises_response_error(raw_server) -> None:
    long_field = b"X-Long: " + b"v" * 9000
    srv = raw_server(Reply.of(response(b"200 OK", long_field, b"Content-Length: 0")))

    async def main() -> None:
        with pytest.raises(aiohttp.ClientResponseError):
            await get(srv.url())

    run(main())


def test_max_field_size_is_configurable(raw_server) -> None:
    field = b"X-Field: " + b"v" * 200
    srv = raw_server(Reply.of(response(b"200 OK", field, b"Content-Length: 2", body=b"ok")))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:  # 200 bytes pass the default
                assert resp.headers["X-Field"] == "v" * 200
                await resp.read()
        async with aiohttp.ClientSession(max_field_size=100) as session:
            with pytest.raises(aiohttp.ClientResponseError):
                async with session.get(srv.url()):
                    pass

    run(main())


def test_too_many_header_fields_raise_response_error(raw_server) -> None:
    fields = tuple(b"X-F%d: %d" % (i, i) for i in range(200))
    srv = raw_server(Reply.of(response(b"200 OK", *fields, b"Content-Length: 0")))

    async def main() -> None:
        with pytest.raises(aiohttp.ClientResponseError):
            await get(srv.url())

    run(main())


def test_max_headers_is_configurable(raw_server) -> None:
    few = tuple(b"X-F%d: %d" % (i, i) for i in range(3))
    many = tuple(b"X-F%d: %d" % (i, i) for i in range(20))
    srv = raw_server(
        [
            Reply.of(response(b"200 OK", *few, b"Content-Length: 2", body=b"ok")),
            Reply.of(response(b"200 OK", *many, b"Content-Length: 2", body=b"ok")),
        ]
    )

    async def main() -> None:
        async with aiohttp.ClientSession(max_headers=10) as session:
            async with session.get(srv.url()) as resp:
                assert resp.headers["X-F2"] == "2"
                assert await resp.read() == b"ok"
            with pytest.raises(aiohttp.ClientResponseError):
                async with session.get(srv.url()):
                    pass

    run(main())


@pytest.mark.parametrize(
    "sent",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Le", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"],
    ids=["nothing", "inside-a-field", "before-the-empty-line"],
)
def test_close_before_full_head_raises_server_disconnected(raw_server, sent: bytes) -> None:
    srv = raw_server(Reply.of(sent, close=True) if sent else Reply(close=True))

    async def main() -> None:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await get(srv.url())

    run(main())


# --------------------------------------------------------------------------------------
# Responses without a body, framing conflicts, 1xx
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, status, fields",
    [
        ("HEAD", b"200 OK", (b"Content-Length: 100",)),
        ("HEAD", b"200 OK", (b"Transfer-Encoding: chunked",)),
        ("GET", b"204 No Content", (b"Content-Length: 5",)),
        ("GET", b"304 Not Modified", (b"Content-Length: 50",)),
    ],
    ids=["HEAD-length", "HEAD-chunked", "204-length", "304-length"],
)
def test_no_body_despite_framing_fields(raw_server, method: str, status: bytes, fields: tuple[bytes, ...]) -> None:
    srv = raw_server([Reply.of(response(status, *fields)), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, srv.url()) as resp:
                assert resp.status == int(status[:3])
                assert await resp.read() == b""
            # Nothing was taken as a body: the next response on the same connection
            # is read intact.
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 1
    assert srv.requests[0].startswith(method.encode() + b" / HTTP/1.1\r\n")


def test_content_length_with_transfer_encoding_is_an_error(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            response(
                b"200 OK",
                b"Content-Length: 5",
                b"Transfer-Encoding: chunked",
                body=b"5\r\nhello\r\n0\r\n\r\n",
            )
        )
    )

    async def main() -> None:
        with pytest.raises(aiohttp.ClientResponseError):
            await get(srv.url())

    run(main())


def test_different_content_lengths_are_an_error(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 5", b"Content-Length: 6", body=b"hello!")))

    async def main() -> None:
        with pytest.raises(aiohttp.ClientResponseError):
            await get(srv.url())

    run(main())


def test_equal_content_lengths_are_accepted(raw_server) -> None:
    # RFC 9110 section 8.6: identical values may be taken as one.
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 5", b"Content-Length: 5", body=b"hello")))

    resp, body = run(get(srv.url()))
    assert (resp.status, body) == (200, b"hello")


def test_informational_responses_are_skipped(raw_server) -> None:
    srv = raw_server(
        Reply.of(
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
            response(b"200 OK", b"Content-Length: 5", b"X-Final: 1", body=b"final"),
            delay=0.02,
        )
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data=b"payload") as resp:
                assert resp.status == 200
                assert resp.headers["X-Final"] == "1"
                assert "Link" not in resp.headers
                assert await resp.read() == b"final"

    run(main())
