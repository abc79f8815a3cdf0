"""``hypercorn_server``: hypercorn (a real HTTP/1.1 and HTTP/2 server in Python) on
127.0.0.1, in its own thread and loop, serving a small ASGI app: TLS with a trustme
certificate and ALPN ``h2``/``http/1.1`` (``srv.url()``), and cleartext HTTP/1.1 or
HTTP/2 with prior knowledge (h2c, ``srv.url(tls=False)``).  Registered as a fixture
by ``conftest.py``.

Routes: ``/echo`` (any method: JSON of method, path, query, headers, body, the HTTP
version), ``/gzip`` (a gzip-coded body), ``/redirect?to=URL&status=N``,
``/set-cookie?name=value``, ``/status/N``, ``/slow?delay=s`` (the head after *delay*),
``/stall`` (head, then a body that never ends), ``/bytes?n=N``; a WebSocket echo on
any path.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from _servers import HOST, _LoopThread

__all__ = ("Hypercorn", "hypercorn_server", "GZIP_TEXT")

GZIP_TEXT = b"".join(b"hypercorn gzip line %05d\n" % i for i in range(3000))


async def _body(receive: Any) -> bytes:
    parts = []
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        parts.append(msg.get("body", b""))
        if not msg.get("more_body"):
            break
    return b"".join(parts)


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":  # /ws: an echo
        while True:
            msg = await receive()
            if msg["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif msg["type"] == "websocket.receive":
                await send({"type": "websocket.send", "text": msg.get("text"), "bytes": msg.get("bytes")})
            else:
                return
    path = scope["path"]
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    if path == "/echo":
        body = await _body(receive)
        info = {
            "method": scope["method"],
            "path": path,
            "query": query,
            "headers": [[n.decode(), v.decode()] for n, v in scope["headers"]],
            "body": body.decode("latin-1"),
            "http_version": scope["http_version"],
        }
        await _send(send, 200, json.dumps(info).encode(), [(b"content-type", b"application/json")])
    elif path == "/gzip":
        await _send(send, 200, gzip.compress(GZIP_TEXT), [(b"content-encoding", b"gzip")])
    elif path == "/redirect":
        # The body is read first: hypercorn 0.17 (PyPy 3.9's) fails on DATA for a
        # stream it already answered.
        await _body(receive)
        status = int(query.get("status", "302"))
        await _send(send, status, b"", [(b"location", query["to"].encode())])
    elif path == "/set-cookie":
        cookies = [(b"set-cookie", f"{k}={v}; Path=/".encode()) for k, v in query.items()]
        await _send(send, 200, b"set", cookies)
    elif path.startswith("/status/"):
        await _send(send, int(path.rsplit("/", 1)[1]), b"status body")
    elif path == "/slow":
        await asyncio.sleep(float(query.get("delay", "1")))
        await _send(send, 200, b"slow")
    elif path == "/stall":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await asyncio.sleep(30)
    elif path == "/bytes":
        n = int(query.get("n", "0"))
        await _send(send, 200, b"b" * n)
    else:
        await _send(send, 404, b"not found")


@dataclass
class Hypercorn:
    port: int
    insecure_port: int
    ca: Any

    def url(self, path: str = "/", tls: bool = True, host: str = HOST) -> str:
        if tls:
            return f"https://{host}:{self.port}{path}"
        return f"http://{host}:{self.insecure_port}{path}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def hypercorn_server(tmp_path: Path, tls_ca: Any) -> Iterator[Hypercorn]:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    ca = tls_ca
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for pem in cert.cert_chain_pems[1:]:
        certfile.write_bytes(certfile.read_bytes() + pem.bytes())
    cert.private_key_pem.write_to_path(str(keyfile))
    port, insecure_port = _free_port(), _free_port()
    config = Config()
    config.bind = [f"{HOST}:{port}"]
    config.insecure_bind = [f"{HOST}:{insecure_port}"]
    config.certfile, config.keyfile = str(certfile), str(keyfile)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.h2_max_concurrent_streams = 256
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 0.5
    thread = _LoopThread("hypercorn")
    stop: dict[str, Any] = {}

    async def start() -> None:
        stop["event"] = event = asyncio.Event()
        stop["task"] = asyncio.ensure_future(serve(app, config, shutdown_trigger=event.wait))  # type: ignore[arg-type]
        for _ in range(200):  # bounded: 10 s
            if stop["task"].done():
                stop["task"].result()  # a bind error: raise it
            if _accepting(port) and _accepting(insecure_port):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("hypercorn did not start accepting")

    thread.call(start(), timeout=15)
    try:
        yield Hypercorn(port, insecure_port, ca)
    finally:

        async def shutdown() -> None:
            stop["event"].set()
            await asyncio.wait({stop["task"]}, timeout=5)

        try:
            thread.call(shutdown())
        finally:
            thread.stop()
