"""Tests of aiohttp_client._client._timeouts (ClientTimeout, ClientWSTimeout, the timer helpers)
and aiohttp_client._sansio._basic_auth (BasicAuth), with comparisons against aiohttp 3.14."""

import asyncio
import math
import pickle
import warnings
from typing import Any, Optional, TypeVar

import attr
import pytest
from yarl import URL

from _servers import run
from aiohttp_client._client._timeouts import (
    DEFAULT_TIMEOUT,
    DEFAULT_WS_CLIENT_TIMEOUT,
    ClientTimeout,
    ClientWSTimeout,
    _DeadlineTimeout,
    deadline_after,
    timeout_after,
    timeout_at,
)
from aiohttp_client._sansio._basic_auth import BasicAuth

try:
    import aiohttp
except ImportError:  # pragma: no cover - e.g. on PyPy
    aiohttp = None  # type: ignore[assignment]

# The oracle is aiohttp 3.14 (the API we copy); conftest deselects these tests where it
# cannot be installed (PyPy 3.9 gets aiohttp 3.13), so they run in the CPython lanes.
needs_aiohttp = pytest.mark.aiohttp_oracle

#: Python 3.11+ tasks count cancellations; 3.9/3.10 tasks (e.g. PyPy 3.9) do not.
HAS_UNCANCEL = hasattr(asyncio.Task, "uncancel")

T = TypeVar("T")


# -------------------------------------------------------------------- ClientTimeout


def test_client_timeout_fields_and_defaults() -> None:
    t = ClientTimeout()
    assert [f.name for f in attr.fields(ClientTimeout)] == [
        "total",
        "connect",
        "sock_read",
        "sock_connect",
        "ceil_threshold",
    ]
    assert (t.total, t.connect, t.sock_read, t.sock_connect, t.ceil_threshold) == (
        None,
        None,
        None,
        None,
        5,
    )
    assert repr(ClientTimeout(total=1.5)) == (
        "ClientTimeout(total=1.5, connect=None, sock_read=None, sock_connect=None, ceil_threshold=5)"
    )


def test_client_timeout_is_frozen_slotted_and_evolvable() -> None:
    t = ClientTimeout(total=10, sock_read=2)
    with pytest.raises(attr.exceptions.FrozenInstanceError):
        t.total = 3  # type: ignore[misc]
    assert not hasattr(t, "__dict__")
    t2 = attr.evolve(t, connect=4)
    assert t2 == ClientTimeout(total=10, connect=4, sock_read=2)
    assert t == ClientTimeout(total=10, sock_read=2)  # unchanged
    assert hash(t) == hash(ClientTimeout(total=10, sock_read=2))
    assert pickle.loads(pickle.dumps(t)) == t
    assert ClientTimeout(1, 2, 3, 4, 6) == ClientTimeout(  # positional, as in aiohttp
        total=1, connect=2, sock_read=3, sock_connect=4, ceil_threshold=6
    )


def test_default_timeout() -> None:
    assert DEFAULT_TIMEOUT == ClientTimeout(total=300, sock_connect=30)


def test_client_ws_timeout() -> None:
    assert [f.name for f in attr.fields(ClientWSTimeout)] == ["ws_receive", "ws_close"]
    w = ClientWSTimeout()
    assert (w.ws_receive, w.ws_close) == (None, None)
    assert DEFAULT_WS_CLIENT_TIMEOUT == ClientWSTimeout(ws_receive=None, ws_close=10.0)
    assert attr.evolve(w, ws_close=3) == ClientWSTimeout(ws_close=3)
    with pytest.raises(attr.exceptions.FrozenInstanceError):
        w.ws_close = 1  # type: ignore[misc]
    assert repr(w) == "ClientWSTimeout(ws_receive=None, ws_close=None)"


