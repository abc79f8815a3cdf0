"""``nginx_server``: Debian's ``/usr/sbin/nginx`` as an independent HTTP/1.1 peer, with a
generated configuration in a temporary directory: a large generated file, a
gzip-compressible text file, a redirect chain to it, and a WebDAV upload directory
behind 308/307 redirects.  Registered as a fixture by ``conftest.py``."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
)

import pytest

from _processes import start_on_free_port, stop_process
from _servers import HOST

# --------------------------------------------------------------------------------------
# nginx_server: Debian's nginx as an independent HTTP/1.1 peer
# --------------------------------------------------------------------------------------

NGINX = "/usr/sbin/nginx"

#: The start of both configurations: one process in the foreground, files in {dir}.
_PRELUDE = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;

events {{
    worker_connections 512;
}}
"""
#: nginx's temporary files in {dir} (``_start_nginx`` makes the folders); keep-alive.
_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_TEMP_PATHS = "".join(f"    {name}_temp_path {{dir}}/{name};\n" for name in _TEMP_DIRS)
_TEMP_PATHS += "    sendfile on;\n    keepalive_timeout 30s;\n"

_NGINX_CONF = (
    _PRELUDE
    + """
http {{
    types {{
        text/plain txt;
        application/octet-stream bin;
    }}
    default_type application/octet-stream;
    log_format conns '$connection $connection_requests $request_method $uri $status';
    access_log {dir}/access.log conns;
"""
    + _TEMP_PATHS
    + """    keepalive_requests 1000;

    gzip on;
    gzip_types text/plain;
    gzip_min_length 256;
    gzip_comp_level 6;

    server {{
        listen {host}:{port};
        server_name localhost;
        root {dir}/www;
        client_max_body_size 16m;

        # A redirect chain ending on the gzip text, and one for a body (PUT) that is
        # re-sent on 308 and 307 to a WebDAV upload (stored, then read back).
        location = /r301 {{ return 301 /r302; }}
        location = /r302 {{ return 302 /r307; }}
        location = /r307 {{ return 307 /text.txt; }}
        location = /put-moved {{ return 308 /put-again; }}
        location = /put-again {{ return 307 /uploads/body.bin; }}
        location /uploads/ {{
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
"""
)


#: The fields of the access log's ``conns`` format, in order (the HTTP/2 one adds "protocol").
_LOG_FIELDS = ("connection", "requests", "method", "uri", "status")


