"""aiohttp-socks unchanged on our connector (issue 18): its ``ProxyConnector``
subclasses ``TCPConnector``, overrides ``_wrap_create_connection`` (aiohttp 3.14.5's
signature), reads ``_loop`` and builds ``aiohttp.client_proto.ResponseHandler``.

The library imports ``aiohttp``; a subprocess points that import at this package (an
import hook mapping ``aiohttp`` and ``aiohttp.*`` to ``aiohttp_client`` and its
modules), never the test process itself.  Peers: danted and aiohttp.web / a TLS
origin on 127.0.0.1.  The library's own suite is run by ``tools/aiohttp_socks_suite.py``.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from typing import Any

import trustme

from _servers import HOST, served_in_thread
from _socks_servers import PASSWORD, PROXY_ONLY_NAME, USER, dante

__all__ = ("dante",)  # the fixture, used by name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The subprocess's first lines: ``import aiohttp`` (and ``aiohttp.abc``,
#: ``aiohttp.client_proto``, ...) give this package's modules there (``_aiohttp_alias``).
ALIAS_AIOHTTP = f"""
import sys
sys.path.insert(0, {os.path.join(ROOT, "tests")!r})
import _aiohttp_alias
_aiohttp_alias.install()
"""

_CLIENT = (
    ALIAS_AIOHTTP
    + """
import asyncio, json, ssl
import aiohttp, aiohttp_client
from aiohttp_socks import ProxyConnector, ProxyError

proxy, wrong, cafile = sys.argv[1:4]
targets = {True: sys.argv[4:6], False: sys.argv[6:8]}  # rdns: (plain, tls) URLs
assert aiohttp is aiohttp_client and issubclass(ProxyConnector, aiohttp_client.TCPConnector)

async def main():
    out = {}
    ctx = ssl.create_default_context(cafile=cafile)
    for rdns, (plain, tls) in targets.items():
        connector = ProxyConnector.from_url(proxy, rdns=rdns)
        async with aiohttp_client.ClientSession(connector=connector) as session:
            peers = []
            for _ in range(2):
                async with session.get(plain) as resp:  # through the subclass's _wrap_create_connection
                    echo = await resp.json()
                    out[f"plain-{rdns}"] = [resp.status, echo["path"]]
                    peers.append(echo["peer"])
            out[f"pooled-{rdns}"] = len(set(peers))
            async with session.get(tls, ssl=ctx) as resp:
                out[f"tls-{rdns}"] = [resp.status, (await resp.read()).decode()]
    connector = ProxyConnector.from_url(wrong)
    async with aiohttp_client.ClientSession(connector=connector) as session:
        try:
            await session.get(plain)
        except ProxyError as exc:
            out["wrong-password"] = type(exc).__name__
    print(json.dumps(out))

asyncio.run(main())
"""
)


def _tls_origin(ca: Any) -> Any:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(PROXY_ONLY_NAME, HOST).configure_cert(server_ctx)

    async def handle(reader: Any, writer: Any) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
            await writer.drain()
        except Exception:  # the client went away
            pass
        finally:
            writer.close()

    async def start(loop: Any) -> Any:
        import asyncio

        return await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)

    return served_in_thread("tls_origin", start)


def test_proxy_connector_from_url_on_our_session(dante: Any, web_server: Any, tmp_path: Any) -> None:
    """``ProxyConnector.from_url("socks5://…")`` with ``rdns`` on and off: plain
    HTTP and TLS (its own TLS with our context, verified for the name the proxy
    resolves) through danted, connections pooled by our connector, a wrong password
    raised as the library's ``ProxyError``."""
    srv = web_server()
    ca = trustme.CA()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    with _tls_origin(ca) as origin:
        tls_port = origin.sockets[0].getsockname()[1]
        proxy = dante.url("socks5", f"{USER}:{PASSWORD}")
        wrong = dante.url("socks5", f"{USER}:wrong")
        # rdns=True: dante resolves a name only it knows; rdns=False: addresses.
        by_name = [srv.url("/echo").replace(HOST, PROXY_ONLY_NAME), f"https://{PROXY_ONLY_NAME}:{tls_port}/"]
        by_address = [srv.url("/echo"), f"https://{HOST}:{tls_port}/"]
        args = [sys.executable, "-c", _CLIENT, proxy, wrong, str(cafile), *by_name, *by_address]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    for rdns in (True, False):
        assert out[f"plain-{rdns}"] == [200, "/echo"] and out[f"tls-{rdns}"] == [200, "secure"]
        assert out[f"pooled-{rdns}"] == 1  # the second request reused the connection (our pool)
    assert out["wrong-password"] == "ProxyError"


def test_client_proto_response_handler_takes_the_loop() -> None:
    """``aiohttp_client.client_proto.ResponseHandler`` is built with the loop,
    positionally (aiohttp-socks) or as ``loop=``, and is the connector's protocol."""
    import asyncio

    from aiohttp_client import client_proto
    from aiohttp_client._protocols._protocol import ResponseProtocol

    loop = asyncio.new_event_loop()
    try:
        for handler in (client_proto.ResponseHandler(loop), client_proto.ResponseHandler(loop=loop)):
            assert isinstance(handler, ResponseProtocol) and handler.transport is None
            assert not handler.is_connected()
    finally:
        loop.close()
    assert client_proto.__all__ == ("ResponseHandler",)
