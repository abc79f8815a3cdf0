"""``aiohttp_client.sse`` (issue 19 part 3) against a real SSE server: aiohttp.web
streaming responses scripted per connection, recording the request fields each
connection brought (``Last-Event-ID`` above all)."""

from __future__ import annotations

import socket
import zlib
from collections.abc import Iterator
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _servers import HOST, run, started_in_threads
from _sleeps import Sleeps
from aiohttp_client.sse import EventSource, EventSourceError, EventStreamError, ServerSentEvent, iter_events

#: One connection's answer: (status, content type, body pieces, end) where end is
#: "eof" (a clean end of the chunked body) or "drop" (the connection is cut).
Script = tuple[int, str, list[bytes], str]


class SSEServer:
    """An aiohttp.web peer answering ``/events`` with one script per connection (the
    last one repeats); ``?gzip=1`` sends the pieces gzip-coded, one flush per piece."""

    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts
        self.seen: list[dict[str, str]] = []  # the request fields of each connection
        self.port = 0
        self._runner: Any = None

    def url(self, path: str = "/events") -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def start(self) -> None:
        from aiohttp import web  # the test-only peer

        app = web.Application()
        app.router.add_get("/events", self._events)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _events(self, request: Any) -> Any:
        from aiohttp import web

        self.seen.append(dict(request.headers))
        status, content_type, pieces, end = self.scripts[min(len(self.seen), len(self.scripts)) - 1]
        if status != 200:
            return web.Response(status=status, content_type=content_type if status != 204 else None)
        resp = web.StreamResponse(headers={"Content-Type": content_type})
        coder = None
        if request.query.get("gzip"):
            resp.headers["Content-Encoding"] = "gzip"
            coder = zlib.compressobj(wbits=31)
        await resp.prepare(request)
        for piece in pieces:
            await resp.write(piece if coder is None else coder.compress(piece) + coder.flush(zlib.Z_SYNC_FLUSH))
        if end == "drop":
            request.transport.close()
            return resp
        if coder is not None:
            await resp.write(coder.flush())
        await resp.write_eof()
        return resp


@pytest.fixture
def sse_server() -> Iterator[Callable[[list[Script]], SSEServer]]:
    yield from started_in_threads("sse_server", lambda _thread, scripts: SSEServer(scripts))


STREAM = "text/event-stream"
STOP: Script = (204, "", [], "eof")


async def collect(source: EventSource, limit: int = 100) -> list[ServerSentEvent]:
    events = []
    async with source:
        async for event in source:
            events.append(event)
            assert len(events) <= limit
    return events


FIELDS = (
    b"\xef\xbb\xbf: a comment first, after a BOM\n",
    b"event: greeting\ndata: hello\ndata: world\nid: 1\n\n",
    b'data: {"n": 2}\r\nid: two\r\n\r\n',
    b"retry: 25\rdata: cr\r\r",
    b"id: 3\x004\ndata: nul id ignored\n\n",
    b"data: unfinished at the end",
)
EXPECTED = [
    ServerSentEvent("hello\nworld", "greeting", "1"),
    ServerSentEvent('{"n": 2}', "message", "two"),
    ServerSentEvent("cr", "message", "two", 25),
    ServerSentEvent("nul id ignored", "message", "two"),
]


@pytest.mark.parametrize("split", ["fields", "bytes"])
def test_events_fields_comments_bom_and_splits(sse_server, split: str) -> None:
    body = b"".join(FIELDS)
    pieces = list(FIELDS) if split == "fields" else [body[i : i + 1] for i in range(len(body))]
    srv = sse_server([(200, STREAM, pieces, "eof")])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            source = EventSource(session, srv.url(), max_reconnects=0)
            assert await collect(source) == EXPECTED
            assert source.last_event_id == "two" and source.reconnect_delay == 0.025

    run(main(), timeout=30)
    assert srv.seen[0]["Accept"] == STREAM and srv.seen[0]["Cache-Control"] == "no-cache"
    assert "Last-Event-ID" not in srv.seen[0]


def test_reconnect_mid_stream_sends_last_event_id(sse_server) -> None:
    srv = sse_server(
        [
            (200, STREAM, [b"retry: 10\nid: 1\ndata: a\n\n", b"id: 2\ndata: b\n\n", b"data: lost"], "drop"),
            (200, STREAM, [b"data: c\n\n"], "eof"),  # no id: the id 2 stays
            STOP,
        ]
    )
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            source = EventSource(session, srv.url(), sleep=sleeps, headers={"X-Client": "t"})
            events = await collect(source)
        assert [(e.data, e.id) for e in events] == [("a", "1"), ("b", "2"), ("c", "2")]
        assert source.reconnects == 2

    run(main())
    assert [seen.get("Last-Event-ID") for seen in srv.seen] == [None, "2", "2"]
    assert all(seen["X-Client"] == "t" for seen in srv.seen)
    assert sleeps.delays == [0.01, 0.01]  # the server's retry, in seconds


