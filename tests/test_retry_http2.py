"""``RetryMiddleware`` over HTTP/2 (issue 19 part 2 meets issue 17), against the raw
``h2`` server of ``_h2_servers.py`` on 127.0.0.1 (h2c prior knowledge).

The server refuses requests before any response, the two ways RFC 9113 §8.7 says
mean "not processed": ``RST_STREAM`` with ``REFUSED_STREAM``, and ``GOAWAY`` whose
last-stream-id is below the request's stream.  Such a request may be retried
whatever its method; the session retries it once by itself (on a new connection),
and the middleware's budgets take it from there like a connect error (nothing was
processed).  A body is replayed byte for byte when it can be rewound (bytes, a
file), and a one-shot body already sent gives ``RetryError``, as over HTTP/1.1.
The server records each request's fields and body, and the connections it accepted.

No timing asserts: the sleep is injected and records the delays.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

import aiohttp_client as aiohttp
from _h2_servers import H2Request, H2ServerConn
from _servers import pattern_bytes, run
from _sleeps import Sleeps
from aiohttp_client.retry import RetryError, RetryMiddleware, retry_history

REFUSED_STREAM = 7


def refusing(times: int, how: str) -> Callable[[H2ServerConn, H2Request], Any]:
    """A handler that refuses the first *times* requests (*how*: ``"reset"`` is
    RST_STREAM REFUSED_STREAM, ``"goaway"`` a GOAWAY below the stream), then answers
    200 with the path and the body's length.
    """
    seen = {"n": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        seen["n"] += 1
        if seen["n"] <= times:
            if how == "reset":
                conn.reset(req.stream_id, REFUSED_STREAM)
            else:  # "goaway" without error, "goaway-error" with INTERNAL_ERROR: below the stream either way
                conn.goaway(last_stream_id=req.stream_id - 2 if req.stream_id > 1 else 0, code=2 * (how != "goaway"))
            return
        body = (req.header(b":path") or b"") + b" %d" % len(req.body)
        conn.respond(req.stream_id, 200, [(b"content-type", b"text/plain")], body)

    return handler


async def failure(request: Any) -> BaseException:
    """The ``ClientError`` *request* (a request coroutine) raises."""
    with pytest.raises(aiohttp.ClientError) as info:
        await request
    return info.value


async def upload(sleeps: Sleeps, method: str, url: str, path: Any) -> bytes:
    """*method* *url* with the file at *path* as the body (a seekable file object)."""
    async with session(sleeps) as s:
        with path.open("rb") as f:
            async with s.request(method, url, data=f) as resp:
                return await resp.read()


def session(sleeps: Sleeps, **kwargs: Any) -> aiohttp.ClientSession:
    policy = RetryMiddleware(sleep=sleeps, random=lambda: 0.5, backoff_factor=0.01, **kwargs)
    return aiohttp.ClientSession(http2="prior-knowledge", middlewares=(policy,))


@pytest.mark.parametrize("how", ["reset", "goaway", "goaway-error"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_requests_retried_whatever_the_method(h2_server, how: str, method: str) -> None:
    """Five refusals: each attempt of the middleware is up to two of the session
    (its own retry of an unprocessed stream), so the middleware retries twice."""
    srv = h2_server(refusing(5, how))
    sleeps = Sleeps()
    body = pattern_bytes(100_000)

    async def main() -> tuple[int, bytes, Any]:
        async with session(sleeps) as s:
            async with s.request(method, srv.url("/r"), data=body if method == "POST" else None) as resp:
                return resp.status, await resp.read(), retry_history(resp)

    status, text, history = run(main())
    expected_len = len(body) if method == "POST" else 0
    assert (status, text) == (200, b"/r %d" % expected_len)
    assert len(history) == 2 and all(a.status is None for a in history)
    assert all(isinstance(a.exception, aiohttp.ServerDisconnectedError) for a in history)
    assert len(sleeps.delays) == 2
    assert len(srv.requests) == 6
    for req in srv.requests:  # every attempt sent the whole request, byte for byte
        assert req.header(b":method") == method.encode() and req.header(b":path") == b"/r"
        assert bytes(req.body) == (body if method == "POST" else b"")
    if how != "reset":  # each attempt after a GOAWAY on a new connection (RFC 9113 §6.8)
        assert len(srv.connections) == 6


@pytest.mark.parametrize("how", ["reset", "goaway"])
def test_refused_file_body_replayed_byte_for_byte(h2_server, tmp_path, how: str) -> None:
    srv = h2_server(refusing(2, how))
    payload = pattern_bytes(300_000)
    path = tmp_path / "up.bin"
    path.write_bytes(payload)
    sleeps = Sleeps()
    assert run(upload(sleeps, "PUT", srv.url("/file"), path)) == b"/file %d" % len(payload)
    assert [bytes(r.body) == payload for r in srv.requests] == [True, True, True]


@pytest.mark.parametrize("how", ["reset", "goaway"])
def test_refused_one_shot_body_is_retry_error(h2_server, how: str) -> None:
    srv = h2_server(refusing(5, how))
    sleeps = Sleeps()

    async def chunks():
        for _ in range(4):
            yield b"x" * 1000

    async def main() -> BaseException:
        async with session(sleeps) as s:
            return await failure(s.post(srv.url("/once"), data=chunks()))

    exc = run(main())
    assert isinstance(exc, RetryError), repr(exc)
    assert isinstance(exc.__cause__, aiohttp.ServerDisconnectedError)
    assert sleeps.delays == []  # nothing was retried
    assert len(srv.requests) == 1 and bytes(srv.requests[0].body) == b"x" * 4000


def test_refusals_beyond_the_budget_raise_the_last_error(h2_server) -> None:
    srv = h2_server(refusing(10, "reset"))
    sleeps = Sleeps()

    async def main() -> BaseException:
        async with session(sleeps, total=2) as s:
            return await failure(s.post(srv.url("/no"), data=b"abc"))

    exc = run(main())
    assert type(exc) is aiohttp.ServerDisconnectedError
    assert len(retry_history(exc)) == 2 and len(sleeps.delays) == 2
    assert len(srv.requests) == 6  # each of the 3 middleware attempts is 2 session attempts
    assert all(bytes(r.body) == b"abc" for r in srv.requests)


def test_processed_stream_reset_is_not_retried_for_post(h2_server) -> None:
    """A reset after the response began (or any code but REFUSED_STREAM) may have
    been processed: a POST is not retried."""

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        conn.reset(req.stream_id, 2)  # INTERNAL_ERROR: maybe processed

    srv = h2_server(handler)
    sleeps = Sleeps()

    async def main() -> BaseException:
        async with session(sleeps) as s:
            return await failure(s.post(srv.url("/x"), data=b"abc"))

    exc = run(main())
    assert type(exc) is aiohttp.ServerDisconnectedError
    assert sleeps.delays == [] and len(srv.requests) == 1


def test_the_not_processed_marks_agree() -> None:
    """retry.py names the mark itself (it must not import the HTTP/2 code)."""
    from aiohttp_client import retry
    from aiohttp_client._protocols import _h2_stream

    assert retry._NOT_PROCESSED == _h2_stream.NOT_PROCESSED == "request_not_processed"


def test_status_retry_over_http2_reuses_the_connection(h2_server) -> None:
    """503 with Retry-After, read and released: the retry is a new stream on the same
    connection."""
    seen = {"n": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        seen["n"] += 1
        if seen["n"] == 1:
            conn.respond(req.stream_id, 503, [(b"retry-after", b"3"), (b"content-length", b"4")], b"busy")
        else:
            conn.respond(req.stream_id, 200, [], b"done")

    srv = h2_server(handler)
    sleeps = Sleeps()

    async def main() -> tuple[int, bytes]:
        async with session(sleeps) as s:
            async with s.put(srv.url("/s"), data=b"abc") as resp:
                return resp.status, await resp.read()

    assert run(main()) == (200, b"done")
    assert sleeps.delays == [3.0]
    assert len(srv.connections) == 1 and [bytes(r.body) for r in srv.requests] == [b"abc", b"abc"]
    assert [r.stream_id for r in srv.requests] == [1, 3]


def test_refused_mid_upload_file_replayed_byte_for_byte(h2_server, tmp_path) -> None:
    """The server refuses at HEADERS, while the 2 MiB body waits for its windows
    (64 KiB initially): the writer is stopped, the file rewound, and the attempt that
    is answered carries the whole body."""
    payload = pattern_bytes(2 * 2**20)
    path = tmp_path / "big.bin"
    path.write_bytes(payload)
    seen = {"n": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        seen["n"] += 1
        if seen["n"] <= 3:
            conn.reset(req.stream_id, REFUSED_STREAM)
            return
        for _ in range(1000):  # the body arrives (bounded: 10 s)
            if req.ended:
                break
            await asyncio.sleep(0.01)
        conn.respond(req.stream_id, 200, [], b"%d" % len(req.body))

    srv = h2_server(handler, on_headers=True)
    sleeps = Sleeps()
    assert run(upload(sleeps, "POST", srv.url("/up"), path), timeout=30) == b"%d" % len(payload)
    assert len(sleeps.delays) == 1  # attempts 1-2 (session), 3-4 (middleware retry)
    assert bytes(srv.requests[-1].body) == payload
    assert all(payload.startswith(bytes(r.body)) for r in srv.requests[:-1])
