"""Layer 2: bodies in both directions (the payload base, the response ``StreamReader``
with its buffer and base, ``DataQueue``, the multipart reader, the upload tracker).

Empty on purpose: each module is imported by its full path (``._body._stream_reader``);
the public paths are ``aiohttp_client.streams``, ``.payload`` and ``.multipart``.
See ARCHITECTURE.md.
"""
