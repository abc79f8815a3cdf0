"""TLS defaults and :class:`Fingerprint` verification."""

import hashlib
import ssl
from typing import Any, Optional, Union

__all__ = ("Fingerprint", "ssl_context_for", "SSL_ALLOWED_TYPES")

SSL_ALLOWED_TYPES = (ssl.SSLContext, bool, type(None))

_HASHFUNC_BY_DIGESTLEN = {16: hashlib.md5, 20: hashlib.sha1, 32: hashlib.sha256}

_contexts: dict[bool, ssl.SSLContext] = {}


def _make_context(verified: bool) -> ssl.SSLContext:
    if verified:
        return ssl.create_default_context()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options |= ssl.OP_NO_COMPRESSION
    ctx.set_default_verify_paths()
    return ctx


def ssl_context_for(ssl_arg: Any) -> Optional[ssl.SSLContext]:
    """The context for a request's ``ssl`` argument: ``True`` -> the verifying default
    context, ``False`` or a :class:`Fingerprint` -> a non-verifying context, an
    ``SSLContext`` -> itself.  Default contexts are made once and shared.
    """
    if isinstance(ssl_arg, ssl.SSLContext):
        return ssl_arg
    verified = ssl_arg is True or ssl_arg is None
    ctx = _contexts.get(verified)
    if ctx is None:
        ctx = _contexts[verified] = _make_context(verified)
    return ctx


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

    def matches(self, cert_der: bytes) -> bool:
        """Whether *cert_der* (the peer's DER certificate) has the pinned digest."""
        return self._hashfunc(cert_der).digest() == self._fingerprint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and other._fingerprint == self._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)


SSLArg = Union[bool, Fingerprint, ssl.SSLContext, None]
