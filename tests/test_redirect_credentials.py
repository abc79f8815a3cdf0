"""Redirect targets and the credentials each hop carries (issue 15 items 4, 5, 10).

Two raw servers on two ports are two origins (RFC 6454 §4), and so are ``127.0.0.1``
and ``localhost`` on one port.  Every test reads the Authorization field each server
received, byte for byte.

- Item 4: a scheme-relative Location (``//host:port/path``, RFC 3986 §4.2) takes the
  current URL's scheme (§5.2.2); the other relative forms resolve as aiohttp 3.14.5
  resolves them, and the fragment is inherited per RFC 9110 §10.2.2.
- Item 5: credentials written in the URL go to every same-origin hop, none other.
- Item 10: the session's own ``auth`` (no ``base_url``) goes to the origin of the
  request the user made and to no other origin a redirect leads to; a hop back to that
  origin (A -> B -> A) carries it again (RFC 9110 §11.5: the protection space is the
  origin; aiohttp does the same with ``base_url``).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request, response
from _servers import Reply, run
from aiohttp_client._sansio._redirects import redirect_url


def _to(location: str, status: bytes = b"302 Found") -> Reply:
    return Reply.of(response(status, b"Location: " + location.encode(), b"Content-Length: 0"))


def _basic(userpass: bytes) -> str:
    return "Basic " + base64.b64encode(userpass).decode()


def _authorizations(srv) -> list[list[str]]:
    """The Authorization field values of each request *srv* received, in order."""
    return [field_values(parse_request(raw)[1], "Authorization") for raw in srv.requests]


def _get(url: str, session_kwargs: dict | None = None, **kwargs) -> tuple[int, str, int]:
    async def main() -> tuple[int, str, int]:
        async with aiohttp.ClientSession(**(session_kwargs or {})) as session:
            async with session.get(url, **kwargs) as resp:
                await resp.read()
                return resp.status, str(resp.url), len(resp.history)

    return run(main())


# --------------------------------------------------------------------------------------
# Item 4: the redirect target
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "location", "expected"),
    [
        ("http://a.test/x", "//b.test:8080/p?q", "http://b.test:8080/p?q"),
        ("https://a.test/x", "//b.test/p", "https://b.test/p"),
        ("https://a.test/x", "//b.test:8443", "https://b.test:8443"),
        ("http://a.test/x", "//b.test/a/../b", "http://b.test/b"),
        ("http://a.test/x", "//[::1]:9/v6", "http://[::1]:9/v6"),
        ("http://a.test/x#cur", "//b.test/p", "http://b.test/p#cur"),  # RFC 9110 §10.2.2
        ("http://a.test/x#cur", "//b.test/p#new", "http://b.test/p#new"),
        ("http://a.test/a/b/c?x=1#cur", "?q", "http://a.test/a/b/c?q#cur"),
        ("http://a.test/a/b/c?x=1", "../x", "http://a.test/a/x"),
        ("http://a.test/a/b/c?x=1", "#frag", "http://a.test/a/b/c?x=1#frag"),
        ("http://a.test/a/b/c#cur", "/x#new", "http://a.test/x#new"),
        ("http://a.test/a/b/c", "///x", "http://a.test/x"),
        ("http://a.test/a/b/c", "http:/p", "http://a.test/p"),
    ],
)
def test_redirect_url_resolution(current: str, location: str, expected: str) -> None:
    assert redirect_url(URL(current), location) == URL(expected)


def test_scheme_relative_location_is_followed(raw_server) -> None:
    second = raw_server(Reply.of(OK))
    first = raw_server(_to(f"//localhost:{second.port}/p/../landed?q=1"))
    status, url, hops = _get(first.url("/start"))
    assert (status, url, hops) == (200, f"http://localhost:{second.port}/landed?q=1", 1)
    assert second.requests[0].startswith(
        b"GET /landed?q=1 HTTP/1.1\r\nHost: localhost:" + str(second.port).encode() + b"\r\n"
    )


_RELATIVE_FORMS = ["//localhost:{port}/p?q", "?q", "../x", "#frag", "/x#frag2", "///x", "http:/p", "/sp ace"]


@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("form", _RELATIVE_FORMS)
def test_relative_locations_resolve_as_in_aiohttp(raw_server, form: str) -> None:
    """The request-target sent and ``resp.url`` match aiohttp 3.14.5's."""
    import aiohttp as reference

    seen = []
    for module in (aiohttp, reference):
        second = raw_server(Reply.of(OK))
        first = raw_server([_to(form.format(port=second.port)), Reply.of(OK)])

        async def main(module=module, first=first, second=second) -> str:
            async with module.ClientSession() as session:
                async with session.get(first.url("/a/b/c?x=1")) as resp:
                    await resp.read()
                    return str(resp.url).replace(str(first.port), "A").replace(str(second.port), "B")

        url = run(main())
        followed = first.requests[1:] + second.requests
        seen.append((url, [raw.split(b"\r\n")[0] for raw in followed]))
    assert seen[0] == seen[1]


