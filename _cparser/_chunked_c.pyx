# cython: language_level=3
"""Compiled twin of the chunked-transfer-coding decoder.

The specification is the Python twin, ``aiohttp_client/_chunked_py.py``: this module
has the same public names and signatures and gives the same results (pieces, chunk
boundary markers, trailers, returned offsets, the ``max_pieces`` cap) and the same
exceptions (class and message) on every input, however it is split.  The grammar and
the strictness rules are documented there; this header only says how it is made fast.

- The input is read in place (``bytes`` directly, any other buffer through
  ``PyObject_GetBuffer``, released in ``finally``).  Chunk-data pieces are the only
  copies: each is a ``bytes`` of the input span (the input object itself when a piece
  is all of it).
- chunk-size lines and trailer lines are found with ``memchr`` and validated with the
  tables of ``_tables.pxd`` (trailer fields with the head parser's field splitter);
  only a line split across feeds is copied, into an owned buffer (``PyMem_*``, freed
  in ``__dealloc__``) whose size the line limits bound.
- The chunk-size is read into a 64-bit integer under the Python twin's overflow guard
  (at most 16 hex digits, at most 2**63 - 1); chunk-ext is matched by a single
  forward pass that gives the Python twin's regex answer.
- The class and its C methods are declared in
  ``_chunked_c.pxd``: the compiled reader cimports it and calls
  ``feed_into`` (the one state machine behind ``feed``) without a Python call.
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from _tables cimport (
    ACL_QDTEXT,
    ACL_QPAIR,
    ACL_TCHAR,
    ACL_WS,
    acl_class,
    acl_hexval,
    acl_init_tables,
    grow_buffer,
    find_lf,
    fold_line,
    is_framing_name,
    parse_field_line,
)

from aiohttp_client.http_exceptions import InvalidHeader, LineTooLong, TransferEncodingError

__all__ = ("ChunkedDecoder",)

acl_init_tables()

cdef object _InvalidHeader = InvalidHeader
cdef object _LineTooLong = LineTooLong
cdef object _TransferEncodingError = TransferEncodingError
cdef bytes _EMPTY = b""

cdef enum:
    _SIZE = 0  # reading a chunk-size line
    _DATA = 1  # inside chunk-data
    _DATA_CR = 2  # expecting the CR after chunk-data
    _DATA_LF = 3  # expecting the LF after chunk-data
    _TRAILER = 4  # reading trailer field lines
    _DONE = 5

    _MAX_SIZE_DIGITS = 16  # overflow guard, as the Python twin
    _MIN_LINE_BUFFER = 64

# 2**63 - 1: the largest chunk-size accepted (the Python twin's _MAX_SIZE).
cdef uint64_t _MAX_SIZE = 0x7FFFFFFFFFFFFFFF


cdef bint _chunk_ext_ok(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """Match ``p[:n]`` in full against the chunk-ext grammar (RFC 9112 §7.1.1).

    ``*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )``, the Python
    twin's _EXT_RE.  Every choice is decided by the next byte, so a single forward
    pass gives the regex's answer (no backtracking needed).
    """
    cdef Py_ssize_t i = 0, j, k
    cdef unsigned char c
    while i < n:
        while i < n and (acl_class[p[i]] & ACL_WS):
            i += 1
        if i == n or p[i] != 59:  # b";"; trailing BWS alone does not match
            return False
        i += 1
        while i < n and (acl_class[p[i]] & ACL_WS):
            i += 1
        j = i
        while i < n and (acl_class[p[i]] & ACL_TCHAR):
            i += 1
        if i == j:
            return False
        k = i
        while k < n and (acl_class[p[k]] & ACL_WS):
            k += 1
        if k == n or p[k] != 61:  # no b"=": the BWS, if any, belongs to the next ";"
            continue
        i = k + 1
        while i < n and (acl_class[p[i]] & ACL_WS):
            i += 1
        if i < n and p[i] == 34:  # quoted-string
            i += 1
            while True:
                if i == n:
                    return False
                c = p[i]
                if c == 34:
                    i += 1
                    break
                if c == 92:  # quoted-pair
                    if i + 1 == n or not (acl_class[p[i + 1]] & ACL_QPAIR):
                        return False
                    i += 2
                elif acl_class[c] & ACL_QDTEXT:
                    i += 1
                else:
                    return False
        else:
            j = i
            while i < n and (acl_class[p[i]] & ACL_TCHAR):
                i += 1
            if i == j:
                return False
    return True


cdef class ChunkedDecoder:
    """Incremental decoder of a chunked message body (compiled twin of
    ``_chunked_py.ChunkedDecoder``).

    ``feed(data, start, out)`` appends ``bytes`` pieces of chunk-data to *out* (and
    ``b""`` after each chunk's data) and returns the offset of the first byte it did
    not consume: ``len(data)`` unless the body ended (``done``) or ``max_pieces``
    items were appended.  *data* may be any contiguous buffer.

    :param max_line_size: longest chunk-size line, in bytes (without CRLF).
    :param max_field_size: longest trailer field line, in bytes.
    :param max_headers: most trailer field lines.
    :param max_pieces: most items appended to *out* per ``feed`` call.
    :ivar done: ``True`` once the last-chunk and trailer section were read.
    :ivar trailers: the trailer section as a tuple of ``(bytes, bytes)`` pairs.
    :raises TransferEncodingError: bad chunk-size, chunk-ext or missing CRLF.
    :raises LineTooLong: a chunk-size or trailer line over its limit.
    :raises InvalidHeader: a bad trailer field line or too many of them.
    """

    # attributes and cdef methods: declared in _chunked_c.pxd

    def __init__(self, max_line_size=8190, max_field_size=8190, max_headers=128, max_pieces=1024):
        self.max_line_size = max_line_size
        self.max_field_size = max_field_size
        self.max_headers = max_headers
        self.max_pieces = max_pieces
        self.reset()

    cdef int reset(self) except -1:
        # The state of a new decoder (limits kept): the compiled reader reuses one
        # decoder for the chunked bodies of a connection instead of building one per head.
        self.done = False
        self.trailers = ()
        self._state = _SIZE
        self._remaining = 0
        self._line_len = 0
        self._trailers = []
        self._trailer_lines = 0
        self._fold_line = _EMPTY
        return 0

    def __dealloc__(self):
        PyMem_Free(self._line)
        self._line = NULL

    def feed(self, data, Py_ssize_t start, out):
        """Decode ``data[start:]``; append pieces to *out*; return the first unused offset."""
        cdef Py_buffer view
        if start < 0:
            raise ValueError("start must not be negative")
        if PyBytes_CheckExact(data):
            return self.feed_into(data, <const unsigned char*>PyBytes_AS_STRING(data),
                                  PyBytes_GET_SIZE(data), start, out)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            return self.feed_into(None, <const unsigned char*>view.buf, view.len, start, out)
        finally:
            PyBuffer_Release(&view)

    cdef Py_ssize_t feed_into(self, object data, const unsigned char* p, Py_ssize_t end,
                              Py_ssize_t pos, object out) except -1:
        # *data* is the input when it is exactly ``bytes`` (a piece that is all of it
        # is then the object itself), else None.
        cdef Py_ssize_t budget = self.max_pieces
        cdef Py_ssize_t take, limit, nl, line_len
        cdef const unsigned char* q
        cdef const unsigned char* line
        cdef object piece
        cdef bint is_list = type(out) is list
        while pos < end and budget > 0:
            if self._state == _DATA:
                take = end - pos
                if <uint64_t>take > self._remaining:
                    take = <Py_ssize_t>self._remaining
                if data is not None and take == end:  # then pos == 0
                    piece = data
                else:
                    piece = PyBytes_FromStringAndSize(<const char*>p + pos, take)
                if is_list:
                    PyList_Append(out, piece)
                else:
                    out.append(piece)
                budget -= 1
                pos += take
                self._remaining -= <uint64_t>take
                if self._remaining == 0:
                    self._state = _DATA_CR
            elif self._state == _DATA_CR:
                if p[pos] != 13:
                    raise _TransferEncodingError("missing CRLF after chunk-data")
                pos += 1
                self._state = _DATA_LF
            elif self._state == _DATA_LF:
                if p[pos] != 10:
                    raise _TransferEncodingError("missing CRLF after chunk-data")
                pos += 1
                self._state = _SIZE
                if is_list:
                    PyList_Append(out, _EMPTY)
                else:
                    out.append(_EMPTY)
                budget -= 1
            elif self._state == _SIZE or self._state == _TRAILER:
                limit = self.max_line_size if self._state == _SIZE else self.max_field_size
                q = find_lf(p + pos, end - pos)
                if q == NULL:
                    if self._line_len + (end - pos) - 1 > limit:  # limit + CR; no overflow
                        self._line_too_long(self._line_len + (end - pos))
                    self._line_append(p + pos, end - pos)
                    return end
                nl = q - p
                if self._line_len:
                    self._line_append(p + pos, nl - pos)
                    line = self._line
                    line_len = self._line_len
                    self._line_len = 0  # the bytes stay valid until the next append
                else:
                    line = p + pos
                    line_len = nl - pos
                if line_len - 1 > limit:
                    self._line_too_long(line_len)
                pos = nl + 1
                if self._state == _SIZE:
                    self._on_size_line(line, line_len)
                else:
                    self._on_trailer_line(line, line_len)
                    if self._state == _DONE:
                        return pos
            else:
                return pos
        return pos

    cdef int _line_append(self, const unsigned char* p, Py_ssize_t n) except -1:
        if n <= 0:
            return 0
        if self._line_len + n > self._line_cap:
            self._line = grow_buffer(self._line, &self._line_cap, self._line_len + n, _MIN_LINE_BUFFER)
        memcpy(self._line + self._line_len, p, <size_t>n)
        self._line_len += n
        return 0

    cdef int _line_too_long(self, Py_ssize_t size) except -1:
        if self._state == _SIZE:
            raise _LineTooLong("chunk-size line", self.max_line_size, str(size))
        raise _LineTooLong("trailer field", self.max_field_size, str(size))

    cdef int _on_size_line(self, const unsigned char* line, Py_ssize_t n) except -1:
        cdef Py_ssize_t i = 0
        cdef unsigned char v
        cdef uint64_t size = 0
        if n == 0 or line[n - 1] != 13:
            raise _TransferEncodingError("chunk-size line must end in CRLF")
        n -= 1
        if n > self.max_line_size:
            self._line_too_long(n)
        while i < n:
            v = acl_hexval[line[i]]
            if v == 0xff:
                break
            if i < _MAX_SIZE_DIGITS:
                size = (size << 4) | v
            i += 1
        if i == 0:
            raise _TransferEncodingError(f"bad chunk-size {_prefix(line, n)!r}")
        if i > _MAX_SIZE_DIGITS or size > _MAX_SIZE:
            raise _TransferEncodingError("chunk-size too large")
        if not _chunk_ext_ok(line + i, n - i):
            raise _TransferEncodingError(f"bad chunk-ext {_prefix(line, n)!r}")
        if size == 0:
            self._state = _TRAILER
        else:
            self._remaining = size
            self._state = _DATA
        return 0

    cdef int _on_trailer_line(self, const unsigned char* line, Py_ssize_t n) except -1:
        cdef Py_ssize_t name_len, line_end = 0, length = 0, vs = 0, ve = 0
        cdef unsigned char high = 0
        if n and line[n - 1] == 13:
            if n == 1:
                n = 0
        if n == 0:
            self.trailers = tuple(self._trailers)
            self._trailers = []
            self._fold_line = _EMPTY
            self._state = _DONE
            self.done = True
            return 0
        if self._trailer_lines >= self.max_headers:
            raise _InvalidHeader(f"too many trailer fields (more than {self.max_headers})")
        self._trailer_lines += 1
        if self._trailers and (line[0] == 32 or line[0] == 9):
            return self._fold_trailer(line, n - 1 if line[n - 1] == 13 else n)
        name_len = parse_field_line(line, 0, n, &line_end, &length, &vs, &ve, &high)
        if length > self.max_field_size:
            raise _LineTooLong("response header", self.max_field_size, str(length))
        if name_len < 0:
            raise _InvalidHeader(PyBytes_FromStringAndSize(<const char*>line, length))
        self._trailers.append((
            PyBytes_FromStringAndSize(<const char*>line, name_len),
            PyBytes_FromStringAndSize(<const char*>line + vs, ve - vs),
        ))
        self._fold_line = PyBytes_FromStringAndSize(<const char*>line, length)  # for a fold
        return 0

    cdef int _fold_trailer(self, const unsigned char* line, Py_ssize_t m) except -1:
        """The continuation ``line[:m]`` (no line ending) of the last trailer field
        (obs-fold, RFC 9112 §5.2): that field is unfolded and parsed again, as the
        Python twin does (``_fields.fold``, ``parse_folded_field``)."""
        cdef Py_ssize_t plen = PyBytes_GET_SIZE(self._fold_line)
        cdef Py_ssize_t blen, name_len, line_end = 0, length = 0, vs = 0, ve = 0
        cdef unsigned char high = 0
        cdef unsigned char* buf = <unsigned char*>PyMem_Malloc(<size_t>(plen + m + 1))
        if buf == NULL:
            raise MemoryError()
        try:
            memcpy(buf, PyBytes_AS_STRING(self._fold_line), <size_t>plen)
            blen = fold_line(buf, plen, line, m)
            if blen > self.max_field_size:
                raise _LineTooLong("response header", self.max_field_size, str(blen))
            buf[blen] = 10
            name_len = parse_field_line(buf, 0, blen + 1, &line_end, &length, &vs, &ve, &high)
            if name_len < 0 or length != blen:  # length != blen: a bare CR ended it
                raise _InvalidHeader(PyBytes_FromStringAndSize(<const char*>buf, blen))
            if is_framing_name(buf, name_len):
                raise _InvalidHeader(b"obs-fold in " + PyBytes_FromStringAndSize(<const char*>buf, name_len))
            self._fold_line = PyBytes_FromStringAndSize(<const char*>buf, blen)
            self._trailers[-1] = (
                PyBytes_FromStringAndSize(<const char*>buf, name_len),
                PyBytes_FromStringAndSize(<const char*>buf + vs, ve - vs),
            )
        finally:
            PyMem_Free(buf)
        return 0


cdef bytes _prefix(const unsigned char* p, Py_ssize_t n):
    """``line[:32]`` for an error message."""
    return PyBytes_FromStringAndSize(<const char*>p, n if n < 32 else 32)
