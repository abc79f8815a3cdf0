"""Per-connection response reader (Python twin): head parser + framing + body
decoders -> events.  The compiled twin is ``_cparser/_http_reader_c.pyx``; select
through ``_http_reader``.

Sans-IO.  The I/O layer feeds it bytes (``feed``), end of input (``feed_eof``) and
"the consumer caught up" (``resume``); the reader calls back into a *sink* (the
connection's protocol) with events:

- ``on_interim(head)`` — optional: an interim (1xx, not 101) head, e.g. the
  ``100 Continue`` an ``Expect: 100-continue`` request waits for (RFC 9110 §10.1.1);
- ``on_head(head, framing)`` — a final response head (1xx heads other than 101 are
  not final, RFC 9110 §15.2); it may return the body's *target* (the response's
  stream), an object whose ``feed_data(data)`` then takes the body's bytes and
  ``feed_http_chunks(pieces)`` a chunked decoder's output (data, and ``b""`` for
  each chunk end) in place of ``on_body`` and ``on_chunk_end``, bound once per
  head; when a coding is decoded, the decoding sink takes the body instead;
- ``on_body(data)`` — decoded body bytes (never empty);
- ``on_coded_body(n)`` — *n* body bytes arrived still content-coded (only when a
  coding is decoded; for ``total_raw_bytes``);
- ``on_chunk_end()`` — the end of one chunk of a chunked body (for ``iter_chunks``);
- ``on_message_complete(trailers)`` — the body ended; *trailers* is the trailer
  section as ``(bytes, bytes)`` pairs (empty unless chunked).

Flow control without copies: after handing out body bytes the reader looks at the
sink's ``reading_paused`` flag; if the sink paused, the reader keeps a reference to
the input and an offset into it (never a copy of the unread tail) and continues from
there on ``resume()``.  Content decoding pulls bounded slices from the decoder, so a
decompression bomb stops at the sink's high-water mark as well.

Errors are raised as :mod:`http_exceptions` classes; after an error the connection
must be closed (the reader does not recover).
"""

from typing import Any, Optional

from .._models import ResponseHead
from ..http_exceptions import BadHttpMessage, ContentLengthError, TransferEncodingError
from ._body_coding import begin_body
from ._chunked import ChunkedDecoder
from ._framing import CHUNKED, LENGTH, NO_BODY, UNTIL_CLOSE, Framing
from ._http_parser import HeadParser

__all__ = ("ResponseReader", "IDLE", "HEAD", "BODY", "DONE", "register_stream_type", "registered_stream_type")

IDLE = 0  # no request outstanding
HEAD = 1  # waiting for (more of) the response head
BODY = 2  # inside the body
DONE = 3  # the response ended; ``leftover`` holds any bytes that followed it

_EMPTY: tuple[tuple[bytes, bytes], ...] = ()


_registered: Optional[type] = None  # the class given to register_stream_type


def register_stream_type(cls: type) -> None:
    """Declare *cls* (the body stream, ``_body._stream_reader.StreamReader``) a target
    whose ``feed_data`` the compiled twin may run inline, on the stream's slots, with
    the same effect (issue 20: the per-piece Python call was most of parse-to-stream
    in small pieces).  This twin always calls ``target.feed_data``: it only records *cls*.

    The effect the compiled twin reproduces, for a target of exactly *cls* that is
    not at EOF and has no waiting reader (else it calls ``feed_data``): append the
    piece to ``_buffer`` (a ``deque``), add its length to ``_size`` and
    ``total_bytes``, and call ``_pause()`` when ``_size`` exceeds ``_high_water`` and
    ``_paused`` is false.  Likewise ``feed_http_chunks(pieces)`` for at most 64 pieces
    (more may be joined): data pieces as above, each ``b""`` appending the body offset
    to ``_http_chunk_splits`` unless it equals ``_last_chunk_end`` (which it then
    becomes), and the pause also when ``_http_chunk_splits`` holds more than
    ``_high_water_chunks`` entries.

    :raises TypeError: (compiled twin) *cls* lacks one of those slots.
    """
    global _registered
    _registered = cls


def registered_stream_type() -> Optional[type]:
    """The class given to :func:`register_stream_type` (``None`` before)."""
    return _registered


