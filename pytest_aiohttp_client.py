"""The pytest plugin of :mod:`aiohttp_client.testing` (entry point ``pytest11``).

It defines one fixture, ``mock_router``, and no hooks: loading it changes no other
test.  It is a module of its own, outside the ``aiohttp_client`` package, so that
loading it imports nothing but pytest: every pytest run in an environment where
``aiohttp_client`` is installed loads it, and importing the client (about 0.3 s) is
left to the tests that ask for the fixture.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from aiohttp_client.testing import MockRouter

__all__ = ("mock_router",)


@pytest.fixture
def mock_router() -> "Iterator[MockRouter]":
    """A :class:`~aiohttp_client.testing.MockRouter` that every session of the test
    uses (:func:`~aiohttp_client.testing.mock_network` is active for the test).

    At teardown, a request that matched no route fails the test even when the code
    under test caught the :exc:`~aiohttp_client.testing.NoRouteError`, and so does
    an exception a route raised while sending its answer (``router.errors``).
    """
    from aiohttp_client.testing import MockRouter, mock_network

    router = MockRouter()
    with mock_network(router):
        yield router
    if router.unmatched:
        pytest.fail(f"requests matched no route: {router.unmatched}", pytrace=False)
    if router.errors:
        pytest.fail(f"routes raised while answering: {router.errors!r}", pytrace=False)
