"""Cookies (RFC 6265): the sans-IO rules, the jar, save/load, and a session against
an aiohttp.web peer reached under two host names (a resolver maps both to 127.0.0.1).
"""

from __future__ import annotations

import calendar
import json
import os
import pickle
import socket
import stat
import time
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._sansio._cookies import (
    default_path,
    domain_match,
    parse_cookie_date,
    parse_set_cookie,
    parse_set_cookie_headers,
    path_match,
)

# -- sans-IO rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 1 Jan 1980 12:00:00 GMT", (1980, 1, 1, 12, 0, 0)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", (1994, 11, 6, 8, 49, 37)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", (1994, 11, 6, 8, 49, 37)),
        ("Sun Nov  6 08:49:37 1994", (1994, 11, 6, 8, 49, 37)),
        ("1 Jan 10 00:00:00", (2010, 1, 1, 0, 0, 0)),
        ("1 Jan 70 00:00:00", (1970, 1, 1, 0, 0, 0)),
        ("", None),
        ("Tue, 1 Jan 00:00:00 GMT", None),  # no year
        ("Tue, 0 Jan 1970 00:00:00 GMT", None),
        ("Tue, 31 Feb 1970 00:00:00 GMT", None),
        ("Tue, 1 Jan 1500 00:00:00 GMT", None),
        ("Tue, 1 Jan 1970 24:00:00 GMT", None),
        ("Tue, 1 Jan 1970 GMT", None),
    ],
)
def test_cookie_date(text: str, expected: Any) -> None:
    got = parse_cookie_date(text)
    if expected is None:
        assert got is None
    else:
        assert got == calendar.timegm((*expected, 0, 0, 0))


def test_domain_and_path_matching() -> None:
    assert domain_match("example.com", "example.com")
    assert domain_match("example.com", "a.b.example.com")
    assert not domain_match("example.com", "badexample.com")
    assert not domain_match("0.0.1", "127.0.0.1")  # never for an IP address
    assert not domain_match("", "example.com")
    assert path_match("/a/b", "/a") and path_match("/a/", "/a/") and path_match("/a", "/a")
    assert not path_match("/ab", "/a") and not path_match("/a", "/a/")
    assert [default_path(p) for p in ("", "x", "/", "/a", "/a/b", "/a/b/")] == ["/", "/", "/", "/", "/a", "/a/b"]


def test_set_cookie_parsing() -> None:
    parsed = parse_set_cookie('path=v1; Path="/x;y"; Max-Age=5; Secure=whatever; HttpOnly; SameSite=Lax; Foo=bar')
    assert parsed is not None
    name, morsel = parsed
    assert (name, morsel.key, morsel.value) == ("path", "path", "v1")  # a reserved name as the cookie name
    assert morsel["path"] == "/x;y" and morsel["max-age"] == "5"
    assert morsel["secure"] is True and morsel["httponly"] is True and morsel["samesite"] == "Lax"
    quoted = parse_set_cookie('q="a b"')
    assert quoted is not None and quoted.morsel.value == "a b" and quoted.morsel.coded_value == '"a b"'
    for bad in ("novalue", "=v", "a b=c", "a,b=c", "a=b\x01c", "x" * 4000 + "=" + "y" * 100):
        assert parse_set_cookie(bad) is None
    long_attr = parse_set_cookie("a=1; Domain=" + "d" * 1025 + "; Secure=" + "s" * 2000)
    assert long_attr is not None and long_attr.morsel["domain"] == "" and long_attr.morsel["secure"] is True
    many = parse_set_cookie("a=1" + "; Foo=1" * 32 + "; Secure")
    assert many is not None and not many.morsel["secure"]  # the 33rd attribute is ignored
    assert len(parse_set_cookie_headers([f"c{i}=1" for i in range(60)])) == 50


# -- the jar ---------------------------------------------------------------------------------


def _names(cookies: Any) -> set[str]:
    return set(cookies.keys())


