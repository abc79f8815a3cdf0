"""The ``aiohttp-client`` command against real servers (Debian's nginx and an
aiohttp.web application) over 127.0.0.1, once with each twin: the subprocess selects
the twin by ``AIOHTTP_CLIENT_NO_EXTENSIONS`` exactly as a user would, and reports which
one it loaded, so a silent fallback cannot pass as the compiled run."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from _servers import pattern_bytes
from test_cli import _env

# The c param carries the c_extension marker: conftest deselects it where there are no
# compiled twins (PyPy, --no-c-extensions).
TWINS = ["py", pytest.param("c", marks=pytest.mark.c_extension)]

# Runs the CLI in-process after printing which twins the selectors loaded.
_RUNNER = (
    "import sys, json; from aiohttp_client import _ext; from aiohttp_client._cli import _cli;"
    "sys.stderr.write('twins=' + json.dumps(_ext.LOADED, sort_keys=True) + '\\n');"
    "sys.argv = ['aiohttp-client'] + sys.argv[1:]; raise SystemExit(_cli.main())"
)


@pytest.fixture(params=TWINS)
def twin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def cli(twin: str, *args: str) -> "subprocess.CompletedProcess[bytes]":
    env: dict[str, str] = _env()
    env.pop("AIOHTTP_CLIENT_NO_EXTENSIONS", None)
    if twin == "py":
        env["AIOHTTP_CLIENT_NO_EXTENSIONS"] = "1"
    proc = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True, env=env, timeout=120)
    loaded = proc.stderr.decode().splitlines()[0]
    names = sorted(p.stem[1:-2] for p in (Path(__file__).parent.parent / "_cparser").glob("*_c.pyx"))
    expected = json.dumps(dict.fromkeys(names, twin), sort_keys=True)
    assert loaded == f"twins={expected}", loaded
    return proc


def stderr_lines(proc: "subprocess.CompletedProcess[bytes]") -> list[str]:
    return proc.stderr.decode(errors="replace").splitlines()[1:]


def test_download_from_nginx(twin: str, nginx_server, tmp_path: Path) -> None:
    target = tmp_path / "large.bin"
    proc = cli(twin, "-v", "--no-progress", "-o", str(target), nginx_server.url(nginx_server.large_name))
    assert proc.returncode == 0, proc.stderr.decode()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == nginx_server.large_sha256
    lines = stderr_lines(proc)
    assert any(line.startswith("< HTTP/1.1 200 OK") for line in lines), lines
    assert any("nginx" in line.lower() for line in lines if line.startswith("< ")), lines


def test_gzip_text_from_nginx_to_stdout(twin: str, nginx_server) -> None:
    proc = cli(twin, "-H", "Accept-Encoding: gzip", nginx_server.url(nginx_server.text_name))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == nginx_server.text


def test_download_from_aiohttp_web(twin: str, web_server, tmp_path: Path) -> None:
    srv = web_server()
    size = 5 * 1024 * 1024 + 3
    target = tmp_path / "bytes.bin"
    proc = cli(twin, "--no-progress", "-o", str(target), srv.url(f"/bytes/{size}?chunked=1"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert target.read_bytes() == pattern_bytes(size)


def test_gzip_and_fail_against_aiohttp_web(twin: str, web_server) -> None:
    srv = web_server()
    proc = cli(twin, srv.url("/gzip"))
    assert proc.returncode == 0 and proc.stdout == srv.GZIP_TEXT
    proc = cli(twin, "--fail", srv.url("/status/503"))
    assert proc.returncode == 5 and proc.stdout == b""
