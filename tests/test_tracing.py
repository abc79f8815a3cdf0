"""Tracing: every signal of the tracing reference fires, with its documented params,
in the documented order (aiohttp.web and a closed port as peers); ``freeze()``,
``trace_request_ctx``, header interposition, and the CLI's timing line."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace
from typing import Any

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._cli._cli_timing import RequestTimes, timing_trace_config

SIGNALS = {
    "on_request_start": aiohttp.TraceRequestStartParams,
    "on_request_chunk_sent": aiohttp.TraceRequestChunkSentParams,
    "on_response_chunk_received": aiohttp.TraceResponseChunkReceivedParams,
    "on_request_end": aiohttp.TraceRequestEndParams,
    "on_request_exception": aiohttp.TraceRequestExceptionParams,
    "on_request_redirect": aiohttp.TraceRequestRedirectParams,
    "on_connection_queued_start": aiohttp.TraceConnectionQueuedStartParams,
    "on_connection_queued_end": aiohttp.TraceConnectionQueuedEndParams,
    "on_connection_create_start": aiohttp.TraceConnectionCreateStartParams,
    "on_connection_create_end": aiohttp.TraceConnectionCreateEndParams,
    "on_connection_reuseconn": aiohttp.TraceConnectionReuseconnParams,
    "on_dns_resolvehost_start": aiohttp.TraceDnsResolveHostStartParams,
    "on_dns_resolvehost_end": aiohttp.TraceDnsResolveHostEndParams,
    "on_dns_cache_hit": aiohttp.TraceDnsCacheHitParams,
    "on_dns_cache_miss": aiohttp.TraceDnsCacheMissParams,
    "on_request_headers_sent": aiohttp.TraceRequestHeadersSentParams,
}
FIELDS = {
    "on_request_start": ("method", "url", "headers"),
    "on_request_chunk_sent": ("method", "url", "chunk"),
    "on_response_chunk_received": ("method", "url", "chunk"),
    "on_request_end": ("method", "url", "headers", "response"),
    "on_request_exception": ("method", "url", "headers", "exception"),
    "on_request_redirect": ("method", "url", "headers", "response"),
    "on_dns_resolvehost_start": ("host",),
    "on_dns_resolvehost_end": ("host",),
    "on_dns_cache_hit": ("host",),
    "on_dns_cache_miss": ("host",),
    "on_request_headers_sent": ("method", "url", "headers"),
}


def _recorder() -> tuple[aiohttp.TraceConfig, list[tuple[str, Any, Any]]]:
    events: list[tuple[str, Any, Any]] = []
    config = aiohttp.TraceConfig()
    for name in SIGNALS:

        async def record(session: Any, ctx: Any, params: Any, name: str = name) -> None:
            events.append((name, ctx, params))

        getattr(config, name).append(record)
    return config, events


def _names(events: list[tuple[str, Any, Any]]) -> list[str]:
    return [name[3:] for name, _, _ in events]


def test_params_classes_have_the_documented_fields() -> None:
    for name, cls in SIGNALS.items():
        fields = FIELDS.get(name, ())
        params = cls(*range(len(fields)))
        assert tuple(getattr(params, f) for f in fields) == tuple(range(len(fields)))
        with pytest.raises(AttributeError):
            params.other = 1  # frozen and slotted


async def _app() -> Any:
    from aiohttp import web

    async def echo(request: Any) -> Any:
        body = await request.read()
        return web.Response(body=body or b"empty", headers={"X-Seen": request.headers.get("X-Added", "")})

    async def redirect(request: Any) -> Any:
        return web.Response(status=302, headers={"Location": "/echo"})

    async def slow(request: Any) -> Any:
        await asyncio.sleep(0.05)
        return web.Response(text="slow")

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def test_signals_in_the_documented_order() -> None:
    config, events = _recorder()

    async def main() -> None:
        runner = await _app()
        base = f"http://localhost:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(trace_configs=[config]) as session:
                async with session.post(f"{base}/echo", data=b"hello", trace_request_ctx={"n": 1}) as resp:
                    assert await resp.read() == b"hello"
                first = list(events)
                events.clear()
                async with session.get(f"{base}/redirect") as resp:
                    await resp.read()
                second = list(events)
                events.clear()
        finally:
            await runner.cleanup()
        assert _names(first) == [
            "request_start",
            "connection_create_start",
            "dns_cache_miss",
            "dns_resolvehost_start",
            "dns_resolvehost_end",
            "connection_create_end",
            "request_headers_sent",
            "request_chunk_sent",
            "request_end",
            "response_chunk_received",
        ]
        assert {id(ctx) for _, ctx, _ in first} == {id(first[0][1])}  # one context per request
        assert first[0][1].trace_request_ctx == {"n": 1}
        params = {name: p for name, _, p in first}
        url = URL(f"{base}/echo")
        assert (params["on_request_start"].method, params["on_request_start"].url) == ("POST", url)
        assert params["on_dns_resolvehost_start"].host == "localhost"
        assert params["on_request_chunk_sent"].chunk == b"hello"
        assert params["on_response_chunk_received"].chunk == b"hello"
        assert params["on_request_end"].response.status == 200
        assert params["on_request_headers_sent"].headers["Content-Length"] == "5"
        assert _names(second) == [
            "request_start",
            "connection_reuseconn",
            "request_headers_sent",
            "request_redirect",
            "connection_reuseconn",
            "request_headers_sent",
            "request_end",
            "response_chunk_received",
        ]
        redirect = dict((n, p) for n, _, p in second)["on_request_redirect"]
        assert redirect.response.status == 302 and redirect.url == URL(f"{base}/redirect")

    run(main())


def test_response_chunk_received_fires_per_read_call() -> None:
    # As aiohttp 3.14.5 behaves: the signal reports what ClientResponse.read() returned,
    # once per read() call; reading through resp.content alone fires nothing.
    config = aiohttp.TraceConfig()
    chunks: list[bytes] = []

    async def on_chunk(session: Any, ctx: Any, params: aiohttp.TraceResponseChunkReceivedParams) -> None:
        chunks.append(params.chunk)

    config.on_response_chunk_received.append(on_chunk)

    async def main() -> None:
        runner = await _app()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(trace_configs=[config]) as session:
                async with session.post(f"{base}/echo", data=b"abc") as resp:
                    assert await resp.content.read() == b"abc"
                    assert chunks == []
                    assert await resp.read() == b""
                assert chunks == [b""]
                chunks.clear()
                async with session.post(f"{base}/echo", data=b"xyz") as resp:
                    assert await resp.text() == "xyz"
                    assert await resp.read() == b"xyz"  # cached: no second signal
                assert chunks == [b"xyz"]
        finally:
            await runner.cleanup()

    run(main())


def test_queue_cache_hit_exception_and_interposed_headers() -> None:
    config, events = _recorder()

    async def add_header(session: Any, ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        params.headers["X-Added"] = "yes"

    config.on_request_start.append(add_header)

    async def main() -> None:
        runner = await _app()
        base = f"http://localhost:{runner.addresses[0][1]}"
        try:
            connector = aiohttp.TCPConnector(limit=1, force_close=True)
            async with aiohttp.ClientSession(connector=connector, trace_configs=[config]) as session:
                responses = await asyncio.gather(session.get(f"{base}/slow"), session.get(f"{base}/echo"))
                for resp in responses:
                    await resp.read()
                assert responses[1].headers["X-Seen"] == "yes"
            names = _names(events)
            assert names.count("connection_queued_start") == 1 and names.count("connection_queued_end") == 1
            assert names.index("connection_queued_start") < names.index("connection_queued_end")
            assert names.count("dns_cache_hit") == 1  # the second new connection found the address cached
            events.clear()
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                closed_port = probe.getsockname()[1]
            async with aiohttp.ClientSession(trace_configs=[config]) as session:
                with pytest.raises(aiohttp.ClientConnectorError):
                    await session.get(f"http://127.0.0.1:{closed_port}/x")
            assert _names(events)[-1] == "request_exception"
            assert isinstance(events[-1][2].exception, aiohttp.ClientConnectorError)
        finally:
            await runner.cleanup()

    run(main())


def test_freeze_and_context_factory() -> None:
    config = aiohttp.TraceConfig(trace_config_ctx_factory=lambda trace_request_ctx: ("ctx", trace_request_ctx))
    assert config.trace_config_ctx(trace_request_ctx=3) == ("ctx", 3)
    assert aiohttp.TraceConfig().trace_config_ctx() == SimpleNamespace(trace_request_ctx=None)

    async def handler(*args: Any) -> None:
        pass

    config.on_request_end.append(handler)
    config.freeze()
    for name in SIGNALS:
        with pytest.raises(RuntimeError):
            getattr(config, name).append(handler)
    assert list(config.on_request_end) == [handler]


def test_no_trace_config_means_no_traces() -> None:
    async def main() -> None:
        runner = await _app()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{runner.addresses[0][1]}/echo") as resp:
                    assert resp._traces is None and resp._request._traces == []
        finally:
            await runner.cleanup()

    run(main())


def test_cli_timing_line_from_signals() -> None:
    async def main() -> None:
        runner = await _app()
        base = f"http://localhost:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(trace_configs=[timing_trace_config()]) as session:
                lines = []
                for _ in range(2):
                    times = RequestTimes()
                    async with session.post(f"{base}/echo", data=b"x" * 1000, trace_request_ctx=times) as resp:
                        n = len(await resp.read())
                    lines.append(times.line(n, tls=False))
        finally:
            await runner.cleanup()
        assert lines[0].startswith("* DNS 0.") and ", connect 0." in lines[0] and ", TLS -," in lines[0]
        assert ", first byte 0." in lines[0] and ", total 0." in lines[0] and "1000 bytes" in lines[0]
        assert lines[1].startswith("* connection reused, first byte 0.")

    run(main())


def test_signal_list_behaviour() -> None:
    config = aiohttp.TraceConfig()
    signal = config.on_request_start
    assert isinstance(signal, list) and not signal.frozen

    async def a(*args: Any) -> None:
        pass

    signal.extend([a, a])
    signal.pop()
    signal.insert(0, a)
    del signal[0]
    assert list(signal) == [a]


def test_a_failing_start_handler_ends_the_started_traces() -> None:
    seen: list[BaseException] = []

    async def ok(session: Any, ctx: Any, params: Any) -> None:
        pass

    async def record(session: Any, ctx: Any, params: Any) -> None:
        seen.append(params.exception)

    async def boom(session: Any, ctx: Any, params: Any) -> None:
        raise RuntimeError("boom")

    good, bad = aiohttp.TraceConfig(), aiohttp.TraceConfig()
    good.on_request_start.append(ok)
    good.on_request_exception.append(record)
    bad.on_request_start.append(boom)
    bad.on_request_exception.append(record)

    async def main() -> None:
        async with aiohttp.ClientSession(trace_configs=[good, bad]) as session:
            with pytest.raises(RuntimeError, match="boom"):
                await session.get("http://127.0.0.1:9/")

    run(main())
    assert len(seen) == 1 and isinstance(seen[0], RuntimeError)


def test_chunk_sent_for_streamed_and_compressed_bodies() -> None:
    config, events = _recorder()

    async def parts() -> Any:
        for piece in (b"one,", b"two,", b"three"):
            yield piece

    async def main() -> None:
        runner = await _app()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(trace_configs=[config]) as session:
                async with session.post(f"{base}/echo", data=parts()) as resp:
                    assert await resp.read() == b"one,two,three"
                streamed = [p.chunk for n, _, p in events if n == "on_request_chunk_sent"]
                events.clear()
                async with session.post(f"{base}/echo", data=b"zip me" * 10, compress="deflate") as resp:
                    await resp.read()
                compressed = [p.chunk for n, _, p in events if n == "on_request_chunk_sent"]
        finally:
            await runner.cleanup()
        assert streamed == [b"one,", b"two,", b"three"]
        assert compressed == [b"zip me" * 10]  # the body as given, before the content coding

    run(main())


def test_a_header_added_at_request_start_goes_on_every_hop_and_not_into_the_session() -> None:
    """on_request_start's headers are the call's own copy: the field a handler adds
    goes out on the first hop and on the redirect's hop, and the session's default
    fields (which a call without headers= otherwise shares) stay as they were."""
    config = aiohttp.TraceConfig()

    async def add_header(session: Any, ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        params.headers["X-Added"] = "yes"

    config.on_request_start.append(add_header)

    async def main() -> None:
        runner = await _app()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(headers={"X-Default": "d"}, trace_configs=[config]) as session:
                for _ in range(2):
                    async with session.get(f"{base}/redirect") as resp:
                        assert (resp.status, resp.url.path, len(resp.history)) == (200, "/echo", 1)
                        assert resp.headers["X-Seen"] == "yes"
                        assert resp.history[0].request_info.headers["X-Added"] == "yes"
                assert dict(session.headers) == {"X-Default": "d"}
        finally:
            await runner.cleanup()

    run(main())
