"""Public behaviours aiohttp 3.14.5's unit tests rely on (issue 15, part G), each
checked here on its own and, where there is I/O, against a real peer on 127.0.0.1:
the connector as a (deprecated) synchronous context manager, its URL schemes, the
``ssl=`` check, ``force_close`` with ``keepalive_timeout=None``, ``Fingerprint.check``,
``ClientRequest``'s method classes, ``BasicAuth``'s deprecation and ``decode`` errors.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import ssl
import sys
import warnings
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import Reply, run, tls_server_for

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_sync_with_warns_and_closes_the_pooled_connection(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        connector = aiohttp.TCPConnector()
        async with aiohttp.ClientSession(connector=connector, connector_owner=False) as session:
            async with session.get(srv.url()) as resp:
                assert await resp.read() == b"ok"
        with pytest.warns(DeprecationWarning, match="async with"):
            with connector as entered:
                assert entered is connector
                assert not connector.closed
        assert connector.closed
        await asyncio.sleep(0)  # the close of the idle transport runs on the loop

    run(main())
    assert srv.accepted == 1
    assert srv.connections[0].closed_by_peer.wait(5), "the idle connection was not closed"


def test_allowed_protocol_schema_sets() -> None:
    async def main() -> None:
        base, tcp = aiohttp.BaseConnector(), aiohttp.TCPConnector()
        unix = aiohttp.UnixConnector("/nonexistent.sock")
        assert base.allowed_protocol_schema_set == {"", "http", "https", "ws", "wss"}
        assert tcp.allowed_protocol_schema_set == {"", "tcp", "http", "https", "ws", "wss"}
        assert unix.allowed_protocol_schema_set == {"", "http", "https", "ws", "wss", "unix"}
        for c in (base, tcp, unix):
            await c.close()

    run(main())


@pytest.mark.parametrize("value", [object(), 1, "yes", b"\x00" * 32])
def test_invalid_ssl_argument_is_a_type_error(value: Any) -> None:
    async def main() -> None:
        with pytest.raises(TypeError, match="ssl should be"):
            aiohttp.TCPConnector(ssl=value)

    run(main())


def test_ssl_none_means_verify() -> None:
    async def main() -> Any:
        connector = aiohttp.TCPConnector(ssl=None)
        try:
            return connector._ssl
        finally:
            await connector.close()

    assert run(main()) is True


def test_force_close_with_keepalive_none_and_a_refused_combination(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    unraisable: list[Any] = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append

    async def main() -> None:
        with pytest.raises(ValueError, match="keepalive_timeout"):
            aiohttp.BaseConnector(keepalive_timeout=30, force_close=True)
        gc.collect()  # the half-built connector's __del__ must stay silent
        connector = aiohttp.TCPConnector(force_close=True, keepalive_timeout=None)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(2):
                async with session.get(srv.url()) as resp:
                    assert await resp.read() == b"ok"

    try:
        run(main())
    finally:
        sys.unraisablehook = old_hook
    assert unraisable == []
    assert srv.accepted == 2  # force_close: a connection per request


def test_fingerprint_check_on_real_transports(raw_server) -> None:
    import trustme

    srv = raw_server(Reply.of(OK))
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    with tls_server_for(trustme.CA(), response) as (port, der, _heads):
        good = aiohttp.Fingerprint(hashlib.sha256(der).digest())
        bad = aiohttp.Fingerprint(hashlib.sha256(b"another certificate").digest())

        async def main() -> None:
            plain, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", srv.port)
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            tls, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port, ssl=ctx)
            try:
                assert good.check(plain) is None  # no TLS: nothing to check
                assert good.check(tls) is None
                with pytest.raises(aiohttp.ServerFingerprintMismatch) as info:
                    bad.check(tls)
                assert info.value.expected == bad.fingerprint
                assert info.value.got == good.fingerprint
                assert (info.value.host, info.value.port) == ("127.0.0.1", port)
            finally:
                plain.close()
                tls.close()
                await asyncio.sleep(0.05)

        run(main())


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_get_like_methods(method: str) -> None:
    assert method in aiohttp.ClientRequest.GET_METHODS
    assert method in aiohttp.ClientRequest.ALL_METHODS


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods(method: str) -> None:
    assert method not in aiohttp.ClientRequest.GET_METHODS
    assert method in aiohttp.ClientRequest.ALL_METHODS
    assert (method in aiohttp.ClientRequest.POST_METHODS) == (method != "DELETE")


def test_basic_auth_construction_is_deprecated_but_parsing_is_not() -> None:
    with pytest.warns(DeprecationWarning, match="BasicAuth is deprecated") as record:
        auth = aiohttp.BasicAuth("nkim", "pwd")
    assert record[0].filename == __file__  # the warning points at the caller
    assert auth.encode() == "Basic bmtpbTpwd2Q="
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert aiohttp.BasicAuth.decode("Basic bmtpbTpwd2Q=") == auth
        from yarl import URL

        assert aiohttp.BasicAuth.from_url(URL("http://nkim:pwd@host/")) == auth


def test_url_credentials_are_sent_without_a_deprecation_warning(raw_server) -> None:
    srv = raw_server(Reply.of(OK))

    async def main() -> None:
        url = srv.url("/").replace("http://", "http://user:pass@")
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert b"\r\nAuthorization: Basic dXNlcjpwYXNz\r\n" in srv.requests[0]


@pytest.mark.parametrize("header", ["Basic ???", "Basic   ", "Basic "])
def test_basic_auth_decode_bad_base64(header: str) -> None:
    with pytest.raises(ValueError, match="Invalid base64 encoding."):
        aiohttp.BasicAuth.decode(header)


@pytest.mark.parametrize(("args", "match"), [((None,), "login"), (("nkim", None), "password"), (("a:b",), '":"')])
def test_basic_auth_bad_arguments_raise_before_the_deprecation(args: tuple[Any, ...], match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(ValueError, match=match):
            aiohttp.BasicAuth(*args)
