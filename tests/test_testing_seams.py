"""The test transport (``aiohttp_client.testing``, issue 19 part 1) meets Server-Sent
Events and ``RetryMiddleware`` (parts 3 and 2): the same script played by a
``MockRouter`` route and by the raw server on 127.0.0.1 (``MockResponse.to_bytes()``,
or the same bytes cut where a server drops the connection) must look the same to the
client: the events, the ids, the reconnections and their ``Last-Event-ID``; the
retries, their kinds and delays, and the bodies replayed.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import field_values, parse_request
from _servers import Reply, run
from _sleeps import Sleeps
from aiohttp_client.retry import RetryError, RetryMiddleware, retry_history
from aiohttp_client.sse import EventSource
from aiohttp_client.testing import MockConnector, MockResponse, MockRouter

STREAM = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
ANY = re.compile(r"http://127\.0\.0\.1:1/.*")
PIECES = [b"retry: 30\nid: 1\ndata: one\n\n", b"event: e\nda", b"ta: two\r\n\r\nid: 2\ndata: th", b"ree\n\n"]


class Dropped(Exception):
    """A mock route's body source failing: the transport drops the connection."""


def _dropping(pieces: list[bytes]) -> Callable[[Any], MockResponse]:
    async def chunks() -> Any:
        for piece in pieces:
            yield piece
        raise Dropped("the server went away mid-event")

    return lambda _request: MockResponse(200, headers=STREAM, chunks=chunks())


def _cut_bytes(pieces: list[bytes]) -> bytes:
    """What a server sends before it drops the connection: the chunked head and the
    pieces, no last chunk."""
    head = MockResponse(200, headers=STREAM, chunks=[b"x"]).head()
    return head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)


async def _events(session: aiohttp.ClientSession, url: str, sleeps: Sleeps) -> Any:
    async with EventSource(session, url, sleep=sleeps) as source:
        events = [(e.event, e.data, e.id, e.retry) async for e in source]
        return events, source.reconnects, source.last_event_id


def test_event_stream_from_a_route_and_from_a_server_are_the_same(raw_server) -> None:
    """Three connections: the events, then a drop mid-event, then the rest, then 204."""
    second = [b"id: 3\ndata: four\n\n", b"data: lost"]
    last = MockResponse(200, headers=STREAM, chunks=[b"data: five\n\n"])

    router = MockRouter()
    route = router.get(ANY).sequence(
        MockResponse(200, headers=STREAM, chunks=PIECES), _dropping(second), last, MockResponse(204)
    )
    mock_sleeps, server_sleeps = Sleeps(), Sleeps()

    async def via_mock() -> Any:
        async with aiohttp.ClientSession(connector=MockConnector(router)) as session:
            return await _events(session, "http://127.0.0.1:1/events", mock_sleeps)

    replies = [
        Reply.of(MockResponse(200, headers=STREAM, chunks=PIECES).to_bytes()),
        Reply.of(_cut_bytes(second), close=True),
        Reply.of(MockResponse(200, headers=STREAM, chunks=[b"data: five\n\n"]).to_bytes()),
        Reply.of(MockResponse(204).to_bytes()),
    ]
    srv = raw_server(replies)

    async def via_server() -> Any:
        async with aiohttp.ClientSession() as session:
            return await _events(session, srv.url("/events"), server_sleeps)

    mocked, served = run(via_mock()), run(via_server())
    assert mocked == served
    events, reconnects, last_id = mocked
    assert [e[1] for e in events] == ["one", "two", "three", "four", "five"]
    assert (reconnects, last_id) == (3, "3") and mock_sleeps.delays == server_sleeps.delays == [0.03] * 3
    sent = [call.headers.get("Last-Event-ID") for call in route.calls]
    assert sent == [None, "2", "3", "3"]
    assert [(field_values(parse_request(r)[1], "Last-Event-ID") or [None])[0] for r in srv.requests] == sent
    assert [type(e) for e in router.errors] == [Dropped]


