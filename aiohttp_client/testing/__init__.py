"""A test transport: requests answered in-process by routes, through the client's real
response path (aiohttp_client addition; aiohttp leaves it to add-ons).

::

    router = MockRouter()
    router.get("https://api.example/users/1").respond(json={"id": 1})
    async with ClientSession(connector=MockConnector(router)) as session:
        async with session.get("https://api.example/users/1") as resp:
            print(await resp.json())  # {'id': 1}
    router.routes[0].assert_called_once()

The page ``docs/testing.md`` describes it; the pytest fixture ``mock_router`` is in
the plugin module ``pytest_aiohttp_client`` (beside the package, so that pytest loads
it without importing the client).
"""

from ._records import MockResponse, RecordedRequest
from ._router import MockRouter
from ._routes import NoRouteError, Route, RouteExhaustedError
from ._transport import MockConnector, mock_network
from ._websocket import MockWebSocket, WebSocketRoute

__all__ = (
    "MockConnector",
    "MockResponse",
    "MockRouter",
    "MockWebSocket",
    "NoRouteError",
    "RecordedRequest",
    "Route",
    "RouteExhaustedError",
    "WebSocketRoute",
    "mock_network",
)
