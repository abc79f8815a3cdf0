"""Peak memory of ``read()`` for a body that arrives in many small pieces (issue 15
item 18): within twice the body plus a constant, whatever the size of the pieces.

A 2 MB body is sent by a raw server on 127.0.0.1 as chunked coding with one-byte
chunks, and as ``Content-Length`` in tiny writes.  The peak is the process's resident
high-water mark (``VmHWM``, reset through ``/proc/self/clear_refs``), so it counts
every allocation, the temporary ones of a join included.  Before the fix, the
one-byte chunks peaked at about +170 MiB (one list slot and one 80-byte buffer
descriptor per piece in the final join).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run
from _stream_helpers import make

BODY = 2**21
# The interpreter's own noise, per-read transients, the server thread; on PyPy also
# the young garbage of the pure chunked decoder (a bytes object per one-byte chunk)
# that its GC promoted and keeps until the next major collection (measured: +22 MiB
# here, +164 MiB before the fix).
CONSTANT = (32 if sys.implementation.name == "pypy" else 8) * 2**20
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")

pytestmark = pytest.mark.skipif(not _CLEAR_REFS.exists(), reason="needs Linux /proc/self/clear_refs")


def _peak_rss() -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _reset_peak() -> None:
    gc.collect()
    _CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS


def _chunked_one_byte_chunks() -> Reply:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    block = b"1\r\nx\r\n" * 8192
    assert BODY % 8192 == 0
    return Reply.of(head, *([block] * (BODY // 8192)), b"0\r\n\r\n")


def _content_length_tiny_writes() -> Reply:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % BODY
    return Reply.of(head, *([b"y" * 16] * (BODY // 16)))


def _read_peak(url: str) -> tuple[bytes, int]:
    async def main() -> tuple[bytes, int]:
        async with aiohttp.ClientSession() as session:
            _reset_peak()
            base = _peak_rss()
            async with session.get(url) as resp:
                body = await resp.read()
            return body, _peak_rss() - base

    return run(main(), timeout=60)


@pytest.mark.parametrize(
    ("make", "expected"),
    [(_chunked_one_byte_chunks, b"x" * BODY), (_content_length_tiny_writes, b"y" * BODY)],
    ids=["chunked-1-byte-chunks", "content-length-16-byte-writes"],
)
def test_read_of_many_small_pieces_stays_within_twice_the_body(raw_server: Any, make: Any, expected: bytes) -> None:
    srv = raw_server(make())
    body, peak = _read_peak(srv.url())
    assert body == expected
    assert peak <= 2 * BODY + CONSTANT, f"read() peaked at +{peak / 2**20:.1f} MiB for a {BODY / 2**20:.1f} MiB body"


def test_tiny_chunks_fed_together_keep_their_boundaries() -> None:
    """feed_http_chunks() joins many tiny chunks into one piece: every chunk end is
    still reported by readchunk(), and read()/readany() see the same bytes.
    """

    async def main() -> None:
        chunks = [bytes([65 + i % 26]) * (1 + i % 3) for i in range(200)]
        pieces = [p for chunk in chunks for p in (chunk, b"")]
        s, _ = make()
        s.begin_http_chunk_receiving()
        s.feed_http_chunks(pieces)
        assert len(s._buffer) == 1  # one object for 200 chunks
        s.feed_http_chunks([b"tail-data", b""])
        s.feed_eof()
        got = [await s.readchunk() for _ in range(201)]
        assert got == [(c, True) for c in chunks] + [(b"tail-data", True)]
        assert await s.readchunk() == (b"", False)

        s2, _ = make()
        s2.begin_http_chunk_receiving()
        s2.feed_http_chunks(pieces)
        assert await s2.readany() == b"".join(chunks)

    run(main())
