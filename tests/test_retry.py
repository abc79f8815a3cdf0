"""``RetryMiddleware`` (issue 19 part 2) against real peers on 127.0.0.1: a raw server
that fails N times in each way (refused, reset mid-head, 503 with Retry-After, 429
with an HTTP-date), counting what it received byte for byte; and the features it
meets (redirects, DigestAuthMiddleware on either side, the total timeout,
cancellation during the backoff, pooling after a reset, tracing).

No timing asserts: the sleep is injected and records the delays it was asked for.
"""

from __future__ import annotations

import asyncio
import socket
from email.utils import formatdate
from typing import Any

import pytest
from multidict import CIMultiDict
from yarl import URL

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request, response
from _servers import HOST, Reply, run
from _sleeps import Sleeps
from aiohttp_client.retry import RetryError, RetryMiddleware, parse_retry_after, retry_history


def retrying(sleeps: Sleeps, **kwargs: Any) -> RetryMiddleware:
    return RetryMiddleware(sleep=sleeps, random=lambda: 0.5, backoff_factor=0.01, **kwargs)


UNAVAILABLE = response(b"503 Service Unavailable", b"Retry-After: 7", b"Content-Length: 4", body=b"busy")
FAILED_HEAD = Reply.of(b"HTTP/1.1 200 O", close=True)  # the connection drops in the middle of the head


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(date, "Wed, 21 Oct 2015 07:27:58 GMT") == 2.0
    assert parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:30 1994") == 7.0  # RFC 850, asctime
    assert parse_retry_after(date, now=0.0) == 1445412480.0
    assert parse_retry_after(date, "Wed, 21 Oct 2015 07:30:00 GMT") == 0.0  # in the past
    for bad in ("", "-1", "1.5", "soon", "\u0661"):  # ARABIC-INDIC DIGIT ONE is not an ASCII digit
        assert parse_retry_after(bad) is None


