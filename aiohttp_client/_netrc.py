"""Credentials from a ``.netrc`` file for ``trust_env=True`` (reference:
``ClientSession`` *trust_env*): the file named by ``$NETRC``, else ``~/.netrc``.
"""

import netrc
import os
from pathlib import Path
from typing import Optional

from ._sansio._basic_auth import BasicAuth

__all__ = ("netrc_auth",)


def netrc_auth(host: str) -> Optional[BasicAuth]:
    """Basic credentials for *host* (its ``machine`` entry, else ``default``), or
    ``None`` when there is no readable, well-formed file or no entry.  Blocking
    file I/O: call it in an executor.
    """
    path = os.environ.get("NETRC") or str(Path.home() / ".netrc")
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError, RuntimeError):
        return None
    if entry is None:
        return None
    login, _account, password = entry
    try:
        return BasicAuth(login or "", password or "")
    except ValueError:
        return None
