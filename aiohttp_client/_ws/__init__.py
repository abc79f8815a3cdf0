"""WebSocket: the upgraded connection's byte stream to messages (``_ws_stream``, layer 2)
and the ``ws_connect`` procedure (``_ws_connect``, layer 3).

Empty on purpose: each module is imported by its full path (``._ws._ws_connect``); the
public path is ``aiohttp_client.client_ws``.  See ARCHITECTURE.md.
"""