def test_backoff_is_exponential_with_full_jitter_and_a_maximum() -> None:
    policy = RetryMiddleware(backoff_factor=0.5, backoff_max=3.0, random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert RetryMiddleware(random=lambda: 0.0).backoff(1) == 0.0
    with pytest.raises(ValueError):
        RetryMiddleware(total=-1)


def test_503_with_retry_after_seconds_is_retried_byte_for_byte(raw_server) -> None:
    srv = raw_server([Reply.of(UNAVAILABLE), Reply.of(UNAVAILABLE), Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
            async with session.get(srv.url("/r?x=1"), headers={"X-Id": "7"}) as resp:
                assert (resp.status, await resp.read()) == (200, b"ok")
                history = retry_history(resp)
        assert [(a.status, a.exception, a.delay) for a in history] == [(503, None, 7.0), (503, None, 7.0)]
        assert str(history[0].url) == srv.url("/r?x=1")

    run(main())
    assert sleeps.delays == [7.0, 7.0]
    requests = srv.requests
    assert len(requests) == 3 and requests[0] == requests[1] == requests[2]
    assert requests[0].startswith(b"GET /r?x=1 HTTP/1.1\r\n") and b"\r\nX-Id: 7\r\n" in requests[0]
    assert srv.accepted == 1  # a drained 503 leaves its connection in the pool


def test_429_with_an_http_date_waits_until_that_date_by_the_servers_clock(raw_server) -> None:
    now = 1_700_000_000.0
    busy = response(
        b"429 Too Many Requests",
        b"Date: " + formatdate(now, usegmt=True).encode(),
        b"Retry-After: " + formatdate(now + 3, usegmt=True).encode(),
        b"Content-Length: 0",
    )
    srv = raw_server([Reply.of(busy), Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 200
                assert [a.status for a in retry_history(resp)] == [429]

    run(main())
    assert sleeps.delays == [3.0]
    assert len(srv.requests) == 2


def test_retry_after_is_capped(raw_server) -> None:
    far = response(b"503 Service Unavailable", b"Retry-After: 86400", b"Content-Length: 0")
    srv = raw_server([Reply.of(far), Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps, retry_after_max=0.25)]) as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 200

    run(main())
    assert sleeps.delays == [0.25]


def test_reset_mid_head_is_retried_on_a_new_connection_and_pooling_resumes(raw_server) -> None:
    srv = raw_server([FAILED_HEAD, FAILED_HEAD, Reply.of(OK), Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
            async with session.get(srv.url("/a")) as resp:
                assert await resp.read() == b"ok"
                kinds = [type(a.exception) for a in retry_history(resp)]
                assert kinds == [aiohttp.ServerDisconnectedError] * 2
            async with session.get(srv.url("/b")) as resp:  # the good connection is reused
                assert await resp.read() == b"ok"
                assert retry_history(resp) == ()

    run(main())
    assert sleeps.delays == [0.005, 0.01]  # random() 0.5 times 0.01 * 2 ** (n - 1)
    assert srv.accepted == 3  # each broken connection was closed, never pooled
    assert [len(c.requests) for c in srv.connections] == [1, 1, 2]
    first, second, third = srv.requests[:3]
    assert first == second == third


def test_refused_connection_is_retried_until_the_server_is_up() -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket is closed
    received: list[bytes] = []
    servers: list[asyncio.AbstractServer] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nup")
        await writer.drain()
        writer.close()

    class StartOnSecondSleep(Sleeps):
        async def __call__(self, delay: float) -> None:
            await super().__call__(delay)
            if len(self.delays) == 2:
                servers.append(await asyncio.start_server(handle, HOST, port))

    sleeps = StartOnSecondSleep()

    async def main() -> None:
        try:
            async with aiohttp.ClientSession(middlewares=[retrying(sleeps, connect=2)]) as session:
                async with session.post(f"http://{HOST}:{port}/p", data=b"payload") as resp:  # any method
                    assert await resp.read() == b"up"
                    errors = [a.exception for a in retry_history(resp)]
        finally:
            for server in servers:
                server.close()
                await server.wait_closed()
        assert [type(e) for e in errors] == [aiohttp.ClientConnectorError] * 2

    run(main())
    assert len(received) == 1 and received[0].startswith(b"POST /p HTTP/1.1\r\n")


def test_connect_budget_is_kept_and_the_last_error_raised_with_its_history() -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps, total=5, connect=1)]) as session:
            with pytest.raises(aiohttp.ClientConnectorError) as info:
                await session.get(f"http://{HOST}:{port}/")
        assert len(retry_history(info.value)) == 1

    run(main())
    assert len(sleeps.delays) == 1


def test_file_body_is_replayed_from_its_start(raw_server, tmp_path) -> None:
    path = tmp_path / "upload.bin"
    content = bytes(range(256)) * 1000
    path.write_bytes(content)
    srv = raw_server([Reply.of(UNAVAILABLE), FAILED_HEAD, Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
            with path.open("rb") as f:
                async with session.put(srv.url("/up"), data=f) as resp:
                    assert resp.status == 200

    run(main())
    requests = srv.requests
    assert len(requests) == 3 and requests[0] == requests[1] == requests[2]
    _, fields, body = parse_request(requests[0])
    assert body == content and field_values(fields, "Content-Length") == [str(len(content))]


@pytest.mark.parametrize(
    "data",
    [b"raw bytes", "some text", {"form": "field"}, None],
    ids=["bytes", "str", "form", "json"],
)
def test_in_memory_bodies_are_replayed(raw_server, data: Any) -> None:
    srv = raw_server([Reply.of(UNAVAILABLE), Reply.of(OK)])
    kwargs = {"json": {"a": [1, 2]}} if data is None else {"data": data}

    async def main() -> None:
        policy = retrying(Sleeps(), allowed_methods={"POST"})
        async with aiohttp.ClientSession(middlewares=[policy]) as session:
            async with session.post(srv.url(), **kwargs) as resp:
                assert resp.status == 200

    run(main())
    first, second = srv.requests
    assert first == second and parse_request(first)[2]


def test_post_is_not_retried_by_default(raw_server) -> None:
    srv = raw_server([Reply.of(UNAVAILABLE), FAILED_HEAD, Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
            async with session.post(srv.url(), data=b"x") as resp:
                assert resp.status == 503 and retry_history(resp) == ()
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await session.post(srv.url(), data=b"x")  # a read error: the server may have acted

    run(main())
    assert sleeps.delays == [] and len(srv.requests) == 2


def test_one_shot_async_iterable_is_not_replayed_and_the_error_says_why(raw_server) -> None:
    srv = raw_server([Reply.of(UNAVAILABLE), Reply.of(OK)])

    async def chunks() -> Any:
        yield b"one-"
        yield b"shot"

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())]) as session:
            with pytest.raises(RetryError) as info:
                await session.put(srv.url(), data=chunks())
        message = str(info.value)
        assert "not retried after status 503" in message
        assert "AsyncIterablePayload" in message and "cannot be sent again" in message
        assert info.value.status == 503 and isinstance(info.value, aiohttp.ClientError)

    run(main())
    assert len(srv.requests) == 1 and srv.requests[0].endswith(b"4\r\none-\r\n4\r\nshot\r\n0\r\n\r\n")


def test_status_budget_returns_the_last_response(raw_server) -> None:
    srv = raw_server(Reply.of(UNAVAILABLE))
    sleeps = Sleeps()

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps, total=5, status=2)]) as session:
            async with session.get(srv.url()) as resp:
                assert (resp.status, await resp.read()) == (503, b"busy")
                assert len(retry_history(resp)) == 2

    run(main())
    assert len(srv.requests) == 3


def test_502_and_504_are_opt_in(raw_server) -> None:
    bad_gateway = response(b"502 Bad Gateway", b"Content-Length: 0")
    srv = raw_server([Reply.of(bad_gateway), Reply.of(bad_gateway), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())]) as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 502
        policy = retrying(Sleeps(), status_forcelist={502, 503, 504})
        async with aiohttp.ClientSession(middlewares=[policy]) as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 200

    run(main())
    assert len(srv.requests) == 3


