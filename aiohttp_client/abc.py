"""Abstract base classes of the client (reference: ``abc.rst``).

Each area keeps its own block below.
"""

import socket
from abc import ABC, abstractmethod
from typing import TypedDict

# -- name resolution (connectors) ------------------------------------------------------

__all__ = ["AbstractResolver", "ResolveResult"]


class ResolveResult(TypedDict):
    """One address a host name resolved to (reference: ``abc.ResolveResult``): a
    ``dict`` with these keys.
    """

    #: the host name that was asked for
    hostname: str
    #: the IP address, as text
    host: str
    #: the port
    port: int
    #: the address family (``socket.AF_INET`` / ``AF_INET6``)
    family: int
    #: the protocol (``socket.IPPROTO_TCP``, or 0)
    proto: int
    #: ``getaddrinfo`` flags to connect with (``AI_NUMERICHOST | AI_NUMERICSERV``)
    flags: int


class AbstractResolver(ABC):
    """Base of every resolver a :class:`~aiohttp_client.TCPConnector` accepts
    (reference: ``abc.AbstractResolver``).
    """

    @abstractmethod
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The addresses of *host* (a list of :class:`ResolveResult`).

        :raises OSError: the name did not resolve.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release what the resolver holds."""


# -- end of name resolution ------------------------------------------------------------
