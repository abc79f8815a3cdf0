"""HTTPS over 127.0.0.1 with trustme certificates: verification on, off, a custom
context, fingerprint pinning, and the documented exception classes."""

import hashlib
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme  # in the test extra; installed in every lane

import aiohttp_client as aiohttp
from _servers import run, tls_server_for

BODY = b"secret"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n" + BODY


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: Any) -> Iterator[tuple[int, bytes]]:
    """An asyncio TLS server on 127.0.0.1 in its own thread loop; yields
    ``(port, DER certificate)``."""
    with tls_server_for(ca, RESPONSE) as (port, der, _):
        yield port, der


def client_context(ca: Any) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


async def fetch(url: str, **kwargs: Any) -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as resp:
            return await resp.read()


def test_verified_with_custom_context(tls_server: tuple[int, bytes], ca: Any) -> None:
    port, _ = tls_server
    assert run(fetch(f"https://127.0.0.1:{port}/", ssl=client_context(ca))) == BODY


def test_untrusted_certificate_is_a_certificate_error(tls_server: tuple[int, bytes]) -> None:
    port, _ = tls_server

    async def main() -> None:
        with pytest.raises(aiohttp.ClientConnectorCertificateError) as info:
            await fetch(f"https://127.0.0.1:{port}/")
        assert isinstance(info.value, ssl.CertificateError)
        assert isinstance(info.value, aiohttp.ClientSSLError)

    run(main())


def test_ssl_false_skips_verification(tls_server: tuple[int, bytes]) -> None:
    port, _ = tls_server
    assert run(fetch(f"https://127.0.0.1:{port}/", ssl=False)) == BODY


def test_fingerprint_pinning(tls_server: tuple[int, bytes]) -> None:
    port, der = tls_server
    good = aiohttp.Fingerprint(hashlib.sha256(der).digest())
    assert run(fetch(f"https://127.0.0.1:{port}/", ssl=good)) == BODY

    async def main() -> None:
        bad = aiohttp.Fingerprint(hashlib.sha256(b"another certificate").digest())
        with pytest.raises(aiohttp.ServerFingerprintMismatch):
            await fetch(f"https://127.0.0.1:{port}/", ssl=bad)

    run(main())


def test_fingerprint_rejects_weak_digests() -> None:
    with pytest.raises(ValueError):
        aiohttp.Fingerprint(hashlib.sha1(b"x").digest())


def test_tls_connection_is_kept_alive(tls_server: tuple[int, bytes], ca: Any) -> None:
    port, _ = tls_server
    ctx = client_context(ca)

    async def main() -> int:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(f"https://127.0.0.1:{port}/", ssl=ctx) as resp:
                    assert await resp.read() == BODY
            connector = session.connector
            assert connector is not None
            return connector._pool.idle_count  # type: ignore[attr-defined, no-any-return]

    assert run(main()) == 1