def test_no_wait_past_the_total_timeout(raw_server) -> None:
    long_wait = response(b"503 Service Unavailable", b"Retry-After: 30", b"Content-Length: 0")
    srv = raw_server([Reply.of(long_wait), Reply.of(long_wait), Reply.of(OK)])
    sleeps = Sleeps()

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)], timeout=timeout) as session:
            async with session.get(srv.url()) as resp:
                assert resp.status == 503 and retry_history(resp) == ()  # 30 s would end after the 20 s
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:  # the default 300 s
            async with session.get(srv.url()) as resp:
                assert resp.status == 200

    run(main())
    assert sleeps.delays == [30.0]


def test_cancellation_during_the_backoff(raw_server) -> None:
    srv = raw_server([Reply.of(UNAVAILABLE), Reply.of(OK)])

    async def main() -> None:
        policy = RetryMiddleware(retry_after_max=60)  # the real asyncio.sleep: 7 s
        async with aiohttp.ClientSession(middlewares=[policy]) as session:
            task = asyncio.ensure_future(session.get(srv.url()))
            for _ in range(500):  # until the 503 was answered and drained (bounded)
                await asyncio.sleep(0.01)
                if len(srv.requests) == 1 and session.connector is not None and session.connector._conns:
                    break
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            async with session.get(srv.url()) as resp:  # the pooled connection still works
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 1 and len(srv.requests) == 2


def test_redirect_inside_a_retried_request(raw_server) -> None:
    moved = response(b"302 Found", b"Location: /b", b"Content-Length: 0")
    srv = raw_server([Reply.of(moved), Reply.of(UNAVAILABLE), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())]) as session:
            async with session.get(srv.url("/a")) as resp:
                assert (resp.status, str(resp.url)) == (200, srv.url("/b"))
                assert [r.status for r in resp.history] == [302]
                assert [(a.status, a.url.path) for a in retry_history(resp)] == [(503, "/b")]

    run(main())
    assert [r.split(b" ")[1] for r in srv.requests] == [b"/a", b"/b", b"/b"]


DIGEST_CHALLENGE = response(
    b"401 Unauthorized",
    b'WWW-Authenticate: Digest realm="r", nonce="n0", qop="auth", algorithm=MD5',
    b"Content-Length: 0",
)


@pytest.mark.parametrize(
    ("retry_first", "expected_nc"),
    [(True, ["00000001", "00000002"]), (False, ["00000001", "00000001"])],
    ids=["retry-outside-digest", "retry-inside-digest"],
)
def test_digest_auth_before_and_after(raw_server, retry_first: bool, expected_nc: list[str]) -> None:
    srv = raw_server([Reply.of(DIGEST_CHALLENGE), Reply.of(UNAVAILABLE), Reply.of(OK)])

    async def main() -> None:
        retry, digest = retrying(Sleeps()), aiohttp.DigestAuthMiddleware("user", "pass")
        chain = [retry, digest] if retry_first else [digest, retry]
        async with aiohttp.ClientSession(middlewares=chain) as session:
            async with session.get(srv.url("/secret")) as resp:
                assert resp.status == 200 and [a.status for a in retry_history(resp)] == [503]

    run(main())
    first, *authorized = srv.requests
    assert field_values(parse_request(first)[1], "Authorization") == []
    counts = []
    for raw in authorized:
        (value,) = field_values(parse_request(raw)[1], "Authorization")
        counts.append(value.split("nc=")[1].split(",")[0])
    # Outside, each retry passes through the digest middleware again (a fresh nonce count);
    # inside, the retried request is sent again as it was, nonce count included.
    assert counts == expected_nc


