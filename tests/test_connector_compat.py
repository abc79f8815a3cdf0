"""Connector behaviours an aiohttp user (or a library built on aiohttp) relies on, each
against a real peer on 127.0.0.1 (issue 15, items 17 and 21):

* an IP-literal host never goes through the resolver and fires no DNS trace signal;
* the default resolver is the reference's choice (``AsyncResolver`` when aiodns imports);
* ``connector._conns`` is a read-only view of the idle connections in aiohttp's shape,
  which gql walks to wait for TLS transports to close.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class _RefusingResolver(aiohttp.abc.AbstractResolver):
    """Records every name it is asked for and resolves ``localhost`` only."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[Any]:
        self.asked.append(host)
        if host != "localhost":
            raise OSError(f"{host}: not resolved by this test's resolver")
        return [
            aiohttp.abc.ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        pass


def _dns_signals() -> tuple[aiohttp.TraceConfig, list[str]]:
    config, seen = aiohttp.TraceConfig(), []
    for name in ("on_dns_resolvehost_start", "on_dns_resolvehost_end", "on_dns_cache_miss", "on_dns_cache_hit"):

        async def record(_s: Any, _c: Any, params: Any, name: str = name) -> None:
            seen.append(f"{name}:{params.host}")

        getattr(config, name).append(record)
    return config, seen


def test_ip_literal_hosts_skip_the_resolver_and_dns_signals(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> tuple[list[str], list[str], list[bytes]]:
        resolver = _RefusingResolver()
        config, seen = _dns_signals()
        connector = aiohttp.TCPConnector(resolver=resolver, force_close=True)
        async with aiohttp.ClientSession(connector=connector, trace_configs=[config]) as session:
            bodies = []
            for url in (srv.url("/a"), f"http://localhost:{srv.port}/b"):
                async with session.get(url) as resp:
                    bodies.append(await resp.read())
        return resolver.asked, seen, bodies

    asked, seen, bodies = run(main())
    assert bodies == [b"ok", b"ok"]
    # 127.0.0.1 needed no lookup; the name did, with its signals.
    assert asked == ["localhost"]
    assert seen == [
        "on_dns_cache_miss:localhost",
        "on_dns_resolvehost_start:localhost",
        "on_dns_resolvehost_end:localhost",
    ]
    assert [r.split(b"\r\n")[0] for r in srv.requests] == [b"GET /a HTTP/1.1", b"GET /b HTTP/1.1"]


def test_ipv6_literal_skips_the_resolver() -> None:
    async def main() -> tuple[int, list[str]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
            writer.close()

        try:
            server = await asyncio.start_server(handle, "::1", 0)
        except OSError as exc:  # pragma: no cover - a host without IPv6 loopback
            pytest.fail(f"::1 is not available here: {exc}")
        port = server.sockets[0].getsockname()[1]
        resolver = _RefusingResolver()
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
                async with session.get(f"http://[::1]:{port}/") as resp:
                    status = resp.status
        finally:
            server.close()
            await server.wait_closed()
        return status, resolver.asked

    assert run(main()) == (200, [])


_WHICH_RESOLVER = """
import sys
if sys.argv[1] == "blocked":
    sys.modules["aiodns"] = None  # import aiodns raises ImportError
from aiohttp_client import resolver
print(resolver.DefaultResolver.__name__)
"""


@pytest.mark.parametrize(("aiodns", "expected"), [("as installed", None), ("blocked", "ThreadedResolver")])
def test_default_resolver_is_the_references_choice(aiodns: str, expected: str | None) -> None:
    if expected is None:
        try:
            import aiodns as _  # noqa: F401
        except ImportError:
            expected = "ThreadedResolver"
        else:
            expected = "AsyncResolver"
    out = subprocess.run(
        [sys.executable, "-c", _WHICH_RESOLVER, aiodns], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == expected


def test_conns_is_a_read_only_view_in_aiohttps_shape(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector()
        async with aiohttp.ClientSession(connector=connector) as session:
            assert dict(connector._conns) == {}
            before = loop.time()
            for path in ("/1", "/2"):  # one kept-alive connection serves both
                async with session.get(srv.url(path)) as resp:
                    await resp.read()
            view = connector._conns
            assert len(view) == 1
            ((key, entries),) = view.items()
            assert (key.host, key.port, key.is_ssl) == ("127.0.0.1", srv.port, False)
            assert len(entries) == 1
            protocol, idle_since = entries[0]
            assert before <= idle_since <= loop.time()
            # what gql does: read each protocol's transport
            transports = [p.transport for entries in connector._conns.values() for p, _ in entries]
            assert len(transports) == 1 and transports[0] is not None and not transports[0].is_closing()
            with pytest.raises(TypeError):
                view[key] = []  # type: ignore[index]
            entries.clear()  # a snapshot: changing it leaves the pool alone
            async with session.get(srv.url("/3")) as resp:
                await resp.read()
        assert srv.accepted == 1
        assert dict(connector._conns) == {}  # closed: nothing idle

    run(main())
