"""Each twin driven from several threads at once on the same inputs gives what one
thread gives (issue 21: the groundwork for free-threaded CPython).

Every thread builds its own parser/decoder/reader (an instance is per connection and
never shared), but all of them read the same input ``bytes`` and share whatever state
a twin keeps at module level: the compiled head parser's field-name cache and its
shared ``(None, n)`` results, the mask's CPU probe.  The field names below outnumber
the name cache's slots, so the threads keep evicting each other's entries.

On the GIL build the switch interval is lowered while the threads run, so they
interleave inside a feed as often as the interpreter allows; on a free-threaded build
they run truly in parallel.  Bounded: 4 threads x 2 rounds, every wait with a timeout.
"""

import random
import sys
import threading
from collections.abc import Sequence
from typing import Any, Callable

import pytest

from _feeding import drive_chunked, drive_head, head_record, random_pieces
from test_twins_agree import READER_WIRES, drive_reader
from test_ws_framing import drive_ws
from vectors import CORPUS, split_response, ws_frames, ws_mask
from vectors import chunked as chunked_vectors
from vectors import http_response as head_vectors

THREADS = 4
ROUNDS = 2
JOIN_TIMEOUT = 100.0  # seconds for all threads; pytest's own timeout is 120

# 40 heads x 40 distinct field names: 1,600 names for the 1,024 cache slots.
MANY_NAMES = [
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-T%d-Field-%d: v%d\r\n" % (h, f, f) for f in range(40)) + b"\r\n"
    for h in range(40)
]
HEADS = [(c.wire, c.limits) for c in head_vectors.CASES] + [
    (wire, {}) for wire in [split_response(CORPUS["30-field-set-cookie"])[0], *MANY_NAMES]
]


def splits(wire: bytes, seed: int) -> list[tuple[bytes, ...]]:
    """The whole wire, a seeded random split and, for short wires, byte by byte."""
    plans = [(wire,), random_pieces(wire, random.Random(seed))]
    if len(wire) <= 256:
        plans.append(tuple(wire[i : i + 1] for i in range(len(wire))))
    return plans


def heads(twin: Any) -> list[Any]:
    cls = twin.module("_http_parser").HeadParser
    out: list[Any] = []
    for seed, (wire, limits) in enumerate(HEADS):
        for pieces in splits(wire, seed):
            outcome = drive_head(cls(**limits), pieces)
            out.append(("head", head_record(outcome[1]), outcome[2]) if outcome[0] == "head" else outcome)
    return out


def chunked(twin: Any) -> list[Any]:
    cls = twin.module("_chunked").ChunkedDecoder
    cases = [(c.wire, c.limits) for c in chunked_vectors.CASES] + [(chunked_vectors.BODY_CORPUS["10-chunk"], {})]
    return [
        drive_chunked(cls(**limits), pieces)
        for seed, (wire, limits) in enumerate(cases)
        for pieces in splits(wire, seed)
    ]


def reader(twin: Any) -> list[Any]:
    classes = (
        twin.module("_http_reader").ResponseReader,
        twin.module("_http_parser").HeadParser,
        twin.module("_chunked").ChunkedDecoder,
    )
    return [
        drive_reader(*classes, "GET", 64, pieces)
        for seed, wire in enumerate(READER_WIRES)
        for pieces in splits(wire, seed)[:2]
    ]


def ws_reader(twin: Any) -> list[Any]:
    cls = twin.module("_ws_reader").WebSocketReader
    cases = [c for c in ws_frames.CASES if len(c.wire) < 1 << 16]
    return [drive_ws(cls(**c.options), pieces) for seed, c in enumerate(cases) for pieces in splits(c.wire, seed)[:2]]


MASK_INPUTS = [(key, bytes(random.Random(size).randrange(256) for _ in range(size))) for key, size in [
    (b"\x37\xfa\x21\x3d", 5), (b"\x01\x02\x03\x04", 255), (b"\xff\x00\xff\x00", 300), (b"\xa5\x5a\x0f\xf0", 4099)
]]  # fmt: skip


def mask(twin: Any) -> list[Any]:
    websocket_mask = twin.module("_ws_mask").websocket_mask
    out: list[Any] = []
    for key, data in MASK_INPUTS:
        buf = bytearray(data)  # this thread's own buffer over the shared input
        websocket_mask(key, buf)
        out.append(bytes(buf))
    return out


WORKLOADS: dict[str, Callable[[Any], list[Any]]] = {
    "head_parser": heads,
    "chunked": chunked,
    "response_reader": reader,
    "ws_reader": ws_reader,
    "ws_mask": mask,
}


def run_in_threads(work: Callable[[], Any]) -> Sequence[Sequence[Any]]:
    """``ROUNDS`` results of *work* from each of ``THREADS`` threads started together."""
    barrier = threading.Barrier(THREADS, timeout=30)
    results: list[list[Any]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                results[index].append(work())
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
    finally:
        sys.setswitchinterval(interval)
    assert not [t for t in threads if t.is_alive()], "a thread did not finish in time"
    assert not errors, errors
    return results


@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_twin_from_threads(twin: Any, workload: str) -> None:
    expected = WORKLOADS[workload](twin)
    assert len(expected) >= 4 and len({repr(o) for o in expected}) > 1  # a real, varied workload
    results = run_in_threads(lambda: WORKLOADS[workload](twin))
    for index, rounds in enumerate(results):
        assert len(rounds) == ROUNDS
        for outcome in rounds:
            mismatches = [i for i, (a, b) in enumerate(zip(outcome, expected)) if a != b]
            assert len(outcome) == len(expected) and not mismatches, (index, mismatches[:5])


def test_mask_inputs_are_checked_against_the_oracle(twin: Any) -> None:
    assert mask(twin) == [ws_mask.oracle(key, data) for key, data in MASK_INPUTS]
