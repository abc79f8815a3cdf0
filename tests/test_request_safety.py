"""Safety of the request path: credentials on cross-origin redirects, redirect
counting, the HTTP version, early responses during a streamed upload, file bodies
read off the event loop, and a half-built session.  Real peers on 127.0.0.1."""

import asyncio
import gc
import io
import os
import threading
import warnings
from collections.abc import AsyncIterator

import pytest
from multidict import CIMultiDict

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request, response
from _servers import Reply, run

# --------------------------------------------------------------------------------------
# Redirect credentials: two origins on two ports; the second one's raw bytes checked
# --------------------------------------------------------------------------------------

_SECRETS = ("s3cret", "second-copy", "proxy-pass", "sid=1", "per=req", "Basic ")


def _redirect_to(url: str, status: bytes = b"302 Found") -> bytes:
    return response(status, b"Location: " + url.encode(), b"Content-Length: 0")


@pytest.mark.parametrize("status", [b"301 Moved Permanently", b"302 Found", b"307 Temporary Redirect"])
def test_cross_origin_redirect_drops_every_credential(raw_server, status: bytes) -> None:
    second = raw_server(Reply.of(OK))
    first = raw_server(Reply.of(_redirect_to(second.url("/landed"), status)))
    headers = CIMultiDict(
        [
            ("Authorization", "Bearer s3cret"),
            ("authorization", "Bearer second-copy"),
            ("Proxy-Authorization", "Basic proxy-pass"),
            ("cookie", "sid=1"),
            ("X-Keep", "yes"),
        ]
    )

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(first.url("/start"), headers=headers, cookies={"per": "req"}) as resp:
                assert await resp.read() == b"ok"
                assert resp.url.port == second.port
                assert len(resp.history) == 1

    run(main())
    sent_first = first.requests[0]
    assert b"s3cret" in sent_first and b"second-copy" in sent_first and b"per=req" in sent_first
    received = second.received
    assert received.startswith(b"GET /landed HTTP/1.1\r\n")
    for secret in _SECRETS:
        assert secret.encode() not in received, secret
    _line, fields, _body = parse_request(second.requests[0])
    assert field_values(fields, "X-Keep") == ["yes"]
    assert not field_values(fields, "Authorization") and not field_values(fields, "Cookie")


def test_cross_origin_redirect_drops_per_request_auth(raw_server) -> None:
    second = raw_server(Reply.of(OK))
    first = raw_server(Reply.of(_redirect_to(second.url("/x"))))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            auth = aiohttp.BasicAuth("user", "pass")
            async with session.get(first.url(), auth=auth) as resp:
                await resp.read()

    run(main())
    assert b"Authorization: Basic" in first.requests[0]
    assert b"Authorization" not in second.received


