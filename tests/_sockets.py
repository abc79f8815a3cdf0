"""Counting this process's client sockets to a port, for "no socket left open" checks.

Counting every file descriptor (``/proc/self/fd``) is not exact under pytest-xdist:
servers of other tests run in threads of the same process and open and close their
own meanwhile.  These count only TCP sockets whose *remote* port is the given one.
"""

from __future__ import annotations

import asyncio
import os

__all__ = ("sockets_settle", "sockets_to")


def sockets_to(*ports: int) -> int:
    """This process's TCP sockets whose *remote* port is one of *ports* (the client's
    side of a connection to our server; the server's side of it has the port as its
    local one).  Counted from ``/proc``, so descriptors other threads open or close
    meanwhile (servers of other tests under xdist) do not count.
    """
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) in ports:
                    count += 1
    return count


async def sockets_settle(*ports: int) -> int:
    """:func:`sockets_to` once closing transports had a few loop turns (an aborted
    transport closes its socket from a loop callback); at most about 1 s."""
    for _ in range(50):
        now = sockets_to(*ports)
        if now == 0:
            return 0
        await asyncio.sleep(0.02)
    return sockets_to(*ports)
