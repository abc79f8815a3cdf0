"""Layer 2: making and lending connections (the pooled ``Connection``, connector parameters,
TLS, proxies from the environment, the CONNECT tunnel).

Empty on purpose: each module is imported by its full path (``._net._tls``); the public
paths are ``aiohttp_client.connector`` and ``aiohttp_client.resolver``.  See ARCHITECTURE.md.
"""
