"""``Connection``: one connection lent out by a connector (reference: ``Connection``).

Apart from :mod:`connector` so that the request and response modules, which write
to and read from a connection, need not import the connector (which builds
requests' connections): every arrow points down.  ``connector.Connection`` stays the
public path.
"""

import asyncio
import warnings
from typing import Any, Optional, Protocol

from .._models import ConnectionKey
from .._protocols._protocol import ResponseProtocol

__all__ = ("Connection",)


class _Releaser(Protocol):
    """What a :class:`Connection` needs from its connector (a ``BaseConnector``)."""

    def _release(self, key: ConnectionKey, protocol: ResponseProtocol, *, should_close: bool = False) -> None:
        """Pool *protocol*'s connection again, or close it when *should_close*."""


class Connection:
    """One connection lent out by a connector (reference: ``Connection``)."""

    __slots__ = ("_connector", "_key", "_protocol", "_loop", "reused", "__weakref__")

    def __init__(
        self,
        connector: _Releaser,
        key: ConnectionKey,
        protocol: ResponseProtocol,
        loop: asyncio.AbstractEventLoop,
        reused: bool = False,
    ) -> None:
        #: ``True`` when the connection came from the idle pool (it may have been
        #: closed by the server meanwhile; the session retries idempotent requests).
        self.reused = reused
        self._connector = connector
        self._key = key
        self._protocol: Optional[ResponseProtocol] = protocol
        self._loop = loop

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
    def protocol(self) -> Optional[ResponseProtocol]:
        return self._protocol

    @property
    def closed(self) -> bool:
        """``True`` once the connection was closed, released or detached."""
        return self._protocol is None or not self._protocol.is_connected()

    def release(self) -> None:
        """Give the connection back: pooled if reusable, closed otherwise."""
        if self._protocol is not None:
            protocol, self._protocol = self._protocol, None
            self._connector._release(self._key, protocol)

    def close(self) -> None:
        """Close the underlying socket and free the slot."""
        if self._protocol is not None:
            protocol, self._protocol = self._protocol, None
            self._connector._release(self._key, protocol, should_close=True)
