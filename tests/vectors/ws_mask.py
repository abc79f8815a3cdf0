"""WebSocket masking vectors (RFC 6455 §5.3) and the byte-wise oracle.

:func:`oracle` is the definition (``itertools.cycle`` over the key, as in wsproto's
``test_xor_mask_simple``); ``CASES`` are fixed known answers.
"""

import itertools

__all__ = ("CASES", "SIZES", "oracle")

SIZES = {"1KiB": 1024, "64KiB": 64 * 1024, "1MiB": 1024 * 1024}


def oracle(mask: bytes, data: bytes) -> bytes:
    return bytes(b ^ k for b, k in zip(data, itertools.cycle(mask)))


CASES = [
    # RFC 6455 §5.7: masked "Hello" with key 37 fa 21 3d
    ("rfc-hello", b"\x37\xfa\x21\x3d", b"Hello", b"\x7f\x9f\x4d\x51\x58"),
    ("empty", b"\x01\x02\x03\x04", b"", b""),
    ("zero-key", b"\x00\x00\x00\x00", b"unchanged", b"unchanged"),
    ("ones", b"\xff\xff\xff\xff", b"\x00\x0f\xf0\xff", b"\xff\xf0\x0f\x00"),
]
