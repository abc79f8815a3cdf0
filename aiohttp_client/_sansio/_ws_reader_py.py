"""Python twin of the WebSocket frame reader: bytes from the server -> messages.

Rules (RFC 6455 §5, RFC 7692); a break of any raises :class:`WebSocketError` with the
close code to send, and the reader stays failed (every later ``feed`` raises it again):

- a frame from the server must not be masked (§5.1): PROTOCOL_ERROR;
- RSV2/RSV3 must be clear, RSV1 only with permessage-deflate and only on the first
  frame of a data message (RFC 7692 §6.1): PROTOCOL_ERROR;
- opcodes other than 0x0-0x2 and 0x8-0xA (§5.2): PROTOCOL_ERROR;
- the payload length uses the shortest form (§5.2 "the minimal number of bytes") and
  the 64-bit form has its most significant bit clear: PROTOCOL_ERROR;
- control frames carry at most 125 bytes and are never fragmented (§5.5); they may
  arrive between the fragments of a data message (§5.4) and are delivered at once;
- a continuation frame needs a message in progress, a new TEXT/BINARY frame needs
  none (§5.4): PROTOCOL_ERROR;
- TEXT must be UTF-8 (§8.1), checked fragment by fragment so a bad byte fails early:
  INVALID_TEXT; the same for a close reason;
- a close payload is empty or a valid code (§7.4: 1000-1003, 1007-1014, 3000-4999)
  plus a reason: PROTOCOL_ERROR;
- *max_msg_size* (``0``: unlimited) bounds the bytes of one message in flight: the
  fragments received plus the length announced by the frame in progress, checked when
  a frame header arrives, so an oversized frame is refused before its payload is
  buffered: MESSAGE_TOO_BIG; an inflated message is bounded the same way;
- *max_fragments* bounds the frames of one message: MESSAGE_TOO_BIG.

Memory (aiohttp advisories PYSEC-2026-4400 and PYSEC-2026-4389): each message weighs
its data's length plus :data:`MESSAGE_OVERHEAD` (so empty and control frames count
too); ``feed(data, out, limit)`` stops before the next frame once the messages it
appended weigh more than *limit* and keeps the bytes not yet parsed (``pending``),
which a later ``feed`` (``b""`` to only resume) parses first: a consumer that is not
reading gets no more messages, inflated or not.  The payload of a frame that arrives
in pieces, and the fragments of a message, grow one ``bytearray`` each (no object
per piece).

A CLOSE frame ends the stream: bytes after it are ignored (§5.5.1).  Messages are
:class:`~aiohttp_client._models.WSMessage` tuples: ``(TEXT, str, "")`` (``bytes`` with
``decode_text=False``), ``(BINARY, bytes, "")``, ``(PING|PONG, bytes, "")`` and
``(CLOSE, code, reason)`` with code 1005 when the close frame has no payload (§7.1.5).
"""

import codecs
import sys
from typing import Any, Optional, Union

from .._models import WSCloseCode, WSMessage, WSMsgType
from ..http_exceptions import WebSocketError
from ._ws_deflate import Inflater

__all__ = ("MESSAGE_OVERHEAD", "WebSocketReader")

#: The weight of a message beyond its data's length, in bytes: about what the message
#: tuple and its queue slot take, so that a flood of empty frames fills a queue too.
MESSAGE_OVERHEAD = 64

_new = tuple.__new__
_TEXT = WSMsgType.TEXT
_BINARY = WSMsgType.BINARY
_CLOSE = WSMsgType.CLOSE
_PING = WSMsgType.PING
_PONG = WSMsgType.PONG
_PROTOCOL_ERROR = WSCloseCode.PROTOCOL_ERROR
_INVALID_TEXT = WSCloseCode.INVALID_TEXT
_TOO_BIG = WSCloseCode.MESSAGE_TOO_BIG
_NO_STATUS = 1005
_Utf8Decoder = codecs.getincrementaldecoder("utf-8")


def _valid_close_code(code: int) -> bool:
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def _error(code: int, message: str) -> WebSocketError:
    return WebSocketError(code, message)


