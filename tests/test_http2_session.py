"""HTTP/2 through the public API (issue 17): ``TCPConnector(http2=...)`` and
``ClientSession(http2=...)`` against real peers on 127.0.0.1: hypercorn (TLS with
ALPN, h2c prior knowledge, uploads), the raw ``h2`` server (GOAWAY retry, one stream at
a time), proxy.py (CONNECT, then TLS with ALPN inside the tunnel); and the switches:
refused combinations, no HTTP/2 import when it is off, the error without ``h2``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _h2_servers import SETTINGS, H2Request, H2ServerConn, client_tls
from _servers import Reply, pattern_bytes, run
from aiohttp_client import HttpVersion
from test_proxy import proxy_url  # noqa: F401  (the proxy.py fixture)

H2 = HttpVersion(2, 0)


def test_alpn_h2_with_our_own_tls_context(hypercorn_server):
    async def main():
        async with aiohttp.ClientSession(http2=True) as s:
            async with s.get(hypercorn_server.url("/echo"), ssl=False) as resp:  # our context, ALPN h2 + http/1.1
                assert resp.version == H2
                assert json.loads(await resp.read())["http_version"] == "2"
        async with aiohttp.ClientSession() as s:  # http2 off: the shared context offers http/1.1 only
            async with s.get(hypercorn_server.url("/echo"), ssl=False) as resp:
                assert resp.version == HttpVersion(1, 1)
                assert json.loads(await resp.read())["http_version"] == "1.1"

    run(main())


def test_h2c_prior_knowledge_and_uploads(hypercorn_server, tmp_path):
    payload = pattern_bytes(2 * 2**20)
    path = tmp_path / "up.bin"
    path.write_bytes(payload)

    async def chunks():
        for i in range(0, len(payload), 100_000):
            yield payload[i : i + 100_000]

    async def main():
        connector = aiohttp.TCPConnector(http2="prior-knowledge")
        async with aiohttp.ClientSession(connector=connector) as s:
            url = hypercorn_server.url("/echo", tls=False)
            with path.open("rb") as f:
                async with s.post(url, data=f) as resp:
                    assert resp.version == H2
                    info = json.loads(await resp.read())
            assert info["http_version"] == "2" and info["body"].encode("latin-1") == payload
            async with s.post(url, data=chunks()) as resp:
                info = json.loads(await resp.read())
            assert info["body"].encode("latin-1") == payload
            async with s.put(url, data=b"expecting", expect100=True) as resp:
                assert json.loads(await resp.read())["body"] == "expecting"

    run(main(), timeout=30)


def test_http_origin_without_prior_knowledge_stays_http11(hypercorn_server):
    async def main():
        async with aiohttp.ClientSession(http2=True) as s:
            async with s.get(hypercorn_server.url("/echo", tls=False)) as resp:
                assert resp.version == HttpVersion(1, 1)
                assert json.loads(await resp.read())["http_version"] == "1.1"

    run(main())


def test_goaway_unprocessed_stream_retried_on_new_connection(h2_server):
    state = {"first": None}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        if state["first"] is None:
            state["first"] = conn
        if conn is state["first"]:
            for _ in range(300):
                if len(conn.streams) >= 2:
                    break
                await asyncio.sleep(0.01)
            if req.stream_id == 1:
                conn.respond(1, 200, [], b"one")
                conn.goaway(last_stream_id=1)
        else:
            conn.respond(req.stream_id, 200, [], b"retried " + (req.header(b":path") or b""))

    srv = h2_server(handler)

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:
            r1, r2 = await asyncio.gather(s.get(srv.url("/a")), s.post(srv.url("/b"), data=b"body"))
            assert await r1.read() == b"one"
            assert await r2.read() == b"retried /b"  # a POST too: it was not processed

    run(main())
    assert len(srv.connections) == 2
    assert [r.header(b":path") for r in srv.requests] == [b"/a", b"/b", b"/b"]
    assert bytes(srv.requests[-1].body) == b"body"


def test_one_stream_at_a_time_requests_queue(h2_server):
    live = {"now": 0, "max": 0}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        live["now"] += 1
        live["max"] = max(live["max"], live["now"])
        await asyncio.sleep(0.02)
        live["now"] -= 1
        conn.respond(req.stream_id, 200, [], b"ok")

    srv = h2_server(handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 1})

    async def main():
        connector = aiohttp.TCPConnector(http2="prior-knowledge", limit=1)
        async with aiohttp.ClientSession(connector=connector) as s:
            await (await s.get(srv.url("/first"))).read()  # the peer's SETTINGS are known now
            resps = await asyncio.gather(*(s.get(srv.url(f"/{i}")) for i in range(5)))
            assert [await r.read() for r in resps] == [b"ok"] * 5

    run(main())
    assert live["max"] == 1 and len(srv.connections) == 1


def test_full_connection_requests_wait_for_room_on_it(h2_server):
    live: dict[int, int] = {}
    peak: dict[int, int] = {}

    async def handler(conn: H2ServerConn, req: H2Request) -> None:
        live[id(conn)] = live.get(id(conn), 0) + 1
        peak[id(conn)] = max(peak.get(id(conn), 0), live[id(conn)])
        await asyncio.sleep(0.1)
        live[id(conn)] -= 1
        conn.respond(req.stream_id, 200, [], b"ok")

    srv = h2_server(handler, settings={SETTINGS.MAX_CONCURRENT_STREAMS: 1})

    async def main():
        async with aiohttp.ClientSession(http2="prior-knowledge") as s:  # limit=100
            await (await s.get(srv.url("/first"))).read()  # the peer's SETTINGS (1 stream) are known now
            resps = await asyncio.gather(*(s.get(srv.url(f"/{i}")) for i in range(3)))
            assert [await r.read() for r in resps] == [b"ok"] * 3

    run(main())
    # The full connection (its SETTINGS known: one stream) takes no second stream, and
    # no second connection is opened (RFC 9113 §9.1): the requests wait for room on it.
    assert len(srv.connections) == 1
    assert peak[id(srv.connections[0])] == 1 and len(srv.requests) == 4


def test_connect_tunnel_then_tls_with_alpn(proxy_url, hypercorn_server):  # noqa: F811
    async def main():
        proxy = proxy_url()
        ssl_ctx = client_tls(hypercorn_server.ca)
        async with aiohttp.ClientSession(http2=True) as s:
            for _ in range(2):
                async with s.get(hypercorn_server.url("/echo"), proxy=proxy, ssl=ssl_ctx) as resp:
                    assert resp.version == H2
                    assert json.loads(await resp.read())["http_version"] == "2"

    run(main(), timeout=30)


def test_ws_connect_on_an_http2_session_uses_http11(hypercorn_server):
    async def main():
        async with aiohttp.ClientSession(http2=True) as s:
            async with s.get(hypercorn_server.url("/echo"), ssl=False) as resp:  # an idle h2 connection first
                assert resp.version == H2
                await resp.read()
            # Our TLS context for a WebSocket offers ALPN http/1.1 only: were h2 offered,
            # hypercorn would choose it and the HTTP/1.1 upgrade could not happen; nor
            # may the WebSocket take a lease on the idle HTTP/2 connection.
            async with s.ws_connect(hypercorn_server.url("/ws").replace("https", "wss"), ssl=False) as ws:
                await ws.send_str("hi")
                msg = await ws.receive(timeout=5)
                assert msg.data == "hi"
            async with s.get(hypercorn_server.url("/echo"), ssl=False) as resp:  # the session's h2 goes on
                assert resp.version == H2
                await resp.read()

    run(main())


def test_http2_switch_refused_combinations():
    async def main():
        connector = aiohttp.TCPConnector()
        with pytest.raises(ValueError, match="http2"):
            aiohttp.ClientSession(connector=connector, http2=True)
        await connector.close()
        with pytest.raises(ValueError, match="http2"):
            aiohttp.TCPConnector(http2="yes")

    run(main())


def _python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, cwd="."
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_http2_off_imports_no_http2_code(raw_server):
    srv = raw_server(Reply.of(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    out = _python(
        f"""
        import asyncio, sys
        import aiohttp_client
        async def main():
            async with aiohttp_client.ClientSession() as s:
                async with s.get({srv.url("/")!r}) as r:
                    assert await r.read() == b"ok"
        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("h2", "hpack", "hyperframe")
                     or m.endswith(("._h2", "._h2_stream", "._multiplex"))))
        """
    )
    assert out == "[]"


def test_http2_without_h2_is_a_clear_runtime_error():
    out = _python(
        """
        import asyncio, sys
        sys.modules["h2"] = None  # as if not installed
        import aiohttp_client
        async def main():
            try:
                aiohttp_client.TCPConnector(http2=True)
            except RuntimeError as exc:
                print(exc)
        asyncio.run(main())
        """
    )
    assert "aiohttp_client[http2]" in out


def test_trace_reuse_signal_and_one_connection(hypercorn_server):
    async def main():
        trace = aiohttp.TraceConfig()
        events: list[str] = []

        async def on_create(*_: Any) -> None:
            events.append("create")

        async def on_reuse(*_: Any) -> None:
            events.append("reuse")

        trace.on_connection_create_end.append(on_create)
        trace.on_connection_reuseconn.append(on_reuse)
        async with aiohttp.ClientSession(http2=True, trace_configs=[trace]) as s:
            resps = await asyncio.gather(*(s.get(hypercorn_server.url("/bytes?n=3"), ssl=False) for _ in range(10)))
            assert all(r.version == H2 for r in resps)
            assert [await r.read() for r in resps] == [b"bbb"] * 10
        # The first request opens the connection; the nine others wait for it, then ride it.
        assert events.count("create") == 1 and events.count("reuse") == 9

    run(main())
