"""Connection-pool bookkeeping: decisions only, no I/O, clock injected.

Rules (what ``BaseConnector`` documents):

- ``limit`` caps the connections *in use* (acquired or being opened) over all
  endpoints, ``limit_per_host`` caps them per pool key; 0 means no cap.  Idle
  connections do not count (they are closed, not waited for, when they expire).
- An idle connection is reused most-recent-first (a warm socket is less likely to
  have been closed by the server) and expires ``keepalive_timeout`` seconds after it
  was released.
- Waiters are served in arrival order; a waiter whose key is at its per-host cap is
  skipped, not blocking the others.

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
        n = self._in_use_per_key[key] - 1
        if n:
            self._in_use_per_key[key] = n
        else:
            del self._in_use_per_key[key]

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
        n = self._waiters_per_key[key] - 1
        if n:
            self._waiters_per_key[key] = n
        else:
            del self._waiters_per_key[key]

    def remove_waiter(self, waiter: W) -> None:
        for i, (key, w) in enumerate(self._waiters):
            if w is waiter:
                self._forget_waiter(i, key)
                return

    def next_waiter(self) -> Optional[tuple[Hashable, W]]:
        """Remove and return ``(key, waiter)`` for the first waiter that may acquire
        now, if any.
        """
        if not self._waiters or (self.limit and self.in_use >= self.limit):
            return None
        for i, (key, waiter) in enumerate(self._waiters):
            if self.can_acquire(key):
                self._forget_waiter(i, key)
                return key, waiter
        return None

    def drain_waiters(self) -> list[W]:
        waiters = [w for _, w in self._waiters]
        self._waiters.clear()
        self._waiters_per_key.clear()
        return waiters
