"""A server that closes an idle pooled TLS connection: the client's side of it is
closed too, so that no TLS transport is left for the garbage collector to report
(Python 3.9's and PyPy's ``_SSLProtocolTransport`` warns "unclosed transport" at GC
unless ``close()`` was called on it).
"""

from __future__ import annotations

import asyncio
import gc
import ssl
import warnings
from typing import Any

import trustme

import aiohttp_client as aiohttp

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


def test_idle_tls_connection_closed_by_the_server_leaves_no_transport() -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
            await asyncio.sleep(0.05)  # the connection is idle in the client's pool now
        finally:
            writer.close()

    async def main() -> Any:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"https://127.0.0.1:{port}/", ssl=client_ctx) as resp:
                    assert await resp.read() == b"ok"
                [[(protocol, _idle_since)]] = session.connector._conns.values()  # type: ignore[union-attr]
                await asyncio.wait_for(asyncio.shield(protocol.closed), 5)
                assert protocol.transport is None
        finally:
            server.close()
            await server.wait_closed()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        asyncio.run(main())
        gc.collect()
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
