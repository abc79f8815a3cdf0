"""WebSocket frame vectors (RFC 6455 §5, RFC 7692) for the frame-reader twins.

``wire`` is what the server sends after the 101 head.  ``expect`` is :class:`Msgs`
(the messages, as ``(type, data, extra)`` with plain ``int`` types) or
:class:`WsError` (close code, message fragment, and the messages delivered before
the error).  ``ends`` marks vectors whose outcome cannot depend on later bytes (they
end in a CLOSE or an error), so trailing garbage may follow them.  ``options`` are
keyword arguments for the reader.

:data:`SMALL_TEXT_STREAM` (10,000 short text frames) is the benchmark input.
"""

import zlib
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = ("CASES", "SMALL_TEXT_STREAM", "Msgs", "WsError", "frame")

TEXT, BINARY, CLOSE, PING, PONG = 1, 2, 8, 9, 10
PROTOCOL_ERROR, INVALID_TEXT, TOO_BIG = 1002, 1007, 1009


@dataclass(frozen=True)
class Msgs:
    messages: tuple[tuple[int, Any, Any], ...]


@dataclass(frozen=True)
class WsError:
    code: int
    fragment: str
    before: tuple[tuple[int, Any, Any], ...] = ()


@dataclass(frozen=True)
class WsCase:
    id: str
    wire: bytes
    source: str
    expect: Union[Msgs, WsError]
    ends: bool
    options: dict = field(default_factory=dict)


def frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, length_form: int = 0) -> bytes:
    """An unmasked frame; *length_form* forces 16 (126) or 64 (127) bit lengths."""
    n = len(payload)
    first = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    if length_form == 126 or (not length_form and 126 <= n < 65536):
        return first + bytes([126]) + n.to_bytes(2, "big") + payload
    if length_form == 127 or (not length_form and n >= 65536):
        return first + bytes([127]) + n.to_bytes(8, "big") + payload
    return first + bytes([n]) + payload


def _deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return (comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH))[:-4]


def _close(code: int, reason: bytes = b"") -> bytes:
    return frame(CLOSE, code.to_bytes(2, "big") + reason)


CLOSE_OK = _close(1000)
CLOSE_MSG = (CLOSE, 1000, "")
HELLO = (TEXT, "Hello", "")
C = {"compress": True}
E = WsError

