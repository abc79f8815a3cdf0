"""Shared pieces of the benchmarks: the corpus, the twins, aiohttp's rival parsers,
and the feeding helpers.  Imported by the ``bench_*.py`` files and ``conftest.py``.

Fairness rules, applied to every parser benchmark:

* both sides get the same input objects (the whole response, or the same list of
  7-byte ``bytes`` pieces, built once outside the timed code);
* both sides build a fresh parser inside every timed call (no reuse, no reset);
* both sides do the same work: aiohttp's response parsers read the head *and* the
  body (into a ``StreamReader``), so ours runs the head parser and then decodes the
  body (chunked: the chunked-decoder twin of the same kind; Content-Length: slicing)
  into a list;
* flow control never pauses aiohttp's parser (its ``limit`` is far above any body
  here), just as nothing pauses ours.
"""

import asyncio
import importlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIECE = 7  # bytes per piece in the "7-byte" feeding mode
MODES = ("whole", "7-byte")
ITEMS = ("10-field", "30-field-set-cookie", "10-chunk", "1MiB-chunked")
IMPLS = ("ours-py", "ours-c", "aiohttp-py", "aiohttp-c")
# aiohttp's parsers pause at 2 * limit buffered body bytes; keep that out of reach.
_AIOHTTP_LIMIT = 2**30

# -- corpus ----------------------------------------------------------------------------

from tests.vectors.http_response import CORPUS as _CORPUS  # noqa: E402  (after sys.path)

CORPUS = {item: bytes(_CORPUS[item]) for item in ITEMS}
CORPUS_SOURCE = "tests/vectors/http_response.py CORPUS"


def split_head(data: bytes) -> tuple[bytes, bytes]:
    end = data.index(b"\r\n\r\n") + 4
    return data[:end], data[end:]


def is_chunked(item: str) -> bool:
    head, _body = split_head(CORPUS[item])
    return b"transfer-encoding: chunked" in head.lower()


CHUNKED_ITEMS = tuple(item for item in ITEMS if is_chunked(item))


def pieces(data: bytes, mode: str) -> list[bytes]:
    if mode == "whole":
        return [data]
    return [data[i : i + PIECE] for i in range(0, len(data), PIECE)]


# -- our twins -------------------------------------------------------------------------


def our_twin(kind: str, hot_path: str) -> Any:
    """``HeadParser`` (hot_path ``"http_parser"``), ``ChunkedDecoder`` (``"chunked"``) or
    ``ResponseReader`` (``"http_reader"``) of one kind, imported directly from
    ``aiohttp_client._sansio._<hot_path>_<kind>`` (not through the selector); raises
    ImportError when that compiled twin is not built."""
    module = importlib.import_module(f"aiohttp_client._sansio._{hot_path}_{kind}")
    names = {"http_parser": "HeadParser", "chunked": "ChunkedDecoder", "http_reader": "ResponseReader"}
    return getattr(module, names[hot_path])


def decode_chunked(decoder_cls: Any, chunks: Sequence[bytes], body: list[bytes], first_pos: int = 0) -> None:
    """Feed *chunks* (the first from *first_pos*) to a new decoder, appending to *body*.
    Follows the decoder contract: call again from the returned offset until the input
    is used up or the decoder is ``done``."""
    decoder = decoder_cls()
    pos = first_pos
    for data in chunks:
        end = len(data)
        while pos < end and not decoder.done:
            pos = decoder.feed(data, pos, body)
        pos = 0
    assert decoder.done, "chunked body did not end"


def ours_response(head_parser_cls: Any, decoder_cls: Any, chunks: Sequence[bytes]) -> list[bytes]:
    """Head + body with our twins; returns the body pieces."""
    parser = head_parser_cls()
    body: list[bytes] = []
    i = 0
    n = len(chunks)
    head = None
    end = 0
    while i < n:
        head, end = parser.feed(chunks[i], 0)
        if head is not None:
            break
        i += 1
    assert head is not None, "incomplete head"
    headers = head.headers
    if "chunked" in headers.get("Transfer-Encoding", ""):
        decode_chunked(decoder_cls, chunks[i:], body, end)
        return body
    remaining = int(headers.get("Content-Length", "0"))
    data = chunks[i]
    while remaining:
        piece = data[end : end + remaining]
        if piece:
            body.append(piece)
            remaining -= len(piece)
        i += 1
        if i == n:
            break
        data = chunks[i]
        end = 0
    assert not remaining, "truncated body"
    return body


