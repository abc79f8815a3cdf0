"""Layer 2: what is spoken on one connection (the HTTP/1.1 response protocol, the body writer).

Empty on purpose: each module is imported by its full path (``._protocols._protocol``).
See ARCHITECTURE.md.
"""
