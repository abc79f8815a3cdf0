"""The pool's lease model (issue 16 part 3), sans-IO: connections of capacity > 1
leased to several requests at once, limits counting connections (not leases), the
two kinds of waiting (for a slot under the limits, for a connection being opened
that may multiplex), a pending connection that turns out not to multiplex or fails,
GOAWAY-style closing and capacity changes."""

from aiohttp_client._sansio._pool import Pool


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _pool(limit: int = 10, per_host: int = 0) -> "Pool[str, str]":
    return Pool(limit=limit, limit_per_host=per_host, keepalive_timeout=10, clock=Clock())


def test_a_shared_connection_is_leased_up_to_its_capacity() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "h2", 3)  # the opener's lease
    assert pool.shared_count == 1 and pool.is_shared("h2") and pool.has_room("k")
    assert pool.lease_shared("k") == "h2"
    assert pool.lease_shared("k") == "h2"
    assert not pool.has_room("k") and pool.lease_shared("k") is None  # 3 active
    assert pool.lease_shared("other") is None
    assert pool.end_lease("h2") == 2 and pool.has_room("k")
    assert pool.in_use == 1  # one connection, however many leases


def test_the_last_lease_leaves_the_connection_idle_for_the_caller_to_pool() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "h2", 2)
    assert pool.lease_shared("k") == "h2"
    assert pool.end_lease("h2") == 1
    assert pool.end_lease("h2") == 0
    assert not pool.is_shared("h2") and pool.shared_count == 0 and not pool.has_room("k")
    pool.release("k")
    pool.put_idle("k", "h2")  # what the connector does with a reusable one
    assert pool.take_idle("k") == ("h2", []) and pool.in_use == 0


def test_limits_count_connections_not_leases() -> None:
    pool = _pool(limit=2, per_host=1)
    pool.acquire("k")
    pool.add_shared("k", "h2", 100)
    for _ in range(50):
        assert pool.lease_shared("k") == "h2"
    assert not pool.can_acquire("k")  # per-host cap: one connection
    assert pool.can_acquire("j") and pool.in_use == 1


def test_the_busiest_shared_connection_with_room_is_leased_first() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "a", 4)
    pool.acquire("k")
    pool.add_shared("k", "b", 4)
    assert pool.lease_shared("k") == "a"  # both at 1: the first
    assert pool.lease_shared("k") == "a"  # "a" at 2, busier than "b"
    pool.mark_closing("a")  # e.g. GOAWAY: no new lease, active ones go on
    assert pool.lease_shared("k") == "b"
    assert pool.end_lease("a") == 2


def test_capacity_changes_and_closing() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "h2", 2)
    assert pool.lease_shared("k") == "h2"
    assert not pool.has_room("k")
    pool.set_capacity("h2", 3)
    assert pool.lease_shared("k") == "h2"
    pool.set_capacity("h2", 1)  # fewer: active leases are not revoked
    assert pool.lease_shared("k") is None and pool.end_lease("h2") == 2
    pool.forget_shared("h2")  # closed with leases active
    assert not pool.is_shared("h2") and pool.shared_count == 0
    pool.set_capacity("h2", 5)  # no longer tracked: nothing happens
    pool.mark_closing("h2")
    assert not pool.has_room("k")


def test_waiters_for_a_pending_connection_that_multiplexes_get_leases() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.opening_shared("k")
    assert pool.has_pending("k") and not pool.has_pending("j")
    for w in ("w1", "w2", "w3", "w4"):
        pool.wait_pending("k", w)
    leased, others = pool.opened_shared("k", "h2", 3)
    assert leased == ["w1", "w2"]  # capacity 3: the opener and two waiters
    assert others == ["w3", "w4"]  # no room left, nothing else pending: woken to ask again
    assert not pool.has_pending("k") and not pool.has_room("k")
    assert pool.end_lease("h2") == 2 and pool.in_use == 1


def test_a_pending_connection_that_does_not_multiplex_wakes_its_waiters() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.opening_shared("k")
    pool.wait_pending("k", "w1")
    pool.wait_pending("k", "w2")
    leased, others = pool.opened_shared("k", "h1", 1)  # ALPN chose HTTP/1.1
    assert leased == [] and others == ["w1", "w2"]
    assert not pool.is_shared("h1") and pool.shared_count == 0


