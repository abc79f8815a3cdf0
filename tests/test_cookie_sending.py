"""The ``Cookie`` field a session sends, against a raw server (issue 15 item 17).

Order: aiohttp 3.14.5 writes the field with ``SimpleCookie.output()``, which sorts
by name, whatever the paths, domains, creation times, or whether a cookie came from
the jar, the session's ``cookies=`` or the request's (checked as a black box).
RFC 6265 §5.4 step 2 would put longer paths first, then earlier creation times; it
is a SHOULD, and we match aiohttp.

Names: a cookie given by value in ``cookies=`` with a name ``SimpleCookie`` refuses
(reserved attribute names, characters outside its token set) raises
``http.cookies.CookieError``, as in aiohttp: from the ``ClientSession(...)`` call for
the session's, from the request call for a request's, before anything is sent.
"""

from __future__ import annotations

import socket
from http.cookies import CookieError, Morsel
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run

_OK = Reply.of(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


class _AnyName:
    """Resolves every name to 127.0.0.1: the raw server plays several hosts."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


def _cookie_fields(request: bytes) -> list[bytes]:
    return [line for line in request.split(b"\r\n") if line.lower().startswith(b"cookie:")]


def test_cookies_go_out_sorted_by_name_as_aiohttp(raw_server: Any) -> None:
    set_cookies = Reply.of(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        b"Set-Cookie: z_root=1; Path=/\r\n"  # created first, shortest path
        b"Set-Cookie: m_deep=2; Path=/x/y\r\n"
        b"Set-Cookie: b_mid=3; Path=/x\r\n"
        b"Set-Cookie: y_default=4\r\n"  # default path /x/y
        b"Set-Cookie: a_parent=5; Domain=example.com; Path=/\r\n\r\n"
    )
    srv = raw_server([set_cookies, _OK, _OK])
    port = srv.url().rsplit(":", 1)[1].rstrip("/")
    base = f"http://www.example.com:{port}"

    async def main() -> None:
        connector = aiohttp.TCPConnector(resolver=_AnyName())
        async with aiohttp.ClientSession(connector=connector, cookies={"q_session": "s", "c_session": "s"}) as session:
            async with session.get(f"{base}/x/y/z") as resp:
                await resp.read()
            async with session.get(f"{base}/x/y/z") as resp:
                await resp.read()
            per_request = [("zz_req", "r"), ("b_mid", "over"), ("aa_req", "r")]
            async with session.get(f"{base}/x/y/z", cookies=per_request) as resp:
                await resp.read()

    run(main())
    requests = srv.wait_requests(3)
    assert _cookie_fields(requests[0]) == [b"Cookie: c_session=s; q_session=s"]
    assert _cookie_fields(requests[1]) == [
        b"Cookie: a_parent=5; b_mid=3; c_session=s; m_deep=2; q_session=s; y_default=4; z_root=1"
    ]
    assert _cookie_fields(requests[2]) == [
        b"Cookie: a_parent=5; aa_req=r; b_mid=over; c_session=s; m_deep=2; q_session=s; y_default=4; z_root=1; zz_req=r"
    ]


@pytest.mark.parametrize("name", ["a b", "a;b", "a=b", "", "ä", "a[b]", "a/b", "a\tb", "path", "Expires", "Domain"])
def test_illegal_cookie_name_raises_cookie_error(raw_server: Any, name: str) -> None:
    srv = raw_server(_OK)

    async def main() -> None:
        with pytest.raises(CookieError):
            aiohttp.ClientSession(cookies={name: "v"})
        async with aiohttp.ClientSession() as session:
            with pytest.raises(CookieError):
                await session.get(srv.url(), cookies={name: "v"})
            with pytest.raises(CookieError):
                await session.get(srv.url(), cookies=[(name, "v")])
            async with session.get(srv.url()) as resp:  # the session still works
                assert resp.status == 200

    run(main())
    assert len(srv.wait_requests(1)) == 1  # the refused requests sent nothing


def test_legal_unusual_names_and_morsels_are_sent(raw_server: Any) -> None:
    """``:`` and ``$`` are in SimpleCookie's token set; a Morsel's own key is not checked."""
    srv = raw_server(_OK)
    morsel: Morsel[str] = Morsel()
    morsel.set("m", "1", "1")

    async def main() -> None:
        async with aiohttp.ClientSession(cookies={"a:b": "1", "$x": "2"}) as session:
            async with session.get(srv.url(), cookies={"any name": morsel}) as resp:
                assert resp.status == 200

    run(main())
    # sorted by the name given ("any name"), sent under the Morsel's key
    assert _cookie_fields(srv.wait_requests(1)[0]) == [b"Cookie: $x=2; a:b=1; m=1"]
