#!/usr/bin/env python3
"""Embedded loopback HTTP/1.1 server for the demo, the CLI tests and the benchmarks.

Plain asyncio (no aiohttp, no third-party imports), HTTP/1.1 with keep-alive.
``python tools/demo_server.py --port 0`` binds a free port on 127.0.0.1 and prints the
port number alone on the first line of stdout (a human-readable line goes to stderr);
SIGTERM or SIGINT stops it with exit status 0.

Routes (any other path is a 404):

``GET /large?size=N``
    N bytes (default :data:`DEFAULT_LARGE_SIZE`) of a generated pattern, with
    Content-Length: byte ``i`` of the body is ``i % 256`` (see :func:`large_body`).
``GET /chunked-gzip?chunks=K``
    :func:`chunked_gzip_text` compressed with gzip, sent with
    ``Content-Encoding: gzip`` in chunked transfer coding over K chunks (default 8).
``GET /json``
    A small JSON document (:data:`JSON_DOCUMENT`).
``ANY /echo``
    A JSON object describing the request: ``method``, ``path``, ``query``, ``version``,
    ``headers`` (list of ``[name, value]`` pairs, wire order), ``body`` (UTF-8 text,
    undecodable bytes replaced), ``body_base64`` and ``body_length``.
``ANY /status/NNN``
    Status NNN with a short text body (for ``--fail`` tests).
``ANY /delay?seconds=S``
    Waits S seconds (at most 30) before sending ``/json``'s document (for timeouts).

Every response carries ``X-Connection: <serial number of the TCP connection>``, so a
client can check that a series of requests was served over one kept-alive connection.
Request bodies may use Content-Length or chunked transfer coding; ``Expect:
100-continue`` is answered.  HEAD is served without a body.
"""

import argparse
import asyncio
import base64
import gzip
import itertools
import json
import signal
import sys
from typing import Optional
from urllib.parse import parse_qsl, urlsplit

__all__ = (
    "DEFAULT_LARGE_SIZE",
    "JSON_DOCUMENT",
    "chunked_gzip_text",
    "large_body",
    "serve",
)

#: Default size of ``/large``: big enough to show a progress bar, small enough to
#: download in a second or two on loopback.
DEFAULT_LARGE_SIZE = 256 * 1024 * 1024

#: Body of ``/json``.
JSON_DOCUMENT = {
    "service": "demo_server",
    "message": "hello from the loopback demo server",
    "numbers": [1, 2, 3, 5, 8, 13],
    "nested": {"ok": True, "pi": 3.14159, "nothing": None},
}

_JSON_BYTES = json.dumps(JSON_DOCUMENT).encode()
# One MiB of the /large pattern; 256 divides its length, so every block starts at 0.
_BLOCK = bytes(range(256)) * 4096
_MAX_HEAD = 64 * 1024  # request heads larger than this get a 431
_MAX_BODY = 64 * 1024 * 1024  # request bodies larger than this get a 413
_MAX_DELAY = 30.0  # seconds, the longest /delay
_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    418: "I'm a teapot",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def large_body(size: int) -> bytes:
    """The exact body ``/large?size=<size>`` sends (byte ``i`` is ``i % 256``)."""
    whole, rest = divmod(size, len(_BLOCK))
    return _BLOCK * whole + _BLOCK[:rest]


def chunked_gzip_text() -> bytes:
    """The decompressed body of ``/chunked-gzip`` (1000 lines, about 67 KiB)."""
    return b"".join(
        b"line %04d: the quick brown fox jumps over the lazy dog, %d times\n" % (i, i * i) for i in range(1000)
    )


