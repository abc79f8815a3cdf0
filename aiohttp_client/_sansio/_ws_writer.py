"""WebSocket frame serialization for a client (RFC 6455 §5.2-5.3, RFC 7692 §7.2.1).

Every frame a client sends is masked with a fresh, unpredictable 32-bit key (§5.3:
"the masking key MUST be ... unpredictable"); keys come from ``os.urandom`` read in
batches.  Data messages are sent as one frame; with permessage-deflate they are
compressed and carry RSV1, control frames never are (RFC 7692 §6.1).
"""

import os
import struct
from typing import Optional, Union

from ._ws_deflate import Deflater
from ._ws_mask import websocket_mask

__all__ = ("FrameWriter", "random_mask_key")

_KEYS_PER_BATCH = 1024
_pack_short = struct.Struct("!BB4s").pack  # first byte, mask bit | length < 126, key
_keys = b""
_key_pos = 0


def random_mask_key() -> bytes:
    """A fresh 4-byte masking key from the OS CSPRNG (``os.urandom``, batched)."""
    global _keys, _key_pos
    if _key_pos >= len(_keys):
        _keys = os.urandom(4 * _KEYS_PER_BATCH)
        _key_pos = 0
    key = _keys[_key_pos : _key_pos + 4]
    _key_pos += 4
    return key


def _header(first: int, length: int, key: bytes) -> bytes:
    if length < 126:
        return bytes((first, 0x80 | length)) + key
    if length < 65536:
        return bytes((first, 0xFE)) + length.to_bytes(2, "big") + key
    return bytes((first, 0xFF)) + length.to_bytes(8, "big") + key


class FrameWriter:
    """Serialize the client's frames.

    :param compress: permessage-deflate window bits (9-15) negotiated for the client's
        messages, ``0`` for none.
    :param notakeover: ``client_no_context_takeover`` was negotiated.
    """

    __slots__ = ("_compress", "_deflater")

    def __init__(self, compress: int = 0, notakeover: bool = False) -> None:
        self._compress = compress
        self._deflater = Deflater(compress, notakeover) if compress else None

    def frame(
        self, message: Union[bytes, bytearray, memoryview], opcode: int, compress: Optional[int] = None
    ) -> Union[bytes, bytearray]:
        """Return the wire bytes of one final frame carrying *message* (a new object,
        never changed afterwards: the transport may keep it).

        :param opcode: a :class:`~aiohttp_client._models.WSMsgType` opcode (0x0-0xA).
        :param compress: window bits for this message only (a fresh compressor), or
            ``None``/``0`` for the connection's setting.
        :raises ValueError: a control frame payload over 125 bytes (§5.5).
        """
        first = 0x80 | opcode
        if opcode >= 8:
            if len(message) > 125:
                raise ValueError("control frame payload must be 125 bytes or less")
        elif compress or self._deflater is not None:
            deflater = Deflater(compress, True) if compress else self._deflater
            message = deflater.deflate(bytes(message))  # type: ignore[union-attr]
            first |= 0x40
        global _key_pos
        if _key_pos >= len(_keys):
            random_mask_key()
        key = _keys[_key_pos : _key_pos + 4]  # random_mask_key(), inline on the hot path
        _key_pos += 4
        n = len(message)
        if n < 126:  # a short frame: mask a copy, then one concatenation
            payload = bytearray(message)
            websocket_mask(key, payload)
            return _pack_short(first, 0x80 | n, key) + payload
        # A long frame: the payload is copied once, behind its head, and the whole
        # bytearray is masked (both mask twins' fast path) with the key turned so that
        # the payload's first byte meets the key's first byte; then the head, masked
        # along, is written back.
        head = _header(first, n, key)
        turn = -len(head) & 3
        wire = bytearray(head)
        wire += message
        websocket_mask(key[turn:] + key[:turn] if turn else key, wire)
        wire[: len(head)] = head
        return wire
