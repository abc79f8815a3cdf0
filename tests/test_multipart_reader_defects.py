"""``MultipartReader`` against a raw peer sending exact multipart bytes (Content-Length
or chunked framing, gzip content coding): transport padding on delimiter lines
(RFC 2046 §5.1.1), bodies cut short, base64 parts read chunk by chunk (RFC 2045 §6.8)
and gzip parts decoded in bounded pieces (CVE-2025-69223)."""

from __future__ import annotations

import base64
import zlib

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

import aiohttp_client as aiohttp
from _multipart_helpers import gzip_bytes, multipart_response, read_parts
from _servers import Reply, run

FRAMINGS = [("length", ""), ("chunked", ""), ("chunked", "gzip")]
FRAMING_IDS = ["length", "chunked", "chunked-gzip"]

# --------------------------------------------------------------------------------------
# Item 8: transport padding after the boundary
# --------------------------------------------------------------------------------------

PADDED = {
    "first-sp": (b"--xx  \r\n\r\nA\r\n--xx\r\n\r\nB\r\n--xx--\r\n", [b"A", b"B"]),
    "first-tab": (b"--xx\t\r\n\r\nA\r\n--xx--\r\n", [b"A"]),
    "middle": (b"--xx\r\n\r\nA\r\n--xx \t \r\n\r\nB\r\n--xx--\r\n", [b"A", b"B"]),
    "close": (b"--xx\r\n\r\nA\r\n--xx-- \t\r\n", [b"A"]),
    "close-no-crlf": (b"--xx\r\n\r\nA\r\n--xx--  ", [b"A"]),
    "every-line": (b"pre\r\n--xx \r\n\r\nA\r\n--xx\t\r\n\r\nB\r\n--xx--\t \r\nepilogue", [b"A", b"B"]),
    "empty-multipart-padded": (b"--xx-- \r\n", []),
}


@pytest.mark.parametrize(("framing", "coding"), FRAMINGS, ids=FRAMING_IDS)
@pytest.mark.parametrize("name", list(PADDED))
def test_padded_delimiter_lines_give_every_part(raw_server, name: str, framing: str, coding: str) -> None:
    body, expected = PADDED[name]
    srv = raw_server(Reply.of(multipart_response(body, framing, coding)))
    assert run(read_parts(srv.url())) == expected


def test_nested_multipart_with_padding(raw_server) -> None:
    inner = b"--yy \r\n\r\nI1\r\n--yy\t\r\n\r\nI2\r\n--yy-- \r\n"
    body = (
        b"--xx \r\nContent-Type: multipart/mixed; boundary=yy\r\n\r\n" + inner + b"\r\n--xx\t\r\n\r\nB\r\n--xx-- \r\n"
    )
    srv = raw_server(Reply.of(multipart_response(body, "chunked", "gzip")))
    assert run(read_parts(srv.url())) == [[b"I1", b"I2"], b"B"]


def test_padded_part_read_partially_then_next(raw_server) -> None:
    body = b"--xx \r\n\r\n" + b"a" * 50000 + b"\r\n--xx \r\nX-Part: 2\r\n\r\nB\r\n--xx-- \r\n"
    srv = raw_server(Reply.of(multipart_response(body, "chunked")))

    async def main() -> tuple[bytes, bytes, str]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                reader = aiohttp.MultipartReader.from_response(resp)
                first = await reader.next()
                head = await first.read_chunk(10)
                second = await reader.next()  # releases the rest of the first part
                data = bytes(await second.read())
                assert await reader.next() is None
                return head, data, second.headers["X-Part"]

    assert run(main()) == (b"a" * 10, b"B", "2")


CUT_SHORT = {
    "after-a-part": b"--xx\r\n\r\nA\r\n",
    "padded-first-only": b"--xx \r\n",
    "padded-first-then-part": b"--xx \r\n\r\nA",
    "after-a-delimiter": b"--xx\r\n\r\nA\r\n--xx \r\n",
    "in-headers": b"--xx\r\nContent-Type: text/plain\r\n",
}


