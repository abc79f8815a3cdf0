"""A proxy's password never shows in a pool key's repr, and so never in the repr of
the connection errors that carry the key (they reach logs and tracebacks).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from aiohttp_client._models import ConnectionKey

# BasicAuth and proxy_auth= are deprecated (as in aiohttp 3.14) and still supported.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_key_repr_hides_the_proxy_password() -> None:
    key = ConnectionKey(
        "example.com", 443, True, True, URL("http://u:s3cret@proxy:3128"), aiohttp.BasicAuth("u", "s3cret"), 7
    )
    shown = repr(key)
    assert "s3cret" not in shown
    assert "host='example.com'" in shown and "login='u'" in shown and "proxy_headers_hash=7" in shown
    assert key.proxy_auth == aiohttp.BasicAuth("u", "s3cret")  # the key itself is unchanged


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/", "https://127.0.0.1:9/"])
def test_proxy_connect_error_repr_hides_the_password(target: str) -> None:
    """A proxy that refuses: the error's repr and str name the proxy, not its password."""
    port = _closed_port()

    async def main() -> BaseException:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError) as info:
                await session.get(target, proxy=f"http://127.0.0.1:{port}", proxy_auth=aiohttp.BasicAuth("u", "s3cret"))
            return info.value

    exc = asyncio.run(main())
    assert "s3cret" not in repr(exc) and "s3cret" not in str(exc)
    assert "s3cret" not in repr(exc.args)
