"""The connector lending leases on connections that carry several exchanges (issue 16
part 3), before any such protocol exists: ``MuxConnection`` below implements the
``ExchangeConnection`` spec in-process (what the HTTP/2 protocol and the test
transport will be), returned by the connector's one protocol factory.  Checked: a
request waits for a connection being opened that may multiplex and gets a lease on
it; one that turns out not to multiplex, or fails, wakes its waiters to open their
own; limits count connections, not leases; a waiter under the limit is served by room
on a shared connection; closing one lease aborts only its exchange."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._client._client_request import ClientRequest


class MuxExchange:
    def __init__(self, conn: MuxConnection) -> None:
        self.conn = conn
        self.aborted: BaseException | None = None
        self.must_close = False

    def abort(self, exc: BaseException) -> None:
        self.aborted = exc


class MuxConnection:
    """An in-process connection of *capacity* exchanges (the spec's members only)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, capacity: int) -> None:
        self.capacity = capacity
        self.transport: Any = None
        self.closed: asyncio.Future[None] = loop.create_future()
        self.should_close = False
        self.exchanges: list[MuxExchange] = []

    def is_connected(self) -> bool:
        return not self.closed.done()

    def new_exchange(self) -> MuxExchange:
        exchange = MuxExchange(self)
        self.exchanges.append(exchange)
        return exchange

    def close(self, tls_grace: float = 0.0) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class MuxConnector(aiohttp.BaseConnector):
    """Opens :class:`MuxConnection`\\s of the capacities in *capacities* (one per
    connection, in order; an exception fails that open), each after *delay* seconds."""

    def __init__(self, capacities: list[Any], *, delay: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.capacities = list(capacities)
        self.opened: list[MuxConnection] = []
        self.delay = delay

    def _may_multiplex(self, req: Any) -> bool:
        return True

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        capacity = self.capacities.pop(0)
        await asyncio.sleep(self.delay)
        if isinstance(capacity, BaseException):
            raise capacity
        conn = MuxConnection(self._loop, capacity)
        self.opened.append(conn)
        return conn

    def _connection_protocol(self, transport: Any, protocol: Any) -> Any:
        return protocol


def _req(host: str = "127.0.0.1") -> ClientRequest:
    return ClientRequest("GET", URL(f"http://{host}:1/"))


def test_requests_wait_for_a_connection_that_multiplexes_and_share_it() -> None:
    async def main() -> None:
        connector = MuxConnector([2, 2])
        req = _req()
        tasks = [asyncio.ensure_future(connector.connect(req)) for _ in range(3)]
        a, b = await asyncio.wait_for(asyncio.gather(*tasks[:2]), 5)
        (first,) = connector.opened
        assert a.protocol is first and b.protocol is first  # capacity 2: the opener and one waiter
        await asyncio.sleep(0.1)
        assert not tasks[2].done()  # no room left: it waits for room, no second connection (RFC 9113 §9.1)
        assert a.exchange is not b.exchange and len(first.exchanges) == 2
        assert not a.reused and b.reused
        assert connector._pool.in_use == 1  # connections, not leases
        a.release()  # the lease passes to the waiter
        c = await asyncio.wait_for(tasks[2], 5)
        assert c.protocol is first and c.reused and len(connector.opened) == 1
        assert connector._pool.in_use == 1 and connector._pool.idle_count == 0
        b.release()
        d = await asyncio.wait_for(connector.connect(req), 5)  # room on the shared one: no new open
        assert d.protocol is first and len(connector.opened) == 1
        for conn in (c, d):
            conn.release()
        assert connector._pool.in_use == 0 and connector._pool.idle_count == 1
        await connector.close()
        assert first.closed.done()

    run(main())


@pytest.mark.parametrize("outcome", [1, OSError("refused")], ids=["does-not-multiplex", "fails"])
def test_waiters_for_a_pending_connection_open_their_own_when_it_cannot_be_shared(outcome: Any) -> None:
    async def main() -> None:
        connector = MuxConnector([outcome, 1])
        req = _req()
        results = await asyncio.wait_for(
            asyncio.gather(connector.connect(req), connector.connect(req), return_exceptions=True), 5
        )
        if isinstance(outcome, BaseException):
            assert results[0] is outcome and len(connector.opened) == 1
            assert results[1].protocol is connector.opened[0]  # type: ignore[union-attr]
        else:
            assert [r.protocol for r in results] == connector.opened and len(connector.opened) == 2  # type: ignore[union-attr]
        for r in results:
            if not isinstance(r, BaseException):
                r.release()
        await connector.close()

    run(main())


def test_under_the_limit_a_waiter_is_served_by_room_on_a_shared_connection() -> None:
    async def main() -> None:
        connector = MuxConnector([2, 2], limit=1)
        req = _req()
        a = await connector.connect(req)
        b = await connector.connect(req)  # room on the shared connection: leased at once
        assert b.protocol is a.protocol
        waiting = asyncio.ensure_future(connector.connect(req))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # full, and the limit allows no second connection
        other = asyncio.ensure_future(connector.connect(_req("localhost")))
        await asyncio.sleep(0.05)
        assert not other.done()
        a.release()  # room again: the waiter of this key gets a lease, not a slot
        c = await asyncio.wait_for(waiting, 5)
        assert c.protocol is b.protocol and c.reused and len(connector.opened) == 1
        assert not other.done()  # the one connection allowed is still in use
        b.release()
        c.release()  # the last lease: idle, and the slot goes to the other key
        d = await asyncio.wait_for(other, 5)
        assert d.protocol is connector.opened[1]
        d.release()
        await connector.close()

    run(main())


def test_closing_a_lease_aborts_only_its_exchange() -> None:
    async def main() -> None:
        connector = MuxConnector([3])
        req = _req()
        a = await connector.connect(req)
        b = await connector.connect(req)
        exchange_a = a.exchange
        a.close()
        assert isinstance(exchange_a.aborted, aiohttp.ClientConnectionError)  # type: ignore[union-attr]
        assert b.exchange.aborted is None  # type: ignore[union-attr]
        assert not b.protocol.closed.done()  # the connection carries on
        exchange_b = b.exchange
        exchange_b.must_close = True  # type: ignore[union-attr]
        b.close()  # this exchange says the connection must close
        assert connector.opened[0].closed.done() and connector._pool.in_use == 0
        await connector.close()

    run(main())


def test_a_cancelled_waiter_for_a_pending_connection_gives_its_lease_back() -> None:
    async def main() -> None:
        connector = MuxConnector([3], delay=0.1)
        req = _req()
        opener = asyncio.ensure_future(connector.connect(req))
        await asyncio.sleep(0.01)
        waiter = asyncio.ensure_future(connector.connect(req))
        await asyncio.sleep(0.01)
        waiter.cancel()
        a = await asyncio.wait_for(opener, 5)
        with pytest.raises(asyncio.CancelledError):
            await waiter
        b = await connector.connect(req)  # two leases free: the cancelled one was not kept
        c = await connector.connect(req)
        assert b.protocol is a.protocol is c.protocol and len(connector.opened) == 1
        for conn in (a, b, c):
            conn.release()
        assert connector._pool.idle_count == 1
        await connector.close()

    run(main())