@pytest.mark.parametrize("name", list(CUT_SHORT))
def test_body_without_close_delimiter_raises(raw_server, name: str) -> None:
    srv = raw_server(Reply.of(multipart_response(CUT_SHORT[name], "chunked")))
    with pytest.raises(ValueError):
        run(read_parts(srv.url()))


@pytest.mark.parametrize(
    "line",
    [b"--xxyz", b"--xx x", b"--xx--garbage", b"--xx-- x"],
    ids=["longer", "pad-text", "close-text", "close-pad-text"],
)
def test_text_after_a_delimiter_raises(raw_server, line: bytes) -> None:
    # RFC 2046 §5.1.1: the boundary may not start a line of a part; after it only
    # padding (and "--" for the close delimiter) may follow.
    body = b"--xx\r\n\r\nA\r\n" + line + b"\r\n\r\nB\r\n--xx--\r\n"
    srv = raw_server(Reply.of(multipart_response(body)))
    with pytest.raises(ValueError):
        run(read_parts(srv.url()))


# --------------------------------------------------------------------------------------
# Item 27: base64 parts read chunk by chunk
# --------------------------------------------------------------------------------------

RAW = bytes(range(256)) * 50


def _base64_body(data: bytes, crlf: bool = True) -> bytes:
    coded = base64.encodebytes(data)  # 76-character lines (RFC 2045 §6.8)
    if crlf:
        coded = coded.replace(b"\n", b"\r\n")
    return b"--xx\r\nContent-Transfer-Encoding: base64\r\n\r\n" + coded + b"\r\n--xx--\r\n"


async def _decode_by_chunks(url: str, size: int) -> tuple[bytes, list[int]]:
    decoded = b""
    sizes: list[int] = []
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            reader = aiohttp.MultipartReader.from_response(resp)
            part = await reader.next()
            for _ in range(100000):
                chunk = await part.read_chunk(size)
                if not chunk:
                    break
                sizes.append(len(chunk))
                decoded += part.decode(chunk)
            assert await reader.next() is None
    return decoded, sizes


@pytest.mark.parametrize(("framing", "coding"), FRAMINGS, ids=FRAMING_IDS)
@pytest.mark.parametrize("size", [1, 3, 5, 10, 77, 100, 8192])
def test_base64_part_decodes_chunk_by_chunk(raw_server, size: int, framing: str, coding: str) -> None:
    srv = raw_server(Reply.of(multipart_response(_base64_body(RAW), framing, coding)))
    decoded, sizes = run(_decode_by_chunks(srv.url(), size))
    assert decoded == RAW
    assert max(sizes) <= max(size, 4) + 2 * 3  # a quartet may straddle one CRLF


@pytest.mark.parametrize("size", [1, 10, 4096])
def test_base64_part_on_one_line_with_padding(raw_server, size: int) -> None:
    coded = base64.b64encode(RAW[:1001])  # ends in "=="
    body = b"--xx\r\nContent-Transfer-Encoding: BASE64\r\n\r\n" + coded + b"\r\n--xx--\r\n"
    srv = raw_server(Reply.of(multipart_response(body, "chunked")))
    decoded, sizes = run(_decode_by_chunks(srv.url(), size))
    assert decoded == RAW[:1001]
    assert all(n % 4 == 0 for n in sizes)


def test_large_base64_part_decodes_whole(raw_server) -> None:
    # The max_decompress_size cap is for content codings only (no decompression here).
    data = RAW * 100  # 1.25 MiB
    srv = raw_server(Reply.of(multipart_response(_base64_body(data), "chunked")))

    async def main() -> bytes:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                return part.decode(bytes(await part.read()))

    assert run(main()) == data


def test_base64_part_read_decode(raw_server) -> None:
    srv = raw_server(Reply.of(multipart_response(_base64_body(RAW), "chunked", "gzip")))

    async def main() -> bytes:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                return bytes(await part.read(decode=True))

    assert run(main()) == RAW


# --------------------------------------------------------------------------------------
# Item 26: a gzip part decoded in bounded pieces
# --------------------------------------------------------------------------------------

BOMB_SIZE = 100 * 2**20
MAX_DECOMPRESS = 2**18  # aiohttp's max_decompress_size default


