"""``ClientResponse.request_info`` and the pool's ``ConnectionKey`` on the request path,
against a scripted raw peer (issue 20 §1 builds the first lazily and keeps the second
per URL object: what a caller sees must not change).

- ``request_info`` is a ``RequestInfo`` equal to ``(url, method, fields as sent,
  real_url)``, the same object on every read, also read first after the response was
  released and its session closed, per hop after redirects, in the error of
  ``raise_for_status``, and showing a middleware's change to the fields;
- requests to equal URLs (the same or another ``URL`` object, or the same string) share
  one pooled connection under one key; the same URL with ``ssl=False``, a
  ``server_hostname`` gets its own key (and connection);
- ``ClientRequest.skip_auto_headers`` (no longer stored when empty) reads as a
  ``CIMultiDict`` of the names given, an empty one otherwise, and can be assigned.
"""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import aiohttp_client as aiohttp
from _raw_helpers import OK, parse_request, response
from _servers import Reply, run
from aiohttp_client import RequestInfo
from aiohttp_client.connector import ConnectionKey


def _sent_fields(raw: bytes) -> list[tuple[str, str]]:
    return parse_request(raw)[1]


def test_request_info_is_the_request_as_sent(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> tuple[Any, Any, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url("/a?q=1#frag"), headers={"X-One": "1"}) as resp:
                await resp.read()
                first = resp.request_info
        return resp, first, resp.request_info

    resp, first, again = run(main())
    assert first is again
    assert type(first) is RequestInfo
    assert isinstance(first.headers, CIMultiDictProxy)
    assert first.url == URL(srv.url("/a?q=1"))
    assert first.real_url == URL(srv.url("/a?q=1#frag"))
    assert first.method == "GET"
    assert list(first.headers.items()) == _sent_fields(srv.requests[0])
    assert first == RequestInfo(first.url, "GET", first.headers, first.real_url)


def test_request_info_read_first_after_the_session_closed(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/p"), data=b"xyz") as resp:
                assert await resp.read() == b"ok"
        return resp  # request_info never read until now

    resp = run(main())
    info = resp.request_info
    assert (info.method, info.url) == ("POST", URL(srv.url("/p")))
    assert info.headers["Content-Length"] == "3"
    assert list(info.headers.items()) == _sent_fields(srv.requests[0])


def test_request_info_per_hop_after_redirects(raw_server) -> None:
    srv = raw_server(
        [
            Reply.of(response(b"302 Found", b"Location: /second", b"Content-Length: 0")),
            Reply.of(response(b"303 See Other", b"Location: /third", b"Content-Length: 0")),
            Reply.of(OK),
        ]
    )

    async def main() -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url("/first"), data=b"body") as resp:
                await resp.read()
                return resp

    resp = run(main())
    infos = [r.request_info for r in (*resp.history, resp)]
    assert [(i.method, i.url.path) for i in infos] == [("POST", "/first"), ("GET", "/second"), ("GET", "/third")]
    for info, raw in zip(infos, srv.requests):
        assert list(info.headers.items()) == _sent_fields(raw)


def test_request_info_in_raise_for_status_error(raw_server) -> None:
    srv = raw_server(Reply.of(response(b"404 Not Found", b"Content-Length: 0")))

    async def main() -> aiohttp.ClientResponseError:
        async with aiohttp.ClientSession(raise_for_status=True) as session:
            with pytest.raises(aiohttp.ClientResponseError) as caught:
                await session.get(srv.url("/missing"))
            return caught.value

    err = run(main())
    assert err.status == 404
    assert err.request_info.url == URL(srv.url("/missing"))
    assert list(err.request_info.headers.items()) == _sent_fields(srv.requests[0])


def test_request_info_shows_a_middleware_field(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def add_field(req: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        req.headers["X-Middleware"] = "yes"
        return await handler(req)

    async def main() -> Any:
        async with aiohttp.ClientSession(middlewares=(add_field,)) as session:
            async with session.get(srv.url()) as resp:
                await resp.read()
                return resp.request_info

    info = run(main())
    assert info.headers["X-Middleware"] == "yes"
    assert ("X-Middleware", "yes") in _sent_fields(srv.requests[0])


def test_equal_urls_share_one_key_and_connection(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> list[ConnectionKey]:
        async with aiohttp.ClientSession() as session:
            for url in (srv.url("/x"), URL(srv.url("/x")), URL(srv.url("/x")), srv.url("/x")):
                async with session.get(url) as resp:
                    assert await resp.read() == b"ok"
            return list(session.connector._conns)  # type: ignore[union-attr]

    keys = run(main())
    assert keys == [ConnectionKey("127.0.0.1", srv.port, False, True, None, None, None, None)]
    assert srv.accepted == 1 and len(srv.requests) == 4


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"ssl": False}, "ssl", False),
        ({"server_hostname": "other.example"}, "server_hostname", "other.example"),
    ],
)
def test_a_request_option_gets_its_own_key(raw_server, kwargs: dict[str, Any], field: str, value: Any) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> list[ConnectionKey]:
        async with aiohttp.ClientSession() as session:
            url = URL(srv.url("/x"))
            for extra in ({}, kwargs, {}, kwargs):
                async with session.get(url, **extra) as resp:
                    assert await resp.read() == b"ok"
            return sorted(session.connector._conns, key=repr)  # type: ignore[union-attr]

    keys = run(main())
    assert len(keys) == 2 and srv.accepted == 2 and len(srv.requests) == 4
    plain = ConnectionKey("127.0.0.1", srv.port, False, True, None, None, None, None)
    assert plain in keys and plain._replace(**{field: value}) in keys


