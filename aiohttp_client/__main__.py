"""``python -m aiohttp_client`` and the ``aiohttp-client`` console script (see ``_cli/_cli.py``)."""

import sys

from ._cli._cli import main

__all__ = ("main",)

if __name__ == "__main__":
    sys.exit(main())
