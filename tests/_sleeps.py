"""``Sleeps``: an injected ``sleep`` for ``RetryMiddleware`` and ``EventSource`` tests.
It records each delay it was asked for (seconds) and yields to the loop once, so the
tests assert the waits without timing anything."""

from __future__ import annotations

import asyncio

__all__ = ("Sleeps",)


class Sleeps:
    """``await sleeps(delay)`` records *delay* in :attr:`delays`."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)
