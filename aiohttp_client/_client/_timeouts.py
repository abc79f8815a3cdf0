"""Timeout settings (``ClientTimeout``, ``ClientWSTimeout``) and the timer helpers.

Reference: "Utilities" → ``ClientTimeout`` and ``ClientWSTimeout``, and the note on
rounding timeouts of ``ceil_threshold`` seconds or more up to a whole second.

Both settings classes are frozen, slotted ``attrs`` classes, as in aiohttp 3.14: derive
a variant with ``attr.evolve(timeout, sock_read=10)``.

:func:`timeout_after` / :func:`timeout_at` are the async context managers the client
uses to bound a block of code.  They raise :exc:`asyncio.TimeoutError` (the builtin
:exc:`TimeoutError` on Python 3.11+) when the deadline passes, and let an outside
cancellation through as :exc:`asyncio.CancelledError`.  On Python 3.11+ they are
:func:`asyncio.timeout` / :func:`asyncio.timeout_at`; on 3.9 and 3.10 they are
:class:`_DeadlineTimeout`.
"""

import asyncio
import enum
import math
import sys
from contextlib import AbstractAsyncContextManager, AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any, Final, Optional

import attr

__all__ = (
    "ClientTimeout",
    "ClientWSTimeout",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WS_CLIENT_TIMEOUT",
    "timeout_after",
    "timeout_at",
    "deadline_after",
    "Deadlines",
)


@attr.s(auto_attribs=True, frozen=True, slots=True)
class ClientTimeout:
    """Client timeout settings, in seconds (reference: ``ClientTimeout``).

    Each value is a ``float`` (or ``int``) number of seconds, or ``None`` for no limit.

    :ivar total: the whole request, including connecting, redirects and reading the body.
    :ivar connect: acquiring a connection: waiting for a free pool slot plus
        establishing a new connection.
    :ivar sock_read: the longest gap between two pieces of data read from the peer.
    :ivar sock_connect: connecting to the peer for a new connection (not from the pool).
    :ivar ceil_threshold: timeouts of this many seconds or more are rounded up to a
        whole second of loop time, so that nearby deadlines share one wake-up.

    Pass the fields by keyword; ``attr.evolve(t, total=10)`` makes a modified copy.
    """

    total: Optional[float] = None
    connect: Optional[float] = None
    sock_read: Optional[float] = None
    sock_connect: Optional[float] = None
    ceil_threshold: float = 5


#: The session default: 5 minutes in total, 30 seconds to connect a socket.
DEFAULT_TIMEOUT: Final[ClientTimeout] = ClientTimeout(total=5 * 60, sock_connect=30)


@attr.s(auto_attribs=True, frozen=True, slots=True)
class ClientWSTimeout:
    """WebSocket timeout settings, in seconds (reference: ``ClientWSTimeout``).

    :ivar ws_receive: receiving one complete message (``float`` or ``None``).
    :ivar ws_close: waiting for the peer's close frame when closing
        (``float`` or ``None``; ``ws_connect`` uses 10.0 unless told otherwise).
    """

    ws_receive: Optional[float] = None
    ws_close: Optional[float] = None


#: What ``ClientSession.ws_connect`` uses when given no timeout.
DEFAULT_WS_CLIENT_TIMEOUT: Final[ClientWSTimeout] = ClientWSTimeout(ws_receive=None, ws_close=10.0)


def deadline_after(loop: asyncio.AbstractEventLoop, delay: float, ceil_threshold: Optional[float] = None) -> float:
    """Return the loop time ``delay`` seconds from now.

    With *ceil_threshold* given and ``delay >= ceil_threshold`` the result is rounded
    up to a whole second (reference: note under ``ClientWSTimeout``).
    """
    when = loop.time() + delay
    if ceil_threshold is not None and delay >= ceil_threshold:
        when = math.ceil(when)
    return when


class _State(enum.Enum):
    CREATED = "created"
    ENTERED = "entered"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    EXITED = "exited"


