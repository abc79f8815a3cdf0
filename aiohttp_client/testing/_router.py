"""The router of the test transport: the routes, the record of every request, and
the origins passed through to the network.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional, Union

from yarl import URL

from ._records import RecordedRequest
from ._routes import Matching, NoRouteError, Route, UrlArg, absolute_url, origin_of, resolve
from ._websocket import MockWebSocket, WebSocketRoute

__all__ = ("MockRouter",)

_CLOSEST = 3  # routes listed in a NoRouteError


class MockRouter:
    """The routes of the test transport and the record of every request.

    Routes are tried in the order they were added; the first that matches answers.

    :ivar calls: ``list[RecordedRequest]``, every request received, matched or not.
    :ivar unmatched: ``list[RecordedRequest]``, the requests no route matched.
    :ivar errors: ``list[Exception]``, what a route raised while its answer was being
        sent (a body source, a WebSocket handler); the client then sees the
        connection drop (``ClientPayloadError`` for a body).
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.calls: list[RecordedRequest] = []
        self.unmatched: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self._passthrough: set[tuple[str, str, int]] = set()

    def add(
        self,
        method: str,
        url: UrlArg,
        *,
        query: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        match: Optional[Callable[[RecordedRequest], bool]] = None,
        name: Optional[str] = None,
    ) -> Route:
        """Add and return a route answering ``200`` with no body until told otherwise.

        :param method: the method (``"*"`` for any).
        :param url: an absolute URL (``str`` or ``URL``; scheme, host, port and path
            must be equal, ``ws``/``wss`` count as ``http``/``https``; a query in it
            must equal the request's, in any order; without one any query matches),
            or a compiled regular expression matched in full against the request's
            URL without its query.
        :param query: parameters that must be present with these values (a value may
            be a list for a repeated parameter); others may be present too.
        :param headers: fields that must be present with these values.
        :param match: ``predicate(request) -> bool`` on the :class:`RecordedRequest`
            (headers, body), tried last.
        :param name: shown in messages.
        :raises ValueError: *url* is not absolute.
        """
        route = Route(method, url, Matching(query, headers, match, name))
        self.routes.append(route)
        return route

    def get(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``GET``."""
        return self.add("GET", url, **kwargs)

    def post(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``POST``."""
        return self.add("POST", url, **kwargs)

    def put(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``PUT``."""
        return self.add("PUT", url, **kwargs)

    def patch(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``PATCH``."""
        return self.add("PATCH", url, **kwargs)

    def delete(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``DELETE``."""
        return self.add("DELETE", url, **kwargs)

    def head(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``HEAD``."""
        return self.add("HEAD", url, **kwargs)

    def options(self, url: UrlArg, **kwargs: Any) -> Route:
        """:meth:`add` for ``OPTIONS``."""
        return self.add("OPTIONS", url, **kwargs)

    def websocket(
        self,
        url: UrlArg,
        handler: Optional[Callable[[MockWebSocket], Any]] = None,
        *,
        messages: Iterable[Any] = (),
        protocol: Optional[str] = None,
        **match: Any,
    ) -> WebSocketRoute:
        """Add and return a route answering ``ws_connect`` to *url*.

        After the handshake the server end (a :class:`MockWebSocket`) sends each of
        *messages* (``str`` as TEXT, ``bytes`` as BINARY, anything else as JSON
        text), then runs ``await handler(ws)`` if given, then waits for the client
        to close.  The client's messages are recorded in ``route.sockets[i].received``.

        :param protocol: the subprotocol to accept when the client offers it.
        :param match: ``query``, ``headers``, ``match``, ``name`` as for :meth:`add`.
        """
        route = WebSocketRoute(url, handler, messages, protocol, **match)
        self.routes.append(route)
        return route

    def passthrough(self, *origins: Union[str, URL]) -> None:
        """Send requests to these origins (``"http://127.0.0.1:8080"``) to the
        network instead of the routes.  Decided per connection, when it is opened,
        so it goes by origin (scheme, host, port), never by path.
        """
        for origin in origins:
            self._passthrough.add(origin_of(absolute_url(origin)))

    def passes_through(self, url: URL) -> bool:
        """``True`` when requests to *url*'s origin go to the network."""
        return origin_of(url) in self._passthrough

    def assert_all_called(self) -> None:
        """:raises AssertionError: naming every route that answered no request."""
        idle = [route.describe() for route in self.routes if not route.calls]
        if idle:
            raise AssertionError(f"routes never called: {idle}")

    def reset(self) -> None:
        """Forget every recorded request (routes and their answers stay)."""
        self.calls.clear()
        self.unmatched.clear()
        self.errors.clear()
        for route in self.routes:
            route.reset()

    # -- answering (the transport calls these) ------------------------------------------

    def find(self, request: RecordedRequest) -> Route:
        """The first route matching *request*, which is recorded.

        :raises NoRouteError: no route matches; the message lists the closest routes.
        """
        self.calls.append(request)
        for route in self.routes:
            if not route.mismatches(request):
                request.route = route
                route.calls.append(request)
                return route
        self.unmatched.append(request)
        raise NoRouteError(self._no_route_message(request), request)

    def _no_route_message(self, request: RecordedRequest) -> str:
        lines = [f"no route matches {request.method} {request.url}"]
        ranked = sorted(self.routes, key=lambda r: (len(r.mismatches(request)), -r._similarity(request)))
        if ranked:
            lines.append("closest routes:")
            for route in ranked[:_CLOSEST]:
                lines.append(f"  {route.describe()}: " + "; ".join(route.mismatches(request)))
        else:
            lines.append("no routes are registered")
        scheme, host, port = origin_of(request.url)
        lines.append(f"add a route, or send this origin to the network: router.passthrough('{scheme}://{host}:{port}')")
        return "\n".join(lines)

    async def answer(self, request: RecordedRequest) -> Any:
        """Find the route and compute its answer for *request*: a :class:`MockResponse`
        or a route-specific object (a WebSocket script).

        :raises NoRouteError: no route matches.
        :raises RouteExhaustedError: the route's sequence is used up.
        :raises BaseException: an exception the route answers with, or its handler raised.
        """
        route = self.find(request)
        return await resolve(route._next_answer(), request)
