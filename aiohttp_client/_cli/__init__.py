"""Layer 3: the ``aiohttp-client`` command (``_cli``) and its ``-v`` timing line (``_cli_timing``).

Empty on purpose: the entry points are ``aiohttp_client.__main__:main`` and
``python -m aiohttp_client``, which import ``._cli._cli``.  See ARCHITECTURE.md.
"""