class _DeadlineTimeout:
    """Async context manager that cancels the current task at loop time *when* and
    turns that cancellation into :exc:`asyncio.TimeoutError`.

    ``when=None`` never expires.  An outside cancellation (any ``Task.cancel()`` that
    is not this timer's) propagates as :exc:`asyncio.CancelledError`.  With
    ``Task.uncancel`` (3.11+) cancellations are counted, so this holds even when both
    happen in the same loop iteration.  Before 3.11 the task delivers the message of
    the *first* ``cancel()``, and this timer sends its own message: an outside cancel
    that came first is recognised if it carried a message, while one that arrives
    right after the timer fired is indistinguishable and becomes
    :exc:`asyncio.TimeoutError` (the limitation async-timeout has on those versions).
    """

    __slots__ = ("_when", "_state", "_task", "_handle", "_cancelling", "_message")

    def __init__(self, when: Optional[float]) -> None:
        self._when = when
        self._state = _State.CREATED
        self._task: Optional[asyncio.Task[object]] = None
        self._handle: Optional[asyncio.TimerHandle] = None
        self._cancelling = 0
        self._message = f"aiohttp_client timeout {id(self):x}"

    def when(self) -> Optional[float]:
        """The deadline in loop time, or ``None``."""
        return self._when

    def expired(self) -> bool:
        """Return ``True`` if the deadline passed while the block ran."""
        return self._state in (_State.EXPIRING, _State.EXPIRED)

    async def __aenter__(self) -> "_DeadlineTimeout":
        return self.__enter__()

    def __enter__(self) -> "_DeadlineTimeout":
        """Enter from a task (no await needed: the timer is a loop handle)."""
        if self._state is not _State.CREATED:
            raise RuntimeError("Timeout has already been entered")
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._task = task
        cancelling = getattr(task, "cancelling", None)
        self._cancelling = cancelling() if cancelling is not None else 0
        self._state = _State.ENTERED
        if self._when is not None:
            loop = asyncio.get_running_loop()
            # A deadline in the past fires on the next loop iteration.
            self._handle = loop.call_at(self._when, self._on_timeout)
        return self

    def _on_timeout(self) -> None:
        self._handle = None
        task = self._task
        if task is None:  # pragma: no cover - the timer is armed only after __aenter__ set it
            return
        task.cancel(self._message)
        self._state = _State.EXPIRING

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        return self.__exit__(exc_type, exc_val, exc_tb)

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._state is not _State.EXPIRING:
            self._state = _State.EXITED
            return None
        self._state = _State.EXPIRED
        uncancel = getattr(self._task, "uncancel", None)
        if uncancel is not None:
            ours = uncancel() <= self._cancelling
        else:
            # Python < 3.11: the CancelledError carries the first cancel()'s message.
            # No message at all is taken as ours (3.9 drops messages through some
            # awaits); another message means an outside cancel came first.
            args = exc_val.args if exc_val is not None else ()
            ours = not args or self._message in args
        if ours and exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
            raise asyncio.TimeoutError from exc_val
        return None


if sys.version_info >= (3, 11):

    def timeout_at(when: Optional[float]) -> AbstractAsyncContextManager[object]:
        """Bound a block by the absolute loop time *when* (``None``: no bound).

        :raises asyncio.TimeoutError: on leaving the block, if it timed out.
        """
        return asyncio.timeout_at(when)

else:  # pragma: no cover - exercised on 3.9/3.10 only

    def timeout_at(when: Optional[float]) -> AbstractAsyncContextManager[object]:
        """Bound a block by the absolute loop time *when* (``None``: no bound).

        :raises asyncio.TimeoutError: on leaving the block, if it timed out.
        """
        return _DeadlineTimeout(when)


