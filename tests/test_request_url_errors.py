"""The exception a request URL that cannot be sent raises (issue 15 item 15), class
and message shape as aiohttp 3.14.5's: a URL without a scheme (``"example.com/path"``,
``"/relative"``, ``""``) is an ``InvalidUrlClientError`` (an ``InvalidURL``, a
``ValueError``); a scheme other than http(s)/ws(s) is a ``NonHttpUrlClientError``; an
http URL without a host is an ``InvalidUrlClientError``.  The error carries the URL as
the caller gave it, fragment included.  With ``base_url`` the relative ones go to the
base (a raw server records the request-target).
"""

from __future__ import annotations

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK
from _servers import Reply, run

_INVALID = "InvalidUrlClientError"
_NON_HTTP = "NonHttpUrlClientError"

#: URL -> (class, str(exc)) without base_url, as aiohttp 3.14.5 raises them
_EXPECTED = {
    "example.com/path": (_INVALID, "example.com/path"),
    "/relative": (_INVALID, "/relative"),
    "": (_INVALID, ""),
    "?q": (_INVALID, "?q"),
    "#f": (_INVALID, "#f"),
    "/x#f": (_INVALID, "/x#f"),
    "http:/x": (_INVALID, "http:///x"),
    "http://": (_INVALID, "http://"),
    "http://#f": (_INVALID, "http://#f"),
    "https://": (_INVALID, "https://"),
    "ftp://x": (_NON_HTTP, "ftp://x"),
    "mailto:a@b": (_NON_HTTP, "mailto:a@b"),
    "example.com:80/x": (_NON_HTTP, "example.com:80/x"),  # "example.com" is the scheme
    # named with the credentials the request would have taken out of the URL
    "ftp://user:pw@x": (_NON_HTTP, "ftp://user:pw@x"),
    "ftp://u%40x:p@x/a#f": (_NON_HTTP, "ftp://u%40x:p@x/a#f"),
}


def _raised(module, url: str, base_url: str | None = None, ws: bool = False) -> tuple[str, str, tuple]:
    async def main() -> tuple[str, str, tuple]:
        async with module.ClientSession(base_url=base_url) as session:
            try:
                if ws:
                    async with session.ws_connect(url):
                        pass
                else:
                    async with session.get(url) as resp:
                        await resp.read()
            except (module.ClientError, ValueError) as exc:
                return type(exc).__name__, str(exc), exc.args
        return "no error", "", ()

    return run(main())


@pytest.mark.parametrize("url", sorted(_EXPECTED))
def test_unsendable_url_raises_like_aiohttp(url: str) -> None:
    name, text, args = _raised(aiohttp, url)
    assert (name, text) == _EXPECTED[url]
    assert [str(a) for a in args] == [text]  # the URL is the one argument
    if name == _INVALID:
        with pytest.raises(aiohttp.InvalidURL) as info:
            run(_get(url))
        assert isinstance(info.value, ValueError) and info.value.url is args[0]


async def _get(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        await session.get(url)


def test_network_path_reference_is_an_invalid_url() -> None:
    """``//host/x`` has no scheme: not an absolute URL (RFC 3986 §4.3).  aiohttp
    3.14.5 fails on it with a bare ``AssertionError``; ours is an ``InvalidURL``."""
    assert _raised(aiohttp, "//host/x")[:2] == (_INVALID, "//host/x")
    assert _raised(aiohttp, "//host/x", base_url="http://127.0.0.1:9/")[:2] == (_INVALID, "//host/x")


@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("url", sorted(_EXPECTED))
@pytest.mark.parametrize("ws", [False, True], ids=["get", "ws_connect"])
def test_same_class_and_message_as_aiohttp(url: str, ws: bool) -> None:
    import aiohttp as reference

    ours = _raised(aiohttp, url, ws=ws)
    theirs = _raised(reference, url, ws=ws)
    assert ours[:2] == theirs[:2]
    assert [str(a) for a in ours[2]] == [str(a) for a in theirs[2]]


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("example.com/path", b"/example.com/path"),
        ("/relative", b"/relative"),
        ("", b"/"),
        ("?q", b"/?q"),
        ("http:/x", b"/x"),
    ],
)
def test_relative_urls_go_to_base_url(raw_server, url: str, target: bytes) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        async with aiohttp.ClientSession(base_url=srv.url("/")) as session:
            async with session.get(url) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.requests[0].startswith(b"GET " + target + b" HTTP/1.1\r\n")


@pytest.mark.parametrize("url", ["ftp://x", "mailto:a@b", "https://"])
def test_base_url_does_not_change_other_errors(url: str) -> None:
    assert _raised(aiohttp, url, base_url="http://127.0.0.1:9/")[:2] == _EXPECTED[url]
