# cython: language_level=3
# The C-level interface of _chunked_c.pyx (module aiohttp_client._sansio._chunked_c).
#
# The compiled reader (_http_reader_c.pyx) calls ``feed_into`` directly, without a
# Python method call per fed piece; the Python-visible ``feed`` calls it too, so the
# state machine is written once.
#
# Cython looks a module's .pxd up by the module's full name, so it reads this file
# through aiohttp_client/_sansio/_chunked_c.pxd (next to this one), which includes
# it; this file keeps the sibling name so that cythonize recompiles _chunked_c.pyx
# when it changes (it tracks only a .pyx's sibling .pxd and its cimports).

from libc.stdint cimport uint64_t


cdef class ChunkedDecoder:
    cdef public Py_ssize_t max_line_size
    cdef public Py_ssize_t max_field_size
    cdef public Py_ssize_t max_headers
    cdef public Py_ssize_t max_pieces
    cdef public bint done
    cdef public tuple trailers
    cdef int _state
    cdef uint64_t _remaining  # chunk-data bytes still to come
    cdef unsigned char* _line  # a chunk-size or trailer line split across feeds, owned
    cdef Py_ssize_t _line_len
    cdef Py_ssize_t _line_cap
    cdef list _trailers
    cdef Py_ssize_t _trailer_lines  # physical trailer lines, folded ones included
    cdef bytes _fold_line  # the last trailer field line, unfolded so far

    cdef int reset(self) except -1
    cdef Py_ssize_t feed_into(self, object data, const unsigned char* p, Py_ssize_t end,
                              Py_ssize_t pos, object out) except -1
    cdef int _line_append(self, const unsigned char* p, Py_ssize_t n) except -1
    cdef int _line_too_long(self, Py_ssize_t size) except -1
    cdef int _on_size_line(self, const unsigned char* line, Py_ssize_t n) except -1
    cdef int _on_trailer_line(self, const unsigned char* line, Py_ssize_t n) except -1
    cdef int _fold_trailer(self, const unsigned char* line, Py_ssize_t m) except -1
