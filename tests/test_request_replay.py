"""A request sent again by a middleware (a retry after a 401, ``DigestAuthMiddleware``)
or by a 307/308 redirect sends its whole body again, from the start; a body that
cannot be sent again (an async iterable already read, a stream that cannot seek)
raises instead of going out wrong; and a body shorter than its ``Content-Length``
raises and closes the connection instead of leaving both sides waiting (issue 15
item 2).  Checked on the bytes a raw loopback server (or aiohttp.web) received."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request, response
from _servers import Reply, run, served_in_thread
from test_digest_auth import DigestServer, _serve

CONTENT = b"hello world"  # 11 bytes
UNAUTHORIZED = response(b"401 Unauthorized", b"Content-Length: 0")
#: Short enough that a hang fails fast, long enough for a loaded machine.
TIMEOUT = aiohttp.ClientTimeout(total=4)


async def retry_on_401(request: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
    """The reference's retry-middleware pattern: the same request sent twice."""
    resp = await handler(request)
    if resp.status == 401:
        resp.release()
        resp = await handler(request)
    return resp


def _file(tmp_path: Path, data: bytes = CONTENT) -> Path:
    path = tmp_path / "body.bin"
    path.write_bytes(data)
    return path


async def _post(url: str, data: Any, **kwargs: Any) -> int:
    async with aiohttp.ClientSession(middlewares=(retry_on_401,), timeout=TIMEOUT) as session:
        async with session.post(url, data=data, **kwargs) as resp:
            await resp.read()
            return resp.status


def _bodies(requests: list[bytes]) -> list[bytes]:
    return [parse_request(r)[2] for r in requests]


# Each factory makes the body from a file at *path* (holding CONTENT); the expected
# body bytes, for the ones whose framing is fixed.
BODIES: dict[str, tuple[Callable[[Path], Any], bytes | None]] = {
    "file": (lambda p: p.open("rb"), CONTENT),
    "file-offset": (lambda p: _seeked(p.open("rb"), 6), b"world"),
    "bytesio": (lambda p: io.BytesIO(p.read_bytes()), CONTENT),
    "bytes": (lambda p: p.read_bytes(), CONTENT),
    "str": (lambda p: p.read_text(), CONTENT),
    "json": (lambda p: aiohttp.JsonPayload({"k": p.read_text()}), json.dumps({"k": "hello world"}).encode()),
    "form-urlencoded": (lambda p: {"k": p.read_text()}, b"k=hello+world"),
    "form-multipart-file": (lambda p: _form_with_file(p), None),
    "multipart-writer-file": (lambda p: _multipart_with_file(p), None),
}


def _seeked(f: Any, pos: int) -> Any:
    f.seek(pos)
    return f


def _form_with_file(path: Path) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("name", "value")
    form.add_field("file", path.open("rb"), filename="body.bin")
    return form


def _multipart_with_file(path: Path) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("mixed")
    writer.append(path.open("rb"))
    writer.append("text part")
    return writer


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_retry_after_401_sends_the_same_body_again(raw_server, tmp_path: Path, kind: str) -> None:
    srv = raw_server([Reply.of(UNAUTHORIZED), Reply.of(OK)])
    make, expected = BODIES[kind]
    path = _file(tmp_path)

    async def main() -> int:
        return await _post(srv.url("/r"), make(path))

    assert run(main(), timeout=10) == 200
    first, second = _bodies(srv.requests)
    assert first == second, f"{kind}: the second send differs: {first!r} then {second!r}"
    if expected is not None:
        assert first == expected
    else:
        assert CONTENT in first
    heads = [parse_request(r)[1] for r in srv.requests]
    assert field_values(heads[0], "Content-Length") == field_values(heads[1], "Content-Length")
    assert srv.accepted == 1  # the 401's connection was fully used, then reused


@pytest.mark.parametrize("status", [b"307 Temporary Redirect", b"308 Permanent Redirect"])
def test_redirect_resends_a_file_body_from_its_start(raw_server, tmp_path: Path, status: bytes) -> None:
    srv = raw_server([Reply.of(response(status, b"Location: /next", b"Content-Length: 0")), Reply.of(OK)])
    path = _file(tmp_path)

    async def main() -> int:
        with path.open("rb") as f:
            return await _post(srv.url("/r"), f)

    assert run(main(), timeout=10) == 200
    assert _bodies(srv.requests) == [CONTENT, CONTENT]


def test_compressed_and_chunked_file_bodies_are_resent_whole(raw_server, tmp_path: Path) -> None:
    import zlib

    srv = raw_server([Reply.of(UNAUTHORIZED), Reply.of(OK), Reply.of(UNAUTHORIZED), Reply.of(OK)])
    data = os.urandom(300_000)  # more than one file read
    path = _file(tmp_path, data)

    async def main() -> None:
        with path.open("rb") as f:
            assert await _post(srv.url("/c"), f, compress="deflate") == 200
        with path.open("rb") as f:
            assert await _post(srv.url("/k"), f, chunked=True) == 200

    run(main(), timeout=20)
    bodies = [_dechunk(b) for b in _bodies(srv.requests)]
    assert [zlib.decompress(b) for b in bodies[:2]] == [data, data]
    assert bodies[2:] == [data, data]


