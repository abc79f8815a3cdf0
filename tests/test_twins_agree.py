"""Differential tests: mutated, randomly split vectors fed to both twins.

Both twins must return the same outcome or raise the same class with the same message
(yarl ``test_quoting_hypothesis.py``).  Invariant on every input (h11
``fuzz/afl-server.py``): only ``http_exceptions`` classes may escape a twin; the
drivers let anything else propagate, so an ``IndexError`` or ``SystemError`` fails the
test.  The invariant is also checked on the Python twin alone, so it holds in the
pure-Python lane and on PyPy.
"""

import gzip
import sys
from collections.abc import Sequence
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _feeding import drive_chunked, drive_head, head_record  # noqa: E402
from aiohttp_client._sansio import _chunked_py, _http_parser_py, _http_reader_py  # noqa: E402
from aiohttp_client.http_exceptions import HttpProcessingError  # noqa: E402
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
    # PyPy runs hypothesis' own machinery about six times slower (47 s for one of
    # these tests there, 8 s on CPython); lanes 1 and 2 run these properties on the
    # same pure Python twins with 400 examples each, so the PyPy lane checks them
    # with 100.
    max_examples=400 if sys.implementation.name == "cpython" else 100,
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


# --- the per-connection reader: whole responses, back to back, with pauses ---

_GZ = gzip.compress(b"gzip body " * 40)
READER_WIRES = [
    CORPUS["10-field"] + CORPUS["10-chunk"],
    CORPUS["30-field-set-cookie"],
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(_GZ) + _GZ,
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(_GZ)
    + _GZ
    + b"\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
]


class _RecordingSink:
    """Records every reader event; pauses above *high* unconsumed body bytes.  With
    *target*, ``on_head`` returns the sink itself as the body's target (what the
    protocol does with the response's stream)."""

    def __init__(self, high: int, target: bool = False) -> None:
        self.target = target
        self.events: list[Any] = []
        self.high = high
        self.buffered = 0
        self.reading_paused = False

    def on_head(self, head: Any, framing: Any) -> Any:
        self.events.append(("head", head_record(head), tuple(framing)))
        return self if self.target else None

    def feed_data(self, data: bytes) -> None:
        self.on_body(data)

    def feed_http_chunks(self, pieces: "list[bytes]") -> None:
        self.events.append(("chunks", tuple(pieces)))
        self.buffered += sum(map(len, pieces))
        if self.high and self.buffered > self.high:
            self.reading_paused = True

    def on_body(self, data: bytes) -> None:
        self.events.append(("body", bytes(data)))
        self.buffered += len(data)
        if self.high and self.buffered > self.high:
            self.reading_paused = True

    def on_coded_body(self, n: int) -> None:
        self.events.append(("coded", n))

    def on_chunk_end(self) -> None:
        self.events.append(("chunk_end",))

    def on_message_complete(self, trailers: Any) -> None:
        self.events.append(("complete", trailers))


def drive_reader(
    reader_cls: Any,
    parser_cls: Any,
    decoder_cls: Any,
    method: str,
    high: int,
    pieces: Any,
    lazy: bool = False,
    target: bool = False,
) -> Any:
    """Feed *pieces* (restarting on the leftover after each response, consuming and
    resuming whenever the sink paused), then EOF; return the events and the outcome.

    With *lazy*, a restart leaves the leftover to the next ``feed`` (or ``feed_eof``)
    instead of calling ``resume``."""
    sink = _RecordingSink(high, target)
    reader = reader_cls(sink, head_parser_cls=parser_cls, chunked_decoder_cls=decoder_cls)
    reader.start(method)

    def settle() -> None:
        for _ in range(10_000):  # each round consumes or ends a response
            if sink.reading_paused:
                sink.buffered = 0
                sink.reading_paused = False
                reader.resume()
            elif reader.state == _http_reader_py.DONE and reader.leftover:
                reader.start(method)  # keeps the bytes that followed the response
                if lazy:
                    return
                reader.resume()
            else:
                return
        raise AssertionError("the reader made no progress")

    try:
        for piece in pieces:
            if reader.state == _http_reader_py.DONE:
                reader.start(method)
            reader.feed(piece)
            settle()
        reader.feed_eof()
        settle()
        outcome: Any = ("ok", reader.state, reader.leftover, reader.has_partial_head)
    except HttpProcessingError as exc:
        outcome = ("error", type(exc), str(exc))
    return sink.events, outcome


@pytest.mark.c_extension
@SETTINGS
@given(
    pieces=mutated(READER_WIRES),
    method=st.sampled_from(["GET", "HEAD"]),
    high=st.sampled_from([0, 1, 64]),
    lazy=st.booleans(),
    target=st.booleans(),
)
def test_reader_twins_agree(pieces: tuple[bytes, ...], method: str, high: int, lazy: bool, target: bool) -> None:
    from aiohttp_client._sansio import _http_reader_c

    parser_c, decoder_c = _compiled()
    c = drive_reader(_http_reader_c.ResponseReader, parser_c, decoder_c, method, high, pieces, lazy, target)
    py_classes = (_http_reader_py.ResponseReader, _http_parser_py.HeadParser, _chunked_py.ChunkedDecoder)
    py = drive_reader(*py_classes, method, high, pieces, lazy, target)
    assert c == py


