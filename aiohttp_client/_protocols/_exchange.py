"""The exchange seam: what the request, the response and the session need from one
request/response on a connection, whatever the connection speaks.

Two ``typing.Protocol`` classes and the records they pass.  An HTTP/1.1 connection
(``_protocols/_protocol.ResponseProtocol``) carries one exchange at a time and is its
own exchange; an HTTP/2 connection carries several, one object per stream (RFC 9113
§5); the test transport (``aiohttp_client.testing``) implements both in-process.
Nothing above this seam writes to a transport or knows the wire framing: the request
hands over a :class:`RequestHead` and body bytes, the response awaits the final head
and reads the body from a :class:`~aiohttp_client.streams.StreamReader`.

The pool (``_sansio/_pool``) lends *connections*; a lease is one exchange on one.
A connection is *idle* when it carries no exchange, and *open for another* while
``active < capacity`` and it is not closing (HTTP/1.1: capacity 1; HTTP/2: the
peer's ``SETTINGS_MAX_CONCURRENT_STREAMS``, RFC 9113 §6.5.2).
"""

import asyncio
from typing import Callable, NamedTuple, Optional, Protocol

from multidict import CIMultiDict
from yarl import URL

from .._models import HttpVersion, ResponseHead
from ..streams import StreamReader

__all__ = ("Exchange", "ExchangeConnection", "HeadResult", "ReaderOptions", "RequestHead")

#: What :meth:`Exchange.start` resolves to: the final response head and the stream
#: its body arrives in (already decoded when a content coding applies).
HeadResult = tuple[ResponseHead, StreamReader]


class RequestHead(NamedTuple):
    """One request's head as the exchange sends it.

    :ivar method: the method token, upper case (``str``).
    :ivar url: the request's URL without fragment (``yarl.URL``); an HTTP/2 exchange
        takes ``:scheme``, ``:authority`` and ``:path`` from it (RFC 9113 §8.3.1).
    :ivar target: the HTTP/1.1 request-target (origin-form, or absolute-form to a
        plain-HTTP proxy; RFC 9112 §3.2).
    :ivar version: the request's ``HttpVersion``.
    :ivar fields: the field lines to send (``CIMultiDict[str]``, ``Host`` included);
        an HTTP/2 exchange lower-cases names and drops connection-specific fields
        (RFC 9113 §8.2.2).
    :ivar raw: the serialized HTTP/1.1 head when the request already has it (the
        per-URL template), else ``None``.
    :ivar chunked: the body goes out with the chunked transfer coding (HTTP/1.1;
        an HTTP/2 exchange ignores it: DATA frames delimit the body).
    """

    method: str
    url: URL
    target: str
    version: HttpVersion
    fields: "CIMultiDict[str]"
    raw: Optional[bytes]
    chunked: bool


class ReaderOptions(NamedTuple):
    """How the response to one exchange is read (session and request options).

    Sizes in bytes, *read_timeout* in seconds (``ClientTimeout.sock_read``; ``None``
    = no limit).
    """

    read_until_eof: bool = True
    auto_decompress: bool = True
    read_bufsize: int = 2**16
    read_timeout: Optional[float] = None
    max_line_size: int = 8190
    max_field_size: int = 8190
    max_headers: int = 128


class Exchange(Protocol):
    """One request and its response on one connection.

    Order of calls: :meth:`start`, :meth:`write_head`, then body bytes through
    :meth:`write`/:meth:`drain` and :meth:`end_body` (or nothing more when the request
    has no body), :meth:`request_sent`; the response side awaits the future
    :meth:`start` returned and reads its stream; the lease ends with
    ``Connection.release()`` (the connection goes on carrying exchanges when
    :attr:`must_close` is false) or ``Connection.close()``.
    """

    @property
    def response_started(self) -> bool:
        """``True`` once a byte of the response arrived (no retry elsewhere then)."""

    @property
    def must_close(self) -> bool:
        """``True`` when this exchange leaves its connection unusable (HTTP/1.1: the
        body was not read to the end, ``Connection: close``, an error; HTTP/2: a
        connection error — a reset stream leaves the connection usable).
        """

    def start(self, method: str, options: ReaderOptions) -> "asyncio.Future[HeadResult]":
        """Prepare for the response to a request about to be written; the future
        resolves to the final head and body stream, or raises the documented
        exception (``ServerDisconnectedError``, ``ClientOSError``, a head error that
        the response turns into ``ClientResponseError``).
        """

    def write_head(self, head: RequestHead, body: Optional[bytes] = None) -> None:
        """Send the request head.  *body* given (``bytes``, possibly empty) is the
        whole body, already content-coded, sent with the head (HTTP/2: END_STREAM
        with it); ``None`` means body bytes follow through :meth:`write` and
        :meth:`end_body`.

        :raises ConnectionResetError: the connection is closed.
        """

    def write(self, data: bytes) -> None:
        """Queue body bytes (content coding already applied; the exchange adds the
        transfer framing: chunked for HTTP/1.1, DATA frames for HTTP/2).
        """

    async def drain(self) -> None:
        """Wait until the bytes written may be followed by more (transport buffer
        below its high-water mark; HTTP/2: the peer's flow-control window is open).

        :raises ClientConnectionResetError: the connection was lost meanwhile.
        """

    def end_body(self) -> None:
        """The request body is complete (HTTP/1.1 chunked: the last-chunk; HTTP/2:
        END_STREAM).
        """

    def request_sent(self) -> None:
        """The whole request went out: ``sock_read`` counts from now."""

    def expect_continue(self) -> "asyncio.Future[None]":
        """A future resolved by ``100 Continue`` (RFC 9110 §10.1.1)."""

    def set_on_complete(self, callback: Optional[Callable[[], None]]) -> None:
        """Call *callback* once the response body was fully received (now if it was)."""

    def abort(self, exc: BaseException) -> None:
        """Fail this exchange with *exc*: the waiting head or the body stream raises
        it.  HTTP/1.1 closes the connection; HTTP/2 resets the stream only.
        """

    def cut(self) -> None:
        """Stop sending this exchange's request mid-body (its body writer was
        cancelled or failed to write): bytes still buffered are dropped and the
        exchange cannot complete.  The response side then sees what the connection
        shows (HTTP/1.1: the transport is aborted, the connection lost; HTTP/2:
        ``RST_STREAM`` with ``CANCEL``, RFC 9113 §8.4).
        """


class ExchangeConnection(Protocol):
    """One connection as the pool holds it."""

    transport: Optional[asyncio.Transport]
    closed: "asyncio.Future[None]"

    @property
    def capacity(self) -> int:
        """Exchanges it may carry at once (HTTP/1.1: 1)."""

    @property
    def should_close(self) -> bool:
        """``True`` unless it may carry another exchange once the current ones end."""

    def is_connected(self) -> bool:
        """The transport is open."""

    def new_exchange(self) -> Exchange:
        """The next exchange on this connection (HTTP/1.1: the connection itself)."""

    def close(self, tls_grace: float = 0.0) -> None:
        """Close now (*tls_grace* seconds for a TLS shutdown, else abort)."""
