"""``br`` and ``zstd`` when their decoder is not installed (the default on PyPy, and on
CPython without the ``speedups`` extra): never offered in Accept-Encoding, and a body
coded with one fails at its head as aiohttp 3.14.5 fails (``ClientResponseError``,
status 400) with a message naming what to install, never bytes still coded that
``text()`` then fails on with a bare ``UnicodeDecodeError``.

The client runs in a subprocess whose ``sys.modules`` blocks the decoder modules; the
peer is a raw loopback server of this process, which records what the client sent.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _raw_helpers import field_values, parse_request, response
from _servers import Reply

_ROOT = Path(__file__).resolve().parent.parent

_CLIENT = r"""
import sys
for name in ("brotli", "brotlicffi", "compression.zstd", "backports.zstd", "zstandard"):
    sys.modules[name] = None  # import fails: no decoder installed
import asyncio, json
import aiohttp_client as aiohttp
from aiohttp_client._sansio import _compression

async def main(url, auto_decompress, method):
    out = {"offered": _compression.supported_encodings()}
    async with aiohttp.ClientSession(auto_decompress=auto_decompress) as session:
        try:
            async with session.request(method, url) as resp:
                out["status"] = resp.status
                out["body"] = (await resp.read()).hex()
                if auto_decompress:  # coded bytes are no text
                    out["text"] = await resp.text()
        except Exception as exc:
            out["error"] = type(exc).__name__
            out["status"] = getattr(exc, "status", None)
            out["message"] = str(getattr(exc, "message", exc))
    return out

print(json.dumps(asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2] == "1", sys.argv[3]), 10))))
"""

_BR_HELLO = bytes.fromhex("0b028068656c6c6f03")  # brotli.compress(b"hello")
_ZSTD_HELLO = bytes.fromhex("28b52ffd200529000068656c6c6f")  # zstd.compress(b"hello")


def _client(url: str, auto_decompress: bool = True, method: str = "GET") -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-c", _CLIENT, url, "1" if auto_decompress else "0", method],
        cwd=_ROOT,
        env=dict(os.environ, PYTHONPATH=str(_ROOT)),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _coded(coding: bytes, body: bytes) -> bytes:
    return response(b"200 OK", b"Content-Encoding: " + coding, b"Content-Length: %d" % len(body), body=body)


@pytest.mark.parametrize(
    "coding, body, name",
    [
        (b"br", _BR_HELLO, "brotli (br)"),
        (b"zstd", _ZSTD_HELLO, "zstandard (zstd)"),
        (b"gzip, br", _BR_HELLO, "brotli (br)"),
    ],
)
def test_a_coding_without_its_decoder_fails_at_the_head(raw_server, coding: bytes, body: bytes, name: str) -> None:
    srv = raw_server(Reply.of(_coded(coding, body)))
    got = _client(srv.url())
    assert got["error"] == "ClientResponseError", got
    assert got["status"] == 400
    assert got["message"].startswith(f"Can not decode content-encoding: {name}.")
    if b"zstd" in coding and sys.implementation.name == "pypy":
        assert "PyPy" in got["message"]
    else:
        assert 'pip install "aiohttp_client[speedups]"' in got["message"]
    # What we cannot decode we never asked for.
    assert got["offered"] == "gzip, deflate"
    _, fields, _ = parse_request(srv.requests[0])
    assert field_values(fields, "Accept-Encoding") == ["gzip, deflate"]


def test_without_auto_decompress_the_coded_body_is_returned(raw_server) -> None:
    srv = raw_server(Reply.of(_coded(b"br", _BR_HELLO)))
    got = _client(srv.url(), auto_decompress=False)
    assert "error" not in got, got
    assert bytes.fromhex(got["body"]) == _BR_HELLO


def test_an_unknown_coding_still_passes_through(raw_server) -> None:
    # As aiohttp: a coding we do not know at all is not ours to refuse.
    srv = raw_server(Reply.of(_coded(b"x-custom", b"hello")))
    got = _client(srv.url())
    assert got.get("text") == "hello", got


@pytest.mark.parametrize(
    "method, head",
    [
        ("HEAD", response(b"200 OK", b"Content-Encoding: br", b"Content-Length: 9")),
        ("GET", response(b"304 Not Modified", b"Content-Encoding: br")),
    ],
    ids=["HEAD", "304"],
)
def test_a_response_without_a_body_needs_no_decoder(raw_server, method: str, head: bytes) -> None:
    # Nothing to decode (RFC 9110 §9.3.2, §15.4.5): no error.  aiohttp 3.14.5 fails
    # these too; we differ on purpose.
    srv = raw_server(Reply.of(head))
    got = _client(srv.url(), method=method)
    assert "error" not in got, got
    assert got["body"] == ""
