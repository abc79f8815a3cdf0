# cython: language_level=3
"""Compiled twin of the per-connection response reader.

The specification is the Python twin, ``aiohttp_client/_sansio/_http_reader_py.py``:
this module has the same public names and signatures, calls its sink with the same
events in the same order and raises the same exceptions on every input, however it is
split.  The events, flow control and EOF rules are documented there; this header only
says how the twin is made fast.

- The framing *decision* is not here: once per final head the reader calls
  ``_body_coding.begin_body`` (Python, shared with the Python twin), which applies
  ``_framing.response_framing`` and puts a decoding sink in front when a coding
  applies.  This module keeps the framing kind and the Content-Length count in C
  integers and moves bytes.
- The head parser and the chunked decoder are whatever classes it is given (by default
  the selected twins), called through their Python methods; the exceptions are the
  compiled twins themselves (exactly ``_http_parser_c.HeadParser`` and
  ``_chunked_c.ChunkedDecoder``, not subclasses, which may override ``feed``), whose
  C methods ``feed_into`` (declared in ``_cparser/_http_parser_c.pxd`` and
  ``_cparser/_chunked_c.pxd``) are called directly, without a Python call (and, for
  the parser, a result tuple) per fed piece.
- Body bytes go to the target the sink returned from ``on_head`` (its ``feed_data``,
  and ``feed_http_chunks`` for a chunked decoder's output, one call per decoder
  call; bound once per head: the response's stream), else to ``on_body`` and
  ``on_chunk_end``.  A body piece that is
  all of the input is the input object itself; any other is one ``bytes`` of the span.
  While the sink is paused, the input is kept with an offset (no copy of the tail).
- A target of exactly the class given to :func:`register_stream_type` (the response
  stream) is fed inline: ``feed_data``'s effect done on its slots, found by their
  member-descriptor offsets, without a Python call per piece (issue 20); at EOF or
  with a reader waiting, ``feed_data`` itself is called.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_AsSsize_t, PyLong_CheckExact, PyLong_FromSsize_t
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.tuple cimport PyTuple_GET_ITEM

from aiohttp_client._sansio._chunked_c cimport ChunkedDecoder as CChunkedDecoder
from aiohttp_client._sansio._http_parser_c cimport HeadParser as CHeadParser

from aiohttp_client._sansio import _framing
from aiohttp_client._sansio._body_coding import begin_body
from aiohttp_client._sansio._chunked import ChunkedDecoder
from aiohttp_client._sansio._http_parser import HeadParser
from aiohttp_client.http_exceptions import BadHttpMessage, ContentLengthError, TransferEncodingError

__all__ = ("ResponseReader", "IDLE", "HEAD", "BODY", "DONE", "register_stream_type", "registered_stream_type")

IDLE = 0  # no request outstanding
HEAD = 1  # waiting for (more of) the response head
BODY = 2  # inside the body
DONE = 3  # the response ended; ``leftover`` holds any bytes that followed it

cdef enum:
    _IDLE = 0
    _HEAD = 1
    _BODY = 2
    _DONE = 3
    # _framing's kinds, checked at import below
    _NO_BODY = 0
    _LENGTH = 1
    _CHUNKED = 2
    _UNTIL_CLOSE = 3

if (_framing.NO_BODY, _framing.LENGTH, _framing.CHUNKED, _framing.UNTIL_CLOSE) != (0, 1, 2, 3):
    raise ImportError("aiohttp_client._sansio._framing changed its framing kinds")

cdef extern from "Python.h":
    # cpython.list declares the last argument ``object``; NULL deletes the slice
    int PyList_SetSlice(list lst, Py_ssize_t low, Py_ssize_t high, PyObject* itemlist) except -1

cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    enum:
        T_OBJECT_EX

# -- the inline feed of the response stream (register_stream_type) -------------------

import collections

cdef object _fast_type = None  # the registered stream class; None: always feed_data
cdef object _FALSE = False  # a Python object: ``<PyObject*>False`` would be the C constant 0
cdef object _NONE = None
cdef object _deque = collections.deque
cdef object _deque_append = collections.deque.append
cdef Py_ssize_t _off_eof, _off_waiter, _off_buffer, _off_size, _off_total, _off_high, _off_paused
cdef Py_ssize_t _off_splits, _off_last_end, _off_high_chunks
cdef tuple _FAST_SLOTS = (
    "_eof", "_waiter", "_buffer", "_size", "total_bytes", "_high_water", "_paused",
    "_http_chunk_splits", "_last_chunk_end", "_high_water_chunks",
)
cdef Py_ssize_t _MANY_PIECES = 64  # feed_http_chunks may join more pieces than this: not inlined


cdef Py_ssize_t _slot_offset(type cls, str name) except -1:
    cdef object descr = None
    for klass in cls.__mro__:
        if name in klass.__dict__:
            descr = klass.__dict__[name]
            break
    if descr is None or type(descr).__name__ != "member_descriptor":
        raise TypeError(f"{cls.__name__}.{name} is not a slot")
    if (<PyMemberDescrObject*>descr).d_member.type != T_OBJECT_EX:
        raise TypeError(f"{cls.__name__}.{name} is not an object slot")
    return (<PyMemberDescrObject*>descr).d_member.offset


def register_stream_type(cls):
    """See the Python twin: *cls*'s ``feed_data`` is run inline on its slots.

    :raises TypeError: *cls* lacks one of the slots (nothing is registered then).
    """
    global _fast_type, _off_eof, _off_waiter, _off_buffer, _off_size, _off_total, _off_high, _off_paused
    global _off_splits, _off_last_end, _off_high_chunks
    offsets = [_slot_offset(cls, name) for name in _FAST_SLOTS]
    _off_eof, _off_waiter, _off_buffer, _off_size, _off_total, _off_high, _off_paused = offsets[:7]
    _off_splits, _off_last_end, _off_high_chunks = offsets[7:]
    _fast_type = cls


def registered_stream_type():
    """The class given to :func:`register_stream_type` (``None`` before)."""
    return _fast_type


cdef inline PyObject* _get_slot(object obj, Py_ssize_t offset):
    return (<PyObject**>((<char*><PyObject*>obj) + offset))[0]


cdef inline void _set_slot(object obj, Py_ssize_t offset, object value):
    cdef PyObject** p = <PyObject**>((<char*><PyObject*>obj) + offset)
    cdef PyObject* old = p[0]
    Py_INCREF(value)
    p[0] = <PyObject*>value
    Py_XDECREF(old)


cdef inline bint _above(Py_ssize_t n, PyObject* mark) except -1:
    """``n > mark`` for an int *mark* that may exceed ``Py_ssize_t``: ``read()`` raises the
    high-water mark to ``2 * sys.maxsize`` (as aiohttp's stream does)."""
    cdef int overflow = 0
    cdef long long value = PyLong_AsLongLongAndOverflow(<object>mark, &overflow)
    if overflow:
        return overflow < 0
    return n > value


cdef int _feed_stream(object stream, object piece) except -1:
    """``stream.feed_data(piece)`` for a stream of the registered class (see the
    Python twin's ``register_stream_type`` for the effect reproduced here)."""
    cdef PyObject* eof = _get_slot(stream, _off_eof)
    cdef PyObject* waiter = _get_slot(stream, _off_waiter)
    cdef PyObject* buffer = _get_slot(stream, _off_buffer)
    cdef PyObject* size = _get_slot(stream, _off_size)
    cdef PyObject* total = _get_slot(stream, _off_total)
    cdef PyObject* high = _get_slot(stream, _off_high)
    cdef PyObject* paused = _get_slot(stream, _off_paused)
    cdef Py_ssize_t n, new_size
    if (eof != <PyObject*>_FALSE or waiter != <PyObject*>_NONE or not PyBytes_CheckExact(piece) or buffer == NULL
            or type(<object>buffer) is not _deque or size == NULL or not PyLong_CheckExact(<object>size)
            or total == NULL or not PyLong_CheckExact(<object>total) or high == NULL
            or not PyLong_CheckExact(<object>high) or paused == NULL):
        stream.feed_data(piece)  # EOF (it raises), a waiting reader (woken), or unexpected state
        return 0
    n = PyBytes_GET_SIZE(piece)
    if n == 0:
        return 0
    _deque_append(<object>buffer, piece)
    new_size = PyLong_AsSsize_t(<object>size) + n
    _set_slot(stream, _off_size, PyLong_FromSsize_t(new_size))
    _set_slot(stream, _off_total, PyLong_FromSsize_t(PyLong_AsSsize_t(<object>total) + n))
    if paused == <PyObject*>_FALSE and _above(new_size, high):
        stream._pause()  # once per crossing of the high-water mark
    return 0


cdef int _feed_stream_chunks(object stream, list pieces) except -1:
    """``stream.feed_http_chunks(pieces)`` for a stream of the registered class and at
    most ``_MANY_PIECES`` pieces (data, ``b""`` at chunk ends): see the Python twin's
    ``register_stream_type``; chunk ends become ``_http_chunk_splits`` entries as
    ``feed_http_chunks`` makes them."""
    cdef PyObject* eof = _get_slot(stream, _off_eof)
    cdef PyObject* waiter = _get_slot(stream, _off_waiter)
    cdef PyObject* buffer = _get_slot(stream, _off_buffer)
    cdef PyObject* splits = _get_slot(stream, _off_splits)
    cdef PyObject* size = _get_slot(stream, _off_size)
    cdef PyObject* total = _get_slot(stream, _off_total)
    cdef PyObject* last = _get_slot(stream, _off_last_end)
    cdef PyObject* high = _get_slot(stream, _off_high)
    cdef PyObject* high_chunks = _get_slot(stream, _off_high_chunks)
    cdef PyObject* paused = _get_slot(stream, _off_paused)
    cdef Py_ssize_t i, n = PyList_GET_SIZE(pieces), start_total, new_total, last_end, new_size
    cdef object piece
    if (n > _MANY_PIECES or eof != <PyObject*>_FALSE or waiter != <PyObject*>_NONE or buffer == NULL
            or type(<object>buffer) is not _deque or splits == NULL or type(<object>splits) is not _deque
            or size == NULL or not PyLong_CheckExact(<object>size) or total == NULL
            or not PyLong_CheckExact(<object>total) or last == NULL or not PyLong_CheckExact(<object>last)
            or high == NULL or not PyLong_CheckExact(<object>high) or high_chunks == NULL
            or not PyLong_CheckExact(<object>high_chunks) or paused == NULL):
        stream.feed_http_chunks(pieces)
        return 0
    for i in range(n):
        if not PyBytes_CheckExact(<object>PyList_GET_ITEM(pieces, i)):
            stream.feed_http_chunks(pieces)
            return 0
    start_total = new_total = PyLong_AsSsize_t(<object>total)
    last_end = PyLong_AsSsize_t(<object>last)
    for i in range(n):
        piece = <object>PyList_GET_ITEM(pieces, i)
        if PyBytes_GET_SIZE(piece):
            _deque_append(<object>buffer, piece)
            new_total += PyBytes_GET_SIZE(piece)
        elif new_total != last_end:
            last_end = new_total
            _deque_append(<object>splits, PyLong_FromSsize_t(new_total))
    _set_slot(stream, _off_last_end, PyLong_FromSsize_t(last_end))
    new_size = PyLong_AsSsize_t(<object>size) + (new_total - start_total)
    _set_slot(stream, _off_size, PyLong_FromSsize_t(new_size))
    _set_slot(stream, _off_total, PyLong_FromSsize_t(new_total))
    if paused == <PyObject*>_FALSE and (
        _above(new_size, high) or _above(len(<object>splits), high_chunks)
    ):
        stream._pause()  # once per crossing
    return 0


cdef object _begin_body = begin_body
cdef object _BadHttpMessage = BadHttpMessage
cdef object _ContentLengthError = ContentLengthError
cdef object _TransferEncodingError = TransferEncodingError
cdef tuple _EMPTY = ()


@cython.embedsignature(False)  # Cython 3.3 misplaces the "*" of this __init__; written out:
cdef class ResponseReader:
    """ResponseReader(sink, *, max_line_size=8190, max_field_size=8190, max_headers=128,
    head_parser_cls=HeadParser, chunked_decoder_cls=ChunkedDecoder)

    Reads consecutive responses from one connection (compiled twin of
    ``_http_reader_py.ResponseReader``).

    :param sink: receives the events and exposes ``reading_paused`` (``bool``).
    :param max_line_size: limit of the status-line and of chunk-size lines, bytes.
    :param max_field_size: limit of one field line (head or trailer), bytes.
    :param max_headers: most field lines in a head or trailer section.
    :param head_parser_cls: head-parser twin (default: the selected one).
    :param chunked_decoder_cls: chunked-decoder twin (default: the selected one).
    """

    cdef public int state
    cdef public object framing
    cdef public object head
    cdef object _sink
    cdef tuple _limits
    cdef object _parser
    cdef object _parse  # _parser.feed, bound once
    cdef CHeadParser _cparser  # _parser when it is the compiled twin, else None
    cdef object _on_body  # _sink.on_body, bound once
    cdef object _on_interim  # _sink.on_interim or None
    cdef object _chunked_cls
    cdef object _method
    cdef bint _read_until_eof
    cdef bint _auto_decompress
    cdef int _kind
    cdef long long _remaining
    cdef object _chunked
    cdef CChunkedDecoder _cchunked  # _chunked when it is the compiled twin, else None
    cdef CChunkedDecoder _cspare  # the compiled decoder, reused (reset) for each chunked body
    cdef object _out
    cdef object _feed
    cdef object _feed_chunks
    cdef object _stream  # the target when it is of the registered stream class, else None
    cdef list _pieces
    cdef object _stash
    cdef Py_ssize_t _stash_pos
    cdef bint _eof_pending

    def __init__(self, sink, *, max_line_size=8190, max_field_size=8190, max_headers=128,
                 head_parser_cls=HeadParser, chunked_decoder_cls=ChunkedDecoder):
        self._sink = sink
        self._limits = (max_line_size, max_field_size, max_headers)
        self._parser = head_parser_cls(max_line_size, max_field_size, max_headers)
        self._parse = self._parser.feed
        # Not a subclass (which may override feed): then its C method is called directly.
        self._cparser = self._parser if head_parser_cls is CHeadParser else None
        self._on_body = sink.on_body
        self._on_interim = getattr(sink, "on_interim", None)
        self._chunked_cls = chunked_decoder_cls
        self.state = _IDLE
        self.framing = None
        self.head = None
        self._method = "GET"
        self._read_until_eof = True
        self._auto_decompress = True
        self._kind = _NO_BODY
        self._remaining = 0
        self._chunked = None
        self._cchunked = None
        self._cspare = None
        self._out = sink
        self._feed = sink.on_body
        self._feed_chunks = None
        self._stream = None
        self._pieces = []
        self._stash = None
        self._stash_pos = 0
        self._eof_pending = False

    # -- control ---------------------------------------------------------------

    def start(self, method, *, read_until_eof=True, auto_decompress=True):
        """Expect the response to a *method* request.

        Bytes that followed the previous response (:attr:`leftover`) are kept as the
        start of this one, without a copy; :meth:`resume` (or the next :meth:`feed`)
        processes them.
        """
        self.state = _HEAD
        self.head = None
        self.framing = None
        self._method = method
        self._read_until_eof = read_until_eof
        self._auto_decompress = auto_decompress
        self._out = self._sink
        self._feed = self._on_body
        self._feed_chunks = None
        self._stream = None
        self._chunked = None
        self._cchunked = None

    @property
    def leftover(self):
        """The bytes that followed the response, once it ended (``DONE``); else ``b""``.

        Assigning ``b""`` drops them (e.g. after a 101 they belong to the new protocol).
        """
        if self.state == _DONE and self._stash is not None:
            return self._stash[self._stash_pos:]
        return b""

    @leftover.setter
    def leftover(self, value):
        if self.state == _DONE:
            self._stash = bytes(value) if value else None
            self._stash_pos = 0

    @property
    def has_partial_head(self):
        """``True`` when some bytes of a response head were received (for EOF errors)."""
        return self.state == _HEAD and self._parser.pending > 0

    # -- input -----------------------------------------------------------------

    def feed(self, data):
        """Process *data* (``bytes``) received from the connection.

        :raises BadHttpMessage: (and subclasses) malformed response.
        """
        if self._stash is not None:  # queue behind what is waiting
            self._stash = self._stash[self._stash_pos:] + bytes(data)
            self._stash_pos = 0
            if self.state != _HEAD:  # the sink is paused, or the response ended
                return
            data = self._stash  # kept across start(): parse it now
            self._stash = None
        if not PyBytes_CheckExact(data):
            data = bytes(data)
        self._process(<bytes>data, 0)

    def resume(self):
        """Continue after the sink stopped being paused."""
        if self._out is not self._sink and not self._out.resume():
            return
        data = self._stash
        self._stash = None
        if data is not None:
            self._process(<bytes>data, self._stash_pos)
        if self._eof_pending and not (self.state == _BODY and (self._stash is not None or self._sink.reading_paused)):
            self._eof_pending = False
            self.feed_eof()

    def feed_eof(self):
        """The server closed the connection.

        Ends a read-until-close body.  Raises if a body was cut short; an incomplete
        head is the caller's to report (see :attr:`has_partial_head`).

        :raises ContentLengthError: fewer bytes than Content-Length arrived.
        :raises TransferEncodingError: the chunked body did not reach its last-chunk.
        """
        if self._stash is not None and self.state == _HEAD:  # kept across start()
            data = self._stash
            self._stash = None
            self._process(<bytes>data, self._stash_pos)
        if self._stash is not None and self.state == _BODY:  # the sink is paused
            self._eof_pending = True
            return
        if self.state != _BODY:
            return
        if self._kind == _UNTIL_CLOSE:
            self._complete(_EMPTY)
        elif self._kind == _LENGTH:
            raise _ContentLengthError(
                f"Not enough data to satisfy content length header: {self._remaining} bytes missing"
            )
        elif self._kind == _CHUNKED:
            raise _TransferEncodingError("Not enough data to satisfy transfer length header (no last-chunk)")

    # -- internals -------------------------------------------------------------

    cdef int _process(self, bytes data, Py_ssize_t pos) except -1:
        cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
        cdef object head
        cdef tuple result
        while pos < end:
            if self.state == _BODY:
                pos = self._body(data, pos, end)
                if self._stash is not None:
                    return 0
            elif self.state == _HEAD:
                if self._cparser is not None:
                    head = self._cparser.feed_into(<const unsigned char*>PyBytes_AS_STRING(data), end, pos, &pos)
                else:
                    result = self._parse(data, pos)
                    head = <object>PyTuple_GET_ITEM(result, 0)  # (head or None, offset): the parser contract
                    pos = <object>PyTuple_GET_ITEM(result, 1)
                if head is None:
                    return 0
                self._on_head(head)
            elif self.state == _DONE:
                self._stash = data  # the leftover, not copied
                self._stash_pos = pos
                return 0
            else:
                raise _BadHttpMessage("data received with no request outstanding")
        return 0

    cdef int _on_head(self, object head) except -1:
        cdef int status = head.status
        cdef object framing, out, target
        if 100 <= status < 200 and status != 101:
            if self._on_interim is not None:  # the final response follows (RFC 9110 §15.2)
                self._on_interim(head)
            return 0
        framing, out = _begin_body(self._sink, self._method, head, self._read_until_eof, self._auto_decompress)
        self.head = head
        self.framing = framing
        self._out = out
        self.state = _BODY
        target = self._sink.on_head(head, framing)
        self._kind = framing.kind
        self._feed_chunks = None  # bound below for a chunked body only
        if out is not self._sink:  # a DecodingSink
            self._feed = out.on_body
            if self._kind == _CHUNKED:
                self._feed_chunks = out.feed_http_chunks
        elif target is not None:
            self._feed = target.feed_data
            if type(target) is _fast_type:  # not a subclass, which may override feed_data
                self._stream = target
            if self._kind == _CHUNKED:
                self._feed_chunks = target.feed_http_chunks
        else:
            self._feed = self._on_body
        if self._kind == _NO_BODY or (self._kind == _LENGTH and framing.length == 0):
            self._complete(_EMPTY)
        elif self._kind == _LENGTH:
            self._remaining = framing.length
        elif self._kind == _CHUNKED:
            if self._chunked_cls is CChunkedDecoder:  # not a subclass: its feed is the C one
                if self._cspare is None:
                    self._cspare = CChunkedDecoder(*self._limits)
                else:
                    self._cspare.reset()  # as new: the limits are the reader's
                self._cchunked = self._cspare
                self._chunked = self._cspare
            else:
                self._chunked = self._chunked_cls(*self._limits)
        return 0

    cdef Py_ssize_t _body(self, bytes data, Py_ssize_t pos, Py_ssize_t end) except -1:
        cdef Py_ssize_t take
        cdef object piece
        if self._kind == _CHUNKED:
            return self._chunked_body(data, pos, end)
        take = end - pos
        if self._kind == _LENGTH and take > self._remaining:
            take = <Py_ssize_t>self._remaining
        if pos == 0 and take == end:
            piece = data
        else:
            piece = PyBytes_FromStringAndSize(PyBytes_AS_STRING(data) + pos, take)
        pos += take
        if self._stream is not None:
            _feed_stream(self._stream, piece)
        else:
            self._feed(piece)
        if self._kind == _LENGTH:
            self._remaining -= take
            if self._remaining == 0:
                self._complete(_EMPTY)
                return pos
        if pos < end and self._sink.reading_paused:
            self._stash = data
            self._stash_pos = pos
        return pos

    cdef Py_ssize_t _chunked_body(self, bytes data, Py_ssize_t pos, Py_ssize_t end) except -1:
        cdef CChunkedDecoder cdecoder = self._cchunked
        cdef object decoder = self._chunked
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
        cdef list pieces = self._pieces
        cdef bint done
        while True:
            if cdecoder is not None:
                pos = cdecoder.feed_into(data, p, end, pos, pieces)
                done = cdecoder.done
            else:
                pos = decoder.feed(data, pos, pieces)
                done = decoder.done
            if PyList_GET_SIZE(pieces):
                self._deliver(pieces)
            if done:
                self._complete(cdecoder.trailers if cdecoder is not None else decoder.trailers)
                return pos
            if pos >= end:
                return pos
            if self._sink.reading_paused:
                self._stash = data
                self._stash_pos = pos
                return pos

    cdef int _deliver(self, list pieces) except -1:
        """Hand one decoder call's output (data, ``b""`` at chunk ends) on, then empty *pieces*."""
        cdef Py_ssize_t i, n = PyList_GET_SIZE(pieces)
        cdef object piece
        if self._feed_chunks is not None:
            if n == 1 and <object>PyList_GET_ITEM(pieces, 0):  # one piece of data: the leaner call
                if self._stream is not None:
                    _feed_stream(self._stream, <object>PyList_GET_ITEM(pieces, 0))
                else:
                    self._feed(<object>PyList_GET_ITEM(pieces, 0))
            elif self._stream is not None:
                _feed_stream_chunks(self._stream, pieces)
            else:
                self._feed_chunks(pieces)
        else:
            for i in range(n):
                piece = <object>PyList_GET_ITEM(pieces, i)
                if piece:
                    self._out.on_body(piece)
                else:
                    self._out.on_chunk_end()
        PyList_SetSlice(pieces, 0, n, NULL)
        return 0

    cdef int _complete(self, tuple trailers) except -1:
        self.state = _DONE
        self._chunked = None
        self._cchunked = None
        self._out.on_message_complete(trailers)
        return 0
