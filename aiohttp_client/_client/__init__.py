"""Layers 2 and 3: the request and the response, their timeouts (layer 2), and the
session with its hops, attributes, parameters and context managers (layer 3 where they
import the session's machinery; ``tests/test_layering.py`` places each module).

Empty on purpose: each module is imported by its full path (``._client._session``); the
public names are re-exported by ``aiohttp_client``.  See ARCHITECTURE.md.
"""
