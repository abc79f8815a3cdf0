"""``AsyncResolver`` (aiodns) against what c-ares resolves here offline: ``localhost``
from ``/etc/hosts`` (c-ares reads the hosts file before DNS), and a name that does
not exist (``.invalid`` is reserved, RFC 6761 §6.4: no server is asked for it
offline, c-ares answers "not found").  Compared with aiohttp 3.14.5's
``AsyncResolver`` as a black box; then a request through a connector using it, to
the raw server on 127.0.0.1.

The aiodns tests are deselected on PyPy (the ``cpython`` marker): aiodns needs pycares, which has no
PyPy 3.9 wheel and whose source build fails there (tried with pip this session).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run
from aiohttp_client.resolver import AsyncResolver

#: aiodns (pycares) does not build on PyPy 3.9: the AsyncResolver tests are deselected
#: there; on CPython the speedups extra installs it (tools/test), and its absence fails.
needs_aiodns = pytest.mark.cpython

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _resolve_both(host: str, family: socket.AddressFamily) -> tuple[Any, Any]:
    import aiohttp as reference

    outcomes = []
    for cls in (AsyncResolver, reference.AsyncResolver):
        resolver = cls()
        try:
            outcomes.append(await resolver.resolve(host, 8080, family))
        except OSError as exc:
            outcomes.append((type(exc), exc.args))
        finally:
            await resolver.close()
    return outcomes[0], outcomes[1]


@needs_aiodns
@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC])
def test_localhost_resolves_to_str_hosts_as_in_aiohttp(family: socket.AddressFamily) -> None:
    ours, theirs = run(_resolve_both("localhost", family))
    assert ours == theirs
    assert ours, "c-ares resolved localhost from /etc/hosts"
    for entry in ours:
        assert type(entry["host"]) is str and type(entry["hostname"]) is str
        assert type(entry["port"]) is int and entry["port"] == 8080
        assert socket.inet_pton(entry["family"], entry["host"])  # a numeric address


@needs_aiodns
@pytest.mark.aiohttp_oracle
def test_unknown_name_is_oserror_as_in_aiohttp() -> None:
    ours, theirs = run(_resolve_both("no-such-host.invalid", socket.AF_INET))
    assert ours == theirs
    assert ours[0] is OSError and ours[1][0] is None and isinstance(ours[1][1], str)


@needs_aiodns
def test_request_through_async_resolver_to_localhost(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    seen: list[Any] = []
    config = aiohttp.TraceConfig()

    async def resolved(_s: Any, _c: Any, params: Any) -> None:
        seen.append(params.host)

    config.on_dns_resolvehost_end.append(resolved)

    async def main() -> tuple[bytes, Any]:
        resolver = AsyncResolver()
        connector = aiohttp.TCPConnector(resolver=resolver, family=socket.AF_INET)
        async with aiohttp.ClientSession(connector=connector, trace_configs=[config]) as session:
            async with session.get(f"http://localhost:{srv.port}/r") as resp:
                body = await resp.read()
            cached = connector._dns_cache.entries  # what the connector connected to
        return body, cached

    body, cached = run(main())
    assert body == b"ok" and srv.accepted == 1
    assert seen == ["localhost"]
    assert srv.requests[0].startswith(b"GET /r HTTP/1.1\r\nHost: localhost:%d\r\n" % srv.port)
    assert list(cached) == [("localhost", srv.port)]
    assert [(e["host"], type(e["host"])) for e in cached[("localhost", srv.port)]] == [("127.0.0.1", str)]


@needs_aiodns
def test_dns_error_with_one_argument_is_oserror() -> None:
    """An ``aiodns.error.DNSError`` carrying a code only still gives ``OSError``
    (the message falls back), not an ``IndexError`` from reading its message.
    """
    import aiodns

    class OneArgumentResolver:
        async def getaddrinfo(self, *args: Any, **kwargs: Any) -> Any:
            raise aiodns.error.DNSError(11)

    async def main() -> BaseException:
        resolver = AsyncResolver()
        real = resolver._resolver
        resolver._resolver = OneArgumentResolver()  # aiodns' own object, answering as c-ares may
        try:
            await resolver.resolve("localhost", 80)
        except BaseException as exc:  # noqa: BLE001 - the type is the assertion
            return exc
        finally:
            resolver._resolver = real
            await resolver.close()
        raise AssertionError("resolve() returned")

    exc = run(main())
    assert type(exc) is OSError and exc.args[0] is None and exc.args[1]


@pytest.mark.aiohttp_oracle
def test_threaded_resolver_keeps_a_link_local_scope_as_in_aiohttp() -> None:
    """The scope id of a link-local address comes back in the host (``%lo``), the
    shared numeric-address step of both resolvers.
    """
    import aiohttp as reference

    async def main() -> tuple[Any, Any]:
        ours = await aiohttp.ThreadedResolver().resolve("fe80::1%lo", 80, socket.AF_INET6)
        theirs = await reference.ThreadedResolver().resolve("fe80::1%lo", 80, socket.AF_INET6)
        return ours, theirs

    ours, theirs = run(main())
    assert ours == theirs and ours[0]["host"] == "fe80::1%lo" and ours[0]["port"] == 80