# --------------------------------------------------------------------------------------
# Item 5: credentials written in the URL
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("userinfo", "userpass"),
    [
        ("user:pw", b"user:pw"),
        ("u%40x:p%3Aw", b"u@x:p:w"),
        ("user", b"user:"),
        (":pw", b":pw"),
        ("us%C3%A9r:p%C3%A9", "usér:pé".encode("latin-1")),  # BasicAuth.from_url: latin-1
    ],
)
def test_url_credentials_kept_on_same_origin_redirect(raw_server, userinfo: str, userpass: bytes) -> None:
    script: list[Reply] = []
    srv = raw_server(script)
    script += [_to("/start/"), _to(srv.url("/third")), Reply.of(OK)]  # relative, then absolute
    status, url, hops = _get(f"http://{userinfo}@127.0.0.1:{srv.port}/start")
    assert (status, url, hops) == (200, srv.url("/third"), 2)
    expected = _basic(userpass)
    assert _authorizations(srv) == [[expected]] * 3
    for raw in srv.requests:
        assert raw.count(b"\r\nAuthorization: " + expected.encode() + b"\r\n") == 1
        assert userinfo.encode() not in raw.split(b"\r\n")[0]  # never in the request-target


def test_url_credentials_kept_with_a_307_body(raw_server) -> None:
    srv = raw_server([_to("/again", b"307 Temporary Redirect"), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"http://user:pw@127.0.0.1:{srv.port}/", data=b"payload") as resp:
                assert resp.status == 200

    run(main())
    assert _authorizations(srv) == [[_basic(b"user:pw")]] * 2
    assert [parse_request(raw)[2] for raw in srv.requests] == [b"payload"] * 2


@pytest.mark.parametrize("other_host", ["127.0.0.1", "localhost"])
def test_url_credentials_dropped_cross_origin_and_not_restored(raw_server, other_host: str) -> None:
    """A -> B -> A: B gets none, and neither does the hop back (as aiohttp does)."""
    first_script: list[Reply] = []
    second_script: list[Reply] = []
    second = raw_server(second_script)
    first = raw_server(first_script)
    # On one port, localhost is another origin than 127.0.0.1 (RFC 6454 §4).
    b_port = second.port if other_host == "127.0.0.1" else first.port
    b_url = f"http://{other_host}:{b_port}/b"
    back = f"http://127.0.0.1:{first.port}/back"
    if other_host == "127.0.0.1":
        first_script += [_to(b_url), Reply.of(OK)]
        second_script.append(_to(back))
    else:
        first_script += [_to(b_url), _to(back), Reply.of(OK)]
    status, url, hops = _get(f"http://user:pw@127.0.0.1:{first.port}/start")
    assert (status, url, hops) == (200, back, 2)
    if other_host == "127.0.0.1":
        assert _authorizations(first) == [[_basic(b"user:pw")], []]
        assert _authorizations(second) == [[]]
    else:
        assert _authorizations(first) == [[_basic(b"user:pw")], [], []]
    assert b"user" not in b"".join(first.requests[1:]) + second.received


def test_url_credentials_win_over_netrc_on_every_hop(raw_server, tmp_path: Path, monkeypatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login net password rc\n")
    monkeypatch.setenv("NETRC", str(netrc))
    srv = raw_server([_to("/start/"), Reply.of(OK)])
    _get(f"http://user:pw@127.0.0.1:{srv.port}/start", {"trust_env": True})
    assert _authorizations(srv) == [[_basic(b"user:pw")]] * 2


# --------------------------------------------------------------------------------------
# Item 10: the session's own auth
# --------------------------------------------------------------------------------------

_SESSION_AUTH = _basic(b"s:a")


def _session_auth() -> dict:
    return {"auth": aiohttp.BasicAuth("s", "a")}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(
    "status", [b"301 Moved Permanently", b"302 Found", b"303 See Other", b"307 Temporary Redirect"]
)
def test_session_auth_not_sent_to_another_origin(raw_server, status: bytes) -> None:
    second = raw_server(Reply.of(OK))
    first = raw_server(_to(second.url("/b"), status))
    assert _get(first.url("/a"), _session_auth())[0] == 200
    assert _authorizations(first) == [[_SESSION_AUTH]]
    assert _authorizations(second) == [[]]
    assert b"Authorization" not in second.received


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_not_sent_to_localhost_from_127_0_0_1(raw_server) -> None:
    script: list[Reply] = []
    srv = raw_server(script)
    script += [_to(f"http://localhost:{srv.port}/b"), Reply.of(OK)]
    assert _get(srv.url("/a"), _session_auth())[:2] == (200, f"http://localhost:{srv.port}/b")
    assert _authorizations(srv) == [[_SESSION_AUTH], []]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_on_a_hop_back_to_the_first_origin(raw_server) -> None:
    """A -> B -> A: the third hop is inside the protection space the session's auth
    was sent to (RFC 9110 §11.5), so it carries it again; B never does."""
    script: list[Reply] = []
    first = raw_server(script)
    second = raw_server([_to(first.url("/back"))])
    script += [_to(second.url("/b")), _to("/same"), Reply.of(OK)]
    status, url, hops = _get(first.url("/a"), _session_auth())
    assert (status, url, hops) == (200, first.url("/same"), 3)
    assert _authorizations(first) == [[_SESSION_AUTH]] * 3
    assert _authorizations(second) == [[]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_still_sent_to_any_origin_asked_directly(raw_server) -> None:
    first = raw_server(Reply.of(OK))
    second = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(**_session_auth()) as session:
            for srv in (first, second):
                async with session.get(srv.url("/")) as resp:
                    assert resp.status == 200

    run(main())
    assert _authorizations(first) == _authorizations(second) == [[_SESSION_AUTH]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_and_url_credentials(raw_server) -> None:
    """The URL's credentials win on every same-origin hop; another origin gets neither."""
    second = raw_server(Reply.of(OK))
    first = raw_server([_to("/next"), _to(second.url("/b"))])
    _get(f"http://user:pw@127.0.0.1:{first.port}/a", _session_auth())
    assert _authorizations(first) == [[_basic(b"user:pw")]] * 2
    assert _authorizations(second) == [[]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.aiohttp_oracle
def test_base_url_session_auth_hops_as_in_aiohttp(raw_server) -> None:
    import aiohttp as reference

    seen = []
    for module in (aiohttp, reference):
        script: list[Reply] = []
        first = raw_server(script)
        second = raw_server([_to(first.url("/back"))])
        script += [_to(second.url("/b")), Reply.of(OK)]

        async def main(module=module, first=first) -> None:
            auth = module.BasicAuth("s", "a")
            async with module.ClientSession(base_url=first.url("/"), auth=auth) as session:
                async with session.get("/a") as resp:
                    assert resp.status == 200

        run(main())
        seen.append((_authorizations(first), _authorizations(second)))
    assert seen[0] == seen[1] == ([[_SESSION_AUTH]] * 2, [[]])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_through_a_proxy_across_a_redirect(raw_server) -> None:
    """A forward proxy (a raw server reading absolute-form requests) relays A -> B:
    the proxy's credentials go on both hops, the session's auth only on the first."""
    proxy = raw_server([_to("http://localhost:9/b"), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession(**_session_auth()) as session:
            async with session.get(
                "http://127.0.0.1:9/a", proxy=proxy.url(), proxy_auth=aiohttp.BasicAuth("p", "x")
            ) as resp:
                assert resp.status == 200

    run(main())
    lines = [parse_request(raw)[0] for raw in proxy.requests]
    assert lines == ["GET http://127.0.0.1:9/a HTTP/1.1", "GET http://localhost:9/b HTTP/1.1"]
    assert _authorizations(proxy) == [[_SESSION_AUTH], []]
    proxy_auth = [field_values(parse_request(raw)[1], "Proxy-Authorization") for raw in proxy.requests]
    assert proxy_auth == [[_basic(b"p:x")]] * 2


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_session_auth_and_jar_cookies_across_origins(raw_server) -> None:
    """A sets a cookie; B (another host: cookies ignore ports, RFC 6265 §8.5) gets
    neither it nor the auth; back at A both return."""
    script: list[Reply] = []
    first = raw_server(script)
    second = raw_server([_to(first.url("/back"))])
    location = f"Location: http://localhost:{second.port}/b".encode()
    script += [Reply.of(response(b"302 Found", location, b"Set-Cookie: sid=1", b"Content-Length: 0")), Reply.of(OK)]

    async def main() -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # the jar takes cookies from an IP address
        async with aiohttp.ClientSession(cookie_jar=jar, **_session_auth()) as session:
            async with session.get(first.url("/a")) as resp:
                assert resp.status == 200

    run(main())
    assert b"Cookie" not in second.received and b"Authorization" not in second.received
    _line, fields, _ = parse_request(first.requests[1])
    assert field_values(fields, "Cookie") == ["sid=1"]
    assert field_values(fields, "Authorization") == [_SESSION_AUTH]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("status", [b"307 Temporary Redirect", b"308 Permanent Redirect"])
def test_session_auth_dropped_on_a_body_kept_redirect(raw_server, status: bytes) -> None:
    """307/308 keep the method and the body (RFC 9110 §15.4.8, §15.4.9); the new
    origin gets the body but not the session's auth."""
    second = raw_server(Reply.of(OK))
    first = raw_server(_to(second.url("/b"), status))

    async def main() -> None:
        async with aiohttp.ClientSession(**_session_auth()) as session:
            async with session.post(first.url("/a"), data=b"the body") as resp:
                assert resp.status == 200

    run(main())
    assert _authorizations(first) == [[_SESSION_AUTH]]
    assert _authorizations(second) == [[]]
    line, _fields, body = parse_request(second.requests[0])
    assert (line, body) == ("POST /b HTTP/1.1", b"the body")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_middleware_sees_each_hop_without_the_session_auth_cross_origin(raw_server) -> None:
    """A middleware runs once per hop and sees the fields that hop sends."""
    second = raw_server(Reply.of(OK))
    first = raw_server(_to(second.url("/b")))
    seen: list[tuple[str, str | None]] = []

    async def record(req, handler):
        seen.append((req.url.path, req.headers.get("Authorization")))
        return await handler(req)

    async def main() -> None:
        async with aiohttp.ClientSession(middlewares=(record,), **_session_auth()) as session:
            async with session.get(first.url("/a")) as resp:
                assert resp.status == 200

    run(main())
    assert seen == [("/a", _SESSION_AUTH), ("/b", None)]
    assert _authorizations(second) == [[]]


@pytest.mark.aiohttp_oracle
def test_netrc_credentials_per_hop_host(raw_server, tmp_path: Path, monkeypatch) -> None:
    """trust_env: each hop sends its own host's netrc entry (bound to that origin),
    never the previous host's, as aiohttp 3.14.5 does."""
    import aiohttp as reference

    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login one password 1\nmachine localhost login two password 2\n")
    monkeypatch.setenv("NETRC", str(netrc))
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    seen = []
    for module in (aiohttp, reference):
        script: list[Reply] = []
        srv = raw_server(script)
        script += [_to(f"http://localhost:{srv.port}/b"), _to(f"http://127.0.0.1:{srv.port}/c"), Reply.of(OK)]

        async def main(module=module, srv=srv) -> None:
            async with module.ClientSession(trust_env=True) as session:
                async with session.get(srv.url("/a")) as resp:
                    assert resp.status == 200

        run(main())
        by_target = {parse_request(raw)[0]: auth for raw, auth in zip(srv.requests, _authorizations(srv))}
        seen.append(by_target)  # (two connections: the requests are listed per connection)
    expected = {"GET /a HTTP/1.1": [_basic(b"one:1")], "GET /b HTTP/1.1": [_basic(b"two:2")]}
    expected["GET /c HTTP/1.1"] = [_basic(b"one:1")]
    assert seen[0] == seen[1] == expected