def test_a_failed_pending_connection_wakes_its_waiters_unless_another_is_opening() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.opening_shared("k")
    pool.acquire("k")
    pool.opening_shared("k")  # two being opened for the same key
    pool.wait_pending("k", "w1")
    assert pool.open_failed_shared("k") == []  # the other may still multiplex
    assert pool.has_pending("k")
    pool.wait_pending("k", "w2")
    pool.remove_pending_waiter("k", "w2")  # cancelled
    pool.remove_pending_waiter("k", "absent")
    assert pool.open_failed_shared("k") == ["w1"]
    assert not pool.has_pending("k")


def test_slot_waiters_are_served_by_room_on_a_shared_connection() -> None:
    pool = _pool(limit=1)
    pool.acquire("k")
    pool.add_shared("k", "h2", 2)
    assert pool.lease_shared("k") == "h2"  # full
    pool.add_waiter("j", "wj")
    pool.add_waiter("k", "wk1")
    pool.add_waiter("k", "wk2")
    assert pool.next_waiter_for_room("k") is None  # no room yet
    assert pool.end_lease("h2") == 1
    assert pool.next_waiter_for_room("k") == "wk1"  # the first of its key, not "wj"
    assert pool.lease_shared("k") == "h2"
    assert pool.next_waiter_for_room("k") is None and pool.next_waiter_for_room("j") is None
    assert pool.has_waiters("k") and pool.has_waiters("j")


def test_drain_waiters_includes_those_waiting_for_a_pending_connection() -> None:
    pool = _pool()
    pool.add_waiter("k", "slot")
    pool.opening_shared("j")
    pool.wait_pending("j", "pending")
    assert sorted(pool.drain_waiters()) == ["pending", "slot"]
    assert not pool.has_waiters() and pool.open_failed_shared("j") == []


def test_requests_for_a_key_with_a_usable_shared_connection_wait_for_room_not_a_slot() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "h2", 1)  # full
    assert pool.has_usable("k") and not pool.has_usable("j")
    pool.add_waiter("k", "w1")
    pool.add_waiter("j", "wj")
    assert pool.next_waiter() == ("j", "wj")  # another key gets its slot
    pool.acquire("j")
    assert pool.next_waiter() is None  # "k" waits for room on "h2", not for a slot
    assert pool.pass_lease("h2") == "w1"  # the ending lease goes to the waiter
    assert pool.end_lease("h2") == 0 and not pool.has_usable("k")  # the last one ended
    assert pool.in_use == 2


def test_a_lease_does_not_pass_when_closing_or_over_a_lowered_capacity() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.add_shared("k", "h2", 3)
    assert pool.lease_shared("k") == "h2"
    pool.add_waiter("k", "w1")
    assert pool.set_capacity("h2", 1) == "k" and pool.set_capacity("other", 5) is None
    assert pool.pass_lease("h2") is None  # 2 active over capacity 1: the lease just ends
    assert pool.end_lease("h2") == 1
    assert pool.pass_lease("h2") == "w1"  # 1 active, capacity 1: the room goes to the waiter
    pool.add_waiter("k", "w2")
    pool.mark_closing("h2")  # GOAWAY: no more leases, and the key waits no longer
    assert pool.pass_lease("h2") is None and not pool.has_usable("k")
    assert pool.next_waiter() == ("k", "w2")  # a slot: it opens a new connection
    pool.mark_closing("h2")  # twice: counted once
    pool.forget_shared("h2")
    assert pool.shared_count == 0 and not pool.has_usable("k")


def test_a_new_connection_that_multiplexes_before_its_settings_carries_one_exchange() -> None:
    pool = _pool()
    pool.acquire("k")
    pool.opening_shared("k")
    pool.wait_pending("k", "w1")
    pool.add_waiter("k", "w0")  # queued while it was being opened
    assert pool.next_waiter() is None  # it waits for the connection being opened
    leased, others = pool.opened_shared("k", "h2", 1, True)
    assert leased == [] and others == ["w1"]  # woken to ask again: they wait for room
    assert pool.is_shared("h2") and pool.has_usable("k") and not pool.has_room("k")
    assert pool.next_waiter() is None
    assert pool.set_capacity("h2", 100) == "k" and pool.has_room("k")
    assert pool.next_waiter_for_room("k") == "w0"


def test_waiters_for_a_held_key_are_skipped() -> None:
    pool = _pool()
    for key, w in (("k", "a"), ("k", "b"), ("j", "c")):
        pool.add_waiter(key, w)
    assert pool.next_waiter(hold={"k"}) == ("j", "c")  # "k" just got a slot: the others wait for it
    assert pool.next_waiter() == ("k", "a")
