"""Smoke test for an installed wheel (cibuildwheel's test-command runs it with the
guard test): one real request to a loopback asyncio server, with no test peers needed."""

import asyncio

import aiohttp_client
from _servers import run


def test_get_and_post_over_keep_alive() -> None:
    requests = []
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        try:
            for _ in range(2):
                head = await reader.readuntil(b"\r\n\r\n")
                requests.append(head)
                if head.startswith(b"POST"):
                    await reader.readexactly(5)
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                await writer.drain()
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with aiohttp_client.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/a") as resp:
                    assert resp.status == 200
                    assert await resp.read() == b"abcde"
                async with session.post(f"http://127.0.0.1:{port}/b", data=b"hello") as resp:
                    assert await resp.text() == "abcde"
        finally:
            server.close()
            await server.wait_closed()

    run(main())
    assert len(connections) == 1, f"two requests, {len(connections)} connections: keep-alive did not reuse"
    assert len(requests) == 2
    assert requests[0].startswith(b"GET /a HTTP/1.1\r\n")
    assert b"Content-Length: 5\r\n" in requests[1]
