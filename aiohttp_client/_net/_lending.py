"""Lending connections: ``BaseConnector``'s acquire and release, the I/O side of
:class:`~.._sansio._pool.Pool` (reference: "Connectors").

A request gets a *lease* (a ``Connection`` handle carrying one exchange) on a
connection: a shared connection of its key with room (one that multiplexes), else an
idle one, else one being opened for its key that may multiplex (it waits for it),
else a new one once the limits allow (it waits for a slot, or for room on a shared
connection of its key).  While a shared connection of its key is usable (no GOAWAY,
not failed) a request over its capacity waits for room on it instead of opening
another (RFC 9113 §9.1); a new HTTP/2 connection carries one exchange until the
peer's SETTINGS arrive (then as many as they allow: RFC 9113 §5.1.2, §6.5.2).  A
lease ends through the handle: it passes to the next waiter for its key when there
is room; a connection with no active lease goes back to the idle pool when its
protocol says it is reusable, and is closed otherwise.
"""

import asyncio
from typing import TYPE_CHECKING, Any, Optional

from .._client._timeouts import ClientTimeout
from .._models import ConnectionKey
from .._protocols._exchange import ExchangeConnection
from .._sansio._pool import Pool
from ..client_exceptions import ClientConnectionError
from ._connection import Connection

if TYPE_CHECKING:  # pragma: no cover
    from .._client._client_request import ClientRequest

__all__ = ("Lending",)


