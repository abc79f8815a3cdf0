"""HTTP/2 against nginx 1.22 (``listen ... ssl http2``, issue 17): 200 concurrent GETs
on one connection (nginx's own access log counts the connections), a 100 MiB download
whose buffer stays flat while the reader is slow, a gzip body without Content-Length,
redirects, cookies."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest

import aiohttp_client as aiohttp
from _h2_servers import client_tls
from _nginx_server import H2_LARGE_SIZE
from _servers import run
from aiohttp_client import HttpVersion
from aiohttp_client._protocols._h2 import STREAM_WINDOW

pytestmark = pytest.mark.nginx

H2 = HttpVersion(2, 0)


def test_200_concurrent_gets_over_one_connection(nginx_h2):
    async def main():
        async with aiohttp.ClientSession(http2=True) as s:
            ctx = client_tls(nginx_h2.ca)
            resps = await asyncio.gather(*(s.get(nginx_h2.url("/small"), ssl=ctx) for _ in range(200)))
            assert all(r.version == H2 and r.status == 200 for r in resps)
            assert [await r.read() for r in resps] == [b"small"] * 200

    run(main(), timeout=60)
    records = nginx_h2.access_log()
    assert len(records) == 200
    assert {r["connection"] for r in records} == {records[0]["connection"]}  # one connection
    assert {r["protocol"] for r in records} == {"HTTP/2.0"}


def test_large_download_slow_reader_buffer_stays_flat(nginx_h2):
    async def main():
        async with aiohttp.ClientSession(http2=True) as s:
            async with s.get(nginx_h2.url("/large.bin"), ssl=client_tls(nginx_h2.ca)) as resp:
                assert resp.version == H2
                content = resp.content
                low, high = content.get_read_buffer_limits()
                digest = hashlib.sha256()
                got = peak = 0
                slow_until = time.monotonic() + 1.5
                while True:
                    chunk = await content.readany()
                    if not chunk:
                        break
                    got += len(chunk)
                    digest.update(chunk)
                    peak = max(peak, content.total_bytes - got)
                    if time.monotonic() < slow_until:
                        await asyncio.sleep(0.05)  # a slow reader first: the server must wait
                return got, digest.hexdigest(), peak, high

    got, hexdigest, peak, high = run(main(), timeout=120)
    assert got == H2_LARGE_SIZE
    assert hexdigest == hashlib.sha256(bytes(H2_LARGE_SIZE)).hexdigest()
    # Buffered at most the stream's high-water mark plus one flow-control window.
    assert peak <= high + STREAM_WINDOW + 2**14, (peak, high)


def test_gzip_body_without_length_redirects_and_cookies(nginx_h2):
    async def main():
        ctx = client_tls(nginx_h2.ca)
        async with aiohttp.ClientSession(http2=True) as s:
            async with s.get(nginx_h2.url("/text.txt"), ssl=ctx, headers={"Accept-Encoding": "gzip"}) as resp:
                assert resp.version == H2 and resp.headers["Content-Encoding"] == "gzip"
                assert "Content-Length" not in resp.headers  # coded on the fly
                assert await resp.read() == nginx_h2.text
            async with s.get(nginx_h2.url("/r301"), ssl=ctx) as resp:
                assert [r.status for r in resp.history] == [301, 302, 307]
                assert resp.url.path == "/text.txt" and await resp.read() == nginx_h2.text
            host = "localhost"  # the jar keeps no cookie of an IP address host
            async with s.get(nginx_h2.url("/cookie", host=host), ssl=ctx) as resp:
                assert resp.cookies["flavour"].value == "h2"
            async with s.get(nginx_h2.url("/cookie-echo", host=host), ssl=ctx) as resp:
                assert await resp.read() == b"cookie=flavour=h2"

    run(main(), timeout=30)
    assert len({r["connection"] for r in nginx_h2.access_log()}) == 2  # one per origin (127.0.0.1, localhost)