def _dechunk(body: bytes) -> bytes:
    out, pos = [], 0
    for _ in range(100_000):
        nl = body.index(b"\r\n", pos)
        size = int(body[pos:nl], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[nl + 2 : nl + 2 + size])
        pos = nl + 2 + size + 2
    raise AssertionError("too many chunks")


def test_async_iterable_cannot_be_resent(raw_server) -> None:
    srv = raw_server([Reply.of(UNAUTHORIZED), Reply.of(OK)])

    async def gen() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async def main() -> None:
        with pytest.raises(aiohttp.ClientPayloadError, match="cannot be sent again"):
            await _post(srv.url("/g"), gen())

    run(main(), timeout=10)
    assert len(srv.requests) == 1  # never a second request with an empty body
    assert _dechunk(_bodies(srv.requests)[0]) == CONTENT


def test_unseekable_stream_cannot_be_resent(raw_server) -> None:
    srv = raw_server([Reply.of(UNAUTHORIZED), Reply.of(OK)])
    read_end, write_end = os.pipe()
    os.write(write_end, CONTENT)
    os.close(write_end)

    async def main() -> None:
        with open(read_end, "rb", buffering=0) as pipe:
            with pytest.raises(aiohttp.ClientPayloadError, match="cannot be sent again"):
                await _post(srv.url("/p"), pipe)

    run(main(), timeout=10)
    assert len(srv.requests) == 1
    assert _dechunk(_bodies(srv.requests)[0]) == CONTENT


class _RecordingDigestServer(DigestServer):
    def __init__(self) -> None:
        super().__init__("SHA-256", "auth", {"u": "pw"})
        self.bodies: list[bytes] = []

    async def handle(self, request: Any) -> Any:
        self.bodies.append(await request.read())
        return await super().handle(request)


@pytest.mark.parametrize("kind", ["file", "bytesio", "form-multipart-file"])
def test_digest_auth_resends_the_body(tmp_path: Path, kind: str) -> None:
    server = _RecordingDigestServer()
    path = _file(tmp_path)

    async def main() -> None:
        runner = await _serve(server)
        try:
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/upload"
            mw = aiohttp.DigestAuthMiddleware("u", "pw")
            async with aiohttp.ClientSession(middlewares=(mw,), timeout=TIMEOUT) as session:
                async with session.post(url, data=BODIES[kind][0](path)) as resp:
                    assert resp.status == 200 and await resp.text() == "hello u"
        finally:
            await runner.cleanup()

    run(main(), timeout=10)
    assert len(server.bodies) == 2 and server.seen[0] is None and server.seen[1] is not None
    assert server.bodies[0] == server.bodies[1] and CONTENT in server.bodies[0]


# --------------------------------------------------------------------------------------
# A body shorter than its Content-Length
# --------------------------------------------------------------------------------------


def test_file_truncated_after_the_payload_was_made_raises(raw_server, tmp_path: Path) -> None:
    srv = raw_server(Reply.of(OK))
    path = _file(tmp_path)

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            with path.open("rb") as f:
                payload = aiohttp.get_payload(f)  # its size is taken now: 11
                path.write_bytes(b"hello")
                with pytest.raises(aiohttp.ClientConnectionError, match="5 of the 11 bytes") as info:
                    async with session.post(srv.url("/t"), data=payload):
                        pass
                assert not isinstance(info.value, aiohttp.ServerTimeoutError)

    run(main(), timeout=10)
    assert srv.requests == []  # the server never saw a complete request
    assert srv.connections[0].closed_by_peer.wait(5)
    assert srv.received.endswith(b"Content-Length: 11\r\n\r\nhello")


@pytest.mark.parametrize("kind", ["bytes", "bytesio", "file"])
def test_content_length_larger_than_the_body_raises(raw_server, tmp_path: Path, kind: str) -> None:
    srv = raw_server(Reply.of(OK))
    path = _file(tmp_path)

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            body = BODIES[kind][0](path)
            with pytest.raises(aiohttp.ClientConnectionError, match="11 of the 20 bytes") as info:
                async with session.post(srv.url("/t"), data=body, headers={"Content-Length": "20"}):
                    pass
            assert not isinstance(info.value, aiohttp.ServerTimeoutError)
            async with session.post(srv.url("/ok"), data=b"x") as resp:  # the session goes on
                assert resp.status == 200

    run(main(), timeout=10)
    assert [parse_request(r)[0] for r in srv.requests] == ["POST /ok HTTP/1.1"]
    assert srv.accepted == 2  # the broken connection was never reused


# --------------------------------------------------------------------------------------
# An answer before the body was read: the next send starts while the first still writes
# --------------------------------------------------------------------------------------


