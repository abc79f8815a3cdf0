"""The ``ws_connect`` procedure (reference: ``ClientSession.ws_connect``; RFC 6455 §4).

One GET with the upgrade fields goes through the session's ordinary request path
(auth, params, proxy, TLS); the 101 answer is checked by
:mod:`.._sansio._ws_handshake`, then the connection is handed to a
:class:`~._ws_stream.WebSocketStream` (bytes that arrived behind the 101 head
included) and wrapped in the session's ``ws_response_class``.
"""

import asyncio
import ssl as ssl_module
import warnings
from collections.abc import Iterable
from types import TracebackType
from typing import Any, NamedTuple, Optional, Union

import attr
from multidict import CIMultiDict
from yarl import URL

from .._client._client_response import ClientResponse
from .._client._context_managers import _AwaitableContext
from .._client._request_params import merge_ssl
from .._client._timeouts import DEFAULT_WS_CLIENT_TIMEOUT, ClientWSTimeout
from .._models import sentinel
from .._sansio._basic_auth import BasicAuth
from .._sansio._ws_handshake import HandshakeFailure, check_response, extension_offer, new_key
from .._sansio._ws_reader import WebSocketReader
from .._sansio._ws_writer import FrameWriter
from ..client_exceptions import WSServerHandshakeError
from ..client_ws import ClientWebSocketResponse
from ._ws_stream import WebSocketSender, WebSocketStream

__all__ = ("WSRequestContextManager", "ws_connect")