def test_host_only_domain_and_refused_cookies() -> None:
    jar = aiohttp.CookieJar()
    origin = URL("http://www.example.com/a/page")
    jar.update_cookies_from_headers(
        ["host=1", "dom=2; Domain=example.com; Path=/", "other=3; Domain=other.org", "sub=4; Domain=x.www.example.com"],
        origin,
    )
    assert len(jar) == 2
    assert ("www.example.com", "/a", "host") in jar.host_only_cookies
    assert _names(jar.filter_cookies(URL("http://www.example.com/a/b"))) == {"host", "dom"}
    assert _names(jar.filter_cookies(URL("http://www.example.com/"))) == {"dom"}  # default path /a
    assert _names(jar.filter_cookies(URL("http://x.www.example.com/a/b"))) == {"dom"}  # host-only stays home
    assert _names(jar.filter_cookies(URL("http://example.com/a"))) == {"dom"}
    assert not jar.filter_cookies(URL("http://other.org/"))


def test_ip_hosts_only_when_unsafe() -> None:
    safe = aiohttp.CookieJar()
    safe.update_cookies_from_headers(["a=1"], URL("http://127.0.0.1/"))
    assert len(safe) == 0
    unsafe = aiohttp.CookieJar(unsafe=True)
    unsafe.update_cookies_from_headers(["a=1"], URL("http://127.0.0.1/"))
    assert _names(unsafe.filter_cookies(URL("http://127.0.0.1/x"))) == {"a"}
    assert not unsafe.filter_cookies(URL("http://127.0.0.2/x"))


def test_secure_cookies_and_secure_origins() -> None:
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin="http://127.0.0.1:8080")
    jar.update_cookies_from_headers(["s=1; Secure", "p=2"], URL("https://127.0.0.1:8080/"))
    assert _names(jar.filter_cookies(URL("https://127.0.0.1:8080/"))) == {"s", "p"}
    assert _names(jar.filter_cookies(URL("http://127.0.0.1:8080/"))) == {"s", "p"}
    assert _names(jar.filter_cookies(URL("http://127.0.0.1:9090/"))) == {"p"}
    assert jar.treat_as_secure_origin == frozenset({URL("http://127.0.0.1:8080")})


def test_expiry_max_age_wins_and_deletion() -> None:
    jar = aiohttp.CookieJar()
    url = URL("http://example.com/")
    jar.update_cookies_from_headers(["a=1; Max-Age=3600; Expires=Tue, 1 Jan 1980 12:00:00 GMT"], url)
    assert _names(jar.filter_cookies(url)) == {"a"}  # Max-Age wins over a past Expires
    jar.update_cookies_from_headers(["b=1; Expires=Tue, 1 Jan 1980 12:00:00 GMT"], url)
    assert _names(jar.filter_cookies(url)) == {"a"}
    jar.update_cookies_from_headers(["a=; Max-Age=0"], url)
    assert len(jar) == 0
    jar.update_cookies_from_headers(["c=1; Max-Age=1"], url)
    past = time.time() - 1  # as if the second had passed
    jar._store.expirations[("example.com", "", "c")] = past
    jar._store.expire_heap[:] = [(past, ("example.com", "", "c"))]
    assert not jar.filter_cookies(url) and len(jar) == 0


def test_quote_cookie_and_iteration() -> None:
    quoted = aiohttp.CookieJar()
    quoted.update_cookies({"a": "x/y", "b": "plain"})
    assert quoted.filter_cookies(URL("http://h.example/")).output(header="Cookie:", sep=";") == (
        'Cookie: a="x/y";Cookie: b=plain'
    )
    raw = aiohttp.CookieJar(quote_cookie=False)
    raw.update_cookies({"a": "x/y"})
    assert raw.filter_cookies(URL("http://h.example/"))["a"].coded_value == "x/y"
    assert [m.key for m in quoted] == ["a", "b"] and all(isinstance(m, Morsel) for m in quoted)


def test_clear_predicate_and_domain() -> None:
    jar = aiohttp.CookieJar()
    jar.update_cookies_from_headers(["a=1; Domain=example.com", "b=2; Secure"], URL("https://www.example.com/"))
    jar.update_cookies_from_headers(["c=3"], URL("https://other.org/"))
    jar.clear(lambda m: bool(m["secure"]))
    assert {m.key for m in jar} == {"a", "c"}
    jar.clear_domain("example.com")
    assert {m.key for m in jar} == {"c"}
    jar.clear()
    assert len(jar) == 0


