"""A retry policy as a client middleware: :class:`RetryMiddleware` (aiohttp_client
addition; aiohttp leaves this to add-ons).  Built on the public middleware type
only (``async def mw(request, handler)``): a retry calls ``handler(request)`` again
with the same request object.

What is retried, in the manner of urllib3's ``Retry``:

- a *connect* error (``ClientConnectorError`` but not a TLS one, a connect timeout):
  nothing was sent, so any method is retried;
- an HTTP/2 request the server did not process (``RST_STREAM`` with
  ``REFUSED_STREAM``, or a ``GOAWAY`` whose last-stream-id is below its stream; RFC
  9113 §8.7): any method, counted as a *connect* retry.  The session already sends
  such a request once more by itself, on a new connection; the middleware's retries
  come after that;
- a *read* error before the response head (``ServerDisconnectedError``, a reset, a
  ``sock_read`` timeout): only for *allowed_methods*, the idempotent methods by
  default (RFC 9110 §9.2.2), since the server may have acted on the request;
- a response whose status is in *status_forcelist* (default 413, 429, 503; add 502
  and 504 when the server is known to mean "try again"), for *allowed_methods*.

Each kind has its budget (*connect*, *read*, *status*; ``None``: only *total*
limits it) and *total* bounds them all.  The wait before a retry is the response's
``Retry-After`` (RFC 9110 §10.2.3: seconds or an HTTP-date, measured against the
response's ``Date`` when it has one; capped at *retry_after_max*) or else an
exponential backoff with full jitter: ``random() * min(backoff_max, backoff_factor *
2 ** (n - 1))`` before retry *n*.  No retry starts whose wait would end after the
session's total timeout (``ClientSession.timeout.total``, counted from the first
attempt of this hop): the last response is returned, or the last error raised,
instead.

A body is replayed when it can be rewound (``bytes``, ``str``, forms, JSON, files
and file objects that can seek: ``Payload.rewind()``).  A one-shot body (an async
iterable, a ``StreamReader``, an unseekable file) that was already sent is not
retried: :class:`RetryError` says so.

What was retried is in :func:`retry_history` of the response (or of the error
raised), and each retry fires ``TraceConfig.on_request_retry`` first.
"""

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable, Optional

from yarl import URL

from . import hdrs
from .client_exceptions import (
    ClientConnectionResetError,
    ClientConnectorError,
    ClientError,
    ClientOSError,
    ClientSSLError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
    ServerTimeoutError,
)
from .client_middlewares import ClientHandlerType
from .payload import Payload
from .tracing import trace_request_retry

if TYPE_CHECKING:  # pragma: no cover
    from ._client._client_request import ClientRequest
    from ._client._client_response import ClientResponse

__all__ = (
    "DEFAULT_ALLOWED_METHODS",
    "DEFAULT_STATUS_FORCELIST",
    "RetryAttempt",
    "RetryError",
    "RetryMiddleware",
    "parse_retry_after",
    "retry_history",
)

#: The idempotent methods (RFC 9110 §9.2.2): a repeated request has the same effect.
DEFAULT_ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
#: Statuses that ask the client to come back later (RFC 9110 §15.5.14, §15.6.4; RFC 6585 §4).
DEFAULT_STATUS_FORCELIST = frozenset({413, 429, 503})
#: A failed response's body up to this size is read, so its connection can be reused.
_DRAIN_LIMIT = 2**16
_HISTORY_ATTR = "_aiohttp_client_retry_history"
#: ``_protocols._h2_stream.NOT_PROCESSED`` (not imported: HTTP/2 code loads only with
#: ``http2`` on): set on the error of an HTTP/2 request the server did not process.
_NOT_PROCESSED = "request_not_processed"


@dataclass(frozen=True)
class RetryAttempt:
    """One attempt that was retried: it ended with *status* (a response, released)
    or with *exception*; *delay* is the wait, in seconds, before the next attempt.
    """

    method: str
    url: URL
    status: Optional[int]
    exception: Optional[BaseException]
    delay: float


class RetryError(ClientError):
    """A retry was due but the request body cannot be sent again (a one-shot body
    already consumed).  ``__cause__`` is the error of the last attempt, if any;
    *status* the status of its response (released), if any; *history* the attempts
    retried before it.
    """

    def __init__(self, message: str, *, status: Optional[int], history: "tuple[RetryAttempt, ...]") -> None:
        super().__init__(message)
        self.status = status
        self.history = history