class WSRequestContextManager(_AwaitableContext[ClientWebSocketResponse]):
    """What ``ws_connect`` returns: ``await`` it, or ``async with`` it to close the
    WebSocket on exit.
    """

    __slots__ = ()

    async def __aenter__(self) -> ClientWebSocketResponse:
        self._resp = await self._coro
        return self._resp

    async def __aexit__(
        self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if self._resp is not None:
            await self._resp.close()


def _ws_timeout(timeout: Any, receive_timeout: Optional[float]) -> ClientWSTimeout:
    if timeout is sentinel or timeout is None:
        ws_timeout = DEFAULT_WS_CLIENT_TIMEOUT if timeout is sentinel else ClientWSTimeout()
    elif isinstance(timeout, ClientWSTimeout):
        ws_timeout = timeout
    else:
        warnings.warn(
            "parameter 'timeout' of type 'float' is deprecated, please use 'timeout=ClientWSTimeout(ws_close=...)'",
            DeprecationWarning,
            stacklevel=4,
        )
        ws_timeout = ClientWSTimeout(ws_close=timeout)
    if receive_timeout is not None:
        warnings.warn(
            "float parameter 'receive_timeout' is deprecated, please use "
            "parameter 'timeout=ClientWSTimeout(ws_receive=...)'",
            DeprecationWarning,
            stacklevel=4,
        )
        ws_timeout = attr.evolve(ws_timeout, ws_receive=receive_timeout)
    return ws_timeout


def _handshake_headers(
    headers: Any, key: str, protocols: Iterable[str], origin: Optional[str], compress: int
) -> "CIMultiDict[str]":
    fields: CIMultiDict[str] = CIMultiDict(headers or {})
    for name, value in (("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13")):
        fields.setdefault(name, value)
    fields["Sec-WebSocket-Key"] = key
    protocols = tuple(protocols)
    if protocols:
        fields["Sec-WebSocket-Protocol"] = ",".join(protocols)
    if origin is not None:
        fields["Origin"] = origin
    if compress:
        fields["Sec-WebSocket-Extensions"] = extension_offer(compress)
    return fields


async def ws_connect(
    session: Any,
    url: Union[str, URL],
    *,
    method: str = "GET",
    protocols: Iterable[str] = (),
    timeout: Any = sentinel,
    receive_timeout: Optional[float] = None,
    autoclose: bool = True,
    autoping: bool = True,
    heartbeat: Optional[float] = None,
    auth: Optional[BasicAuth] = None,
    origin: Optional[str] = None,
    params: Any = None,
    headers: Any = None,
    proxy: Any = None,
    proxy_auth: Optional[BasicAuth] = None,
    ssl: Any = True,
    verify_ssl: Optional[bool] = None,
    fingerprint: Optional[bytes] = None,
    ssl_context: Optional[ssl_module.SSLContext] = None,
    server_hostname: Optional[str] = None,
    proxy_headers: Any = None,
    compress: int = 0,
    max_msg_size: int = 4 * 1024 * 1024,
    decode_text: bool = True,
) -> ClientWebSocketResponse:
    """Open a WebSocket on *session* (reference: ``ClientSession.ws_connect``).

    :raises WSServerHandshakeError: the server's answer is not a valid handshake.
    :raises ValueError: *compress* outside 0 and 9-15; conflicting TLS arguments.
    """
    ws_timeout = _ws_timeout(timeout, receive_timeout)
    ssl = merge_ssl(ssl, verify_ssl, ssl_context, fingerprint, stacklevel=4)
    key = new_key()
    protocols = tuple(protocols)
    fields = _handshake_headers(headers, key, protocols, origin, compress)
    resp: ClientResponse = await session._request(
        method,
        url,
        params=params,
        headers=fields,
        read_until_eof=False,
        auth=auth,
        proxy=proxy,
        proxy_auth=proxy_auth,
        ssl=ssl,
        server_hostname=server_hostname,
        proxy_headers=proxy_headers,
    )
    options = _WSOptions(ws_timeout, autoclose, autoping, heartbeat, max_msg_size, decode_text)
    try:
        negotiated = _negotiated(resp, key, protocols, compress)
        return _upgrade(session, resp, negotiated, options)
    except BaseException:
        resp.close()
        raise


def _negotiated(resp: ClientResponse, key: str, protocols: tuple[str, ...], compress: int) -> Any:
    """What the server's answer negotiated (RFC 6455 §4.1, RFC 7692).

    :raises WSServerHandshakeError: the answer is not a valid handshake.
    """
    try:
        return check_response(resp.status, resp.headers, key, protocols, compress)
    except HandshakeFailure as exc:
        raise WSServerHandshakeError(
            resp.request_info, resp.history, message=exc.message, status=resp.status, headers=resp.headers
        ) from None


class _WSOptions(NamedTuple):
    """The ``ws_connect`` arguments the WebSocket object takes after the handshake."""

    timeout: ClientWSTimeout
    autoclose: bool
    autoping: bool
    heartbeat: Optional[float]
    max_msg_size: int
    decode_text: bool


def _upgrade(session: Any, resp: ClientResponse, negotiated: Any, options: _WSOptions) -> ClientWebSocketResponse:
    conn = resp.connection
    protocol = conn.protocol if conn is not None else None
    if protocol is None:
        raise WSServerHandshakeError(
            resp.request_info, resp.history, message="Connection closed", status=resp.status, headers=resp.headers
        )
    if resp._deadline is not None:  # the session's total timeout covers the handshake only
        resp._deadline.cancel()
        resp._deadline = None
    resp._connection = None  # the WebSocket owns the connection from now on
    loop: asyncio.AbstractEventLoop = session._loop
    reader = WebSocketReader(options.max_msg_size, bool(negotiated.compress), options.decode_text)
    stream = WebSocketStream(protocol, reader, loop)
    leftover = protocol.detach_for_upgrade(stream)
    if leftover:
        stream.feed_data(leftover)
    if protocol.transport is None:  # lost before the hand-off
        stream.connection_lost(None)
    else:
        stream.receive_directly()
    sender = WebSocketSender(protocol, FrameWriter(negotiated.compress, negotiated.notakeover))
    cls = session._ws_response_class or ClientWebSocketResponse
    return cls(
        stream,
        sender,
        negotiated.protocol,
        resp,
        options.timeout,
        options.autoclose,
        options.autoping,
        loop,
        heartbeat=options.heartbeat,
        compress=negotiated.compress,
        client_notakeover=negotiated.notakeover,
        connection=conn,
    )
