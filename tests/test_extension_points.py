"""The extension points caching and mocking libraries use, as in aiohttp 3.14.5:
request/response classes built with aiohttp's constructor arguments,
``ClientSession._request`` overridden, ``_prepare_headers``, ``ClientResponse._body``,
``_released`` and an assigned ``content``.  Real loopback peer."""

import asyncio
from typing import Any
from unittest import mock

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import aiohttp_client as aiohttp
from _raw_helpers import OK
from _servers import Reply, run


class StrictResponse(aiohttp.ClientResponse):
    """A response class with exactly aiohttp 3.14.5's constructor signature."""

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        writer: Any,
        continue100: Any,
        timer: Any,
        request_info: aiohttp.RequestInfo,
        traces: Any,
        loop: asyncio.AbstractEventLoop,
        session: Any,
        stream_writer: Any,
    ) -> None:
        super().__init__(
            method,
            url,
            writer=writer,
            continue100=continue100,
            timer=timer,
            request_info=request_info,
            traces=traces,
            loop=loop,
            session=session,
            stream_writer=stream_writer,
        )
        self.built_by_subclass = True


class RecordingSession(aiohttp.ClientSession):
    """Overrides ``_request`` and calls up, as caching libraries do."""

    seen: list[tuple[str, str]]

    async def _request(self, method: str, str_or_url: Any, **kwargs: Any) -> aiohttp.ClientResponse:
        self.seen.append((method, str(str_or_url)))
        return await super()._request(method, str_or_url, **kwargs)


def test_response_class_with_aiohttp_signature_and_request_override(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with RecordingSession(response_class=StrictResponse) as session:
            session.seen = []
            async with session.get(srv.url("/a"), params={"q": "1"}) as resp:
                assert isinstance(resp, StrictResponse) and resp.built_by_subclass
                assert await resp.read() == b"ok"
                assert resp._body == b"ok"
            assert resp._released
            assert session.seen == [("GET", srv.url("/a"))]

    run(main())
    assert srv.requests[0].startswith(b"GET /a?q=1 HTTP/1.1")


def test_prepare_headers_merges_the_session_defaults() -> None:
    async def main() -> None:
        async with aiohttp.ClientSession(headers={"X-A": "1", "X-B": "2"}) as session:
            merged = session._prepare_headers(CIMultiDict([("x-b", "3"), ("X-B", "4"), ("X-C", "5")]))
            assert isinstance(merged, CIMultiDict)
            assert merged.getall("X-B") == ["3", "4"] and merged["X-A"] == "1" and merged["X-C"] == "5"
            assert session._prepare_headers(None) == CIMultiDict({"X-A": "1", "X-B": "2"})
            assert session.headers == CIMultiDict({"X-A": "1", "X-B": "2"})  # not modified

    run(main())


def test_a_library_builds_a_response_and_assigns_its_content() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        url = URL("http://example.com/cached")
        info = aiohttp.RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
        resp = aiohttp.ClientResponse(
            "GET",
            url,
            writer=None,
            continue100=None,
            timer=None,
            request_info=info,
            traces=[],
            loop=loop,
            session=None,
            stream_writer=mock.Mock(output_size=0),
        )
        resp.status = 200
        resp._headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
        stream = aiohttp.StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=loop)
        stream.feed_data(b'{"cached": true}')
        stream.feed_eof()
        resp.content = stream
        assert await resp.json() == {"cached": True}
        assert resp._body == b'{"cached": true}'
        resp.release()
        assert resp._released

    run(main())


