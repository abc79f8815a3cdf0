"""Server-Sent Events (aiohttp_client addition; WHATWG HTML "Server-sent events"):
:class:`EventSource`, a reconnecting client, and :func:`iter_events`, the events of
a response the caller already has.  The parsing is sans-IO (``_sansio/_sse.py``);
this module is the I/O around it.

::

    async with aiohttp_client.ClientSession() as session:
        async with EventSource(session, "http://127.0.0.1:8080/events") as source:
            async for event in source:
                print(event.event, event.id, event.data)

What the client does (§9.2.3 "Processing model"):

- each request carries ``Accept: text/event-stream``, ``Cache-Control: no-cache``
  and, once the stream gave an id, ``Last-Event-ID``;
- a ``200`` response with ``Content-Type: text/event-stream`` is read as the events
  arrive (after content decoding: a gzip-coded stream works);
- ``204 No Content`` ends the iteration (the server's way to say "stop"), on the
  first connection or on a reconnection;
- any other status, or another content type, raises :exc:`EventSourceError` (a
  :exc:`~aiohttp_client.ClientResponseError`) and the source is closed: no
  reconnection;
- when the connection drops or the stream ends, the source waits the reconnection
  time (the server's latest ``retry`` field, else *reconnect_delay*; at most
  *max_reconnect_delay*) and connects again.  At most *max_reconnects* reconnections
  in a row may fail to deliver an event: then the last connection error is raised,
  or, when the streams just ended, the iteration ends;
- a line or an event over the parser's limits raises :exc:`EventStreamError` (a
  :exc:`~aiohttp_client.ClientPayloadError`) and closes the connection.

Unless a ``timeout`` is given, the requests use the session's timeout without its
``total`` (a stream is meant to last); set ``sock_read`` to notice a silent server.
"""

import asyncio
import collections
from collections.abc import AsyncIterator, Awaitable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import attr
from multidict import CIMultiDict
from yarl import URL

from . import hdrs
from ._sansio._sse import (
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_LINE_SIZE,
    EventStreamLimitError,
    EventStreamParser,
    ServerSentEvent,
)
from .client_exceptions import ClientConnectionError, ClientPayloadError, ClientResponseError

if TYPE_CHECKING:  # pragma: no cover
    from ._client._client_response import ClientResponse
    from ._client._session import ClientSession

__all__ = ("EventSource", "EventSourceError", "EventStreamError", "ServerSentEvent", "iter_events")

EVENT_STREAM = "text/event-stream"


class EventSourceError(ClientResponseError):
    """The server answered something other than an event stream: a status other than
    200 (204 excepted) or a ``Content-Type`` other than ``text/event-stream``.
    ``status``, ``message`` and ``headers`` are the response's.
    """


class EventStreamError(ClientPayloadError):
    """The event stream broke a limit: a line longer than *max_line_size* bytes or an
    event's data longer than *max_event_size* characters.
    """


def _check(response: "ClientResponse") -> bool:
    """``False`` for 204 (no events, stop); ``True`` for an event stream.

    :raises EventSourceError: another status or content type.
    """
    if response.status == 204:
        return False
    if response.status != 200:
        problem = f"Expected status 200 for an event stream, got {response.status}"
    elif response.content_type != EVENT_STREAM:
        problem = f"Expected Content-Type {EVENT_STREAM}, got {response.content_type}"
    else:
        return True
    raise EventSourceError(
        response.request_info, response.history, status=response.status, message=problem, headers=response.headers
    )


def _limit_error(exc: EventStreamLimitError) -> EventStreamError:
    error = EventStreamError(str(exc))
    error.__cause__ = exc
    return error


async def iter_events(
    response: "ClientResponse",
    *,
    last_event_id: str = "",
    max_line_size: int = DEFAULT_MAX_LINE_SIZE,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
) -> AsyncIterator[ServerSentEvent]:
    """The events of *response*, as they arrive, until its body ends (an unfinished
    event at the end is dropped).  No reconnection: that is :class:`EventSource`.
    The caller keeps owning *response* (release or close it).

    :param last_event_id: the id the events carry until the stream sets one.
    :raises EventSourceError: *response* is not a ``200`` event stream (a ``204``
        gives no events).
    :raises EventStreamError: a line or an event over the limits.
    """
    if not _check(response):
        return
    parser = EventStreamParser(last_event_id, max_line_size=max_line_size, max_event_size=max_event_size)
    async for chunk in response.content.iter_any():
        try:
            events = parser.feed(chunk)
        except EventStreamLimitError as exc:
            response.close()
            for event in exc.events:  # the events before the error are the caller's
                yield event
            raise _limit_error(exc) from exc
        for event in events:
            yield event
    parser.feed_eof()