@needs_aiohttp
def test_timeouts_match_aiohttp() -> None:
    assert aiohttp is not None
    for kwargs in ({}, {"total": 1}, {"connect": 2.5, "sock_read": 3, "ceil_threshold": 1}):
        assert repr(ClientTimeout(**kwargs)) == repr(aiohttp.ClientTimeout(**kwargs))
        assert attr.astuple(ClientTimeout(**kwargs)) == attr.astuple(aiohttp.ClientTimeout(**kwargs))
    assert repr(DEFAULT_TIMEOUT) == repr(aiohttp.client.DEFAULT_TIMEOUT)
    assert repr(ClientWSTimeout(ws_receive=1)) == repr(aiohttp.ClientWSTimeout(ws_receive=1))
    assert repr(DEFAULT_WS_CLIENT_TIMEOUT) == repr(aiohttp.client_ws.DEFAULT_WS_CLIENT_TIMEOUT)


# ------------------------------------------------------------------ timer helpers


def test_timeout_after_expires() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            async with timeout_after(0.05):
                await asyncio.sleep(5)
        assert 0.04 <= loop.time() - start < 2

    run(main())


def test_timeout_after_none_and_fast_block() -> None:
    async def main() -> None:
        async with timeout_after(None):
            await asyncio.sleep(0.01)
        async with timeout_after(0.05):
            await asyncio.sleep(0)
        # The timer was cancelled on exit: sleeping past its deadline is not cancelled
        # (a leaked timer would raise CancelledError here).
        await asyncio.sleep(0.15)

    run(main())


def test_timeout_after_zero_expires_at_first_wait() -> None:
    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            async with timeout_after(0):
                await asyncio.sleep(1)

    run(main())


def test_timeout_after_lets_outer_cancel_through() -> None:
    async def main() -> None:
        async def body() -> None:
            async with timeout_after(5):
                await asyncio.sleep(5)

        task = asyncio.ensure_future(body())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_timeout_at() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        with pytest.raises(asyncio.TimeoutError):
            async with timeout_at(loop.time() + 0.02):
                await asyncio.sleep(5)
        async with timeout_at(None):
            await asyncio.sleep(0)

    run(main())


def test_deadline_after_rounding() -> None:
    class FakeLoop:
        def time(self) -> float:
            return 100.25

    loop: Any = FakeLoop()
    assert deadline_after(loop, 2) == 102.25
    assert deadline_after(loop, 2, 5) == 102.25  # below the threshold: exact
    assert deadline_after(loop, 5, 5) == 106  # reference: "5 seconds or more"
    assert deadline_after(loop, 10.5, 5) == math.ceil(110.75)


def test_timeout_after_ceil_threshold() -> None:
    async def main() -> None:
        cm = timeout_after(7, ceil_threshold=5)
        when: Optional[float] = cm.when()  # type: ignore[attr-defined]
        assert when is not None and when == int(when)

    run(main())


# The fallback used before Python 3.11, tested directly on every version.


def test_deadline_timeout_expires_and_reports() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        cm = _DeadlineTimeout(loop.time() + 0.02)
        with pytest.raises(asyncio.TimeoutError):
            async with cm:
                await asyncio.sleep(5)
        assert cm.expired()
        ok = _DeadlineTimeout(loop.time() + 0.05)
        async with ok:
            await asyncio.sleep(0)
        assert not ok.expired()
        async with _DeadlineTimeout(None) as never:
            await asyncio.sleep(0.01)
        assert never.when() is None and not never.expired()
        # No stray cancellation: sleeping past the deadline of ``ok`` is not cancelled.
        await asyncio.sleep(0.15)
        assert not ok.expired()

    run(main())


def test_deadline_timeout_outer_cancel_propagates() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()

        async def body() -> None:
            async with _DeadlineTimeout(loop.time() + 5):
                await asyncio.sleep(5)

        task = asyncio.ensure_future(body())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_deadline_timeout_nested() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        outer = _DeadlineTimeout(loop.time() + 5)
        inner = _DeadlineTimeout(loop.time() + 0.02)
        async with outer:
            with pytest.raises(asyncio.TimeoutError):
                async with inner:
                    await asyncio.sleep(5)
            await asyncio.sleep(0)
        assert inner.expired() and not outer.expired()
        outer2 = _DeadlineTimeout(loop.time() + 0.02)
        inner2 = _DeadlineTimeout(loop.time() + 5)
        with pytest.raises(asyncio.TimeoutError):
            async with outer2:
                async with inner2:
                    await asyncio.sleep(5)
        assert outer2.expired() and not inner2.expired()

    run(main())


