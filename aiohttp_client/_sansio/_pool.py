"""Connection-pool bookkeeping: decisions only, no I/O, clock injected.

The pool lends *connections*; a *lease* is one exchange on one (``_protocols/
_exchange``).  Each connection has a *capacity* (exchanges it may carry at once:
HTTP/1.1 1, HTTP/2 the peer's ``SETTINGS_MAX_CONCURRENT_STREAMS``) and a count of
*active* leases.  A connection is *idle* when it has no active lease, and *open for
another exchange* while ``active < capacity`` and it is not closing: a multiplexed
connection is leased to several requests at once.  Connections of capacity 1 are
not tracked per lease (the HTTP/1.1 path pays nothing for it): in use or idle.

Rules (what ``BaseConnector`` documents):

- ``limit`` caps the connections *in use* (acquired or being opened) over all
  endpoints, ``limit_per_host`` caps them per pool key; 0 means no cap.  A
  connection counts once however many leases it carries.  Idle
  connections do not count (they are closed, not waited for, when they expire).
- An idle connection is reused most-recent-first (a warm socket is less likely to
  have been closed by the server) and expires ``keepalive_timeout`` seconds after it
  was released.
- Waiters are served in arrival order; a waiter whose key is at its per-host cap is
  skipped, not blocking the others.  A waiter is served either with a slot (it opens
  a connection) or with a lease on a shared connection of its key that has room.
- A request may wait for a connection being opened for its key that may multiplex
  (the connector says so when it opens it) instead of opening a second one: once
  open, up to ``capacity - 1`` of those waiters get a lease on it; the others are
  woken to ask again (when it turns out to carry one exchange, or failed, they open
  their own).
- While a shared connection of a key is *usable* (tracked and not closing: no
  GOAWAY), a request for that key over its capacity waits for room on it rather
  than open another connection (RFC 9113 §9.1: one HTTP/2 connection per origin);
  waiters for such a key are served only with leases (a lease that ends passes to
  the next waiter; a larger capacity serves that many), not with slots.  A new
  connection for the key is opened once none is usable (closed, failed, GOAWAY, out
  of stream ids: the connector then stops tracking it and wakes the waiters).

Counters are incremental; nothing is rescanned per request (compare
encode/httpcore#1000).  The connector performs whatever a method returns (closing
expired connections, waking a waiter) after the bookkeeping is done.
"""

from collections import deque
from collections.abc import Hashable
from typing import Callable, Generic, Optional, TypeVar

__all__ = ("Pool",)

C = TypeVar("C")  # a connection (protocol) object
W = TypeVar("W")  # a waiter object


def _count_down(counts: "dict[Hashable, int]", key: Hashable) -> None:
    """One fewer for *key* in *counts* (it must be there); the entry goes at zero."""
    n = counts[key] - 1
    if n:
        counts[key] = n
    else:
        del counts[key]


class _Shared:
    """A connection that may carry several exchanges: its leases."""

    __slots__ = ("key", "capacity", "active", "closing")

    def __init__(self, key: Hashable, capacity: int) -> None:
        self.key = key
        self.capacity = capacity
        self.active = 1  # the lease of whoever registered it
        self.closing = False

    @property
    def has_room(self) -> bool:
        return self.active < self.capacity and not self.closing