def ours_chunked_body(decoder_cls: Any, chunks: Sequence[bytes]) -> list[bytes]:
    body: list[bytes] = []
    decode_chunked(decoder_cls, chunks, body)
    return body


# -- aiohttp, the rival ----------------------------------------------------------------


class AiohttpRival:
    """aiohttp 3.14's response parsers with the minimal real objects they need: an
    event loop (not running) and a ``BaseProtocol``."""

    def __init__(self) -> None:
        import aiohttp
        from aiohttp import http_parser
        from aiohttp.base_protocol import BaseProtocol

        self.version = aiohttp.__version__
        self.loop = asyncio.new_event_loop()
        self.protocol = BaseProtocol(self.loop)
        self.parser_py: Any = http_parser.HttpResponseParserPy
        try:
            from aiohttp._http_parser import HttpResponseParser as parser_c
        except ImportError:  # pragma: no cover - aiohttp installed without extensions
            parser_c = None
        self.parser_c: Any = parser_c
        self._http_parser = http_parser

    def close(self) -> None:
        self.loop.close()

    def parser_cls(self, kind: str) -> Any:
        return self.parser_py if kind == "py" else self.parser_c

    def response(self, parser_cls: Any, chunks: Sequence[bytes]) -> list[Any]:
        """Feed a whole response; return the ``(message, payload)`` pairs."""
        parser = parser_cls(self.protocol, self.loop, _AIOHTTP_LIMIT)
        messages: list[Any] = []
        for data in chunks:
            msgs, _upgraded, _tail = parser.feed_data(data)
            if msgs:
                messages.extend(msgs)
        return messages

    def chunked_body(self, chunks: Sequence[bytes]) -> Any:
        """Decode a chunked body alone with aiohttp's pure-Python payload parser
        (configured as ``HttpResponseParserPy`` configures it); return the payload."""
        hp = self._http_parser
        from aiohttp.streams import StreamReader

        payload = StreamReader(self.protocol, _AIOHTTP_LIMIT, loop=self.loop)
        parser = hp.HttpPayloadParser(
            payload,
            chunked=True,
            lax=hp.HttpResponseParserPy.lax,
            headers_parser=hp.HeadersParser(lax=hp.HttpResponseParserPy.lax),
            limit=_AIOHTTP_LIMIT,
        )
        sep = b"\r\n" if hp.DEBUG else b"\n"  # what HttpResponseParserPy.feed_data passes on
        for data in chunks:
            parser.feed_data(data, sep)
        return payload


def payload_bytes(payload: Any) -> bytes:
    """All bytes an aiohttp ``StreamReader`` holds (for the correctness check, not timed)."""
    data: bytes = payload.read_nowait(-1)
    return data


# -- servers ---------------------------------------------------------------------------


def pin(pid: int, cpu: int) -> bool:
    """Pin process *pid* to *cpu* if this machine has it; return whether it worked."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) <= cpu:
        return False
    try:
        os.sched_setaffinity(pid, {cpu})
    except OSError:
        return False
    return True


NGINX = "/usr/sbin/nginx"
_NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    sendfile on;
    types {{ application/json json; text/plain txt; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location /gz/ {{ gzip on; gzip_types text/plain; gzip_comp_level 1; gzip_min_length 0; }}
    }}
}}
"""


