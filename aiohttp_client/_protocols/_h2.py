"""``H2Protocol``: one HTTP/2 connection (RFC 9113), the asyncio side of the sans-IO
``h2`` library (python-hyper, the optional extra ``aiohttp_client[http2]``).

It implements the exchange seam's :class:`._exchange.ExchangeConnection`: the pool
leases it to several requests at once, up to the peer's
``SETTINGS_MAX_CONCURRENT_STREAMS`` (:attr:`H2Protocol.capacity`, RFC 9113 §6.5.2);
each lease is an :class:`._h2_stream.H2Stream`.  Bytes from the transport go to
``h2.connection.H2Connection.receive_data`` in one call; its events are routed to the
streams by id.  What ``h2`` wants to send is written once per loop iteration (many
streams opened in one iteration share one write).

Errors: a protocol error found by ``h2`` (bad framing, HPACK, a response field that
HTTP/2 forbids: an upper-case name, ``Transfer-Encoding`` or another
connection-specific field, RFC 9113 §8.2) ends the connection with GOAWAY and fails
every stream on it; GOAWAY from the peer stops new streams, fails the streams above
its last-stream-id as not processed (retryable, RFC 9113 §6.8) and lets the others
finish; a lost connection fails what is left (``ServerDisconnectedError`` before a
head, ``ClientPayloadError`` in a body).  ``RST_STREAM`` fails one stream only.
"""

import asyncio
from collections import deque
from typing import Any, Callable, Optional, cast

