"""The ``text/event-stream`` parser, free of I/O: bytes in, events out (WHATWG HTML,
"Server-sent events", §9.2.5 "Parsing an event stream" and §9.2.6 "Interpreting an
event stream").

- Lines end with CRLF, LF or CR (§9.2.5 ``end-of-line``).  A CR at the end of one
  :meth:`EventStreamParser.feed` and an LF at the start of the next are one line end:
  the CR ends the line at once and the LF that follows it, in this feed or the next,
  is skipped.  CR and LF never occur inside a UTF-8 multi-byte sequence, so each line
  is decoded on its own (UTF-8, an invalid sequence becomes U+FFFD, as the spec's
  "UTF-8 decode"); one leading BOM is dropped, even when it arrives split.
- A blank line dispatches the event; a line starting with ``:`` is a comment; a line
  ``name:value`` (one space after the colon removed) or ``name`` (empty value) sets a
  field: ``event``, ``data`` (lines joined with LF), ``id`` (ignored when the value
  holds U+0000), ``retry`` (only ASCII digits; milliseconds); other names are ignored.
- Dispatching sets :attr:`EventStreamParser.last_event_id` from the last-event-ID
  buffer even when there is no data; an event is produced only when some ``data``
  line was seen.  The buffer starts at the id given to the parser (the one a
  reconnecting client sent as ``Last-Event-ID``), as browsers do, so an id survives a
  reconnection until the server sends another one.
- At the end of the stream an unfinished event is discarded (§9.2.6, last paragraph).
- Bounded: a line longer than *max_line_size* bytes, or the ``data`` of one event
  longer than *max_event_size* characters, raises :class:`EventStreamLimitError`
  instead of growing memory (the spec sets no limit; these are ours).
"""

import json
import re
from dataclasses import dataclass
from typing import Optional, Union

__all__ = (
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_MAX_LINE_SIZE",
    "EventStreamLimitError",
    "EventStreamParser",
    "ServerSentEvent",
)

#: Longest line accepted, in bytes (a JSON document in one ``data:`` line fits).
DEFAULT_MAX_LINE_SIZE = 2**20
#: Longest ``data`` of one event, in characters (the ``data`` lines joined).
DEFAULT_MAX_EVENT_SIZE = 2**24

_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(b"[\r\n]")
_CR = 0x0D
_LF = 0x0A


class EventStreamLimitError(ValueError):
    """A line or an event of the stream is over the parser's limit.  *events* are
    the events the same :meth:`EventStreamParser.feed` completed before it (deliver
    them first); the parser raises this error again on any later feed.
    """

    events: "list[ServerSentEvent]" = []


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event.

    event
        The type: the ``event`` field, ``"message"`` when none was given.
    data
        The ``data`` lines joined with line feeds.
    id
        The last event ID at dispatch (the spec's ``lastEventId``): the latest ``id``
        field seen on the stream, not necessarily in this event.
    retry
        The reconnection time in milliseconds when this event's lines carried a valid
        ``retry`` field, else ``None``.
    """

    data: str = ""
    event: str = "message"
    id: str = ""
    retry: Optional[int] = None

    def json(self) -> object:
        """``data`` parsed as JSON.  :raises ValueError: not JSON."""
        return json.loads(self.data)


class EventStreamParser:
    """One ``text/event-stream`` body: :meth:`feed` it bytes as they arrive and get
    the events they complete; :meth:`feed_eof` at the end.

    :param last_event_id: the last-event-ID buffer's first value.
    :param max_line_size: longest line, in bytes.
    :param max_event_size: longest ``data`` of one event, in characters.
    """

    __slots__ = (
        "last_event_id",
        "retry",
        "_id",
        "_event",
        "_data",
        "_data_size",
        "_block_retry",
        "_pending",
        "_skip_lf",
        "_bom",
        "_max_line",
        "_max_event",
        "_error",
    )

    def __init__(
        self,
        last_event_id: str = "",
        *,
        max_line_size: int = DEFAULT_MAX_LINE_SIZE,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        #: The id of the last dispatch (what a reconnection sends as ``Last-Event-ID``).
        self.last_event_id = last_event_id
        #: The latest valid ``retry`` value of the stream, in milliseconds, or ``None``.
        self.retry: Optional[int] = None
        self._id = last_event_id
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0
        self._block_retry: Optional[int] = None
        self._pending = bytearray()
        self._skip_lf = False
        self._bom: Optional[bytes] = b""  # bytes seen at the start while a BOM may come; None once decided
        self._max_line = max_line_size
        self._max_event = max_event_size
        self._error: Optional[EventStreamLimitError] = None

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> list[ServerSentEvent]:
        """The events that *data* completes, in order.

        :raises EventStreamLimitError: a line or an event over the limits (its
            *events* completed before it).
        """
        if self._error is not None:
            raise self._error
        events: list[ServerSentEvent] = []
        try:
            self._feed(data, events)
        except EventStreamLimitError as exc:
            exc.events = events
            self._error = exc
            raise
        return events

    def _feed(self, data: Union[bytes, bytearray, memoryview], events: list[ServerSentEvent]) -> None:
        buf = bytes(data)
        if self._bom is not None:
            head = self._bom + buf
            if len(head) < len(_BOM) and _BOM.startswith(head):
                self._bom = head
                return
            self._bom = None
            buf = head[len(_BOM) :] if head.startswith(_BOM) else head
        pos, end = 0, len(buf)
        if self._skip_lf and end:
            self._skip_lf = False
            if buf[0] == _LF:
                pos = 1
        while pos < end:
            match = _EOL.search(buf, pos)
            if match is None:
                self._keep(buf, pos)
                break
            stop = match.start()
            line = self._line(buf, pos, stop)
            pos = stop + 1
            if buf[stop] == _CR:  # CRLF is one line end; the LF may be in the next feed
                if pos == end:
                    self._skip_lf = True
                elif buf[pos] == _LF:
                    pos += 1
            self._process(line, events)

    def feed_eof(self) -> None:
        """The stream ended: an unfinished line or event is discarded (§9.2.6)."""
        self._pending.clear()
        self._data.clear()
        self._data_size = 0
        self._event = ""
        self._block_retry = None
        self._skip_lf = False

    def _keep(self, buf: bytes, pos: int) -> None:
        pending = self._pending
        if len(pending) + len(buf) - pos > self._max_line:
            raise EventStreamLimitError(f"Event stream line longer than {self._max_line} bytes")
        pending += buf[pos:]

    def _line(self, buf: bytes, start: int, stop: int) -> bytes:
        pending = self._pending
        if pending:
            pending += buf[start:stop]
            line = bytes(pending)
            pending.clear()
        else:
            line = buf[start:stop]
        if len(line) > self._max_line:
            raise EventStreamLimitError(f"Event stream line longer than {self._max_line} bytes")
        return line

    def _process(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if not raw:
            self._dispatch(events)
            return
        if raw[0] == 0x3A:  # ":" a comment
            return
        line = raw.decode("utf-8", "replace")
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data_size += len(value) + 1
            if self._data_size > self._max_event:
                raise EventStreamLimitError(f"Event data longer than {self._max_event} characters")
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\x00" not in value:
                self._id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry = self._block_retry = int(value)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        self.last_event_id = self._id
        if self._data:
            events.append(ServerSentEvent("\n".join(self._data), self._event or "message", self._id, self._block_retry))
        self._data.clear()
        self._data_size = 0
        self._event = ""
        self._block_retry = None
