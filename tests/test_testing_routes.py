"""Routes of the test transport without I/O: matching, answers, recording and the
assertion helpers, and the checks of ``MockResponse``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from _servers import run
from aiohttp_client.testing import MockResponse, MockRouter, NoRouteError, RecordedRequest, RouteExhaustedError


def _req(method: str, url: str, body: bytes = b"", **headers: str) -> RecordedRequest:
    return RecordedRequest(method, URL(url), CIMultiDictProxy(CIMultiDict(headers)), body)


def _matches(router: MockRouter, request: RecordedRequest) -> list[str]:
    return [route.describe() for route in router.routes if not route.mismatches(request)]


@pytest.mark.parametrize(
    "url, query, request_url, ok",
    [
        ("http://a.test/p", None, "http://a.test/p?x=1", True),  # no query in the route: any
        ("http://a.test/p?x=1&y=2", None, "http://a.test/p?y=2&x=1", True),  # any order
        ("http://a.test/p?x=1", None, "http://a.test/p?x=1&z=3", False),  # a query must be equal
        ("http://a.test/p", {"x": "1"}, "http://a.test/p?z=3&x=1", True),  # query=: a subset
        ("http://a.test/p", {"x": ["1", "2"]}, "http://a.test/p?x=1&x=2", True),
        ("http://a.test/p", {"x": ["1", "2"]}, "http://a.test/p?x=2&x=1", False),  # repeated: in order
        ("http://a.test/p", {"x": 1}, "http://a.test/p", False),
        ("http://a.test:80/p", None, "http://A.TEST/p", True),  # default port, host case
        ("https://a.test/p", None, "http://a.test:443/p", False),  # scheme counts
        ("ws://a.test/p", None, "http://a.test/p", True),  # ws is http
        ("http://a.test", None, "http://a.test/", True),  # empty path is /
        ("http://a.test/p", None, "http://a.test/p/", False),
    ],
)
def test_url_and_query_matching(url: str, query: Any, request_url: str, ok: bool) -> None:
    router = MockRouter()
    router.get(url, query=query)
    assert bool(_matches(router, _req("GET", request_url))) is ok


def test_regex_header_and_predicate_matching() -> None:
    router = MockRouter()
    router.add("*", re.compile(r"http://a\.test/items/\d+"), headers={"X-Key": "k"}, match=lambda r: r.json()["n"] > 1)
    assert _matches(router, _req("PUT", "http://a.test/items/12?q=1", b'{"n": 2}', **{"X-Key": "k"}))
    route = router.routes[0]
    assert route.mismatches(_req("PUT", "http://a.test/items/x", b'{"n": 2}', **{"X-Key": "k"})) == [
        "URL http://a.test/items/x does not match 'http://a\\\\.test/items/\\\\d+'"
    ]
    assert route.mismatches(_req("PUT", "http://a.test/items/1", b'{"n": 2}')) == [
        "header X-Key is absent, route wants 'k'"
    ]
    assert route.mismatches(_req("PUT", "http://a.test/items/1", b'{"n": 1}', **{"X-Key": "k"})) == [
        "the route's match predicate returned false"
    ]


def test_first_matching_route_answers_and_everything_is_recorded() -> None:
    router = MockRouter()
    first = router.get("http://a.test/p").respond(201)
    second = router.get("http://a.test/p").respond(202)
    request = _req("GET", "http://a.test/p")
    response = run(router.answer(request))
    assert response.status == 201
    assert first.calls == [request] and second.calls == [] and request.route is first
    with pytest.raises(NoRouteError) as info:
        run(router.answer(_req("POST", "http://a.test/p")))
    assert info.value.request.method == "POST"
    assert len(router.calls) == 2 and len(router.unmatched) == 1
    with pytest.raises(AssertionError, match=r"routes never called: \['GET http://a.test/p'\]"):
        router.assert_all_called()
    router.reset()
    assert router.calls == router.unmatched == first.calls == []


def test_no_routes_message() -> None:
    with pytest.raises(NoRouteError, match="no routes are registered"):
        run(MockRouter().answer(_req("GET", "http://a.test/")))


def test_answers_status_exception_class_handler() -> None:
    router = MockRouter()
    route = router.get("http://a.test/").sequence(404, KeyError, lambda r: 418, lambda r: (lambda r2: 200))
    assert run(router.answer(_req("GET", "http://a.test/"))).status == 404
    with pytest.raises(KeyError):
        run(router.answer(_req("GET", "http://a.test/")))
    assert run(router.answer(_req("GET", "http://a.test/"))).status == 418
    with pytest.raises(TypeError, match="route handler returned"):
        run(router.answer(_req("GET", "http://a.test/")))
    with pytest.raises(RouteExhaustedError, match="called 5 times; its sequence has 4 answers"):
        run(router.answer(_req("GET", "http://a.test/")))
    assert route.call_count == 5


def test_assert_called_once_with_names_each_difference() -> None:
    router = MockRouter()
    route = router.post("http://a.test/")
    route.assert_not_called()
    with pytest.raises(AssertionError, match="called 0 times, not once"):
        route.assert_called_once()
    run(router.answer(_req("POST", "http://a.test/?x=1", b'{"a": 1}', **{"Content-Type": "application/json"})))
    route.assert_called_once_with(method="post", url="http://a.test/?x=1", json={"a": 1}, query={"x": "1"})
    with pytest.raises(AssertionError) as info:
        route.assert_called_once_with(json={"a": 2}, headers={"Content-Type": "text/plain"}, text="x")
    message = str(info.value)
    assert "json is {'a': 1}, expected {'a': 2}" in message
    assert "header Content-Type is ['application/json'], expected 'text/plain'" in message
    assert "text is '{\"a\": 1}', expected 'x'" in message
    with pytest.raises(TypeError, match="unexpected keyword 'bogus'"):
        route.assert_called_once_with(bogus=1)
    with pytest.raises(AssertionError, match="was called 1 times"):
        route.assert_not_called()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"body": b"x", "json": {}}, "give one body kind, not body and json"),
        ({"status": 101}, "status 101"),
        ({"status": 103}, "status 103"),
        ({"status": 600}, "status 600"),
        ({"headers": {"X": "a\r\nInjected: 1"}}, "invalid header field"),
        ({"headers": {"Bad Name": "v"}}, "invalid header field"),
        ({"reason": "OK\r\n"}, "reason phrase"),
        ({"compress": "br"}, "compress must be one of"),
    ],
)
def test_mock_response_refuses_what_no_server_may_send(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MockResponse(**kwargs)


def test_route_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        MockRouter().get("/relative")
    with pytest.raises(ValueError, match="must be absolute"):
        MockRouter().passthrough("127.0.0.1:8080")


def test_serialisation() -> None:
    assert MockResponse(200, json={"a": 1}).to_bytes() == (
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"a": 1}'
    )
    assert MockResponse(200, text="hi").to_bytes("HEAD").endswith(b"Content-Length: 2\r\n\r\n")
    assert MockResponse(304, headers={"ETag": '"x"'}).to_bytes() == b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'
    assert MockResponse(200, chunks=[b"ab", b"", b"c"]).to_bytes() == (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
    )
    streamed = MockResponse(200, chunks=[b"ab", b"c"], headers={"Content-Length": "3"})
    assert streamed.to_bytes() == b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    assert MockResponse(599).reason == "" and MockResponse(200, reason="Fine").reason == "Fine"


def test_one_shot_chunks_are_refused_the_second_time() -> None:
    async def agen() -> Any:
        yield b"a"

    async def drain(response: MockResponse) -> list[bytes]:
        return [piece async for piece in response.pieces()]

    for chunks in (iter([b"a"]), agen()):
        response = MockResponse(200, chunks=chunks)
        assert run(drain(response))[1:] == [b"1\r\na\r\n", b"0\r\n\r\n"]
        with pytest.raises(RuntimeError, match="one-shot iterator: answer with a handler"):
            run(drain(response))
    collection = MockResponse(200, chunks=[b"a"])  # a list is sent again and again
    assert run(drain(collection)) == run(drain(collection))
    with pytest.raises(ValueError, match="give one body as body="):
        MockResponse(200, chunks=b"abc")