def _bomb() -> bytes:
    coder = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return coder.compress(b"\0" * BOMB_SIZE) + coder.flush()


def _gzip_part_response(data: bytes) -> bytes:
    body = b"--xx\r\nContent-Encoding: gzip\r\n\r\n" + data + b"\r\n--xx--\r\n"
    return multipart_response(body, "chunked")


@pytest.mark.cpython  # tracemalloc
def test_decode_of_a_gzip_bomb_is_bounded(raw_server) -> None:
    import tracemalloc

    srv = raw_server(Reply.of(_gzip_part_response(_bomb())))

    async def main() -> tuple[int, int, int]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                raw = bytes(await part.read())
                tracemalloc.start()
                try:
                    with pytest.raises(ValueError, match="decode_iter"):
                        part.decode(raw)
                    decode_peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.reset_peak()
                    total, largest = 0, 0
                    async for piece in part.decode_iter(raw):
                        total += len(piece)
                        largest = max(largest, len(piece))
                    iter_peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                assert total == BOMB_SIZE
                return decode_peak, iter_peak, largest

    decode_peak, iter_peak, largest = run(main(), timeout=60)
    assert largest <= MAX_DECOMPRESS
    assert decode_peak < 4 * 2**20, decode_peak
    assert iter_peak < 4 * 2**20, iter_peak


def test_decode_of_a_small_gzip_part(raw_server) -> None:
    text = b"hello multipart " * 1000
    srv = raw_server(Reply.of(_gzip_part_response(gzip_bytes(text))))

    async def main() -> tuple[bytes, bytes, bytes]:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                raw = bytes(await part.read())
                pieces = [p async for p in part.decode_iter(raw)]
                return part.decode(raw), b"".join(pieces), raw

    decoded, joined, raw = run(main())
    assert decoded == joined == text
    assert raw != text


def test_read_decode_of_a_large_gzip_part_is_whole(raw_server) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, more than one decode() call may give
    srv = raw_server(Reply.of(_gzip_part_response(gzip_bytes(data))))

    async def main() -> bytes:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url()) as resp:
                part = await aiohttp.MultipartReader.from_response(resp).next()
                return bytes(await part.read(decode=True))

    assert run(main()) == data


def test_max_decompress_size_argument() -> None:
    # The keyword of aiohttp's BodyPartReader; decode() never returns more.
    part = aiohttp.BodyPartReader(
        b"xx", CIMultiDictProxy(CIMultiDict({"Content-Encoding": "gzip"})), None, max_decompress_size=1000
    )

    async def main() -> list[int]:
        return [len(p) async for p in part.decode_iter(gzip_bytes(b"z" * 3500))]

    assert run(main()) == [1000, 1000, 1000, 500]
    with pytest.raises(ValueError):
        part.decode(gzip_bytes(b"z" * 1001))
    assert part.decode(gzip_bytes(b"z" * 1000)) == b"z" * 1000


# --------------------------------------------------------------------------------------
# Where the items meet: a large body (the stream pauses the transport), a reused connection
# --------------------------------------------------------------------------------------


def test_large_padded_base64_body_through_flow_control_then_reused(raw_server) -> None:
    data = bytes(range(256)) * 12 * 1024  # 3 MiB decoded, 4 MiB as base64 lines
    big = _base64_body(data).replace(b"--xx\r\n", b"--xx \t\r\n", 1).replace(b"--xx--", b"--xx-- ")
    srv = raw_server(Reply.of(multipart_response(big, "chunked", "gzip")))

    async def main() -> tuple[int, list[int]]:
        decoded = 0
        async with aiohttp.ClientSession() as session:
            for _ in range(2):  # the second exchange reuses the connection
                async with session.get(srv.url()) as resp:
                    reader = aiohttp.MultipartReader.from_response(resp)
                    part = await reader.next()
                    for _ in range(100000):
                        chunk = await part.read_chunk(1000)
                        if not chunk:
                            break
                        decoded += len(part.decode(chunk))
                    assert await reader.next() is None
        return decoded, [srv.accepted]

    assert run(main(), timeout=60) == (2 * len(data), [1])