class _EarlyAnswerServer:
    """The first request is answered 401 as soon as its head arrives, its body never
    read (the connection stays open until the test ends); every later request gets
    ``100 Continue`` if it asks, is read whole and answered with its body's SHA-256.
    """

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.digests: list[str] = []
        self.done: asyncio.Event | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.done is None:
            self.done = asyncio.Event()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                if len(self.heads) == 1:
                    writer.write(UNAUTHORIZED)
                    await writer.drain()
                    await asyncio.wait_for(self.done.wait(), 15)
                    return
                if b"\r\nexpect: 100-continue" in head.lower():
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                match = re.search(rb"\r\ncontent-length: *(\d+)", head.lower())
                remaining = int(match.group(1)) if match else 0
                digest = hashlib.sha256()
                while remaining:
                    piece = await reader.read(min(remaining, 2**18))
                    if not piece:
                        return
                    digest.update(piece)
                    remaining -= len(piece)
                self.digests.append(digest.hexdigest())
                writer.write(OK)
                await writer.drain()
                self.done.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.mark.parametrize("release_first", [True, False], ids=["released", "not-released"])
@pytest.mark.parametrize("expect100", [False, True], ids=["plain", "expect100"])
def test_resend_after_an_early_answer(tmp_path: Path, release_first: bool, expect100: bool) -> None:
    data = os.urandom(16 * 2**20)  # more than the socket buffers take: the first writer waits
    path = _file(tmp_path, data)
    server = _EarlyAnswerServer()

    async def retry(request: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        resp = await handler(request)
        if resp.status == 401:
            if release_first:
                resp.release()
            resp = await handler(request)
        return resp

    async def main(port: int) -> None:
        tracker = aiohttp.UploadTracker()
        async with aiohttp.ClientSession(middlewares=(retry,), timeout=aiohttp.ClientTimeout(total=20)) as session:
            with path.open("rb") as f:
                async with session.put(
                    f"http://127.0.0.1:{port}/u", data=f, expect100=expect100, upload_tracker=tracker
                ) as resp:
                    assert resp.status == 200
            await asyncio.wait_for(tracker.upload_complete, 5)  # the last attempt sent it all
            assert tracker.bytes_written == len(data)

    with served_in_thread("early", lambda loop: asyncio.start_server(server.handle, "127.0.0.1", 0)) as srv:
        run(main(srv.sockets[0].getsockname()[1]), timeout=30)
    assert server.digests == [hashlib.sha256(data).hexdigest()]
    assert len(server.heads) == 2


class _SlowFile(io.FileIO):
    """A file on a slow disk: each read takes a while (in the executor thread)."""

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        time.sleep(0.02)
        return super().read(size)


def test_resend_waits_for_a_read_still_running_in_the_executor(tmp_path: Path) -> None:
    """The first writer is cancelled twice (the 401 released, then the resend stops
    it) while its read runs in the executor: the resend must not read the file
    concurrently with it (a moved position sends a short, garbled body)."""
    data = os.urandom(8 * 2**20)
    path = _file(tmp_path, data)
    server = _EarlyAnswerServer()

    async def main(port: int) -> None:
        async with aiohttp.ClientSession(middlewares=(retry_on_401,), timeout=aiohttp.ClientTimeout(total=20)) as s:
            with _SlowFile(path, "rb") as f:
                async with s.put(f"http://127.0.0.1:{port}/u", data=f) as resp:
                    assert resp.status == 200

    with served_in_thread("early", lambda loop: asyncio.start_server(server.handle, "127.0.0.1", 0)) as srv:
        run(main(srv.sockets[0].getsockname()[1]), timeout=30)
    assert server.digests == [hashlib.sha256(data).hexdigest()]


@pytest.mark.parametrize("kind", ["bytes", "bytes-with-length", "file", "async-iterable"])
def test_update_body_between_sends_reframes_the_request(raw_server, tmp_path: Path, kind: str) -> None:
    """A middleware replacing the body after a 401 (``update_body``): the new body goes
    out with its own Content-Length (as aiohttp 3.14.5), never the old framing."""
    srv = raw_server([Reply.of(UNAUTHORIZED), Reply.of(OK)])
    path = _file(tmp_path)

    async def gen() -> AsyncIterator[bytes]:
        yield CONTENT

    async def replace_on_401(request: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        resp = await handler(request)
        if resp.status == 401:
            resp.release()
            await request.update_body(b"short")
            resp = await handler(request)
        return resp

    async def main() -> None:
        headers = {"Content-Length": "11"} if kind == "bytes-with-length" else None
        data = {"file": lambda: path.open("rb"), "async-iterable": gen}.get(kind, lambda: CONTENT)()
        async with aiohttp.ClientSession(middlewares=(replace_on_401,), timeout=TIMEOUT) as session:
            async with session.post(srv.url("/u"), data=data, headers=headers) as resp:
                assert resp.status == 200

    run(main(), timeout=10)
    first, second = (parse_request(r) for r in srv.requests)
    assert second[2] == b"short"
    assert field_values(second[1], "Content-Length") == ["5"]
    assert not field_values(second[1], "Transfer-Encoding")
    assert (_dechunk(first[2]) if kind == "async-iterable" else first[2]) == CONTENT
