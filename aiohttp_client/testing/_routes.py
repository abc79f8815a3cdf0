"""Routes of the test transport: which answer a request gets.

A :class:`Route` matches on method, URL (exact, or a compiled regular expression),
query, header fields and an optional predicate; it answers with one response for
every call (:meth:`Route.respond`) or one per call in order (:meth:`Route.sequence`).
An answer is a :class:`MockResponse`, a status code, an exception to raise, or a
handler (sync or async) computing one of those from the :class:`RecordedRequest`.
The :class:`MockRouter` records every request, matched or not, and fails an
unmatched request with :exc:`NoRouteError`, which names the closest routes.
"""

import difflib
import inspect
import re
from collections.abc import Mapping
from typing import Any, Callable, NamedTuple, Optional, Protocol, Union

from multidict import MultiDictProxy
from yarl import URL

from ._records import MockResponse, RecordedRequest

__all__ = ("Answer", "Matching", "NoRouteError", "Route", "RouteExhaustedError", "origin_of", "absolute_url", "resolve")


class Serving(Protocol):
    """An answer that serves the connection itself (a WebSocket route's handshake)."""

    async def serve(self, conn: Any, request: RecordedRequest) -> None:
        """Send the answer on *conn* (the ``MockConnection``)."""


#: What a route answers: a response, a status code, an exception (raised in the
#: request's caller), or ``handler(request)`` returning (or awaiting) one of them.
Answer = Union[MockResponse, int, BaseException, type, Callable[[RecordedRequest], Any], Serving]
UrlArg = Union[str, URL, "re.Pattern[str]"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_WS_SCHEMES = {"ws": "http", "wss": "https"}


class NoRouteError(AssertionError):
    """No route matches a request, and its origin is not passed through.

    An ``AssertionError``: it is not a :exc:`~aiohttp_client.ClientError`, so code under
    test that handles client errors does not swallow it.

    :ivar request: the :class:`RecordedRequest`.
    """

    def __init__(self, message: str, request: RecordedRequest) -> None:
        super().__init__(message)
        self.request = request


class RouteExhaustedError(AssertionError):
    """A route given a :meth:`~Route.sequence` was called more times than it has answers."""


def origin_of(url: URL) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of *url*, ``ws``/``wss`` counted as ``http``/``https``."""
    scheme = _WS_SCHEMES.get(url.scheme, url.scheme)
    return scheme, (url.host or "").lower(), url.port or _DEFAULT_PORTS.get(scheme, 0)


def absolute_url(url: Union[str, URL]) -> URL:
    """*url* as a ``URL``.

    :raises ValueError: it has no scheme or host.
    """
    url = URL(url)
    if not url.absolute or not url.host:
        raise ValueError(f"a route's URL must be absolute (scheme and host): {str(url)!r}")
    return url


class Matching(NamedTuple):
    """What a route matches besides its method and URL: the keywords of
    :meth:`MockRouter.add` (see there), as one record.
    """

    query: Optional[Mapping[str, Any]] = None
    headers: Optional[Mapping[str, str]] = None
    match: Optional[Callable[[RecordedRequest], bool]] = None
    name: Optional[str] = None


_ANYTHING = Matching()


class Route:
    """One route: what it matches, what it answers, and the requests it answered.

    Made by :meth:`MockRouter.add` (or its ``get``/``post``/... shortcuts); see there
    for the matching parameters, which reach it as one :class:`Matching`.

    :ivar calls: ``list[RecordedRequest]``, the requests this route answered, in order.
    """

    def __init__(self, method: str, url: UrlArg, matching: Matching = _ANYTHING) -> None:
        query, headers, match, name = matching
        self.method = method.upper()
        self._pattern = url if isinstance(url, re.Pattern) else None
        self._url = None if self._pattern is not None else absolute_url(url)  # type: ignore[arg-type]
        self._query = query
        self._headers = dict(headers or {})
        self._predicate = match
        self.name = name
        self.calls: list[RecordedRequest] = []
        self._answers: list[Answer] = []
        self._strict = False  # a sequence: one answer per call, no more

    def __repr__(self) -> str:
        return f"<Route {self.describe()}>"

    def describe(self) -> str:
        """``METHOD url`` (and the route's name) as a ``str``."""
        target = self._pattern.pattern if self._pattern is not None else str(self._url)
        text = f"{self.method} {target}"
        return f"{text} ({self.name!r})" if self.name else text

    # -- answers ---------------------------------------------------------------------

    def respond(self, answer: Answer = 200, **response: Any) -> "Route":
        """Answer every call with *answer* (a :class:`MockResponse`, a status code, an
        exception, or a handler ``(request) -> answer``, sync or async); keyword
        arguments build a :class:`MockResponse` with *answer* as its status.
        Returns the route (chainable).
        """
        if response:
            answer = MockResponse(answer, **response)  # type: ignore[arg-type]
        self._answers, self._strict = [answer], False
        return self

    def sequence(self, *answers: Answer) -> "Route":
        """Answer the first call with the first of *answers*, the second with the
        second, ...; a call after the last raises :exc:`RouteExhaustedError`.
        Returns the route.
        """
        self._answers, self._strict = list(answers), True
        return self

    def _next_answer(self) -> Answer:
        if not self._strict:
            return self._answers[0] if self._answers else 200
        index = len(self.calls) - 1
        if index >= len(self._answers):
            raise RouteExhaustedError(
                f"route {self.describe()} was called {index + 1} times; its sequence has {len(self._answers)} answers"
            )
        return self._answers[index]

    # -- matching --------------------------------------------------------------------

    def mismatches(self, request: RecordedRequest) -> list[str]:
        """Why *request* does not match (``[]``: it matches), one phrase per reason."""
        reasons = []
        if self.method not in ("*", request.method):
            reasons.append(f"method is {request.method}, route wants {self.method}")
        reasons.extend(self._url_mismatches(request.url))
        for name, value in self._headers.items():
            got = request.headers.getall(name, [])
            if value not in got:
                reasons.append(f"header {name} is {got or 'absent'}, route wants {value!r}")
        if not reasons and self._predicate is not None and not self._predicate(request):
            reasons.append("the route's match predicate returned false")
        return reasons

    def _url_mismatches(self, url: URL) -> list[str]:
        if self._pattern is not None:
            plain = str(url.with_query(None).with_fragment(None))
            return [] if self._pattern.fullmatch(plain) else [f"URL {plain} does not match {self._pattern.pattern!r}"]
        want: URL = self._url  # type: ignore[assignment]
        reasons = []
        if origin_of(url) != origin_of(want):
            reasons.append(f"origin is {url.origin()}, route wants {want.origin()}")
        if (url.path or "/") != (want.path or "/"):
            reasons.append(f"path is {url.path}, route wants {want.path}")
        if want.query_string:
            if sorted(url.query.items()) != sorted(want.query.items()):
                reasons.append(f"query is {url.query_string!r}, route wants {want.query_string!r}")
        if self._query is not None:
            reasons.extend(_query_mismatches(url.query, self._query))
        return reasons

    def _similarity(self, request: RecordedRequest) -> float:
        target = self._pattern.pattern if self._pattern is not None else str(self._url)
        return difflib.SequenceMatcher(None, f"{self.method} {target}", f"{request.method} {request.url}").ratio()

    # -- assertions ------------------------------------------------------------------

    @property
    def call_count(self) -> int:
        """How many requests this route answered (``int``)."""
        return len(self.calls)

    @property
    def called(self) -> bool:
        """``True`` once the route answered a request."""
        return bool(self.calls)

    @property
    def last_call(self) -> Optional[RecordedRequest]:
        """The latest request answered, or ``None``."""
        return self.calls[-1] if self.calls else None

    def assert_not_called(self) -> None:
        """:raises AssertionError: the route answered a request."""
        if self.calls:
            raise AssertionError(f"route {self.describe()} was called {len(self.calls)} times: {self.calls}")

    def assert_called_once(self) -> RecordedRequest:
        """Return the one request answered.

        :raises AssertionError: the route answered no request, or several.
        """
        if len(self.calls) != 1:
            raise AssertionError(f"route {self.describe()} was called {len(self.calls)} times, not once: {self.calls}")
        return self.calls[0]

    def assert_called_once_with(self, **expected: Any) -> RecordedRequest:
        """Like :meth:`assert_called_once`, and the request has each of *expected*:
        ``method``, ``url`` (``str`` or ``URL``), ``body`` (``bytes``), ``text``,
        ``json`` (the parsed body), ``headers`` (a mapping: each field present with
        that value), ``query`` (a mapping: each parameter present with that value).

        :raises AssertionError: naming each difference.
        :raises TypeError: an unknown keyword.
        """
        call = self.assert_called_once()
        problems = _differences(call, expected)
        if problems:
            raise AssertionError(f"route {self.describe()} was called with {call!r}: " + "; ".join(problems))
        return call

    def reset(self) -> None:
        """Forget the recorded calls (the answers stay)."""
        self.calls.clear()


def _query_mismatches(query: "MultiDictProxy[str]", wanted: Mapping[str, Any]) -> list[str]:
    reasons = []
    for key, value in wanted.items():
        values = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        if query.getall(key, []) != values:
            reasons.append(f"query {key} is {query.getall(key, []) or 'absent'}, route wants {values}")
    return reasons


def _differences(call: RecordedRequest, expected: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key, want in expected.items():
        if key == "method":
            got: Any = call.method
            want = str(want).upper()
        elif key == "url":
            got, want = call.url, URL(want)
        elif key in ("body", "text"):
            got = getattr(call, key)
        elif key == "json":
            try:
                got = call.json()
            except ValueError as exc:
                got = f"<not JSON: {exc}>"
        elif key == "headers":
            problems.extend(
                f"header {name} is {call.headers.getall(name, []) or 'absent'}, expected {value!r}"
                for name, value in want.items()
                if value not in call.headers.getall(name, [])
            )
            continue
        elif key == "query":
            problems.extend(_query_mismatches(call.url.query, want))
            continue
        else:
            raise TypeError(f"assert_called_once_with() got an unexpected keyword {key!r}")
        if got != want:
            problems.append(f"{key} is {got!r}, expected {want!r}")
    return problems


async def resolve(answer: Any, request: RecordedRequest) -> Any:
    """An answer turned into what is sent: a handler is called (awaited when it
    returns an awaitable) and its result taken as the answer, an exception raised,
    a status code made a :class:`MockResponse`.

    :raises TypeError: a handler returned another handler.
    """
    if callable(answer) and not isinstance(answer, type):
        answer = answer(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if callable(answer) and not isinstance(answer, type):
            raise TypeError(f"a route handler returned {answer!r}, not a response, a status or an exception")
    if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
        raise answer
    if isinstance(answer, int) and not isinstance(answer, bool):
        return MockResponse(answer)
    return answer
