"""Differential tests: mutated, randomly split vectors fed to both twins.

Both twins must return the same outcome or raise the same class with the same message
(yarl ``test_quoting_hypothesis.py``).  Invariant on every input (h11
``fuzz/afl-server.py``): only ``http_exceptions`` classes may escape a twin; the
drivers let anything else propagate, so an ``IndexError`` or ``SystemError`` fails the
test.  The invariant is also checked on the Python twin alone, so it holds in the
pure-Python lane and on PyPy.
"""

from collections.abc import Sequence
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _feeding import drive_chunked, drive_head, head_record  # noqa: E402
from aiohttp_client._sansio import _chunked_py, _http_parser_py  # noqa: E402
from vectors import CORPUS, split_response  # noqa: E402
from vectors import chunked as chunked_vectors  # noqa: E402
from vectors import http_response as head_vectors  # noqa: E402

# Bytes that matter to the grammars, drawn more often than random ones.
INTERESTING = b'\r\n\t :;="\\\x00\x01\x1f\x7f\x80\xff0123456789aAfFgG/.,-+_xX'
HEAD_WIRES = [c.wire for c in head_vectors.CASES if len(c.wire) < 2048] + [split_response(CORPUS["10-field"])[0]]
CHUNKED_WIRES = [c.wire for c in chunked_vectors.CASES] + [chunked_vectors.BODY_CORPUS["10-chunk"]]
LIMITS = st.sampled_from([{}, {"max_line_size": 24, "max_field_size": 24, "max_headers": 4}])
CHUNKED_LIMITS = st.sampled_from([{}, {"max_line_size": 12, "max_field_size": 16, "max_headers": 2, "max_pieces": 2}])
SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated(draw: Callable[..., Any], wires: Sequence[bytes]) -> tuple[bytes, ...]:
    """A vector with byte flips, insertions, deletions or truncation, then split."""
    wire = bytearray(draw(st.sampled_from(wires)))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "replace"]))
        at = draw(st.integers(0, len(wire)))
        byte = draw(st.one_of(st.sampled_from(list(INTERESTING)), st.integers(0, 255)))
        if kind == "insert":
            wire[at:at] = bytes([byte]) * draw(st.integers(1, 3))
        elif kind == "truncate":
            del wire[at:]
        elif at < len(wire):
            if kind == "flip":
                wire[at] ^= 1 << draw(st.integers(0, 7))
            elif kind == "delete":
                del wire[at]
            else:
                wire[at] = byte
    data = bytes(wire)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    bounds = [0, *cuts, len(data)]
    return tuple(data[a:b] for a, b in zip(bounds, bounds[1:]))


def _head_outcome(cls: Any, limits: Any, pieces: Sequence[bytes]) -> Any:
    outcome = drive_head(cls(**limits), pieces)
    if outcome[0] == "head":  # compare plain data, and check the record's types
        head = outcome[1]
        assert all(type(n) is bytes and type(v) is bytes for n, v in head.raw_headers)
        return ("head", head_record(head), outcome[2])
    return outcome


def _compiled() -> tuple[Any, Any]:
    from aiohttp_client._sansio import _chunked_c, _http_parser_c

    return _http_parser_c.HeadParser, _chunked_c.ChunkedDecoder


@pytest.mark.c_extension
@SETTINGS
@given(pieces=mutated(HEAD_WIRES), limits=LIMITS)
def test_head_twins_agree(pieces: tuple[bytes, ...], limits: Any) -> None:
    c_cls = _compiled()[0]
    assert _head_outcome(c_cls, limits, pieces) == _head_outcome(_http_parser_py.HeadParser, limits, pieces)


@pytest.mark.c_extension
@SETTINGS
@given(pieces=mutated(CHUNKED_WIRES), limits=CHUNKED_LIMITS)
def test_chunked_twins_agree(pieces: tuple[bytes, ...], limits: Any) -> None:
    c_cls = _compiled()[1]
    c = drive_chunked(c_cls(**limits), pieces)
    py = drive_chunked(_chunked_py.ChunkedDecoder(**limits), pieces)
    assert c == py