_GZIP_BODY = gzip.compress(chunked_gzip_text(), mtime=0)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Request:
    __slots__ = ("method", "target", "version", "headers", "body")

    def __init__(self, method: str, target: str, version: str, headers: list[tuple[str, str]]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = b""

    def header(self, name: str) -> Optional[str]:
        name = name.lower()
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return None

    @property
    def keep_alive(self) -> bool:
        conn = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


def _parse_head(head: bytes) -> _Request:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(400, "bad request line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequest(400, "bad header line")
        headers.append((name, value.strip()))
    return _Request(parts[0], parts[1], parts[2], headers)


async def _read_body(reader: asyncio.StreamReader, req: _Request) -> bytes:
    te = (req.header("transfer-encoding") or "").lower()
    if te:
        if te != "chunked":
            raise _BadRequest(400, "unsupported transfer-coding")
        pieces: list[bytes] = []
        total = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailer section
                    pass
                return b"".join(pieces)
            total += size
            if total > _MAX_BODY:
                raise _BadRequest(413, "body too large")
            pieces.append(await reader.readexactly(size))
            if await reader.readexactly(2) != b"\r\n":
                raise _BadRequest(400, "bad chunk")
    length = req.header("content-length")
    if length is None:
        return b""
    if not length.isdigit():
        raise _BadRequest(400, "bad content-length")
    if int(length) > _MAX_BODY:
        raise _BadRequest(413, "body too large")
    return await reader.readexactly(int(length))


class _Connection:
    serials = itertools.count(1)

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.serial = next(self.serials)

    async def run(self) -> None:
        try:
            while await self._one_request():
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.writer.close()

    async def _one_request(self) -> bool:
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                await self._simple(400, b"incomplete request\n", keep_alive=False)
            return False
        except asyncio.LimitOverrunError:
            await self._simple(431, b"request head too large\n", keep_alive=False)
            return False
        try:
            req = _parse_head(head[:-4])
            if (req.header("expect") or "").lower() == "100-continue":
                self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            req.body = await _read_body(self.reader, req)
        except (_BadRequest, ValueError, asyncio.LimitOverrunError) as exc:
            status = exc.status if isinstance(exc, _BadRequest) else 400
            await self._simple(status, f"{exc}\n".encode(), keep_alive=False)
            return False
        keep_alive = req.keep_alive
        await self._dispatch(req, keep_alive)
        return keep_alive

    async def _dispatch(self, req: _Request, keep_alive: bool) -> None:
        url = urlsplit(req.target)
        path = url.path
        query = dict(parse_qsl(url.query))
        head_only = req.method == "HEAD"
        try:
            if path == "/large":
                size = int(query.get("size", DEFAULT_LARGE_SIZE))
                if size < 0:
                    raise ValueError(size)
                await self._large(size, keep_alive, head_only)
            elif path == "/chunked-gzip":
                chunks = max(1, int(query.get("chunks", 8)))
                await self._chunked_gzip(chunks, keep_alive, head_only)
            elif path == "/json":
                await self._simple(200, _JSON_BYTES, keep_alive, "application/json", head_only)
            elif path == "/echo":
                await self._simple(200, _echo(req, url.path, url.query), keep_alive, "application/json", head_only)
            elif path == "/delay":
                seconds = float(query.get("seconds", 1))
                if not 0 <= seconds <= _MAX_DELAY:
                    raise ValueError(seconds)
                await asyncio.sleep(seconds)
                await self._simple(200, _JSON_BYTES, keep_alive, "application/json", head_only)
            elif path.startswith("/status/"):
                status = int(path[len("/status/") :])
                if not 200 <= status <= 599:
                    raise ValueError(status)
                body = f"{status} {_REASONS.get(status, 'Status')}\n".encode()
                await self._simple(status, body, keep_alive, head_only=head_only)
            else:
                await self._simple(404, b"not found\n", keep_alive, head_only=head_only)
        except ValueError:
            await self._simple(400, b"bad parameter\n", keep_alive, head_only=head_only)

    def _head(self, status: int, fields: list[tuple[str, str]], keep_alive: bool) -> bytes:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Server: demo_server"]
        lines += [f"{n}: {v}" for n, v in fields]
        lines.append(f"X-Connection: {self.serial}")
        if not keep_alive:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _simple(
        self,
        status: int,
        body: bytes,
        keep_alive: bool,
        content_type: str = "text/plain; charset=utf-8",
        head_only: bool = False,
    ) -> None:
        fields = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        head = self._head(status, fields, keep_alive)
        self.writer.write(head if head_only else head + body)
        await self.writer.drain()

    async def _large(self, size: int, keep_alive: bool, head_only: bool) -> None:
        fields = [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))]
        self.writer.write(self._head(200, fields, keep_alive))
        if head_only:
            await self.writer.drain()
            return
        block = memoryview(_BLOCK)
        remaining = size
        while remaining:
            n = min(remaining, len(block))
            self.writer.write(block[:n])
            remaining -= n
            await self.writer.drain()

    async def _chunked_gzip(self, chunks: int, keep_alive: bool, head_only: bool) -> None:
        fields = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ]
        self.writer.write(self._head(200, fields, keep_alive))
        if not head_only:
            step = -(-len(_GZIP_BODY) // chunks)
            for i in range(0, len(_GZIP_BODY), step):
                piece = _GZIP_BODY[i : i + step]
                self.writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await self.writer.drain()
            self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()


def _echo(req: _Request, path: str, query: str) -> bytes:
    doc: dict[str, object] = {
        "method": req.method,
        "path": path,
        "query": query,
        "version": req.version,
        "headers": [[n, v] for n, v in req.headers],
        "body": req.body.decode("utf-8", "replace"),
        "body_base64": base64.b64encode(req.body).decode("ascii"),
        "body_length": len(req.body),
    }
    return json.dumps(doc).encode()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    if isinstance(transport, asyncio.WriteTransport):
        transport.set_write_buffer_limits(high=4 * 1024 * 1024)
    await _Connection(reader, writer).run()


async def serve(host: str, port: int, ready: "Optional[asyncio.Future[int]]" = None) -> None:
    """Serve until cancelled (or SIGTERM/SIGINT when run as a script)."""
    server = await asyncio.start_server(_handle, host, port, limit=_MAX_HEAD)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready.set_result(bound)
    async with server:
        await server.serve_forever()


async def _main(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[int] = loop.create_future()
    task = asyncio.ensure_future(serve(host, port, ready))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:  # failed to bind
        task.result()
        return
    bound = ready.result()
    print(bound, flush=True)
    print(f"demo_server: listening on http://{host}:{bound}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        await task
    except asyncio.CancelledError:
        pass


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Loopback HTTP/1.1 demo server (plain asyncio).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind, 0 for a free one (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_main(args.host, args.port))
    except OSError as exc:
        print(f"demo_server: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
