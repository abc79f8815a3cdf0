"""Issue 15, items 7, 9 and 25, end to end against a raw peer on 127.0.0.1 (exact
bytes), then the same inputs through both twins of the sans-IO reader.

- item 7: an HTTP/1.0 response with ``Transfer-Encoding: chunked`` (RFC 9112 §6.1,
  §6.3): the body is decoded as chunked and the connection is never reused.
- item 9: obs-fold in a response field (RFC 9112 §5.2): replaced by SP before the
  value is interpreted; a fold in a framing field or before the first field is an
  error.
- item 25: non-ASCII case folding (CVE-2025-69224): a value only compares equal to a
  token when it is that token in ASCII (RFC 9110 §5.6.2), e.g. ``chun\\u212aed``
  (KELVIN SIGN) is not ``chunked``.

The end-to-end tests use whichever twins the lane selects (run them in lanes 1 and 2);
the sans-IO tests at the bottom run both twins in every lane that has them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK
from _servers import HOST, Reply, run
from aiohttp_client._sansio._framing import CHUNKED, UNTIL_CLOSE
from aiohttp_client.http_exceptions import InvalidHeader

KELVIN = "\u212a".encode()  # b"\xe2\x84\xaa", KELVIN SIGN: "\u212a".lower() == "k"
CHUNKED_ABC = b"3\r\nabc\r\n0\r\n\r\n"


async def _get_twice(url: str) -> tuple[Any, bytes, Any, bytes]:
    """Two GETs in one session (so the second one could reuse the connection)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as first:
            body1 = await first.read()
        async with session.get(url) as second:
            body2 = await second.read()
    return first, body1, second, body2


# --------------------------------------------------------------------------------------
# Item 7: HTTP/1.0 with Transfer-Encoding
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("connection", [b"", b"Connection: keep-alive\r\n"], ids=["plain", "keep-alive"])
def test_http10_chunked_is_decoded_and_not_reused(raw_server: Any, connection: bytes) -> None:
    wire = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n" + connection + b"\r\n" + CHUNKED_ABC
    srv = raw_server([Reply.of(wire), Reply.of(OK)])

    first, body1, _, body2 = run(_get_twice(srv.url()))
    assert first.version == aiohttp.HttpVersion10
    assert (body1, body2) == (b"abc", b"ok")  # decoded, as aiohttp 3.14.5 does
    # RFC 9112 §6.1: Transfer-Encoding in a 1.0 message means faulty framing, close
    # after it (aiohttp 3.14.5 reuses it when the server says keep-alive).
    assert srv.accepted == 2


# --------------------------------------------------------------------------------------
# Item 9: obs-fold
# --------------------------------------------------------------------------------------


def test_obs_fold_is_replaced_by_spaces(raw_server: Any) -> None:
    wire = (
        b"HTTP/1.1 200 OK\r\n"
        b"X-Fold: a\r\n b\r\n"
        b"X-Multi: a  \r\n   b  \r\n\t\tc\r\n"
        b"X-Tab: a\r\n\tb\r\n"
        b"X-Empty:\r\n b\r\n"
        b"X-Blank-Continuation: a\r\n \r\n"
        b"X-Lf: a\n b\n"
        b"Content-Length: 2\r\n\r\nok"
    )
    srv = raw_server([Reply.of(wire), Reply.of(OK)])

    first, body1, _, body2 = run(_get_twice(srv.url()))
    expected = [
        ("X-Fold", "a b"),  # aiohttp 3.14.5: the same
        ("X-Multi", "a     b    c"),  # aiohttp keeps the HTABs: "a     b  \t\tc"
        ("X-Tab", "a b"),  # aiohttp: "a\tb"; RFC 9112 §5.2 says SP
        ("X-Empty", "b"),
        ("X-Blank-Continuation", "a"),
        ("X-Lf", "a b"),
        ("Content-Length", "2"),
    ]
    assert list(first.headers.items()) == expected
    assert first.raw_headers == tuple((n.encode(), v.encode()) for n, v in expected)
    assert (body1, body2) == (b"ok", b"ok")
    assert srv.accepted == 1  # a fold is not an error: the connection stays usable


