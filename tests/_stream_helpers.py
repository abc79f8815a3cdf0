"""Shared helpers of the StreamReader tests: a protocol that records pause/resume, and
aiohttp's StreamReader module as the differential oracle (None where it is not installed)."""

import asyncio
from typing import TypeVar

import pytest

from aiohttp_client.streams import StreamReader

try:
    import aiohttp.streams as aio_streams
except ImportError:  # pragma: no cover - e.g. on PyPy
    aio_streams = None  # type: ignore[assignment]

# The oracle is aiohttp 3.14 (the API we copy); conftest deselects these tests where it
# cannot be installed (PyPy 3.9 gets aiohttp 3.13), so they run in the CPython lanes.
needs_aiohttp = pytest.mark.aiohttp_oracle

T = TypeVar("T")


class FakeProtocol:
    """Records pause/resume calls; tracks the paused state like a real protocol."""

    connected = True  # read by aiohttp's StreamReader

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.paused = False

    @property
    def _reading_paused(self) -> bool:
        return self.paused

    def pause_reading(self) -> None:
        self.calls.append("pause")
        self.paused = True

    def resume_reading(self, resume_parser: bool = True) -> None:
        self.calls.append("resume")
        self.paused = False


def make(limit: int = 2**16) -> tuple[StreamReader, FakeProtocol]:
    proto = FakeProtocol()
    return StreamReader(proto, limit, loop=asyncio.get_running_loop()), proto


def fresh(data: bytes) -> bytes:
    """A new bytes object equal to *data* (so identity checks are meaningful)."""
    return bytes(bytearray(data))


async def spin(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)