def test_jar_selects_by_path_within_one_stored_path() -> None:
    # "/a" and "/a/" are stored under one path key; RFC 6265 §5.1.4 still tells them apart.
    jar = aiohttp.CookieJar()
    jar.update_cookies_from_headers(
        ["bare=1; Path=/a", "slash=2; Path=/a/", "double=3; Path=/a//", "root=4; Path=/"], URL("http://h.example/")
    )

    def names(path: str) -> set[str]:
        return set(jar.filter_cookies(URL(f"http://h.example{path}")))

    assert names("/a") == {"bare", "root"}
    assert names("/a/") == {"bare", "slash", "root"}
    assert names("/a/b") == {"bare", "slash", "root"}
    assert names("/a//x") == {"bare", "slash", "double", "root"}
    assert names("/ab") == {"root"}
    assert names("/") == {"root"}


def test_limits_and_index_on_a_big_jar() -> None:
    jar = aiohttp.CookieJar()
    for d in range(200):
        jar.update_cookies_from_headers([f"c{i}=v" for i in range(10)], URL(f"http://d{d}.example/"))
    assert len(jar) == 2000
    assert len(jar.filter_cookies(URL("http://d7.example/"))) == 10
    full = aiohttp.CookieJar()
    full.update_cookies_from_headers([f"c{i}=v" for i in range(50)], URL("http://e.example/"))
    for n in range(4):
        full.update_cookies_from_headers([f"n{n}_{i}=v" for i in range(50)], URL("http://e.example/"))
    assert 150 <= len(full) < 180  # a full domain (180) is trimmed to 150, oldest first
    assert "c0" not in {m.key for m in full} and "n3_49" in {m.key for m in full}
    assert len(full.filter_cookies(URL("http://e.example/"))) == 150  # per-request limit


def test_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "jar.json"
    jar = aiohttp.CookieJar()
    jar.update_cookies_from_headers(
        ["h=1; Max-Age=3600", "d=2; Domain=example.com; Secure; HttpOnly", "e=3; Expires=Tue, 1 Jan 2999 00:00:00 GMT"],
        URL("https://www.example.com/"),
    )
    jar.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["www.example.com|"]["h"]["host_only"] is True
    loaded = aiohttp.CookieJar()
    loaded.load(path)
    assert loaded.host_only_cookies == jar.host_only_cookies
    assert loaded._store.expirations == jar._store.expirations  # absolute deadlines kept
    assert _names(loaded.filter_cookies(URL("https://sub.example.com/"))) == {"d"}
    assert next(m for m in loaded if m.key == "d")["httponly"] is True
    # load re-applies the acceptance rules: a record at a domain it does not name is dropped
    data["other.org|"] = {"x": {"key": "x", "value": "1", "coded_value": "1", "domain": "example.com"}}
    path.write_text(json.dumps(data))
    loaded.load(path)
    assert "x" not in {m.key for m in loaded}


class _Trap:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> Any:
        return (open, (self.target, "w"))


def test_load_never_unpickles(tmp_path: Path) -> None:
    trap = tmp_path / "created-by-unpickling"
    path = tmp_path / "jar.pickle"
    path.write_bytes(pickle.dumps(_Trap(str(trap))))
    jar = aiohttp.CookieJar()
    jar.update_cookies({"keep": "1"})
    with pytest.raises(pickle.UnpicklingError, match=r"Forbidden class: \S+ open"):
        jar.load(path)
    assert not trap.exists()
    path.write_bytes(pickle.dumps({("example.com", ""): SimpleCookie("a=1")}))
    with pytest.raises(pickle.UnpicklingError, match="never unpickles"):
        jar.load(path)
    assert [m.key for m in jar] == ["keep"]


def test_dummy_jar_and_abc() -> None:
    dummy = aiohttp.DummyCookieJar()
    dummy.update_cookies_from_headers(["a=1"], URL("http://example.com/"))
    assert len(dummy) == 0 and not dummy.filter_cookies(URL("http://example.com/"))
    assert isinstance(dummy, aiohttp.abc.AbstractCookieJar)
    assert isinstance(aiohttp.CookieJar(), aiohttp.abc.AbstractCookieJar)  # built outside a loop


# -- a session against aiohttp.web under two host names ----------------------------------------------