def test_same_origin_redirect_keeps_credentials(raw_server) -> None:
    srv = raw_server([Reply.of(_redirect_to("/next")), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/"), headers={"Authorization": "Bearer s3cret"}, cookies={"a": "b"}) as r:
                await r.read()

    run(main())
    _line, fields, _ = parse_request(srv.requests[1])
    assert field_values(fields, "Authorization") == ["Bearer s3cret"]
    assert field_values(fields, "Cookie") == ["a=b"]


# --------------------------------------------------------------------------------------
# max_redirects counts as aiohttp 3.14 does
# --------------------------------------------------------------------------------------


def _count_redirects(srv_url: str, module, **kwargs) -> tuple[str, int]:
    async def main() -> tuple[str, int]:
        async with module.ClientSession() as session:
            try:
                async with session.get(srv_url, **kwargs) as resp:
                    await resp.read()
                    return f"status {resp.status}", len(resp.history)
            except module.TooManyRedirects as exc:
                return "TooManyRedirects", len(exc.history)

    return run(main())


@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("max_redirects", [1, 2, 3, 10])
def test_max_redirects_counts_like_aiohttp(raw_server, max_redirects: int) -> None:
    import aiohttp as reference

    srv = raw_server(Reply.of(_redirect_to("/loop")))
    ours = _count_redirects(srv.url("/loop"), aiohttp, max_redirects=max_redirects)
    theirs = _count_redirects(srv.url("/loop"), reference, max_redirects=max_redirects)
    assert ours == theirs == ("TooManyRedirects", max_redirects)


def test_max_redirects_zero_means_no_limit(raw_server) -> None:
    srv = raw_server([Reply.of(_redirect_to(f"/{i + 1}")) for i in range(15)] + [Reply.of(OK)])
    assert _count_redirects(srv.url("/0"), aiohttp, max_redirects=0) == ("status 200", 15)


def test_history_of_a_followed_redirect(raw_server) -> None:
    srv = raw_server([Reply.of(_redirect_to("/a")), Reply.of(_redirect_to("/b")), Reply.of(OK)])
    assert _count_redirects(srv.url("/"), aiohttp) == ("status 200", 2)


# --------------------------------------------------------------------------------------
# version=
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    ["1.1\r\nX-Injected: 1", "HTTP/1.1", "1.x", (1, "1"), (1, 1, 0), (1.0, 1), (True, 1), (1, 10), "11"],
)
def test_bad_version_is_refused_before_a_byte_is_written(raw_server, version: object) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(version=version) as session:  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                await session.get(srv.url())

    run(main())
    assert srv.received == b""


@pytest.mark.parametrize("version", [aiohttp.HttpVersion10, aiohttp.HttpVersion(1, 1), (1, 0), "1.0"])
def test_good_version_reaches_the_request_line(raw_server, version: object) -> None:
    srv = raw_server(Reply.of(OK, close=True))

    async def main() -> None:
        async with aiohttp.ClientSession(version=version) as session:  # type: ignore[arg-type]
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    expected = b"1.1" if tuple(version) == (1, 1) else b"1.0"  # type: ignore[arg-type]
    assert srv.requests[0].startswith(b"GET / HTTP/" + expected + b"\r\n")


# --------------------------------------------------------------------------------------
# An early response during a streamed upload
# --------------------------------------------------------------------------------------


class _EarlyAnswer:
    """Answers 413 as soon as a request head arrived (not waiting for the body),
    and records the bytes of each connection."""

    def __init__(self) -> None:
        self.connections: list[bytearray] = []
        self.server: asyncio.AbstractServer

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = bytearray()
        self.connections.append(received)
        answered = False
        try:
            for _ in range(10000):  # bounded
                data = await reader.read(65536)
                if not data:
                    break
                received += data
                if not answered and b"\r\n\r\n" in received:
                    answered = True
                    writer.write(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig")
        except ConnectionError:
            pass
        finally:
            writer.close()


def test_early_response_stops_the_upload_and_never_reuses_the_connection() -> None:
    peer = _EarlyAnswer()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(50):
            yield b"x" * 1000
            await asyncio.sleep(0.02)

    async def main() -> None:
        base = await peer.start()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(base + "/upload", data=body()) as resp:
                    assert resp.status == 413
                    assert await resp.read() == b"big"
                req = resp._request
                async with session.get(base + "/next") as resp2:
                    assert resp2.status == 413
                    await resp2.read()
                assert req._write_task is not None and req._write_task.done()
        finally:
            peer.server.close()
            await peer.server.wait_closed()

    run(main())
    assert len(peer.connections) == 2
    first, second = peer.connections
    assert b"GET /next" not in first
    assert second.startswith(b"GET /next HTTP/1.1\r\n")
    assert first.count(b"x" * 1000) < 50  # the upload was stopped, not finished


# --------------------------------------------------------------------------------------
# File bodies are read off the event loop
# --------------------------------------------------------------------------------------


class _ThreadRecordingFile(io.BufferedReader):
    """A file on disk whose reads record the thread they ran on (a blocking-call
    detector for file bodies: a read on the loop's thread would block the loop)."""

    def __init__(self, path: "os.PathLike[str]") -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.read_threads: set[int] = set()

    def read(self, size: "int | None" = -1) -> bytes:
        self.read_threads.add(threading.get_ident())
        return super().read(size)

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # the reused-buffer path (issue 20)
        self.read_threads.add(threading.get_ident())
        return super().readinto(buffer)


def test_file_body_is_read_in_the_executor(raw_server, tmp_path) -> None:
    srv = raw_server(Reply.of(OK))
    payload = bytes(range(256)) * 1000
    (tmp_path / "body.bin").write_bytes(payload)
    upload = _ThreadRecordingFile(tmp_path / "body.bin")
    loop_thread: list[int] = []

    async def main() -> None:
        loop_thread.append(threading.get_ident())
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/f"), data=upload) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert parse_request(srv.requests[0])[2] == payload
    assert upload.read_threads and loop_thread[0] not in upload.read_threads
    assert upload.closed  # the session closes a file body when the request is over


def test_file_body_is_resent_on_307(raw_server) -> None:
    srv = raw_server([Reply.of(_redirect_to("/again", b"307 Temporary Redirect")), Reply.of(OK)])
    payload = b"file-body" * 1000

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/f"), data=io.BytesIO(payload)) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert [parse_request(r)[2] for r in srv.requests] == [payload, payload]


def test_consumed_iterator_body_cannot_follow_307(raw_server) -> None:
    srv = raw_server([Reply.of(_redirect_to("/again", b"307 Temporary Redirect"))])

    async def gen() -> AsyncIterator[bytes]:
        yield b"once"

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientPayloadError):
                await session.post(srv.url("/f"), data=gen())

    run(main())
    assert len(srv.requests) == 1


# --------------------------------------------------------------------------------------
# A refused option leaves no noise from __del__
# --------------------------------------------------------------------------------------


def test_half_built_session_del_is_quiet() -> None:
    unraisable: list[object] = []

    async def main() -> None:
        with pytest.raises(ValueError):
            aiohttp.ClientSession(base_url="http://example.com/path")
        with pytest.raises(ValueError):
            aiohttp.ClientSession(timeout="soon")
        gc.collect()

    import sys

    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(main())
            gc.collect()
    finally:
        sys.unraisablehook = old_hook
    assert unraisable == []
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
