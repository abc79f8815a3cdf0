"""A cookie whose Domain is a public suffix (RFC 6265 §5.3 step 5; issue 15 item 12).

``Set-Cookie: x=1; Domain=com`` would reach every ``.com`` site: it is refused from
any host but ``com`` itself, and from that very host it is host-only.  Public
suffixes come from the Public Suffix List (``publicsuffixlist``); a single-label
domain is one even without the list.  aiohttp 3.14.5 stores both (a difference
on purpose).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import Reply, run
from aiohttp_client._sansio import _cookies
from aiohttp_client._sansio._cookies import is_public_suffix


def _stored(jar: aiohttp.CookieJar) -> set[tuple[str, str]]:
    return {(m.key, m["domain"]) for m in jar}


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("http://example.com/", "x=1; Domain=com"),
        ("http://example.com/", "x=1; Domain=.COM"),
        ("http://a.b.example.co.uk/", "x=1; Domain=co.uk"),
        ("http://me.github.io/", "x=1; Domain=github.io"),  # the list's private section
        ("http://a.localhost/", "x=1; Domain=localhost"),  # single label
        ("http://a.internal/", "x=1; Domain=internal"),
    ],
)
def test_public_suffix_domain_is_refused(url: str, header: str) -> None:
    for unsafe in (False, True):  # unsafe=True (IP hosts) changes nothing here
        jar = aiohttp.CookieJar(unsafe=unsafe)
        jar.update_cookies_from_headers([header, "ok=1"], URL(url))
        host = URL(url).host
        assert _stored(jar) == {("ok", host)}
        assert "x" not in jar.filter_cookies(URL("http://other.example.com/"))


def test_registrable_domain_is_still_accepted() -> None:
    jar = aiohttp.CookieJar()
    jar.update_cookies_from_headers(
        ["a=1; Domain=example.com", "b=2; Domain=example.co.uk"], URL("http://www.example.com/")
    )
    assert _stored(jar) == {("a", "example.com")}  # b: example.com does not domain-match example.co.uk
    jar.update_cookies_from_headers(["g=1; Domain=me.github.io"], URL("http://x.me.github.io/"))
    assert set(jar.filter_cookies(URL("http://y.me.github.io/"))) == {"g"}


def test_public_suffix_from_that_very_host_is_host_only() -> None:
    jar = aiohttp.CookieJar()
    jar.update_cookies_from_headers(["h=1; Domain=localhost"], URL("http://localhost/"))
    jar.update_cookies_from_headers(["p=1; Domain=github.io"], URL("http://github.io/"))
    assert ("localhost", "", "h") in jar.host_only_cookies and ("github.io", "", "p") in jar.host_only_cookies
    assert set(jar.filter_cookies(URL("http://localhost/"))) == {"h"}
    assert not jar.filter_cookies(URL("http://a.localhost/"))
    assert not jar.filter_cookies(URL("http://me.github.io/"))


def test_is_public_suffix() -> None:
    assert is_public_suffix("com") and is_public_suffix("co.uk") and is_public_suffix("localhost")
    assert not is_public_suffix("example.com") and not is_public_suffix("127.0.0.1")


def test_single_label_refused_without_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defensive: if ``publicsuffixlist`` cannot be imported, single labels are still refused."""
    monkeypatch.setitem(sys.modules, "publicsuffixlist", None)  # import raises ImportError
    monkeypatch.setattr(_cookies, "_PSL", None)
    monkeypatch.setattr(_cookies, "_PSL_MISSING", False)
    is_public_suffix.cache_clear()
    try:
        jar = aiohttp.CookieJar()
        jar.update_cookies_from_headers(["x=1; Domain=com", "y=1; Domain=example.com"], URL("http://www.example.com/"))
        assert _stored(jar) == {("y", "example.com")}
        assert _cookies._PSL_MISSING
    finally:
        is_public_suffix.cache_clear()


def test_the_list_is_loaded_lazily() -> None:
    """Importing the package does not load the list; the first Domain check does."""
    code = (
        "import sys, aiohttp_client\n"
        "from aiohttp_client._sansio import _cookies\n"
        "assert 'publicsuffixlist' not in sys.modules and _cookies._PSL is None\n"
        "assert _cookies.is_public_suffix('co.uk')\n"
        "assert _cookies._PSL is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class _AnyName:
    """Resolves every name to 127.0.0.1: the raw server plays ``www.example.com``."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


def test_session_refuses_public_suffix_cookie_end_to_end(raw_server: Any) -> None:
    set_cookies = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        b"Set-Cookie: wide=1; Domain=com; Path=/\r\n"
        b"Set-Cookie: local=1; Domain=localhost; Path=/\r\n"
        b"Set-Cookie: site=1; Domain=example.com; Path=/\r\n\r\n"
    )
    empty = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    srv = raw_server([Reply.of(set_cookies), Reply.of(empty), Reply.of(empty), Reply.of(set_cookies)])
    port = srv.url().rsplit(":", 1)[1].rstrip("/")

    async def main() -> None:
        connector = aiohttp.TCPConnector(resolver=_AnyName(), force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            for host in ("www.example.com", "other.example.com", "evil.com"):
                async with session.get(f"http://{host}:{port}/") as resp:
                    await resp.read()
            assert _stored(session.cookie_jar) == {("site", "example.com")}
        async with aiohttp.ClientSession() as session:  # the real name localhost: host-only
            async with session.get(f"http://localhost:{port}/") as resp:
                await resp.read()
            assert _stored(session.cookie_jar) == {("local", "localhost")}  # Domain=localhost from localhost
            assert session.cookie_jar.host_only_cookies == {("localhost", "", "local")}

    run(main())
    requests = srv.wait_requests(4)
    cookies = [[ln for ln in r.split(b"\r\n") if ln.lower().startswith(b"cookie:")] for r in requests]
    assert cookies[1] == [b"Cookie: site=1"]  # other.example.com: the site cookie, not wide=1
    assert cookies[2] == []  # evil.com gets nothing
