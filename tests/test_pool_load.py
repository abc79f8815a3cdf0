"""The pool under load and address fall-through, against real peers."""

from __future__ import annotations

import asyncio
import socket

import aiohttp_client as aiohttp
from _servers import Reply, run
from aiohttp_client.abc import AbstractResolver, ResolveResult

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_a_thousand_requests_on_limit_10_across_three_hosts(web_server) -> None:
    first = web_server()
    servers = [first, web_server(in_flight=first.in_flight), web_server(in_flight=first.in_flight)]

    async def main() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10)) as session:

            async def one(i: int) -> bytes:
                async with session.get(servers[i % 3].url("/slow?delay=0")) as resp:
                    return await resp.read()

            bodies = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(1000))), 60)
        assert bodies == [b"slow"] * 1000

    run(main(), timeout=90)
    assert 1 < first.in_flight.max <= 10  # concurrent, and never past the limit
    assert all(srv.own_in_flight.max >= 1 for srv in servers)


class FirstRefusesResolver(AbstractResolver):
    """Two addresses for every name: a closed port first, then the server's."""

    def __init__(self, closed_port: int, open_port: int) -> None:
        self._ports = (closed_port, open_port)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host="127.0.0.1", port=p, family=socket.AF_INET, proto=0, flags=0)
            for p in self._ports
        ]

    async def close(self) -> None:
        pass


def test_happy_eyeballs_falls_through_to_the_next_address(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    async def main() -> None:
        resolver = FirstRefusesResolver(closed_port, srv.port)
        conn = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
        async with aiohttp.ClientSession(connector=conn) as session:
            async with session.get("http://two-addresses.test/") as resp:
                assert await resp.read() == b"ok"
        assert srv.accepted == 1

    run(main())
