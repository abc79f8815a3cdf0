"""Both twins of the WebSocket mask and frame reader against the shared vectors, with
every split strategy; the frame writer and the handshake helpers (sans-IO)."""

import base64
import os
import random
import zlib
from typing import Any

import pytest

from _feeding import plans
from aiohttp_client._models import WSMessage, WSMsgType
from aiohttp_client._sansio import _ws_deflate, _ws_handshake, _ws_writer
from aiohttp_client._sansio._ws_reader_py import MESSAGE_OVERHEAD
from aiohttp_client.http_exceptions import WebSocketError
from vectors import ws_frames, ws_mask

WS_STRATEGIES = ("whole", "bytewise", "two-way", "random", "garbage")


@pytest.fixture(scope="session")
def reader_cls(twin: Any) -> Any:
    return twin.module("_ws_reader").WebSocketReader


@pytest.fixture(scope="session")
def mask_fn(twin: Any) -> Any:
    return twin.module("_ws_mask").websocket_mask


def record(msgs: list) -> tuple:
    return tuple((int(m.type), m.data, m.extra) for m in msgs)


def weight(msgs: list) -> int:
    """What ``feed()`` returns for *msgs*: data lengths plus a fixed overhead each."""
    return sum(MESSAGE_OVERHEAD + (len(m.data) if isinstance(m.data, (str, bytes)) else 0) for m in msgs)


def drive_ws(reader: Any, pieces: Any, limit: Any = None) -> tuple:
    """Feed *pieces*; ``("msgs", messages)`` or ``("error", code, message, messages before)``.

    With a *limit*, each ``feed`` passes it and the pending bytes are then parsed by
    ``feed(b"", out, limit)`` calls, as a consumer that reads everything would do; a
    call may exceed the limit by one message only.
    """
    out: list = []
    sizes = 0
    try:
        for piece in pieces:
            if limit is None:
                sizes += reader.feed(piece, out)
                continue
            calls = [piece] + [b""] * (len(piece) + reader.pending + 2)  # bounded: one byte per call at least
            for data in calls:
                before = len(out)
                got = reader.feed(data, out, limit)
                assert got == weight(out[before:])
                assert len(out) == before or weight(out[before:-1]) <= limit
                sizes += got
                if not reader.pending or (not data and len(out) == before):
                    break
    except WebSocketError as exc:
        assert all(type(m) is WSMessage for m in out)
        return ("error", exc.code, str(exc), record(out))
    assert all(type(m) is WSMessage and type(m.type) is WSMsgType for m in out)
    # feed() returns the weight of the messages (flow control)
    assert sizes == weight(out)
    return ("msgs", record(out))


@pytest.mark.parametrize("strategy", WS_STRATEGIES)
@pytest.mark.parametrize("case", ws_frames.CASES, ids=lambda c: c.id)
def test_reader_vector(reader_cls: Any, case: Any, strategy: str) -> None:
    if strategy == "garbage" and not case.ends:
        return
    for plan in plans(strategy, case.wire):
        got = drive_ws(reader_cls(**case.options), plan.pieces)
        expect = case.expect
        if isinstance(expect, ws_frames.WsError):
            assert got[0] == "error", (plan, got)
            assert got[1] == expect.code and expect.fragment in got[2], got
            assert got[3] == expect.before
        else:
            assert got == ("msgs", expect.messages), plan


