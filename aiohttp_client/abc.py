"""Abstract base classes of the client (reference: ``abc.rst``).

Each area keeps its own block below.
"""

import asyncio
import socket
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sized
from http.cookies import BaseCookie, Morsel
from typing import Any, Callable, Optional, TypedDict

from yarl import URL

from ._sansio._cookies import parse_set_cookie_headers

__all__ = ("AbstractCookieJar", "AbstractResolver", "ClearCookiePredicate", "ResolveResult")

_NO_URL = URL()

# -- name resolution (connectors) ------------------------------------------------------


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


# -- cookie jar (issue 8) ---------------------------------------------------------------

ClearCookiePredicate = Callable[["Morsel[str]"], bool]


class AbstractCookieJar(Sized, Iterable["Morsel[str]"], ABC):
    """Cookie storage of a session (reference: ``abc.AbstractCookieJar``): sized and
    iterable over its :class:`http.cookies.Morsel` items.

    A jar may be created outside a running event loop; *loop* is kept for
    compatibility and is ``None`` then.
    """

    def __init__(self, *, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        self._loop = loop

    @property
    @abstractmethod
    def quote_cookie(self) -> bool:
        """Whether cookie values are quoted (RFC 2109) when sent."""

    @abstractmethod
    def clear(self, predicate: Optional[ClearCookiePredicate] = None) -> None:
        """Remove every cookie, or those for which *predicate(morsel)* is true."""

    @abstractmethod
    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of *domain* and of its subdomains."""

    @abstractmethod
    def update_cookies(self, cookies: Any, response_url: URL = _NO_URL) -> None:
        """Store *cookies* (a mapping or pairs of name and value or Morsel)
        received from *response_url*; an empty URL stores shared cookies.
        """

    def update_cookies_from_headers(self, headers: Iterable[str], response_url: URL) -> None:
        """Store the cookies of ``Set-Cookie`` field values *headers* received from
        *response_url* (RFC 6265 §5.2 parsing).
        """
        parsed = parse_set_cookie_headers(headers)
        if parsed:
            self.update_cookies(parsed, response_url)

    @abstractmethod
    def filter_cookies(self, request_url: URL) -> "BaseCookie[str]":
        """The cookies to send with a request to *request_url*."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __iter__(self) -> Iterator["Morsel[str]"]: ...


# -- end of cookie jar (issue 8) --------------------------------------------------------
