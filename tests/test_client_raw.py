"""End to end against a scripted raw TCP peer: exact response bytes in, public API out.

Every test drives the client only through its aiohttp-compatible public API (a user's
``import aiohttp`` becomes ``import aiohttp_client as aiohttp``) and checks what the
server received byte for byte where that matters.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import time
import zlib

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import Reply, run

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def response(status: bytes, *fields: bytes, body: bytes = b"") -> bytes:
    """``HTTP/1.1 <status>``, the field lines, the empty line, then *body*."""
    return b"\r\n".join((b"HTTP/1.1 " + status,) + fields) + b"\r\n\r\n" + body


def parse_request(raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """Split a recorded request into request-line, field pairs and body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields.append((name, value.strip()))
    return lines[0], fields, body


def field_values(fields: list[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in fields if n.lower() == name.lower()]


async def get(url: str, **kwargs: object) -> tuple[aiohttp.ClientResponse, bytes]:
    """One GET in its own session; returns the (released) response and its body."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as resp:
            return resp, await resp.read()


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


# --------------------------------------------------------------------------------------
# Content-Encoding
# --------------------------------------------------------------------------------------

TEXT = b"compressible text " * 500


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize(
    "coding, encoded",
    [
        ("gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", _raw_deflate(TEXT)),
    ],
    ids=["gzip", "deflate-zlib", "deflate-raw"],
)
def test_content_encoding_is_decoded(raw_server, coding: str, encoded: bytes) -> None:
    fields = (b"Content-Encoding: " + coding.encode(), b"Content-Length: %d" % len(encoded))
    srv = raw_server(Reply.of(response(b"200 OK", *fields, body=encoded)))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == TEXT
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == encoded

    run(main())
    # The client offered the codings it decodes.
    _, fields_sent, _ = parse_request(srv.requests[0])
    offered = ",".join(field_values(fields_sent, "Accept-Encoding"))
    assert "gzip" in offered and "deflate" in offered


def test_chunked_gzip_split_at_odd_places(raw_server) -> None:
    encoded = gzip.compress(TEXT)
    chunks = [encoded[i : i + 333] for i in range(0, len(encoded), 333)]
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    head = response(b"200 OK", b"Transfer-Encoding: chunked", b"Content-Encoding: gzip")
    wire = head + body
    srv = raw_server(Reply.of(*[wire[i : i + 500] for i in range(0, len(wire), 500)]))

    resp, got = run(get(srv.url()))
    assert got == TEXT


# --------------------------------------------------------------------------------------
# Timeouts
# --------------------------------------------------------------------------------------


def test_sock_read_timeout_waiting_for_head(raw_server) -> None:
    srv = raw_server(Reply(hang=True))

    async def main() -> float:
        start = time.monotonic()
        timeout = aiohttp.ClientTimeout(sock_read=0.2)
        with pytest.raises(aiohttp.SocketTimeoutError) as info:
            await get(srv.url(), timeout=timeout)
        assert isinstance(info.value, aiohttp.ServerTimeoutError)
        assert isinstance(info.value, asyncio.TimeoutError)
        return time.monotonic() - start

    assert run(main()) < 3


def test_sock_read_timeout_inside_the_body(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 10", body=b"01234"), hang=True))

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(sock_read=0.2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(srv.url()) as resp:
                with pytest.raises(aiohttp.SocketTimeoutError):
                    await resp.read()

    run(main())


def test_total_timeout(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 10", body=b"0"), b"1", b"2", b"3", delay=0.2))

    async def main() -> float:
        start = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=0.3)
        with pytest.raises(asyncio.TimeoutError):
            await get(srv.url(), timeout=timeout)
        return time.monotonic() - start

    assert run(main()) < 3


# --------------------------------------------------------------------------------------
# What the server receives
# --------------------------------------------------------------------------------------


def test_request_line_host_and_params(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    run(get(srv.url("/a/path?x=1"), params={"y": "two words"}))
    line, fields, body = parse_request(srv.requests[0])
    assert line == "GET /a/path?x=1&y=two+words HTTP/1.1"
    assert field_values(fields, "Host") == [srv.host]
    assert body == b""
    assert not field_values(fields, "Content-Length") or field_values(fields, "Content-Length") == ["0"]


def test_bytes_body_has_content_length(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/upload"), data=b"\x00binary\xff") as resp:
                assert await resp.read() == b"ok"

    run(main())
    line, fields, body = parse_request(srv.requests[0])
    assert line == "POST /upload HTTP/1.1"
    assert field_values(fields, "Content-Length") == ["8"]
    assert not field_values(fields, "Transfer-Encoding")
    assert body == b"\x00binary\xff"


def test_dict_data_is_form_urlencoded(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data={"a": "1", "b": "x y&z"}) as resp:
                await resp.read()

    run(main())
    _, fields, body = parse_request(srv.requests[0])
    assert field_values(fields, "Content-Type") == ["application/x-www-form-urlencoded"]
    assert body == b"a=1&b=x+y%26z"
    assert field_values(fields, "Content-Length") == [str(len(body))]


def test_json_body(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    document = {"k": [1, 2, "three"], "nested": {"ok": True}}

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.put(srv.url(), json=document) as resp:
                await resp.read()

    run(main())
    line, fields, body = parse_request(srv.requests[0])
    assert line.startswith("PUT ")
    assert field_values(fields, "Content-Type") == ["application/json"]
    assert json.loads(body) == document
    assert field_values(fields, "Content-Length") == [str(len(body))]


def test_basic_auth_header(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        auth = aiohttp.BasicAuth("user", "pass word")
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url(), auth=auth) as resp:
                await resp.read()

    run(main())
    _, fields, _ = parse_request(srv.requests[0])
    expected = "Basic " + base64.b64encode(b"user:pass word").decode()
    assert field_values(fields, "Authorization") == [expected]


def test_custom_headers_are_sent(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(headers={"X-Session": "s"}) as session:
            async with session.get(srv.url(), headers={"X-Request": "r"}) as resp:
                await resp.read()

    run(main())
    _, fields, _ = parse_request(srv.requests[0])
    assert field_values(fields, "X-Session") == ["s"]
    assert field_values(fields, "X-Request") == ["r"]


# --------------------------------------------------------------------------------------
# Refused before anything is written
# --------------------------------------------------------------------------------------


def _assert_nothing_written(srv: object) -> None:
    time.sleep(0.1)  # let any bytes that were sent arrive
    assert srv.received == b""  # type: ignore[attr-defined]
    assert srv.requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Evil": "a\r\nX-Injected: 1"},
        {"X-Evil": "a\nX-Injected: 1"},
        {"X-Evil": "a\rb"},
        {"X-Evil": "a\x00b"},
        {"X-Evil\r\nX-Injected": "1"},
    ],
    ids=["crlf", "lf", "cr", "nul", "crlf-in-name"],
)
def test_control_characters_in_headers_are_refused(raw_server, headers: dict[str, str]) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ValueError):
                async with session.get(srv.url(), headers=headers):
                    pass

    run(main())
    _assert_nothing_written(srv)


@pytest.mark.parametrize("path", ["/a\r\nX-Injected: 1", "/a\nb", "/a\x00b"], ids=["crlf", "lf", "nul"])
def test_control_characters_in_an_encoded_path_are_refused(raw_server, path: str) -> None:
    srv = raw_server(Reply.of(OK))
    url = URL.build(scheme="http", host="127.0.0.1", port=srv.port, path=path, encoded=True)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ValueError):
                async with session.get(url):
                    pass

    run(main())
    _assert_nothing_written(srv)


def test_crlf_in_a_url_string_cannot_inject(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(srv.url("/a\r\nX-Injected: 1\r\n")) as resp:
                    await resp.read()
            except ValueError:
                pass  # refusing is fine too

    run(main())
    time.sleep(0.05)
    assert b"\r\nX-Injected" not in srv.received
    for raw in srv.requests:
        line, _, _ = parse_request(raw)
        assert line.count(" ") == 2


@pytest.mark.parametrize("method", ["GE T", "GET\r\n", "GET\x00", "", "G(ET)"])
def test_method_that_is_not_a_token_is_refused(raw_server, method: str) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ValueError):
                async with session.request(method, srv.url()):
                    pass

    run(main())
    _assert_nothing_written(srv)


def test_read_after_release_of_an_unfinished_body_raises(raw_server) -> None:
    srv = raw_server([Reply.of(response(b"200 OK", b"Content-Length: 10", body=b"01234"), hang=True)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(srv.url())
            resp.release()  # the body is incomplete: the connection is closed, not pooled
            with pytest.raises(aiohttp.ClientConnectionError):
                await resp.read()

    run(main())


def test_trust_env_uses_the_environment_proxy_unless_no_proxy_matches(raw_server, monkeypatch) -> None:
    srv = raw_server([Reply.of(OK)])
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)

    async def main() -> None:
        async with aiohttp.ClientSession(trust_env=True) as session:
            with pytest.raises(aiohttp.ClientProxyConnectionError):  # nothing listens on port 9
                await session.get(srv.url())
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        async with aiohttp.ClientSession(trust_env=True) as session:
            async with session.get(srv.url()) as resp:  # bypassed: goes direct
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 1


def test_body_read_after_its_session_closed_raises_runtime_error(raw_server) -> None:
    """The session (and so its connector) closed while the body is unfinished: the
    connection is closed by its owner, not lost, and a read that would wait raises
    ``RuntimeError("Connection closed.")``, as aiohttp 3.14.5 does; the bytes that had
    arrived were not handed out as a complete body.
    """
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 1000", body=b"x" * 10), hang=True))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(srv.url("/"))
            assert resp.status == 200
        with pytest.raises(RuntimeError, match="Connection closed"):
            await resp.read()
        with pytest.raises(RuntimeError, match="Connection closed"):
            await resp.content.read(100)

    run(main())
