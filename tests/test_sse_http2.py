"""Server-Sent Events (issue 19 part 3) over HTTP/2 (issue 17): ``EventSource`` and
``iter_events`` on a ``ClientSession(http2=...)``, against the raw ``h2`` server of
``_h2_servers.py`` (h2c prior knowledge; it writes the events in DATA frames cut where
the test says and records each request's fields and the RST_STREAM codes it got),
and nginx over TLS with ALPN ``h2`` serving an event stream from a file.

Pairs: events in pieces across DATA frames (mid-line, between CR and LF); an event
larger than our stream window (1 MiB) and the peer's default (64 KiB), so the
windows must reopen while one event is in the parser; the stream reset mid-event by
the server, then the reconnection on the same connection with ``Last-Event-ID``;
GOAWAY mid-stream, then the reconnection on a new connection; the source closed
mid-event (RST_STREAM CANCEL goes out, and the connection carries the next request).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _h2_servers import H2Request, H2ServerConn, client_tls
from _servers import run
from _sleeps import Sleeps
from aiohttp_client._protocols._h2 import STREAM_WINDOW
from aiohttp_client.sse import EventSource, EventStreamError, ServerSentEvent, iter_events

HEAD = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
CANCEL = 0x8


def wait_for(srv: Any, check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll *check* on the server's loop until it is truthy (bounded)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = srv.call(check)
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("the server never saw it")


def test_events_in_pieces_across_data_frames_arrive_as_sent(h2_server) -> None:
    """Each DATA frame is written on its own, a tick apart; the stream then stays
    open: the events must come out as their last byte arrives, not at the end."""
    pieces = [b"id: 1\nda", b"ta: one\r", b"\n\r\nevent: tw", b"o\ndata: 2a\ndata: 2b\n", b"\n: comment\n", b"data: th"]

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.respond(req.stream_id, 200, HEAD, None, end=False)
        for piece in pieces:
            conn.send(req.stream_id, piece)
            await asyncio.sleep(0.01)
        await asyncio.sleep(30)  # never ends: the client closes

    srv = h2_server(handler)

    async def main() -> list[ServerSentEvent]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            source = EventSource(session, srv.url("/events"), sleep=Sleeps())
            events = []
            async with source:
                async for event in source:
                    events.append(event)
                    assert source.response is not None and source.response.version == aiohttp.HttpVersion(2, 0)
                    if len(events) == 2:
                        break
            async with session.get(srv.url("/after")) as resp:  # the same connection goes on
                assert resp.status == 200
            return events

    events = run(main())
    assert events == [ServerSentEvent("one", "message", "1"), ServerSentEvent("2a\n2b", "two", "1")]
    assert wait_for(srv, lambda: srv.requests[0].reset) == CANCEL  # closed mid-event: RST_STREAM CANCEL
    assert len(srv.connections) == 1 and len(srv.requests) == 2
    fields = dict(srv.requests[0].headers)
    assert fields[b"accept"] == b"text/event-stream" and fields[b"cache-control"] == b"no-cache"


def test_event_larger_than_the_stream_window(h2_server) -> None:
    lines = [f"{i}" + "x" * (STREAM_WINDOW // 2) for i in range(7)]  # each under the 1 MiB line limit
    big = "\n".join(lines)

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.respond(req.stream_id, 200, HEAD, None, end=False)
        body = b"id: big\n" + "".join(f"data: {line}\n" for line in lines).encode() + b"\ndata: small\n\n"
        await conn.send_all(req.stream_id, body, end=True)  # as the client's windows open

    srv = h2_server(handler)

    async def main() -> list[ServerSentEvent]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with session.get(srv.url("/big")) as resp:
                return [e async for e in iter_events(resp)]

    events = run(main(), timeout=30)
    assert [(len(e.data), e.id) for e in events] == [(len(big), "big"), (5, "big")]
    assert events[0].data == big
    assert srv.errors == []


def test_reset_mid_event_reconnects_on_the_same_connection_with_last_event_id(h2_server) -> None:
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        n = len(conn.server.requests)
        if n == 1:
            conn.respond(req.stream_id, 200, HEAD, None, end=False)
            conn.send(req.stream_id, b"retry: 40\nid: 7\ndata: seven\n\nid: 8\ndata: lo")
            await asyncio.sleep(0.05)
            conn.reset(req.stream_id, 2)  # INTERNAL_ERROR mid-event: that event is lost
        elif n == 2:
            conn.respond(req.stream_id, 200, HEAD, b"id: 9\ndata: nine\n\n")
        else:
            conn.respond(req.stream_id, 204, [], b"")

    srv = h2_server(handler)
    sleeps = Sleeps()

    async def main() -> list[tuple[str, str]]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with EventSource(session, srv.url("/events"), sleep=sleeps) as source:
                return [(e.data, e.id) async for e in source]

    assert run(main()) == [("seven", "7"), ("nine", "9")]
    assert [r.header(b"last-event-id") for r in srv.requests] == [None, b"7", b"9"]
    assert sleeps.delays == [0.04, 0.04]
    assert len(srv.connections) == 1  # a reset stream leaves the connection usable


def test_goaway_mid_stream_reconnects_on_a_new_connection(h2_server) -> None:
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if len(conn.server.connections) == 1:
            conn.respond(req.stream_id, 200, HEAD, None, end=False)
            conn.send(req.stream_id, b"id: a\ndata: first\n\n")
            await asyncio.sleep(0.05)
            conn.goaway(last_stream_id=req.stream_id, code=0)  # graceful: this stream may finish
            conn.send(req.stream_id, b"data: second\n\n", end=True)
            await asyncio.sleep(0.05)
            conn.close()
        elif len(conn.server.requests) == 2:
            conn.respond(req.stream_id, 200, HEAD, b"id: b\ndata: third\n\n")
        else:
            conn.respond(req.stream_id, 204, [], b"")

    srv = h2_server(handler)

    async def main() -> list[tuple[str, str]]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with EventSource(session, srv.url("/events"), sleep=Sleeps()) as source:
                return [(e.data, e.id) async for e in source]

    assert run(main()) == [("first", "a"), ("second", "a"), ("third", "b")]
    assert [r.header(b"last-event-id") for r in srv.requests] == [None, b"a", b"b"]
    assert len(srv.connections) == 2


@pytest.mark.nginx
def test_event_stream_file_from_nginx_over_tls_h2(nginx_h2) -> None:
    big = "\n".join("y" * (STREAM_WINDOW // 2) for _ in range(5))  # over the stream window, in lines
    body = "".join(f"id: {i}\ndata: event {i}\n\n" for i in range(200))
    body += "id: big\n" + "".join(f"data: {line}\n" for line in big.split("\n")) + "\n"
    (nginx_h2.directory / "www" / "events.sse").write_text(body)

    async def main() -> list[ServerSentEvent]:
        async with aiohttp.ClientSession(http2=True) as session:
            source = EventSource(session, nginx_h2.url("/events.sse"), ssl=client_tls(nginx_h2.ca), max_reconnects=0)
            events = []
            async with source:
                async for event in source:
                    events.append(event)
                    assert source.response is not None and source.response.version == aiohttp.HttpVersion(2, 0)
            return events

    events = run(main(), timeout=30)
    assert [e.data for e in events[:-1]] == [f"event {i}" for i in range(200)]
    assert events[-1] == ServerSentEvent(big, "message", "big")
    log = nginx_h2.access_log()
    assert [(r["uri"], r["status"], r["protocol"]) for r in log] == [("/events.sse", 200, "HTTP/2.0")]


def test_silent_stream_times_out_resets_and_reconnects(h2_server) -> None:
    """``sock_read`` is per stream on HTTP/2: the silent stream is reset (CANCEL), the
    source reconnects with its id on the same connection."""

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if len(conn.server.requests) == 1:
            conn.respond(req.stream_id, 200, HEAD, None, end=False)
            conn.send(req.stream_id, b"id: s\ndata: then silence\n\n")
            await asyncio.sleep(30)
        else:
            conn.respond(req.stream_id, 204, [], b"")

    srv = h2_server(handler)
    sleeps = Sleeps()

    async def main() -> list[str]:
        timeout = aiohttp.ClientTimeout(sock_read=0.3)
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with EventSource(session, srv.url("/events"), sleep=sleeps, timeout=timeout) as source:
                return [e.data async for e in source]

    assert run(main()) == ["then silence"]
    assert wait_for(srv, lambda: srv.requests[0].reset) == CANCEL
    assert [r.header(b"last-event-id") for r in srv.requests] == [None, b"s"]
    assert len(srv.connections) == 1 and len(sleeps.delays) == 1


def test_line_over_the_limit_resets_only_its_stream(h2_server) -> None:
    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if req.header(b":path") == b"/events":
            conn.respond(req.stream_id, 200, HEAD, None, end=False)
            conn.send(req.stream_id, b"data: ok\n\ndata: " + b"z" * 5000)
            await asyncio.sleep(30)
        else:
            conn.respond(req.stream_id, 200, [], b"other")

    srv = h2_server(handler)

    async def main() -> list[str]:
        seen = []
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            with pytest.raises(EventStreamError, match="longer than 1024 bytes"):
                async with EventSource(session, srv.url("/events"), max_line_size=1024, sleep=Sleeps()) as source:
                    async for event in source:
                        seen.append(event.data)
            async with session.get(srv.url("/other")) as resp:
                assert await resp.read() == b"other"
        return seen

    assert run(main()) == ["ok"]
    assert wait_for(srv, lambda: srv.requests[0].reset) == CANCEL
    assert len(srv.connections) == 1 and len(srv.requests) == 2


def test_gzip_coded_events_arrive_as_sent_over_http2(h2_server) -> None:
    """Content decoding on an HTTP/2 stream: each event flushed (Z_SYNC_FLUSH) comes
    out of the decoder at once, while the stream stays open."""
    import zlib

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        coder = zlib.compressobj(wbits=31)
        conn.respond(req.stream_id, 200, HEAD + [(b"content-encoding", b"gzip")], None, end=False)
        for i in range(3):
            conn.send(req.stream_id, coder.compress(b"id: %d\ndata: z%d\n\n" % (i, i)) + coder.flush(zlib.Z_SYNC_FLUSH))
            await asyncio.sleep(0.01)
        await asyncio.sleep(30)  # never ends: the client closes

    srv = h2_server(handler)

    async def main() -> list[tuple[str, str]]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with session.get(srv.url("/gz")) as resp:
                assert resp.headers["Content-Encoding"] == "gzip"
                out = []
                async for event in iter_events(resp):
                    out.append((event.data, event.id))
                    if len(out) == 3:
                        break
                return out

    assert run(main()) == [("z0", "0"), ("z1", "1"), ("z2", "2")]
    assert wait_for(srv, lambda: srv.requests[0].reset) == CANCEL


def test_slow_consumer_holds_the_server_back(h2_server) -> None:
    """An event source not iterated while the server has 16 MiB of events to send:
    the acknowledgements stop, so the server is held near our stream window (1 MiB)
    plus the response's buffer; then every event arrives, in order."""
    event = b"data: " + b"e" * 1000 + b"\n\n"
    count = 16 * 2**20 // len(event)
    progress = {"sent": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.respond(req.stream_id, 200, HEAD, None, end=False)
        batch = event * 64
        for i in range(0, count, 64):
            n = min(64, count - i)
            await conn.send_all(req.stream_id, batch[: n * len(event)], end=False)
            progress["sent"] += n * len(event)
        conn.send(req.stream_id, b"", end=True)

    srv = h2_server(handler)

    async def main() -> tuple[int, int]:
        async with aiohttp.ClientSession(http2="prior-knowledge") as session:
            async with EventSource(session, srv.url("/many"), max_reconnects=0) as source:
                got = 1 if await source.__anext__() else 0
                await asyncio.sleep(0.5)  # not reading: the server must stall
                held = srv.call(lambda: progress["sent"])
                async for _ in source:
                    got += 1
        return got, held

    got, held = run(main(), timeout=60)
    assert got == count
    assert held < 4 * STREAM_WINDOW, held
    assert progress["sent"] == count * len(event)
