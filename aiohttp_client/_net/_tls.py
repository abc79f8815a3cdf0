"""TLS defaults (shared contexts keyed by verification and ALPN offer; a user's
``SSLContext`` is used as given, never mutated) and :class:`Fingerprint`
verification.
"""

import asyncio
import contextlib
import hashlib
import ssl
from collections.abc import Iterator
from typing import Any, Optional, Union

from .._models import ConnectionKey
from ..client_exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientError,
    ConnectionTimeoutError,
    ServerFingerprintMismatch,
)

__all__ = (
    "Fingerprint",
    "HTTP11_ONLY",
    "ssl_context_for",
    "ssl_context_off_loop",
    "SSL_ALLOWED_TYPES",
    "check_fingerprint",
    "connect_errors",
)

SSL_ALLOWED_TYPES = (ssl.SSLContext, bool, type(None))

_HASHFUNC_BY_DIGESTLEN = {16: hashlib.md5, 20: hashlib.sha1, 32: hashlib.sha256}

#: The ALPN offer of a connection that speaks HTTP/1.1 only (RFC 7301 §6 names).
HTTP11_ONLY: tuple[str, ...] = ("http/1.1",)

#: The shared default contexts, keyed by ``(verified, ALPN offer)``: made once each,
#: never changed afterwards (a context is shared by every connection using it).
_contexts: dict[tuple[bool, tuple[str, ...]], ssl.SSLContext] = {}


def _make_context(verified: bool, alpn: tuple[str, ...]) -> ssl.SSLContext:
    """A client context offering the ALPN protocols *alpn* (RFC 7301, most
    preferred first); *verified*: certificate and host name checked.
    """
    if verified:
        ctx = ssl.create_default_context()
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.options |= ssl.OP_NO_COMPRESSION
        ctx.set_default_verify_paths()
    ctx.set_alpn_protocols(alpn)
    return ctx


def _default_key(ssl_arg: Any, alpn: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    return (ssl_arg is True or ssl_arg is None, alpn)


def ssl_context_for(ssl_arg: Any, alpn: tuple[str, ...] = HTTP11_ONLY) -> Optional[ssl.SSLContext]:
    """The context for a request's ``ssl`` argument: ``True`` -> the verifying default
    context, ``False`` or a :class:`Fingerprint` -> a non-verifying context, each
    offering *alpn*; an ``SSLContext`` -> itself, never changed (its ALPN offer, if
    any, is the user's: a user's context is never mutated).  Default contexts are
    made once per ``(verification, ALPN offer)`` and shared.
    """
    if isinstance(ssl_arg, ssl.SSLContext):
        return ssl_arg
    key = _default_key(ssl_arg, alpn)
    ctx = _contexts.get(key)
    if ctx is None:
        ctx = _contexts[key] = _make_context(*key)
    return ctx


async def ssl_context_off_loop(ssl_arg: Any, alpn: tuple[str, ...] = HTTP11_ONLY) -> Optional[ssl.SSLContext]:
    """:func:`ssl_context_for`, building a default context (which reads the system
    CA store from disk) in a worker thread the first time, never on the event loop.
    """
    if isinstance(ssl_arg, ssl.SSLContext):
        return ssl_arg
    ctx = _contexts.get(_default_key(ssl_arg, alpn))
    if ctx is not None:
        return ctx
    return await asyncio.get_running_loop().run_in_executor(None, ssl_context_for, ssl_arg, alpn)


class Fingerprint:
    """Pin the server certificate by its digest (reference: ``Fingerprint``).

    :param digest: SHA-256 digest of the DER certificate (``bytes``, 32 long).
    :raises ValueError: an MD5 or SHA-1 digest (insecure) or another length.
    """

    def __init__(self, fingerprint: bytes) -> None:
        digestlen = len(fingerprint)
        hashfunc = _HASHFUNC_BY_DIGESTLEN.get(digestlen)
        if not hashfunc:
            raise ValueError("fingerprint has invalid length")
        if hashfunc is hashlib.md5 or hashfunc is hashlib.sha1:
            raise ValueError("md5 and sha1 are insecure and not supported. Use sha256.")
        self._hashfunc = hashfunc
        self._fingerprint = fingerprint

    @property
    def fingerprint(self) -> bytes:
        return self._fingerprint

    def check(self, transport: asyncio.BaseTransport) -> None:
        """Check the peer certificate of *transport* against the pin; a transport
        without TLS has nothing to check (reference: ``Fingerprint``).

        :raises ServerFingerprintMismatch: the certificate's digest differs.
        """
        sslobj = transport.get_extra_info("ssl_object")
        if sslobj is None:
            return
        cert = sslobj.getpeercert(binary_form=True)
        got = self._hashfunc(cert).digest() if cert else b""
        if got != self._fingerprint:
            peer = transport.get_extra_info("peername") or ("", 0)
            raise ServerFingerprintMismatch(self._fingerprint, got, peer[0], peer[1])

    def matches(self, cert_der: bytes) -> bool:
        """Whether *cert_der* (the peer's DER certificate) has the pinned digest."""
        return self._hashfunc(cert_der).digest() == self._fingerprint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and other._fingerprint == self._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)


SSLArg = Union[bool, Fingerprint, ssl.SSLContext, None]


def check_fingerprint(fp: Fingerprint, transport: Optional[asyncio.Transport], key: ConnectionKey) -> None:
    """Check the peer certificate of *transport* against *fp*.

    :raises ServerFingerprintMismatch: it does not match (the transport is aborted).
    """
    sslobj = transport.get_extra_info("ssl_object") if transport is not None else None
    cert = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
    if cert is None or not fp.matches(cert):
        # abort, not close: a TLS close would first wait for close_notify with a
        # server we do not trust, and the socket would outlive the error.
        if transport is not None:
            transport.abort()
        got = fp._hashfunc(cert).digest() if cert is not None else b""
        raise ServerFingerprintMismatch(fp.fingerprint, got, key.host, key.port or 0)


@contextlib.contextmanager
def connect_errors(key: ConnectionKey, error_cls: type[ClientConnectorError]) -> Iterator[None]:
    """Translate what connecting (TCP, then TLS) raises into the documented classes:
    a timeout -> ``ConnectionTimeoutError``, certificate and other TLS failures ->
    ``ClientConnectorCertificateError`` / ``ClientConnectorSSLError``, any other
    ``OSError`` -> *error_cls*.
    """
    try:
        yield
    except asyncio.TimeoutError as exc:
        if isinstance(exc, ClientError):
            raise
        raise ConnectionTimeoutError(f"Connection timeout to host {key.host}:{key.port}") from exc
    except ssl.CertificateError as exc:
        raise ClientConnectorCertificateError(key, exc) from exc
    except ssl.SSLError as exc:
        raise ClientConnectorSSLError(key, exc) from exc
    except ClientError:
        raise
    except OSError as exc:
        raise error_cls(key, exc) from exc