class _ReusedBuffer:
    """Pieces handed over as a view of one receive buffer (as ``WebSocketStream``
    does), overwritten with garbage after each ``feed``: a reader that kept a
    reference into it would deliver the garbage."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.buf = bytearray(4096)

    def feed(self, piece: bytes, out: list) -> int:
        n = len(piece)
        if n > len(self.buf):
            self.buf = bytearray(n)
        self.buf[:n] = piece
        try:
            return int(self.reader.feed(memoryview(self.buf)[:n], out))
        finally:
            self.buf[:] = b"\xa5" * len(self.buf)


@pytest.mark.parametrize("strategy", ["whole", "bytewise", "random"])
@pytest.mark.parametrize("case", ws_frames.CASES, ids=lambda c: c.id)
def test_reader_reused_buffer(reader_cls: Any, case: Any, strategy: str) -> None:
    for plan in plans(strategy, case.wire):
        expected = drive_ws(reader_cls(**case.options), plan.pieces)
        assert drive_ws(_ReusedBuffer(reader_cls(**case.options)), plan.pieces) == expected, plan


def test_reader_reused_buffer_split_frames(reader_cls: Any) -> None:
    # a split header (kept tail), a payload over several pieces, and both at once
    payload = bytes(range(256)) * 300
    wire = ws_frames.frame(2, payload) + ws_frames.frame(1, b"hi") + ws_frames.frame(2, payload[:200])
    for cut in (1, 3, 7, 4000, 40000, len(wire) - 3):
        pieces = [wire[i : i + cut] for i in range(0, len(wire), cut)]
        got = drive_ws(_ReusedBuffer(reader_cls(max_msg_size=0)), pieces)
        assert got == ("msgs", ((2, payload, ""), (1, "hi", ""), (2, payload[:200], ""))), cut


def test_reader_error_is_sticky(reader_cls: Any) -> None:
    reader = reader_cls()
    with pytest.raises(WebSocketError) as first:
        reader.feed(b"\x81\x85", [])
    with pytest.raises(WebSocketError) as again:
        reader.feed(b"\x81\x02hi", [])
    assert again.value is first.value and first.value.code == 1002


def test_reader_closed_flag(reader_cls: Any) -> None:
    reader = reader_cls()
    assert reader.closed is False
    out: list = []
    reader.feed(ws_frames.CLOSE_OK + b"\x81\x02hi", out)
    assert reader.closed is True and len(out) == 1


def test_reader_small_text_stream(reader_cls: Any) -> None:
    out: list = []
    reader = reader_cls()
    data = ws_frames.SMALL_TEXT_STREAM
    for i in range(0, len(data), 4096):
        reader.feed(data[i : i + 4096], out)
    assert len(out) == 10000 and out[-1].data == '{"seq": 9999, "op": "tick"}'


def test_reader_16MiB_message_in_pieces(reader_cls: Any) -> None:
    payload = os.urandom(1024) * 16384
    wire = ws_frames.frame(2, payload[: 8 << 20], fin=False) + ws_frames.frame(0, payload[8 << 20 :])
    out: list = []
    reader = reader_cls(max_msg_size=0)
    for i in range(0, len(wire), 1 << 16):
        reader.feed(wire[i : i + (1 << 16)], out)
    assert len(out) == 1 and out[0].data == payload


# -- mask ------------------------------------------------------------------------


@pytest.mark.parametrize("case", ws_mask.CASES, ids=lambda c: c[0])
def test_mask_known_answers(mask_fn: Any, case: Any) -> None:
    _, key, data, expected = case
    buf = bytearray(data)
    mask_fn(key, buf)
    assert bytes(buf) == expected


# 0-17 covers every word tail; 255-321 and 1000 cross the compiled twin's 64-byte
# wide (AVX2) blocks, at unaligned offsets, with guard bytes on both sides.
@pytest.mark.parametrize("length", [*range(18), 255, 256, 257, 319, 320, 321, 1000])
@pytest.mark.parametrize("offset", [0, 1, 3, 5])
def test_mask_lengths_and_offsets(mask_fn: Any, length: int, offset: int) -> None:
    rng = random.Random(length * 31 + offset)
    key = bytes(rng.randrange(256) for _ in range(4))
    data = bytes(rng.randrange(256) for _ in range(length))
    buf = bytearray(b"\xaa" * offset + data + b"\x55" * 3)
    mask_fn(key, memoryview(buf)[offset : offset + length])
    assert bytes(buf) == b"\xaa" * offset + ws_mask.oracle(key, data) + b"\x55" * 3


@pytest.mark.parametrize("length", [100, 513, 4099, 70001, 196611])
def test_mask_large_against_oracle(mask_fn: Any, length: int) -> None:
    key = b"\x9a\x01\xfe\x42"
    data = os.urandom(length)
    buf = bytearray(data)
    mask_fn(key, buf)
    assert bytes(buf) == ws_mask.oracle(key, data)
    mask_fn(key, buf)
    assert bytes(buf) == data


def test_mask_rejects_bad_key(mask_fn: Any) -> None:
    with pytest.raises(ValueError):
        mask_fn(b"abc", bytearray(b"x"))


# -- writer ----------------------------------------------------------------------


def unmask_frame(wire: bytes) -> tuple[int, bytes, bytes]:
    """(first byte, key, unmasked payload) of one client frame."""
    assert wire[1] & 0x80, "client frames must be masked"
    n = wire[1] & 0x7F
    pos = 2
    if n == 126:
        n, pos = int.from_bytes(wire[2:4], "big"), 4
    elif n == 127:
        n, pos = int.from_bytes(wire[2:10], "big"), 10
    key = wire[pos : pos + 4]
    payload = wire[pos + 4 :]
    assert len(payload) == n
    return wire[0], key, ws_mask.oracle(key, payload)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 100000])
def test_writer_frames(size: int, kind: type) -> None:
    data = os.urandom(size)
    message = kind(bytearray(data)) if kind is memoryview else kind(data)
    first, _, payload = unmask_frame(_ws_writer.FrameWriter().frame(message, WSMsgType.BINARY))
    assert first == 0x82 and payload == data
    assert bytes(message) == data  # the caller's message is never masked in place


def test_writer_fresh_key_per_frame() -> None:
    writer = _ws_writer.FrameWriter()
    keys = {unmask_frame(writer.frame(b"x", WSMsgType.TEXT))[1] for _ in range(200)}
    assert len(keys) > 190


def test_writer_control_frame_limit() -> None:
    writer = _ws_writer.FrameWriter()
    assert unmask_frame(writer.frame(b"x" * 125, WSMsgType.PING))[2] == b"x" * 125
    with pytest.raises(ValueError):
        writer.frame(b"x" * 126, WSMsgType.PING)


@pytest.mark.parametrize("notakeover", [False, True])
def test_writer_deflate_round_trip(reader_cls: Any, notakeover: bool) -> None:
    writer = _ws_writer.FrameWriter(compress=15, notakeover=notakeover)
    reader = reader_cls(compress=True)
    out: list = []
    for text in ("Hello", "Hello", "", "x" * 5000):
        first, _, payload = unmask_frame(writer.frame(text.encode(), WSMsgType.TEXT))
        assert first == 0xC1
        reader.feed(ws_frames.frame(1, payload, rsv=4), out)
    ping = unmask_frame(writer.frame(b"p", WSMsgType.PING))
    assert ping[0] == 0x89  # control frames are never compressed
    assert [m.data for m in out] == ["Hello", "Hello", "", "x" * 5000]


def test_writer_per_message_compress_and_window() -> None:
    first, _, payload = unmask_frame(_ws_writer.FrameWriter().frame(b"a" * 100, WSMsgType.BINARY, compress=9))
    assert first == 0xC2
    assert zlib.decompressobj(-9).decompress(payload + b"\x00\x00\xff\xff") == b"a" * 100


def test_inflater_unbounded() -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = (comp.compress(bytes(10**6)) + comp.flush(zlib.Z_SYNC_FLUSH))[:-4]
    assert _ws_deflate.Inflater(0).inflate(data) == bytes(10**6)


# -- handshake --------------------------------------------------------------------


def test_accept_value_rfc_example() -> None:
    assert _ws_handshake.accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3


def test_new_key_is_16_random_bytes() -> None:
    keys = {_ws_handshake.new_key() for _ in range(50)}
    assert len(keys) == 50 and all(len(base64.b64decode(k)) == 16 for k in keys)


def _ok(key: str, **extra: str) -> dict:
    return {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": _ws_handshake.accept_value(key),
        **extra,
    }


def test_check_response_ok_and_protocol() -> None:
    key = _ws_handshake.new_key()
    got = _ws_handshake.check_response(101, _ok(key, **{"Sec-WebSocket-Protocol": "b"}), key, ("a", "b"))
    assert got == ("b", 0, False)
    assert _ws_handshake.check_response(101, _ok(key, **{"Sec-WebSocket-Protocol": "z"}), key, ("a",)).protocol is None


@pytest.mark.parametrize(
    "status,change,message",
    [
        (200, {}, "Invalid response status"),
        (101, {"Upgrade": "h2c"}, "Invalid upgrade header"),
        (101, {"Connection": "keep-alive"}, "Invalid connection header"),
        (101, {"Sec-WebSocket-Accept": "AAAA"}, "Invalid challenge response"),
        (101, {"Sec-WebSocket-Extensions": "x-foo"}, "Extension not offered"),
    ],
)
def test_check_response_failures(status: int, change: dict, message: str) -> None:
    key = _ws_handshake.new_key()
    with pytest.raises(_ws_handshake.HandshakeFailure, match=message):
        _ws_handshake.check_response(status, {**_ok(key), **change}, key)


@pytest.mark.parametrize(
    "answer,expected",
    [
        ("permessage-deflate", (15, False)),
        ("permessage-deflate; client_max_window_bits=10", (10, False)),
        ("permessage-deflate; client_no_context_takeover; server_no_context_takeover", (15, True)),
        ("permessage-deflate; server_max_window_bits=12", (15, False)),
        ("", (0, False)),
    ],
)
def test_deflate_negotiation(answer: str, expected: tuple) -> None:
    assert _ws_handshake.parse_deflate_response(answer, 15) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=12; server_max_window_bits=12",
        "permessage-deflate; unknown=1",
        "permessage-deflate; client_no_context_takeover=1",
    ],
)
def test_deflate_negotiation_errors(answer: str) -> None:
    with pytest.raises(_ws_handshake.HandshakeFailure):
        _ws_handshake.parse_deflate_response(answer, 15)


def test_extension_offer() -> None:
    assert _ws_handshake.extension_offer(15) == "permessage-deflate; client_max_window_bits"
    assert "server_max_window_bits=10" in _ws_handshake.extension_offer(10)
    with pytest.raises(ValueError):
        _ws_handshake.extension_offer(8)
