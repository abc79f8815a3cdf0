"""The TLS contexts a connection uses (issue 16 part 3): the shared defaults are keyed
by (verification, ALPN offer) and made once each; a user's ``SSLContext`` goes to the
handshake as given (its ALPN offer, or none, is the user's), never mutated.  Checked
against a real TLS server on 127.0.0.1 that records the protocol ALPN selected."""

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

import aiohttp_client as aiohttp
from _servers import run, served_in_thread
from aiohttp_client._net import _tls

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture
def alpn_server(ca: Any) -> Iterator[tuple[int, list[Any]]]:
    """A TLS server preferring ``x-test``, then ``http/1.1``; yields ``(port, the
    ALPN protocol selected on each connection)`` (``None``: the client offered none
    of them)."""
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    server_ctx.set_alpn_protocols(["x-test", "http/1.1"])
    selected: list[Any] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        selected.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def start(loop: asyncio.AbstractEventLoop) -> Any:
        return asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ctx)

    with served_in_thread("alpn_server", start) as server:
        yield server.sockets[0].getsockname()[1], selected


async def _get(url: str, **kwargs: Any) -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as resp:
            return await resp.read()


def test_a_user_context_with_its_own_alpn_offer_is_used_unchanged(ca: Any, alpn_server: Any) -> None:
    port, selected = alpn_server
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    ctx.set_alpn_protocols(["x-test"])
    assert run(_get(f"https://127.0.0.1:{port}/", ssl=ctx)) == b"ok"
    assert selected == ["x-test"]  # not replaced by http/1.1


def test_a_user_context_without_alpn_gets_none_added(ca: Any, alpn_server: Any) -> None:
    port, selected = alpn_server
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    assert run(_get(f"https://127.0.0.1:{port}/", ssl=ctx)) == b"ok"
    assert selected == [None]


def test_a_user_context_given_to_the_connector_is_used_unchanged(ca: Any, alpn_server: Any) -> None:
    port, selected = alpn_server
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    ctx.set_alpn_protocols(["x-test", "http/1.1"])

    async def main() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
            for _ in range(2):  # a second connection from the same context
                async with session.get(f"https://127.0.0.1:{port}/", headers={"Connection": "close"}) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert selected == ["x-test", "x-test"]


def test_the_default_non_verifying_context_offers_http11(alpn_server: Any) -> None:
    port, selected = alpn_server
    assert run(_get(f"https://127.0.0.1:{port}/", ssl=False)) == b"ok"
    assert selected == ["http/1.1"]


def test_default_contexts_are_shared_per_verification_and_alpn_offer(monkeypatch: Any) -> None:
    made: list[tuple[bool, tuple[str, ...]]] = []
    make = _tls._make_context

    def recording(verified: bool, alpn: tuple[str, ...]) -> ssl.SSLContext:
        made.append((verified, alpn))
        return make(verified, alpn)

    monkeypatch.setattr(_tls, "_contexts", {})
    monkeypatch.setattr(_tls, "_make_context", recording)
    h2 = ("h2", "http/1.1")
    verified = _tls.ssl_context_for(True)
    assert _tls.ssl_context_for(None) is verified
    assert _tls.ssl_context_for(True, _tls.HTTP11_ONLY) is verified
    unverified = _tls.ssl_context_for(False)
    assert unverified is not verified and unverified is _tls.ssl_context_for(False)
    verified_h2 = _tls.ssl_context_for(True, h2)
    assert verified_h2 is not verified and _tls.ssl_context_for(True, h2) is verified_h2
    assert made == [(True, ("http/1.1",)), (False, ("http/1.1",)), (True, h2)]
    assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname


def test_a_user_context_is_returned_as_given() -> None:
    ctx = ssl.create_default_context()
    assert _tls.ssl_context_for(ctx) is ctx
    assert _tls.ssl_context_for(ctx, ("h2", "http/1.1")) is ctx

    async def off_loop() -> Any:
        return await _tls.ssl_context_off_loop(ctx, ("h2",))

    assert run(off_loop()) is ctx
