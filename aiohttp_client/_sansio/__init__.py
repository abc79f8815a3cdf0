"""Layer 1, the sans-IO core: bytes in, events or bytes out; no asyncio, socket or ssl.

Every module here imports only its siblings and layer 0 (``_ext``,
``_models``, ``http_exceptions``, ``hdrs``, ``typedefs``); ``tests/test_layering.py``
enforces it.  The compiled twins build from ``_cparser/`` into this package
(``aiohttp_client._sansio._http_parser_c``, ...).  See ARCHITECTURE.md.
"""
