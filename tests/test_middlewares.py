"""Client middlewares against an aiohttp.web peer: the onion order, the cookbook's
retry recipe, a middleware that calls the session itself (``middlewares=()``), a
body-signing middleware, and the public type aliases."""

from __future__ import annotations

import typing
from typing import Any

import aiohttp_client as aiohttp
from _servers import run


async def _app(state: dict[str, Any]) -> Any:
    from aiohttp import web

    async def flaky(request: Any) -> Any:
        state["flaky"] = state.get("flaky", 0) + 1
        if state["flaky"] < 3:
            return web.Response(status=503)
        return web.Response(text="finally")

    async def echo(request: Any) -> Any:
        body = await request.text()
        return web.json_response({"sig": request.headers.get("X-Sig", ""), "body": body})

    async def log(request: Any) -> Any:
        state.setdefault("log", []).append(await request.text())
        return web.Response(text="logged")

    app = web.Application()
    app.router.add_get("/flaky", flaky)
    app.router.add_route("*", "/echo", echo)
    app.router.add_post("/log", log)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def test_order_retry_recursion_and_body_signing() -> None:
    state: dict[str, Any] = {}
    order: list[str] = []

    def tracer(name: str) -> aiohttp.ClientMiddlewareType:
        async def middleware(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
            order.append(f"enter {name}")
            response = await handler(request)
            order.append(f"exit {name}")
            return response

        return middleware

    async def retry(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
        for _ in range(5):  # the cookbook's simple retry: bounded
            response = await handler(request)
            if response.status < 500:
                return response
            response.release()
        return response

    async def sign(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
        text = request.body.decode() if request.body else ""
        request.headers["X-Sig"] = f"{len(text)}:{text[:4]}"
        return await handler(request)

    async def main() -> None:
        runner = await _app(state)
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"

        async def audit(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
            # calls the session again, without middlewares: no recursion
            await request.session.post(f"{base}/log", data=str(request.url.path), middlewares=())
            return await handler(request)

        try:
            async with aiohttp.ClientSession(middlewares=(tracer("a"), tracer("b"), retry)) as session:
                async with session.get(f"{base}/flaky") as resp:
                    assert await resp.text() == "finally"
                assert state["flaky"] == 3
                assert order == ["enter a", "enter b", "exit b", "exit a"]  # retries happen inside b
                async with session.post(f"{base}/echo", data="payload text", middlewares=(sign,)) as resp:
                    assert await resp.json() == {"sig": "12:payl", "body": "payload text"}
                async with session.get(f"{base}/echo", middlewares=(audit,)) as resp:
                    assert resp.status == 200
                assert state["log"] == ["/echo"]
                order.clear()
                async with session.get(f"{base}/echo", middlewares=()) as resp:
                    assert resp.status == 200 and order == []
        finally:
            await runner.cleanup()

    run(main())


def test_type_aliases() -> None:
    assert typing.get_origin(aiohttp.ClientHandlerType) is typing.get_origin(typing.Callable[[], None])
    args = typing.get_args(aiohttp.ClientMiddlewareType)
    assert args[0] == [aiohttp.ClientRequest, aiohttp.ClientHandlerType]