class ResponseReader:
    """Reads consecutive responses from one connection.

    :param sink: receives the events (see the module docstring) and exposes
        ``reading_paused`` (``bool``).
    :param max_line_size: limit of the status-line and of chunk-size lines, bytes.
    :param max_field_size: limit of one field line (head or trailer), bytes.
    :param max_headers: most field lines in a head or trailer section.
    :param head_parser_cls: head-parser twin (default: the selected one).
    :param chunked_decoder_cls: chunked-decoder twin (default: the selected one).
    """

    def __init__(
        self,
        sink: Any,
        *,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        head_parser_cls: type[Any] = HeadParser,
        chunked_decoder_cls: type[Any] = ChunkedDecoder,
    ) -> None:
        self._sink = sink
        self._on_interim: Any = getattr(sink, "on_interim", None)
        self._limits = (max_line_size, max_field_size, max_headers)
        self._parser = head_parser_cls(max_line_size, max_field_size, max_headers)
        self._chunked_cls = chunked_decoder_cls
        self.state = IDLE
        self.framing: Optional[Framing] = None
        self.head: Optional[ResponseHead] = None
        self._method = "GET"
        self._read_until_eof = True
        self._auto_decompress = True
        self._kind = NO_BODY  # framing.kind of the current body
        self._remaining = 0
        self._chunked: Any = None
        self._out: Any = sink  # the sink, or a DecodingSink in front of it
        self._feed: Any = sink.on_body  # where body bytes go: _out.on_body or the target's
        self._feed_chunks: Any = None  # the target's feed_http_chunks, if any
        self._pieces: list[bytes] = []
        # Input not processed yet, from _stash_pos on: kept while the sink is paused
        # (BODY), after the response ended (DONE: the leftover), or across start().
        self._stash: Optional[bytes] = None
        self._stash_pos = 0
        self._eof_pending = False

    # -- control ---------------------------------------------------------------

    def start(self, method: str, *, read_until_eof: bool = True, auto_decompress: bool = True) -> None:
        """Expect the response to a *method* request.

        Bytes that followed the previous response (:attr:`leftover`) are kept as the
        start of this one, without a copy; :meth:`resume` (or the next :meth:`feed`)
        processes them.
        """
        self.state = HEAD
        self.head = None
        self.framing = None
        self._method = method
        self._read_until_eof = read_until_eof
        self._auto_decompress = auto_decompress
        self._out = self._sink
        self._feed = self._sink.on_body
        self._feed_chunks = None
        self._chunked = None

    @property
    def leftover(self) -> bytes:
        """The bytes that followed the response, once it ended (``DONE``); else ``b""``.

        Assigning ``b""`` drops them (e.g. after a 101 they belong to the new protocol).
        """
        if self.state == DONE and self._stash is not None:
            return bytes(memoryview(self._stash)[self._stash_pos :])
        return b""

    @leftover.setter
    def leftover(self, value: bytes) -> None:
        if self.state == DONE:
            self._stash = bytes(value) if value else None
            self._stash_pos = 0

    @property
    def has_partial_head(self) -> bool:
        """``True`` when some bytes of a response head were received (for EOF errors)."""
        return self.state == HEAD and self._parser.pending > 0

    # -- input -----------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Process *data* (``bytes``) received from the connection.

        :raises BadHttpMessage: (and subclasses) malformed response.
        """
        if self._stash is not None:  # queue behind what is waiting
            self._stash = bytes(memoryview(self._stash)[self._stash_pos :]) + data
            self._stash_pos = 0
            if self.state != HEAD:  # the sink is paused, or the response ended
                return
            data, self._stash = self._stash, None  # kept across start(): parse it now
        self._process(data, 0)

    def resume(self) -> None:
        """Continue after the sink stopped being paused."""
        if self._out is not self._sink and not self._out.resume():
            return
        data, pos = self._stash, self._stash_pos
        self._stash = None
        if data is not None:
            self._process(data, pos)
        if self._eof_pending and not (self.state == BODY and (self._stash is not None or self._sink.reading_paused)):
            self._eof_pending = False
            self.feed_eof()

    def feed_eof(self) -> None:
        """The server closed the connection.

        Ends a read-until-close body.  Raises if a body was cut short; an incomplete
        head is the caller's to report (see :attr:`has_partial_head`).

        :raises ContentLengthError: fewer bytes than Content-Length arrived.
        :raises TransferEncodingError: the chunked body did not reach its last-chunk.
        """
        if self._stash is not None and self.state == HEAD:  # kept across start()
            data, self._stash = self._stash, None
            self._process(data, self._stash_pos)
        if self._stash is not None and self.state == BODY:  # the sink is paused
            self._eof_pending = True
            return
        if self.state != BODY:
            return
        kind = self._kind
        if kind == UNTIL_CLOSE:
            self._complete(_EMPTY)
        elif kind == LENGTH:
            raise ContentLengthError(
                f"Not enough data to satisfy content length header: {self._remaining} bytes missing"
            )
        elif kind == CHUNKED:
            raise TransferEncodingError("Not enough data to satisfy transfer length header (no last-chunk)")

    # -- internals -------------------------------------------------------------

    def _process(self, data: bytes, pos: int) -> None:
        end = len(data)
        while pos < end:
            state = self.state
            if state == BODY:
                pos = self._body(data, pos)
                if self._stash is not None:
                    return
            elif state == HEAD:
                head, pos = self._parser.feed(data, pos)
                if head is None:
                    return
                self._on_head(head)
            elif state == DONE:
                self._stash, self._stash_pos = data, pos  # the leftover, not copied
                return
            else:
                raise BadHttpMessage("data received with no request outstanding")

    def _on_head(self, head: ResponseHead) -> None:
        if 100 <= head.status < 200 and head.status != 101:
            if self._on_interim is not None:  # the final response follows (RFC 9110 §15.2)
                self._on_interim(head)
            return
        framing, out = begin_body(self._sink, self._method, head, self._read_until_eof, self._auto_decompress)
        self.head = head
        self.framing = framing
        self._out = out
        self.state = BODY
        target = self._sink.on_head(head, framing)
        if out is not self._sink:  # a DecodingSink
            self._feed, self._feed_chunks = out.on_body, out.feed_http_chunks
        elif target is not None:
            self._feed, self._feed_chunks = target.feed_data, target.feed_http_chunks
        else:
            self._feed, self._feed_chunks = out.on_body, None
        self._kind = kind = framing.kind
        if kind == NO_BODY or (kind == LENGTH and framing.length == 0):
            self._complete(_EMPTY)
        elif kind == LENGTH:
            self._remaining = framing.length
        elif kind == CHUNKED:
            self._chunked = self._chunked_cls(*self._limits)

    def _body(self, data: bytes, pos: int) -> int:
        kind = self._kind
        end = len(data)
        if kind == CHUNKED:
            return self._chunked_body(data, pos)
        take = end - pos
        if kind == LENGTH and take > self._remaining:
            take = self._remaining
        piece = data if (pos == 0 and take == end) else data[pos : pos + take]
        pos += take
        self._feed(piece)
        if kind == LENGTH:
            self._remaining -= take
            if self._remaining == 0:
                self._complete(_EMPTY)
                return pos
        if pos < end and self._sink.reading_paused:
            self._stash, self._stash_pos = data, pos
        return pos

    def _chunked_body(self, data: bytes, pos: int) -> int:
        decoder = self._chunked
        pieces = self._pieces
        feed_chunks = self._feed_chunks
        end = len(data)
        while True:
            pos = decoder.feed(data, pos, pieces)
            if feed_chunks is not None:
                if len(pieces) == 1 and pieces[0]:  # one piece of data: the leaner call
                    self._feed(pieces[0])
                elif pieces:
                    feed_chunks(pieces)
            else:
                out = self._out
                for piece in pieces:
                    if piece:
                        out.on_body(piece)
                    else:
                        out.on_chunk_end()
            pieces.clear()
            if decoder.done:
                self._complete(decoder.trailers)
                return pos
            if pos >= end:
                return pos
            if self._sink.reading_paused:
                self._stash, self._stash_pos = data, pos
                return pos

    def _complete(self, trailers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.state = DONE
        self._chunked = None
        self._out.on_message_complete(trailers)