class WebSocketReader:
    """Turn the server's bytes into messages (RFC 6455 §5; rules in the module doc).

    :param max_msg_size: largest message in bytes (``0``: unlimited).
    :param compress: permessage-deflate was negotiated (RSV1 allowed).
    :param decode_text: TEXT data as ``str`` (else the UTF-8 ``bytes``, still validated).
    :param max_fragments: most frames in one message.
    """

    def __init__(
        self,
        max_msg_size: int = 4 * 1024 * 1024,
        compress: bool = False,
        decode_text: bool = True,
        max_fragments: int = 65536,
    ) -> None:
        self._max_size = max_msg_size
        self._compress = compress
        self._decode_text = decode_text
        self._max_fragments = max_fragments
        self._inflater: Optional[Inflater] = None
        self._error: Optional[WebSocketError] = None
        self._closed = False
        self._tail = b""  # an incomplete frame header, or the bytes left by a limit
        # the frame whose payload is arriving
        self._need = 0
        self._frame_buf = bytearray()
        self._frame_head = 0  # first byte of that frame
        # the data message in progress (opcode 0: none)
        self._msg_op = 0
        self._msg_compressed = False
        self._msg_buf = bytearray()
        self._msg_size = 0
        self._msg_frames = 0
        self._utf8: Any = None
        self._produced = 0

    @property
    def closed(self) -> bool:
        """``True`` once a CLOSE frame was read (later bytes are ignored)."""
        return self._closed

    @property
    def pending(self) -> int:
        """Bytes received but not parsed yet (a frame header in pieces, or what a
        *limit* left); ``feed(b"", out)`` parses them.
        """
        return len(self._tail)

    def feed(self, data: Union[bytes, bytearray, memoryview], out: list, limit: int = sys.maxsize) -> int:  # type: ignore[type-arg]
        """Parse the pending bytes then *data* (``bytes`` or any other contiguous byte
        buffer, which is not kept: a reused receive buffer is safe), appending each
        complete message to *out*, and stopping before a frame once the messages
        appended weigh more than *limit* (the rest is kept: :attr:`pending`).

        Returns the weight of the messages appended (for flow control): for each,
        ``len(message.data)`` (``0`` for a CLOSE) plus :data:`MESSAGE_OVERHEAD`.
        Messages completed before an error are in *out* when it is raised.

        :raises WebSocketError: a protocol error; ``code`` is the close code to send.
        """
        if self._error is not None:
            raise self._error
        if self._closed:
            return 0
        if type(data) is not bytes:
            data = bytes(data)  # the parts kept between calls must not change under us
        self._produced = 0
        try:
            self._feed(data, out, limit)
        except WebSocketError as exc:
            self._error = exc
            raise
        return self._produced

    def _feed(self, data: bytes, out: list, limit: int) -> None:  # type: ignore[type-arg]
        if self._tail:
            data = self._tail + data
            self._tail = b""
        end = len(data)
        pos = 0
        need = self._need
        if need:
            buf = self._frame_buf
            if need > end:
                buf += data
                self._need = need - end
                return
            buf += memoryview(data)[:need]
            self._need = 0
            payload = bytes(buf)
            self._frame_buf = bytearray()
            self._frame(self._frame_head, payload, out)
            if self._closed:
                return
            pos = need
        while end - pos >= 2:
            if self._produced > limit:
                break
            b0 = data[pos]
            b1 = data[pos + 1]
            length = b1 & 0x7F
            start = pos + 2
            if b1 & 0x80:
                raise _error(_PROTOCOL_ERROR, "Masked frame from the server (RFC 6455 §5.1)")
            if length >= 126:
                if length == 126:
                    if end - pos < 4:
                        break
                    length = (data[pos + 2] << 8) | data[pos + 3]
                    if length < 126:
                        raise _error(_PROTOCOL_ERROR, "Payload length not minimally encoded")
                    start = pos + 4
                else:
                    if end - pos < 10:
                        break
                    length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                    if length >> 63:
                        raise _error(_PROTOCOL_ERROR, "Payload length with the most significant bit set")
                    if length < 65536:
                        raise _error(_PROTOCOL_ERROR, "Payload length not minimally encoded")
                    start = pos + 10
            self._check_header(b0, length)
            if end - start >= length:
                pos = start + length
                self._frame(b0, data[start:pos], out)
                if self._closed:
                    return
            else:
                self._frame_head = b0
                self._frame_buf += memoryview(data)[start:]
                self._need = length - (end - start)
                return
        if pos < end:
            self._tail = data[pos:]

    def _check_header(self, b0: int, length: int) -> None:
        opcode = b0 & 0x0F
        if b0 & 0x30:
            raise _error(_PROTOCOL_ERROR, "Received frame with non-zero reserved bits")
        if opcode >= 8:
            if opcode > 10:
                raise _error(_PROTOCOL_ERROR, f"Unknown opcode {opcode:#x}")
            if length > 125:
                raise _error(_PROTOCOL_ERROR, "Control frame payload over 125 bytes")
            if not b0 & 0x80:
                raise _error(_PROTOCOL_ERROR, "Fragmented control frame")
            if b0 & 0x40:
                raise _error(_PROTOCOL_ERROR, "RSV1 set on a control frame")
            return
        if opcode > 2:
            raise _error(_PROTOCOL_ERROR, f"Unknown opcode {opcode:#x}")
        if opcode == 0:
            if not self._msg_op:
                raise _error(_PROTOCOL_ERROR, "Continuation frame without a message in progress")
            if b0 & 0x40:
                raise _error(_PROTOCOL_ERROR, "RSV1 set on a continuation frame")
        else:
            if self._msg_op:
                raise _error(_PROTOCOL_ERROR, "New data frame inside a fragmented message")
            if b0 & 0x40 and not self._compress:
                raise _error(
                    _PROTOCOL_ERROR, "Received frame with non-zero reserved bits (RSV1 without permessage-deflate)"
                )
        limit = self._max_size
        if limit:
            compressed = (b0 & 0x40) if opcode else self._msg_compressed
            if compressed:
                limit += (limit >> 8) + 64  # deflate may grow incompressible data a little
            if self._msg_size + length > limit:
                raise _error(_TOO_BIG, f"Message size {self._msg_size + length} exceeds limit {self._max_size}")

    def _frame(self, b0: int, payload: bytes, out: list) -> None:  # type: ignore[type-arg]
        opcode = b0 & 0x0F
        if opcode >= 8:
            out.append(self._control(opcode, payload))
            self._produced += MESSAGE_OVERHEAD + (len(payload) if opcode != 8 else 0)
            return
        if opcode:
            if b0 & 0x80 and not b0 & 0x40:  # a whole uncompressed message: the common case
                msg = _new(WSMessage, (_TEXT, self._text(payload), "") if opcode == 1 else (_BINARY, payload, ""))
                self._produced += len(msg[1]) + MESSAGE_OVERHEAD
                out.append(msg)
                return
            self._msg_op = opcode
            self._msg_compressed = bool(b0 & 0x40)
            if opcode == 1 and not self._msg_compressed:
                self._utf8 = _Utf8Decoder()
        self._msg_frames += 1
        if self._msg_frames > self._max_fragments:
            raise _error(_TOO_BIG, f"Message has more than {self._max_fragments} fragments")
        if payload:
            self._msg_buf += payload
            self._msg_size += len(payload)
            if self._utf8 is not None:
                try:
                    self._utf8.decode(payload)  # checked early, decoded whole at the end
                except UnicodeDecodeError:
                    raise _error(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        if b0 & 0x80:
            msg = self._finish_message()
            self._produced += len(msg[1]) + MESSAGE_OVERHEAD
            out.append(msg)

    def _finish_message(self) -> WSMessage:
        opcode = self._msg_op
        data = bytes(self._msg_buf)
        utf8 = self._utf8
        self._msg_op = 0
        self._msg_buf = bytearray()
        self._msg_size = 0
        self._msg_frames = 0
        self._utf8 = None
        if self._msg_compressed:
            if self._inflater is None:
                self._inflater = Inflater(self._max_size)
            data = self._inflater.inflate(data)
            if opcode == 1:
                return _new(WSMessage, (_TEXT, self._text(data), ""))
            return _new(WSMessage, (_BINARY, data, ""))
        if opcode == 2:
            return _new(WSMessage, (_BINARY, data, ""))
        try:
            utf8.decode(b"", True)
        except UnicodeDecodeError:
            raise _error(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        return _new(WSMessage, (_TEXT, self._text(data), ""))

    def _text(self, payload: bytes) -> Any:
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise _error(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        return text if self._decode_text else payload

    def _control(self, opcode: int, payload: bytes) -> WSMessage:
        if opcode == 9:
            return _new(WSMessage, (_PING, payload, ""))
        if opcode == 10:
            return _new(WSMessage, (_PONG, payload, ""))
        self._closed = True
        if not payload:
            return _new(WSMessage, (_CLOSE, _NO_STATUS, ""))
        if len(payload) == 1:
            raise _error(_PROTOCOL_ERROR, "Close payload of one byte")
        code = (payload[0] << 8) | payload[1]
        if not _valid_close_code(code):
            raise _error(_PROTOCOL_ERROR, f"Invalid close code: {code}")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise _error(_INVALID_TEXT, "Invalid UTF-8 text in the close reason") from None
        return _new(WSMessage, (_CLOSE, code, reason))
