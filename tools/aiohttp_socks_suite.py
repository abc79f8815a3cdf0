#!/usr/bin/env python3
"""Run aiohttp-socks' own test suite on aiohttp 3.14.5 and on aiohttp_client (issue 18).

    python3 tools/aiohttp_socks_suite.py [--version 0.12.0] [--only aiohttp|ours]

What it does, each step only when needed (everything under build/aiohttp-socks-suite/):

1. a venv with aiohttp==3.14.5, aiohttp-socks, python-socks, pytest, pytest-asyncio,
   trustme and proxy.py (pip, from the package registry);
2. the library's ``tests/test_connector.py`` (30 tests) from its sdist
   (``pip download --no-binary :all: --no-deps aiohttp-socks==VERSION``); the sdist
   ships only that file, so this script writes the ``tests/config.py`` and
   ``tests/conftest.py`` it imports: its peers, on 127.0.0.1 and ::1, are Debian's
   danted (SOCKS5 with username/password; tests/_socks_servers.py starts it the same
   way), the hand-written SOCKS4/4a server of tests/_socks_servers.py (danted 1.4 has
   no SOCKS4a, and refuses to chain to itself), proxy.py (an HTTP proxy with Basic
   credentials) and plain asyncio origins (HTTP and HTTPS, ``/ip`` and ``/delay/N``);
3. pytest twice, inside ``unshare -m`` with a generated ``/etc/hosts`` so that the
   suite's host names resolve to 127.0.0.1 for the client, proxy.py and danted alike:
   once with the real aiohttp, once with ``import aiohttp`` pointed at aiohttp_client
   (an import hook in the generated conftest, in that run only).

Prints both pytest summaries; exits non-zero when the two runs differ.  Needs root
(``unshare -m``, danted), dante-server, and the registry for step 1-2 (then offline).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "aiohttp-socks-suite"
NAMES = ("ip4.target.example.com", "ip4.proxy.example.com")

CONFIG = """\
import os

LOGIN = "socksuser"
PASSWORD = "s3cret-Pw"
PROXY_HOST_IPV4 = "127.0.0.1"
PROXY_HOST_IPV6 = "::1"
SOCKS5_PROXY_PORT = int(os.environ["SUITE_SOCKS_PORT"])
SOCKS4_PROXY_PORT = int(os.environ["SUITE_SOCKS4_PORT"])
HTTP_PROXY_PORT = int(os.environ["SUITE_HTTP_PROXY_PORT"])
SKIP_IPV6_TESTS = "SKIP_IPV6_TESTS" in os.environ
SOCKS5_IPV4_URL = f"socks5://{LOGIN}:{PASSWORD}@{PROXY_HOST_IPV4}:{SOCKS5_PROXY_PORT}"
SOCKS5_IPV6_URL = f"socks5://{LOGIN}:{PASSWORD}@[{PROXY_HOST_IPV6}]:{SOCKS5_PROXY_PORT}"
SOCKS4_URL = f"socks4://{LOGIN}:@{PROXY_HOST_IPV4}:{SOCKS4_PROXY_PORT}"
HTTP_PROXY_URL = f"http://{LOGIN}:{PASSWORD}@{PROXY_HOST_IPV4}:{HTTP_PROXY_PORT}"
TEST_HOST_NAME_IPV4 = "ip4.target.example.com"
TEST_PORT_IPV4 = int(os.environ["SUITE_HTTP_PORT"])
TEST_PORT_IPV4_HTTPS = int(os.environ["SUITE_HTTPS_PORT"])
TEST_URL_IPV4 = f"http://{TEST_HOST_NAME_IPV4}:{TEST_PORT_IPV4}/ip"
TEST_URL_IPV4_DELAY = f"http://{TEST_HOST_NAME_IPV4}:{TEST_PORT_IPV4}/delay/2"
TEST_URL_IPV4_HTTPS = f"https://{TEST_HOST_NAME_IPV4}:{TEST_PORT_IPV4_HTTPS}/ip"
"""

CONFTEST = """\
import asyncio, os, ssl, subprocess, sys, threading, time

