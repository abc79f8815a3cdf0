"""``expect100=True``: the head goes out with ``Expect: 100-continue``, the body waits
for ``100 Continue`` (RFC 9110 §10.1.1); a final status instead means no body byte is
sent and the connection is not reused.  Raw-bytes servers on 127.0.0.1 record every
byte they receive."""

import asyncio
import contextlib
import hashlib
import re
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _servers import HOST, pattern_bytes, run, served_in_thread

#: How long a server listens for body bytes the client must not have sent yet.
_QUIET = 0.2


@dataclass
class Seen:
    """What one accepted connection carried."""

    heads: list[bytes] = field(default_factory=list)
    early: list[bytes] = field(default_factory=list)  # bytes that came before 100 Continue
    bodies: list[bytes] = field(default_factory=list)
    after_head: bytearray = field(default_factory=bytearray)  # after a final status
    closed: threading.Event = field(default_factory=threading.Event)


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Seen], Coroutine[Any, Any, bool]]


@contextlib.contextmanager
def server(handle_request: Handler) -> Iterator[tuple[int, list[Seen]]]:
    """A server calling ``handle_request(reader, writer, seen)`` once per request head
    (the head is in ``seen.heads[-1]``) until it returns ``False`` or the client closes.
    Yields ``(port, one Seen per connection)``."""
    seen_all: list[Seen] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen = Seen()
        seen_all.append(seen)
        try:
            while True:
                try:
                    seen.heads.append(await reader.readuntil(b"\r\n\r\n"))
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if not await handle_request(reader, writer, seen):
                    break
        finally:
            seen.closed.set()
            writer.close()

    with served_in_thread("expect100", lambda loop: asyncio.start_server(serve, HOST, 0)) as srv:
        yield srv.sockets[0].getsockname()[1], seen_all


def _length(head: bytes) -> int:
    match = re.search(rb"\r\ncontent-length: *(\d+)", head.lower())
    assert match is not None, head
    return int(match.group(1))


async def _quiet_bytes(reader: asyncio.StreamReader) -> bytes:
    """Whatever arrives within ``_QUIET`` seconds (nothing, from a client that waits)."""
    try:
        return await asyncio.wait_for(reader.read(65536), _QUIET)
    except asyncio.TimeoutError:
        return b""


async def continue_then_echo_digest(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> bool:
    """Listen for early body bytes, send 100 Continue, read the body, answer 200 with
    the body's SHA-256 (keep-alive)."""
    early = await _quiet_bytes(reader)
    seen.early.append(early)
    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    length = _length(seen.heads[-1])
    body = early + await reader.readexactly(length - len(early))
    seen.bodies.append(body)
    digest = hashlib.sha256(body).hexdigest().encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(digest), digest))
    await writer.drain()
    return True


def refuse(status: bytes) -> Handler:
    """Answer *status* at once (keep-alive framing), then record every byte that
    still arrives until the client closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> bool:
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 4\r\n\r\nnope")
        await writer.drain()
        while data := await reader.read(65536):
            seen.after_head += data
        return False

    return handle


def _file_body(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "body.bin"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["bytes", "file", "large-bytes"])
def test_body_waits_for_100_continue(tmp_path: Path, kind: str) -> None:
    data = pattern_bytes(300_000 if kind == "large-bytes" else 70_000)
    path = _file_body(tmp_path, data)

    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            if kind == "file":
                with path.open("rb") as body:
                    resp = await session.post(f"http://{HOST}:{port}/up", data=body, expect100=True)
            else:
                resp = await session.post(f"http://{HOST}:{port}/up", data=data, expect100=True)
            async with resp:
                assert resp.status == 200
                assert await resp.text() == hashlib.sha256(data).hexdigest()

    with server(continue_then_echo_digest) as (port, seen):
        run(main(port))
    assert len(seen) == 1
    assert b"\r\nExpect: 100-continue\r\n" in seen[0].heads[0]
    assert seen[0].early == [b""]  # not one body byte before 100 Continue
    assert seen[0].bodies == [data]


def test_expect_field_given_by_the_caller_also_waits() -> None:
    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            headers = {"Expect": "100-Continue"}
            async with session.put(f"http://{HOST}:{port}/", data=b"payload", headers=headers) as resp:
                assert resp.status == 200

    with server(continue_then_echo_digest) as (port, seen):
        run(main(port))
    assert seen[0].early == [b""]
    assert seen[0].bodies == [b"payload"]


def test_connection_reused_after_a_continued_request() -> None:
    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            for i in range(3):
                async with session.post(f"http://{HOST}:{port}/", data=b"x" * (i + 1), expect100=True) as resp:
                    assert await resp.text() == hashlib.sha256(b"x" * (i + 1)).hexdigest()

    with server(continue_then_echo_digest) as (port, seen):
        run(main(port))
    assert len(seen) == 1  # keep-alive: one connection carried all three
    assert seen[0].early == [b"", b"", b""]
    assert seen[0].bodies == [b"x", b"xx", b"xxx"]


@pytest.mark.parametrize("status", [b"417 Expectation Failed", b"401 Unauthorized"])
@pytest.mark.parametrize("kind", ["bytes", "file", "chunked"])
def test_final_status_instead_of_100_sends_no_body(tmp_path: Path, status: bytes, kind: str) -> None:
    data = pattern_bytes(200_000)
    path = _file_body(tmp_path, data)

    async def body() -> Any:
        if kind == "bytes":
            return data
        if kind == "file":
            return path.open("rb")

        async def pieces() -> Any:
            yield data[:1000]
            yield data[1000:]

        return pieces()

    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):  # the second request must not reuse the first connection
                payload = await body()
                try:
                    async with session.post(f"http://{HOST}:{port}/", data=payload, expect100=True) as resp:
                        assert resp.status == int(status[:3])
                        assert await resp.read() == b"nope"
                finally:
                    if kind == "file":
                        payload.close()

    with server(refuse(status)) as (port, seen):
        run(main(port))
        for one in seen:
            assert one.closed.wait(5.0)  # the client closed the unfinished request's connection
    assert len(seen) == 2
    for one in seen:
        assert b"Expect: 100-continue" in one.heads[0]
        assert bytes(one.after_head) == b""


def test_sock_read_counts_while_waiting_for_100() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> bool:
        while data := await reader.read(65536):
            seen.after_head += data
        return False

    async def main(port: int) -> None:
        timeout = aiohttp.ClientTimeout(sock_read=0.3)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            with pytest.raises(aiohttp.SocketTimeoutError):
                await session.post(f"http://{HOST}:{port}/", data=b"never sent", expect100=True)

    with server(silent) as (port, seen):
        run(main(port))
        assert seen[0].closed.wait(5.0)
    assert bytes(seen[0].after_head) == b""


def test_expect100_without_a_body_sends_the_head_only() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> bool:
        seen.early.append(await _quiet_bytes(reader))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        return True

    async def main(port: int) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://{HOST}:{port}/", expect100=True) as resp:
                assert resp.status == 204

    with server(answer) as (port, seen):
        run(main(port))
    assert b"Expect: 100-continue" in seen[0].heads[0]
    assert seen[0].early == [b""]