@SETTINGS
@given(pieces=mutated(HEAD_WIRES), limits=LIMITS)
def test_head_only_protocol_errors_escape(head_parser_cls: Any, pieces: tuple[bytes, ...], limits: Any) -> None:
    outcome = drive_head(head_parser_cls(**limits), pieces)  # anything but HttpProcessingError propagates
    assert outcome[0] in ("head", "incomplete", "error")


@SETTINGS
@given(pieces=mutated(CHUNKED_WIRES), limits=CHUNKED_LIMITS)
def test_chunked_only_protocol_errors_escape(chunked_decoder_cls: Any, pieces: tuple[bytes, ...], limits: Any) -> None:
    outcome = drive_chunked(chunked_decoder_cls(**limits), pieces)
    assert outcome[0] in ("done", "incomplete", "error")


# --- every byte value in every grammar position (checks the compiled lookup tables) ---


def _head_probes(byte: int) -> list[bytes]:
    b = bytes([byte])
    return [
        b"HTTP/1.1 200 O" + b + b"K\r\n\r\n",  # reason-phrase
        b"HTTP/1." + b + b" 200 OK\r\n\r\n",  # version digit
        b"HTTP/1.1 2" + b + b"0 OK\r\n\r\n",  # status digit
        b"HTTP/1.1 200" + b + b"OK\r\n\r\n",  # separator
        b"HTTP/1.1 200 OK\r\nX" + b + b"Y: v\r\n\r\n",  # field-name
        b"HTTP/1.1 200 OK\r\n" + b + b": v\r\n\r\n",  # field-name start
        b"HTTP/1.1 200 OK\r\nX: a" + b + b"b\r\n\r\n",  # field-value
        b"HTTP/1.1 200 OK\r\nX: " + b + b"\r\n\r\n",  # field-value alone (OWS?)
        b"HTTP/1.1 200 OK\r\nX:" + b + b"v" + b + b"\r\n\r\n",  # around the value
    ]


def _chunked_probes(byte: int) -> list[bytes]:
    b = bytes([byte])
    return [
        b + b"\r\nabc\r\n0\r\n\r\n",  # chunk-size
        b"1" + b + b"\r\n" + b"x" * 40 + b"\r\n0\r\n\r\n",  # second size digit
        b"3;a" + b + b"b=c\r\nabc\r\n0\r\n\r\n",  # chunk-ext-name
        b"3;a=" + b + b"\r\nabc\r\n0\r\n\r\n",  # chunk-ext-val token
        b'3;a="x' + b + b'"\r\nabc\r\n0\r\n\r\n',  # qdtext
        b'3;a="x\\' + b + b'"\r\nabc\r\n0\r\n\r\n',  # quoted-pair
        b"3" + b + b";a\r\nabc\r\n0\r\n\r\n",  # BWS before ";"
        b"3\r\nabc" + b + b"\r\n0\r\n\r\n",  # after chunk-data
        b"0\r\nX" + b + b": v\r\n\r\n",  # trailer name
        b"0\r\nX: a" + b + b"b\r\n\r\n",  # trailer value
    ]


@pytest.mark.c_extension
def test_every_byte_in_every_head_position() -> None:
    c_cls = _compiled()[0]
    for byte in range(256):
        for wire in _head_probes(byte):
            for pieces in ((wire,), tuple(wire[i : i + 1] for i in range(len(wire)))):
                assert _head_outcome(c_cls, {}, pieces) == _head_outcome(_http_parser_py.HeadParser, {}, pieces), wire


@pytest.mark.c_extension
def test_every_byte_in_every_chunked_position() -> None:
    c_cls = _compiled()[1]
    for byte in range(256):
        for wire in _chunked_probes(byte):
            for pieces in ((wire,), tuple(wire[i : i + 1] for i in range(len(wire)))):
                c = drive_chunked(c_cls(), pieces)
                assert c == drive_chunked(_chunked_py.ChunkedDecoder(), pieces), wire