if os.environ.get("SUITE_TARGET") == "ours":  # `import aiohttp` gives aiohttp_client
    sys.path.insert(0, os.environ["SUITE_TESTS_DIR"])
    import _aiohttp_alias  # the import hook of the project's own tests

    _aiohttp_alias.install()

import pytest
import trustme


def pytest_report_header(config):
    import aiohttp

    return f"aiohttp is {aiohttp.__name__} from {aiohttp.__file__}"

from tests.config import LOGIN, PASSWORD, HTTP_PROXY_PORT, TEST_HOST_NAME_IPV4, TEST_PORT_IPV4, TEST_PORT_IPV4_HTTPS

_CA = trustme.CA()


async def _handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            path = head.split(b" ")[1]
            if path.startswith(b"/delay/"):
                await asyncio.sleep(float(path.rsplit(b"/", 1)[1]))
            body = b\'{"origin": "127.0.0.1"}\'
            head_out = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n"
            writer.write(head_out % len(body) + body)
            await writer.drain()
            if b"connection: close" in head.lower():
                break
    except Exception:
        pass
    finally:
        writer.close()


def _serve(ready):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sys.path.insert(0, os.environ["SUITE_TESTS_DIR"])
    from _socks_servers import SocksPeer  # SOCKS4 and SOCKS4a, relaying (names from /etc/hosts)

    loop.run_until_complete(SocksPeer(port=int(os.environ["SUITE_SOCKS4_PORT"])).start())
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _CA.issue_cert(TEST_HOST_NAME_IPV4, "127.0.0.1").configure_cert(ctx)
    loop.run_until_complete(asyncio.start_server(_handle, "127.0.0.1", TEST_PORT_IPV4))
    loop.run_until_complete(asyncio.start_server(_handle, "127.0.0.1", TEST_PORT_IPV4_HTTPS, ssl=ctx))
    ready.set()
    loop.run_forever()


