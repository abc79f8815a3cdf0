"""Many concurrent requests on one HTTP/2 connection (RFC 9113 §9.1: a client SHOULD
NOT open more than one HTTP/2 connection to a given host and port), within the
server's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2: a client exceeding it gets
streams refused), against the raw ``h2`` server of ``_h2_servers``: SETTINGS sent
late, a small stream limit, a limit raised and lowered mid-flight, GOAWAY while
requests wait for room, a waiter cancelled or timed out while it waits.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _h2_servers import SETTINGS, H2Request, H2ServerConn
from _servers import run


class Peak:
    """The most streams the server had open at once, per connection."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.peak: dict[int, int] = {}

    async def handler(self, conn: H2ServerConn, req: H2Request) -> None:
        n = conn.h2.open_inbound_streams
        self.peak[id(conn)] = max(self.peak.get(id(conn), 0), n)
        await asyncio.sleep(self.delay)
        conn.respond(req.stream_id, 200, [], req.header(b":path"))


async def _get_all(s: aiohttp.ClientSession, url: str, n: int, prefix: str = "") -> None:
    async def one(i: int) -> None:
        async with s.get(f"{url}{prefix}/{i}") as resp:
            assert resp.status == 200
            assert await resp.read() == f"{prefix}/{i}".encode()

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 30)


def _check(srv: Any, peak: Peak, n: int, limit: int) -> None:
    assert srv.errors == []
    assert len(srv.requests) == n
    assert len(srv.connections) == 1, len(srv.connections)
    assert 1 <= peak.peak[id(srv.connections[0])] <= limit


@pytest.mark.parametrize(
    ("count", "limit", "settings_delay"),
    [(200, 128, 0.2), (50, 10, 0.0)],
    ids=["settings-late-200", "small-stream-limit-50"],
)
def test_a_burst_gets_one_connection(h2_server, count: int, limit: int, settings_delay: float):
    peak = Peak()
    srv = h2_server(peak.handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: limit}, settings_delay=settings_delay)

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), count)

    run(main())
    _check(srv, peak, count, limit)


def test_full_connection_known_settings_requests_wait_for_room(h2_server):
    peak = Peak()
    srv = h2_server(peak.handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 3})

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 1)  # the SETTINGS are known now; the connection is idle
            await _get_all(s, srv.url(""), 30, "/more")

    run(main())
    assert srv.errors == [] and len(srv.requests) == 31
    assert len(srv.connections) == 1 and peak.peak[id(srv.connections[0])] <= 3


def test_goaway_while_requests_wait_for_room_one_new_connection(h2_server):
    peak = Peak(delay=0.05)
    srv = h2_server(settings={SETTINGS.MAX_CONCURRENT_STREAMS: 2})

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if conn is srv.connections[0] and req.stream_id == 3:
            conn.goaway(3)  # streams 1 and 3 finish; the requests waiting for room go elsewhere
        await peak.handler(conn, req)

    srv.handler = handler

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 12)

    run(main())
    assert srv.errors == [] and len(srv.requests) == 12
    assert len(srv.connections) == 2  # one replacement, not one per waiter
    assert [r.stream_id for r in srv.requests[:2]] == [1, 3]
    assert all(n <= 2 for n in peak.peak.values())


def test_waiter_for_room_cancelled_or_timed_out_its_turn_goes_to_the_next(h2_server):
    peak = Peak(delay=0.3)
    srv = h2_server(peak.handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 1})

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 1, "/first")  # SETTINGS known: one stream at a time
            holder = asyncio.ensure_future(_get_all(s, srv.url(""), 1, "/held"))
            await asyncio.sleep(0.05)
            cancelled = asyncio.ensure_future(s.get(srv.url("/cancelled")))
            short = aiohttp.ClientTimeout(connect=0.1)
            timed_out = asyncio.ensure_future(s.get(srv.url("/timed-out"), timeout=short))
            last = asyncio.ensure_future(_get_all(s, srv.url(""), 1, "/last"))
            await asyncio.sleep(0.05)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            with pytest.raises(aiohttp.ConnectionTimeoutError):
                await asyncio.wait_for(timed_out, 5)
            await asyncio.wait_for(asyncio.gather(holder, last), 5)

    run(main())
    assert srv.errors == [] and len(srv.connections) == 1
    assert [r.header(b":path") for r in srv.requests] == [b"/first/0", b"/held/0", b"/last/0"]
    assert peak.peak[id(srv.connections[0])] == 1


def test_settings_raised_mid_flight_serve_that_many_waiters(h2_server):
    peak = Peak(delay=0.05)
    srv = h2_server(settings={SETTINGS.MAX_CONCURRENT_STREAMS: 2})

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if len(srv.requests) == 4:  # mid-flight: room for 8 now (RFC 9113 §6.5.2)
            conn.h2.update_settings({SETTINGS.MAX_CONCURRENT_STREAMS: 8})
            conn.flush()
        await peak.handler(conn, req)

    srv.handler = handler

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 40)

    run(main())
    _check(srv, peak, 40, 8)
    assert peak.peak[id(srv.connections[0])] > 2  # the waiters were served the new room
