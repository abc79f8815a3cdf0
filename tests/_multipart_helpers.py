"""Helpers of the multipart end-to-end tests: a multipart response as exact bytes
(Content-Length or chunked framing, optionally gzip-coded), and reading it back
through ``MultipartReader.from_response``."""

from __future__ import annotations

import zlib
from typing import Any

import aiohttp_client as aiohttp
from _raw_helpers import response

CT = b"multipart/mixed; boundary=xx"


def gzip_bytes(data: bytes) -> bytes:
    coder = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return coder.compress(data) + coder.flush()


def chunked(body: bytes, size: int = 7) -> bytes:
    """*body* in chunks of *size* bytes, then the last chunk."""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def multipart_response(body: bytes, framing: str = "length", coding: str = "", ctype: bytes = CT) -> bytes:
    """A 200 response carrying *body*; *framing* ``length`` or ``chunked``, *coding*
    ``gzip`` or ``""`` (the HTTP Content-Encoding, not the parts')."""
    fields = [b"Content-Type: " + ctype]
    if coding:
        body = gzip_bytes(body)
        fields.append(b"Content-Encoding: gzip")
    if framing == "chunked":
        fields.append(b"Transfer-Encoding: chunked")
        body = chunked(body)
    else:
        fields.append(b"Content-Length: %d" % len(body))
    return response(b"200 OK", *fields, body=body)


async def read_parts(url: str) -> list[Any]:
    """Every part of the multipart response at *url* (``bytes``; a nested multipart
    gives a list of its parts' bytes)."""
    out: list[Any] = []
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            reader = aiohttp.MultipartReader.from_response(resp)
            for _ in range(100):
                part = await reader.next()
                if part is None:
                    break
                out.append(await _read_part(part))
    return out


async def _read_part(part: Any) -> Any:
    if isinstance(part, aiohttp.MultipartReader):
        inner = []
        for _ in range(100):
            sub = await part.next()
            if sub is None:
                break
            inner.append(bytes(await sub.read()))
        return inner
    return bytes(await part.read())
