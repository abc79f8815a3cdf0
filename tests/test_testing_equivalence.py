"""The test transport answers as a server does: the same scripted responses are sent
through ``aiohttp_client.testing`` (in-process) and by a raw TCP server (the bytes
``MockResponse.to_bytes()`` gives), and the client must see the same thing: status,
reason, fields, body, cookies, history, the final URL, and the exception raised.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run
from aiohttp_client.testing import MockConnector, MockResponse, MockRouter

R = MockResponse

#: name -> (method, path, request kwargs, the responses in the order requests arrive)
CASES: dict[str, tuple[str, str, dict[str, Any], list[MockResponse]]] = {
    "json": ("GET", "/a", {}, [R(200, json={"id": 1, "tags": ["x", "y"]})]),
    "text-latin1": (
        "GET",
        "/a",
        {},
        [R(200, body="é".encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"})],
    ),
    "reason-and-duplicate-fields": (
        "GET",
        "/a",
        {},
        [R(299, reason="Fine Indeed", headers=[("X-A", "1"), ("X-A", "2")], body=b"z")],
    ),
    "gzip": ("GET", "/a", {}, [R(200, body=b"hello " * 1000, compress="gzip")]),
    "deflate-chunked": ("GET", "/a", {}, [R(200, chunks=[b"ab" * 500, b"", b"cd" * 700], compress="deflate")]),
    "chunked": ("GET", "/a", {}, [R(200, chunks=[b"one,", b"two,", b"three"])]),
    "bad-gzip": ("GET", "/a", {}, [R(200, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})]),
    "head": ("HEAD", "/a", {}, [R(200, text="would be the body")]),
    "no-content": ("DELETE", "/a", {}, [R(204)]),
    "cookies": ("GET", "/a", {}, [R(200, headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Max-Age=60")])]),
    "redirect-with-cookie": (
        "GET",
        "/a",
        {},
        [R(302, headers=[("Location", "/b?x=1"), ("Set-Cookie", "s=9")]), R(200, text="at b")],
    ),
    "303-post-to-get": ("POST", "/a", {"data": b"payload"}, [R(303, headers={"Location": "/c"}), R(200, json=[1])]),
    "redirect-loop-limit": ("GET", "/a", {"max_redirects": 2}, [R(301, headers={"Location": "/a"})] * 3),
    "raise-for-status": ("GET", "/a", {"raise_for_status": True}, [R(503, text="busy", headers={"Retry-After": "1"})]),
    "connection-close": ("GET", "/a", {}, [R(200, body=b"bye", headers={"Connection": "close"})]),
}


def _observe_exception(exc: BaseException) -> tuple[Any, ...]:
    return (type(exc).__name__, getattr(exc, "status", None))


async def _observe(session: aiohttp.ClientSession, base: str, method: str, path: str, kwargs: dict[str, Any]) -> Any:
    try:
        async with session.request(method, base + path, **kwargs) as resp:
            try:
                body: Any = await resp.read()
            except aiohttp.ClientError as exc:
                body = _observe_exception(exc)
            seen = (
                resp.status,
                resp.reason,
                list(resp.headers.items()),
                body,
                resp.url.path_qs,
                resp.method,
                [(h.status, h.url.path_qs) for h in resp.history],
            )
    except aiohttp.ClientError as exc:
        seen = _observe_exception(exc)
    cookies = sorted((c.key, c.value) for c in session.cookie_jar)
    return seen, cookies


def _via_mock(case: str) -> Any:
    method, path, kwargs, responses = CASES[case]
    router = MockRouter()
    router.add("*", re.compile(r"http://127\.0\.0\.1:1/.*")).sequence(*responses)

    async def main() -> Any:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(connector=MockConnector(router), cookie_jar=jar) as session:
            return await _observe(session, "http://127.0.0.1:1", method, path, kwargs)

    return run(main())


def _via_server(case: str, raw_server: Any) -> Any:
    method, path, kwargs, responses = CASES[case]
    methods = [method] + ["GET" if method == "POST" else method] * (len(responses) - 1)
    srv = raw_server([Reply.of(r.to_bytes(m), close=r.closes) for r, m in zip(responses, methods)])

    async def main() -> Any:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            return await _observe(session, srv.url("").rstrip("/"), method, path, kwargs)

    return run(main())


@pytest.mark.parametrize("case", sorted(CASES))
def test_client_sees_the_same_from_mock_and_server(case: str, raw_server: Any) -> None:
    assert _via_mock(case) == _via_server(case, raw_server)


def test_the_cases_cover_errors_and_bodies() -> None:
    # A guard against a comparison that compares nothing: some cases end in an
    # exception, some in a body, some in a redirect history.
    seen = {
        case: _via_mock(case)[0]
        for case in ("bad-gzip", "redirect-loop-limit", "raise-for-status", "redirect-with-cookie")
    }
    assert seen["bad-gzip"][3][0] == "ClientPayloadError"
    assert seen["redirect-loop-limit"][0] == "TooManyRedirects"
    assert seen["raise-for-status"] == ("ClientResponseError", 503)
    assert seen["redirect-with-cookie"][6] == [(302, "/a")]
    assert seen["redirect-with-cookie"][3] == b"at b"
