"""Request serialization: exact bytes, and validation before anything is produced."""

import pytest
from multidict import CIMultiDict
from yarl import URL

from aiohttp_client._models import HttpVersion10, HttpVersion11
from aiohttp_client._sansio._http_writer import LAST_CHUNK, chunk, serialize_head
from aiohttp_client._sansio._redirects import BadRedirect, redirect_headers, redirect_method, redirect_url


def test_head_bytes() -> None:
    head = serialize_head("GET", "/a?b=1", HttpVersion11, [("Host", "example.com"), ("X-A", " v ")])
    assert head == b"GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-A: v\r\n\r\n"
    assert serialize_head("HEAD", "/", HttpVersion10, []) == b"HEAD / HTTP/1.0\r\n\r\n"


@pytest.mark.parametrize(
    "method,target,fields",
    [
        ("GE T", "/", []),
        ("GET\r\n", "/", []),
        ("", "/", []),
        ("GET", "/a b", []),
        ("GET", "/a\r\nX: y", []),
        ("GET", "/\x00", []),
        ("GET", "/", [("X-A", "v\r\nInjected: 1")]),
        ("GET", "/", [("X-A", "v\nx")]),
        ("GET", "/", [("X-A", "v\x00")]),
        ("GET", "/", [("X-A", "v\x7f")]),
        ("GET", "/", [("X A", "v")]),
        ("GET", "/", [("X-A:", "v")]),
    ],
)
def test_forbidden_characters_rejected(method: str, target: str, fields: list) -> None:
    with pytest.raises(ValueError):
        serialize_head(method, target, HttpVersion11, fields)


def test_htab_allowed_in_value() -> None:
    assert b"X-A: a\tb\r\n" in serialize_head("GET", "/", HttpVersion11, [("X-A", "a\tb")])


def test_chunk_encoding() -> None:
    assert b"".join(chunk(b"x" * 26)) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert LAST_CHUNK == b"0\r\n\r\n"


@pytest.mark.parametrize(
    "method,status,expected",
    [
        ("POST", 301, "GET"),
        ("POST", 302, "GET"),
        ("PUT", 303, "GET"),
        ("HEAD", 303, "HEAD"),
        ("POST", 307, "POST"),
        ("PUT", 308, "PUT"),
        ("PUT", 301, "PUT"),
    ],
)
def test_redirect_method(method: str, status: int, expected: str) -> None:
    assert redirect_method(method, status) == expected


def test_redirect_url_resolution_and_schemes() -> None:
    base = URL("http://a.example/x/y?q=1#frag")
    assert redirect_url(base, "/z") == URL("http://a.example/z#frag")
    assert redirect_url(base, "w") == URL("http://a.example/x/w#frag")
    assert redirect_url(base, "https://b.example/") == URL("https://b.example/#frag")
    with pytest.raises(BadRedirect) as info:
        redirect_url(base, "ftp://b.example/")
    assert info.value.non_http
    with pytest.raises(BadRedirect) as info:
        redirect_url(base, "http://")
    assert not info.value.non_http


def test_redirect_headers_strip_credentials_cross_origin() -> None:
    h = CIMultiDict({"Authorization": "x", "Cookie": "c=1", "Content-Type": "a/b", "X-Keep": "1", "Host": "a"})
    same = redirect_headers(h, URL("http://a/"), URL("http://a/b"), method_changed=False)
    assert "Authorization" in same and "Content-Type" in same and "Host" not in same
    other = redirect_headers(h, URL("http://a/"), URL("http://b/"), method_changed=True)
    assert "Authorization" not in other and "Cookie" not in other and "Content-Type" not in other
    assert other["X-Keep"] == "1"
