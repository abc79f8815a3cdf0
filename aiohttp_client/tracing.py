"""Client tracing (reference: "Tracing Reference"): ``TraceConfig``, its signals and
the ``Trace*Params`` classes.

A session with no trace config does no tracing work at all: every call site is
guarded by a check of an empty list.
"""

from collections.abc import Awaitable, Iterable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, SupportsIndex, TypeVar

import attr
from multidict import CIMultiDict
from yarl import URL

if TYPE_CHECKING:  # pragma: no cover
    from ._client._client_response import ClientResponse

__all__ = (
    "TraceConfig",
    "TraceConnectionCreateEndParams",
    "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams",
    "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams",
    "TraceDnsCacheHitParams",
    "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams",
    "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams",
    "TraceRequestEndParams",
    "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams",
    "TraceRequestRedirectParams",
    "TraceRequestRetryParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
)

_P = TypeVar("_P")
_Handler = Callable[[Any, Any, Any], Awaitable[None]]


class Signal(list, Generic[_P]):  # type: ignore[type-arg]
    """A list of ``async def handler(session, trace_config_ctx, params)``; frozen by
    :meth:`freeze` (then changing it raises :exc:`RuntimeError`).
    """

    __slots__ = ("_frozen",)

    def __init__(self, handlers: Iterable[_Handler] = ()) -> None:
        super().__init__(handlers)
        self._frozen = False

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        self._frozen = True

    def _check(self) -> None:
        if self._frozen:
            raise RuntimeError("Cannot modify frozen signal")

    def append(self, handler: _Handler) -> None:
        self._check()
        super().append(handler)

    def extend(self, handlers: Iterable[_Handler]) -> None:
        self._check()
        super().extend(handlers)

    def insert(self, index: SupportsIndex, handler: _Handler) -> None:
        self._check()
        super().insert(index, handler)

    def remove(self, handler: _Handler) -> None:
        self._check()
        super().remove(handler)

    def pop(self, index: SupportsIndex = -1) -> _Handler:
        self._check()
        return super().pop(index)  # type: ignore[no-any-return]

    def clear(self) -> None:
        self._check()
        super().clear()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check()
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        self._check()
        super().__delitem__(index)

    def __iadd__(self, handlers: Iterable[_Handler]) -> "Signal[_P]":  # type: ignore[override,misc]
        self._check()
        super().extend(handlers)
        return self

    async def send(self, session: Any, context: Any, params: _P) -> None:
        """Call every handler in order with ``(session, context, params)``."""
        for handler in self:
            await handler(session, context, params)


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestStartParams:
    """``on_request_start``: the request about to be made (headers may be changed)."""

    method: str
    url: URL
    headers: "CIMultiDict[str]"


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestChunkSentParams:
    """``on_request_chunk_sent``: a chunk of the request body was written."""

    method: str
    url: URL
    chunk: bytes


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceResponseChunkReceivedParams:
    """``on_response_chunk_received``: a chunk of the response body was read."""

    method: str
    url: URL
    chunk: bytes


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestEndParams:
    """``on_request_end``: the response head arrived."""

    method: str
    url: URL
    headers: "CIMultiDict[str]"
    response: "ClientResponse"


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestExceptionParams:
    """``on_request_exception``: the request failed with *exception*."""

    method: str
    url: URL
    headers: "CIMultiDict[str]"
    exception: BaseException


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestRedirectParams:
    """``on_request_redirect``: *response* redirects the request (method, url)."""

    method: str
    url: URL
    headers: "CIMultiDict[str]"
    response: "ClientResponse"


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestRetryParams:
    """``on_request_retry`` (aiohttp_client addition): ``RetryMiddleware`` is about to
    send (method, url) again.

    *attempt* is the number of the attempt about to be made (2 for the first retry);
    *delay* the seconds it waits first; the failed attempt ended with *status* (a
    response it released) or with *exception* (the other one is ``None``).
    """

    method: str
    url: URL
    headers: "CIMultiDict[str]"
    attempt: int
    delay: float
    status: Optional[int]
    exception: Optional[BaseException]


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceRequestHeadersSentParams:
    """``on_request_headers_sent``: the request head was written."""

    method: str
    url: URL
    headers: "CIMultiDict[str]"


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceConnectionQueuedStartParams:
    """``on_connection_queued_start``: the request waits for a free connection slot."""


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceConnectionQueuedEndParams:
    """``on_connection_queued_end``: the wait for a slot is over."""


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceConnectionCreateStartParams:
    """``on_connection_create_start``: a new connection is being opened."""


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceConnectionCreateEndParams:
    """``on_connection_create_end``: the new connection is open (TLS included)."""


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceConnectionReuseconnParams:
    """``on_connection_reuseconn``: an idle pooled connection is reused."""


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceDnsResolveHostStartParams:
    """``on_dns_resolvehost_start``: *host* is being resolved."""

    host: str


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceDnsResolveHostEndParams:
    """``on_dns_resolvehost_end``: *host* was resolved."""

    host: str


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceDnsCacheHitParams:
    """``on_dns_cache_hit``: *host* was found in the DNS cache."""

    host: str