def test_204_stops_without_error(sse_server) -> None:
    srv = sse_server([STOP])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            assert await collect(EventSource(session, srv.url(), sleep=Sleeps())) == []

    run(main())
    assert len(srv.seen) == 1


@pytest.mark.parametrize(
    ("script", "status", "words"),
    [((200, "text/plain", [b"data: x\n\n"], "eof"), 200, "text/plain"), ((500, "text/html", [], "eof"), 500, "500")],
    ids=["content-type", "status"],
)
def test_not_an_event_stream_raises_and_does_not_reconnect(sse_server, script: Script, status: int, words: str) -> None:
    srv = sse_server([script])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(EventSourceError) as info:
                await collect(EventSource(session, srv.url(), sleep=Sleeps()))
        assert info.value.status == status and words in info.value.message
        assert isinstance(info.value, aiohttp.ClientResponseError)

    run(main())
    assert len(srv.seen) == 1


def test_line_over_the_limit_raises(sse_server) -> None:
    srv = sse_server([(200, STREAM, [b"data: ok\n\n", b"data: " + b"x" * 5000 + b"\n\n"], "eof")])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            source = EventSource(session, srv.url(), max_line_size=1024, sleep=Sleeps())
            seen = []
            with pytest.raises(EventStreamError, match="longer than 1024 bytes"):
                async with source:
                    async for event in source:
                        seen.append(event.data)
            assert seen == ["ok"] and source.response is None
            assert isinstance(EventStreamError("x"), aiohttp.ClientPayloadError)

    run(main())
    assert len(srv.seen) == 1


def test_gzip_coded_event_stream(sse_server) -> None:
    srv = sse_server([(200, STREAM, [b"id: 1\ndata: one\n\n", b"data: two\n\n"], "eof")])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            events = await collect(EventSource(session, srv.url() + "?gzip=1", max_reconnects=0))
            assert [(e.data, e.id) for e in events] == [("one", "1"), ("two", "1")]
            async with session.get(srv.url() + "?gzip=1") as resp:
                assert resp.headers["Content-Encoding"] == "gzip"
                assert [e.data async for e in iter_events(resp)] == ["one", "two"]

    run(main())
    assert "gzip" in srv.seen[0]["Accept-Encoding"]


def test_iter_events_of_a_response_the_caller_has(sse_server) -> None:
    srv = sse_server([(200, STREAM, [b"data: 1\n\n", b"event: e\ndata: 2\n\n"], "eof"), (200, "text/plain", [], "eof")])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                events = [e async for e in iter_events(resp, last_event_id="0")]
            assert events == [ServerSentEvent("1", "message", "0"), ServerSentEvent("2", "e", "0")]
            async with session.get(srv.url()) as resp:
                with pytest.raises(EventSourceError):
                    async for _ in iter_events(resp):
                        pass

    run(main())


def test_reconnection_attempts_are_bounded_and_the_error_is_raised() -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]  # nothing listens there
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            source = EventSource(session, f"http://{HOST}:{port}/", max_reconnects=2, sleep=sleeps, reconnect_delay=0.5)
            with pytest.raises(aiohttp.ClientConnectorError):
                await collect(source)
            assert [e async for e in source] == []  # given up: closed, no further attempt
        assert source.reconnects == 2

    run(main())
    assert sleeps.delays == [0.5, 0.5]


def test_streams_that_end_without_events_stop_after_the_budget(sse_server) -> None:
    srv = sse_server([(200, STREAM, [b": keep-alive\n\n"], "eof")])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            assert await collect(EventSource(session, srv.url(), max_reconnects=3, sleep=sleeps)) == []

    run(main())
    assert len(srv.seen) == 4 and len(sleeps.delays) == 3


def test_leaving_the_block_mid_stream_closes_the_connection(sse_server) -> None:
    srv = sse_server([(200, STREAM, [b"data: first\n\n", b"data: second\n\n"] + [b": pad\n"] * 1000, "eof")])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            source = EventSource(session, srv.url(), sleep=Sleeps())
            async with source:
                async for event in source:
                    assert event.data == "first"
                    break
            assert source.response is None
            assert [e async for e in source] == []  # closed: the iteration is over

    run(main())