def test_deadline_timeout_misuse() -> None:
    async def main() -> None:
        cm = _DeadlineTimeout(None)
        async with cm:
            pass
        with pytest.raises(RuntimeError):
            async with cm:
                pass

    run(main())


def test_deadline_timeout_without_uncancel() -> None:
    """The pre-3.11 path: tell our cancellation from an outside one by its message."""
    factory = _old_task_factory() if HAS_UNCANCEL else None

    async def main() -> None:
        loop = asyncio.get_running_loop()

        async def expires() -> None:
            async with _DeadlineTimeout(loop.time() + 0.01):
                await asyncio.sleep(5)

        async def cancelled_from_outside() -> None:
            async with _DeadlineTimeout(loop.time() + 5):
                await asyncio.sleep(5)

        loop.set_task_factory(factory)
        try:
            t1 = asyncio.ensure_future(expires())
            t2 = asyncio.ensure_future(cancelled_from_outside())
        finally:
            loop.set_task_factory(None)
        assert getattr(t1, "uncancel", None) is None
        with pytest.raises(asyncio.TimeoutError):
            await t1
        await asyncio.sleep(0.01)
        t2.cancel("shutdown")
        with pytest.raises(asyncio.CancelledError):
            await t2

    run(main())


class _OutsideCancelAfter(_DeadlineTimeout):
    """Simulates an outside cancel() arriving right after the timer fired."""

    __slots__ = ()

    def _on_timeout(self) -> None:
        super()._on_timeout()
        assert self._task is not None
        self._task.cancel("shutdown")


class _OutsideCancelBefore(_DeadlineTimeout):
    """Simulates an outside cancel() arriving right before the timer fired."""

    __slots__ = ()

    def _on_timeout(self) -> None:
        assert self._task is not None
        self._task.cancel("shutdown")
        super()._on_timeout()


def _old_task_factory() -> Any:
    """A task factory for Python 3.11+ whose tasks lack ``uncancel``/``cancelling``,
    like the tasks of 3.9 and 3.10 (built on the pure-Python Task)."""
    base: Any = asyncio.tasks._PyTask

    class OldTask(base):  # type: ignore[misc]
        uncancel = None
        cancelling = None

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        return OldTask(coro, loop=loop, **kwargs)

    return factory


# Tasks with Task.uncancel (3.11+) exist only there; the "old task" cases (a task
# without it, as on 3.9/3.10) run everywhere.
_RACE_CASES = [
    (_OutsideCancelBefore, True, asyncio.CancelledError),
    # Documented limitation before 3.11: indistinguishable from our own cancel.
    (_OutsideCancelAfter, True, asyncio.TimeoutError),
]
if HAS_UNCANCEL:
    _RACE_CASES += [
        (_OutsideCancelAfter, False, asyncio.CancelledError),
        (_OutsideCancelBefore, False, asyncio.CancelledError),
    ]


@pytest.mark.parametrize("cls,old_task,expected", _RACE_CASES)
def test_deadline_timeout_race_with_outside_cancel(cls: Any, old_task: bool, expected: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()

        async def body() -> None:
            async with cls(loop.time() + 0.01):
                await asyncio.sleep(5)

        if old_task and HAS_UNCANCEL:
            loop.set_task_factory(_old_task_factory())
        try:
            task = asyncio.ensure_future(body())
        finally:
            loop.set_task_factory(None)
        with pytest.raises(expected):
            await task

    run(main())


def test_timeout_needs_a_task() -> None:
    cm = _DeadlineTimeout(None)
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError):
            # Entered outside any task (run_until_complete wraps coroutines in tasks,
            # so drive the coroutine by hand).
            coro = cm.__aenter__()
            try:
                coro.send(None)
            finally:
                coro.close()
    finally:
        loop.close()


# ---------------------------------------------------------------------- BasicAuth


def test_basic_auth_fields_and_tuple() -> None:
    auth = BasicAuth("user", "pass")
    assert auth == ("user", "pass", "latin1")
    assert (auth.login, auth.password, auth.encoding) == ("user", "pass", "latin1")
    assert BasicAuth("u").password == ""
    assert repr(auth) == "BasicAuth(login='user', password='pass', encoding='latin1')"
    assert isinstance(auth, tuple)
    assert pickle.loads(pickle.dumps(auth)) == auth
    assert type(pickle.loads(pickle.dumps(auth))) is BasicAuth
    assert hash(auth) == hash(BasicAuth("user", "pass"))