def test_skip_auto_headers_attribute(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    seen: list[Any] = []

    async def record(req: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        seen.append(req.skip_auto_headers)
        return await handler(req)

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=(record,)) as session:
            for skip in (None, ["User-Agent"]):
                async with session.get(srv.url(), skip_auto_headers=skip) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert type(seen[0]) is CIMultiDict and not seen[0]
    assert type(seen[1]) is CIMultiDict and list(seen[1]) == ["User-Agent"]
    assert "user-agent" in seen[1]
    sent = [dict(_sent_fields(raw)) for raw in srv.requests]
    assert "User-Agent" in sent[0] and "User-Agent" not in sent[1]

    req = aiohttp.ClientRequest("GET", URL(srv.url()))
    assert req.skip_auto_headers == CIMultiDict()
    req.skip_auto_headers = CIMultiDict({"Accept": None})
    assert list(req.skip_auto_headers) == ["Accept"]


def test_request_info_keeps_what_was_sent_when_a_middleware_sends_again(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    first: list[aiohttp.ClientResponse] = []

    async def send_twice(req: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        resp = await handler(req)
        await resp.read()
        first.append(resp)
        req.url = URL(srv.url("/second"))
        req.method = "PUT"
        req.headers["X-Again"] = "1"
        return await handler(req)

    async def main() -> Any:
        async with aiohttp.ClientSession(middlewares=(send_twice,)) as session:
            async with session.get(srv.url("/first")) as resp:
                await resp.read()
                return resp.request_info

    second = run(main())
    info = first[0].request_info  # read only now, after the request was changed and sent again
    assert (info.method, info.url, info.real_url) == ("GET", URL(srv.url("/first")), URL(srv.url("/first")))
    assert (second.method, second.url) == ("PUT", URL(srv.url("/second")))
    assert [r.split(b"\r\n", 1)[0] for r in srv.requests] == [b"GET /first HTTP/1.1", b"PUT /second HTTP/1.1"]


def test_request_info_of_a_request_class_with_its_own(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    class TaggedRequest(aiohttp.ClientRequest):
        @property
        def request_info(self) -> RequestInfo:
            info = super().request_info
            return info._replace(method=info.method + "-tagged")

    async def main() -> Any:
        async with aiohttp.ClientSession(request_class=TaggedRequest) as session:
            async with session.get(srv.url()) as resp:
                await resp.read()
                return resp.request_info

    info = run(main())
    assert info.method == "GET-tagged" and info.url == URL(srv.url())
