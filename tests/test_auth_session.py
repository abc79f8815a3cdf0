"""Basic authentication through a session: ``encode_basic_auth``, ``.netrc`` with
``trust_env``, URL credentials, and ``auth=`` refused together with an
``Authorization`` header (aiohttp.web echo peer)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import run


def test_encode_basic_auth() -> None:
    assert aiohttp.encode_basic_auth("user", "pass") == "Basic " + base64.b64encode(b"user:pass").decode()
    assert aiohttp.encode_basic_auth("usér") == "Basic " + base64.b64encode("usér:".encode()).decode()  # utf-8
    assert aiohttp.BasicAuth("usér").encode() == "Basic " + base64.b64encode("usér:".encode("latin1")).decode()
    with pytest.raises(ValueError):
        aiohttp.encode_basic_auth("a:b", "c")


async def _echo_auth() -> Any:
    from aiohttp import web

    async def handler(request: Any) -> Any:
        return web.Response(text=request.headers.get("Authorization", "none"))

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def test_netrc_url_credentials_and_conflicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login net password rc\n")
    monkeypatch.setenv("NETRC", str(netrc))
    expected = aiohttp.encode_basic_auth("net", "rc")

    async def main() -> None:
        runner = await _echo_auth()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/"
        try:
            async with aiohttp.ClientSession(trust_env=True) as session:
                assert await (await session.get(url)).text() == expected
                explicit = aiohttp.BasicAuth("me", "pw")
                assert await (await session.get(url, auth=explicit)).text() == explicit.encode()
                assert await (await session.get(url, headers={"Authorization": "Bearer t"})).text() == "Bearer t"
            async with aiohttp.ClientSession() as session:
                assert await (await session.get(url)).text() == "none"  # no trust_env: no .netrc
                creds = f"http://u%40x:p@127.0.0.1:{port}/"
                assert await (await session.get(creds)).text() == aiohttp.encode_basic_auth("u@x", "p", "latin1")
                with pytest.raises(ValueError, match="Cannot combine AUTHORIZATION header"):
                    await session.get(url, auth=aiohttp.BasicAuth("a"), headers={"Authorization": "x"})
                with pytest.raises(ValueError, match="Cannot combine"):
                    await session.get(creds, headers={"Authorization": "x"})
        finally:
            await runner.cleanup()

    run(main())