def test_on_request_retry_signal_shares_the_request_context(raw_server) -> None:
    srv = raw_server([FAILED_HEAD, Reply.of(UNAVAILABLE), Reply.of(OK)])
    seen: list[tuple[str, Any, Any]] = []

    async def on_start(_session: Any, ctx: Any, params: Any) -> None:
        seen.append(("start", ctx, params))

    async def on_retry(_session: Any, ctx: Any, params: Any) -> None:
        seen.append(("retry", ctx, params))

    config = aiohttp.TraceConfig()
    config.on_request_start.append(on_start)
    config.on_request_retry.append(on_retry)

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())], trace_configs=[config]) as session:
            async with session.get(srv.url("/t")) as resp:
                assert resp.status == 200

    run(main())
    assert [kind for kind, _, _ in seen] == ["start", "retry", "retry"]
    assert seen[1][1] is seen[0][1] is seen[2][1]
    first, second = seen[1][2], seen[2][2]
    assert isinstance(first, aiohttp.TraceRequestRetryParams)
    assert (first.method, first.url.path, first.attempt, first.status) == ("GET", "/t", 2, None)
    assert isinstance(first.exception, aiohttp.ServerDisconnectedError)
    assert (second.attempt, second.status, second.exception, second.delay) == (3, 503, None, 7.0)


def test_sock_read_timeout_is_a_read_error(raw_server) -> None:
    srv = raw_server([Reply(hang=True), Reply.of(OK)])  # the first request never gets an answer
    sleeps = Sleeps()

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(sock_read=0.2)
        async with aiohttp.ClientSession(middlewares=[retrying(sleeps)], timeout=timeout) as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"
                assert [type(a.exception) for a in retry_history(resp)] == [aiohttp.SocketTimeoutError]

    run(main())
    assert len(sleeps.delays) == 1 and srv.accepted == 2


def test_tls_errors_are_not_retried() -> None:
    accepted: list[int] = []

    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")  # not a TLS record
        await writer.drain()
        writer.close()

    sleeps = Sleeps()

    async def main() -> None:
        server = await asyncio.start_server(plain_http, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with aiohttp.ClientSession(middlewares=[retrying(sleeps)]) as session:
                with pytest.raises(aiohttp.ClientSSLError):
                    await session.get(f"https://{HOST}:{port}/")
        finally:
            server.close()
            await server.wait_closed()

    run(main())
    assert sleeps.delays == [] and accepted == [1]


def test_multipart_form_with_a_file_is_replayed(raw_server) -> None:
    import io

    srv = raw_server([Reply.of(UNAVAILABLE), Reply.of(OK)])

    async def main() -> None:
        form = aiohttp.FormData()
        form.add_field("name", "value")
        form.add_field("file", io.BytesIO(b"file content " * 100), filename="f.bin")
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())]) as session:
            async with session.put(srv.url(), data=form) as resp:
                assert resp.status == 200

    run(main())
    first, second = srv.requests
    assert first == second and b"file content " * 100 in first


def test_cancellation_while_draining_a_failed_response_releases_it(raw_server) -> None:
    slow_body = response(b"503 Service Unavailable", b"Content-Length: 100", body=b"0123456789")
    srv = raw_server(Reply.of(slow_body, hang=True))  # 90 bytes of the body never come

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=[retrying(Sleeps())]) as session:
            task = asyncio.ensure_future(session.get(srv.url()))
            for _ in range(500):  # until the request was answered (bounded)
                await asyncio.sleep(0.01)
                if srv.requests:
                    break
            await asyncio.sleep(0.05)  # the head is in: the middleware is reading the body
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            closed = srv.connections[0].closed_by_peer
            for _ in range(200):  # the released response closed its connection (bounded wait)
                if closed.is_set():
                    break
                await asyncio.sleep(0.01)
            assert closed.is_set(), "the failed response was left holding its connection"
            assert session.connector is not None and not session.connector._in_use

    run(main())
    assert len(srv.requests) == 1


def test_on_request_retry_is_frozen_with_its_config() -> None:
    config = aiohttp.TraceConfig()

    async def handler(*_args: Any) -> None:
        pass

    config.on_request_retry.append(handler)
    config.freeze()
    with pytest.raises(RuntimeError):
        config.on_request_retry.append(handler)
    params = aiohttp.TraceRequestRetryParams("GET", URL("http://h/"), CIMultiDict(), 2, 0.5, 503, None)
    with pytest.raises(AttributeError):
        params.attempt = 3  # type: ignore[misc]