@attr.s(auto_attribs=True, frozen=True, slots=True)
class TraceDnsCacheMissParams:
    """``on_dns_cache_miss``: *host* was not in the DNS cache."""

    host: str


_SIGNALS = (
    "on_request_start",
    "on_request_chunk_sent",
    "on_response_chunk_received",
    "on_request_end",
    "on_request_exception",
    "on_request_redirect",
    "on_connection_queued_start",
    "on_connection_queued_end",
    "on_connection_create_start",
    "on_connection_create_end",
    "on_connection_reuseconn",
    "on_dns_resolvehost_start",
    "on_dns_resolvehost_end",
    "on_dns_cache_hit",
    "on_dns_cache_miss",
    "on_request_headers_sent",
    "on_request_retry",
)


class TraceConfig:
    """Signals a session sends along each request's life (reference: ``TraceConfig``).

    Handlers are ``async def handler(session, trace_config_ctx, params)``;
    ``trace_config_ctx`` is ``trace_config_ctx_factory(trace_request_ctx=...)``, one
    per request and config.  A session freezes the configs it is given.

    aiohttp_client addition: ``on_request_retry`` (:class:`TraceRequestRetryParams`)
    fires before each retry that :class:`~aiohttp_client.retry.RetryMiddleware`
    makes, with the same ``trace_config_ctx`` as the request's other signals.

    aiohttp_client addition: ``_on_sock_connected`` (no params) fires when the
    TCP connection is up, before a TLS handshake; the CLI uses it to tell TCP
    from TLS time.
    """

    def __init__(self, trace_config_ctx_factory: Callable[..., Any] = SimpleNamespace) -> None:
        self._factory = trace_config_ctx_factory
        self._on_request_start: Signal[TraceRequestStartParams] = Signal()
        self._on_request_chunk_sent: Signal[TraceRequestChunkSentParams] = Signal()
        self._on_response_chunk_received: Signal[TraceResponseChunkReceivedParams] = Signal()
        self._on_request_end: Signal[TraceRequestEndParams] = Signal()
        self._on_request_exception: Signal[TraceRequestExceptionParams] = Signal()
        self._on_request_redirect: Signal[TraceRequestRedirectParams] = Signal()
        self._on_connection_queued_start: Signal[TraceConnectionQueuedStartParams] = Signal()
        self._on_connection_queued_end: Signal[TraceConnectionQueuedEndParams] = Signal()
        self._on_connection_create_start: Signal[TraceConnectionCreateStartParams] = Signal()
        self._on_connection_create_end: Signal[TraceConnectionCreateEndParams] = Signal()
        self._on_connection_reuseconn: Signal[TraceConnectionReuseconnParams] = Signal()
        self._on_dns_resolvehost_start: Signal[TraceDnsResolveHostStartParams] = Signal()
        self._on_dns_resolvehost_end: Signal[TraceDnsResolveHostEndParams] = Signal()
        self._on_dns_cache_hit: Signal[TraceDnsCacheHitParams] = Signal()
        self._on_dns_cache_miss: Signal[TraceDnsCacheMissParams] = Signal()
        self._on_request_headers_sent: Signal[TraceRequestHeadersSentParams] = Signal()
        self._on_request_retry: Signal[TraceRequestRetryParams] = Signal()
        self._on_sock_connected: Signal[None] = Signal()

    def trace_config_ctx(self, trace_request_ctx: Any = None) -> Any:
        """A new context for one request: ``factory(trace_request_ctx=...)``."""
        return self._factory(trace_request_ctx=trace_request_ctx)

    def freeze(self) -> None:
        """Freeze every signal: no handler can be added or removed afterwards."""
        for name in _SIGNALS:
            getattr(self, name).freeze()
        self._on_sock_connected.freeze()

    @property
    def on_request_start(self) -> "Signal[TraceRequestStartParams]":
        return self._on_request_start

    @property
    def on_request_chunk_sent(self) -> "Signal[TraceRequestChunkSentParams]":
        return self._on_request_chunk_sent

    @property
    def on_response_chunk_received(self) -> "Signal[TraceResponseChunkReceivedParams]":
        return self._on_response_chunk_received

    @property
    def on_request_end(self) -> "Signal[TraceRequestEndParams]":
        return self._on_request_end

    @property
    def on_request_exception(self) -> "Signal[TraceRequestExceptionParams]":
        return self._on_request_exception

    @property
    def on_request_redirect(self) -> "Signal[TraceRequestRedirectParams]":
        return self._on_request_redirect

    @property
    def on_connection_queued_start(self) -> "Signal[TraceConnectionQueuedStartParams]":
        return self._on_connection_queued_start

    @property
    def on_connection_queued_end(self) -> "Signal[TraceConnectionQueuedEndParams]":
        return self._on_connection_queued_end

    @property
    def on_connection_create_start(self) -> "Signal[TraceConnectionCreateStartParams]":
        return self._on_connection_create_start

    @property
    def on_connection_create_end(self) -> "Signal[TraceConnectionCreateEndParams]":
        return self._on_connection_create_end

    @property
    def on_connection_reuseconn(self) -> "Signal[TraceConnectionReuseconnParams]":
        return self._on_connection_reuseconn

    @property
    def on_dns_resolvehost_start(self) -> "Signal[TraceDnsResolveHostStartParams]":
        return self._on_dns_resolvehost_start

    @property
    def on_dns_resolvehost_end(self) -> "Signal[TraceDnsResolveHostEndParams]":
        return self._on_dns_resolvehost_end

    @property
    def on_dns_cache_hit(self) -> "Signal[TraceDnsCacheHitParams]":
        return self._on_dns_cache_hit

    @property
    def on_dns_cache_miss(self) -> "Signal[TraceDnsCacheMissParams]":
        return self._on_dns_cache_miss

    @property
    def on_request_headers_sent(self) -> "Signal[TraceRequestHeadersSentParams]":
        return self._on_request_headers_sent

    @property
    def on_request_retry(self) -> "Signal[TraceRequestRetryParams]":
        return self._on_request_retry


