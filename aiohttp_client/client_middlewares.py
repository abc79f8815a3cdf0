"""Client middlewares (reference: "Client Middleware" and ``DigestAuthMiddleware``).

A middleware is ``async def mw(request, handler) -> ClientResponse``; the session
composes them so that the first one listed is the outermost (it runs first and
sees the response last).  The Digest computation is sans-IO in
``_sansio._digest_auth``; this module holds the middleware's state.
"""

import hashlib
import secrets
from collections.abc import Awaitable, Sequence
from typing import Callable, Optional

from yarl import URL

from . import hdrs
from ._client._client_request import ClientRequest
from ._client._client_response import ClientResponse
from ._sansio._digest_auth import (
    DigestChallenge,
    DigestError,
    authorization,
    digest_challenge,
    entity_hasher,
    in_protection_space,
    protection_space,
)
from .client_exceptions import ClientError
from .payload import Payload

__all__ = ("ClientHandlerType", "ClientMiddlewareType", "DigestAuthMiddleware", "build_client_middlewares")

ClientHandlerType = Callable[[ClientRequest], Awaitable[ClientResponse]]
ClientMiddlewareType = Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]


def build_client_middlewares(
    handler: ClientHandlerType, middlewares: Sequence[ClientMiddlewareType]
) -> ClientHandlerType:
    """*handler* wrapped in *middlewares*, the first one outermost."""
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: ClientMiddlewareType, handler: ClientHandlerType) -> ClientHandlerType:
    def call(request: ClientRequest) -> Awaitable[ClientResponse]:
        return middleware(request, handler)  # the middleware's own awaitable: no extra frame

    return call


class DigestAuthMiddleware:
    """HTTP Digest authentication (RFC 7616) as a client middleware (reference:
    ``DigestAuthMiddleware``).

    A 401 answer with a ``Digest`` challenge is retried once with the computed
    ``Authorization``; with *preemptive* the next requests inside the challenge's
    protection space (§3.3 ``domain``, else the whole origin) carry it at once
    (§3.6), and a ``stale=true`` 401 is retried with the new nonce.  The
    credentials are bound to the origin of the first request handled: another
    origin is passed through untouched unless the anchor's ``domain`` lists it.

    :raises ValueError: *login* or *password* is ``None``, or *login* has ``":"``.
    """

    def __init__(self, login: str, password: str, *, preemptive: bool = True) -> None:
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            raise ValueError('A ":" is not allowed in username')
        self._login = login
        self._password = password
        self._preemptive = preemptive
        self._anchor: Optional[URL] = None
        self._challenge: Optional[DigestChallenge] = None
        self._space: list[str] = []
        self._nonce_count = 0

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        url = request.url
        origin = url.origin()
        if self._anchor is None:
            self._anchor = origin
        if origin != self._anchor and not (self._challenge and in_protection_space(url, self._space)):
            return await handler(request)
        if self._preemptive and self._challenge is not None and in_protection_space(url, self._space):
            request.headers[hdrs.AUTHORIZATION] = await self._answer(request)
        response = await handler(request)
        if response.status != 401 or not self._take_challenge(response, origin):
            return response
        response.release()
        request.headers[hdrs.AUTHORIZATION] = await self._answer(request)
        return await handler(request)

    def _take_challenge(self, response: ClientResponse, origin: URL) -> bool:
        for value in response.headers.getall(hdrs.WWW_AUTHENTICATE, ()):
            challenge = digest_challenge(value)
            if challenge is not None:
                if self._challenge is None or challenge.nonce != self._challenge.nonce:
                    self._nonce_count = 0
                self._challenge = challenge
                self._space = protection_space(challenge, origin)
                return True
        return False

    async def _answer(self, request: ClientRequest) -> str:
        """The Authorization value for *request*; with ``qop=auth-int`` a body that is
        not in memory (a file, a stream) is read once to hash it, then rewound.

        :raises ClientError: an unknown algorithm or qop, or an ``auth-int`` body
            that can be read only once (an async iterable).
        """
        challenge = self._challenge
        if challenge is None:  # pragma: no cover - callers check
            raise ClientError("No digest challenge to answer")
        self._nonce_count += 1
        body = request.body
        raw = body._in_memory() if isinstance(body, Payload) else bytes(body)
        try:
            entity_hash = None
            if raw is None and isinstance(body, Payload):
                hasher = entity_hasher(challenge)
                if hasher is not None:
                    entity_hash = await _hash_body(body, hasher)
            return authorization(
                challenge,
                self._login,
                self._password,
                method=request.method,
                uri=request.url.raw_path_qs or "/",
                body=raw if raw is not None else b"",
                entity_hash=entity_hash,
                nonce_count=self._nonce_count,
                cnonce=secrets.token_hex(16),
            )
        except DigestError as exc:
            raise ClientError(str(exc)) from exc


class _HashingWriter:
    """A payload writer that only hashes what it is given."""

    def __init__(self, hasher: "hashlib._Hash") -> None:
        self._hasher = hasher

    async def write(self, data: bytes) -> None:
        self._hasher.update(data)

    async def drain(self) -> None:
        return None


async def _hash_body(body: Payload, hasher: "hashlib._Hash") -> str:
    """The hex digest of *body*'s bytes (RFC 7616 §3.4.3, H(entity-body)), the body
    rewound afterwards so that it is sent from its start.

    :raises ClientError: *body* cannot be read twice.
    """
    if body.rewind():
        await body.write(_HashingWriter(hasher))
        if body.rewind():
            return hasher.hexdigest()
    raise ClientError(
        "Digest qop=auth-int hashes the request body before sending it, and this body "
        "can be read only once (an async iterable); send bytes or a file instead"
    )
