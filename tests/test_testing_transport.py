"""The test transport where it meets the rest of the client: request bodies of each
kind, flow control, timeouts, errors, cancellation, pooling and tracing, middlewares,
pass-through to a real server, ``mock_network`` for sessions made inside the code
under test (WebSocket routes: test_testing_websocket.py).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK
from _servers import Reply, run
from aiohttp_client.connector import TCPConnector
from aiohttp_client.testing import MockConnector, MockResponse, MockRouter, NoRouteError, mock_network

URL = "http://api.test/items"


def _session(router: MockRouter, **kwargs: Any) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=MockConnector(router), **kwargs)


# -- request bodies as recorded ------------------------------------------------------


async def _gen() -> AsyncIterator[bytes]:
    for part in (b"a" * 10, b"b" * 20_000, b"c"):
        yield part


@pytest.mark.parametrize(
    "kwargs, expected, content_type",
    [
        ({"json": {"k": [1, 2]}}, json.dumps({"k": [1, 2]}).encode(), "application/json"),
        ({"data": "text é"}, "text é".encode(), "text/plain; charset=utf-8"),
        ({"data": {"a": "1", "b": "x y"}}, b"a=1&b=x+y", "application/x-www-form-urlencoded"),
        ({"data": _gen}, b"a" * 10 + b"b" * 20_000 + b"c", "application/octet-stream"),
        ({"data": b"z" * 300_000}, b"z" * 300_000, "application/octet-stream"),
    ],
    ids=["json", "str", "form", "async-iterable-chunked", "large-bytes"],
)
def test_request_body_recorded_as_sent(kwargs: dict[str, Any], expected: bytes, content_type: str) -> None:
    router = MockRouter()
    route = router.post(URL).respond(201)
    if callable(kwargs.get("data")):
        kwargs = {"data": kwargs["data"]()}

    async def main() -> None:
        async with _session(router) as session:
            async with session.post(URL, **kwargs) as resp:
                assert resp.status == 201

    run(main())
    call = route.assert_called_once_with(method="POST", url=URL, body=expected)
    assert call.headers["Content-Type"] == content_type
    assert call.headers["Host"] == "api.test"


def test_compressed_request_body_recorded_coded() -> None:
    router = MockRouter()
    route = router.put(URL).respond(204)

    async def main() -> None:
        async with _session(router) as session:
            async with session.put(URL, data=b"x" * 1000, compress="deflate") as resp:
                assert resp.status == 204

    run(main())
    call = route.assert_called_once()
    assert call.headers["Content-Encoding"] == "deflate"
    assert zlib.decompress(call.body) == b"x" * 1000


def test_expect_100_continue_body_arrives() -> None:
    router = MockRouter()
    route = router.post(URL).respond(lambda req: MockResponse(200, body=req.body[::-1]))

    async def main() -> None:
        async with _session(router) as session:
            async with session.post(URL, data=b"abc", expect100=True) as resp:
                assert await resp.read() == b"cba"

    run(main())
    assert route.assert_called_once().headers["Expect"] == "100-continue"


# -- handlers, sequences, errors -------------------------------------------------------


def test_async_handler_computes_response_from_request() -> None:
    router = MockRouter()

    async def handler(request: Any) -> MockResponse:
        await asyncio.sleep(0)
        return MockResponse(200, json={"q": request.url.query["q"], "auth": request.headers.get("Authorization")})

    router.get(URL, query={"q": "x"}).respond(handler)

    async def main() -> None:
        async with _session(router) as session:
            async with session.get(
                URL, params={"q": "x"}, headers={"Authorization": aiohttp.encode_basic_auth("u", "p")}
            ) as resp:
                assert await resp.json() == {"q": "x", "auth": "Basic dTpw"}

    run(main())


def test_sequence_then_exhausted_fails_loudly() -> None:
    router = MockRouter()
    route = router.get(URL).sequence(503, MockResponse(200, text="ok"))

    async def main() -> None:
        async with _session(router) as session:
            for expected in (503, 200):
                async with session.get(URL) as resp:
                    assert resp.status == expected
            with pytest.raises(AssertionError, match="called 3 times; its sequence has 2 answers"):
                await session.get(URL)

    run(main())
    assert route.call_count == 3


def test_unmatched_request_lists_closest_routes() -> None:
    router = MockRouter()
    router.get("http://api.test/users", name="users")
    router.post("http://api.test/items")
    router.get("http://other.test/")

    async def main() -> None:
        async with _session(router) as session:
            with pytest.raises(NoRouteError) as info:
                await session.get("http://api.test/items?page=2")
            return str(info.value)

    message = run(main())
    lines = message.splitlines()
    assert lines[0] == "no route matches GET http://api.test/items?page=2"
    assert lines[2] == "  POST http://api.test/items: method is GET, route wants POST"
    assert "GET http://api.test/users ('users'): path is /items, route wants /users" in lines[3]
    assert "router.passthrough('http://api.test:80')" in lines[-1]
    assert [str(r.url) for r in router.unmatched] == ["http://api.test/items?page=2"]


def test_oserror_answer_is_a_connector_error_and_the_connection_is_not_pooled() -> None:
    router = MockRouter()
    route = router.get(URL).sequence(ConnectionRefusedError(111, "refused"), 200)
    trace = aiohttp.TraceConfig()
    creates: list[str] = []

    async def on_create(*_: Any) -> None:
        creates.append("create")

    trace.on_connection_create_end.append(on_create)

    async def main() -> None:
        async with _session(router, trace_configs=[trace]) as session:
            with pytest.raises(aiohttp.ClientConnectorError) as info:
                await session.get(URL)
            assert info.value.host == "api.test" and info.value.port == 80
            assert info.value.errno == 111
            async with session.get(URL) as resp:
                assert resp.status == 200

    run(main())
    assert creates == ["create", "create"]
    assert route.call_count == 2


def test_client_error_answer_raised_unchanged() -> None:
    router = MockRouter()
    router.get(URL).respond(aiohttp.ServerDisconnectedError())

    async def main() -> None:
        async with _session(router) as session:
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await session.get(URL)

    run(main())


def test_delay_meets_the_real_sock_read_timeout() -> None:
    router = MockRouter()
    router.get(URL).respond(MockResponse(200, delay=5.0))

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(sock_read=0.05)
        async with _session(router, timeout=timeout) as session:
            with pytest.raises(aiohttp.SocketTimeoutError):
                await session.get(URL)

    run(main())


def test_cancelled_request_stops_the_handler_and_leaves_no_task() -> None:
    router = MockRouter()
    state: dict[str, Any] = {"cancelled": False}

    async def slow(request: Any) -> MockResponse:
        state["started"].set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise
        return MockResponse(200)  # pragma: no cover - cancelled first

    router.get(URL).respond(slow)

    async def main() -> None:
        state["started"] = asyncio.Event()  # made in the loop (Python 3.9 binds it at creation)
        async with _session(router) as session:
            task = asyncio.ensure_future(session.get(URL))
            await asyncio.wait_for(state["started"].wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(5):
                await asyncio.sleep(0)
            assert state["cancelled"], "the handler still runs for a cancelled request"

    run(main())  # run() fails on a task left pending


# -- flow control, pooling, tracing, middlewares -------------------------------------------


def test_large_body_is_held_back_while_the_reader_is_paused() -> None:
    body = bytes(range(256)) * 16384  # 4 MiB
    router = MockRouter()
    router.get(URL).respond(MockResponse(200, body=body))

    async def main() -> None:
        async with _session(router, read_bufsize=2**16) as session:
            async with session.get(URL) as resp:
                for _ in range(50):
                    await asyncio.sleep(0)
                held = resp.content.total_bytes
                assert held < len(body) // 4, f"{held} bytes buffered: the transport was not paused"
                assert await resp.read() == body

    run(main())


def test_streamed_chunks_arrive_as_they_are_produced() -> None:
    state: dict[str, asyncio.Event] = {}

    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        await state["gate"].wait()
        yield b"second"

    router = MockRouter()
    router.get(URL).respond(lambda _req: MockResponse(200, chunks=chunks()))

    async def main() -> None:
        state["gate"] = gate = asyncio.Event()
        async with _session(router) as session:
            async with session.get(URL) as resp:
                assert await asyncio.wait_for(resp.content.readany(), 5) == b"first"
                gate.set()
                assert await resp.content.read() == b"second"

    run(main())


def test_keep_alive_connection_is_reused_and_traced() -> None:
    router = MockRouter()
    router.get(URL).respond(200, text="x")
    events: list[str] = []
    trace = aiohttp.TraceConfig()

    async def record(_s: Any, _c: Any, params: Any) -> None:
        events.append(type(params).__name__)

    trace.on_connection_create_end.append(record)
    trace.on_connection_reuseconn.append(record)
    trace.on_request_end.append(record)

    async def main() -> None:
        async with _session(router, trace_configs=[trace]) as session:
            for _ in range(2):
                async with session.get(URL) as resp:
                    await resp.read()

    run(main())
    assert events == [
        "TraceConnectionCreateEndParams",
        "TraceRequestEndParams",
        "TraceConnectionReuseconnParams",
        "TraceRequestEndParams",
    ]


def test_middleware_sees_the_mocked_response() -> None:
    router = MockRouter()
    router.get(URL).respond(200, headers={"X-Seen": "yes"})
    seen: list[tuple[int, str]] = []

    async def middleware(request: Any, handler: Any) -> Any:
        request.headers["X-Added"] = "1"
        resp = await handler(request)
        seen.append((resp.status, resp.headers["X-Seen"]))
        return resp

    async def main() -> None:
        async with _session(router, middlewares=(middleware,)) as session:
            async with session.get(URL) as resp:
                assert resp.status == 200

    run(main())
    assert seen == [(200, "yes")]
    router.routes[0].assert_called_once_with(headers={"X-Added": "1"})


# -- pass-through and mock_network ---------------------------------------------------------


def test_passthrough_origin_reaches_the_real_server(raw_server: Any) -> None:
    srv = raw_server(Reply.of(OK))
    router = MockRouter()
    router.get(URL).respond(200, text="mocked")
    router.passthrough(srv.url(""))

    async def main() -> None:
        async with _session(router) as session:
            async with session.get(srv.url("/real")) as resp:
                assert await resp.read() == b"ok"
            async with session.get(URL) as resp:
                assert await resp.text() == "mocked"

    run(main())
    assert srv.requests[0].startswith(b"GET /real HTTP/1.1\r\n")
    assert [str(r.url) for r in router.calls] == [URL]


def test_mock_network_routes_sessions_made_inside_and_restores() -> None:
    original = TCPConnector._create_connection
    router = MockRouter()
    route = router.get(URL).respond(200, json=[1, 2])

    async def code_under_test() -> Any:
        async with aiohttp.ClientSession() as session:  # its own connector
            async with session.get(URL) as resp:
                return await resp.json()

    async def main() -> None:
        with mock_network(router):
            assert await code_under_test() == [1, 2]
            async with aiohttp.request("GET", URL) as resp:
                assert resp.status == 200
            with pytest.raises(RuntimeError, match="does not nest"):
                with mock_network(MockRouter()):
                    pass  # pragma: no cover

    run(main())
    assert TCPConnector._create_connection is original
    assert route.call_count == 2


def test_mock_network_passthrough_reaches_the_real_server(raw_server: Any) -> None:
    srv = raw_server(Reply.of(OK))
    router = MockRouter()
    router.passthrough(srv.url(""))

    async def main() -> None:
        with mock_network(router):
            async with aiohttp.ClientSession() as session:
                async with session.get(srv.url("/through")) as resp:
                    assert await resp.read() == b"ok"
                with pytest.raises(NoRouteError):
                    await session.get(URL)

    run(main())
    assert srv.requests[0].startswith(b"GET /through HTTP/1.1\r\n")
    assert [str(r.url) for r in router.calls] == [URL]


# -- a route failing while it answers ----------------------------------------------------


def test_body_source_failing_mid_stream_drops_the_connection() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"partial"
        raise RuntimeError("disk gone")

    router = MockRouter()
    router.get(URL).respond(lambda _req: MockResponse(200, chunks=chunks()))

    async def main() -> None:
        async with _session(router) as session:
            async with session.get(URL) as resp:
                assert await resp.content.readany() == b"partial"
                with pytest.raises(aiohttp.ClientPayloadError) as info:
                    await resp.read()
                assert isinstance(info.value.__cause__, RuntimeError)
            async with session.get(URL) as resp:  # a fresh connection: the failed one is gone
                assert await resp.content.readany() == b"partial"
                resp.close()

    run(main())
    assert [str(e) for e in router.errors] == ["disk gone"]  # the second was closed before it raised


def test_handler_returning_something_else_is_a_type_error() -> None:
    router = MockRouter()
    router.get(URL).respond(lambda _req: {"status": 200})

    async def main() -> None:
        async with _session(router) as session:
            with pytest.raises(TypeError, match="not a MockResponse"):
                await session.get(URL)

    run(main())


# -- more features meeting: retries, redirects, cookies, pool limits --------------------


def test_retry_after_refused_connect_replays_the_post_body() -> None:
    from aiohttp_client.retry import RetryMiddleware, retry_history

    router = MockRouter()
    route = router.post(URL).sequence(ConnectionRefusedError(111, "refused"), MockResponse(201, json={"ok": True}))

    async def no_wait(_seconds: float) -> None:
        return None

    async def main() -> None:
        retry = RetryMiddleware(total=2, sleep=no_wait)
        async with _session(router, middlewares=[retry]) as session:
            async with session.post(URL, json={"n": 1}) as resp:
                assert (resp.status, await resp.json()) == (201, {"ok": True})
                assert [type(a.exception).__name__ for a in retry_history(resp)] == ["ClientConnectorError"]

    run(main())
    assert [call.json() for call in route.calls] == [{"n": 1}, {"n": 1}]


def test_cross_origin_redirect_drops_authorization_and_keeps_cookies_per_origin() -> None:
    router = MockRouter()
    router.get("http://a.test/login").respond(
        302, headers=[("Location", "http://b.test/home"), ("Set-Cookie", "sid=1; Path=/")]
    )
    home = router.get("http://b.test/home").respond(200)
    again = router.get("http://a.test/again").respond(200)

    async def main() -> None:
        async with _session(router) as session:
            headers = {"Authorization": "Bearer secret"}
            async with session.get("http://a.test/login", headers=headers) as resp:
                assert [h.status for h in resp.history] == [302]
            async with session.get("http://a.test/again") as resp:
                assert resp.status == 200

    run(main())
    first_hop = router.calls[0]
    assert first_hop.headers["Authorization"] == "Bearer secret"
    assert "Authorization" not in home.assert_called_once().headers  # RFC 9110 §15.4: not to another origin
    assert "Cookie" not in home.assert_called_once().headers
    assert again.assert_called_once().headers["Cookie"] == "sid=1"


def test_pool_limit_queues_the_second_request() -> None:
    router = MockRouter()
    state = {"active": 0, "most": 0, "queued": 0}

    async def slow(_request: Any) -> MockResponse:
        state["active"] += 1
        state["most"] = max(state["most"], state["active"])
        await asyncio.sleep(0.05)
        state["active"] -= 1
        return MockResponse(200)

    router.get(URL).respond(slow)
    trace = aiohttp.TraceConfig()

    async def queued(*_: Any) -> None:
        state["queued"] += 1

    trace.on_connection_queued_start.append(queued)

    async def one(session: aiohttp.ClientSession) -> int:
        async with session.get(URL) as resp:
            await resp.read()
            return resp.status

    async def main() -> None:
        async with aiohttp.ClientSession(connector=MockConnector(router, limit=1), trace_configs=[trace]) as session:
            assert await asyncio.gather(one(session), one(session)) == [200, 200]

    run(main())
    assert (state["most"], state["queued"]) == (1, 1)


def test_connection_close_response_is_not_reused() -> None:
    router = MockRouter()
    router.get(URL).respond(200, headers={"Connection": "close"}, body=b"x")
    creates: list[int] = []
    trace = aiohttp.TraceConfig()

    async def created(*_: Any) -> None:
        creates.append(1)

    trace.on_connection_create_end.append(created)

    async def main() -> None:
        async with _session(router, trace_configs=[trace]) as session:
            for _ in range(2):
                async with session.get(URL) as resp:
                    assert await resp.read() == b"x"

    run(main())
    assert len(creates) == 2