def retry_history(obj: object) -> "tuple[RetryAttempt, ...]":
    """The attempts :class:`RetryMiddleware` retried before *obj*, a response it
    returned or an error it raised, oldest first (empty when there were none).
    """
    history: tuple[RetryAttempt, ...] = getattr(obj, _HISTORY_ATTR, ())
    return history


def _attach(obj: object, history: "list[RetryAttempt]") -> None:
    if history:
        try:
            setattr(obj, _HISTORY_ATTR, tuple(history))
        except AttributeError:  # pragma: no cover - a subclass with __slots__
            pass


def parse_retry_after(value: str, date: Optional[str] = None, now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 §10.2.3):
    ``delay-seconds`` (ASCII digits) or an HTTP-date, which is measured against
    *date* (the response's ``Date``, the server's clock, RFC 9110 §6.6.1) when it
    parses, else against *now* (default: ``time.time()``).  ``None`` when *value*
    is neither; a date in the past gives ``0.0``.
    """
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value))
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(date) if date else None
    if reference is None:
        reference = time.time() if now is None else now
    return max(0.0, when - reference)


def _http_date(value: str) -> Optional[float]:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:  # pragma: no cover - Python < 3.10 returns None on some input
        return None
    if parsed.tzinfo is None:  # asctime dates carry no zone: they are GMT (RFC 9110 §5.6.7)
        parsed = parsed.replace(tzinfo=timezone.utc)
    return datetime.timestamp(parsed)


def _error_kind(exc: BaseException) -> Optional[str]:
    """``"connect"`` (nothing was sent, or the server did not process it),
    ``"read"`` (lost before the head) or ``None`` (not retried: TLS and certificate
    errors, bad URLs, everything else).
    """
    if isinstance(exc, ClientSSLError):
        return None
    if isinstance(exc, (ClientConnectorError, ConnectionTimeoutError)) or getattr(exc, _NOT_PROCESSED, False):
        return "connect"
    if isinstance(exc, (ServerDisconnectedError, ClientConnectionResetError, ClientOSError, ServerTimeoutError)):
        return "read"
    return None


class RetryMiddleware:
    """Retry failed attempts of a request (see the module docstring for the rules).

    :param total: the most retries of one request hop, all kinds together.
    :param connect: the most retries after connect errors (``None``: *total* only).
    :param read: the most retries after read errors (``None``: *total* only).
    :param status: the most retries after a status of *status_forcelist*.
    :param status_forcelist: the statuses retried.
    :param allowed_methods: the methods retried after a read error or a status.
    :param backoff_factor: seconds; the backoff before retry *n* is at most
        ``backoff_factor * 2 ** (n - 1)``.
    :param backoff_max: the largest backoff, in seconds.
    :param respect_retry_after: wait what ``Retry-After`` says when it is given.
    :param retry_after_max: the longest ``Retry-After`` wait; a longer one is cut.
    :param sleep: ``async def sleep(seconds)``, default :func:`asyncio.sleep`.
    :param random: a function returning a float in ``[0, 1)`` (the jitter).

    The session calls its middlewares once per redirect hop, so the budgets are
    per hop.  Put it before (outside) ``DigestAuthMiddleware`` in the list so that
    each retry gets a fresh ``Authorization``.
    """

    def __init__(
        self,
        total: int = 3,
        *,
        connect: Optional[int] = None,
        read: Optional[int] = None,
        status: Optional[int] = None,
        status_forcelist: Collection[int] = DEFAULT_STATUS_FORCELIST,
        allowed_methods: Collection[str] = DEFAULT_ALLOWED_METHODS,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        respect_retry_after: bool = True,
        retry_after_max: float = 120.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        for name, value in (("total", total), ("connect", connect), ("read", read), ("status", status)):
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        self.total = total
        self.budgets = {"connect": connect, "read": read, "status": status}
        self.status_forcelist = frozenset(status_forcelist)
        self.allowed_methods = frozenset(m.upper() for m in allowed_methods)
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.respect_retry_after = respect_retry_after
        self.retry_after_max = retry_after_max
        self._sleep = sleep
        self._random = random

    def backoff(self, retry: int) -> float:
        """The jittered wait before retry number *retry* (1 for the first)."""
        ceiling = min(self.backoff_max, self.backoff_factor * 2.0 ** min(retry - 1, 64))
        return float(self._random() * ceiling)

    async def __call__(self, request: "ClientRequest", handler: ClientHandlerType) -> "ClientResponse":
        run = _Run(self, request)
        while True:  # bounded: every pass retries at most once, and *total* bounds retries
            try:
                response = await handler(request)
            except ClientError as exc:
                kind = _error_kind(exc)
                backoff = self.backoff(run.retries + 1)
                if kind is None or not run.may_retry(kind, backoff):
                    _attach(exc, run.history)
                    raise
                await run.retry(backoff, None, exc)
                continue
            delay = self._status_delay(response, run)
            if delay is None or not run.may_retry("status", delay):
                _attach(response, run.history)
                return response
            await _drain(response)
            await run.retry(delay, response.status, None)

    def _status_delay(self, response: "ClientResponse", run: "_Run") -> Optional[float]:
        """The wait before retrying after *response*, ``None`` when its status is not
        one to retry.
        """
        if response.status not in self.status_forcelist:
            return None
        if self.respect_retry_after:
            value = response.headers.get(hdrs.RETRY_AFTER)
            if value is not None:
                seconds = parse_retry_after(value, response.headers.get(hdrs.DATE))
                if seconds is not None:
                    return min(seconds, self.retry_after_max)
        return self.backoff(run.retries + 1)


class _Run:
    """The retries of one call of the middleware (one request hop)."""

    __slots__ = ("_policy", "_request", "_started", "retries", "_counts", "history")

    def __init__(self, policy: RetryMiddleware, request: "ClientRequest") -> None:
        self._policy = policy
        self._request = request
        self._started = asyncio.get_running_loop().time()
        self.retries = 0
        self._counts = {"connect": 0, "read": 0, "status": 0}
        self.history: list[RetryAttempt] = []

    def may_retry(self, kind: str, delay: float) -> bool:
        """Whether a retry of *kind* after *delay* seconds is allowed: the method,
        the budgets, and the session's total timeout.
        """
        policy = self._policy
        if kind != "connect" and self._request.method not in policy.allowed_methods:
            return False
        budget = policy.budgets[kind]
        if self.retries >= policy.total or (budget is not None and self._counts[kind] >= budget):
            return False
        self._counts[kind] += 1
        remaining = self._remaining()
        return remaining is None or delay < remaining

    def _remaining(self) -> Optional[float]:
        """Seconds left of the session's total timeout (``None``: no total)."""
        timeout = getattr(getattr(self._request, "session", None), "timeout", None)
        total = getattr(timeout, "total", None)
        if not total:
            return None
        return float(self._started + total - asyncio.get_running_loop().time())

    async def retry(self, delay: float, status: Optional[int], exc: Optional[BaseException]) -> None:
        """Record the failed attempt, make the body ready again, tell the traces and
        wait *delay* seconds.

        :raises RetryError: the body cannot be sent again.
        """
        request = self._request
        self.retries += 1
        self.history.append(RetryAttempt(request.method, request.url, status, exc, delay))
        await request.close()  # a body writer still running is stopped first
        body = request.body
        if isinstance(body, Payload) and not body.rewind():
            error = RetryError(
                f"{request.method} {request.url} not retried after {_outcome(status, exc)}: its body "
                f"({type(body).__name__}) was consumed by the first attempt and cannot be sent again; "
                "pass bytes, a str, a form or a seekable file to make the request retryable",
                status=status,
                history=tuple(self.history[:-1]),
            )
            _attach(error, self.history[:-1])
            raise error from exc
        await trace_request_retry(request, self.retries + 1, delay, status, exc)
        await self._policy._sleep(delay)


def _outcome(status: Optional[int], exc: Optional[BaseException]) -> str:
    return f"status {status}" if exc is None else f"{type(exc).__name__}: {exc}"


async def _drain(response: "ClientResponse") -> None:
    """Release a response that will be retried; a small body is read first, so its
    connection can go back to the pool.
    """
    length = response.content_length
    try:
        if length is not None and length <= _DRAIN_LIMIT:
            await response.read()
    except (ClientError, asyncio.TimeoutError):
        pass  # the connection is closed by release()
    finally:  # also when cancelled while reading
        response.release()
