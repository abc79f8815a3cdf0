# cython: boundscheck=False, wraparound=False
"""Compiled twin of ``_ws_mask_py``: XOR a buffer in place with a repeated 4-byte key
(RFC 6455 §5.3), eight bytes at a time, or 64 bytes at a time with AVX2 on buffers
of 256 bytes and more where the running CPU has it (``_ws_mask_wide.h``: chosen
at run time, the wheel itself targets the x86-64 baseline).

Words are loaded and stored with ``memcpy`` (which compilers turn into plain
unaligned loads where the CPU allows them), never by casting the byte pointer: no
alignment or strict-aliasing assumptions.  A ``bytearray`` is reached directly; any
other writable buffer (a ``memoryview`` slice at any offset) through
``PyObject_GetBuffer``, released in ``finally``.
"""

from cpython.buffer cimport PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy


cdef extern from "_ws_mask_wide.h":
    size_t ws_mask_wide(uint8_t* buf, size_t n, uint64_t k64) noexcept nogil

__all__ = ("websocket_mask",)


cdef inline void _mask(uint8_t* buf, Py_ssize_t n, const uint8_t* key) noexcept nogil:
    cdef uint32_t k32
    cdef uint64_t k64, w0, w1
    cdef Py_ssize_t i = 0
    memcpy(&k32, key, 4)
    k64 = (<uint64_t>k32 << 32) | k32
    if n >= 256:  # AVX2 where the CPU has it; the loops below finish the tail
        i = <Py_ssize_t>ws_mask_wide(buf, <size_t>n, k64)
    while i + 16 <= n:  # two independent words per step
        memcpy(&w0, buf + i, 8)
        memcpy(&w1, buf + i + 8, 8)
        w0 ^= k64
        w1 ^= k64
        memcpy(buf + i, &w0, 8)
        memcpy(buf + i + 8, &w1, 8)
        i += 16
    while i + 8 <= n:
        memcpy(&w0, buf + i, 8)
        w0 ^= k64
        memcpy(buf + i, &w0, 8)
        i += 8
    while i < n:
        buf[i] ^= key[i & 3]
        i += 1


cdef int _key(object mask, uint8_t* k) except -1:
    cdef const uint8_t[::1] key = mask
    if key.shape[0] != 4:
        raise ValueError("the masking key must be 4 bytes")
    memcpy(k, &key[0], 4)
    return 0


cdef int _mask_buffer(object data, const uint8_t* k) except -1:
    cdef Py_buffer view
    PyObject_GetBuffer(data, &view, PyBUF_WRITABLE)
    try:
        with nogil:
            _mask(<uint8_t*>view.buf, view.len, k)
    finally:
        PyBuffer_Release(&view)
    return 0


def websocket_mask(mask, data):
    """XOR *data* (a writable ``bytearray`` or 1-D byte ``memoryview``, any offset)
    in place with the 4-byte *mask* repeated from its first byte.

    :raises ValueError: *mask* is not 4 bytes long.
    """
    cdef uint8_t k[4]
    if type(mask) is bytes and PyBytes_GET_SIZE(mask) == 4:
        memcpy(k, PyBytes_AS_STRING(mask), 4)
    else:
        _key(mask, k)
    if type(data) is bytearray:
        _mask(<uint8_t*>PyByteArray_AS_STRING(data), PyByteArray_GET_SIZE(data), k)
    else:
        _mask_buffer(data, k)
