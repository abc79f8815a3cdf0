"""Peers that run as child processes (nginx, danted): a free port on 127.0.0.1, the
bounded start-up (start, wait until the port accepts, else stop and try another
port), and stopping.  Used by ``_nginx_server.py``, ``_socks_servers.py`` and
``tools/aiohttp_socks_suite.py``."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Callable

from _servers import _START_TIMEOUT, HOST

__all__ = ("free_port", "wait_accepting", "start_on_free_port", "stop_process")


def free_port(host: str = HOST) -> int:
    """A port nothing listens on now (another process may take it before we bind)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_accepting(port: int, proc: subprocess.Popen[bytes], timeout: float = _START_TIMEOUT, host: str = HOST) -> bool:
    """``True`` once *host*:*port* accepts a connection; ``False`` when *proc* exited
    first or *timeout* seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def start_on_free_port(
    start: Callable[[int], subprocess.Popen[bytes]], attempts: int = 3, timeout: float = _START_TIMEOUT
) -> tuple[subprocess.Popen[bytes], int] | None:
    """``(process, port)`` once ``start(port)`` (it writes the configuration and
    starts the process) accepts on a free port; a process that does not is stopped
    and another port tried, *attempts* times at most (the free port can be taken
    between the probe and the peer's bind).  ``None`` when none started."""
    for _attempt in range(attempts):
        port = free_port()
        proc = start(port)
        if wait_accepting(port, proc, timeout):
            return proc, port
        stop_process(proc)
    return None


def stop_process(proc: subprocess.Popen[bytes], timeout: float = _START_TIMEOUT) -> None:
    """Terminate *proc* and wait for it (kill after *timeout* seconds)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