class _Counting:
    """Built lazily, once per part: a Python subclass of the compiled head parser or
    chunked decoder that counts its ``feed`` calls (the reader must call that Python
    ``feed``, not the compiled class's C method)."""

    classes: dict[str, Any] = {}

    @classmethod
    def get(cls, part: str) -> Any:
        if part not in cls.classes:
            parser_c, decoder_c = _compiled()
            base = parser_c if part == "parser" else decoder_c

            class Counting(base):  # type: ignore[misc, valid-type]
                calls = 0

                def feed(self, *args: Any) -> Any:
                    Counting.calls += 1
                    return super().feed(*args)

            cls.classes[part] = Counting
        return cls.classes[part]


@pytest.mark.c_extension
@SETTINGS
@given(
    pieces=mutated(READER_WIRES),
    high=st.sampled_from([0, 1, 64]),
    lazy=st.booleans(),
    target=st.booleans(),
    part=st.sampled_from(["parser", "decoder"]),
    other=st.sampled_from(["py", "subclass"]),
)
def test_compiled_reader_agrees_with_any_parser_or_decoder_class(
    pieces: tuple[bytes, ...], high: int, lazy: bool, target: bool, part: str, other: str
) -> None:
    """The compiled reader calls the compiled head parser's and chunked decoder's C
    methods directly; with any other class for either (the Python twin, a subclass) it
    calls that class's ``feed`` and gives the same events and outcome."""
    from aiohttp_client._sansio import _http_reader_c

    parser_c, decoder_c = _compiled()
    twin = _http_parser_py.HeadParser if part == "parser" else _chunked_py.ChunkedDecoder
    swapped = twin if other == "py" else _Counting.get(part)
    classes = (swapped, decoder_c) if part == "parser" else (parser_c, swapped)
    direct = drive_reader(_http_reader_c.ResponseReader, parser_c, decoder_c, "GET", high, pieces, lazy, target)
    before = _Counting.get(part).calls
    through_feed = drive_reader(_http_reader_c.ResponseReader, *classes, "GET", high, pieces, lazy, target)
    assert through_feed == direct
    if other == "subclass":
        if part == "parser" and any(pieces):
            assert _Counting.get(part).calls > before  # the head bytes went through feed()
        events = direct[0]
        # A chunked head with an event after it: body bytes reached the decoder (a
        # chunked head at the very end of the input leaves the decoder unfed).
        fed = any(e[0] == "head" and e[2][0] == 2 and i + 1 < len(events) for i, e in enumerate(events))
        if part == "decoder" and fed:
            assert _Counting.get(part).calls > before  # a chunked body went through feed()


@SETTINGS
@given(pieces=mutated(READER_WIRES), high=st.sampled_from([0, 64]))
def test_reader_only_protocol_errors_escape(
    response_reader_cls: Any, head_parser_cls: Any, chunked_decoder_cls: Any, pieces: tuple[bytes, ...], high: int
) -> None:
    _events, outcome = drive_reader(response_reader_cls, head_parser_cls, chunked_decoder_cls, "GET", high, pieces)
    assert outcome[0] in ("ok", "error")


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


# obs-fold (RFC 9112 §5.2): heads and trailer sections built from field lines and
# continuation lines, the compiled twins' slow path (issue 15 item 9).
_FOLD_NAMES = [b"X-A", b"Y", b"Transfer-Encoding", b"content-length", b"X-" + b"n" * 40, b"X(a)"]
_FOLD_BYTES = [b" ", b"\t", b"a", b"\xc3\xa9", b"\r", b"\x00", b":", b","]


@st.composite
def folded_lines(draw: Callable[..., Any]) -> bytes:
    """Field lines, some continued by lines that start with SP or HTAB (or the first
    line starting with whitespace), each ended by CRLF or LF."""
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):  # a continuation (or, first, whitespace before a field)
            lead = draw(st.sampled_from([b" ", b"\t", b"  \t"]))
            lines.append(lead + b"".join(draw(st.lists(st.sampled_from(_FOLD_BYTES), max_size=6))))
        else:
            value = b"".join(draw(st.lists(st.sampled_from(_FOLD_BYTES), max_size=6)))
            lines.append(draw(st.sampled_from(_FOLD_NAMES)) + b":" + value)
    return b"".join(line + draw(st.sampled_from([b"\r\n", b"\n"])) for line in lines)


def _split(draw: Callable[..., Any], data: bytes) -> tuple[bytes, ...]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    bounds = [0, *cuts, len(data)]
    return tuple(data[a:b] for a, b in zip(bounds, bounds[1:]))


@pytest.mark.c_extension
@SETTINGS
@given(data=st.data(), limits=st.sampled_from([{}, {"max_field_size": 16, "max_headers": 3}]))
def test_obs_fold_twins_agree(data: Any, limits: Any) -> None:
    lines = data.draw(folded_lines())
    head_cls, chunked_cls = _compiled()
    pieces = _split(data.draw, b"HTTP/1.1 200 OK\r\n" + lines + b"\r\nbody")
    assert _head_outcome(head_cls, limits, pieces) == _head_outcome(_http_parser_py.HeadParser, limits, pieces)
    pieces = _split(data.draw, b"0\r\n" + lines + b"\r\nnext")
    c = drive_chunked(chunked_cls(**limits), pieces)
    assert c == drive_chunked(_chunked_py.ChunkedDecoder(**limits), pieces)


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
        b"HTTP/1.1 200 OK\r\nX: a\r\n" + b + b"b\r\n\r\n",  # continuation start (obs-fold?)
        b"HTTP/1.1 200 OK\r\nX: a\r\n b" + b + b"\r\nY: c\r\n\r\n",  # continuation value
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
        b"0\r\nX: a\r\n" + b + b"b\r\n\r\n",  # trailer continuation start
        b"0\r\nX: a\r\n b" + b + b"\r\nY: c\r\n\r\n",  # trailer continuation value
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
