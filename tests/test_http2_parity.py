"""One set of high-level scenarios run on HTTP/1.1 and on HTTP/2 (issue 17), against
hypercorn on 127.0.0.1 (TLS, ALPN): the same session code, the same answers, so
behaviour cannot drift between the two.  Each scenario also checks which version the
server saw."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _h2_servers import client_tls
from _hypercorn_server import GZIP_TEXT
from _servers import pattern_bytes, run
from aiohttp_client import HttpVersion

LANES = {
    "http/1.1": (False, ("http/1.1",), HttpVersion(1, 1), "1.1"),
    "h2": (True, ("h2", "http/1.1"), HttpVersion(2, 0), "2"),
}


@pytest.fixture(params=list(LANES))
def lane(request: pytest.FixtureRequest, hypercorn_server: Any) -> Any:
    http2, alpn, version, server_version = LANES[request.param]

    class Lane:
        srv = hypercorn_server
        name = request.param

        def session(self, **kw: Any) -> aiohttp.ClientSession:
            kw.setdefault("http2", http2 or None)
            return aiohttp.ClientSession(**kw)

        ssl = client_tls(hypercorn_server.ca, alpn)

        def check(self, resp: aiohttp.ClientResponse) -> None:
            assert resp.version == version

        def url(self, path: str, **kw: Any) -> str:
            return hypercorn_server.url(path, **kw)

    Lane.server_version = server_version
    return Lane()


async def _echo(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    info = json.loads(await resp.read())
    info["hdrs"] = {n.lower(): v for n, v in info["headers"]}
    return info


def test_get_with_params_and_headers(lane):
    async def main():
        async with lane.session() as s:
            async with s.get(lane.url("/echo"), params={"q": "1"}, headers={"X-Test": "yes"}, ssl=lane.ssl) as resp:
                lane.check(resp)
                assert resp.status == 200  # (hypercorn's HTTP/1.1 sends no reason phrase)
                assert resp.headers["Content-Type"] == "application/json"
                info = await _echo(resp)
        assert info["http_version"] == lane.server_version
        assert info["query"] == {"q": "1"} and info["hdrs"]["x-test"] == "yes"
        assert info["method"] == "GET"

    run(main())


@pytest.mark.parametrize("kind", ["bytes", "file", "form", "json", "aiter"])
def test_post_bodies(lane, kind, tmp_path):
    payload = pattern_bytes(300_000)
    path = tmp_path / "body.bin"
    path.write_bytes(payload)

    async def chunks():
        for i in range(0, len(payload), 65536):
            yield payload[i : i + 65536]
            await asyncio.sleep(0)

    async def main():
        async with lane.session() as s:
            if kind == "bytes":
                kw: dict[str, Any] = {"data": payload}
            elif kind == "file":
                kw = {"data": path.open("rb")}
            elif kind == "form":
                kw = {"data": {"a": "1", "b": "two words"}}
            elif kind == "json":
                kw = {"json": {"k": [1, 2, 3]}}
            else:
                kw = {"data": chunks()}
            try:
                async with s.post(lane.url("/echo"), ssl=lane.ssl, **kw) as resp:
                    lane.check(resp)
                    info = await _echo(resp)
            finally:
                if kind == "file":
                    kw["data"].close()
        body = info["body"].encode("latin-1")
        if kind in ("bytes", "file", "aiter"):
            assert body == payload
        elif kind == "form":
            assert body == b"a=1&b=two+words"
        else:
            assert json.loads(body) == {"k": [1, 2, 3]}
        assert info["http_version"] == lane.server_version

    run(main(), timeout=30)


def test_expect100_upload(lane):
    async def main():
        async with lane.session() as s:
            async with s.put(lane.url("/echo"), data=b"after continue", expect100=True, ssl=lane.ssl) as resp:
                lane.check(resp)
                info = await _echo(resp)
        assert info["body"] == "after continue"
        assert info["hdrs"]["expect"] == "100-continue"

    run(main())


def test_redirects_and_cross_origin_stripping(lane):
    async def main():
        async with lane.session() as s:
            target = lane.url("/echo")
            async with s.post(
                lane.url(
                    "/redirect",
                )
                + f"?to={target}&status=302",
                data=b"x",
                ssl=lane.ssl,
            ) as resp:
                lane.check(resp)
                assert [r.status for r in resp.history] == [302]
                info = await _echo(resp)
                assert info["method"] == "GET"
            other = lane.url("/echo", host="localhost")
            headers = {"Authorization": "Bearer secret", "Cookie": "c=1"}
            async with s.get(lane.url("/redirect") + f"?to={other}", headers=headers, ssl=lane.ssl) as resp:
                lane.check(resp)
                assert resp.url.host == "localhost"
                info = await _echo(resp)
        assert "authorization" not in info["hdrs"] and "cookie" not in info["hdrs"]

    run(main())


def test_cookies(lane):
    async def main():
        async with lane.session() as s:
            # localhost: the jar keeps no cookie of an IP address host (as aiohttp's)
            async with s.get(lane.url("/set-cookie", host="localhost") + "?a=1&b=2", ssl=lane.ssl) as resp:
                lane.check(resp)
                assert resp.cookies["a"].value == "1"
            async with s.get(lane.url("/echo", host="localhost"), ssl=lane.ssl) as resp:
                info = await _echo(resp)
        assert info["hdrs"]["cookie"] == "a=1; b=2"

    run(main())


def test_gzip_and_auto_decompress_off(lane):
    async def main():
        async with lane.session() as s:
            async with s.get(lane.url("/gzip"), ssl=lane.ssl) as resp:
                lane.check(resp)
                assert await resp.read() == GZIP_TEXT
            async with s.get(lane.url("/gzip"), ssl=lane.ssl, auto_decompress=False) as resp:
                assert gzip.decompress(await resp.read()) == GZIP_TEXT

    run(main())


def test_raise_for_status(lane):
    async def main():
        async with lane.session(raise_for_status=True) as s:
            with pytest.raises(aiohttp.ClientResponseError) as info:
                await s.get(lane.url("/status/404"), ssl=lane.ssl)
            assert info.value.status == 404
            async with s.get(lane.url("/status/204"), ssl=lane.ssl) as resp:
                lane.check(resp)
                assert await resp.read() == b""

    run(main())


def test_middlewares(lane):
    seen: list[int] = []

    async def mw(req: Any, handler: Any) -> Any:
        req.headers["X-Middleware"] = "on"
        resp = await handler(req)
        seen.append(resp.status)
        return resp

    async def main():
        async with lane.session(middlewares=(mw,)) as s:
            async with s.get(lane.url("/echo"), ssl=lane.ssl) as resp:
                lane.check(resp)
                info = await _echo(resp)
        assert info["hdrs"]["x-middleware"] == "on" and seen == [200]

    run(main())


def test_timeouts(lane):
    async def main():
        async with lane.session() as s:
            timeout = aiohttp.ClientTimeout(sock_read=0.3)
            async with s.get(lane.url("/stall"), ssl=lane.ssl, timeout=timeout) as resp:
                lane.check(resp)
                with pytest.raises(aiohttp.SocketTimeoutError):
                    await resp.read()
            with pytest.raises(asyncio.TimeoutError):
                await s.get(lane.url("/slow") + "?delay=3", ssl=lane.ssl, timeout=aiohttp.ClientTimeout(total=0.3))
            async with s.get(lane.url("/echo"), ssl=lane.ssl) as resp:  # the session goes on
                assert resp.status == 200

    run(main())


def test_cancellation(lane):
    async def main():
        async with lane.session() as s:
            task = asyncio.ensure_future(s.get(lane.url("/slow") + "?delay=3", ssl=lane.ssl))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            async with s.get(lane.url("/echo"), ssl=lane.ssl) as resp:
                lane.check(resp)
                assert resp.status == 200

    run(main())


def test_concurrent_requests_share_one_connection_on_h2(lane):
    async def main():
        trace = aiohttp.TraceConfig()
        created: list[int] = []
        reused: list[int] = []

        async def on_create(*_: Any) -> None:
            created.append(1)

        async def on_reuse(*_: Any) -> None:
            reused.append(1)

        trace.on_connection_create_end.append(on_create)
        trace.on_connection_reuseconn.append(on_reuse)
        async with lane.session(trace_configs=[trace]) as s:
            await (await s.get(lane.url("/echo"), ssl=lane.ssl)).read()
            resps = await asyncio.gather(*(s.get(lane.url(f"/bytes?n={i}"), ssl=lane.ssl) for i in range(30)))
            bodies = [await r.read() for r in resps]
        assert bodies == [b"b" * i for i in range(30)]
        if lane.name == "h2":
            assert len(created) == 1 and len(reused) == 30  # every stream rode the first connection
        else:
            assert len(created) >= 2

    run(main())
