"""``Connection``: one connection lent out by a connector (reference: ``Connection``),
and the lease on it: the :class:`~.._protocols._exchange.Exchange` the request and
its response use (for HTTP/1.1 the connection itself).

Apart from :mod:`connector` so that the request and response modules, which write
to and read from a connection, need not import the connector (which builds
requests' connections): every arrow points down.  ``connector.Connection`` stays the
public path.
"""

import asyncio
import warnings
from typing import Any, Optional, Protocol

from .._models import ConnectionKey
from .._protocols._exchange import Exchange, ExchangeConnection
from ..client_exceptions import ClientConnectionError

__all__ = ("Connection",)


class _Releaser(Protocol):
    """What a :class:`Connection` needs from its connector (a ``BaseConnector``)."""

    def _release(self, key: ConnectionKey, protocol: Any, *, should_close: bool = False) -> None:
        """End a lease on *protocol*'s connection: pool it again, or close it when
        *should_close* (or when it says it must).
        """


class Connection:
    """One connection lent out by a connector (reference: ``Connection``): a lease
    of one exchange on it (:attr:`exchange`), ended by :meth:`release` or
    :meth:`close`.  ``protocol`` and ``transport`` are the connection's, as in aiohttp.
    """

    __slots__ = ("_connector", "_key", "_protocol", "_loop", "reused", "exchange", "__weakref__")

    def __init__(
        self,
        connector: _Releaser,
        key: ConnectionKey,
        protocol: Any,
        loop: asyncio.AbstractEventLoop,
        reused: bool = False,
        exchange: Optional[Exchange] = None,
    ) -> None:
        #: ``True`` when the connection came from the idle pool (it may have been
        #: closed by the server meanwhile; the session retries idempotent requests).
        self.reused = reused
        self._connector = connector
        self._key = key
        self._protocol: Optional[ExchangeConnection] = protocol
        self._loop = loop
        #: The exchange this lease carries (``None`` once released or closed; an
        #: attribute, not a property: read on every request).  HTTP/1.1's is the protocol.
        self.exchange: Optional[Exchange] = protocol.new_exchange() if exchange is None else exchange

    def __repr__(self) -> str:
        return f"Connection<{self._key}>"

    def __del__(self, _warnings: Any = warnings) -> None:
        if self._protocol is not None:
            _warnings.warn(f"Unclosed connection {self!r}", ResourceWarning, source=self)
            if not self._loop.is_closed():
                self._connector._release(self._key, self._protocol, should_close=True)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop (deprecated since aiohttp 3.5)."""
        warnings.warn("connector.loop property is deprecated", DeprecationWarning, stacklevel=2)
        return self._loop

    @property
    def transport(self) -> Optional[asyncio.Transport]:
        return None if self._protocol is None else self._protocol.transport

    @property
    def protocol(self) -> Any:
        """The connection's protocol (``None`` once released or closed)."""
        return self._protocol

    @property
    def closed(self) -> bool:
        """``True`` once the connection was closed, released or detached."""
        return self._protocol is None or not self._protocol.is_connected()

    def release(self) -> None:
        """Give the connection back: pooled if reusable, closed otherwise.  A
        multiplexed connection's exchange still open is ended (HTTP/2: RST_STREAM).
        """
        if self._protocol is not None:
            protocol, self._protocol = self._protocol, None
            exchange, self.exchange = self.exchange, None
            if exchange is not None and exchange is not protocol:  # type: ignore[comparison-overlap]
                exchange.abort(ClientConnectionError("Connection closed"))
            self._connector._release(self._key, protocol)

    def close(self) -> None:
        """End the lease, failing its exchange if unfinished: a connection carrying
        one exchange at a time is closed (the underlying socket); a multiplexed one
        only when the exchange says it must.
        """
        if self._protocol is not None:
            protocol, self._protocol = self._protocol, None
            exchange, self.exchange = self.exchange, None
            if exchange is None or exchange is protocol:  # type: ignore[comparison-overlap]
                self._connector._release(self._key, protocol, should_close=True)
            else:
                exchange.abort(ClientConnectionError("Connection closed"))
                self._connector._release(self._key, protocol, should_close=exchange.must_close)
