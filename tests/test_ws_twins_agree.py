"""Differential fuzz of the two WebSocket frame-reader twins (and the mask twins).

Mutated, randomly split frame vectors go to both readers: they must deliver the same
messages, or raise ``WebSocketError`` with the same close code and message after the
same messages.  Anything else escaping a twin is a bug (the driver lets it propagate).
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiohttp_client._sansio import _ws_mask_py, _ws_reader_py
from test_twins_agree import mutated
from test_ws_framing import drive_ws
from vectors import ws_frames, ws_mask

WIRES = [c.wire for c in ws_frames.CASES if len(c.wire) < 4096]
OPTIONS = st.sampled_from(
    [{}, {"compress": True}, {"max_msg_size": 16}, {"decode_text": False}, {"max_fragments": 2, "compress": True}]
)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.c_extension
@SETTINGS
@given(pieces=mutated(WIRES), options=OPTIONS)
def test_readers_agree(pieces: tuple[bytes, ...], options: dict) -> None:
    from aiohttp_client._sansio import _ws_reader_c

    py = drive_ws(_ws_reader_py.WebSocketReader(**options), pieces)
    c = drive_ws(_ws_reader_c.WebSocketReader(**options), pieces)
    assert py == c


@SETTINGS
@given(pieces=mutated(WIRES), options=OPTIONS)
def test_split_does_not_change_the_outcome(pieces: tuple[bytes, ...], options: dict) -> None:
    whole = drive_ws(_ws_reader_py.WebSocketReader(**options), (b"".join(pieces),))
    assert drive_ws(_ws_reader_py.WebSocketReader(**options), pieces) == whole


@pytest.mark.c_extension
@SETTINGS
@given(pieces=mutated(WIRES), options=OPTIONS, limit=st.integers(0, 400))
def test_a_limit_does_not_change_the_outcome(pieces: tuple[bytes, ...], options: dict, limit: int) -> None:
    """``feed(..., limit)`` then ``feed(b"", ..., limit)`` until nothing is pending (the
    consumer reads between calls) gives what one unlimited feed gives, in both twins."""
    from aiohttp_client._sansio import _ws_reader_c

    whole = drive_ws(_ws_reader_py.WebSocketReader(**options), (b"".join(pieces),))
    assert drive_ws(_ws_reader_py.WebSocketReader(**options), pieces, limit) == whole
    assert drive_ws(_ws_reader_c.WebSocketReader(**options), pieces, limit) == whole


@pytest.mark.c_extension
def test_message_overhead_agrees() -> None:
    from aiohttp_client._sansio import _ws_reader_c

    assert _ws_reader_c.MESSAGE_OVERHEAD == _ws_reader_py.MESSAGE_OVERHEAD > 0


@pytest.mark.c_extension
@settings(max_examples=100, deadline=None)
@given(key=st.binary(min_size=4, max_size=4), data=st.binary(max_size=2000), offset=st.integers(0, 7))
def test_masks_agree(key: bytes, data: bytes, offset: int) -> None:
    from aiohttp_client._sansio import _ws_mask_c

    expected = ws_mask.oracle(key, data)
    for fn in (_ws_mask_py.websocket_mask, _ws_mask_c.websocket_mask):
        buf = bytearray(b"\x00" * offset + data)
        fn(key, memoryview(buf)[offset:])
        assert bytes(buf[offset:]) == expected
