"""The connector's two hooks (issue 16 part 3), used as libraries use them, against
real peers on 127.0.0.1:

- ``TCPConnector._wrap_create_connection`` (aiohttp 3.14.5's signature) makes every
  TCP connection: direct, to an HTTP proxy, to the proxy of a CONNECT tunnel.  A
  subclass that overrides it (aiohttp-socks does) sees each one, and one that
  connects somewhere else itself is obeyed;
- ``BaseConnector._connection_protocol`` (the one protocol factory) is asked once
  per new connection, once its transport (and TLS) is up, for direct, plain-proxy
  and tunnelled connections, and never for a reused one.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import HOST, Reply, run
from aiohttp_client._protocols._protocol import ResponseProtocol
from test_client_tls import ca, client_context
from test_tunnel_safety import BODY, scripted_proxy, tls_origin

__all__ = ("ca", "tls_origin")  # fixtures shared with test_client_tls / test_tunnel_safety

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RecordingConnector(aiohttp.TCPConnector):
    """Records each ``_wrap_create_connection`` call and each protocol choice, then
    does what the stock connector does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wraps: list[dict[str, Any]] = []
        self.chosen: list[tuple[Any, Any]] = []

    async def _wrap_create_connection(self, *args: Any, addr_infos: Any, req: Any, timeout: Any, **kwargs: Any) -> Any:
        self.wraps.append({"args": args, "addr_infos": addr_infos, "req": req, "timeout": timeout, **kwargs})
        return await super()._wrap_create_connection(*args, addr_infos=addr_infos, req=req, timeout=timeout, **kwargs)

    def _connection_protocol(self, transport: Any, protocol: Any) -> Any:
        chosen = super()._connection_protocol(transport, protocol)
        self.chosen.append((transport, protocol, protocol.transport is transport))
        return chosen


