"""Helpers of the raw-peer tests: canned responses and parsing what the server received."""

from __future__ import annotations

import aiohttp_client as aiohttp

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def response(status: bytes, *fields: bytes, body: bytes = b"") -> bytes:
    """``HTTP/1.1 <status>``, the field lines, the empty line, then *body*."""
    return b"\r\n".join((b"HTTP/1.1 " + status,) + fields) + b"\r\n\r\n" + body


def parse_request(raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """Split a recorded request into request-line, field pairs and body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields.append((name, value.strip()))
    return lines[0], fields, body


def field_values(fields: list[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in fields if n.lower() == name.lower()]


async def get(url: str, **kwargs: object) -> tuple[aiohttp.ClientResponse, bytes]:
    """One GET in its own session; returns the (released) response and its body."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as resp:
            return resp, await resp.read()
