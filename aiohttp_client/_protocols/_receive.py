"""Receiving into one buffer per thread instead of a fresh ``bytes`` per ``recv``.

asyncio's selector transports give a plain :class:`asyncio.Protocol` a new ``bytes`` of
up to 256 KiB per receive (``sock.recv(max_size)``).  An allocation that large comes from
``mmap`` (glibc's threshold is 128 KiB) and is shrunk with ``mremap`` and unmapped when
the bytes are freed: three system calls and fresh-page faults for every read, about
20 us of kernel time per small response on the project machine (a raw asyncio loop of
GETs against nginx: 26-37 us of system time per request as a ``Protocol``, 8-11 us as a
``BufferedProtocol``).  A :class:`asyncio.BufferedProtocol` receives into a buffer it
provides (``recv_into``); :class:`ReceiveBuffer` hands out one per thread and copies
each receive out at once, in pieces of at most :data:`PIECE` bytes (small enough to
come from the heap, not ``mmap``; a 64 KiB ``read()`` then returns a piece whole).

One buffer per thread is safe because asyncio calls ``buffer_updated`` right after it
filled the buffer, before any other transport of the loop receives (selector and TLS
transports alike: ``asyncio.sslproto`` reads the decrypted bytes into it the same way),
and nothing keeps a view of it: every piece is copied to ``bytes`` before it is fed.
"""

import asyncio
import threading
from typing import Callable

__all__ = ("PIECE", "RECEIVE_SIZE", "ReceiveBuffer", "receive_view")

#: Bytes one receive may fill: asyncio's own ``max_size`` for a plain protocol.
RECEIVE_SIZE = 2**18
#: The largest ``bytes`` handed on: below glibc's ``mmap`` threshold (128 KiB), and the
#: size of a ``read(65536)`` / ``iter_chunked(65536)`` piece.
PIECE = 2**16

_local = threading.local()


def receive_view() -> memoryview:
    """This thread's receive buffer (:data:`RECEIVE_SIZE` bytes), made on first use."""
    view: memoryview | None = getattr(_local, "view", None)
    if view is None:
        view = _local.view = memoryview(bytearray(RECEIVE_SIZE))
    return view


class ReceiveBuffer(asyncio.BufferedProtocol):
    """The ``BufferedProtocol`` side of a protocol whose ``data_received(bytes)`` does
    the work: each receive is fed to it as ``bytes`` pieces of at most :data:`PIECE`
    bytes, in order, until the protocol reports it failed (``_receive_failed()``).
    The subclass sets ``_rview = receive_view()`` when it is made (in the loop's thread).
    """

    __slots__ = ()
    _rview: memoryview
    data_received: Callable[[bytes], None]  # the subclass's
    _receive_failed: Callable[[], bool]  # the subclass's: stop feeding the rest

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._rview

    def buffer_updated(self, nbytes: int) -> None:
        view = self._rview
        if nbytes <= PIECE:
            self.data_received(bytes(view[:nbytes]))
            return
        for start in range(0, nbytes, PIECE):
            if start and self._receive_failed():
                return  # the rest would only be "data with no request outstanding"
            self.data_received(bytes(view[start : min(start + PIECE, nbytes)]))
