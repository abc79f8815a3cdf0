"""What ``session.get()`` and ``aiohttp_client.request()`` return: awaitables that are
also async context managers releasing the response (and, for ``request()``, closing
its one-shot session) on exit.
"""

from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import Any, Generic, Optional, Protocol, TypeVar

from ._client_response import ClientResponse


class _Closable(Protocol):
    """The one-shot session that ``request()`` closes on exit (a ``ClientSession``;
    named by this protocol so this module does not import the session's).
    """

    async def close(self) -> None:
        """Close the session and its connector."""


__all__ = ("_AwaitableContext", "_RequestContextManager", "_SessionRequestContextManager")

_T = TypeVar("_T")
_STOCK_AENTER = ClientResponse.__aenter__
_STOCK_WAIT_FOR_CLOSE = ClientResponse.wait_for_close


class _AwaitableContext(Generic[_T]):
    """A coroutine's result, by ``await`` (and the coroutine protocol); subclasses add
    ``async with``, keeping the result in ``_resp``.
    """

    __slots__ = ("_coro", "_resp")

    def __init__(self, coro: Coroutine[Any, Any, _T]) -> None:
        self._coro = coro
        self._resp: Optional[_T] = None

    def __await__(self) -> Generator[Any, None, _T]:
        return self._coro.__await__()

    def send(self, arg: None) -> Any:
        return self._coro.send(arg)

    def throw(self, *args: Any) -> Any:
        return self._coro.throw(*args)

    def close(self) -> None:
        self._coro.close()


class _RequestContextManager(_AwaitableContext[ClientResponse]):
    """What ``session.get()`` and friends return: ``await`` it for the response, or
    use ``async with`` to release the response on exit.
    """

    __slots__ = ()

    async def __aenter__(self) -> ClientResponse:
        resp = self._resp = await self._coro
        if type(resp).__aenter__ is _STOCK_AENTER:  # what it does, without a coroutine
            resp._in_context = True
            return resp
        return await resp.__aenter__()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        resp = self._resp
        if resp is not None:
            resp.release()
            if type(resp).wait_for_close is not _STOCK_WAIT_FOR_CLOSE:  # the stock one releases again
                await resp.wait_for_close()


class _SessionRequestContextManager:
    """``aiohttp_client.request()``: a one-shot session closed with the response."""

    __slots__ = ("_coro", "_resp", "_session")

    def __init__(self, coro: Coroutine[Any, Any, ClientResponse], session: _Closable) -> None:
        self._coro = coro
        self._resp: Optional[ClientResponse] = None
        self._session = session

    async def __aenter__(self) -> ClientResponse:
        try:
            self._resp = await self._coro
        except BaseException:
            await self._session.close()
            raise
        return await self._resp.__aenter__()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if self._resp is not None:
            self._resp.release()
        await self._session.close()