CASES = [
    WsCase("text-single", b"\x81\x05Hello", "RFC 6455 §5.7 example 1", Msgs((HELLO,)), False),
    WsCase("text-fragmented", b"\x01\x03Hel\x80\x02lo", "RFC 6455 §5.7 example 3", Msgs((HELLO,)), False),
    WsCase("ping", b"\x89\x05Hello", "RFC 6455 §5.7 ping", Msgs(((PING, b"Hello", ""),)), False),
    WsCase("pong", b"\x8a\x05Hello", "RFC 6455 §5.7 pong", Msgs(((PONG, b"Hello", ""),)), False),
    WsCase(
        "binary-256-16bit",
        b"\x82\x7e\x01\x00" + bytes(range(256)),
        "RFC 6455 §5.7 256 bytes",
        Msgs(((BINARY, bytes(range(256)), ""),)),
        False,
    ),
    WsCase(
        "binary-64KiB-64bit",
        b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00" + bytes(65536),
        "RFC 6455 §5.7 64 KiB",
        Msgs(((BINARY, bytes(65536), ""),)),
        False,
    ),
    WsCase("empty-text", frame(TEXT, b""), "RFC 6455 §5.6", Msgs(((TEXT, "", ""),)), False),
    WsCase("empty-binary", frame(BINARY, b""), "RFC 6455 §5.6", Msgs(((BINARY, b"", ""),)), False),
    WsCase(
        "ping-inside-fragments",
        frame(TEXT, b"Hel", fin=False) + frame(PING, b"p") + frame(0, b"l", fin=False) + frame(0, b"o"),
        "RFC 6455 §5.4 control frames interleaved",
        Msgs(((PING, b"p", ""), HELLO)),
        False,
    ),
    WsCase(
        "utf8-split-across-fragments",
        frame(TEXT, "€".encode()[:1], fin=False) + frame(0, "€".encode()[1:] + b"!"),
        "RFC 6455 §8.1 (a code point may span fragments)",
        Msgs(((TEXT, "€!", ""),)),
        False,
    ),
    WsCase(
        "binary-fragments-with-empty",
        frame(BINARY, b"ab", fin=False) + frame(0, b"", fin=False) + frame(0, b"cd"),
        "RFC 6455 §5.4",
        Msgs(((BINARY, b"abcd", ""),)),
        False,
    ),
    WsCase("close-1000", CLOSE_OK, "RFC 6455 §5.5.1", Msgs((CLOSE_MSG,)), True),
    WsCase(
        "close-with-reason",
        _close(1001, "bye €".encode()),
        "RFC 6455 §5.5.1",
        Msgs(((CLOSE, 1001, "bye €"),)),
        True,
    ),
    WsCase("close-empty", frame(CLOSE, b""), "RFC 6455 §7.1.5 (1005)", Msgs(((CLOSE, 1005, ""),)), True),
    WsCase("close-3000", _close(3000), "RFC 6455 §7.4.2", Msgs(((CLOSE, 3000, ""),)), True),
    WsCase("close-4999", _close(4999), "RFC 6455 §7.4.2", Msgs(((CLOSE, 4999, ""),)), True),
    WsCase("close-1014", _close(1014), "IANA registry", Msgs(((CLOSE, 1014, ""),)), True),
    WsCase(
        "bytes-after-close-ignored",
        CLOSE_OK + b"\x81\x02hi\xff\xff",
        "RFC 6455 §5.5.1 (no data after close)",
        Msgs((CLOSE_MSG,)),
        True,
    ),
    WsCase(
        "messages-then-close",
        b"\x81\x05Hello" + frame(BINARY, b"\x00\x01") + CLOSE_OK,
        "RFC 6455 §5",
        Msgs((HELLO, (BINARY, b"\x00\x01", ""), CLOSE_MSG)),
        True,
    ),
    WsCase("partial-header", b"\x81", "incomplete", Msgs(()), False),
    WsCase("partial-length", b"\x82\x7f\x00\x00", "incomplete", Msgs(()), False),
    WsCase("partial-payload", b"\x81\x05Hel", "incomplete", Msgs(()), False),
    WsCase(
        "decode-text-off",
        b"\x81\x05Hello" + frame(TEXT, b"a", fin=False) + frame(0, b"b"),
        "reference: decode_text=False",
        Msgs(((TEXT, b"Hello", ""), (TEXT, b"ab", ""))),
        False,
        {"decode_text": False},
    ),
    WsCase(
        "max-size-exact",
        frame(BINARY, b"x" * 10),
        "reference: max_msg_size",
        Msgs(((BINARY, b"x" * 10, ""),)),
        False,
        {"max_msg_size": 10},
    ),
    WsCase(
        "max-size-zero-unlimited",
        frame(BINARY, b"x" * 70000),
        "reference: max_msg_size=0",
        Msgs(((BINARY, b"x" * 70000, ""),)),
        False,
        {"max_msg_size": 0},
    ),
    # --- permessage-deflate (RFC 7692) ----------------------------------------------
    WsCase(
        "deflate-hello",
        b"\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00",
        "RFC 7692 §7.2.3.1",
        Msgs((HELLO,)),
        False,
        C,
    ),
    WsCase(
        "deflate-fragmented",
        b"\x41\x03\xf2\x48\xcd\x80\x04\xc9\xc9\x07\x00",
        "RFC 7692 §7.2.3.1 (fragmented)",
        Msgs((HELLO,)),
        False,
        C,
    ),
    WsCase(
        "deflate-shared-window",
        b"\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00\xc1\x05\xf2\x00\x11\x00\x00",
        "RFC 7692 §7.2.3.2",
        Msgs((HELLO, HELLO)),
        False,
        C,
    ),
    WsCase(
        "deflate-stored-block",
        b"\xc1\x0b\x00\x05\x00\xfa\xffHello\x00",
        "RFC 7692 §7.2.3.3",
        Msgs((HELLO,)),
        False,
        C,
    ),
    WsCase(
        "deflate-binary-and-plain",
        frame(BINARY, _deflate(b"z" * 1000), rsv=4) + frame(TEXT, b"plain"),
        "RFC 7692 §6 (per-message choice)",
        Msgs(((BINARY, b"z" * 1000, ""), (TEXT, "plain", ""))),
        False,
        C,
    ),
    # --- errors ------------------------------------------------------------------
    WsCase("masked-frame", b"\x81\x85abcd" + b"12345", "RFC 6455 §5.1", E(PROTOCOL_ERROR, "Masked"), True),
    WsCase("rsv2", frame(TEXT, b"x", rsv=2), "RFC 6455 §5.2", E(PROTOCOL_ERROR, "non-zero reserved bits"), True),
    WsCase("rsv3", frame(TEXT, b"x", rsv=1), "RFC 6455 §5.2", E(PROTOCOL_ERROR, "non-zero reserved bits"), True),
    WsCase(
        "rsv1-not-negotiated",
        frame(TEXT, b"x", rsv=4),
        "RFC 7692 §6.1",
        E(PROTOCOL_ERROR, "RSV1 without permessage"),
        True,
    ),
    WsCase("rsv1-on-control", frame(PING, b"x", rsv=4), "RFC 7692 §6.1", E(PROTOCOL_ERROR, "control"), True, C),
    WsCase(
        "rsv1-on-continuation",
        frame(TEXT, b"x", fin=False, rsv=4) + frame(0, b"y", rsv=4),
        "RFC 7692 §6.1",
        E(PROTOCOL_ERROR, "continuation"),
        True,
        C,
    ),
    WsCase("opcode-3", frame(3, b""), "RFC 6455 §5.2", E(PROTOCOL_ERROR, "Unknown opcode 0x3"), True),
    WsCase("opcode-b", frame(0xB, b""), "RFC 6455 §5.2", E(PROTOCOL_ERROR, "Unknown opcode 0xb"), True),
    WsCase(
        "length16-not-minimal",
        frame(BINARY, b"x" * 125, length_form=126),
        "RFC 6455 §5.2 minimal encoding",
        E(PROTOCOL_ERROR, "minimally"),
        True,
    ),
    WsCase(
        "length64-not-minimal",
        frame(BINARY, b"x" * 65535, length_form=127),
        "RFC 6455 §5.2 minimal encoding",
        E(PROTOCOL_ERROR, "minimally"),
        True,
    ),
    WsCase(
        "length64-msb",
        b"\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00",
        "RFC 6455 §5.2 (MSB must be 0)",
        E(PROTOCOL_ERROR, "most significant"),
        True,
        {"max_msg_size": 0},
    ),
    WsCase("control-126", frame(PING, b"x" * 126), "RFC 6455 §5.5", E(PROTOCOL_ERROR, "125"), True),
    WsCase("fragmented-ping", frame(PING, b"x", fin=False), "RFC 6455 §5.5", E(PROTOCOL_ERROR, "Fragmented"), True),
    WsCase("continuation-first", frame(0, b"x"), "RFC 6455 §5.4", E(PROTOCOL_ERROR, "without a message"), True),
    WsCase(
        "text-inside-fragments",
        frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"),
        "RFC 6455 §5.4",
        E(PROTOCOL_ERROR, "inside a fragmented"),
        True,
    ),
    WsCase("bad-utf8", frame(TEXT, b"\xff"), "RFC 6455 §8.1", E(INVALID_TEXT, "UTF-8"), True),
    WsCase(
        "bad-utf8-early",
        frame(TEXT, b"ok\xc0\xaf", fin=False),
        "RFC 6455 §8.1 (fail fast on the first fragment)",
        E(INVALID_TEXT, "UTF-8"),
        True,
    ),
    WsCase(
        "utf8-truncated-at-fin",
        frame(TEXT, b"ok", fin=False) + frame(0, "€".encode()[:2]),
        "RFC 6455 §8.1",
        E(INVALID_TEXT, "UTF-8"),
        True,
    ),
    WsCase("close-1-byte", frame(CLOSE, b"\x03"), "RFC 6455 §5.5.1", E(PROTOCOL_ERROR, "one byte"), True),
    *(
        WsCase(f"close-code-{code}", _close(code), "RFC 6455 §7.4", E(PROTOCOL_ERROR, f"close code: {code}"), True)
        for code in (0, 999, 1004, 1005, 1006, 1015, 2999, 5000)
    ),
    WsCase("close-bad-reason", _close(1000, b"\xff"), "RFC 6455 §5.5.1", E(INVALID_TEXT, "close reason"), True),
    WsCase(
        "too-big-at-header",
        b"\x82\x0bxx",
        "max_msg_size on the announced length",
        E(TOO_BIG, "exceeds limit 10"),
        True,
        {"max_msg_size": 10},
    ),
    WsCase(
        "too-big-in-fragments",
        frame(BINARY, b"x" * 6, fin=False) + frame(0, b"y" * 5),
        "max_msg_size on bytes in flight",
        E(TOO_BIG, "exceeds limit 10"),
        True,
        {"max_msg_size": 10},
    ),
    WsCase(
        "too-many-fragments",
        frame(BINARY, b"a", fin=False) + frame(0, b"", fin=False) * 3 + frame(0, b"b"),
        "fragment cap",
        E(TOO_BIG, "fragments"),
        True,
        {"max_fragments": 3},
    ),
    WsCase(
        "deflate-bomb",
        frame(BINARY, _deflate(bytes(100000)), rsv=4),
        "RFC 7692 §8 (bounded inflate)",
        E(TOO_BIG, "Decompressed"),
        True,
        {"compress": True, "max_msg_size": 1000},
    ),
    WsCase(
        "deflate-garbage",
        frame(BINARY, b"\xff\xff\xff", rsv=4),
        "RFC 7692 §7.2.2",
        E(PROTOCOL_ERROR, "deflate"),
        True,
        C,
    ),
    WsCase(
        "messages-before-error-kept",
        b"\x81\x05Hello" + frame(PING, b"") + b"\x81\x85abcd",
        "never lose data already received",
        E(PROTOCOL_ERROR, "Masked", (HELLO, (PING, b"", ""))),
        True,
    ),
]

SMALL_TEXT_STREAM = b"".join(frame(TEXT, f'{{"seq": {i}, "op": "tick"}}'.encode()) for i in range(10000))
