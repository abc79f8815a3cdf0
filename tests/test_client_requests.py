"""Request bodies on the wire (streamed, files, compression) and the redirect loop,
checked on the exact bytes a raw loopback server receives."""

import asyncio
import io
import re
import zlib
from collections.abc import AsyncIterator

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request, response
from _servers import Reply, run


def dechunk(body: bytes) -> bytes:
    """Decode a chunked body exactly (the test's own oracle, strict CRLFs)."""
    out: list[bytes] = []
    pos = 0
    for _ in range(10000):  # bounded
        nl = body.index(b"\r\n", pos)
        size = int(body[pos:nl], 16)
        pos = nl + 2
        if size == 0:
            assert body[pos:] == b"\r\n"
            return b"".join(out)
        out.append(body[pos : pos + size])
        assert body[pos + size : pos + size + 2] == b"\r\n"
        pos += size + 2
    raise AssertionError("too many chunks")


def test_async_iterable_body_is_sent_chunked(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def gen() -> AsyncIterator[bytes]:
        for i in range(5):
            await asyncio.sleep(0)
            yield b"piece%d;" % i

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/stream"), data=gen()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    line, fields, body = parse_request(srv.requests[0])
    assert field_values(fields, "Transfer-Encoding") == ["chunked"]
    assert not field_values(fields, "Content-Length")
    assert dechunk(body) == b"piece0;piece1;piece2;piece3;piece4;"


def test_file_body_has_its_size_as_content_length(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    payload = bytes(range(256)) * 600  # bigger than one file read

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.put(srv.url("/file"), data=io.BytesIO(payload)) as resp:
                assert await resp.read() == b"ok"

    run(main())
    line, fields, body = parse_request(srv.requests[0])
    assert line == "PUT /file HTTP/1.1"
    assert field_values(fields, "Content-Length") == [str(len(payload))]
    assert body == payload


def test_compress_deflates_the_body(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data=b"z" * 5000, compress="deflate") as resp:
                assert await resp.read() == b"ok"

    run(main())
    _, fields, body = parse_request(srv.requests[0])
    assert field_values(fields, "Content-Encoding") == ["deflate"]
    assert int(field_values(fields, "Content-Length")[0]) == len(body) < 5000
    assert zlib.decompress(body) == b"z" * 5000


def test_chunked_true_forces_the_chunked_coding(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data=b"abc", chunked=True) as resp:
                assert await resp.read() == b"ok"

    run(main())
    _, fields, body = parse_request(srv.requests[0])
    assert field_values(fields, "Transfer-Encoding") == ["chunked"]
    assert dechunk(body) == b"abc"


def test_303_turns_post_into_get_without_body(raw_server) -> None:
    see_other = response(b"303 See Other", b"Location: /next", b"Content-Length: 0")
    srv = raw_server([Reply.of(see_other), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/form"), data=b"x=1", headers={"X-Keep": "1"}) as resp:
                assert resp.status == 200 and await resp.read() == b"ok"
                assert [r.status for r in resp.history] == [303]
                assert resp.url.path == "/next"

    run(main())
    assert srv.accepted == 1  # the redirect body was complete: the connection was reused
    first, second = (parse_request(r) for r in srv.requests)
    assert first[0] == "POST /form HTTP/1.1" and first[2] == b"x=1"
    assert second[0] == "GET /next HTTP/1.1" and second[2] == b""
    assert not field_values(second[1], "Content-Length") and not field_values(second[1], "Content-Type")
    assert field_values(second[1], "X-Keep") == ["1"]


def test_307_keeps_method_and_body(raw_server) -> None:
    temporary = response(b"307 Temporary Redirect", b"Location: /again", b"Content-Length: 0")
    srv = raw_server([Reply.of(temporary), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.put(srv.url("/x"), data=b"payload") as resp:
                assert await resp.read() == b"ok"

    run(main())
    second = parse_request(srv.requests[1])
    assert second[0] == "PUT /again HTTP/1.1" and second[2] == b"payload"


def test_too_many_redirects(raw_server) -> None:
    loop_back = response(b"302 Found", b"Location: /loop", b"Content-Length: 0")
    srv = raw_server(Reply.of(loop_back))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.TooManyRedirects) as info:
                await session.get(srv.url("/loop"), max_redirects=3)
            assert len(info.value.history) == 3  # the third redirect raises (aiohttp 3.14)

    run(main())
    assert len(srv.requests) == 3


def test_redirect_to_another_scheme_is_refused(raw_server) -> None:
    ftp = response(b"302 Found", b"Location: ftp://127.0.0.1/file", b"Content-Length: 0")
    srv = raw_server(Reply.of(ftp))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.NonHttpUrlRedirectClientError):
                await session.get(srv.url())

    run(main())


def test_allow_redirects_false_returns_the_redirect(raw_server) -> None:
    found = response(b"302 Found", b"Location: /elsewhere", b"Content-Length: 0")
    srv = raw_server(Reply.of(found))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url(), allow_redirects=False) as resp:
                assert resp.status == 302 and resp.headers["Location"] == "/elsewhere"

    run(main())
    assert len(srv.requests) == 1


def test_total_timeout_while_reading_the_body(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Length: 10", body=b"01"), hang=True))

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as session:
            async with session.get(srv.url()) as resp:
                assert await resp.content.readexactly(2) == b"01"
                with pytest.raises(asyncio.TimeoutError):
                    await resp.read()

    run(main())


def test_middlewares_wrap_each_request_in_order(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    calls: list[str] = []

    async def outer(req: aiohttp.ClientRequest, handler) -> aiohttp.ClientResponse:  # type: ignore[no-untyped-def]
        calls.append("outer")
        req.headers["X-Outer"] = "1"
        return await handler(req)

    async def inner(req: aiohttp.ClientRequest, handler) -> aiohttp.ClientResponse:  # type: ignore[no-untyped-def]
        calls.append("inner:" + req.headers.get("X-Outer", "-"))
        resp = await handler(req)
        calls.append(f"inner-got:{resp.status}")
        return resp

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=(outer, inner)) as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"
            async with session.get(srv.url(), middlewares=()) as resp:  # per request: none
                assert await resp.read() == b"ok"

    run(main())
    assert calls == ["outer", "inner:1", "inner-got:200"]
    assert field_values(parse_request(srv.requests[0])[1], "X-Outer") == ["1"]
    assert not field_values(parse_request(srv.requests[1])[1], "X-Outer")


def test_base_url_joins_relative_urls(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(base_url=srv.url("/api/")) as session:
            async with session.get("items", params={"a": "1"}) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert parse_request(srv.requests[0])[0] == "GET /api/items?a=1 HTTP/1.1"


def test_response_field_helpers(raw_server) -> None:
    wire = response(
        b"200 OK",
        b'Content-Type: text/html; charset="ISO-8859-1"',
        b"Content-Disposition: attachment; filename=\"a.txt\"; filename*=UTF-8''%E2%82%AC.txt",
        b'Link: </page2>; rel="next", <https://other.example/x>; rel=alternate',
        b"Set-Cookie: sid=abc; Path=/; HttpOnly",
        b"Set-Cookie: theme=dark",
        b"Content-Length: 3",
        body=b"\xe9t\xe9",
    )
    srv = raw_server(Reply.of(wire))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/dir/")) as resp:
                assert resp.content_type == "text/html"
                assert resp.charset == "ISO-8859-1"
                assert await resp.text() == "été"
                cd = resp.content_disposition
                assert cd is not None and cd.type == "attachment" and cd.filename == "€.txt"
                assert cd.parameters["filename"] == "a.txt"
                links = resp.links
                assert links["next"]["url"] == URL(srv.url("/page2"))
                assert str(links["alternate"]["url"]) == "https://other.example/x"
                assert resp.cookies["sid"].value == "abc" and resp.cookies["theme"].value == "dark"
                assert resp.ok and resp.request_info.method == "GET"

    run(main())


@pytest.mark.parametrize("value", ["close", "Close", "keep-alive, close", "CLOSE , foo"])
def test_request_with_connection_close_is_never_reused(raw_server, value: str) -> None:
    """RFC 9112 §9.6: a client that sent ``close`` must not send further requests on
    that connection (issue 15 item 11)."""
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(srv.url(), headers={"Connection": value}) as resp:
                    assert await resp.read() == b"ok"
            async with session.get(srv.url()) as resp:  # a request without it: a new connection
                assert await resp.read() == b"ok"
            async with session.get(srv.url()) as resp:  # ... which is kept
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 3
    assert [len(c.requests) for c in srv.connections] == [1, 1, 2]
    assert field_values(parse_request(srv.requests[0])[1], "Connection") == [value]


@pytest.mark.parametrize(("value", "shown"), [(1, "1"), (1.5, "1.5"), (None, "None"), (b"a", "b'a'")])
def test_non_str_field_value_raises_type_error(raw_server, value: object, shown: str) -> None:
    """As aiohttp 3.14.5: a field value that is not a ``str`` raises ``TypeError`` when
    the head is serialized, nothing is sent, and the connection is not reused
    (issue 15 item 17)."""
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/first")) as resp:
                assert await resp.read() == b"ok"
            with pytest.raises(TypeError, match=rf"^Cannot serialize non-str key {re.escape(shown)}$"):
                await session.get(srv.url("/bad"), headers={"X-N": value})
            with pytest.raises(TypeError, match="Cannot serialize non-str key"):
                await session.post(srv.url("/bad"), data=b"body", headers=[("X-N", value)])
            async with session.get(srv.url("/after")) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert [parse_request(r)[0] for r in srv.requests] == ["GET /first HTTP/1.1", "GET /after HTTP/1.1"]
    assert b"/bad" not in srv.received


@pytest.mark.parametrize("kind", ["bytes", "bytesio"])
@pytest.mark.parametrize(
    "options", [{}, {"chunked": True}, {"compress": "deflate"}], ids=["plain", "chunked", "deflate"]
)
def test_big_in_memory_body_goes_out_in_pieces_counted_and_traced(raw_server, kind: str, options: dict) -> None:
    """A body above one write's size streams in pieces (issue 15 item 19): the server
    gets it whole, the upload tracker counts it once, the trace sees it once."""
    srv = raw_server(Reply.of(OK))
    data = bytes(range(256)) * 3070  # ~768 KiB (under the 1 MiB "large bytes body" warning), not a multiple of a piece
    traced: list[bytes] = []

    async def on_chunk(_s: object, _c: object, params: aiohttp.TraceRequestChunkSentParams) -> None:
        traced.append(bytes(params.chunk))

    async def main() -> int:
        trace = aiohttp.TraceConfig()
        trace.on_request_chunk_sent.append(on_chunk)
        tracker = aiohttp.UploadTracker()
        body = data if kind == "bytes" else io.BytesIO(data)
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            async with session.post(srv.url(), data=body, upload_tracker=tracker, **options) as resp:
                assert await resp.read() == b"ok"
            await asyncio.wait_for(tracker.upload_complete, 5)
            return tracker.bytes_written

    written = run(main())
    assert written == len(data)
    assert b"".join(traced) == data
    _line, fields, body = parse_request(srv.requests[0])
    if field_values(fields, "Transfer-Encoding") == ["chunked"]:
        body = dechunk(body)
    else:
        assert field_values(fields, "Content-Length") == [str(len(body))]
    assert (zlib.decompress(body) if options.get("compress") else body) == data
