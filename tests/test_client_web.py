"""End to end against an aiohttp.web peer: methods, helpers, streaming, pooling.

Everything goes through the client's aiohttp-compatible public API; aiohttp itself is
only the server here (see ``_web_server.WebServer`` for the routes).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import pattern_bytes, run

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
WITH_BODY = {"POST", "PUT", "PATCH"}


def _call(session: Any, method: str, url: str) -> Any:
    """``session.get(url)``, ``session.post(url, data=...)``, ... by name."""
    verb = getattr(session, method.lower())
    if method in WITH_BODY:
        return verb(url, data=f"body of {method}".encode())
    return verb(url)


def _check_echo(method: str, resp: Any, body: bytes, echo: dict[str, Any]) -> None:
    assert resp.status == 200
    assert resp.reason == "OK"
    if method == "HEAD":
        assert body == b""
        assert int(resp.headers["Content-Length"]) > 0
        return
    assert echo["method"] == method
    assert echo["path"] == "/echo"
    assert echo["query"] == [["q", "1"]]
    assert echo["body"] == (f"body of {method}" if method in WITH_BODY else "")


@pytest.mark.parametrize("method", METHODS)
def test_method_with_async_with(web_server, method: str) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with _call(session, method, srv.url("/echo?q=1")) as resp:
                assert resp.method == method
                body = await resp.read()
                echo = await resp.json() if method != "HEAD" else {}
                _check_echo(method, resp, body, echo)

    run(main())


@pytest.mark.parametrize("method", METHODS)
def test_method_with_await_and_release(web_server, method: str) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            resp = await _call(session, method, srv.url("/echo?q=1"))
            try:
                body = await resp.read()
                echo = await resp.json() if method != "HEAD" else {}
                _check_echo(method, resp, body, echo)
            finally:
                resp.release()
            # The connection went back to the pool: a second request reuses it.
            resp2 = await session.get(srv.url("/echo?q=1"))
            assert (await resp2.json())["method"] == "GET"
            resp2.release()

    run(main())
    assert len(set(srv.peers)) == 1


def test_request_method_and_json_round_trip(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.request("post", srv.url("/echo"), json={"a": [1, 2]}) as resp:
                echo = await resp.json()
        assert echo["method"] == "POST"
        assert echo["body"] == '{"a": [1, 2]}'
        headers = {k.lower(): v for k, v in echo["headers"]}
        assert headers["content-type"] == "application/json"

    run(main())


def test_module_level_request(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.request("GET", srv.url("/json")) as resp:
            assert resp.status == 200
            assert await resp.json() == {"ok": True, "items": [1, 2, 3]}
        async with aiohttp.request("PUT", srv.url("/echo"), data=b"xyz") as resp:
            echo = await resp.json()
            assert (echo["method"], echo["body"]) == ("PUT", "xyz")

    run(main())


def test_read_text_json_helpers(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/json")) as resp:
                assert resp.content_type == "application/json"
                assert await resp.json() == {"ok": True, "items": [1, 2, 3]}
                assert (await resp.text()).startswith("{")
            async with session.get(srv.url("/status/200")) as resp:
                assert resp.content_type == "text/plain"
                assert resp.charset == "utf-8"
                assert await resp.text() == "status 200"

    run(main())


def test_raise_for_status_method(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/status/200")) as resp:
                assert resp.ok
                resp.raise_for_status()  # no error
            async with session.get(srv.url("/status/404")) as resp:
                assert resp.status == 404
                assert not resp.ok
                with pytest.raises(aiohttp.ClientResponseError) as info:
                    resp.raise_for_status()
                assert info.value.status == 404
                assert info.value.message == "Not Found"
                assert str(info.value.request_info.url) == srv.url("/status/404")

    run(main())


def test_raise_for_status_session_flag(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession(raise_for_status=True) as session:
            async with session.get(srv.url("/status/201")) as resp:
                assert resp.status == 201
            with pytest.raises(aiohttp.ClientResponseError) as info:
                async with session.get(srv.url("/status/500")):
                    pass
            assert info.value.status == 500
            with pytest.raises(aiohttp.ClientResponseError):
                await session.get(srv.url("/status/403"))
            # The per-request argument overrides the session's flag.
            async with session.get(srv.url("/status/502"), raise_for_status=False) as resp:
                assert resp.status == 502
                assert await resp.text() == "status 502"

    run(main())


def test_json_content_type_check(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/json-as-text")) as resp:
                with pytest.raises(aiohttp.ContentTypeError) as info:
                    await resp.json()
                assert isinstance(info.value, aiohttp.ClientResponseError)
                assert await resp.json(content_type=None) == {"ok": True}

    run(main())


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_large_streamed_download_is_byte_exact(web_server, chunked: bool) -> None:
    srv = web_server()
    size = 8 * 1024 * 1024 + 13
    expected = hashlib.sha256(pattern_bytes(size)).hexdigest()

    async def main() -> None:
        digest = hashlib.sha256()
        total = 0
        suffix = "?chunked=1" if chunked else ""
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url(f"/bytes/{size}{suffix}")) as resp:
                assert resp.content_length == (None if chunked else size)
                async for chunk in resp.content.iter_chunked(65536):
                    assert 0 < len(chunk) <= 65536
                    digest.update(chunk)
                    total += len(chunk)
        assert total == size
        assert digest.hexdigest() == expected

    run(main(), timeout=60)


@pytest.mark.parametrize("route", ["/gzip", "/deflate"])
def test_compressed_responses_are_decoded(web_server, route: str) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url(route)) as resp:
                assert resp.headers["Content-Encoding"] == route[1:]
                assert await resp.read() == srv.GZIP_TEXT
                assert await resp.text() == srv.GZIP_TEXT.decode()

    run(main())


def test_chunked_response_pieces(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/chunked")) as resp:
                assert resp.headers["Transfer-Encoding"] == "chunked"
                got = []
                async for piece in resp.content.iter_any():
                    got.append(piece)
                assert b"".join(got) == b"".join(srv.CHUNKS)
            async with session.get(srv.url("/chunked")) as resp:
                assert await resp.read() == b"".join(srv.CHUNKS)

    run(main())


def test_redirect_is_followed_and_recorded(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/redirect")) as resp:
                assert resp.status == 200
                assert resp.url.path == "/echo"
                assert [r.status for r in resp.history] == [302]
                assert (await resp.json())["method"] == "GET"
            async with session.get(srv.url("/redirect"), allow_redirects=False) as resp:
                assert resp.status == 302
                assert resp.headers["Location"] == "/echo"
                assert resp.history == ()

    run(main())


# --------------------------------------------------------------------------------------
# Connection pool
# --------------------------------------------------------------------------------------


async def _concurrent_slow(session: Any, urls: list[str]) -> list[str]:
    async def one(url: str) -> str:
        async with session.get(url) as resp:
            return await resp.text()

    return await asyncio.gather(*(one(u) for u in urls))


def test_limit_one_serialises_concurrent_requests(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            assert await _concurrent_slow(session, [srv.url("/slow?delay=0.15")] * 3) == ["slow"] * 3

    run(main())
    assert srv.in_flight.max == 1
    assert len(set(srv.peers)) == 1  # one connection, reused


def test_default_limit_runs_requests_concurrently(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            await _concurrent_slow(session, [srv.url("/slow?delay=0.3")] * 3)

    run(main())
    assert srv.in_flight.max == 3
    assert len(set(srv.peers)) == 3


def test_limit_per_host(web_server) -> None:
    first = web_server()
    second = web_server(in_flight=first.in_flight)  # one counter over both servers

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit_per_host=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            urls = [first.url("/slow?delay=0.3"), second.url("/slow?delay=0.3")] * 2
            await _concurrent_slow(session, urls)

    run(main())
    assert first.own_in_flight.max == 1
    assert second.own_in_flight.max == 1
    assert first.in_flight.max == 2  # the two hosts were served at the same time


def test_force_close_opens_a_connection_per_request(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(3):
                async with session.get(srv.url("/echo")) as resp:
                    await resp.read()

    run(main())
    assert len(srv.peers) == 3
    assert len(set(srv.peers)) == 3


def test_keepalive_timeout_expires_idle_connections(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        connector = aiohttp.TCPConnector(keepalive_timeout=0.2)
        async with aiohttp.ClientSession(connector=connector) as session:
            for pause in (0.0, 0.0, 0.6):
                await asyncio.sleep(pause)
                async with session.get(srv.url("/echo")) as resp:
                    await resp.read()

    run(main())
    first, second, third = srv.peers
    assert first == second  # reused while fresh
    assert third != first  # expired after the idle pause


# --------------------------------------------------------------------------------------
# Session lifecycle and connection errors
# --------------------------------------------------------------------------------------


def test_closed_session_refuses_requests(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        session = aiohttp.ClientSession()
        assert not session.closed
        async with session.get(srv.url("/json")) as resp:
            assert resp.status == 200
            await resp.read()
        await session.close()
        assert session.closed
        with pytest.raises(RuntimeError):
            async with session.get(srv.url("/json")):
                pass
        await session.close()  # closing twice is harmless

    run(main())


def test_session_context_manager_closes(web_server) -> None:
    srv = web_server()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/json")) as resp:
                await resp.read()
        assert session.closed
        with pytest.raises(RuntimeError):
            await session.get(srv.url("/json"))

    run(main())


def test_refused_connection_raises_connector_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError) as info:
                async with session.get(f"http://127.0.0.1:{port}/"):
                    pass
            assert isinstance(info.value, aiohttp.ClientOSError)
            assert isinstance(info.value, OSError)

    run(main())