class Pool(Generic[C, W]):
    """:param limit: most connections in use, 0 for no limit.
    :param limit_per_host: most connections in use per key, 0 for no limit.
    :param keepalive_timeout: seconds an idle connection may be kept.
    :param clock: returns the current time in seconds (``loop.time``).
    """

    def __init__(self, limit: int, limit_per_host: int, keepalive_timeout: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.limit_per_host = limit_per_host
        self.keepalive_timeout = keepalive_timeout
        self._clock = clock
        self.in_use = 0
        self._in_use_per_key: dict[Hashable, int] = {}
        self._idle: dict[Hashable, list[tuple[C, float]]] = {}
        self._idle_count = 0
        self._waiters: deque[tuple[Hashable, W]] = deque()
        self._waiters_per_key: dict[Hashable, int] = {}
        self._shared: dict[C, _Shared] = {}  # connections of capacity > 1 with leases
        self._usable: dict[Hashable, int] = {}  # key -> its shared connections not closing
        self._pending: dict[Hashable, int] = {}  # key -> connections being opened that may multiplex
        self._pending_waiters: dict[Hashable, deque[W]] = {}
        #: Connections of capacity > 1 carrying leases now (0: nothing to look up;
        #: an attribute, read per request).
        self.shared_count = 0

    # -- limits ------------------------------------------------------------------

    def can_acquire(self, key: Hashable) -> bool:
        """Whether one more connection for *key* may be put in use now."""
        if self.limit and self.in_use >= self.limit:
            return False
        if self.limit_per_host and self._in_use_per_key.get(key, 0) >= self.limit_per_host:
            return False
        return True

    def acquire(self, key: Hashable) -> None:
        """Count one more connection in use for *key*."""
        self.in_use += 1
        self._in_use_per_key[key] = self._in_use_per_key.get(key, 0) + 1

    def release(self, key: Hashable) -> None:
        """Count one connection for *key* as no longer in use."""
        self.in_use -= 1
        _count_down(self._in_use_per_key, key)

    def in_use_for(self, key: Hashable) -> int:
        return self._in_use_per_key.get(key, 0)

    # -- idle connections ----------------------------------------------------------------

    def put_idle(self, key: Hashable, conn: C) -> None:
        """Keep *conn* for reuse until ``keepalive_timeout`` from now."""
        self._idle.setdefault(key, []).append((conn, self._clock() + self.keepalive_timeout))
        self._idle_count += 1

    def take_idle(self, key: Hashable) -> tuple[Optional[C], list[C]]:
        """Return ``(conn or None, expired)``: the most recent live idle connection for
        *key*, and the expired ones found on the way (for the caller to close).
        """
        stack = self._idle.get(key)
        expired: list[C] = []
        if not stack:
            return None, expired
        now = self._clock()
        found: Optional[C] = None
        while stack:
            conn, deadline = stack.pop()
            self._idle_count -= 1
            if deadline > now:
                found = conn
                break
            expired.append(conn)
        if not stack:
            del self._idle[key]
        return found, expired

    def discard_idle(self, key: Hashable, conn: C) -> bool:
        """Forget the idle *conn* (it was closed by the server).  ``True`` if it was idle."""
        stack = self._idle.get(key)
        if not stack:
            return False
        for i, (c, _) in enumerate(stack):
            if c is conn:
                del stack[i]
                self._idle_count -= 1
                if not stack:
                    del self._idle[key]
                return True
        return False

    def expire(self) -> list[C]:
        """Remove and return every idle connection whose time is up."""
        now = self._clock()
        expired: list[C] = []
        for key in list(self._idle):
            stack = self._idle[key]
            keep = [(c, d) for c, d in stack if d > now]
            expired.extend(c for c, d in stack if d <= now)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        self._idle_count -= len(expired)
        return expired

    def next_expiry(self) -> Optional[float]:
        """The earliest idle deadline, or ``None`` with nothing idle."""
        if not self._idle_count:
            return None
        return min(stack[0][1] for stack in self._idle.values())

    def drain_idle(self) -> list[C]:
        """Remove and return all idle connections."""
        conns = [c for stack in self._idle.values() for c, _ in stack]
        self._idle.clear()
        self._idle_count = 0
        return conns

    @property
    def idle_count(self) -> int:
        return self._idle_count

    def idle_by_key(self) -> dict[Hashable, list[tuple[C, float]]]:
        """A copy of the idle stacks: ``key -> [(conn, clock time it went idle)]``,
        oldest first.
        """
        keep = self.keepalive_timeout
        return {key: [(c, deadline - keep) for c, deadline in stack] for key, stack in self._idle.items()}

    # -- waiters ----------------------------------------------------------------------

    def has_waiters(self, key: Optional[Hashable] = None) -> bool:
        """Whether anyone waits (for *key*, when given): a new request for a key
        with waiters queues behind them; other keys are not held up.
        """
        if key is None:
            return bool(self._waiters)
        return key in self._waiters_per_key

    def add_waiter(self, key: Hashable, waiter: W) -> None:
        self._waiters.append((key, waiter))
        self._waiters_per_key[key] = self._waiters_per_key.get(key, 0) + 1

    def _forget_waiter(self, i: int, key: Hashable) -> None:
        del self._waiters[i]
        _count_down(self._waiters_per_key, key)

    def remove_waiter(self, waiter: W) -> None:
        for i, (key, w) in enumerate(self._waiters):
            if w is waiter:
                self._forget_waiter(i, key)
                return

    def next_waiter(self, hold: "Optional[set[Hashable]]" = None) -> Optional[tuple[Hashable, W]]:
        """Remove and return ``(key, waiter)`` for the first waiter that may acquire
        now, if any; waiters for a key in *hold* are skipped (the caller just gave a
        slot for that key to a request that may open a connection to share).
        """
        if not self._waiters or (self.limit and self.in_use >= self.limit):
            return None
        usable = self._usable
        for i, (key, waiter) in enumerate(self._waiters):
            # A key with a usable shared connection, or one being opened that may
            # multiplex, waits for room on it (served by the connector once it is open).
            if key not in usable and key not in self._pending and self.can_acquire(key):
                if hold and key in hold:
                    continue
                self._forget_waiter(i, key)
                return key, waiter
        return None

    def drain_waiters(self) -> list[W]:
        """Remove and return every waiter (for a slot, and for a pending connection)."""
        waiters = [w for _, w in self._waiters]
        waiters.extend(w for queue in self._pending_waiters.values() for w in queue)
        self._waiters.clear()
        self._waiters_per_key.clear()
        self._pending_waiters.clear()
        return waiters

    def next_waiter_for_room(self, key: Hashable) -> Optional[W]:
        """Remove and return the first waiter for *key* when a shared connection of
        *key* has room (the caller leases it for that waiter), else ``None``.
        """
        if key not in self._waiters_per_key or not self.has_room(key):
            return None
        for i, (k, waiter) in enumerate(self._waiters):
            if k == key:
                self._forget_waiter(i, key)
                return waiter
        return None  # pragma: no cover - the per-key count says there is one

    # -- leases on connections that carry several exchanges ---------------------------

    def add_shared(self, key: Hashable, conn: C, capacity: int) -> None:
        """*conn* (counted in use for *key*) may carry *capacity* exchanges; the
        caller holds its first lease.
        """
        self._shared[conn] = _Shared(key, capacity)
        self.shared_count = len(self._shared)
        self._usable[key] = self._usable.get(key, 0) + 1

    def _untrack(self, conn: C) -> None:
        entry = self._shared.pop(conn)
        self.shared_count = len(self._shared)
        if not entry.closing:
            self._not_usable(entry.key)

    def _not_usable(self, key: Hashable) -> None:
        _count_down(self._usable, key)

    def has_usable(self, key: Hashable) -> bool:
        """Whether a shared connection of *key* is tracked and not closing: a request
        for *key* waits for room on it rather than open another connection.
        """
        return key in self._usable

    def is_shared(self, conn: C) -> bool:
        return conn in self._shared

    def has_room(self, key: Hashable) -> bool:
        """Whether a shared connection of *key* is open for another exchange."""
        return any(entry.key == key and entry.has_room for entry in self._shared.values())

    def lease_shared(self, key: Hashable) -> Optional[C]:
        """A lease on a shared connection of *key* open for another exchange (the
        busiest first: fewer connections stay busy), or ``None``.
        """
        found: Optional[C] = None
        best = -1
        for conn, entry in self._shared.items():
            if entry.key == key and entry.has_room and entry.active > best:
                found, best = conn, entry.active
        if found is not None:
            self._shared[found].active += 1
        return found

    def end_lease(self, conn: C) -> int:
        """One lease on the shared *conn* ended; returns the leases still active.
        At 0 it is no longer tracked: the caller pools it idle (and calls
        :meth:`release` for its count) or closes it.
        """
        entry = self._shared[conn]
        entry.active -= 1
        if entry.active <= 0:
            self._untrack(conn)
            return 0
        return entry.active

    def pass_lease(self, conn: C) -> Optional[W]:
        """The lease of one exchange on the shared *conn* ended: the first waiter for
        its key, removed, takes it over (the lease count stays), or ``None`` (no
        waiter, or no room once it ends: closing, capacity lowered); then the caller
        ends the lease (:meth:`end_lease`).
        """
        entry = self._shared[conn]
        key = entry.key
        if key not in self._waiters_per_key or entry.closing or entry.active > entry.capacity:
            return None
        for i, (k, waiter) in enumerate(self._waiters):
            if k == key:
                self._forget_waiter(i, key)
                return waiter
        return None  # pragma: no cover - the per-key count says there is one

    def set_capacity(self, conn: C, capacity: int) -> Optional[Hashable]:
        """The shared *conn* may now carry *capacity* exchanges (HTTP/2: new
        ``SETTINGS_MAX_CONCURRENT_STREAMS``); leases beyond it are not revoked.
        Returns its key (the caller serves waiters for the room), or ``None`` when it
        is not tracked.
        """
        entry = self._shared.get(conn)
        if entry is None:
            return None
        entry.capacity = capacity
        return entry.key

    def mark_closing(self, conn: C) -> None:
        """No new lease on the shared *conn* (HTTP/2: GOAWAY); active ones go on.
        Requests for its key no longer wait for it (the caller wakes the waiters).
        """
        entry = self._shared.get(conn)
        if entry is not None and not entry.closing:
            entry.closing = True
            self._not_usable(entry.key)

    def forget_shared(self, conn: C) -> None:
        """*conn* is being closed with leases active: stop tracking it."""
        if conn in self._shared:
            self._untrack(conn)

    # -- waiting for a connection being opened that may multiplex ----------------------

    def opening_shared(self, key: Hashable) -> None:
        """A connection that may multiplex is being opened for *key* (counted in use
        by :meth:`acquire` as any other): requests for *key* may wait for it.
        """
        self._pending[key] = self._pending.get(key, 0) + 1

    def has_pending(self, key: Hashable) -> bool:
        """Whether a connection that may multiplex is being opened for *key*."""
        return key in self._pending

    def wait_pending(self, key: Hashable, waiter: W) -> None:
        """*waiter* waits for the connection being opened for *key*."""
        self._pending_waiters.setdefault(key, deque()).append(waiter)

    def remove_pending_waiter(self, key: Hashable, waiter: W) -> None:
        queue = self._pending_waiters.get(key)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self._pending_waiters[key]

    def opened_shared(
        self, key: Hashable, conn: C, capacity: int, multiplexes: Optional[bool] = None
    ) -> tuple[list[W], list[W]]:
        """The connection being opened for *key* is open, carrying *capacity*
        exchanges (the opener holds its first lease); *multiplexes* (default
        ``capacity > 1``): it is tracked as shared even at capacity 1 (HTTP/2 before
        the peer's SETTINGS: :meth:`set_capacity` raises it).  Returns ``(leased,
        others)``: waiters each given a lease on *conn* (up to ``capacity - 1``), and
        waiters to wake to ask again (they wait for room on *conn* when it is
        shared, else open their own; none while another such connection is being
        opened for *key*: they keep waiting for it).
        """
        self._end_pending(key)
        leased: list[W] = []
        if capacity > 1 if multiplexes is None else multiplexes:
            self.add_shared(key, conn, capacity)
            queue = self._pending_waiters.get(key)
            while queue and self._shared[conn].has_room:
                leased.append(queue.popleft())
                self._shared[conn].active += 1
        return leased, self._release_pending_waiters(key)

    def open_failed_shared(self, key: Hashable) -> list[W]:
        """The connection being opened for *key* failed: the waiters to wake (to
        open their own), none while another is being opened for *key*.
        """
        self._end_pending(key)
        return self._release_pending_waiters(key)

    def _end_pending(self, key: Hashable) -> None:
        n = self._pending.get(key, 0) - 1
        if n > 0:
            self._pending[key] = n
        else:
            self._pending.pop(key, None)

    def _release_pending_waiters(self, key: Hashable) -> list[W]:
        if key in self._pending:
            return []
        return list(self._pending_waiters.pop(key, ()))
