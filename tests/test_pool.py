"""Pool bookkeeping: limits, idle reuse order, expiry, waiter order."""

from aiohttp_client._sansio._pool import Pool


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_limits_total_and_per_host() -> None:
    pool: Pool[str, str] = Pool(limit=2, limit_per_host=1, keepalive_timeout=15, clock=Clock())
    assert pool.can_acquire("a")
    pool.acquire("a")
    assert not pool.can_acquire("a")  # per-host cap
    assert pool.can_acquire("b")
    pool.acquire("b")
    assert not pool.can_acquire("c")  # total cap
    pool.release("a")
    assert pool.can_acquire("c") and pool.in_use == 1


def test_zero_means_unlimited() -> None:
    pool: Pool[str, str] = Pool(limit=0, limit_per_host=0, keepalive_timeout=15, clock=Clock())
    for _ in range(1000):
        pool.acquire("a")
    assert pool.can_acquire("a") and pool.in_use == 1000


def test_idle_reuse_is_most_recent_first_and_expires() -> None:
    clock = Clock()
    pool: Pool[str, str] = Pool(limit=10, limit_per_host=0, keepalive_timeout=10, clock=clock)
    pool.put_idle("k", "old")
    clock.now = 5
    pool.put_idle("k", "new")
    conn, expired = pool.take_idle("k")
    assert conn == "new" and expired == []
    clock.now = 11  # "old" expired at 10
    conn, expired = pool.take_idle("k")
    assert conn is None and expired == ["old"]
    assert pool.idle_count == 0


def test_expire_and_next_expiry() -> None:
    clock = Clock()
    pool: Pool[str, str] = Pool(limit=10, limit_per_host=0, keepalive_timeout=10, clock=clock)
    pool.put_idle("a", "a1")
    clock.now = 3
    pool.put_idle("b", "b1")
    assert pool.next_expiry() == 10
    clock.now = 10.5
    assert pool.expire() == ["a1"]
    assert pool.next_expiry() == 13 and pool.idle_count == 1
    assert pool.drain_idle() == ["b1"] and pool.next_expiry() is None


def test_waiters_fifo_skipping_capped_hosts() -> None:
    pool: Pool[str, str] = Pool(limit=2, limit_per_host=1, keepalive_timeout=15, clock=Clock())
    pool.acquire("a")
    pool.acquire("b")
    pool.add_waiter("a", "w1")
    pool.add_waiter("c", "w2")
    pool.add_waiter("c", "w3")
    assert pool.next_waiter() is None  # total cap reached
    pool.release("b")
    # w1 waits for host "a" which is still at its per-host cap: w2 goes first
    assert pool.next_waiter() == ("c", "w2")
    pool.acquire("c")
    assert pool.next_waiter() is None
    pool.release("a")
    got: list[object] = [pool.next_waiter()]
    assert got == [("a", "w1")]


def test_discard_idle() -> None:
    pool: Pool[str, str] = Pool(limit=10, limit_per_host=0, keepalive_timeout=10, clock=Clock())
    pool.put_idle("k", "c1")
    pool.put_idle("k", "c2")
    assert pool.discard_idle("k", "c1") and not pool.discard_idle("k", "c1")
    assert pool.idle_count == 1 and pool.take_idle("k")[0] == "c2"
