# cython: language_level=3
# The C-level interface of _http_parser_c.pyx (module aiohttp_client._sansio._http_parser_c).
#
# The compiled reader (_http_reader_c.pyx) calls ``feed_into`` directly, without a
# Python method call and a result tuple per fed piece; the Python-visible ``feed``
# calls it too, so the parser is written once.
#
# Found through aiohttp_client/_sansio/_http_parser_c.pxd, which includes it (the
# layout and why are explained in _chunked_c.pxd).


cdef class HeadParser:
    cdef public Py_ssize_t max_line_size
    cdef public Py_ssize_t max_field_size
    cdef public Py_ssize_t max_headers
    cdef unsigned char* _buf  # partial head, owned
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _lines  # complete lines in _buf
    cdef Py_ssize_t _line_start  # offset in _buf of the incomplete line

    cdef object feed_into(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t start, Py_ssize_t* end)
    cdef object _parse_buffered(self, Py_ssize_t block_len, Py_ssize_t nlines)
    cdef int _raise_limit(self, int violation, Py_ssize_t length, Py_ssize_t index) except -1
    cdef int _append(self, const unsigned char* p, Py_ssize_t n) except -1
    cdef object _parse(self, const unsigned char* p, Py_ssize_t n, Py_ssize_t nlines)
    cdef tuple _parse_folded(self, const unsigned char* p, Py_ssize_t pos, Py_ssize_t n, Py_ssize_t nfields)
