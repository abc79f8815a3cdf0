"""permessage-deflate (RFC 7692) for one WebSocket connection: a bounded inflater for
the frame-reader twins and a deflater for the frame writer.

Both twins of the reader call :class:`Inflater` (twins talk through Python imports),
so the compression rules are written once.
"""

import zlib
from typing import Optional

from .._models import WSCloseCode
from ..http_exceptions import WebSocketError

__all__ = ("Deflater", "Inflater")

_TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.2: appended before inflating a message


class Inflater:
    """Inflate whole messages of one connection (RFC 7692 §7.2.2).

    :param max_size: largest inflated message in bytes (``0``: unlimited); a larger
        one raises ``WebSocketError(MESSAGE_TOO_BIG)`` without inflating more than
        *max_size* + 1 bytes (a small "deflate bomb" never grows large in memory).
    """

    __slots__ = ("_max_size", "_zlib")

    def __init__(self, max_size: int = 0) -> None:
        self._max_size = max_size
        self._zlib = zlib.decompressobj(wbits=-zlib.MAX_WBITS)

    def inflate(self, data: bytes) -> bytes:
        """Return the inflated message whose compressed frames' payloads are *data*.

        :raises WebSocketError: bad deflate data (PROTOCOL_ERROR, 1002) or a
            message over *max_size* (MESSAGE_TOO_BIG 1009).
        """
        limit = self._max_size
        try:
            if limit:
                out = self._zlib.decompress(data + _TAIL, limit + 1)
                if len(out) > limit or self._zlib.unconsumed_tail:
                    raise WebSocketError(
                        WSCloseCode.MESSAGE_TOO_BIG, f"Decompressed message exceeds the limit of {limit} bytes"
                    )
                return out
            return self._zlib.decompress(data + _TAIL)
        except zlib.error as exc:
            raise WebSocketError(WSCloseCode.PROTOCOL_ERROR, f"Invalid deflate data: {exc}") from None


class Deflater:
    """Compress outgoing messages (RFC 7692 §7.2.1).

    :param wbits: LZ77 window bits, 9-15 (the negotiated ``client_max_window_bits``).
    :param no_context_takeover: start every message with a fresh dictionary.
    """

    __slots__ = ("_wbits", "_no_context_takeover", "_zlib")

    def __init__(self, wbits: int = 15, no_context_takeover: bool = False) -> None:
        self._wbits = wbits
        self._no_context_takeover = no_context_takeover
        self._zlib: Optional[zlib._Compress] = None

    def deflate(self, data: bytes) -> bytes:
        """Return the payload of the compressed message for *data* (the final empty
        stored block's ``00 00 ff ff`` tail removed).
        """
        comp = self._zlib
        if comp is None or self._no_context_takeover:
            comp = self._zlib = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -self._wbits)
        out = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
        if out.endswith(_TAIL):
            out = out[:-4]
        return out or b"\x00"