class Lending:
    """Acquire and release for ``BaseConnector`` (which provides the attributes
    below, the I/O hooks and the idle-pool cleanup).
    """

    _loop: asyncio.AbstractEventLoop
    _closed: bool
    _force_close: bool
    _pool: "Pool[ExchangeConnection, asyncio.Future[Optional[ExchangeConnection]]]"
    _in_use: set[ExchangeConnection]
    _mux: Any  # HTTP/2 asked for: ``_multiplex.Multiplexer`` (a WebSocket request's pool key differs)

    async def _create_connection(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> Any:
        raise NotImplementedError()

    def _connection_protocol(self, transport: Any, protocol: Any) -> ExchangeConnection:
        raise NotImplementedError()

    def _may_multiplex(self, req: "ClientRequest") -> bool:
        """Whether the connection about to be opened for *req* may carry several
        exchanges (then requests for its key wait for it rather than open another).
        Today never (HTTP/1.1 only).
        """
        return False

    def _schedule_cleanup(self) -> None:
        raise NotImplementedError()

    async def connect(
        self, req: "ClientRequest", traces: Any = None, timeout: Optional[ClientTimeout] = None
    ) -> Connection:
        """A connection for *req*: one open for another exchange, or a new one once
        the limits allow.

        :raises ClientConnectionError: the connector is closed.
        :raises ClientConnectorError: (and subclasses) the connection could not be made.
        """
        if self._closed:
            raise ClientConnectionError("Connector is closed.")
        key = req.connection_key if self._mux is None else self._mux.pool_key(req)
        pool = self._pool
        protocol = self._take_available(key)
        if protocol is None and pool.has_pending(key):
            protocol = await self._wait_pending(key) or self._take_available(key)
        if protocol is not None:
            for trace in traces or ():
                await trace.send_connection_reuseconn()
            return self._lend(key, protocol, reused=True)
        if pool.can_acquire(key) and not pool.has_waiters(key) and not (pool.shared_count and pool.has_usable(key)):
            pool.acquire(key)
        else:
            for trace in traces or ():
                await trace.send_connection_queued_start()
            # A slot is acquired on our behalf, or a lease on a shared connection taken.
            protocol = await self._wait_for_slot(key)
            for trace in traces or ():
                await trace.send_connection_queued_end()
            if protocol is None:
                protocol = self._take_idle(key)
                if protocol is not None:
                    self._register(key, protocol)
            if protocol is not None:
                for trace in traces or ():
                    await trace.send_connection_reuseconn()
                return self._lend(key, protocol, reused=True)
        return await self._open_new(req, traces, timeout or ClientTimeout())

    async def _open_new(self, req: "ClientRequest", traces: Any, timeout: ClientTimeout) -> Connection:
        """Open a connection for *req* (its slot acquired) and lend it; waiters for
        it (when it may multiplex) get leases on it or are woken to open their own.
        """
        key = req.connection_key if self._mux is None else self._mux.pool_key(req)
        pool = self._pool
        may_multiplex = self._may_multiplex(req)
        if may_multiplex:
            pool.opening_shared(key)
        try:
            for trace in traces or ():
                await trace.send_connection_create_start()
            made = await self._create_connection(req, traces, timeout)
            try:
                protocol = self._connection_protocol(made.transport, made)
            except BaseException:
                made.close()
                raise
            for trace in traces or ():
                await trace.send_connection_create_end()
        except BaseException:
            pool.release(key)
            if may_multiplex:
                _settle_pending(pool.open_failed_shared(key), None)
            self._wake_waiters()
            raise
        if self._closed:
            protocol.close()
            pool.release(key)
            raise ClientConnectionError("Connector is closed.")
        if may_multiplex:
            if _multiplexes(protocol):  # HTTP/2: one exchange until the peer's SETTINGS arrived
                settled = protocol.ready.done()  # type: ignore[attr-defined]
                leased, others = pool.opened_shared(key, protocol, protocol.capacity if settled else 1, True)
            else:
                leased, others = pool.opened_shared(key, protocol, protocol.capacity)
            self._in_use.add(protocol)
            for waiter in leased:
                if waiter.done():  # cancelled meanwhile: its lease ends unused
                    pool.end_lease(protocol)
                else:
                    waiter.set_result(protocol)
            _settle_pending(others, None)
            self._serve_room(key)  # requests that queued while it was being opened
            self._wake_waiters()  # (or slots, when it does not multiplex)
        elif protocol.capacity > 1:
            pool.add_shared(key, protocol, protocol.capacity)
        return self._lend(key, protocol)

    def _reuse_idle(self, req: "ClientRequest") -> Optional[Connection]:
        """:meth:`connect`'s first step without a coroutine (nothing traced)."""
        if self._closed:
            return None
        key = req.connection_key if self._mux is None else self._mux.pool_key(req)
        pool = self._pool
        protocol = pool.lease_shared(key) if pool.shared_count else None
        if protocol is None:  # :meth:`_take_available` inlined: this runs per request
            protocol = self._take_idle(key)
            if protocol is None:
                return None
            pool.acquire(key)
            if protocol.capacity > 1 or (self._mux is not None and _multiplexes(protocol)):
                pool.add_shared(key, protocol, protocol.capacity)
        self._in_use.add(protocol)
        return Connection(self, key, protocol, self._loop, True)

    def _take_available(self, key: ConnectionKey) -> Optional[ExchangeConnection]:
        """A lease on a connection of *key* open for another exchange: a shared one
        with room, else an idle one (then counted in use).
        """
        pool = self._pool
        if pool.shared_count:
            protocol = pool.lease_shared(key)
            if protocol is not None:
                return protocol
        protocol = self._take_idle(key)
        if protocol is not None:
            pool.acquire(key)
            self._register(key, protocol)
        return protocol

    def _register(self, key: ConnectionKey, protocol: ExchangeConnection) -> None:
        """*protocol*, taken from the idle pool, starts carrying leases."""
        if protocol.capacity > 1 or (self._mux is not None and _multiplexes(protocol)):
            self._pool.add_shared(key, protocol, protocol.capacity)

    def _lend(self, key: ConnectionKey, protocol: ExchangeConnection, reused: bool = False) -> Connection:
        self._in_use.add(protocol)
        return Connection(self, key, protocol, self._loop, reused)

    async def _wait_for_slot(self, key: ConnectionKey) -> Optional[ExchangeConnection]:
        """Wait until a connection for *key* may be opened (``None``: the slot is
        acquired) or a shared connection of *key* has room (a lease on it).
        """
        waiter: asyncio.Future[Optional[ExchangeConnection]] = self._loop.create_future()
        self._pool.add_waiter(key, waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._give_back(key, waiter.result())  # we were served but gave up
            else:
                self._pool.remove_waiter(waiter)
            raise

    async def _wait_pending(self, key: ConnectionKey) -> Optional[ExchangeConnection]:
        """Wait for the connection being opened for *key* that may multiplex: a
        lease on it, or ``None`` (it does not multiplex, or failed: open another).
        """
        waiter: asyncio.Future[Optional[ExchangeConnection]] = self._loop.create_future()
        self._pool.wait_pending(key, waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                leased = waiter.result()
                if leased is not None:
                    self._in_use.add(leased)
                    self._release(key, leased)
            else:
                self._pool.remove_pending_waiter(key, waiter)
            raise

    def _give_back(self, key: ConnectionKey, leased: Optional[ExchangeConnection]) -> None:
        """A waiter served with a slot (``None``) or a lease gave up before using it."""
        if leased is None:
            self._pool.release(key)
            self._wake_waiters()
        else:
            self._in_use.add(leased)
            self._release(key, leased)

    def _take_idle(self, key: ConnectionKey) -> Optional[ExchangeConnection]:
        while True:
            protocol, expired = self._pool.take_idle(key)
            for old in expired:
                old.close()
            if protocol is None or (protocol.is_connected() and not protocol.should_close):
                return protocol
            protocol.close()

    def _release(self, key: ConnectionKey, protocol: ExchangeConnection, *, should_close: bool = False) -> None:
        """End one lease on *protocol*: with no lease left, pool it idle (reusable)
        or close it; *should_close* closes it now (the exchange said it must).
        """
        if protocol not in self._in_use:
            return
        pool = self._pool
        close = self._closed or self._force_close or should_close or protocol.should_close
        if pool.shared_count and pool.is_shared(protocol):
            if close:
                pool.forget_shared(protocol)  # its other exchanges fail with it
            else:
                if self._pass_lease(protocol):
                    return
                if pool.end_lease(protocol):
                    self._serve_room(key)
                    return
        self._in_use.discard(protocol)
        pool.release(key)
        if close:
            protocol.close()
        else:
            pool.put_idle(key, protocol)
            self._schedule_cleanup()
        self._wake_waiters()

    def _pass_lease(self, protocol: ExchangeConnection) -> bool:
        """The ending lease on the shared *protocol* goes to the next waiter for its
        key, if there is room for it (a cancelled waiter's turn goes to the next).
        """
        pool = self._pool
        while True:
            waiter = pool.pass_lease(protocol)
            if waiter is None:
                return False
            if not waiter.done():
                waiter.set_result(protocol)
                return True

    def _capacity_changed(self, protocol: ExchangeConnection, capacity: int, closing: bool) -> None:
        """The shared *protocol* may now carry *capacity* exchanges (HTTP/2 SETTINGS)
        or, *closing*, none more (GOAWAY): serve the waiters for its key the room, or
        wake them to open another connection.
        """
        pool = self._pool
        key = pool.set_capacity(protocol, capacity)
        if key is None:
            return
        if closing:
            pool.mark_closing(protocol)
            self._wake_waiters()
        else:
            self._serve_room(key)  # type: ignore[arg-type]  # the pool's keys are ConnectionKeys

    def _serve_room(self, key: ConnectionKey) -> None:
        """Give waiters for *key* leases on a shared connection that has room."""
        pool = self._pool
        while True:
            waiter = pool.next_waiter_for_room(key)
            if waiter is None:
                return
            if not waiter.done():
                waiter.set_result(pool.lease_shared(key))

    def _wake_waiters(self) -> None:
        """Give waiters slots as the limits allow; with HTTP/2 on, one per key (the
        connection it opens may be shared: the other waiters wait for it).
        """
        pool = self._pool
        hold: Optional[set[Any]] = None if self._mux is None else set()
        while True:
            item = pool.next_waiter(hold)
            if item is None:
                return
            key, waiter = item
            if waiter.done():
                continue
            pool.acquire(key)
            waiter.set_result(None)
            if hold is not None:
                hold.add(key)


def _multiplexes(protocol: Any) -> bool:
    """*protocol* is HTTP/2: tracked per lease whatever its capacity (the peer's
    SETTINGS_MAX_CONCURRENT_STREAMS may be 1 or 0: requests wait for room on it).
    """
    return getattr(protocol, "multiplexes", False) is True


def _settle_pending(waiters: "list[asyncio.Future[Optional[ExchangeConnection]]]", leased: Any) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(leased)
