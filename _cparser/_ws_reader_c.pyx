# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of the WebSocket frame reader.

The specification is the Python twin, ``aiohttp_client/_sansio/_ws_reader_py.py``: the
same public names and signatures, the same messages and the same errors (class, close
code, message) on every input however it is split.  The rules are documented there;
this module only makes them fast: frame headers are read through a ``const unsigned
char*`` into the input (a ``bytes`` object directly, any other buffer through
``PyObject_GetBuffer``, never copied whole and never kept: a reused receive buffer is
safe), payloads are copied once (``PyBytes_FromStringAndSize``), text is decoded with
``PyUnicode_DecodeUTF8``, and messages are built with ``tuple.__new__``.  A frame
arriving in pieces and the fragments of a message grow one ``bytearray`` each
(``PyByteArray_Resize`` + ``memcpy``, amortised), and the *limit* of ``feed`` is one
comparison per frame.  Inflating
(``_ws_deflate.Inflater``) and the incremental UTF-8 check of fragmented text are
shared with the Python twin through Python imports.
"""

import codecs

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from libc.stdint cimport uint64_t
from libc.string cimport memcpy


cdef extern from "Python.h":
    ctypedef struct _TypeAlloc "PyTypeObject":
        PyObject* (*tp_alloc)(_TypeAlloc*, Py_ssize_t)
    void PyTuple_SET_ITEM(object, Py_ssize_t, object)

from aiohttp_client._models import WSCloseCode, WSMessage, WSMsgType
from aiohttp_client.http_exceptions import WebSocketError
from aiohttp_client._sansio._ws_deflate import Inflater

__all__ = ("MESSAGE_OVERHEAD", "WebSocketReader")

MESSAGE_OVERHEAD = 64  # the Python twin's (a test checks they agree)
cdef Py_ssize_t _OVERHEAD = 64
cdef Py_ssize_t _NO_LIMIT = <Py_ssize_t>((<size_t>-1) >> 1)

cdef object _WSMessage = WSMessage
cdef object _TEXT = WSMsgType.TEXT
cdef object _BINARY = WSMsgType.BINARY
cdef object _CLOSE = WSMsgType.CLOSE
cdef object _PING = WSMsgType.PING
cdef object _PONG = WSMsgType.PONG
cdef object _PROTOCOL_ERROR = WSCloseCode.PROTOCOL_ERROR
cdef object _INVALID_TEXT = WSCloseCode.INVALID_TEXT
cdef object _TOO_BIG = WSCloseCode.MESSAGE_TOO_BIG
cdef int _NO_STATUS = 1005
cdef object _Utf8Decoder = codecs.getincrementaldecoder("utf-8")
cdef object _EMPTY_STR = ""


cdef inline object _message(object kind, object data, object extra):
    """``WSMessage(kind, data, extra)`` built as ``tuple.__new__`` builds a tuple
    subclass (``tp_alloc`` of the type, then the three items), without a Python call."""
    cdef PyObject* raw = (<_TypeAlloc*>_WSMessage).tp_alloc(<_TypeAlloc*>_WSMessage, 3)
    if raw == NULL:
        raise MemoryError()
    msg = <object>raw
    Py_DECREF(msg)
    Py_INCREF(kind)
    PyTuple_SET_ITEM(msg, 0, kind)
    Py_INCREF(data)
    PyTuple_SET_ITEM(msg, 1, data)
    Py_INCREF(extra)
    PyTuple_SET_ITEM(msg, 2, extra)
    return msg


cdef inline int _append(bytearray buf, const unsigned char* p, Py_ssize_t n) except -1:
    """Append *n* bytes at *p* to *buf* (over-allocated growth: amortised O(n))."""
    cdef Py_ssize_t old = PyByteArray_GET_SIZE(buf)
    if n:
        PyByteArray_Resize(buf, old + n)
        memcpy(PyByteArray_AS_STRING(buf) + old, p, n)
    return 0


cdef inline bint _valid_close_code(int code) noexcept:
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


cdef class WebSocketReader:
    """Turn the server's bytes into messages (rules: see the Python twin)."""

    cdef Py_ssize_t _max_size
    cdef bint _compress
    cdef bint _decode_text
    cdef Py_ssize_t _max_fragments
    cdef object _inflater
    cdef object _error
    cdef bint _closed
    cdef bytes _tail
    cdef uint64_t _need
    cdef bytearray _frame_buf
    cdef int _frame_head
    cdef int _msg_op
    cdef bint _msg_compressed
    cdef bytearray _msg_buf
    cdef uint64_t _msg_size
    cdef Py_ssize_t _msg_frames
    cdef object _utf8
    cdef Py_ssize_t _produced

    def __init__(
        self,
        max_msg_size=4 * 1024 * 1024,
        compress=False,
        decode_text=True,
        max_fragments=65536,
    ):
        self._max_size = max_msg_size
        self._compress = compress
        self._decode_text = decode_text
        self._max_fragments = max_fragments
        self._inflater = None
        self._error = None
        self._closed = False
        self._tail = b""
        self._need = 0
        self._frame_buf = bytearray()
        self._frame_head = 0
        self._msg_op = 0
        self._msg_compressed = False
        self._msg_buf = bytearray()
        self._msg_size = 0
        self._msg_frames = 0
        self._utf8 = None
        self._produced = 0

    @property
    def closed(self):
        """``True`` once a CLOSE frame was read (later bytes are ignored)."""
        return self._closed

    @property
    def pending(self):
        """Bytes received but not parsed yet; ``feed(b"", out)`` parses them."""
        return PyBytes_GET_SIZE(self._tail)

    def feed(self, data, list out, Py_ssize_t limit=_NO_LIMIT):
        """Parse the pending bytes then *data* (``bytes`` or any other contiguous byte
        buffer, which is not kept), appending each complete message to *out* and
        stopping before a frame once they weigh more than *limit*; returns their weight.

        :raises WebSocketError: a protocol error; ``code`` is the close code to send.
        """
        cdef Py_buffer view
        if self._error is not None:
            raise self._error
        if self._closed:
            return 0
        self._produced = 0
        try:
            if type(data) is bytes:
                self._feed(<const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), data, out, limit)
            else:
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
                try:
                    self._feed(<const unsigned char*>view.buf, view.len, None, out, limit)
                finally:
                    PyBuffer_Release(&view)
        except WebSocketError as exc:
            self._error = exc
            raise
        return self._produced

    cdef int _feed(
        self, const unsigned char* p, Py_ssize_t end, object owner, list out, Py_ssize_t limit
    ) except -1:
        """Parse *end* bytes at *p*; *owner* is the ``bytes`` object holding them, or
        ``None`` when they live in a caller's buffer (then only copies are kept)."""
        cdef Py_ssize_t pos = 0, start
        cdef uint64_t length, need
        cdef int b0, b1
        cdef Py_ssize_t i
        cdef Py_ssize_t kept = PyBytes_GET_SIZE(self._tail)
        if kept:  # pending bytes: parse them, joined with the new ones (one copy)
            if end:
                owner = PyBytes_FromStringAndSize(NULL, kept + end)
                memcpy(PyBytes_AS_STRING(owner), PyBytes_AS_STRING(self._tail), kept)
                memcpy(PyBytes_AS_STRING(owner) + kept, p, end)
            else:
                owner = self._tail
            self._tail = b""
            p = <const unsigned char*>PyBytes_AS_STRING(owner)
            end = kept + end
        need = self._need
        if need:
            if need > <uint64_t>end:
                _append(self._frame_buf, p, end)
                self._need = need - <uint64_t>end
                return 0
            _append(self._frame_buf, p, <Py_ssize_t>need)
            self._need = 0
            payload = PyBytes_FromStringAndSize(
                PyByteArray_AS_STRING(self._frame_buf), PyByteArray_GET_SIZE(self._frame_buf)
            )
            self._frame_buf = bytearray()
            self._frame(self._frame_head, payload, out)
            if self._closed:
                return 0
            pos = <Py_ssize_t>need
        while end - pos >= 2:
            if self._produced > limit:
                break
            b0 = p[pos]
            b1 = p[pos + 1]
            length = b1 & 0x7F
            start = pos + 2
            if b1 & 0x80:
                raise WebSocketError(_PROTOCOL_ERROR, "Masked frame from the server (RFC 6455 §5.1)")
            if length >= 126:
                if length == 126:
                    if end - pos < 4:
                        break
                    length = (<uint64_t>p[pos + 2] << 8) | p[pos + 3]
                    if length < 126:
                        raise WebSocketError(_PROTOCOL_ERROR, "Payload length not minimally encoded")
                    start = pos + 4
                else:
                    if end - pos < 10:
                        break
                    length = 0
                    for i in range(pos + 2, pos + 10):
                        length = (length << 8) | p[i]
                    if length >> 63:
                        raise WebSocketError(
                            _PROTOCOL_ERROR, "Payload length with the most significant bit set"
                        )
                    if length < 65536:
                        raise WebSocketError(_PROTOCOL_ERROR, "Payload length not minimally encoded")
                    start = pos + 10
            self._check_header(b0, length)
            if <uint64_t>(end - start) >= length:
                pos = start + <Py_ssize_t>length
                if b0 == 0x81 and self._decode_text:  # a whole text message: the common case
                    try:
                        text = PyUnicode_DecodeUTF8(<const char*>p + start, <Py_ssize_t>length, NULL)
                    except UnicodeDecodeError:
                        raise WebSocketError(_INVALID_TEXT, "Invalid UTF-8 text message") from None
                    out.append(_message(_TEXT, text, _EMPTY_STR))
                    self._produced += PyUnicode_GET_LENGTH(text) + _OVERHEAD
                    continue
                self._frame(
                    b0, PyBytes_FromStringAndSize(<const char*>p + start, <Py_ssize_t>length), out
                )
                if self._closed:
                    return 0
            else:
                self._frame_head = b0
                _append(self._frame_buf, p + start, end - start)
                self._need = length - <uint64_t>(end - start)
                return 0
        if pos < end:
            self._tail = PyBytes_FromStringAndSize(<const char*>p + pos, end - pos)
        return 0

    cdef int _check_header(self, int b0, uint64_t length) except -1:
        cdef int opcode = b0 & 0x0F
        cdef uint64_t limit
        cdef bint compressed
        if b0 & 0x30:
            raise WebSocketError(_PROTOCOL_ERROR, "Received frame with non-zero reserved bits")
        if opcode >= 8:
            if opcode > 10:
                raise WebSocketError(_PROTOCOL_ERROR, f"Unknown opcode {opcode:#x}")
            if length > 125:
                raise WebSocketError(_PROTOCOL_ERROR, "Control frame payload over 125 bytes")
            if not b0 & 0x80:
                raise WebSocketError(_PROTOCOL_ERROR, "Fragmented control frame")
            if b0 & 0x40:
                raise WebSocketError(_PROTOCOL_ERROR, "RSV1 set on a control frame")
            return 0
        if opcode > 2:
            raise WebSocketError(_PROTOCOL_ERROR, f"Unknown opcode {opcode:#x}")
        if opcode == 0:
            if not self._msg_op:
                raise WebSocketError(_PROTOCOL_ERROR, "Continuation frame without a message in progress")
            if b0 & 0x40:
                raise WebSocketError(_PROTOCOL_ERROR, "RSV1 set on a continuation frame")
        else:
            if self._msg_op:
                raise WebSocketError(_PROTOCOL_ERROR, "New data frame inside a fragmented message")
            if b0 & 0x40 and not self._compress:
                raise WebSocketError(
                    _PROTOCOL_ERROR, "Received frame with non-zero reserved bits (RSV1 without permessage-deflate)"
                )
        if self._max_size:
            limit = <uint64_t>self._max_size
            compressed = (b0 & 0x40) if opcode else self._msg_compressed
            if compressed:
                limit += (limit >> 8) + 64
            if self._msg_size + length > limit:
                raise WebSocketError(
                    _TOO_BIG, f"Message size {self._msg_size + length} exceeds limit {self._max_size}"
                )
        return 0

    cdef int _frame(self, int b0, bytes payload, list out) except -1:
        cdef int opcode = b0 & 0x0F
        if opcode >= 8:
            out.append(self._control(opcode, payload))
            self._produced += _OVERHEAD + (PyBytes_GET_SIZE(payload) if opcode != 8 else 0)
            return 0
        if opcode:
            if b0 & 0x80 and not b0 & 0x40:
                data = self._text(payload) if opcode == 1 else payload
                self._produced += len(data) + _OVERHEAD
                out.append(_message(_TEXT if opcode == 1 else _BINARY, data, _EMPTY_STR))
                return 0
            self._msg_op = opcode
            self._msg_compressed = (b0 & 0x40) != 0
            if opcode == 1 and not self._msg_compressed:
                self._utf8 = _Utf8Decoder()
        self._msg_frames += 1
        if self._msg_frames > self._max_fragments:
            raise WebSocketError(_TOO_BIG, f"Message has more than {self._max_fragments} fragments")
        if PyBytes_GET_SIZE(payload):
            _append(self._msg_buf, <const unsigned char*>PyBytes_AS_STRING(payload), PyBytes_GET_SIZE(payload))
            self._msg_size += <uint64_t>PyBytes_GET_SIZE(payload)
            if self._utf8 is not None:
                try:
                    self._utf8.decode(payload)  # checked early, decoded whole at the end
                except UnicodeDecodeError:
                    raise WebSocketError(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        if b0 & 0x80:
            msg = self._finish_message()
            self._produced += len(msg[1]) + _OVERHEAD
            out.append(msg)
        return 0

    cdef object _finish_message(self):
        cdef int opcode = self._msg_op
        cdef bytes data = PyBytes_FromStringAndSize(
            PyByteArray_AS_STRING(self._msg_buf), PyByteArray_GET_SIZE(self._msg_buf)
        )
        utf8 = self._utf8
        self._msg_op = 0
        self._msg_buf = bytearray()
        self._msg_size = 0
        self._msg_frames = 0
        self._utf8 = None
        if self._msg_compressed:
            if self._inflater is None:
                self._inflater = Inflater(self._max_size)
            inflated = self._inflater.inflate(data)
            if opcode == 1:
                return _message(_TEXT, self._text(inflated), _EMPTY_STR)
            return _message(_BINARY, inflated, _EMPTY_STR)
        if opcode == 2:
            return _message(_BINARY, data, _EMPTY_STR)
        try:
            utf8.decode(b"", True)
        except UnicodeDecodeError:
            raise WebSocketError(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        return _message(_TEXT, self._text(data), _EMPTY_STR)

    cdef object _text(self, bytes payload):
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise WebSocketError(_INVALID_TEXT, "Invalid UTF-8 text message") from None
        return text if self._decode_text else payload

    cdef object _control(self, int opcode, bytes payload):
        cdef int code
        if opcode == 9:
            return _message(_PING, payload, _EMPTY_STR)
        if opcode == 10:
            return _message(_PONG, payload, _EMPTY_STR)
        self._closed = True
        if not payload:
            return _message(_CLOSE, _NO_STATUS, _EMPTY_STR)
        if PyBytes_GET_SIZE(payload) == 1:
            raise WebSocketError(_PROTOCOL_ERROR, "Close payload of one byte")
        code = (payload[0] << 8) | payload[1]
        if not _valid_close_code(code):
            raise WebSocketError(_PROTOCOL_ERROR, f"Invalid close code: {code}")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise WebSocketError(_INVALID_TEXT, "Invalid UTF-8 text in the close reason") from None
        return _message(_CLOSE, code, reason)
