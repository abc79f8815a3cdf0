"""The transport side shared by the connection protocols (HTTP/1.1 and HTTP/2): the
transport's ``pause_writing``/``resume_writing`` turned into an awaitable ``drain()``,
closing (abort, or a bounded TLS shutdown), and what a lost connection does to a
waiting writer and to the transport.
"""

import asyncio
from typing import Optional

from ..client_exceptions import ClientConnectionResetError

__all__ = ("WriteFlow",)


class WriteFlow(asyncio.Protocol):
    """``drain()`` for a protocol whose ``transport`` and ``_loop`` it reads."""

    transport: Optional[asyncio.Transport]
    closed: "asyncio.Future[None]"
    _loop: asyncio.AbstractEventLoop
    _writing_paused = False
    _drain_waiter: "Optional[asyncio.Future[None]]" = None

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark.

        :raises ClientConnectionResetError: the connection was lost meanwhile.
        """
        if self.transport is None or self.transport.is_closing():
            raise ClientConnectionResetError("Connection lost")
        if not self._writing_paused:
            return
        waiter = self._drain_waiter
        if waiter is None:
            waiter = self._drain_waiter = self._loop.create_future()
        await asyncio.shield(waiter)

    def _close_transport(self, transport: Optional[asyncio.Transport], tls_grace: float) -> None:
        """Close *transport*: a TLS one is aborted (no close_notify exchange) unless
        *tls_grace* (seconds) > 0 allows a shutdown, aborted if it takes longer.
        """
        if transport is None:
            return
        if transport.get_extra_info("ssl_object") is None:
            transport.close()
        elif tls_grace > 0 and not transport.is_closing():
            transport.close()
            self._loop.call_later(tls_grace, self._abort_if_open, transport)
        else:
            transport.abort()

    def _abort_if_open(self, transport: asyncio.Transport) -> None:
        if not self.closed.done():
            transport.abort()

    def _writing_lost(self) -> None:
        """The connection is lost: drop the transport (closing it when the peer closed
        it: Python 3.9's and PyPy's TLS transport reports "unclosed transport" at GC
        unless closed) and fail a waiting ``drain()``.
        """
        transport, self.transport = self.transport, None
        if transport is not None and not transport.is_closing():
            transport.close()
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ClientConnectionResetError("Connection lost"))
            waiter.exception()  # drain() shields it: a cancelled drain() never will retrieve it