class Trace:
    """One request's view of one :class:`TraceConfig`: sends its signals with the
    session and the request's context.
    """

    __slots__ = ("_session", "_config", "_ctx")

    def __init__(self, session: Any, trace_config: TraceConfig, trace_config_ctx: Any) -> None:
        self._session = session
        self._config = trace_config
        self._ctx = trace_config_ctx

    def _fire(self, signal: "Signal[Any]", params_cls: Callable[..., Any], *args: Any) -> Awaitable[None]:
        """*signal*'s handlers as one awaitable (no coroutine frame of this class's
        own); the params object is built only when *signal* has handlers.
        """
        if signal:
            return signal.send(self._session, self._ctx, params_cls(*args))
        return _NOTHING

    def send_request_start(self, method: str, url: URL, headers: "CIMultiDict[str]") -> Awaitable[None]:
        return self._fire(self._config.on_request_start, TraceRequestStartParams, method, url, headers)

    def send_request_chunk_sent(self, method: str, url: URL, chunk: bytes) -> Awaitable[None]:
        return self._fire(self._config.on_request_chunk_sent, TraceRequestChunkSentParams, method, url, chunk)

    def send_response_chunk_received(self, method: str, url: URL, chunk: bytes) -> Awaitable[None]:
        signal = self._config.on_response_chunk_received
        return self._fire(signal, TraceResponseChunkReceivedParams, method, url, chunk)

    def send_request_end(
        self, method: str, url: URL, headers: "CIMultiDict[str]", response: "ClientResponse"
    ) -> Awaitable[None]:
        return self._fire(self._config.on_request_end, TraceRequestEndParams, method, url, headers, response)

    def send_request_exception(
        self, method: str, url: URL, headers: "CIMultiDict[str]", exception: BaseException
    ) -> Awaitable[None]:
        signal = self._config.on_request_exception
        return self._fire(signal, TraceRequestExceptionParams, method, url, headers, exception)

    def send_request_redirect(
        self, method: str, url: URL, headers: "CIMultiDict[str]", response: "ClientResponse"
    ) -> Awaitable[None]:
        signal = self._config.on_request_redirect
        return self._fire(signal, TraceRequestRedirectParams, method, url, headers, response)

    def send_request_headers(self, method: str, url: URL, headers: "CIMultiDict[str]") -> Awaitable[None]:
        signal = self._config.on_request_headers_sent
        return self._fire(signal, TraceRequestHeadersSentParams, method, url, headers)

    def send_request_retry(
        self,
        method: str,
        url: URL,
        headers: "CIMultiDict[str]",
        attempt: int,
        delay: float,
        status: Optional[int],
        exception: Optional[BaseException],
    ) -> Awaitable[None]:
        signal = self._config.on_request_retry
        return self._fire(signal, TraceRequestRetryParams, method, url, headers, attempt, delay, status, exception)

    def send_connection_queued_start(self) -> Awaitable[None]:
        return self._fire(self._config.on_connection_queued_start, TraceConnectionQueuedStartParams)

    def send_connection_queued_end(self) -> Awaitable[None]:
        return self._fire(self._config.on_connection_queued_end, TraceConnectionQueuedEndParams)

    def send_connection_create_start(self) -> Awaitable[None]:
        return self._fire(self._config.on_connection_create_start, TraceConnectionCreateStartParams)

    def send_connection_create_end(self) -> Awaitable[None]:
        return self._fire(self._config.on_connection_create_end, TraceConnectionCreateEndParams)

    def send_connection_reuseconn(self) -> Awaitable[None]:
        return self._fire(self._config.on_connection_reuseconn, TraceConnectionReuseconnParams)

    def send_dns_resolvehost_start(self, host: str) -> Awaitable[None]:
        return self._fire(self._config.on_dns_resolvehost_start, TraceDnsResolveHostStartParams, host)

    def send_dns_resolvehost_end(self, host: str) -> Awaitable[None]:
        return self._fire(self._config.on_dns_resolvehost_end, TraceDnsResolveHostEndParams, host)

    def send_dns_cache_hit(self, host: str) -> Awaitable[None]:
        return self._fire(self._config.on_dns_cache_hit, TraceDnsCacheHitParams, host)

    def send_dns_cache_miss(self, host: str) -> Awaitable[None]:
        return self._fire(self._config.on_dns_cache_miss, TraceDnsCacheMissParams, host)

    def send_sock_connected(self) -> Awaitable[None]:
        return self._fire(self._config._on_sock_connected, _no_params)


