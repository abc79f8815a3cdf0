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


def test_settings_late_200_gets_one_connection(h2_server):
    peak = Peak()
    srv = h2_server(peak.handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 128}, settings_delay=0.2)

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 200)

    run(main())
    _check(srv, peak, 200, 128)


def test_small_stream_limit_50_gets_one_connection(h2_server):
    peak = Peak()
    srv = h2_server(peak.handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 10})

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            await _get_all(s, srv.url(""), 50)

    run(main())
    _check(srv, peak, 50, 10)


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