@pytest.mark.parametrize(
    "fields",
    [
        b"Transfer-Encoding: gzip\r\n , chunked\r\n",
        b"Transfer-Encoding:\r\n chunked\r\n",
        b"Content-Length:\r\n 2\r\n",
        b"content-length: 2\r\n \r\n",
    ],
    ids=["te-list", "te-value", "cl-value", "cl-blank-continuation"],
)
def test_obs_fold_in_framing_field_is_an_error(raw_server: Any, fields: bytes) -> None:
    # aiohttp 3.14.5's own two parsers frame "Transfer-Encoding: gzip\r\n , chunked"
    # differently (chunked in Python, read-until-close in C): ambiguous, so refused.
    srv = raw_server([Reply.of(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n2\r\nok\r\n0\r\n\r\n"), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientResponseError, match="obs-fold"):
                async with session.get(srv.url()):
                    pass
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2


def test_whitespace_before_the_first_field_is_an_error(raw_server: Any) -> None:
    # RFC 9112 §2.2: reject, or ignore the line; there is nothing to fold it into.
    srv = raw_server(Reply.of(b"HTTP/1.1 200 OK\r\n X-A: a\r\nContent-Length: 2\r\n\r\nok"))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientResponseError, match="Invalid HTTP header"):
                async with session.get(srv.url()):
                    pass

    run(main())


def test_obs_fold_in_trailer_section(raw_server: Any) -> None:
    # RFC 9112 §7.1.2: the trailer section is field lines, the §5.2 rule applies.
    wire = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: a\r\n b\r\nX-Two: c\r\n\r\n"
    )
    srv = raw_server([Reply.of(wire), Reply.of(OK)])

    first, body1, _, body2 = run(_get_twice(srv.url()))
    assert (body1, body2) == (b"abc", b"ok")
    assert srv.accepted == 1


# --------------------------------------------------------------------------------------
# Item 25: tokens compare as ASCII only
# --------------------------------------------------------------------------------------


def test_kelvin_sign_transfer_encoding_is_not_chunked(raw_server: Any) -> None:
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chun" + KELVIN + b"ed\r\n\r\n" + CHUNKED_ABC
    srv = raw_server([Reply.of(wire), Reply.of(OK)])

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert resp.raw_headers == ((b"Transfer-Encoding", b"chun" + KELVIN + b"ed"),)
                # An unknown transfer coding: never decoded as chunked, never bytes
                # still coded (RFC 9112 §6.1).
                with pytest.raises(aiohttp.ClientPayloadError):
                    await resp.read()
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"

    run(main())
    assert srv.accepted == 2  # read until close: the first connection is not reused


@pytest.mark.parametrize("token", [KELVIN + b"eep-alive", b"\xcbeep-alive"], ids=["utf8-kelvin", "latin1-byte"])
def test_non_ascii_keep_alive_is_not_keep_alive(raw_server: Any, token: bytes) -> None:
    wire = b"HTTP/1.0 200 OK\r\nConnection: " + token + b"\r\nContent-Length: 3\r\n\r\nabc"
    srv = raw_server([Reply.of(wire), Reply.of(OK)])

    _, body1, _, body2 = run(_get_twice(srv.url()))
    assert (body1, body2) == (b"abc", b"ok")
    assert srv.accepted == 2  # HTTP/1.0 without keep-alive (RFC 9112 §9.3)


@asynccontextmanager
async def ws_handshake_server(*fields: bytes) -> AsyncIterator[str]:
    """Answers one WebSocket handshake with a 101, the right Sec-WebSocket-Accept and
    the exact field lines *fields*; then answers the client's close frame (the only
    frame the tests send) and waits for the client to close."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        head = await reader.readuntil(b"\r\n\r\n")
        received = (line.partition(b":") for line in head.split(b"\r\n"))
        key = next(v.strip() for n, _, v in received if n.lower() == b"sec-websocket-key")
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())  # noqa: S324
        lines = b"".join(f + b"\r\n" for f in fields)
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\n" + lines + b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        if await reader.read(2):  # the client's first frame: its close, answered
            writer.write(b"\x88\x02\x03\xe8")  # close 1000, unmasked (RFC 6455 §5.5.1)
        await reader.read()  # until the client closes

    server = await asyncio.start_server(serve, HOST, 0)
    try:
        yield f"http://{HOST}:{server.sockets[0].getsockname()[1]}/"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


UPGRADE = b"Upgrade: websocket"
CONNECTION = b"Connection: Upgrade"
DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate; "


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((b"Upgrade: websoc" + KELVIN + b"et", CONNECTION), "Invalid upgrade header"),
        (
            (UPGRADE, CONNECTION, DEFLATE + b"client_no_context_ta" + KELVIN + b"eover"),
            "Invalid deflate extension",
        ),
        (
            (UPGRADE, CONNECTION, DEFLATE + b"client_max_window_bits=\xd9\xa1\xd9\xa2"),
            "Invalid deflate extension",
        ),
        (
            (UPGRADE, CONNECTION, DEFLATE + b"client_max_window_bits=\xe2\x91\xa0"),
            "Invalid deflate extension",
        ),
    ],
    ids=["upgrade-kelvin", "ext-param-kelvin", "window-bits-arabic-indic-digits", "window-bits-circled-digit"],
)
def test_websocket_handshake_tokens_are_ascii(fields: tuple[bytes, ...], message: str) -> None:
    async def main() -> None:
        async with ws_handshake_server(*fields) as url, aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError, match=message):
                async with session.ws_connect(url, compress=15):
                    pass

    run(main())


def test_websocket_handshake_ascii_case_still_matches() -> None:
    async def main() -> None:
        fields = (b"Upgrade: WebSocket", b"Connection: keep-alive, UPGRADE")
        async with ws_handshake_server(*fields) as url, aiohttp.ClientSession() as session:
            async with session.ws_connect(url) as ws:
                assert not ws.closed

    run(main())


@pytest.mark.parametrize("coding", ["z\u017ftd", "gzip\ufb00"], ids=["long-s", "ligature"])
def test_non_ascii_content_encoding_is_not_decoded(raw_server: Any, coding: str) -> None:
    # "z\u017ftd".casefold() == "zstd": a body is only decoded for an ASCII token.
    wire = b"HTTP/1.1 200 OK\r\nContent-Encoding: " + coding.encode() + b"\r\nContent-Length: 5\r\n\r\nplain"
    srv = raw_server(Reply.of(wire))

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"plain"

    run(main())


# --------------------------------------------------------------------------------------
# The same inputs through both reader twins (sans-IO)
# --------------------------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.heads: list[Any] = []
        self.body = b""
        self.trailers: Any = None
        self.reading_paused = False

    def on_head(self, head: Any, framing: Any) -> None:
        self.heads.append((head, framing))

    def on_body(self, data: bytes) -> None:
        self.body += bytes(data)

    def on_coded_body(self, n: int) -> None:
        pass

    def on_chunk_end(self) -> None:
        pass

    def on_message_complete(self, trailers: Any) -> None:
        self.trailers = trailers


def _read(reader_cls: Any, parser_cls: Any, decoder_cls: Any, wire: bytes, step: int) -> _Sink:
    sink = _Sink()
    reader = reader_cls(sink, head_parser_cls=parser_cls, chunked_decoder_cls=decoder_cls)
    reader.start("GET")
    for i in range(0, len(wire), step):
        reader.feed(wire[i : i + step])
    return sink


@pytest.mark.parametrize("step", [1, 7, 10**6])
@pytest.mark.parametrize(
    ("wire", "kind", "keep_alive", "body"),
    [
        (b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED_ABC, CHUNKED, False, b"abc"),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED_ABC,
            CHUNKED,
            False,
            b"abc",
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n" + CHUNKED_ABC, CHUNKED, True, b"abc"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chun" + KELVIN + b"ed\r\n\r\n", UNTIL_CLOSE, False, b""),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chun" + KELVIN + b"ed\r\n\r\n", UNTIL_CLOSE, False, b""),
        (b"HTTP/1.0 200 OK\r\nConnection: " + KELVIN + b"eep-alive\r\nContent-Length: 0\r\n\r\n", 1, False, b""),
        (b"HTTP/1.0 200 OK\r\nConnection: KEEP-Alive\r\nContent-Length: 0\r\n\r\n", 1, True, b""),
    ],
    ids=["http10-chunked", "http10-chunked-keep-alive", "ascii-case", "kelvin", "kelvin-list", "kelvin-conn", "conn"],
)
def test_reader_framing(
    response_reader_cls: Any,
    head_parser_cls: Any,
    chunked_decoder_cls: Any,
    wire: bytes,
    kind: int,
    keep_alive: bool,
    body: bytes,
    step: int,
) -> None:
    sink = _read(response_reader_cls, head_parser_cls, chunked_decoder_cls, wire, step)
    ((_, framing),) = sink.heads
    assert (framing.kind, framing.keep_alive) == (kind, keep_alive)
    assert sink.body == body


@pytest.mark.parametrize("step", [1, 5, 10**6])
def test_reader_trailer_fold(
    response_reader_cls: Any, head_parser_cls: Any, chunked_decoder_cls: Any, step: int
) -> None:
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a \r\n\t b\r\nY: c\r\n\r\n"
    sink = _read(response_reader_cls, head_parser_cls, chunked_decoder_cls, wire, step)
    assert sink.body == b"abc"
    assert sink.trailers == ((b"X-T", b"a   b"), (b"Y", b"c"))


def test_reader_framing_field_fold_is_an_error(
    response_reader_cls: Any, head_parser_cls: Any, chunked_decoder_cls: Any
) -> None:
    with pytest.raises(InvalidHeader, match="obs-fold"):
        _read(
            response_reader_cls,
            head_parser_cls,
            chunked_decoder_cls,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n , chunked\r\n\r\n",
            10**6,
        )
