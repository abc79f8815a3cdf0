"""The CLI's ``-v`` timing line, built from trace signals (``tracing``).

Phases, each from two signals of the same request: DNS (resolvehost start/end),
TCP connect (to the socket being connected), TLS (socket connected to connection
created), first byte (request head written to response head received); the body
transfer is timed by the CLI's read loop, which reports its end.
"""

import time
from types import SimpleNamespace
from typing import Any, Callable, Optional

from ..tracing import TraceConfig

__all__ = ("RequestTimes", "timing_trace_config")


class RequestTimes:
    """``time.perf_counter()`` stamps of one request's phases (``None``: did not happen)."""

    def __init__(self, on_headers_sent: Optional[Callable[[str, str, Any], None]] = None) -> None:
        #: called with (method, url, headers) when the request head has been written
        self.on_headers_sent = on_headers_sent
        self.start: Optional[float] = None
        self.dns_start: Optional[float] = None
        self.dns_end: Optional[float] = None
        self.create_start: Optional[float] = None
        self.sock_connected: Optional[float] = None
        self.create_end: Optional[float] = None
        self.reused = False
        self.headers_sent: Optional[float] = None
        self.head_received: Optional[float] = None
        self.body_end: Optional[float] = None

    def line(self, nbytes: int, tls: bool) -> str:
        """``* DNS …, connect …, TLS …, first byte …, total …, N bytes, R MB/s`` (seconds;
        ``-`` for a phase that did not happen; the rate is over the body transfer).
        """
        end = self.body_end or time.perf_counter()
        if self.reused:
            setup = "connection reused"
        else:
            dns = _span(self.dns_start, self.dns_end)
            connect = _span(self.dns_end or self.create_start, self.sock_connected)
            handshake = _span(self.sock_connected, self.create_end) if tls else "-"
            setup = f"DNS {dns}, connect {connect}, TLS {handshake}"
        first_byte = _span(self.headers_sent, self.head_received)
        total = _span(self.start, end)
        body_time = end - self.head_received if self.head_received is not None else 0.0
        rate = nbytes / body_time / 1e6 if body_time > 0 else 0.0
        return f"* {setup}, first byte {first_byte}, total {total}, {nbytes} bytes, {rate:.1f} MB/s"


def _span(start: Optional[float], end: Optional[float]) -> str:
    if start is None or end is None:
        return "-"
    return f"{end - start:.4f} s"


def _stamp(field: str) -> Any:
    async def handler(session: Any, ctx: SimpleNamespace, params: Any) -> None:
        times = ctx.trace_request_ctx
        if isinstance(times, RequestTimes):
            setattr(times, field, time.perf_counter())

    return handler


async def _headers_sent(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    times = ctx.trace_request_ctx
    if isinstance(times, RequestTimes):
        times.headers_sent = time.perf_counter()
        if times.on_headers_sent is not None:
            times.on_headers_sent(params.method, str(params.url), params.headers)


async def _reused(session: Any, ctx: SimpleNamespace, params: Any) -> None:
    if isinstance(ctx.trace_request_ctx, RequestTimes):
        ctx.trace_request_ctx.reused = True


def timing_trace_config() -> TraceConfig:
    """A trace config that stamps the :class:`RequestTimes` given to a request as
    its ``trace_request_ctx``.
    """
    config = TraceConfig()
    config.on_request_start.append(_stamp("start"))
    config.on_dns_resolvehost_start.append(_stamp("dns_start"))
    config.on_dns_resolvehost_end.append(_stamp("dns_end"))
    config.on_connection_create_start.append(_stamp("create_start"))
    config._on_sock_connected.append(_stamp("sock_connected"))
    config.on_connection_create_end.append(_stamp("create_end"))
    config.on_connection_reuseconn.append(_reused)
    config.on_request_headers_sent.append(_headers_sent)
    config.on_request_end.append(_stamp("head_received"))
    return config