from h2.config import H2Configuration
from h2.connection import ConnectionState, H2Connection
from h2.events import (
    ConnectionTerminated,
    DataReceived,
    InformationalResponseReceived,
    RemoteSettingsChanged,
    ResponseReceived,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from h2.exceptions import FlowControlError, ProtocolError, StreamClosedError
from h2.frame_buffer import FrameBuffer
from h2.settings import SettingCodes
from hyperframe.frame import DataFrame, Frame

from ..client_exceptions import ClientConnectionResetError, ClientOSError, ServerDisconnectedError
from ..http_exceptions import BadHttpMessage
from ._h2_stream import H2Stream
from ._receive import ReceiveBuffer, receive_view
from ._write_flow import WriteFlow

__all__ = ("H2Protocol", "PendingProtocol", "ALPN_H2")

#: The ALPN protocol id of HTTP/2 over TLS (RFC 9113 §3.2).
ALPN_H2 = "h2"

#: Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE, RFC 9113 §6.9.2) and
#: for the whole connection: a slow reader holds at most one stream window of it.
STREAM_WINDOW = 2**20
CONNECTION_WINDOW = 2**24
#: Streams we take from the peer's setting at most, and before its SETTINGS came
#: (RFC 9113 §6.5.2 recommends a peer allows at least 100).
MAX_STREAMS = 1000
DEFAULT_STREAMS = 100
#: Stream ids are 31 bits and never reused (RFC 9113 §5.1.1): near the end the
#: connection is retired.
_LAST_STREAM_ID = 2**31 - 2**10


class _DataFrame(DataFrame):
    """A received DATA frame whose ``repr`` does not hex-dump its payload: ``h2`` builds
    ``repr(frame)`` for its trace log on every frame received, logger or not (a
    quarter of the CPU of a download, measured).
    """

    __slots__ = ()

    def _body_repr(self) -> str:
        return f"<{len(self.data)} bytes>"


class _FrameBuffer(FrameBuffer):
    def __next__(self) -> Frame:
        frame = super().__next__()
        if type(frame) is DataFrame:
            frame.__class__ = _DataFrame
        return frame


class _H2Connection(H2Connection):
    """``h2``'s connection, with the one change RFC 9113 §6.8 needs: after a GOAWAY
    without error the streams up to its last-stream-id may still complete.  ``h2``
    (4.x) moves to CLOSED on any GOAWAY and then refuses every frame; here a graceful
    GOAWAY leaves the state machine open for those streams (``H2Protocol`` itself
    opens no stream after a GOAWAY), and the bytes queued to send are kept.
    """

    def __init__(self, config: H2Configuration) -> None:
        super().__init__(config=config)
        self.incoming_buffer = _FrameBuffer(server=False)
        self._frame_dispatch_table[_DataFrame] = self._receive_data_frame

    def _receive_goaway_frame(self, frame: Any) -> Any:
        state = self.state_machine.state
        kept = self.data_to_send()
        result = super()._receive_goaway_frame(frame)
        if frame.error_code == 0 and state in (ConnectionState.CLIENT_OPEN, ConnectionState.IDLE):
            self.state_machine.state = state
            if kept:
                self._data_to_send += kept
        return result


class H2Protocol(WriteFlow, ReceiveBuffer):
    """One HTTP/2 connection, client side.  It receives into its thread's shared
    buffer (:mod:`._receive`), a ``BufferedProtocol``.

    :param loop: the event loop.
    """

    #: The pool tracks its leases whatever its capacity (``_net._lending``).
    multiplexes = True

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._rview = receive_view()
        self.transport: Optional[asyncio.Transport] = None
        self.closed: asyncio.Future[None] = loop.create_future()
        #: Resolved when the peer's first SETTINGS frame arrived (its preface).
        self.ready: asyncio.Future[None] = loop.create_future()
        config = H2Configuration(client_side=True, header_encoding=None)
        self._h2 = _H2Connection(config=config)
        self._streams: dict[int, H2Stream] = {}
        self._waiting: deque[H2Stream] = deque()  # HEADERS queued for a free stream slot
        self._exception: Optional[BaseException] = None
        self._goaway = False
        self._settings_seen = False
        self._flush_handle: Optional[asyncio.Handle] = None
        self._acks: dict[int, int] = {}  # stream id -> bytes consumed since the last write
        self._pending_window: dict[int, int] = {}  # stream id -> consumed, not yet given back
        self._connection_taken = 0  # consumed on any stream, not yet given back
        self._writing_paused = False
        self._drain_waiter: Optional[asyncio.Future[None]] = None
        #: Told the new capacity (SETTINGS_MAX_CONCURRENT_STREAMS; 0 after GOAWAY):
        #: the pool's books (``_net._multiplex`` sets it).
        self.on_capacity: Optional[Callable[[int], None]] = None

    # -- the seam: ExchangeConnection ------------------------------------------------

    @property
    def capacity(self) -> int:
        """Streams it may carry at once: the peer's SETTINGS_MAX_CONCURRENT_STREAMS
        (at most 1,000; 100 until its SETTINGS arrive).
        """
        if self._goaway:
            return 0
        if not self._settings_seen:
            return DEFAULT_STREAMS
        return max(0, min(self._h2.remote_settings.max_concurrent_streams, MAX_STREAMS))

    @property
    def going_away(self) -> bool:
        """A GOAWAY arrived: no new stream on it (RFC 9113 §6.8)."""
        return self._goaway

    @property
    def broken(self) -> bool:
        """The connection failed (lost, a protocol error): no exchange on it goes on."""
        return self._exception is not None

    @property
    def should_close(self) -> bool:
        """``True`` once it will take no new stream: closed, failed, out of stream
        ids, or after GOAWAY once its last stream ended (until then the streams the
        GOAWAY lets finish go on; its capacity is 0 meanwhile).
        """
        return (
            self.transport is None
            or self.transport.is_closing()
            or self._exception is not None
            or (self._goaway and not self._streams)
            or self._h2.highest_outbound_stream_id is not None
            and self._h2.highest_outbound_stream_id >= _LAST_STREAM_ID
        )

    def is_connected(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def new_exchange(self) -> H2Stream:
        stream = H2Stream(self, self._loop)
        if self._exception is not None:
            stream.connection_failed(self._exception)
        elif self._goaway:
            stream.connection_failed(ServerDisconnectedError("HTTP/2 connection is going away"), retryable=True)
        return stream

    @property
    def active(self) -> int:
        """Streams open or waiting for a slot."""
        return len(self._streams) + len(self._waiting)

    def close(self, tls_grace: float = 0.0) -> None:
        """Send GOAWAY (NO_ERROR) when possible and close the transport; streams
        still open fail.  *tls_grace*: seconds for a TLS shutdown, else abort.
        """
        transport = self.transport
        if transport is not None and not transport.is_closing() and self._exception is None:
            try:
                self._h2.close_connection()
                transport.write(self._h2.data_to_send())
            except (ProtocolError, RuntimeError):
                pass
        self._fail_all(RuntimeError("Connection closed."))
        self._close_transport(transport, tls_grace)

    # -- what the streams ask for ----------------------------------------------------------

    def open_stream(self, stream: H2Stream) -> None:
        """Send *stream*'s HEADERS now, or once a stream slot is free.

        :raises ClientConnectionResetError: the connection is closed or going away.
        """
        if self._exception is not None or self.transport is None or self.transport.is_closing():
            raise ClientConnectionResetError("Connection lost")
        if self._goaway:
            raise ClientConnectionResetError("HTTP/2 connection is going away")
        if self._waiting or self._h2.open_outbound_streams >= self._h2.remote_settings.max_concurrent_streams:
            self._waiting.append(stream)
            return
        self._send_headers(stream)

    def _send_headers(self, stream: H2Stream) -> None:
        h2 = self._h2
        stream_id = h2.get_next_available_stream_id()
        fields, end = stream.take_fields()
        stream.stream_id = stream_id
        self._streams[stream_id] = stream
        h2.send_headers(stream_id, fields, end_stream=end)
        if end:
            stream.ended_local()
        else:
            self._send_body(stream)
        self._schedule_flush()

    def flush_stream(self, stream: H2Stream) -> None:
        """Send what *stream* has queued, as far as the windows allow."""
        if stream.stream_id in self._streams and self._exception is None:
            self._send_body(stream)
            self._schedule_flush()

    def _send_body(self, stream: H2Stream) -> None:
        h2 = self._h2
        stream_id = stream.stream_id
        out = stream.pending_out()
        sent = 0
        try:
            while out:
                window = h2.local_flow_control_window(stream_id)
                if window <= 0:
                    break
                piece = out[0]
                n = min(window, h2.max_outbound_frame_size, len(piece))
                h2.send_data(stream_id, piece[:n].tobytes() if n < len(piece) else piece.tobytes())
                sent += n
                if n < len(piece):
                    out[0] = piece[n:]
                else:
                    out.popleft()
            if stream.wants_end():
                h2.end_stream(stream_id)
                stream.ended_local()
        except (StreamClosedError, FlowControlError):
            out.clear()  # the peer reset or answered it: the rest is not wanted
        finally:
            if sent:
                stream.sent_out(sent)

    def acknowledge(self, stream: H2Stream, n: int) -> None:
        """*n* flow-controlled bytes of *stream* were consumed: reopen the windows
        (gathered per stream, handed to ``h2`` once per write).
        """
        if n and self._exception is None:
            acks = self._acks
            acks[stream.stream_id] = acks.get(stream.stream_id, 0) + n
            self._schedule_flush()

    def reset_stream(self, stream: H2Stream, code: int) -> None:
        """Reset *stream* (RST_STREAM with *code*) unless it is closed already."""
        stream_id = stream.stream_id
        if stream in self._waiting:
            self._waiting.remove(stream)
        self._pending_window.pop(stream_id, None)
        if self._streams.pop(stream_id, None) is not None and self._exception is None:
            try:
                self._h2.reset_stream(stream_id, code)
            except (StreamClosedError, ProtocolError):
                pass
            self._schedule_flush()
        stream.forget()
        self._open_waiting()

    # -- writing -------------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        if self._acks and self._exception is None:
            self._open_windows()
        data = self._h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _open_windows(self) -> None:
        """Send WINDOW_UPDATE for what the consumers took, once a quarter of a window
        was taken (RFC 9113 §6.9; ``h2``'s own policy waits for half, which leaves
        the sender idle for a round trip per half window).
        """
        h2 = self._h2
        acks = self._acks
        pending = self._pending_window
        taken = 0
        for stream_id, n in acks.items():
            taken += n
            total = pending.get(stream_id, 0) + n
            if total < STREAM_WINDOW // 4:
                pending[stream_id] = total
                continue
            pending.pop(stream_id, None)
            try:
                h2.increment_flow_control_window(total, stream_id)
            except (KeyError, StreamClosedError, ProtocolError):
                pass  # the stream is closed: only the connection window matters
        acks.clear()
        self._connection_taken += taken
        if self._connection_taken >= CONNECTION_WINDOW // 4:
            h2.increment_flow_control_window(self._connection_taken)
            self._connection_taken = 0

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = tr = cast(asyncio.Transport, transport)
        h2 = self._h2
        h2.initiate_connection()
        h2.update_settings(
            {
                SettingCodes.ENABLE_PUSH: 0,  # server push: not supported (RFC 9113 §8.4)
                SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
                SettingCodes.MAX_CONCURRENT_STREAMS: 0,  # no stream from the server
            }
        )
        h2.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        tr.write(h2.data_to_send())

    def _receive_failed(self) -> bool:
        return self._exception is not None

    def data_received(self, data: bytes) -> None:
        try:
            events = self._h2.receive_data(data)
        except ProtocolError as exc:
            self._protocol_error(exc)
            return
        streams = self._streams
        for event in events:
            if isinstance(event, DataReceived):
                stream = streams.get(event.stream_id)
                if stream is not None:
                    stream.on_data(event.data or b"", event.flow_controlled_length or 0)
                elif event.flow_controlled_length:  # a stream we reset: its bytes go back to the connection window
                    acks = self._acks
                    acks[event.stream_id] = acks.get(event.stream_id, 0) + event.flow_controlled_length
            elif isinstance(event, ResponseReceived):
                stream = streams.get(event.stream_id)
                if stream is not None:
                    stream.on_response(event.headers)
            elif isinstance(event, StreamEnded):
                self._stream_ended(event.stream_id)
            else:
                self._other_event(event)
        self._flush()

    def _other_event(self, event: object) -> None:
        streams = self._streams
        if isinstance(event, WindowUpdated):
            if event.stream_id:
                stream = streams.get(event.stream_id)
                if stream is not None:
                    stream.on_window()
            else:
                for stream in list(streams.values()):
                    stream.on_window()
        elif isinstance(event, InformationalResponseReceived):
            stream = streams.get(event.stream_id)
            if stream is not None:
                stream.on_response(event.headers)
        elif isinstance(event, TrailersReceived):
            pass  # trailers are not exposed (as on HTTP/1.1); StreamEnded follows
        elif isinstance(event, StreamReset):
            stream = streams.pop(event.stream_id, None)
            self._pending_window.pop(event.stream_id, None)
            if stream is not None:
                stream.on_reset(int(event.error_code or 0))
            self._open_waiting()
        elif isinstance(event, RemoteSettingsChanged):
            self._settings_seen = True
            if self.on_capacity is not None:
                self.on_capacity(self.capacity)
            if not self.ready.done():
                self.ready.set_result(None)
            if SettingCodes.INITIAL_WINDOW_SIZE in event.changed_settings:
                for stream in list(streams.values()):
                    stream.on_window()
            self._open_waiting()
        elif isinstance(event, ConnectionTerminated):
            self._on_goaway(event)

    def _stream_ended(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is not None:
            self._forget(stream_id)
            stream.on_end()

    def _forget(self, stream_id: int) -> None:
        """The peer ended *stream_id*: it leaves the connection's books once our side
        ended too (h2 closes it then); a request body still going out keeps it.
        """
        stream = self._streams.get(stream_id)
        if stream is not None and not stream.wants_end() and not stream.pending_out():
            if self._h2.streams.get(stream_id) is None or self._h2.streams[stream_id].closed:
                del self._streams[stream_id]
                self._pending_window.pop(stream_id, None)
                stream.forget()
                self._open_waiting()

    def _open_waiting(self) -> None:
        if self._goaway and not self._streams and self.transport is not None:
            self.transport.close()  # GOAWAY and its last stream ended: done (RFC 9113 §6.8)
            return
        h2 = self._h2
        while self._waiting and self._exception is None and not self._goaway:
            if h2.open_outbound_streams >= h2.remote_settings.max_concurrent_streams:
                return
            self._send_headers(self._waiting.popleft())

    def _on_goaway(self, event: ConnectionTerminated) -> None:
        """GOAWAY (RFC 9113 §6.8): streams above last-stream-id were not processed."""
        self._goaway = True
        if self.on_capacity is not None:
            self.on_capacity(0)
        last = event.last_stream_id if event.last_stream_id is not None else 2**31
        code = int(event.error_code or 0)
        gone = ServerDisconnectedError(f"HTTP/2 GOAWAY from the server (error code {code})")
        for stream_id in [sid for sid in self._streams if sid > last]:
            self._streams.pop(stream_id).connection_failed(gone, retryable=True)
        waiting, self._waiting = self._waiting, deque()
        for stream in waiting:
            stream.connection_failed(gone, retryable=True)
        if code:  # an error: the streams it processed are not completed either
            self._fail_all(gone)
            if self.transport is not None:
                self.transport.close()
        elif not self._streams and self.transport is not None:
            self.transport.close()

    def eof_received(self) -> Optional[bool]:
        return False

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if isinstance(exc, OSError):
            err: BaseException = ClientOSError(*exc.args)
        else:
            err = ServerDisconnectedError()
        self._fail_all(err)
        self._writing_lost()
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self.ready.done():
            self.ready.set_exception(err)
            self.ready.exception()
        if not self.closed.done():
            self.closed.set_result(None)

    # -- errors ------------------------------------------------------------------------------------

    def _protocol_error(self, exc: ProtocolError) -> None:
        """``h2`` found the peer in violation (it queued GOAWAY): send that, fail every
        stream, close the connection.
        """
        err = BadHttpMessage(f"HTTP/2 protocol error: {exc}")
        err.__cause__ = exc
        self._fail_all(err)
        transport = self.transport
        if transport is not None:
            data = self._h2.data_to_send()
            if data and not transport.is_closing():
                transport.write(data)
            transport.close()

    def _fail_all(self, exc: BaseException) -> None:
        if self._exception is None:
            self._exception = exc
        streams = list(self._streams.values()) + list(self._waiting)
        self._streams.clear()
        self._waiting.clear()
        for stream in streams:
            stream.connection_failed(exc)
        if not self.ready.done():
            self.ready.set_exception(exc)
            self.ready.exception()


class PendingProtocol(asyncio.Protocol):
    """What a connection made by an ``http2`` connector speaks until the connector
    chose HTTP/1.1 or HTTP/2 (from ALPN, or prior knowledge): it keeps what arrives
    meanwhile (an HTTP/2 server's SETTINGS may come right after the TLS handshake)
    and hands it, and the transport, to the chosen protocol (:meth:`become`).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: Optional[asyncio.Transport] = None
        self.closed: asyncio.Future[None] = loop.create_future()
        self._buffer: list[bytes] = []
        self._eof = False
        #: Set by the connector (``_net._multiplex``) for the request it was made for.
        self.h2_allowed = False
        self.h2_prior = False
        self.key: Any = None
        self._lost: Optional[tuple[Optional[Exception]]] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer.append(data)

    def eof_received(self) -> Optional[bool]:
        self._eof = True
        return True  # keep the transport until the chosen protocol says otherwise

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._lost = (exc,)
        if not self.closed.done():
            self.closed.set_result(None)

    def is_connected(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def close(self, tls_grace: float = 0.0) -> None:
        if self.transport is not None:
            self.transport.abort()

    def become(self, protocol: asyncio.Protocol) -> asyncio.Protocol:
        """Give the transport to *protocol* and replay what arrived; returns it."""
        transport = self.transport
        if transport is None:
            raise ClientConnectionResetError("Connection lost")
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        for data in self._buffer:
            protocol.data_received(data)
        self._buffer.clear()
        if self._eof and not protocol.eof_received():
            transport.close()
        if self._lost is not None:
            protocol.connection_lost(self._lost[0])
        return protocol
