"""File uploads read with ``readinto`` into one reused buffer (issue 20, section 4):
up to ``PAYLOAD_READ`` bytes per executor round trip, written in ``PAYLOAD_CHUNK``
views.  The buffer is used again only when no transport kept a view of it, so a slow
peer whose transport queues the views (TLS's backlog; asyncio's plain transport since
Python 3.12) still receives every byte as it was in the file.  Real peers on
127.0.0.1 hash what they receive; the digest must be the file's.
"""

import asyncio
import hashlib
import io
import re
import ssl
import zlib
from pathlib import Path
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import HOST, pattern_bytes, run, served_in_thread
from aiohttp_client import payload

SIZE = 3 * 2**20 + 12345  # three full reads and a short one; not a multiple of a chunk


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    """The body after *head*: chunked (and deflate-coded) or by Content-Length,
    read slowly (a pause every 64 KiB keeps the client's transport buffering)."""
    head = head.lower()
    out = bytearray()
    if b"\r\ntransfer-encoding: chunked" in head:
        for _ in range(2**20):  # bounded: chunks
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            out += await reader.readexactly(size)
            await reader.readexactly(2)
            await asyncio.sleep(0.001)
    else:
        match = re.search(rb"\r\ncontent-length: *(\d+)", head)
        remaining = int(match.group(1)) if match else 0
        while remaining:
            piece = await reader.read(min(remaining, 2**16))
            if not piece:
                break
            out += piece
            remaining -= len(piece)
            await asyncio.sleep(0.001)
    if b"\r\ncontent-encoding: deflate" in head:
        return zlib.decompress(bytes(out))
    return bytes(out)


async def _hash_slowly(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        answer = hashlib.sha256(await _read_body(reader, head)).hexdigest().encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


def _upload(url: str, path: Path, ssl_ctx: Any = None, **options: Any) -> str:
    async def main() -> str:
        async with aiohttp.ClientSession() as session:
            with path.open("rb") as body:
                async with session.post(url, data=body, ssl=ssl_ctx, **options) as resp:
                    assert resp.status == 200
                    return await resp.text()

    return run(main(), timeout=60.0)


@pytest.fixture
def upload_file(tmp_path: Path) -> tuple[Path, str]:
    data = pattern_bytes(SIZE)
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "options", [{}, {"chunked": True}, {"compress": "deflate"}], ids=["plain", "chunked", "deflate"]
)
def test_a_slow_peer_receives_the_file_unchanged(upload_file: tuple[Path, str], options: dict) -> None:
    path, expected = upload_file
    with served_in_thread("hash", lambda loop: asyncio.start_server(_hash_slowly, HOST, 0)) as srv:
        port = srv.sockets[0].getsockname()[1]
        assert _upload(f"http://{HOST}:{port}/upload", path, **options) == expected


def test_a_slow_tls_peer_receives_the_file_unchanged(upload_file: tuple[Path, str]) -> None:
    """TLS queues the written views in its backlog while the peer is slow: a buffer
    reused under them would send later bytes in place of earlier ones."""
    import trustme

    path, expected = upload_file
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    def start(loop: asyncio.AbstractEventLoop) -> Any:
        return asyncio.start_server(_hash_slowly, HOST, 0, ssl=server_ctx)

    with served_in_thread("hash_tls", start) as srv:
        port = srv.sockets[0].getsockname()[1]
        assert _upload(f"https://{HOST}:{port}/upload", path, ssl_ctx=client_ctx) == expected


class _CountingFile(io.BufferedReader):
    """A real file that counts its ``read`` and ``readinto`` calls."""

    def __init__(self, path: Path) -> None:
        super().__init__(io.FileIO(str(path), "rb"))
        self.reads = 0
        self.readintos = 0

    def read(self, size: "int | None" = -1) -> bytes:
        self.reads += 1
        return super().read(size)

    def readinto(self, buffer: Any) -> int:
        self.readintos += 1
        return super().readinto(buffer)


@pytest.mark.cpython  # the reuse needs reference counts; PyPy reads with read()
def test_one_executor_read_per_mebibyte(upload_file: tuple[Path, str]) -> None:
    path, expected = upload_file

    async def main(port: int) -> tuple[str, _CountingFile]:
        body = _CountingFile(path)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"http://{HOST}:{port}/upload", data=body) as resp:
                return await resp.text(), body

    with served_in_thread("hash", lambda loop: asyncio.start_server(_hash_slowly, HOST, 0)) as srv:
        received, body = run(main(srv.sockets[0].getsockname()[1]), timeout=60.0)
    assert received == expected
    # 3 MiB + 12345 bytes: four readinto calls (one per PAYLOAD_READ), no read() at all;
    # read() in PAYLOAD_CHUNK pieces took 13 executor round trips.
    assert payload.PAYLOAD_READ == 2**20
    assert (body.reads, body.readintos) == (0, 4)


class _KeepingWriter:
    """A payload writer (the ``write``/``drain`` coroutines of the payload API) that
    keeps every object it is given, as a transport queueing views does."""

    def __init__(self) -> None:
        self.kept: list[Any] = []

    async def write(self, data: Any) -> None:
        self.kept.append(data)

    async def drain(self) -> None:
        pass


def test_a_writer_keeping_the_views_gets_the_file_unchanged(upload_file: tuple[Path, str]) -> None:
    path, expected = upload_file

    async def main() -> _KeepingWriter:
        writer = _KeepingWriter()
        with path.open("rb") as f:
            await payload.get_payload(f).write(writer)  # type: ignore[arg-type]
        return writer

    writer = run(main())
    assert len(writer.kept) == 13  # PAYLOAD_CHUNK pieces of 3 MiB + 12345 bytes
    assert hashlib.sha256(b"".join(writer.kept)).hexdigest() == expected
