"""End to end against Debian's nginx: an independent HTTP/1.1 server implementation.

The fixture fails (it does not skip) when nginx is missing; ``tools/test`` installs it.
"""

from __future__ import annotations

import hashlib
import io

import pytest

import aiohttp_client as aiohttp
from _servers import pattern_bytes, run

pytestmark = pytest.mark.nginx


def test_large_file_is_byte_exact(nginx_server) -> None:
    async def main() -> None:
        digest = hashlib.sha256()
        total = 0
        async with aiohttp.ClientSession() as session:
            async with session.get(nginx_server.url(nginx_server.large_name)) as resp:
                assert resp.status == 200
                assert resp.content_length == nginx_server.large_size
                assert resp.headers["Content-Type"] == "application/octet-stream"
                async for chunk in resp.content.iter_chunked(65536):
                    assert 0 < len(chunk) <= 65536
                    digest.update(chunk)
                    total += len(chunk)
        assert total == nginx_server.large_size
        assert digest.hexdigest() == nginx_server.large_sha256

    run(main(), timeout=60)


def test_gzip_text_is_decoded(nginx_server) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(nginx_server.url(nginx_server.text_name)) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Encoding"] == "gzip"
                assert await resp.read() == nginx_server.text
            # Without decompression the same resource arrives compressed.
            async with session.get(nginx_server.url(nginx_server.text_name), auto_decompress=False) as resp:
                raw = await resp.read()
                assert raw[:2] == b"\x1f\x8b"
                assert len(raw) < len(nginx_server.text) // 4

    run(main())


def test_keep_alive_reuse(nginx_server) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for name in (nginx_server.text_name, nginx_server.large_name, nginx_server.text_name):
                async with session.get(nginx_server.url(name)) as resp:
                    assert resp.status == 200
                    await resp.read()

    run(main(), timeout=60)
    log = nginx_server.access_log()
    assert [r["status"] for r in log] == [200, 200, 200]
    assert len({r["connection"] for r in log}) == 1, log
    assert [r["requests"] for r in log] == [1, 2, 3]


def test_head_then_get_on_one_connection(nginx_server) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.head(nginx_server.url(nginx_server.large_name)) as resp:
                assert resp.status == 200
                assert int(resp.headers["Content-Length"]) == nginx_server.large_size
                assert await resp.read() == b""
            async with session.get(nginx_server.url("/missing")) as resp:
                assert resp.status == 404
                await resp.read()
            async with session.get(nginx_server.url(nginx_server.text_name)) as resp:
                assert await resp.read() == nginx_server.text

    run(main())
    log = nginx_server.access_log()
    assert [(r["method"], r["status"]) for r in log] == [("HEAD", 200), ("GET", 404), ("GET", 200)]
    assert len({r["connection"] for r in log}) == 1


def test_redirect_chain_and_gzip_smoke(nginx_server) -> None:
    """301, 302, 307 to the gzip text; a PUT body (rewound) re-sent on 308 and 307, stored."""
    body = pattern_bytes(3 * 2**20 + 17)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(nginx_server.url("/r301")) as resp:
                assert [r.status for r in resp.history] == [301, 302, 307]
                assert resp.url.path == nginx_server.text_name
                assert resp.headers["Content-Encoding"] == "gzip"
                assert await resp.read() == nginx_server.text
            async with session.put(nginx_server.url("/put-moved"), data=io.BytesIO(body)) as resp:
                assert [r.status for r in resp.history] == [308, 307]
                assert resp.status == 201
                assert resp.url.path == "/uploads/body.bin"
            async with session.get(nginx_server.url("/uploads/body.bin")) as resp:
                assert await resp.read() == body

    run(main(), timeout=30)
    log = nginx_server.access_log()
    assert [(r["method"], r["uri"], r["status"]) for r in log] == [
        ("GET", "/r301", 301),
        ("GET", "/r302", 302),
        ("GET", "/r307", 307),
        ("GET", nginx_server.text_name, 200),
        ("PUT", "/put-moved", 308),
        ("PUT", "/put-again", 307),
        ("PUT", "/uploads/body.bin", 201),
        ("GET", "/uploads/body.bin", 200),
    ]
    # The GETs share one keep-alive connection.  nginx answers 308 and 307 to the PUT
    # before reading its 3 MiB body; a body still being written when the redirect is
    # followed is cut, and its connection is closed instead of pooled (the rest of the
    # body would be read as the next request), so the PUTs may each use a new one.
    gets = [r["connection"] for r in log if r["method"] == "GET"]
    assert set(gets[:4]) == {log[0]["connection"]}
    assert (nginx_server.directory / "www" / "uploads" / "body.bin").read_bytes() == body