def test_a_direct_connection_is_made_by_wrap_create_connection(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> RecordingConnector:
        conn = RecordingConnector()
        async with aiohttp.ClientSession(connector=conn) as session:
            for _ in range(2):  # the second request reuses the connection
                async with session.get(srv.url("/x")) as resp:
                    assert await resp.read() == b"ok"
        return conn

    conn = run(main())
    assert len(conn.wraps) == 1 and len(conn.chosen) == 1
    call = conn.wraps[0]
    assert [info[4][:2] for info in call["addr_infos"]] == [(HOST, srv.port)]
    assert call["addr_infos"][0][1] == socket.SOCK_STREAM
    assert callable(call["args"][0]) and len(call["args"]) == 1
    assert call["client_error"] is aiohttp.ClientConnectorError
    assert call["ssl"] is None and call["server_hostname"] is None
    assert call["req"].url == URL(srv.url("/x"))
    assert isinstance(call["timeout"], aiohttp.ClientTimeout)
    transport, protocol, reads_it = conn.chosen[0]
    assert isinstance(protocol, ResponseProtocol) and reads_it
    assert srv.accepted == 1 and len(srv.requests) == 2


def test_an_override_that_connects_elsewhere_is_obeyed(raw_server) -> None:
    """What a SOCKS connector does: ignore the resolved address, connect itself, and
    hand asyncio its own socket."""
    srv = raw_server(Reply.of(OK))

    class Elsewhere(aiohttp.TCPConnector):
        async def _wrap_create_connection(self, *args: Any, addr_infos: Any, req: Any, timeout: Any, **kw: Any) -> Any:
            kw.pop("client_error", None)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await asyncio.wait_for(self._loop.sock_connect(sock, (HOST, srv.port)), 5)
                return await self._loop.create_connection(*args, sock=sock, **kw)
            except BaseException:
                sock.close()
                raise

    async def main() -> bytes:
        async with aiohttp.ClientSession(connector=Elsewhere()) as session:
            async with session.get(f"http://{HOST}:1/elsewhere") as resp:  # port 1: nothing listens
                return await resp.read()

    assert run(main()) == b"ok"
    assert srv.requests[0].startswith(b"GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:1\r\n")


@pytest.mark.parametrize("proxied", [False, True])
def test_an_oserror_from_the_override_is_mapped_to_the_documented_class(raw_server, proxied: bool) -> None:
    srv = raw_server(Reply.of(OK))

    class Refusing(aiohttp.TCPConnector):
        async def _wrap_create_connection(self, *args: Any, **kw: Any) -> Any:
            raise ConnectionRefusedError(111, "refused by the override")

    async def main() -> None:
        async with aiohttp.ClientSession(connector=Refusing()) as session:
            await session.get("http://example.invalid/" if proxied else srv.url(), proxy=srv.url() if proxied else None)

    expected = aiohttp.ClientProxyConnectionError if proxied else aiohttp.ClientConnectorError
    with pytest.raises(expected) as info:
        run(main())
    assert type(info.value) is expected
    assert (info.value.host, info.value.port) == (HOST, srv.port)
    assert srv.accepted == 0


def test_a_plain_proxy_connection_is_made_by_wrap_create_connection(raw_server) -> None:
    proxy = raw_server(Reply.of(OK))

    async def main() -> RecordingConnector:
        conn = RecordingConnector()
        async with aiohttp.ClientSession(connector=conn) as session:
            async with session.get("http://example.invalid/p", proxy=proxy.url()) as resp:
                assert await resp.read() == b"ok"
        return conn

    conn = run(main())
    assert len(conn.wraps) == 1 and len(conn.chosen) == 1
    call = conn.wraps[0]
    assert [info[4][:2] for info in call["addr_infos"]] == [(HOST, proxy.port)]
    assert call["client_error"] is aiohttp.ClientProxyConnectionError
    key = call["req"].connection_key
    assert (key.host, key.port, key.is_ssl) == (HOST, proxy.port, False)
    assert proxy.requests[0].startswith(b"GET http://example.invalid/p HTTP/1.1\r\n")


def test_a_tunnel_is_made_by_wrap_create_connection_and_its_protocol_chosen_after_tls(tls_origin, ca) -> None:
    port, heads = tls_origin
    with scripted_proxy(port) as proxy:

        async def main() -> RecordingConnector:
            conn = RecordingConnector()
            ctx = client_context(ca)
            async with aiohttp.ClientSession(connector=conn) as session:
                for _ in range(2):  # the tunnel is pooled and reused
                    async with session.get(f"https://{HOST}:{port}/t", proxy=proxy.url, ssl=ctx) as resp:
                        assert await resp.read() == BODY
            return conn

        conn = run(main())
        assert proxy.accepted == 1
    assert len(conn.wraps) == 1 and len(conn.chosen) == 1
    call = conn.wraps[0]
    assert [info[4][:2] for info in call["addr_infos"]] == [(HOST, proxy.port)]
    assert call["ssl"] is None  # TCP to the proxy; TLS with the origin inside the tunnel
    assert call["client_error"] is aiohttp.ClientProxyConnectionError
    transport, protocol, reads_it = conn.chosen[0]
    # The protocol chosen reads from the TLS transport inside the tunnel.
    assert transport.get_extra_info("ssl_object") is not None
    assert isinstance(protocol, ResponseProtocol) and reads_it
    assert len(heads) == 2


def test_a_unix_connection_gets_its_protocol_from_the_factory(tmp_path) -> None:
    path = str(tmp_path / "s.sock")
    chosen: list[Any] = []

    class Recording(aiohttp.UnixConnector):
        def _connection_protocol(self, transport: Any, protocol: Any) -> Any:
            chosen.append(protocol)
            return super()._connection_protocol(transport, protocol)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
        finally:
            writer.close()

    async def main() -> bytes:
        server = await asyncio.start_unix_server(answer, path)
        try:
            async with aiohttp.ClientSession(connector=Recording(path)) as session:
                async with session.get("http://unix.invalid/") as resp:
                    return await resp.read()
        finally:
            server.close()
            await server.wait_closed()

    assert run(main()) == b"ok"
    assert len(chosen) == 1 and isinstance(chosen[0], ResponseProtocol)
