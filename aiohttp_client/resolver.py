"""Name resolution: ``ThreadedResolver`` (``loop.getaddrinfo``), optional
``AsyncResolver`` (aiodns), and the TTL cache the connector keeps.

Results are lists of dicts with the keys ``hostname``, ``host``, ``port``,
``family``, ``proto`` and ``flags`` (reference: ``AbstractResolver.resolve``).
"""

import asyncio
import ipaddress
import re
import socket
from collections import OrderedDict
from typing import Any, Callable, Optional

from .abc import AbstractResolver, ResolveResult

__all__ = (
    "ThreadedResolver",
    "AsyncResolver",
    "DefaultResolver",
    "ResolveResult",
    "is_noncanonical_ipv4",
    "ip_literal_addresses",
)

_NUMERIC_LABEL = re.compile(r"(?:0[xX][0-9a-fA-F]*|[0-9]+)")
_CANONICAL_OCTET = re.compile(r"(?:0|[1-9][0-9]{0,2})")


def is_noncanonical_ipv4(host: str) -> bool:
    """Whether *host* is an IPv4 address written other than as four decimal
    octets (``2130706433``, ``0x7f.1``, ``127.1``, ``0177.0.0.1``).

    A host whose last label is a number is an IPv4 address (WHATWG URL §3.5, the
    "ends in a number" rule), and ``inet_aton`` would connect to it; only the
    dotted-quad form is unambiguous, so the others are refused rather than read
    one way here and another way by a proxy or a filter.
    """
    labels = host.rstrip(".").split(".")
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return False
    if len(labels) != 4:
        return True
    return not all(_CANONICAL_OCTET.fullmatch(label) and int(label) <= 255 for label in labels)


def ip_literal_addresses(host: str, port: int) -> Optional[list[ResolveResult]]:
    """The one address of *host* when it is an IP literal (``127.0.0.1``, ``::1``,
    ``fe80::1%eth0``), else ``None``: an address needs no resolver, no thread and no
    DNS trace signal (as in the reference, where only names are resolved).
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return [ResolveResult(hostname=host, host=host, port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST)]


def _numeric_address(address: "tuple[Any, ...]") -> "tuple[str, int]":
    """``(host, port)`` of a socket address: an IPv6 link-local address keeps its
    scope (``fe80::1%eth0``, from the scope id; ``getnameinfo`` with
    ``NI_NUMERICHOST`` looks nothing up).
    """
    if len(address) >= 4 and address[3]:
        host, port = socket.getnameinfo(address, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)
        return host, int(port)
    return str(address[0]), int(address[1])


class ThreadedResolver(AbstractResolver):
    """Resolve with ``loop.getaddrinfo`` (the system resolver in a thread)."""

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self._loop = loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of *host*.  :raises OSError: resolution failed."""
        loop = self._loop or asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family, flags=socket.AI_ADDRCONFIG)
        hosts: list[ResolveResult] = []
        for fam, _, proto, _, address in infos:
            if fam == socket.AF_INET6 and len(address) < 3:  # IPv6 is not supported by this Python build
                continue
            resolved_host, resolved_port = _numeric_address(address)
            hosts.append(
                {
                    "hostname": host,
                    "host": resolved_host,
                    "port": resolved_port,
                    "family": fam,
                    "proto": proto,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not hosts:
            raise OSError(None, "DNS lookup failed")
        return hosts

    async def close(self) -> None:
        """Nothing to release."""


class AsyncResolver(AbstractResolver):
    """Resolve with aiodns (the ``speedups`` extra)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import aiodns  # raises ImportError without the extra

        self._resolver = aiodns.DNSResolver(*args, **kwargs)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of *host*.  :raises OSError: resolution failed."""
        import aiodns

        try:
            resp = await self._resolver.getaddrinfo(
                host,
                port=port,
                type=socket.SOCK_STREAM,
                family=socket.AddressFamily(family),
                flags=socket.AI_ADDRCONFIG,
            )
        except aiodns.error.DNSError as exc:
            msg = exc.args[1] if len(exc.args) >= 2 else "DNS lookup failed"
            raise OSError(None, msg) from exc
        hosts: list[ResolveResult] = []
        for node in resp.nodes:
            # c-ares gives the address as bytes (pycares 4 and 5): decoded, as the
            # reference's ``host`` is a str (reference: ``AbstractResolver.resolve``).
            address: Any = node.addr
            resolved_host, resolved_port = _numeric_address((address[0].decode("ascii"), *address[1:]))
            hosts.append(
                {
                    "hostname": host,
                    "host": resolved_host,
                    "port": resolved_port,
                    "family": node.family,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not hosts:
            raise OSError(None, "DNS lookup failed")
        return hosts

    async def close(self) -> None:
        """Cancel pending lookups and release the resolver's channel and sockets
        (aiodns 3.3+ has ``close()``; older releases only ``cancel()``).
        """
        close = getattr(self._resolver, "close", None)
        if close is None:
            self._resolver.cancel()
        else:
            await close()


def _default_resolver() -> "type[AbstractResolver]":
    """The reference's choice: ``AsyncResolver`` when aiodns imports, else
    ``ThreadedResolver`` (reference: "Resolvers": ``DefaultResolver``).
    """
    try:
        import aiodns  # noqa: F401
    except ImportError:
        return ThreadedResolver
    return AsyncResolver


DefaultResolver = _default_resolver()


class DNSCache:
    """``(host, port) -> addresses`` with a time-to-live (seconds, ``None`` = forever)
    and at most *max_size* entries (the least recently used one goes first).

    Successive lookups rotate the address list so connections spread over the
    addresses of a multi-homed name.
    """

    def __init__(self, ttl: Optional[float], clock: Callable[[], float], max_size: int = 1000) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_size = max_size
        self._entries: OrderedDict[tuple[str, int], tuple[list[ResolveResult], float]] = OrderedDict()

    @property
    def entries(self) -> dict[tuple[str, int], list[ResolveResult]]:
        """A copy: ``(host, port) -> addresses``."""
        return {key: addrs for key, (addrs, _) in self._entries.items()}

    def get(self, key: tuple[str, int]) -> Optional[list[ResolveResult]]:
        entry = self._entries.get(key)
        if entry is None:
            return None
        addrs, stamp = entry
        if self._ttl is not None and stamp + self._ttl < self._clock():
            del self._entries[key]
            return None
        if len(addrs) > 1:
            addrs = addrs[1:] + addrs[:1]
            self._entries[key] = (addrs, stamp)
        self._entries.move_to_end(key)
        return addrs

    def add(self, key: tuple[str, int], addrs: list[ResolveResult]) -> None:
        self._entries[key] = (addrs, self._clock())
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def clear(self, key: Optional[tuple[str, int]] = None) -> None:
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)