@pytest.mark.parametrize("method", ["GET", "PUT", "POST"])
def test_retries_from_a_route_and_from_a_server_are_the_same(raw_server, method: str) -> None:
    """A drop before the head, a 503 with Retry-After, then 200: what is retried,
    after which waits, and the body each attempt carried."""
    busy = MockResponse(503, headers={"Retry-After": "2"}, body=b"busy")
    ok = MockResponse(200, text="done")

    router = MockRouter()
    route = router.add(method, ANY).sequence(aiohttp.ServerDisconnectedError(), busy, ok)
    srv = raw_server([Reply.of(b"HTTP/1.1 200 O", close=True), Reply.of(busy.to_bytes()), Reply.of(ok.to_bytes())])

    async def attempt(session: aiohttp.ClientSession, url: str) -> Any:
        try:
            async with session.request(method, url, data=b"payload") as resp:
                history = retry_history(resp)
                outcome: Any = (resp.status, await resp.read())
        except aiohttp.ClientError as exc:
            history, outcome = retry_history(exc), type(exc).__name__
        return outcome, [(a.status, type(a.exception).__name__, a.delay) for a in history]

    def policy(sleeps: Sleeps) -> RetryMiddleware:
        return RetryMiddleware(sleep=sleeps, random=lambda: 0.5, backoff_factor=1.0)

    async def via_mock() -> Any:
        async with aiohttp.ClientSession(connector=MockConnector(router), middlewares=(policy(Sleeps()),)) as s:
            return await attempt(s, "http://127.0.0.1:1/r")

    async def via_server() -> Any:
        async with aiohttp.ClientSession(middlewares=(policy(Sleeps()),)) as s:
            return await attempt(s, srv.url("/r"))

    mocked, served = run(via_mock()), run(via_server())
    assert mocked == served
    if method == "POST":  # not idempotent: the drop is not retried (it may have been processed)
        assert mocked == ("ServerDisconnectedError", [])
        assert len(route.calls) == len(srv.requests) == 1
    else:
        assert mocked == ((200, b"done"), [(None, "ServerDisconnectedError", 0.5), (503, "NoneType", 2.0)])
        assert [c.body for c in route.calls] == [parse_request(r)[2] for r in srv.requests] == [b"payload"] * 3


def test_one_shot_body_retry_from_a_route_and_from_a_server_is_retry_error(raw_server) -> None:
    async def chunks() -> Any:
        yield b"once"

    router = MockRouter()
    router.put(ANY).sequence(MockResponse(503, body=b"busy"), 200)
    srv = raw_server([Reply.of(MockResponse(503, body=b"busy").to_bytes()), Reply.of(MockResponse(200).to_bytes())])

    async def attempt(session: aiohttp.ClientSession, url: str) -> Any:
        with pytest.raises(RetryError) as info:
            await session.put(url, data=chunks())
        return info.value.status, len(info.value.history), type(info.value.__cause__)

    async def via_mock() -> Any:
        async with aiohttp.ClientSession(connector=MockConnector(router), middlewares=(RetryMiddleware(),)) as s:
            return await attempt(s, "http://127.0.0.1:1/r")

    async def via_server() -> Any:
        async with aiohttp.ClientSession(middlewares=(RetryMiddleware(),)) as s:
            return await attempt(s, srv.url("/r"))

    assert run(via_mock()) == run(via_server()) == (503, 0, type(None))


def test_http2_connector_under_mock_network_is_answered_over_http11() -> None:
    """The test transport speaks HTTP/1.1 only: a connector with ``http2`` on gets its
    answers (concurrent requests, an event stream) over HTTP/1.1, nothing hangs
    waiting for an HTTP/2 connection."""
    from aiohttp_client.testing import mock_network

    router = MockRouter()
    plain = router.get("https://api.example/x").respond(200, text="hi")
    events = router.get("https://api.example/ev").respond(200, headers=STREAM, chunks=PIECES)

    async def main() -> Any:
        with mock_network(router):
            async with aiohttp.ClientSession(http2=True) as s:
                resps = await asyncio.gather(*(s.get("https://api.example/x") for _ in range(3)))
                seen = [(r.status, r.version, await r.text()) for r in resps]
                async with EventSource(s, "https://api.example/ev", max_reconnects=0) as source:
                    data = [e.data async for e in source]
        return seen, data

    seen, data = run(main())
    assert seen == [(200, aiohttp.HttpVersion(1, 1), "hi")] * 3
    assert data == ["one", "two", "three"]
    assert plain.call_count == 3 and events.call_count == 1