def _access_log(directory: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The access log in *directory* as records of *fields* (numbers as ``int``)."""
    path = directory / "access.log"
    if not path.exists():
        return []
    numbers = ("connection", "requests", "status")
    records = []
    for line in path.read_text().splitlines():
        record = dict(zip(fields, line.split()))
        records.append({k: int(v) if k in numbers else v for k, v in record.items()})
    return records


@dataclass
class NginxServer:
    """Created by the ``nginx_server`` fixture."""

    port: int
    directory: Path
    large_name: str
    large_size: int
    large_sha256: str
    text_name: str
    text: bytes

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def access_log(self) -> list[dict[str, Any]]:
        """The access log as records: connection (serial number), requests (the
        request's index on its connection, from 1), method, uri, status."""
        return _access_log(self.directory, _LOG_FIELDS)

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text() if path.exists() else ""


def _start_nginx(directory: Path, template: str, what: str) -> tuple[subprocess.Popen[bytes], int]:
    """nginx with *template* (formatted with ``dir``, ``host``, ``port``) in *directory*,
    accepting on a free port.  :raises pytest.fail.Exception: it did not start."""

    for name in _TEMP_DIRS:
        (directory / name).mkdir()

    def start(port: int) -> subprocess.Popen[bytes]:
        conf = directory / "nginx.conf"
        conf.write_text(template.format(dir=directory, host=HOST, port=port))
        return subprocess.Popen(
            [NGINX, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    started = start_on_free_port(start)
    if started is None:
        log = (directory / "error.log").read_text() if (directory / "error.log").exists() else ""
        pytest.fail(f"{what} did not start accepting on 127.0.0.1; error.log:\n{log}")
    return started


@pytest.fixture
def nginx_server(tmp_path: Path) -> Iterator[NginxServer]:
    """Start nginx on 127.0.0.1:<free port> serving ``/large.bin`` (20 MiB of random
    bytes) and ``/text.txt`` (compressible text, gzip on); ``/r301`` redirects to it by
    301, 302, 307; a PUT to ``/put-moved`` is redirected by 308 and 307 to
    ``/uploads/body.bin`` (WebDAV: stored, then readable).  Fails -- does not skip --
    when nginx is missing: ``tools/test`` installs it."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(
            f"{NGINX} not found: install Debian's nginx-light "
            "(`apt-get install -y nginx-light`; tools/test does this when it can)"
        )
    www = tmp_path / "www"
    www.mkdir()
    large = os.urandom(20 * 1024 * 1024)
    (www / "large.bin").write_bytes(large)
    text = b"".join(b"line %05d: nginx gzip test text, repeated\n" % i for i in range(4000))
    (www / "text.txt").write_bytes(text)

    proc, port = _start_nginx(tmp_path, _NGINX_CONF, "nginx")
    try:
        yield NginxServer(
            port=port,
            directory=tmp_path,
            large_name="/large.bin",
            large_size=len(large),
            large_sha256=hashlib.sha256(large).hexdigest(),
            text_name="/text.txt",
            text=text,
        )
    finally:
        stop_process(proc)


# --------------------------------------------------------------------------------------
# nginx_h2: the same nginx over TLS with HTTP/2 (issue 17)
# --------------------------------------------------------------------------------------

_NGINX_H2_CONF = (
    _PRELUDE
    + """
http {{
    types {{
        text/plain txt;
        text/event-stream sse;
        application/octet-stream bin;
    }}
    default_type application/octet-stream;
    log_format conns '$connection $connection_requests $request_method $uri $status $server_protocol';
    access_log {dir}/access.log conns;
"""
    + _TEMP_PATHS
    + """    keepalive_requests 10000;
    http2_max_concurrent_streams 256;

    gzip on;
    gzip_types text/plain;
    gzip_min_length 256;

    server {{
        listen {host}:{port} ssl http2;
        server_name localhost;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        root {dir}/www;

        location = /small {{ return 200 "small"; }}
        location = /r301 {{ return 301 /r302; }}
        location = /r302 {{ return 302 /r307; }}
        location = /r307 {{ return 307 /text.txt; }}
        location = /cookie {{ add_header Set-Cookie "flavour=h2; Path=/"; return 200 "set"; }}
        location = /cookie-echo {{ return 200 "cookie=$http_cookie"; }}
    }}
}}
"""
)

#: The large download: sparse on disk (zeros), so making it costs no I/O.
H2_LARGE_SIZE = 100 * 2**20


@dataclass
class NginxH2Server:
    """Created by the ``nginx_h2`` fixture: nginx 1.22 with ``listen ... ssl http2``."""

    port: int
    directory: Path
    ca: Any
    text: bytes

    def url(self, path: str = "/", host: str = HOST) -> str:
        return f"https://{host}:{self.port}{path}"

    def access_log(self) -> list[dict[str, Any]]:
        """Records: connection serial, its request count, method, uri, status, protocol."""
        return _access_log(self.directory, _LOG_FIELDS + ("protocol",))


@pytest.fixture
def nginx_h2(tmp_path: Path, tls_ca: Any) -> Iterator[NginxH2Server]:
    """nginx on 127.0.0.1 over TLS (a trustme certificate for 127.0.0.1 and localhost)
    with HTTP/2 (ALPN h2 and http/1.1): ``/small``, ``/large.bin`` (100 MiB of zeros,
    sparse), ``/text.txt`` (gzip-coded on the fly), the redirect chain ``/r301`` ->
    ``/text.txt``, ``/cookie`` (sets ``flavour=h2``) and ``/cookie-echo``."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} not found: install Debian's nginx-light (tools/test does this when it can)")
    cert = tls_ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    (tmp_path / "cert.pem").write_bytes(b"".join(p.bytes() for p in cert.cert_chain_pems))
    www = tmp_path / "www"
    www.mkdir()
    with (www / "large.bin").open("wb") as f:
        f.truncate(H2_LARGE_SIZE)
    text = b"".join(b"line %05d: nginx http/2 gzip text, repeated\n" % i for i in range(4000))
    (www / "text.txt").write_bytes(text)
    proc, port = _start_nginx(tmp_path, _NGINX_H2_CONF, "nginx (http2)")
    try:
        yield NginxH2Server(port=port, directory=tmp_path, ca=tls_ca, text=text)
    finally:
        stop_process(proc)