@contextmanager
def nginx(base: Path, conf: str = _NGINX_CONF) -> Iterator[str]:
    """Debian's nginx (one process, pinned to CPU 0) serving ``base/www`` on a free
    port, with on-the-fly gzip under ``/gz/`` (*conf*: another configuration template,
    with ``{dir}`` and ``{port}``); yields its base URL.

    :raises RuntimeError: nginx did not start within 10 s (its error log is the message).
    """
    (base / "tmp").mkdir(exist_ok=True)
    port = free_port()
    (base / "nginx.conf").write_text(conf.format(dir=base, port=port))
    cmd = [NGINX, "-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
    with subprocess.Popen(cmd, stdin=subprocess.DEVNULL) as proc:
        try:
            pin(proc.pid, 0)  # one process (master_process off), running as us
            deadline = time.monotonic() + 10
            while not accepting(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {(base / 'error.log').read_text()}")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def demo_server() -> Iterator[tuple[str, bool]]:
    """``tools/demo_server.py`` in a subprocess, pinned to CPU 0 where there is one:
    yields ``(base URL, whether the pin worked)``; the server is stopped on exit.
    """
    cmd = [sys.executable, str(ROOT / "tools" / "demo_server.py"), "--port", "0"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        try:
            pinned = pin(proc.pid, 0)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip().isdigit(), f"demo server did not start: {line!r}"
            yield f"http://127.0.0.1:{int(line)}", pinned
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def callgrind_instructions(code: str, *args: str) -> int:
    """Instructions valgrind's callgrind counts for ``python -c code args...`` (hash
    seed fixed, so that runs repeat).

    :raises RuntimeError: callgrind printed no total.
    """
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code, *args]
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(out.stderr[-2000:])
    return int(found.group(1))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepting(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:*port*."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class ClientWorker:
    """One benchmark client in its own process, speaking a line protocol: a command
    line in, one JSON object line out.  Its first line says whether it started
    (``{"ok": ...}``), in :attr:`info`.

    *impl* selects the library and twins: ``ours-c``/``ours-py`` (our compiled or
    Python twins, through ``AIOHTTP_CLIENT_NO_EXTENSIONS``), ``aiohttp``/``aiohttp-c``
    or ``aiohttp-py`` (``AIOHTTP_NO_EXTENSIONS``).  *argv* is the worker's command
    line after the interpreter; the library (``ours`` or ``aiohttp``) goes first.
    """

    def __init__(self, impl: str, script: Path, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.pop("AIOHTTP_CLIENT_NO_EXTENSIONS", None)
        env.pop("AIOHTTP_NO_EXTENSIONS", None)
        if impl == "ours-py":
            env["AIOHTTP_CLIENT_NO_EXTENSIONS"] = "1"
        if impl == "aiohttp-py":
            env["AIOHTTP_NO_EXTENSIONS"] = "1"
        lib = "aiohttp" if impl.startswith("aiohttp") else "ours"
        self.impl = impl
        self.proc = subprocess.Popen(
            [sys.executable, str(script), lib, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True
        )
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline() or '{"ok": false, "error": "worker died"}')

    def ask(self, line: str) -> dict[str, Any]:
        """Send one command line; return the worker's JSON answer.

        :raises RuntimeError: the worker died.
        """
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"{self.impl} worker died (exit status {self.proc.wait(timeout=10)})")
        return json.loads(answer)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close its input (the worker exits) and wait for it, at most 30 s."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except BrokenPipeError:  # the worker died; its stderr says why
            pass
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def fmt_ratio(ours: Optional[float], theirs: Optional[float]) -> str:
    """``ours / theirs`` to two decimals, ``-`` when either is missing or zero."""
    if ours is None or theirs is None or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}"


def metric_rows(
    item: str,
    values: dict[str, dict[str, float]],
    metrics: Sequence[tuple[str, str, str]],
    impls: Sequence[str],
    rivals: tuple[str, str],
) -> list[list[str]]:
    """Ratio-table rows of one benchmark item: per ``(key, label, hint)`` in *metrics*,
    the item, label, ``(hint)``, each of *impls*' value in ``values[key]``, then
    ours-c / ``rivals[0]`` and ours-py / ``rivals[1]``."""
    rows = []
    for key, label, hint in metrics:
        v = values[key]
        rows.append(
            [
                item,
                label,
                f"({hint})",
                *(f"{v[k]:.4g}" if k in v else "-" for k in impls),
                fmt_ratio(v.get("ours-c"), v.get(rivals[0])),
                fmt_ratio(v.get("ours-py"), v.get(rivals[1])),
            ]
        )
    return rows
