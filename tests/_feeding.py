"""Split strategies and drivers: feed a vector to a twin however it is split.

A *plan* is one way to deliver a vector: a list of pieces, the ``start`` offset in the
first piece, and ``extra`` bytes appended after the vector that must come back as
leftover (h11 ``tr()``, wsproto ``_split_frame_test``).  The strategies:

- ``whole``: one piece;
- ``bytewise``: one byte at a time;
- ``two-way``: every two-way split (inputs over 300 bytes get 64 evenly spread cuts);
- ``random``: seeded random splits (5 seeds, up to 16 cuts each);
- ``garbage``: the vector followed by trailing bytes, which must be left over;
- ``offset``: the vector behind a junk prefix, fed with ``start`` past it.

The drivers return a comparable *outcome* tuple and let every exception that is not an
``HttpProcessingError`` propagate: anything else escaping a twin is a bug.
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp_client.http_exceptions import HttpProcessingError

__all__ = (
    "GARBAGE",
    "STRATEGIES",
    "Plan",
    "drive_chunked",
    "drive_head",
    "plans",
    "random_pieces",
)

#: Trailing bytes for the ``garbage`` strategy.  No LF, so they can never complete a
#: line of an incomplete or failing vector and change its meaning.
GARBAGE = b"GARBAGE \x00\xff\r trailing"
_PREFIX = b"\r\n junk before start \x00"
STRATEGIES = ("whole", "bytewise", "two-way", "random", "garbage", "offset")
_TWO_WAY_ALL = 300
_TWO_WAY_SAMPLES = 64
_RANDOM_SEEDS = 5
_RANDOM_CUTS = 16

Outcome = tuple[Any, ...]


@dataclass(frozen=True)
class Plan:
    pieces: tuple[bytes, ...]
    start: int = 0
    extra: bytes = b""


def random_pieces(wire: bytes, rng: random.Random, max_cuts: int = _RANDOM_CUTS) -> tuple[bytes, ...]:
    """Split *wire* at up to *max_cuts* random offsets (pieces may be empty)."""
    cuts = sorted(rng.randint(0, len(wire)) for _ in range(rng.randint(1, max_cuts)))
    bounds = [0, *cuts, len(wire)]
    return tuple(wire[a:b] for a, b in zip(bounds, bounds[1:]))


def applicable(strategy: str, completes: bool) -> bool:
    """``garbage`` needs a vector whose outcome cannot depend on later bytes."""
    return strategy != "garbage" or completes


def plans(strategy: str, wire: bytes) -> Iterator[Plan]:
    if strategy == "whole":
        yield Plan((wire,))
    elif strategy == "bytewise":
        yield Plan(tuple(wire[i : i + 1] for i in range(len(wire))))
    elif strategy == "two-way":
        if len(wire) <= _TWO_WAY_ALL:
            cuts: Sequence[int] = range(len(wire) + 1)
        else:
            cuts = sorted({len(wire) * k // _TWO_WAY_SAMPLES for k in range(_TWO_WAY_SAMPLES + 1)})
        for cut in cuts:
            yield Plan((wire[:cut], wire[cut:]))
    elif strategy == "random":
        for seed in range(_RANDOM_SEEDS):
            yield Plan(random_pieces(wire, random.Random(seed)))
    elif strategy == "garbage":
        yield Plan((wire + GARBAGE,), extra=GARBAGE)
        yield Plan((wire, GARBAGE), extra=GARBAGE)
    elif strategy == "offset":
        yield Plan((_PREFIX + wire,), start=len(_PREFIX))
    else:  # pragma: no cover - a typo in a test
        raise ValueError(strategy)


def _error(exc: HttpProcessingError) -> Outcome:
    return ("error", type(exc), str(exc))


def head_record(head: Any) -> tuple[Any, ...]:
    """A ``ResponseHead`` as plain, comparable data (types are checked by the tests)."""
    version, status, reason, headers, raw = head
    return (tuple(version), status, reason, tuple(raw), tuple(headers.items()))


def drive_head(parser: Any, pieces: Sequence[bytes], start: int = 0) -> Outcome:
    """Feed *pieces* to a ``HeadParser``.

    Returns ``("head", head, leftover)`` with the ``ResponseHead`` itself, ``("incomplete",
    pending)`` or ``("error", class, message)``.
    """
    try:
        for index, piece in enumerate(pieces):
            offset = start if index == 0 else 0
            head, end = parser.feed(piece, offset)
            if head is None:
                assert end == len(piece), (end, len(piece))
                continue
            assert offset <= end <= len(piece), (offset, end, len(piece))
            return ("head", head, piece[end:] + b"".join(pieces[index + 1 :]))
        return ("incomplete", parser.pending)
    except HttpProcessingError as exc:
        return _error(exc)


def _chunk_sizes(out: list[bytes]) -> tuple[int, ...]:
    sizes = []
    size = 0
    for piece in out:
        if piece:
            size += len(piece)
        else:
            sizes.append(size)
            size = 0
    return tuple(sizes)


def drive_chunked(decoder: Any, pieces: Sequence[bytes], start: int = 0) -> Outcome:
    """Feed *pieces* to a ``ChunkedDecoder``, calling again after a ``max_pieces`` stop.

    Returns ``("done", data, chunk sizes, trailers, leftover)``, ``("incomplete", data,
    chunk sizes)`` or ``("error", class, message)``.  Checks on the way: every item is
    ``bytes``, no call appends more than ``max_pieces``
    items, and a call that stops early has consumed something.
    """
    out: list[bytes] = []
    try:
        for index, piece in enumerate(pieces):
            pos = start if index == 0 else 0
            for _ in range(len(piece) + 2):  # each early stop consumes >= 1 byte
                got: list[bytes] = []
                new = decoder.feed(piece, pos, got)
                assert len(got) <= decoder.max_pieces, (len(got), decoder.max_pieces)
                assert all(type(item) is bytes for item in got), [type(item) for item in got]
                out.extend(got)
                if decoder.done:
                    assert pos <= new <= len(piece), (pos, new, len(piece))
                    leftover = piece[new:] + b"".join(pieces[index + 1 :])
                    return ("done", b"".join(out), _chunk_sizes(out), decoder.trailers, leftover)
                if new == len(piece):
                    break
                assert pos < new < len(piece) and len(got) == decoder.max_pieces, (pos, new, len(got))
                pos = new
            else:  # pragma: no cover - the assertion above fires first
                raise AssertionError("ChunkedDecoder.feed made no progress")
        return ("incomplete", b"".join(out), _chunk_sizes(out))
    except HttpProcessingError as exc:
        return _error(exc)