def test_basic_auth_validation() -> None:
    with pytest.raises(ValueError):
        BasicAuth(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BasicAuth("user", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BasicAuth("us:er", "x")
    assert BasicAuth("user", "pa:ss").password == "pa:ss"  # ':' is fine in passwords


def test_basic_auth_encode() -> None:
    # RFC 7617 section 2 example.
    assert BasicAuth("Aladdin", "open sesame").encode() == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    # RFC 7617 section 2.1 example (UTF-8 charset).
    assert BasicAuth("test", "123\u00a3", "utf-8").encode() == "Basic dGVzdDoxMjPCow=="
    assert BasicAuth("test", "123\u00a3").encode() == "Basic dGVzdDoxMjOj"  # latin1
    with pytest.raises(UnicodeEncodeError):
        BasicAuth("\u20ac").encode()  # not latin1


def test_basic_auth_decode() -> None:
    assert BasicAuth.decode("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") == BasicAuth("Aladdin", "open sesame")
    assert BasicAuth.decode("basic dGVzdDoxMjPCow==", encoding="utf-8") == BasicAuth("test", "123\u00a3", "utf-8")
    assert BasicAuth.decode("BASIC   dTo=") == BasicAuth("u", "")  # 1*SP (RFC 9110 11.4)
    for bad in (
        "Basic",  # no credentials
        "Bearer abc",  # another scheme
        "Basic not*base64",
        "Basic dXNlcg==",  # "user": no colon
        "Basic \u00e9\u00e9\u00e9\u00e9",  # non-ASCII
    ):
        with pytest.raises(ValueError):
            BasicAuth.decode(bad)


def test_basic_auth_from_url() -> None:
    auth = BasicAuth.from_url(URL("http://us%20er:p%40ss@example.com/"))
    assert auth == BasicAuth("us er", "p@ss")
    assert BasicAuth.from_url(URL("http://example.com/")) is None
    assert BasicAuth.from_url(URL("http://user@example.com/")) == BasicAuth("user", "")
    assert BasicAuth.from_url(URL("http://:pw@example.com/")) == BasicAuth("", "pw")
    assert BasicAuth.from_url(URL("http://u:p@h/"), encoding="utf-8") == BasicAuth("u", "p", "utf-8")
    with pytest.raises(TypeError):
        BasicAuth.from_url("http://u:p@example.com/")  # type: ignore[arg-type]


def test_basic_auth_construction_warns_as_the_reference_says() -> None:
    # reference: BasicAuth, "deprecated:: 3.14" (construction only; parsing stays)
    with pytest.warns(DeprecationWarning, match="BasicAuth is deprecated"):
        assert BasicAuth("u", "p").encode() == "Basic dTpw"


@needs_aiohttp
def test_basic_auth_matches_aiohttp() -> None:
    assert aiohttp is not None
    cases: list[Any] = [("u", "p"), ("user", ""), ("Aladdin", "open sesame"), ("t", "\u00a3", "utf-8")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # aiohttp 3.14.5 deprecates it
        for args in cases:
            ours: Any = BasicAuth(*args)
            theirs: Any = aiohttp.BasicAuth(*args)
            assert ours == theirs and repr(ours) == repr(theirs)
            assert ours.encode() == theirs.encode()
            header = theirs.encode()
            encoding = args[2] if len(args) > 2 else "latin1"
            decoded: Any = BasicAuth.decode(header, encoding)
            assert decoded == aiohttp.BasicAuth.decode(header, encoding)
        for url in ("http://a:b@h/", "http://a@h/", "http://h/", "http://%C3%A9:x@h/"):
            ours_url: Any = BasicAuth.from_url(URL(url))
            assert ours_url == aiohttp.BasicAuth.from_url(URL(url))
        for bad in ("Basic", "Bearer x", "Basic ***", "Basic dXNlcg=="):
            with pytest.raises(ValueError):
                aiohttp.BasicAuth.decode(bad)
            with pytest.raises(ValueError):
                BasicAuth.decode(bad)