def test_switching_protocols_keeps_its_connection(raw_server) -> None:
    srv = raw_server(Reply.of(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(srv.url(), headers={"Connection": "Upgrade", "Upgrade": "tcp"})
            assert resp.status == 101
            assert await resp.read() == b""
            assert resp.connection is not None and not resp.closed  # the upgraded stream is the caller's
            resp.close()
            assert resp.connection is None

    run(main())


class StrictRequest(aiohttp.ClientRequest):
    """A request class with exactly aiohttp 3.14.5's constructor signature, recording
    the keyword arguments the session gives it."""

    built: list[dict[str, Any]] = []

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        params: Any = None,
        headers: Any = None,
        skip_auto_headers: Any = None,
        data: Any = None,
        cookies: Any = None,
        auth: Any = None,
        version: Any = aiohttp.HttpVersion11,
        compress: Any = None,
        chunked: Any = None,
        expect100: bool = False,
        loop: Any = None,
        response_class: Any = None,
        proxy: Any = None,
        proxy_auth: Any = None,
        timer: Any = None,
        session: Any = None,
        ssl: Any = True,
        proxy_headers: Any = None,
        traces: Any = None,
        trust_env: bool = False,
        server_hostname: Any = None,
    ) -> None:
        StrictRequest.built.append({"method": method, "url": url, "auth": auth, "data": data, "params": params})
        super().__init__(
            method,
            url,
            params=params,
            headers=headers,
            skip_auto_headers=skip_auto_headers,
            data=data,
            cookies=cookies,
            auth=auth,
            version=version,
            compress=compress,
            chunked=chunked,
            expect100=expect100,
            loop=loop,
            response_class=response_class,
            proxy=proxy,
            proxy_auth=proxy_auth,
            timer=timer,
            session=session,
            ssl=ssl,
            proxy_headers=proxy_headers,
            traces=traces,
            trust_env=trust_env,
            server_hostname=server_hostname,
        )


def _redirect(location: str, status: bytes) -> Reply:
    return Reply.of(b"HTTP/1.1 " + status + b"\r\nLocation: " + location.encode() + b"\r\nContent-Length: 0\r\n\r\n")


def test_request_class_is_built_per_hop_with_aiohttp_arguments(raw_server) -> None:
    """A request_class subclass, built through its own __init__ on every hop, sends
    byte for byte what the stock class sends across a chain: URL credentials on the
    same-origin 307 (with the body again), params on the first hop only, the jar's
    cookie, nothing of either on the hop to another origin (localhost is another
    origin than 127.0.0.1 on the same port, RFC 6454 §4)."""
    sent = []
    for request_class in (StrictRequest, aiohttp.ClientRequest):
        StrictRequest.built = []
        script: list[Reply] = []
        srv = raw_server(script)
        set_cookie = (
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /b\r\nSet-Cookie: sid=1\r\nContent-Length: 0\r\n\r\n"
        )
        script += [Reply.of(set_cookie), _redirect(f"http://localhost:{srv.port}/c", b"302 Found"), Reply.of(OK)]

        async def main(request_class=request_class, srv=srv) -> None:
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(request_class=request_class, cookie_jar=jar) as session:
                url = f"http://user:pw@127.0.0.1:{srv.port}/a"
                async with session.post(url, params={"q": "1"}, data=b"body") as resp:
                    assert (resp.status, await resp.read()) == (200, b"ok")
                    assert [str(h.url) for h in resp.history] == [srv.url("/a?q=1"), srv.url("/b")]

        run(main())
        sent.append([raw.replace(str(srv.port).encode(), b"PORT") for raw in srv.requests])
        if request_class is StrictRequest:
            credentials = ("user", "pw", "latin1")  # a BasicAuth, a named tuple
            assert [(b["method"], b["url"].path, b["params"], b["auth"]) for b in StrictRequest.built] == [
                ("POST", "/a", {"q": "1"}, credentials),
                ("POST", "/b", None, credentials),
                ("GET", "/c", None, None),
            ]
            # as aiohttp 3.14.5 builds its request class: the URL without userinfo, the
            # credentials in auth= (until the hop to another origin)
            assert all(b["url"].raw_user is None for b in StrictRequest.built)
    assert sent[0] == sent[1]
    first, second, third = sent[0]
    basic = b"Authorization: Basic dXNlcjpwdw==\r\n"
    assert first.startswith(b"POST /a?q=1 HTTP/1.1\r\n") and basic in first and first.endswith(b"\r\n\r\nbody")
    assert second.startswith(b"POST /b HTTP/1.1\r\n") and basic in second and second.endswith(b"\r\n\r\nbody")
    assert b"Cookie: sid=1\r\n" in second
    assert third.startswith(b"GET /c HTTP/1.1\r\nHost: localhost:PORT\r\n")
    assert b"Authorization" not in third and b"Cookie" not in third and b"body" not in third
