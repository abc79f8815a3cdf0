"""aiohttp's public module path ``aiohttp.client_proto`` (issue 18).

:class:`ResponseHandler` is the asyncio protocol of one HTTP/1.1 connection, the
class a ``TCPConnector`` subclass may build when it makes connections itself by
overriding ``_wrap_create_connection`` (aiohttp-socks' ``ProxyConnector`` builds
``ResponseHandler(loop)`` over the transport it connected through its proxy, then
calls ``transport.set_protocol(handler)`` and ``handler.connection_made(transport)``).
It is this client's ``ResponseProtocol`` (``_protocols/_protocol``): the constructor
takes the event loop, positionally or as ``loop=``; the parser twins default to the
selected ones.  Its other members are this client's, not aiohttp's ``ResponseHandler``
API (a ``DataQueue`` there); the connector drives them.
"""

from ._protocols._protocol import ResponseProtocol

__all__ = ("ResponseHandler",)

#: The HTTP/1.1 connection protocol (reference: ``aiohttp.client_proto.ResponseHandler``).
ResponseHandler = ResponseProtocol