def timeout_after(
    delay: Optional[float], *, ceil_threshold: Optional[float] = None
) -> AbstractAsyncContextManager[object]:
    """Bound a block to *delay* seconds from now (``None``: no bound).

    Must be called from a coroutine (it reads the running loop's clock).  With
    *ceil_threshold* (e.g. ``ClientTimeout.ceil_threshold``) a delay of that many
    seconds or more ends on a whole second (see :func:`deadline_after`).

    :raises asyncio.TimeoutError: on leaving the block, if it timed out.

    Example::

        async with timeout_after(timeout.total, ceil_threshold=timeout.ceil_threshold):
            ...
    """
    if delay is None:
        return timeout_at(None)
    return timeout_at(deadline_after(asyncio.get_running_loop(), delay, ceil_threshold))


_NO_SCOPE: AbstractContextManager[object] = nullcontext()


class Deadlines:
    """The total-timeout timers of one session: one loop ``TimerHandle`` per distinct
    deadline, shared by every request due then, instead of a timer armed and
    cancelled per request.  With the default ``ceil_threshold`` a deadline is a whole
    second of loop time, so the requests started within one second share one handle;
    a handle left with no request fires as a no-op (an unshared deadline's handle is
    cancelled as soon as its request is done).

    :meth:`scope` bounds a block as :func:`timeout_at` does, but as a plain
    (synchronous) context manager, as entering and leaving it awaits nothing: on
    expiry the task is cancelled and the cancellation leaves the block as
    :exc:`asyncio.TimeoutError`; an outside cancellation stays
    :exc:`asyncio.CancelledError` (counted with ``Task.uncancel`` on Python 3.11+;
    before that as :class:`_DeadlineTimeout` counts them).
    """

    __slots__ = ("_loop", "_slots")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[float, _Slot] = {}

    def scope(self, when: Optional[float]) -> AbstractContextManager[object]:
        """A context manager bounding its block by loop time *when* (``None``: none)."""
        if when is None:
            return _NO_SCOPE
        if sys.version_info < (3, 11):  # pragma: no cover - exercised on 3.9/3.10 only
            return _DeadlineTimeout(when)
        return _Scope(self, when)

    def _join(self, scope: "_Scope", when: float) -> "_Slot":
        slot = self._slots.get(when)
        if slot is None:
            slot = self._slots[when] = _Slot(self, when)
        slot.scopes[scope] = None
        return slot

    def _fire(self, slot: "_Slot") -> None:
        if self._slots.get(slot.when) is slot:
            del self._slots[slot.when]
        for scope in list(slot.scopes):
            scope._expire()
        slot.scopes.clear()

    def _leave(self, scope: "_Scope", slot: "_Slot") -> None:
        scopes = slot.scopes
        scopes.pop(scope, None)
        if not scopes and slot.when != int(slot.when):  # not a shared (whole-second) deadline
            slot.handle.cancel()
            if self._slots.get(slot.when) is slot:
                del self._slots[slot.when]

    def close(self) -> None:
        """Cancel every pending handle (the session is closed)."""
        for slot in self._slots.values():
            slot.handle.cancel()
        self._slots.clear()


class _Slot:
    __slots__ = ("when", "scopes", "handle")

    def __init__(self, owner: Deadlines, when: float) -> None:
        self.when = when
        self.scopes: dict[_Scope, None] = {}
        self.handle = owner._loop.call_at(when, owner._fire, self)


class _Scope:
    """One block under a :class:`Deadlines` deadline (Python 3.11+)."""

    __slots__ = ("_owner", "_when", "_task", "_cancelling", "_slot", "_expired")

    def __init__(self, owner: Deadlines, when: float) -> None:
        self._owner = owner
        self._when = when
        self._expired = False

    def __enter__(self) -> "_Scope":
        # With the loop given, current_task() skips get_running_loop(), which costs a
        # getpid() system call per request on Python 3.11; another loop's task is found
        # the usual way.
        task: Any = asyncio.current_task(self._owner._loop) or asyncio.current_task()
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._slot = self._owner._join(self, self._when)
        return self

    def _expire(self) -> None:
        self._expired = True
        self._task.cancel()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        if not self._expired:
            self._owner._leave(self, self._slot)
            return None
        if self._task.uncancel() <= self._cancelling and exc_type is not None:
            if issubclass(exc_type, asyncio.CancelledError):
                raise asyncio.TimeoutError from exc_val
        return None