class _TwoNames:
    """Resolves every name to 127.0.0.1, so ``a.test`` and ``b.test`` are two origins."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


async def _cookie_app() -> Any:
    from aiohttp import web

    async def set_cookies(request: Any) -> Any:
        resp = web.Response(text="set")
        resp.headers.add("Set-Cookie", "sid=s1; Path=/")
        resp.headers.add("Set-Cookie", "deep=d1; Path=/deep")
        return resp

    async def hop(request: Any) -> Any:
        resp = web.Response(status=302, headers={"Location": "/hop2"})
        resp.headers.add("Set-Cookie", "hop1=h1; Path=/")
        return resp

    async def hop2(request: Any) -> Any:
        resp = web.Response(status=302, headers={"Location": f"http://b.test:{request.url.port}/show"})
        resp.headers.add("Set-Cookie", "hop2=h2; Path=/")
        return resp

    async def show(request: Any) -> Any:
        return web.json_response({"cookie": request.headers.get("Cookie", "")})

    app = web.Application()
    app.router.add_get("/set", set_cookies)
    app.router.add_get("/hop", hop)
    app.router.add_get("/hop2", hop2)
    app.router.add_get("/show", show)
    app.router.add_get("/deep/show", show)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner


def _pairs(header: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in header.split("; ") if p)


def test_session_cookies_across_origins_paths_and_redirects() -> None:
    async def main() -> None:
        runner = await _cookie_app()
        port = runner.addresses[0][1]
        a, b = f"http://a.test:{port}", f"http://b.test:{port}"
        try:
            connector = aiohttp.TCPConnector(resolver=_TwoNames())
            async with aiohttp.ClientSession(connector=connector, cookies={"shared": "1"}) as session:
                async with session.get(f"{a}/set") as resp:
                    assert resp.cookies["sid"].value == "s1"
                async with session.get(f"{a}/show") as resp:
                    assert _pairs((await resp.json())["cookie"]) == {"shared": "1", "sid": "s1"}
                async with session.get(f"{a}/deep/show", cookies={"sid": "override", "x": "y"}) as resp:
                    assert _pairs((await resp.json())["cookie"]) == {
                        "shared": "1",
                        "sid": "override",
                        "deep": "d1",
                        "x": "y",
                    }
                async with session.get(f"{a}/hop") as resp:  # a/hop -> a/hop2 -> b/show
                    assert [r.status for r in resp.history] == [302, 302]
                    assert _pairs((await resp.json())["cookie"]) == {"shared": "1"}  # a's cookies stay on a
                names = {(m.key, m["domain"]) for m in session.cookie_jar}
                assert {("hop1", "a.test"), ("hop2", "a.test"), ("sid", "a.test")} <= names
                async with session.get(f"{b}/show") as resp:
                    assert _pairs((await resp.json())["cookie"]) == {"shared": "1"}
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=_TwoNames()), cookie_jar=aiohttp.DummyCookieJar()
            ) as session:
                async with session.get(f"{a}/set") as resp:
                    assert resp.cookies["sid"].value == "s1"
                assert len(session.cookie_jar) == 0
        finally:
            await runner.cleanup()

    run(main())


def test_explicit_cookie_header_is_merged() -> None:
    async def main() -> None:
        runner = await _cookie_app()
        port = runner.addresses[0][1]
        try:
            jar = aiohttp.CookieJar(unsafe=True)
            jar.update_cookies({"j": "1"})
            async with aiohttp.ClientSession(cookie_jar=jar) as session:
                async with session.get(f"http://127.0.0.1:{port}/show", headers={"Cookie": "h=2"}) as resp:
                    assert (await resp.json())["cookie"] == "h=2; j=1"
        finally:
            await runner.cleanup()

    run(main())


def test_save_in_a_fresh_file_keeps_umask_out(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        jar = aiohttp.CookieJar()
        jar.update_cookies({"a": "1"})
        jar.save(tmp_path / "c.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o600


def test_attribute_without_semicolon_and_morsel_keys() -> None:
    parsed = parse_set_cookie("c=1; HttpOnly; Path=/ Max-Age=0 ")
    assert parsed is not None and parsed.morsel["path"] == "/" and parsed.morsel["max-age"] == "0"
    spaced = parse_set_cookie("c=1; Path=/a b")
    assert spaced is not None and spaced.morsel["path"] == "/a b"
    jar = aiohttp.CookieJar()
    morsel: Morsel[str] = Morsel()
    morsel.set("real", "v", "v")
    jar.update_cookies({"alias": morsel, "plain": "p"})
    sent = jar.filter_cookies(URL("http://example.com/"))
    assert sent["alias"].key == "real" and sent["plain"].key == "plain"  # sent under the Morsel's own key
