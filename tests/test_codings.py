"""Transfer codings and content codings of a response body, on a raw loopback peer:
decoded, chained, refused, and bounded (decompression bombs)."""

import asyncio
import gzip
import zlib

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import response
from _servers import Reply, run
from aiohttp_client._sansio import _compression

_HAS_BR = _compression._brotli is not None
_HAS_ZSTD = _compression._zstd_mod is not None


def chunked(body: bytes, size: int = 1000) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(pieces) + b"0\r\n\r\n"


def _compress(coding: str, data: bytes) -> bytes:
    """*data* coded with *coding*, at a fast level (a bomb needs no best ratio)."""
    if coding == "gzip":
        return gzip.compress(data, 1)
    if coding == "deflate":
        return zlib.compress(data, 1)
    if coding == "br":
        return _compression._brotli.compress(data, quality=1)  # type: ignore[no-any-return]
    return _compression._zstd_mod.compress(data)  # type: ignore[no-any-return]


async def _read(url: str, **kwargs: object) -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as resp:
            return await resp.read()


def test_transfer_coding_gzip_then_chunked_is_decoded(raw_server) -> None:
    body = b"transfer-coded " * 500
    reply = response(b"200 OK", b"Transfer-Encoding: gzip, chunked", body=chunked(gzip.compress(body)))
    srv = raw_server(Reply.of(reply))
    assert run(_read(srv.url())) == body


def test_transfer_coding_is_decoded_even_without_auto_decompress(raw_server) -> None:
    body = b"abc" * 1000
    reply = response(
        b"200 OK", b"Transfer-Encoding: deflate", b"Transfer-Encoding: chunked", body=chunked(zlib.compress(body))
    )
    srv = raw_server(Reply.of(reply))
    assert run(_read(srv.url(), auto_decompress=False)) == body


def test_unknown_transfer_coding_is_a_payload_error(raw_server) -> None:
    reply = response(b"200 OK", b"Transfer-Encoding: x-custom, chunked", body=chunked(b"coded bytes"))
    srv = raw_server(Reply.of(reply))
    with pytest.raises(aiohttp.ClientPayloadError):
        run(_read(srv.url()))


def test_content_coding_chain_is_decoded_in_reverse(raw_server) -> None:
    body = b"chained " * 700
    coded = gzip.compress(zlib.compress(body))  # deflate applied first, then gzip
    reply = response(b"200 OK", b"Content-Encoding: deflate, gzip", b"Content-Length: %d" % len(coded), body=coded)
    srv = raw_server(Reply.of(reply))
    assert run(_read(srv.url())) == body


def test_more_than_five_content_codings_is_an_error(raw_server) -> None:
    coded = b"x"
    reply = response(
        b"200 OK", b"Content-Encoding: gzip, gzip, gzip, gzip, gzip, gzip", b"Content-Length: 1", body=coded
    )
    srv = raw_server(Reply.of(reply))
    with pytest.raises(aiohttp.ClientPayloadError):
        run(_read(srv.url()))


def test_truncated_gzip_is_a_payload_error(raw_server) -> None:
    coded = gzip.compress(b"never ends" * 100)[:-8]  # no trailer
    reply = response(b"200 OK", b"Content-Encoding: gzip", b"Content-Length: %d" % len(coded), body=coded)
    srv = raw_server(Reply.of(reply))
    with pytest.raises(aiohttp.ClientPayloadError):
        run(_read(srv.url()))


def test_accept_encoding_lists_only_decodable_codings() -> None:
    offered = [c.strip() for c in _compression.supported_encodings().split(",")]
    assert offered[:2] == ["gzip", "deflate"]
    assert ("br" in offered) == _HAS_BR and ("zstd" in offered) == _HAS_ZSTD


# --------------------------------------------------------------------------------------
# Decompression bombs: a small body stops at the stream's high-water mark
# --------------------------------------------------------------------------------------

_BOMB_SIZE = 32 * 2**20  # decoded bytes
_BUFSIZE = 2**16


@pytest.mark.parametrize("coding", ["gzip", "deflate"] + (["br"] if _HAS_BR else []) + (["zstd"] if _HAS_ZSTD else []))
def test_decompression_bomb_stops_at_the_high_water_mark(raw_server, coding: str) -> None:
    # Without a bounded br/zstd decoder such a body fails at its head
    # (tests/test_codings_missing.py): no bomb to defuse.
    coded = _compress(coding, b"\x00" * _BOMB_SIZE)
    assert len(coded) < 2**20
    head = response(b"200 OK", b"Content-Encoding: " + coding.encode(), b"Content-Length: %d" % len(coded))
    srv = raw_server(Reply.of(head + coded))

    async def main() -> None:
        async with aiohttp.ClientSession(read_bufsize=_BUFSIZE) as session:
            async with session.get(srv.url()) as resp:
                stream = resp.content
                # Let every coded byte arrive while nobody reads: decoding must pause.
                for _ in range(100):  # bounded: at most 1 s
                    await asyncio.sleep(0.01)
                    if len(srv.received) and stream.total_bytes >= 2 * _BUFSIZE:
                        break
                await asyncio.sleep(0.05)
                high = stream.get_read_buffer_limits()[1]
                assert stream.total_bytes <= high + _compression.SLICE
                total = 0
                for _ in range(_BOMB_SIZE // 1024 + 10):  # bounded
                    piece = await stream.readany()
                    if not piece:
                        break
                    total += len(piece)
                    assert stream.total_bytes - total <= high + _compression.SLICE
                assert total == _BOMB_SIZE

    run(main(), timeout=30)