@pytest.fixture(scope="session", autouse=True)
def origins_and_http_proxy():
    ready = threading.Event()
    threading.Thread(target=_serve, args=(ready,), daemon=True).start()
    assert ready.wait(10)
    proxy = subprocess.Popen(
        [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", str(HTTP_PROXY_PORT),
         "--basic-auth", f"{LOGIN}:{PASSWORD}", "--num-workers", "1", "--num-acceptors", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", HTTP_PROXY_PORT), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    yield
    proxy.terminate()
    proxy.wait(10)


@pytest.fixture
def target_ssl_context():
    ctx = ssl.create_default_context()
    _CA.configure_trust(ctx)
    return ctx
"""

DANTED_CONF = """\
logoutput: {dir}/danted.log
internal: 127.0.0.1 port = {port}
internal: ::1 port = {port}
external: 127.0.0.1
clientmethod: none
socksmethod: username none
user.privileged: root
user.unprivileged: root
client pass {{
  from: 0.0.0.0/0 to: 0.0.0.0/0
}}
client pass {{
  from: ::/0 to: ::/0
}}
socks pass {{
  from: 0.0.0.0/0 to: 0.0.0.0/0
  command: connect
}}
socks pass {{
  from: ::/0 to: 0.0.0.0/0
  command: connect
}}
"""


def _setup(version: str) -> Path:
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    stamp = venv / f".ready-{version}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pkgs = ["aiohttp==3.14.5", f"aiohttp-socks=={version}", "python-socks>=2.4", "pytest>=8"]
        pkgs += ["pytest-asyncio>=0.23", "pytest-timeout>=2.3", "trustme>=1.1", "proxy.py>=2.4"]
        pkgs += ["publicsuffixlist>=1.0"]  # aiohttp_client's own dependency beyond aiohttp's
        subprocess.run([str(python), "-m", "pip", "install", "-q", *pkgs], check=True)
        stamp.touch()
    suite = WORK / f"suite-{version}"
    if not (suite / "tests" / "test_connector.py").exists():
        sdist_dir = WORK / "sdist"
        sdist_dir.mkdir(parents=True, exist_ok=True)
        cmd = [str(python), "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps"]
        subprocess.run([*cmd, "-d", str(sdist_dir), f"aiohttp-socks=={version}"], check=True)
        (tarball,) = sdist_dir.glob(f"aiohttp_socks-{version}.tar.gz")
        with tarfile.open(tarball) as tar:
            member = tar.getmember(f"aiohttp_socks-{version}/tests/test_connector.py")
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
        (suite / "tests").mkdir(parents=True, exist_ok=True)
        (suite / "tests" / "test_connector.py").write_bytes(data)
    (suite / "tests" / "__init__.py").write_text("")
    (suite / "tests" / "config.py").write_text(CONFIG)
    (suite / "tests" / "conftest.py").write_text(CONFTEST)
    ini = "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    (suite / "pytest.ini").write_text(ini)
    return suite


def _run(suite: Path, target: str, ports: dict[str, str]) -> tuple[int, str]:
    hosts = WORK / "hosts"
    hosts.write_text("127.0.0.1 localhost\n::1 localhost ip6-localhost\n" + "".join(f"127.0.0.1 {n}\n" for n in NAMES))
    python = WORK / "venv" / "bin" / "python"
    pytest = f"{python} -m pytest -v -p no:cacheprovider --timeout 30 tests/test_connector.py"
    script = f"mount --bind {hosts} /etc/hosts && exec {pytest}"
    env = dict(os.environ, SUITE_TARGET=target, **ports)
    env["PYTHONPATH"] = str(ROOT) if target == "ours" else ""
    env.pop("AIOHTTP_CLIENT_NO_EXTENSIONS", None)
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=suite, env=env, capture_output=True, text=True, timeout=600
    )
    return done.returncode, done.stdout + done.stderr


def _start_dante(port: int) -> subprocess.Popen[bytes]:
    directory = WORK / "dante"
    directory.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "tests"))
    from _processes import wait_accepting
    from _socks_servers import _write_dante_files, start_dante  # the test suite's own danted set-up

    _write_dante_files(directory, port)
    (directory / "hosts").write_text("127.0.0.1 localhost\n" + "".join(f"127.0.0.1 {n}\n" for n in NAMES))
    (directory / "danted.conf").write_text(DANTED_CONF.format(dir=directory, port=port))
    proc = start_dante(directory)
    if not wait_accepting(port, proc, 10.0):
        proc.terminate()
        proc.wait(10)
        raise SystemExit("danted did not start; see " + str(directory / "danted.log"))
    return proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="0.12.0", help="aiohttp-socks release (default 0.12.0)")
    parser.add_argument("--only", choices=("aiohttp", "ours"))
    args = parser.parse_args()
    suite = _setup(args.version)
    names = ("SUITE_SOCKS_PORT", "SUITE_SOCKS4_PORT", "SUITE_HTTP_PROXY_PORT", "SUITE_HTTP_PORT", "SUITE_HTTPS_PORT")
    sys.path.insert(0, str(ROOT / "tests"))
    from _processes import free_port

    ports = {name: str(free_port()) for name in names}
    ports["SUITE_TESTS_DIR"] = str(ROOT / "tests")
    dante = _start_dante(int(ports["SUITE_SOCKS_PORT"]))
    results = {}
    try:
        for target in ("aiohttp", "ours"):
            if args.only in (None, target):
                rc, out = _run(suite, target, ports)
                lines = out.splitlines()
                summary = [line for line in lines if " in " in line and ("passed" in line or "failed" in line)]
                header = [line for line in out.splitlines() if line.startswith("aiohttp is ")]
                results[target] = f"{summary[-1] if summary else f'exit {rc}'} ({header[0] if header else '?'})"
                print(f"==== aiohttp-socks {args.version} suite on {target}: exit {rc}\n{out}")
    finally:
        dante.terminate()
        dante.wait(10)
    for target, line in results.items():
        print(f"{target}: {line}")
    counts = {line.split(" (aiohttp is")[0].strip("= ").split(" in ")[0] for line in results.values()}
    return 0 if len(counts) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
