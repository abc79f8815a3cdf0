"""Cookies, middlewares and tracing, ours vs aiohttp 3.14.5 in the same run.

* ``filter_cookies``: a jar of 10,000 cookies over 1,000 domains (10 per host,
  host-only, from ``Set-Cookie`` fields), asked for one host's cookies; both jars
  are filled the same way outside the timed code.
* ``request-5mw-trace``: one GET over a kept-alive loopback connection through 5
  pass-through middlewares and a ``TraceConfig`` with a handler on every signal
  the request fires; the server is ``tools/demo_server.py`` in a subprocess pinned
  to CPU 0.
* ``request-plain``: the same GET with neither (what tracing and middlewares cost).
"""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import aiohttp.cookiejar  # noqa: F401
import pytest
from yarl import URL

import _support
import aiohttp_client
import aiohttp_client.cookiejar  # noqa: F401  (the jar without limits)

DOMAINS = 1000
PER_DOMAIN = 10
IMPLS = {"ours": aiohttp_client, "aiohttp": aiohttp}


def _label(benchmark: Any, item: str, impl: str) -> None:
    benchmark.group = f"state {item}"
    benchmark.extra_info.update(suite="state", item=item, mode="-", impl=impl)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("limited", [False, True], ids=["unlimited", "limited"])
def test_filter_cookies(benchmark: Any, impl: str, limited: bool) -> None:
    lib = IMPLS[impl]
    loop = asyncio.new_event_loop()
    try:
        jar = loop.run_until_complete(_make_jar(lib, limited))
    finally:
        loop.close()
    # The public jar keeps at most 3,300 cookies (the reference's limit): 10,000 fit
    # only in the jar without limits (``_UnlimitedCookieJar`` in both libraries).
    assert len(jar) == (3100 if limited else DOMAINS * PER_DOMAIN)
    url = URL("http://d999.example.com/some/path")
    _label(benchmark, f"filter_cookies {'limited jar' if limited else '10k cookies/1k domains'}", impl)
    cookies = benchmark(jar.filter_cookies, url)
    assert len(cookies) == PER_DOMAIN


async def _make_jar(lib: Any, limited: bool) -> Any:
    jar = lib.CookieJar() if limited else lib.cookiejar._UnlimitedCookieJar()
    for d in range(DOMAINS):
        fields = [f"c{i}=value{i}; Path=/" for i in range(PER_DOMAIN)]
        jar.update_cookies_from_headers(fields, URL(f"http://d{d}.example.com/"))
    return jar


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``tools/demo_server.py`` in a subprocess pinned to CPU 0 (as in bench_client.py);
    run the benchmarks under ``taskset -c 1`` (``tools/bench`` does) to keep the client
    off the server's CPU.
    """
    with _support.demo_server() as (url, _pinned):
        yield f"{url}/json"


def _trace_config(lib: Any) -> Any:
    config = lib.TraceConfig()

    async def on_signal(session: Any, ctx: Any, params: Any) -> None:
        ctx.count = getattr(ctx, "count", 0) + 1

    for name in ("on_request_start", "on_request_headers_sent", "on_request_end", "on_connection_reuseconn"):
        getattr(config, name).append(on_signal)
    return config


def _middleware(n: int) -> Any:
    async def middleware(request: Any, handler: Any) -> Any:
        request.headers[f"X-Mw-{n}"] = "1"
        return await handler(request)

    return middleware


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("variant", ["request-5mw-trace", "request-plain"])
def test_request(benchmark: Any, server: str, impl: str, variant: str) -> None:
    lib = IMPLS[impl]
    loop = asyncio.new_event_loop()
    decorated = variant == "request-5mw-trace"

    async def make() -> Any:
        if decorated:
            return lib.ClientSession(
                middlewares=tuple(_middleware(n) for n in range(5)), trace_configs=[_trace_config(lib)]
            )
        return lib.ClientSession()

    async def one(session: Any) -> bytes:
        async with session.get(server) as resp:
            return await resp.read()  # type: ignore[no-any-return]

    try:
        session = loop.run_until_complete(make())
        expected = loop.run_until_complete(one(session))  # warm: the connection is pooled
        assert json.loads(expected)["service"] == "demo_server"
        _label(benchmark, variant, impl)
        body = benchmark(lambda: loop.run_until_complete(one(session)))
        assert body == expected
        loop.run_until_complete(session.close())
    finally:
        loop.close()
