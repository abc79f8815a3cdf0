"""Driving :class:`aiohttp_client._protocols._h2.H2Protocol` directly over a real
socket (no session, no pool): the exchange seam's calls, in the seam's order."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from multidict import CIMultiDict
from yarl import URL

from aiohttp_client._models import HttpVersion11
from aiohttp_client._protocols._exchange import ReaderOptions, RequestHead
from aiohttp_client._protocols._h2 import H2Protocol
from aiohttp_client._protocols._h2_stream import H2Stream
from aiohttp_client.streams import StreamReader

__all__ = ("open_h2", "request_head", "begin", "fetch")

_DEFAULT_OPTIONS = ReaderOptions()


async def open_h2(url: str, ssl_ctx: ssl.SSLContext | None = None, wait_ready: bool = True) -> H2Protocol:
    loop = asyncio.get_running_loop()
    u = URL(url)
    _, proto = await loop.create_connection(lambda: H2Protocol(loop), u.host, u.port, ssl=ssl_ctx)
    if wait_ready:
        await asyncio.wait_for(proto.ready, 5)
    return proto


def request_head(method: str, url: str, fields: Any = None) -> RequestHead:
    u = URL(url)
    headers: CIMultiDict[str] = CIMultiDict({"Host": u.raw_authority})
    if fields:
        headers.extend(fields)
    return RequestHead(method, u, u.raw_path_qs, HttpVersion11, headers, None, False)


def begin(
    proto: H2Protocol,
    method: str,
    url: str,
    body: bytes | None = b"",
    fields: Any = None,
    options: ReaderOptions = _DEFAULT_OPTIONS,
) -> tuple[H2Stream, asyncio.Future[Any]]:
    """Start one exchange: returns it and its head future."""
    ex = proto.new_exchange()
    fut = ex.start(method, options)
    ex.write_head(request_head(method, url, fields), body)
    if body is not None:
        ex.request_sent()
    return ex, fut


async def fetch(proto: H2Protocol, method: str, url: str, **kw: Any) -> tuple[Any, bytes]:
    """One whole exchange: ``(head, body)``; the lease released at the end."""
    ex, fut = begin(proto, method, url, **kw)
    try:
        head, stream = await asyncio.wait_for(fut, 10)
        assert isinstance(stream, StreamReader)
        data = await asyncio.wait_for(stream.read(), 30)
        return head, data
    finally:
        ex.release()
