"""End to end against a scripted raw TCP peer: Content-Encoding, timeouts, what the
server receives, and requests refused before anything is written."""

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
from _raw_helpers import OK, field_values, get, parse_request, response
from _servers import Reply, run

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
