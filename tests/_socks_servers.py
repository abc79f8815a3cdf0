"""SOCKS peers on 127.0.0.1 for ``tests/test_socks*.py`` (issue 18).

* ``dante`` (module scope) -- Debian's ``danted`` (dante-server 1.4) with a generated
  configuration: SOCKS4 and SOCKS5, the "none" method and RFC 1929 username/password
  (:data:`USER` / :data:`PASSWORD`).  It runs in its own mount namespace
  (``unshare -m``, root) where ``/etc/passwd``, ``/etc/shadow`` and ``/etc/hosts`` are
  generated files: dante checks passwords against the system's accounts, so the test
  account exists only there, and :data:`PROXY_ONLY_NAME` resolves (to 127.0.0.1) only
  there -- this process cannot resolve it.  Fails, does not skip, when danted or
  ``unshare`` is missing (``tools/test`` installs dante-server).
* ``socks_peer`` -- a factory of hand-written SOCKS servers (:class:`SocksPeer`) for
  what dante cannot do (SOCKS4a: dante 1.4 takes ``0.0.0.x`` for an address) and for
  hostile behaviour: the exact handshake bytes received are recorded; ``mode`` makes it
  relay (names resolved from :data:`PROXY_ONLY_NAME` only), stall after the greeting,
  or send bytes after its reply.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from _processes import start_on_free_port, stop_process
from _servers import HOST, started_in_threads

__all__ = ("dante", "socks_peer", "Dante", "SocksPeer", "USER", "PASSWORD", "PROXY_ONLY_NAME")

DANTED = "/usr/sbin/danted"
USER = "socksuser"
PASSWORD = "s3cret-Pw"
#: crypt(3) SHA-512 of PASSWORD (``openssl passwd -6 -salt aiohttpc s3cret-Pw``).
_PASSWORD_HASH = "$6$aiohttpc$wFMtVD5SR3eEb6s9BntXurDDNQbEhdWkn5feM3XAgnzZn3k3L46KjR.dcFDpv022riih6Iuw.ngkIRGzC8C5N."
#: A name only the proxies resolve (to 127.0.0.1); ``.test`` is reserved (RFC 6761 §6.2).
PROXY_ONLY_NAME = "socks-only.test"

_DANTED_CONF = """\
logoutput: {dir}/danted.log
internal: {host} port = {port}
external: {host}
clientmethod: none
socksmethod: username none
user.privileged: root
user.unprivileged: root
client pass {{
  from: 127.0.0.0/8 to: 0.0.0.0/0
}}
socks pass {{
  from: 127.0.0.0/8 to: 0.0.0.0/0
  command: connect
}}
"""

_NAMESPACE_SCRIPT = """\
set -e
mount --bind {dir}/passwd /etc/passwd
mount --bind {dir}/shadow /etc/shadow
mount --bind {dir}/hosts /etc/hosts
exec {danted} -f {dir}/danted.conf
"""


@dataclass
class Dante:
    """Created by the ``dante`` fixture."""

    port: int
    directory: Path

    def url(self, scheme: str = "socks5", auth: str | None = None) -> str:
        userinfo = f"{auth}@" if auth else ""
        return f"{scheme}://{userinfo}{HOST}:{self.port}"

    def log(self) -> str:
        path = self.directory / "danted.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _write_dante_files(directory: Path, port: int) -> None:
    passwd = Path("/etc/passwd").read_text().splitlines()
    passwd = [line for line in passwd if not line.startswith(f"{USER}:")]
    passwd.append(f"{USER}:x:64123:64123::/nonexistent:/usr/sbin/nologin")
    (directory / "passwd").write_text("\n".join(passwd) + "\n")
    (directory / "shadow").write_text(f"{USER}:{_PASSWORD_HASH}:19000:0:99999:7:::\n")
    (directory / "shadow").chmod(0o600)
    (directory / "hosts").write_text(f"127.0.0.1 localhost\n127.0.0.1 {PROXY_ONLY_NAME}\n")
    (directory / "danted.conf").write_text(_DANTED_CONF.format(dir=directory, host=HOST, port=port))
    script = _NAMESPACE_SCRIPT.format(dir=directory, danted=DANTED)
    (directory / "start.sh").write_text(script)


@pytest.fixture(scope="module")
def dante(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dante]:
    """danted on 127.0.0.1:<free port>; see the module docstring."""
    unshare = shutil.which("unshare")
    if not os.access(DANTED, os.X_OK) or unshare is None:
        pytest.fail(
            f"{DANTED} or unshare not found: install Debian's dante-server "
            "(`apt-get install -y dante-server`; tools/test does this when it can)"
        )
    if os.geteuid() != 0:
        pytest.fail("the dante fixture runs danted in its own mount namespace, which needs root")
    directory = tmp_path_factory.mktemp("dante")

    def start(port: int) -> subprocess.Popen[bytes]:
        _write_dante_files(directory, port)
        return start_dante(directory)

    started = start_on_free_port(start)
    if started is None:
        log = (directory / "danted.log").read_text() if (directory / "danted.log").exists() else ""
        pytest.fail(f"danted did not start accepting on 127.0.0.1; danted.log:\n{log}")
    proc, port = started
    try:
        yield Dante(port, directory)
    finally:
        stop_process(proc)


def start_dante(directory: Path) -> subprocess.Popen[bytes]:
    """danted from the files :func:`_write_dante_files` wrote in *directory*, in its
    own mount namespace (``start.sh``: the generated accounts and hosts bound over
    ``/etc``); also ``tools/aiohttp_socks_suite.py``'s."""
    return subprocess.Popen(
        ["unshare", "-m", "sh", str(directory / "start.sh")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --------------------------------------------------------------------------------------
# socks_peer: a SOCKS server written by hand
# --------------------------------------------------------------------------------------

#: What the hand-written server sends after a successful SOCKS5 reply in ``extra`` mode.
INJECTED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected"


@dataclass
class SocksPeer:
    """A SOCKS4/4a/5 server on 127.0.0.1 (created by ``socks_peer(mode)``).

    mode
        ``relay``: answer, then relay to the target (names: only
        :data:`PROXY_ONLY_NAME`, as 127.0.0.1); ``stall``: read the greeting and never
        answer; ``extra``: a SOCKS5 success reply followed, in the same write, by
        :data:`INJECTED`, then relay; ``fail``: a SOCKS5 reply with code *fail_code*.
    handshakes
        The bytes each connection sent before the relay started (or all of them, for
        ``stall``), one entry per connection.
    """

    mode: str = "relay"
    fail_code: int = 4
    port: int = 0
    handshakes: list[bytes] = field(default_factory=list)
    _server: Any = None
    _tasks: set[Any] = field(default_factory=set)

    def url(self, scheme: str = "socks5", auth: str | None = None) -> str:
        userinfo = f"{auth}@" if auth else ""
        return f"{scheme}://{userinfo}{HOST}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, self.port)  # 0: any free port
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        for task in list(self._tasks):
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        record = bytearray()
        self.handshakes.append(b"")
        index = len(self.handshakes) - 1

        async def take(n: int) -> bytes:
            data = await reader.readexactly(n)
            record.extend(data)
            self.handshakes[index] = bytes(record)
            return data

        try:
            version = (await take(1))[0]
            if self.mode == "stall":
                while await reader.read(1024):  # never answer; record nothing more
                    pass
                return
            target = await (self._socks5(take, writer) if version == 5 else self._socks4(take, writer))
            if target is not None:
                await self._relay(reader, writer, *target)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _socks5(self, take: Callable[[int], Any], writer: asyncio.StreamWriter) -> tuple[str, int] | None:
        methods = await take((await take(1))[0])
        if 2 in methods:
            writer.write(b"\x05\x02")
            await take(1)
            user = await take((await take(1))[0])
            password = await take((await take(1))[0])
            ok = (user.decode(), password.decode()) == (USER, PASSWORD)
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                return None
        else:
            writer.write(b"\x05\x00")
        _ver, _cmd, _rsv, atyp = await take(4)
        if atyp == 1:
            host = socket.inet_ntoa(await take(4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, await take(16))
        else:
            host = (await take((await take(1))[0])).decode()
        port = int.from_bytes(await take(2), "big")
        if self.mode == "fail":
            writer.write(bytes([5, self.fail_code, 0, 1, 0, 0, 0, 0, 0, 0]))
            return None
        reply = b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00"
        writer.write(reply + INJECTED if self.mode == "extra" else reply)
        return host, port

    async def _socks4(self, take: Callable[[int], Any], writer: asyncio.StreamWriter) -> tuple[str, int] | None:
        _cmd = await take(1)
        port = int.from_bytes(await take(2), "big")
        address = await take(4)
        while (await take(1)) != b"\x00":  # the user id
            pass
        host = socket.inet_ntoa(address)
        if address[:3] == b"\x00\x00\x00" and address[3]:  # SOCKS4a: a name follows
            name = bytearray()
            while (byte := await take(1)) != b"\x00":
                name += byte
            host = name.decode()
        writer.write(b"\x00\x5a" + b"\x00" * 6)
        return host, port

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int) -> None:
        if host == PROXY_ONLY_NAME:
            host = HOST
        up_reader, up_writer = await asyncio.open_connection(host, port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        try:
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        finally:
            up_writer.close()


@pytest.fixture
def socks_peer() -> Iterator[Callable[..., SocksPeer]]:
    """Factory: ``peer = socks_peer(mode="relay", fail_code=4)``; stopped at teardown."""
    yield from started_in_threads("socks_peer", lambda _thread, *a, **kw: SocksPeer(*a, **kw))
