"""Tests of aiohttp_client._client._timeouts.Deadlines: the session's total-timeout timers,
one loop handle per deadline shared by the requests due then."""

import asyncio
import math

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK
from _servers import Reply, run
from aiohttp_client._client._timeouts import Deadlines

#: Python 3.11+ (``Task.uncancel``): shared handles; before, one ``_DeadlineTimeout`` each.
SHARED = hasattr(asyncio.Task, "uncancel")


def test_two_blocks_share_one_handle_and_the_one_still_inside_times_out() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(loop)
        when = float(math.ceil(loop.time() + 0.3))  # a whole second: a shared deadline
        early_done = asyncio.Event()

        async def early() -> str:
            with deadlines.scope(when):
                await asyncio.sleep(0)
            early_done.set()
            return "left in time"

        async def late() -> str:
            with deadlines.scope(when):
                await asyncio.sleep(5)
            return "not reached"

        late_task = asyncio.ensure_future(late())
        assert await early() == "left in time"
        if SHARED:
            fires = [h for h in loop._scheduled if getattr(h, "_callback", None) == deadlines._fire]  # type: ignore[attr-defined]
            assert len(fires) == 1 and list(deadlines._slots) == [when]  # one handle for both blocks
        with pytest.raises(asyncio.TimeoutError):
            await late_task
        assert early_done.is_set() and loop.time() >= when

    run(main())


def test_an_outside_cancel_stays_a_cancel() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(loop)

        async def inside() -> None:
            with deadlines.scope(loop.time() + 5):
                await asyncio.sleep(5)

        task = asyncio.ensure_future(inside())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        deadlines.close()

    run(main())


def test_an_unshared_deadline_handle_is_cancelled_when_its_block_ends() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(loop)
        with deadlines.scope(loop.time() + 5.5) as scope:
            handle = next(iter(deadlines._slots.values())).handle if SHARED else scope._handle  # type: ignore[attr-defined]
            await asyncio.sleep(0)
        assert handle is not None and handle.cancelled() and not deadlines._slots

    run(main())


def test_a_whole_second_deadline_outlives_its_block_and_fires_as_a_no_op() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines(loop)
        when = float(math.ceil(loop.time() + 0.05))
        with deadlines.scope(when):
            await asyncio.sleep(0)
        assert (when in deadlines._slots) is SHARED  # kept for the next request due then
        await asyncio.sleep(max(0.0, when - loop.time()) + 0.05)
        assert not deadlines._slots  # fired: nothing was cancelled, nothing is left

    run(main())


def test_session_total_timeout_and_close_leave_no_handle(raw_server) -> None:
    srv = raw_server([Reply(hang=True), Reply.of(OK)])  # the first request is never answered

    async def main() -> None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3, ceil_threshold=0.1))
        with pytest.raises(asyncio.TimeoutError):
            await session.get(srv.url())
        async with session.get(srv.url(), timeout=aiohttp.ClientTimeout(total=60)) as resp:
            assert await resp.read() == b"ok"
        handles = [slot.handle for slot in session._deadlines._slots.values()]
        assert len(handles) == SHARED  # the 60-second deadline's handle is pending (a whole second: shared)
        await session.close()
        assert not session._deadlines._slots and all(h.cancelled() for h in handles)

    run(main())