class _Nothing:
    """An awaitable that completes at once (a signal without handlers)."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_NOTHING = _Nothing()


def _no_params() -> None:
    return None


def make_traces(session: Any, configs: "list[TraceConfig]", trace_request_ctx: Any) -> "list[Trace]":
    """One :class:`Trace` per config, each with a fresh context."""
    return [Trace(session, tc, tc.trace_config_ctx(trace_request_ctx=trace_request_ctx)) for tc in configs]


async def trace_request_start(traces: "list[Trace]", method: str, url: URL, headers: Any, params: Any) -> None:
    """``on_request_start`` of each trace in turn; when a handler raises, the traces
    already started get ``on_request_exception`` (the one that failed does not).
    """
    target = url.extend_query(params) if params else url
    for started, trace in enumerate(traces):
        try:
            await trace.send_request_start(method, target, headers)
        except BaseException as exc:  # the traces that did start get their terminal event
            for earlier in traces[:started]:
                await earlier.send_request_exception(method, target, headers, exc)
            raise


async def trace_request_exception(
    traces: "list[Trace]", method: str, url: URL, headers: Any, params: Any, exc: BaseException
) -> None:
    """``on_request_exception`` of each trace: the request failed with *exc*."""
    target = url.extend_query(params) if params else url
    for trace in traces:
        await trace.send_request_exception(method, target, headers, exc)


async def trace_request_retry(
    request: Any,
    attempt: int,
    delay: float,
    status: Optional[int],
    exception: Optional[BaseException],
) -> None:
    """``on_request_retry`` of each trace of *request* (a ``ClientRequest``), in order.

    The middleware API gives a middleware the request but not its traces; this is
    the one place that reads them from the request (``ClientRequest._traces``, set by
    the session), so the signal reaches the same trace contexts as the request's
    other signals.
    """
    for trace in getattr(request, "_traces", None) or ():
        await trace.send_request_retry(request.method, request.url, request.headers, attempt, delay, status, exception)
