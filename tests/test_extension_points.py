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
