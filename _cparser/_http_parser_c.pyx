# cython: language_level=3
"""Compiled twin of the response-head parser.

The specification is the Python twin, ``aiohttp_client/_http_parser_py.py``: this
module has the same public names and signatures and gives the same results and the
same exceptions (class and message) on every input, however it is split.  The grammar,
its deviations and the limits are documented there; this header only says how the
twin is made fast.

- The input is read in place: ``bytes`` through ``PyBytes_AS_STRING``, any other
  buffer through ``PyObject_GetBuffer`` (released in ``finally``).  Line ends are
  found with ``memchr`` (an inline loop for short spans); bytes are classified with
  the tables of ``_tables.pxd``, field-values eight bytes at a time.
- One pass over the new bytes finds the end of the head and checks the limits of the
  lines it completes.  A head that arrives whole is parsed straight out of the
  caller's buffer; only an incomplete head is copied, into an owned growable C buffer
  (``PyMem_*``, freed in ``__dealloc__``).  ``_lines`` and ``_line_start`` remember
  how far the buffered bytes have been checked, so a head fed one byte at a time is
  scanned once, and the limits apply to the accumulated bytes, as in the Python twin.
- Python objects are created per field and per head, never inside a byte loop:
  the field-value as ``bytes`` and ``str``; the field-name from a bounded cache of
  ``(bytes, istr)`` pairs, since names repeat across responses.  ``ResponseHead`` is
  built as ``tuple.__new__`` builds a tuple subclass, minus the temporary tuple and
  the call (checked at import: the record must stay a plain 5-tuple subclass).
  HTTP/1.1 and HTTP/1.0 reuse the ``_models`` singletons, and an incomplete feed
  returns a shared ``(None, n)``.
- obs-fold costs nothing until it occurs: a continuation line fails the field-line
  split, and only then ``_parse_folded`` parses the fields again (the Python twin's
  ``_fields.parse_folded_field_lines``), unfolding into a temporary buffer.
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.mem cimport PyMem_Free
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_DecodeUTF8, PyUnicode_New
from libc.stdint cimport uint32_t
from libc.string cimport memcmp, memcpy

from _tables cimport (
    acl_init_tables,
    acl_unlikely,
    find_lf,
    fold_line,
    grow_buffer,
    is_framing_name,
    parse_field_line,
    scan_value,
)

from multidict import CIMultiDict, CIMultiDictProxy, istr

from aiohttp_client._models import HttpVersion, HttpVersion10, HttpVersion11, ResponseHead
from aiohttp_client.http_exceptions import BadStatusLine, InvalidHeader, LineTooLong

__all__ = ("HeadParser",)

acl_init_tables()

# Module-level caches: hot code does no global or attribute lookups.
cdef object _CIMultiDict = CIMultiDict
cdef object _CIMultiDictProxy = CIMultiDictProxy
cdef object _istr = istr
cdef object _HttpVersion = HttpVersion
cdef object _HttpVersion10 = HttpVersion10
cdef object _HttpVersion11 = HttpVersion11
cdef object _ResponseHead = ResponseHead
cdef object _BadStatusLine = BadStatusLine
cdef object _InvalidHeader = InvalidHeader
cdef object _LineTooLong = LineTooLong

# _parse fills ResponseHead's slots directly, which is only right for a tuple subclass
# that adds no storage; fail the import (and so the guard test) if that ever changes.
if not (issubclass(ResponseHead, tuple) and ResponseHead.__basicsize__ == tuple.__basicsize__
        and ResponseHead._fields == ("version", "status", "reason", "headers", "raw_headers")):
    raise ImportError("aiohttp_client._models.ResponseHead is no longer a plain 5-tuple subclass")

cdef extern from *:
    """
    /* What tuple.__new__(cls, items) does for a tuple subclass, minus the temporary
       tuple and the call: allocate through the class, then fill the slots. */
    static PyObject* acl_tuple_subtype_alloc(PyObject* cls, Py_ssize_t n) {
        return ((PyTypeObject*)cls)->tp_alloc((PyTypeObject*)cls, n);
    }
    """
    object acl_tuple_subtype_alloc(object cls, Py_ssize_t n)

cdef enum:
    # Free the partial-head buffer when it has grown past this (after a huge head),
    # rather than keep it for the life of the connection.
    _KEEP_BUFFER = 16384
    _MIN_BUFFER = 512
    # Length of "HTTP/1.1 200", the shortest valid status-line.
    _STATUS_MIN = 12
    # Limit violations found while scanning an incomplete head.
    _OK = 0
    _TOO_LONG = 1
    _TOO_MANY = 2
    # Field-name cache: a fixed table, so bounded and O(1) whatever the peer sends (a
    # collision only costs a miss).  Names are few and repeat across responses; longer
    # ones are not cached.
    _NAME_SLOTS = 1024
    _NAME_MAX = 32
    # ``(None, n)`` results for short incomplete feeds are shared (tuples are
    # immutable), so feeding a head in small pieces allocates nothing per call.
    _NEED_MORE_SLOTS = 1024


cdef inline str _ascii(const unsigned char* p, Py_ssize_t n):
    """A str from bytes already known to be ASCII (no decoding pass)."""
    cdef str s = PyUnicode_New(n, 127)
    memcpy(PyUnicode_DATA(s), p, <size_t>n)
    return s


cdef inline str _text(const unsigned char* p, Py_ssize_t n, unsigned char high):
    """Decode like ``bytes.decode("utf-8", "surrogateescape")``; *high* ORs all bytes."""
    if high & 0x80:
        return PyUnicode_DecodeUTF8(<char*>p, n, "surrogateescape")
    return _ascii(p, n)


cdef struct _NameSlot:
    PyObject* raw  # bytes, owned
    PyObject* text  # istr, owned

cdef _NameSlot _names[_NAME_SLOTS]
cdef PyObject* _need_more[_NEED_MORE_SLOTS]


cdef inline object _need_more_result(Py_ssize_t n):
    """``(None, n)``; shared for small *n*."""
    cdef object result
    if n >= _NEED_MORE_SLOTS:
        return None, n
    if _need_more[n] == NULL:
        result = (None, n)
        Py_INCREF(result)
        _need_more[n] = <PyObject*>result
    return <object>_need_more[n]


cdef inline bint _slot_holds(_NameSlot* slot, const unsigned char* p, Py_ssize_t n) noexcept:
    return (slot.raw != NULL and PyBytes_GET_SIZE(<object>slot.raw) == n
            and memcmp(PyBytes_AS_STRING(<object>slot.raw), p, <size_t>n) == 0)


cdef _NameSlot* _field_name(const unsigned char* p, Py_ssize_t n) except NULL:
    """The cached ``(bytes, istr)`` objects for the field-name ``p[:n]`` (ASCII).

    The name goes into the CIMultiDict as an ``istr``: multidict hands out ``istr``
    keys whatever it was given (so the result is the Python twin's), and an ``istr``
    carries its case-folded form, which spares multidict folding and hashing the name
    again for every response.

    Two-way set-associative: a name lives in one of two neighbouring slots chosen by
    an FNV-1a hash; a miss puts it first and moves the other one second.
    """
    cdef uint32_t h = 2166136261u
    cdef Py_ssize_t i
    cdef _NameSlot* first
    cdef _NameSlot* second
    cdef _NameSlot spill
    cdef object raw, text
    for i in range(n):
        h = (h ^ p[i]) * 16777619u
    h ^= h >> 15
    first = &_names[(h & (_NAME_SLOTS - 1)) & ~(<uint32_t>1)]
    second = first + 1
    if _slot_holds(first, p, n):
        return first
    if _slot_holds(second, p, n):
        return second
    raw = PyBytes_FromStringAndSize(<char*>p, n)
    text = _istr(_ascii(p, n))
    spill = second[0]
    second[0] = first[0]
    Py_XDECREF(spill.raw)
    Py_XDECREF(spill.text)
    Py_INCREF(raw)
    Py_INCREF(text)
    first.raw = <PyObject*>raw
    first.text = <PyObject*>text
    return first


cdef inline bint _is_digit(unsigned char c) noexcept nogil:
    return <unsigned char>(c - 48) < 10  # ASCII only, as the Python twin's bytes regex


cdef inline bint _starts_ws(const unsigned char* p, Py_ssize_t pos, Py_ssize_t n) noexcept nogil:
    return pos < n and (p[pos] == 32 or p[pos] == 9)


cdef bint _has_fold(const unsigned char* p, Py_ssize_t pos, Py_ssize_t n, Py_ssize_t nfields) noexcept nogil:
    """Whether a field line after the first (which starts at ``p[pos]``) starts with
    SP or HTAB (``_fields.has_obs_fold(lines, 2)``)."""
    cdef const unsigned char* q
    cdef Py_ssize_t _k
    for _k in range(nfields - 1):
        q = find_lf(p + pos, n - pos)
        if q == NULL:
            return False
        pos = q - p + 1
        if _starts_ws(p, pos, n):
            return True
    return False


cdef inline Py_ssize_t _line_bounds(const unsigned char* p, Py_ssize_t pos, Py_ssize_t n,
                                    Py_ssize_t* line_end) noexcept nogil:
    """The line at ``p[pos]``: returns the start of the next line and sets
    ``line_end[0]`` to the end of this one without its LF and one CR before it."""
    cdef const unsigned char* q = find_lf(p + pos, n - pos)
    cdef Py_ssize_t e = n if q == NULL else q - p
    line_end[0] = e - 1 if e > pos and p[e - 1] == 13 else e
    return e + 1


cdef bint _status_line_ok(const unsigned char* p, Py_ssize_t n, unsigned char* high) noexcept nogil:
    """``HTTP/D.D SP 3DIGIT [SP reason]``, status 100..999 (the Python twin's _STATUS_LINE_RE)."""
    if n < _STATUS_MIN or memcmp(p, b"HTTP/", 5) != 0:
        return False
    if not (_is_digit(p[5]) and p[6] == 46 and _is_digit(p[7]) and p[8] == 32):
        return False
    if not (_is_digit(p[9]) and p[9] != 48 and _is_digit(p[10]) and _is_digit(p[11])):
        return False  # three digits, the first not "0" (no class 0xx)
    high[0] = 0
    if n == _STATUS_MIN:
        return True
    return p[12] == 32 and scan_value(p + 13, n - 13, high) == n - 13


cdef class HeadParser:
    """Incremental response-head parser (compiled twin of ``_http_parser_py.HeadParser``).

    ``feed(data, start)`` returns ``(head, end)``: ``head`` is ``None`` while the head
    is incomplete (every byte from *start* on has been taken and ``end == len(data)``);
    otherwise ``end`` is the offset in *data* of the first byte after the head.  After
    a head the parser is ready for the next one.  *data* may be any contiguous buffer.

    :param max_line_size: longest status-line, in bytes (without its line ending).
    :param max_field_size: longest field line, in bytes (without its line ending).
    :param max_headers: most field lines in one head.
    :raises BadStatusLine: malformed status-line.
    :raises LineTooLong: a line over its limit.
    :raises InvalidHeader: malformed field line or more than *max_headers* fields.
    """

    # The attributes and the C methods are declared in _cparser/_http_parser_c.pxd.

    def __init__(self, max_line_size=8190, max_field_size=8190, max_headers=128):
        self.max_line_size = max_line_size
        self.max_field_size = max_field_size
        self.max_headers = max_headers
        self.reset()

    def __dealloc__(self):
        PyMem_Free(self._buf)
        self._buf = NULL

    def reset(self):
        """Drop any partial head."""
        self._len = 0
        self._lines = 0
        self._line_start = 0
        if self._cap > _KEEP_BUFFER:
            PyMem_Free(self._buf)
            self._buf = NULL
            self._cap = 0

    @property
    def pending(self):
        """Bytes of an incomplete head buffered so far."""
        return self._len

    def feed(self, data, Py_ssize_t start=0):
        """Feed ``data[start:]``; return ``(head or None, end offset)``."""
        cdef Py_buffer view
        if start < 0:
            raise ValueError("start must not be negative")
        cdef Py_ssize_t end
        cdef object head
        if PyBytes_CheckExact(data):
            head = self.feed_into(<const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), start, &end)
        else:
            PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            try:
                head = self.feed_into(<const unsigned char*>view.buf, view.len, start, &end)
            finally:
                PyBuffer_Release(&view)
        if head is None:
            return _need_more_result(end)
        return head, end

    cdef object feed_into(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t start, Py_ssize_t* end):
        """``feed`` on ``p[start:n]`` (*start* >= 0) at C level: the head or ``None``,
        and the end offset in ``end[0]`` (``n`` for ``None``).  The compiled reader
        calls this directly (declared in the .pxd)."""
        # One pass over the new bytes finds the end of the head (LF [CR] LF, the Python
        # twin's _END_OF_HEAD_RE) and, in the same loop, checks each completed line
        # against its limit.  Like the Python twin, a limit error counts only when the
        # head is still incomplete after these bytes, so it is remembered, not raised.
        cdef Py_ssize_t old = self._len
        cdef Py_ssize_t lines = self._lines  # complete lines before the current one
        cdef Py_ssize_t ls  # start of the current (incomplete) line, in offsets of p
        cdef Py_ssize_t count = 0  # LFs seen in the new bytes
        cdef Py_ssize_t pos, i, length, bad_length = 0
        cdef Py_ssize_t block_end = -1, head_end = 0
        cdef int violation = _OK
        cdef const unsigned char* q
        if start > n:
            start = n
        ls = start - (old - self._line_start)

        if old and start < n:
            # The buffered bytes hold no LF [CR] LF, but one may straddle them and the
            # new bytes: buffer ending in LF (then LF or CR LF next), or in LF CR (LF next).
            if self._line_start == old:
                if p[start] == 10:
                    end[0] = start + 1
                    return self._parse_buffered(old - 1, lines)
                if p[start] == 13 and start + 1 < n and p[start + 1] == 10:
                    end[0] = start + 2
                    return self._parse_buffered(old - 1, lines)
            elif (self._line_start == old - 1 and self._line_start > 0
                    and self._buf[old - 1] == 13 and p[start] == 10):
                end[0] = start + 1
                return self._parse_buffered(old - 2, lines)

        pos = start
        while pos < n:
            q = find_lf(p + pos, n - pos)
            if q == NULL:
                break
            i = q - p
            count += 1
            if i + 1 < n and (p[i + 1] == 10 or (p[i + 1] == 13 and i + 2 < n and p[i + 2] == 10)):
                block_end = i
                head_end = i + 2 if p[i + 1] == 10 else i + 3
                break
            if violation == _OK:
                length = i - ls
                # "length - 1 > limit": the limit plus the CR of a CRLF, written so that
                # a huge limit (sys.maxsize for "none") cannot overflow.
                if length - 1 > (self.max_line_size if lines == 0 else self.max_field_size):
                    violation = _TOO_LONG
                    bad_length = length
                else:
                    lines += 1
                    if lines - 1 > self.max_headers:
                        violation = _TOO_MANY
                    else:
                        ls = i + 1
            pos = i + 1

        if block_end >= 0:
            end[0] = head_end
            if old == 0:
                return self._parse(p + start, block_end - start, count)
            self._append(p + start, block_end - start)
            return self._parse_buffered(self._len, self._lines + count)

        # Incomplete: keep every new byte (the limits bound what a later feed adds).
        self._append(p + start, n - start)
        self._lines = lines
        self._line_start = old + (ls - start)
        if violation == _OK:
            length = n - ls
            if length - 1 > (self.max_line_size if lines == 0 else self.max_field_size):
                violation = _TOO_LONG
                bad_length = length
        if violation != _OK:
            self._raise_limit(violation, bad_length, lines)
        end[0] = n
        return None

    cdef object _parse_buffered(self, Py_ssize_t block_len, Py_ssize_t nlines):
        """Parse the head held in the buffer.  As the Python twin, the parser is reset
        first, so an error leaves nothing pending (the bytes stay until an append)."""
        cdef object head
        self._len = 0
        self._lines = 0
        self._line_start = 0
        head = self._parse(self._buf, block_len, nlines)
        if self._cap > _KEEP_BUFFER:
            self.reset()
        return head

    cdef int _raise_limit(self, int violation, Py_ssize_t length, Py_ssize_t index) except -1:
        if violation == _TOO_MANY:
            raise _InvalidHeader(f"too many headers (more than {self.max_headers})")
        if index == 0:
            raise _LineTooLong("status line", self.max_line_size, str(length))
        raise _LineTooLong("response header", self.max_field_size, str(length))

    cdef int _append(self, const unsigned char* p, Py_ssize_t n) except -1:
        cdef Py_ssize_t i
        cdef unsigned char* buf
        if n <= 0:
            return 0
        if self._len + n > self._cap:
            self._buf = grow_buffer(self._buf, &self._cap, self._len + n, _MIN_BUFFER)
        buf = self._buf + self._len
        if n <= 16:  # small feeds: a loop beats the memcpy call
            for i in range(n):
                buf[i] = p[i]
        else:
            memcpy(buf, p, <size_t>n)
        self._len += n
        return 0

    cdef object _parse(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t nlines):
        """Parse a complete head: *nlines* lines in ``p[:n]``, without the empty line."""
        cdef const unsigned char* q
        cdef Py_ssize_t e, length, pos, i, nfields, name_len, first
        cdef Py_ssize_t vs = 0, ve = 0
        cdef unsigned char high = 0
        cdef int major, minor, status
        cdef object version, reason, name_b, name_s, value_b, item, headers, head
        cdef _NameSlot* slot
        cdef tuple raw
        cdef list pairs

        nfields = nlines - 1
        if nfields > self.max_headers:
            raise _InvalidHeader(f"too many headers (more than {self.max_headers})")

        q = find_lf(p, n)
        e = n if q == NULL else q - p
        length = e
        if length and p[length - 1] == 13:
            length -= 1
        if length > self.max_line_size:
            raise _LineTooLong("status line", self.max_line_size, str(length))
        if not _status_line_ok(p, length, &high):
            raise _BadStatusLine(PyBytes_FromStringAndSize(<char*>p, length))
        major = p[5] - 48
        minor = p[7] - 48
        if major == 1 and minor == 1:
            version = _HttpVersion11
        elif major == 1 and minor == 0:
            version = _HttpVersion10
        else:
            version = _HttpVersion(major, minor)
        status = (p[9] - 48) * 100 + (p[10] - 48) * 10 + (p[11] - 48)
        reason = _text(p + 13, length - 13, high) if length > 13 else ""

        raw = PyTuple_New(nfields)
        pairs = PyList_New(nfields)
        pos = e + 1
        first = pos
        name_len = 0
        for i in range(nfields):
            if pos > n:  # cannot happen while nlines counts LFs; never read past p[n]
                raise _InvalidHeader("incomplete head")
            name_len = parse_field_line(p, pos, n, &e, &length, &vs, &ve, &high)
            if length > self.max_field_size:
                raise _LineTooLong("response header", self.max_field_size, str(length))
            if acl_unlikely(name_len < 0):
                break  # handled below, out of the loop
            if name_len <= _NAME_MAX:
                slot = _field_name(p + pos, name_len)
                name_b = <object>slot.raw
                name_s = <object>slot.text
            else:
                name_b = PyBytes_FromStringAndSize(<char*>p + pos, name_len)
                name_s = _ascii(p + pos, name_len)
            value_b = PyBytes_FromStringAndSize(<char*>p + vs, ve - vs)
            item = (name_b, value_b)
            Py_INCREF(item)
            PyTuple_SET_ITEM(raw, i, item)
            item = (name_s, _text(p + vs, ve - vs, high))
            Py_INCREF(item)
            PyList_SET_ITEM(pairs, i, item)
            pos = e + 1
        if name_len < 0:  # p[pos:] is not a field line: a continuation line (RFC 9112 §5.2)?
            if not _has_fold(p, first, n, nfields):
                raise _InvalidHeader(PyBytes_FromStringAndSize(<char*>p + pos, length))
            raw, pairs = self._parse_folded(p, first, n, nfields)

        headers = _CIMultiDictProxy(_CIMultiDict(pairs))
        # ResponseHead(version, status, reason, headers, raw), as tuple.__new__ builds it.
        head = acl_tuple_subtype_alloc(_ResponseHead, 5)
        Py_INCREF(version)
        PyTuple_SET_ITEM(head, 0, version)
        item = status
        Py_INCREF(item)
        PyTuple_SET_ITEM(head, 1, item)
        Py_INCREF(reason)
        PyTuple_SET_ITEM(head, 2, reason)
        Py_INCREF(headers)
        PyTuple_SET_ITEM(head, 3, headers)
        Py_INCREF(raw)
        PyTuple_SET_ITEM(head, 4, raw)
        return head

    cdef tuple _parse_folded(self, const unsigned char* p, Py_ssize_t pos, Py_ssize_t n, Py_ssize_t nfields):
        """``(raw, pairs)`` for the *nfields* field lines from ``p[pos]`` of a head with
        obs-fold: ``_fields.parse_folded_field_lines``, the same checks in the same
        order.  Each field is unfolded into an owned buffer (freed on return) followed
        by an LF, for ``parse_field_line``."""
        cdef unsigned char* buf = NULL
        cdef Py_ssize_t cap = 0, k = 0, s, e, blen, name_len, line_end = 0, length = 0, vs = 0, ve = 0
        cdef unsigned char high = 0
        cdef bint folded
        cdef list raw = []
        cdef list pairs = []
        cdef object name_b, name_s
        cdef _NameSlot* slot
        try:
            while k < nfields:  # bounded: k grows on every pass
                s = pos
                pos = _line_bounds(p, pos, n, &e)
                k += 1
                if k == 1 and _starts_ws(p, s, e):
                    raise _InvalidHeader(PyBytes_FromStringAndSize(<char*>p + s, e - s))
                buf = grow_buffer(buf, &cap, e - s + 1, _MIN_BUFFER)
                memcpy(buf, p + s, <size_t>(e - s))
                blen = e - s
                folded = False
                while k < nfields and _starts_ws(p, pos, n):
                    s = pos
                    pos = _line_bounds(p, pos, n, &e)
                    k += 1
                    buf = grow_buffer(buf, &cap, blen + (e - s) + 1, _MIN_BUFFER)
                    blen = fold_line(buf, blen, p + s, e - s)
                    if blen > self.max_field_size:  # per fold, as the Python twin
                        raise _LineTooLong("response header", self.max_field_size, str(blen))
                    folded = True
                if blen > self.max_field_size:
                    raise _LineTooLong("response header", self.max_field_size, str(blen))
                buf[blen] = 10
                name_len = parse_field_line(buf, 0, blen + 1, &line_end, &length, &vs, &ve, &high)
                if name_len < 0 or length != blen:  # length != blen: a bare CR ended it
                    raise _InvalidHeader(PyBytes_FromStringAndSize(<char*>buf, blen))
                if folded and is_framing_name(buf, name_len):
                    raise _InvalidHeader(b"obs-fold in " + PyBytes_FromStringAndSize(<char*>buf, name_len))
                if name_len <= _NAME_MAX:
                    slot = _field_name(buf, name_len)
                    name_b = <object>slot.raw
                    name_s = <object>slot.text
                else:
                    name_b = PyBytes_FromStringAndSize(<char*>buf, name_len)
                    name_s = _ascii(buf, name_len)
                raw.append((name_b, PyBytes_FromStringAndSize(<char*>buf + vs, ve - vs)))
                pairs.append((name_s, _text(buf + vs, ve - vs, high)))
        finally:
            PyMem_Free(buf)
        return tuple(raw), pairs
