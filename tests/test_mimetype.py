"""Content-Type values read as aiohttp 3.14 reads them: ``parse_mimetype`` (aiohttp's
``helpers.parse_mimetype``, used for multipart boundaries) and
``ClientResponse.content_type``/``charset``.  One parameter value that is not a token
(GraphQL multipart subscriptions send ``subscriptionSpec=1.0,application/json``) must
not hide the others.

The differential tests need aiohttp 3.14 as the oracle (``aiohttp_oracle`` marker).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiohttp_client as aiohttp
from _multipart_helpers import multipart_response, read_parts
from _raw_helpers import response
from _servers import Reply, run
from aiohttp_client._sansio._header_values import parse_content_type, parse_mimetype

GRAPHQL = b"multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json"
SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------
# End to end: the GraphQL subscription response
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_graphql_multipart_subscription_response(raw_server, framing: str) -> None:
    body = (
        b"\r\n--graphql\r\nContent-Type: application/json\r\n\r\n"
        b'{"payload": {"data": 1}}\r\n--graphql\r\nContent-Type: application/json\r\n\r\n'
        b'{"payload": {"data": 2}}\r\n--graphql--\r\n'
    )
    srv = raw_server(Reply.of(multipart_response(body, framing, ctype=GRAPHQL)))

    async def main() -> tuple[str, Any, list[Any]]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                reader = aiohttp.MultipartReader.from_response(resp)
                parts = []
                for _ in range(10):
                    part = await reader.next()
                    if part is None:
                        break
                    parts.append(await part.json())
                return resp.content_type, resp.charset, parts

    content_type, charset, parts = run(main())
    assert content_type == "multipart/mixed"
    assert charset is None
    assert parts == [{"payload": {"data": 1}}, {"payload": {"data": 2}}]


@pytest.mark.parametrize(
    ("value", "content_type", "charset"),
    [
        (b"text/plain; charset=utf-8, text/html", "text/plain", "utf-8"),
        (b"text/html;a=1;;charset=latin-1", "text/html", "latin-1"),
        (b'text/html; charset="a;b"', "text/html", "a;b"),
        (b"text/html;", "text/html", None),
        (b'application/json; charset=utf-8; x="', "application/json", "utf-8"),
        (b"text", "application/octet-stream", None),
    ],
)
def test_content_type_and_charset_of_a_response(raw_server, value: bytes, content_type: str, charset: Any) -> None:
    srv = raw_server(Reply.of(response(b"200 OK", b"Content-Type: " + value, b"Content-Length: 2", body=b"ok")))

    async def main() -> tuple[str, Any, str]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                return resp.content_type, resp.charset, await resp.text()

    assert run(main()) == (content_type, charset, "ok")


def test_multipart_part_charset_with_a_bad_parameter(raw_server) -> None:
    body = b"--xx\r\nContent-Type: text/plain; charset=latin-1; x=a b\r\n\r\n\xe9\r\n--xx--\r\n"
    srv = raw_server(Reply.of(multipart_response(body, "chunked")))

    async def main() -> str:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                return await part.text()

    assert run(main()) == "\xe9"


def test_read_parts_of_graphql_ctype(raw_server) -> None:
    body = b"--graphql\r\n\r\nA\r\n--graphql--\r\n"
    srv = raw_server(Reply.of(multipart_response(body, "chunked", "gzip", ctype=GRAPHQL)))
    assert run(read_parts(srv.url())) == [b"A"]


# --------------------------------------------------------------------------------------
# Differential: against aiohttp 3.14.5 as a black box
# --------------------------------------------------------------------------------------

TOKENS = ["text", "html", "multipart", "mixed", "application", "json", "vnd.api+json", "*", "x-y", "Text", "UTF-8"]
PIECES = TOKENS + [
    "/", ";", "=", '"', "\\", ",", " ", "\t", "charset", "boundary", "CharSet", "*0", "*1", "*", "'", "''",
    "%20", "(c)", "é", "\u212a", "\x0b", "\x0c", "1.0", "a b", "==", ";;", "+",
]  # fmt: skip


@st.composite
def content_types(draw: Callable[..., Any], alphabet: str) -> str:
    pieces = st.one_of(st.sampled_from(PIECES), st.text(alphabet=alphabet, max_size=3))
    return "".join(draw(st.lists(pieces, max_size=14)))


FIELD_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t"


@pytest.mark.aiohttp_oracle
@SETTINGS
@given(value=st.one_of(content_types(FIELD_CHARS + "é\x0b"), st.text(max_size=20)))
def test_parse_mimetype_agrees_with_aiohttp(value: str) -> None:
    from aiohttp.helpers import parse_mimetype as rival

    ours, theirs = parse_mimetype(value), rival(value)
    assert (ours.type, ours.subtype, ours.suffix) == (theirs.type, theirs.subtype, theirs.suffix)
    assert list(ours.parameters.items()) == list(theirs.parameters.items())


@pytest.mark.aiohttp_oracle
@SETTINGS
@given(value=content_types(FIELD_CHARS))
def test_content_type_and_charset_agree_with_aiohttp(value: str) -> None:
    from aiohttp.helpers import HeadersMixin
    from multidict import CIMultiDict, CIMultiDictProxy

    class Rival(HeadersMixin):
        def __init__(self, headers: Any) -> None:
            self._headers = headers

    rival = Rival(CIMultiDictProxy(CIMultiDict({"Content-Type": value})))
    content_type, params = parse_content_type(value)
    try:
        expected = rival.content_type, rival.charset
    except IndexError:  # the email parser's bug on "a;b*": we read the media type, no parameters
        head = value.partition(";")[0].strip().lower()
        expected = (head if head.count("/") == 1 else "application/octet-stream"), None
    assert (content_type, params.get("charset")) == expected