class EventSource:
    """A reconnecting Server-Sent Events client: ``async with`` it, then ``async
    for`` its :class:`ServerSentEvent` objects (see the module docstring).

    :param session: the :class:`~aiohttp_client.ClientSession` to send with.
    :param url: the event stream's URL.
    :param method: the request method (``GET`` as browsers use).
    :param last_event_id: an id to resume from (sent as ``Last-Event-ID``).
    :param reconnect_delay: seconds to wait before a reconnection until the server
        sends ``retry``.
    :param max_reconnect_delay: the longest wait, whatever ``retry`` says.
    :param max_reconnects: how many reconnections in a row may fail to deliver an
        event before the source gives up.
    :param max_line_size: the parser's longest line, in bytes.
    :param max_event_size: the parser's longest event data, in characters.
    :param sleep: ``async def sleep(seconds)``, default :func:`asyncio.sleep`.
    :param request_kwargs: passed to ``session.request()`` (``headers``, ``params``,
        ``timeout``, ``auth``, ...).
    """

    def __init__(
        self,
        session: "ClientSession",
        url: Union[str, URL],
        *,
        method: str = "GET",
        last_event_id: str = "",
        reconnect_delay: float = 3.0,
        max_reconnect_delay: float = 60.0,
        max_reconnects: int = 5,
        max_line_size: int = DEFAULT_MAX_LINE_SIZE,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        **request_kwargs: Any,
    ) -> None:
        self._session = session
        self._url = url
        self._method = method
        #: The id of the last event dispatched (sent as ``Last-Event-ID`` on reconnection).
        self.last_event_id = last_event_id
        #: Seconds to wait before the next reconnection.
        self.reconnect_delay = min(reconnect_delay, max_reconnect_delay)
        self._max_delay = max_reconnect_delay
        self._max_reconnects = max_reconnects
        self._limits = (max_line_size, max_event_size)
        self._sleep = sleep
        if "timeout" not in request_kwargs:
            request_kwargs["timeout"] = attr.evolve(session.timeout, total=None)
        self._headers: CIMultiDict[str] = CIMultiDict(request_kwargs.pop("headers", None) or {})
        self._kwargs = request_kwargs
        #: How many reconnections were made.
        self.reconnects = 0
        self._connections = 0
        self._failures = 0  # reconnections in a row without an event
        self._last_error: Optional[BaseException] = None
        self._response: Optional[ClientResponse] = None
        self._parser: Optional[EventStreamParser] = None
        self._pending: collections.deque[ServerSentEvent] = collections.deque()
        self._closed = False
        self._error: Optional[EventStreamError] = None  # raised once the events before it are taken

    @property
    def response(self) -> "Optional[ClientResponse]":
        """The response being read, ``None`` between connections."""
        return self._response

    async def __aenter__(self) -> "EventSource":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop: close the current connection; the iteration ends."""
        self._closed = True
        self._pending.clear()
        self._error = None
        self._drop()

    def __aiter__(self) -> "EventSource":
        return self

    async def __anext__(self) -> ServerSentEvent:
        while True:  # each pass reads once, connects once, or ends
            if self._pending:
                return self._pending.popleft()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._closed:
                raise StopAsyncIteration
            if self._response is None:
                if not await self._open():
                    self._closed = True
                continue
            await self._read(self._response)

    async def _read(self, response: "ClientResponse") -> None:
        """One piece of the body through the parser (a drop on EOF or error)."""
        try:
            chunk = await response.content.readany()
        except (ClientPayloadError, ClientConnectionError, asyncio.TimeoutError) as exc:
            self._last_error = exc
            chunk = b""
        if not chunk:
            self._drop()
            return
        parser = self._parser
        if parser is None:  # pragma: no cover - _open() makes one before any _read()
            raise RuntimeError("EventSource read without an open event stream")
        try:
            events = parser.feed(chunk)
        except EventStreamLimitError as exc:
            self._closed = True
            self._drop(close=True)
            self._pending.extend(exc.events)
            self._error = _limit_error(exc)
            return
        self.last_event_id = parser.last_event_id
        if parser.retry is not None:
            self.reconnect_delay = min(parser.retry / 1000, self._max_delay)
        if events:
            self._failures = 0
            self._last_error = None
            self._pending.extend(events)

    def _drop(self, close: bool = False) -> None:
        response, self._response = self._response, None
        if self._parser is not None:
            self._parser.feed_eof()
            self.last_event_id = self._parser.last_event_id
            self._parser = None
        if response is not None:
            if close:
                response.close()
            else:
                response.release()

    async def _open(self) -> bool:
        """Connect (after the reconnection wait when it is not the first time):
        ``True`` with a response to read, ``False`` to stop.

        :raises EventSourceError: not an event stream.
        """
        while True:  # bounded by max_reconnects
            if self._connections:
                if self._failures >= self._max_reconnects:
                    self._closed = True
                    if self._last_error is not None:
                        raise self._last_error
                    return False
                self._failures += 1
                self.reconnects += 1
                await self._sleep(self.reconnect_delay)
            self._connections += 1
            try:
                response = await self._session.request(
                    self._method, self._url, headers=self._request_headers(), **self._kwargs
                )
            except (ClientConnectionError, asyncio.TimeoutError) as exc:
                self._last_error = exc
                continue
            try:
                streaming = _check(response)
            except EventSourceError:
                response.release()
                self._closed = True
                raise
            if not streaming:
                response.release()
                return False
            self._response = response
            self._parser = EventStreamParser(
                self.last_event_id, max_line_size=self._limits[0], max_event_size=self._limits[1]
            )
            return True

    def _request_headers(self) -> "CIMultiDict[str]":
        headers: CIMultiDict[str] = CIMultiDict(self._headers)
        headers.setdefault(hdrs.ACCEPT, EVENT_STREAM)
        headers.setdefault(hdrs.CACHE_CONTROL, "no-cache")
        if self.last_event_id:
            headers[hdrs.LAST_EVENT_ID] = self.last_event_id
        return headers
