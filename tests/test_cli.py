"""The ``aiohttp-client`` command against ``tools/demo_server.py`` on loopback (started
once for this module, in a subprocess).

Most tests run the command in this process: ``main(argv)`` with ``sys.stdin``,
``sys.stdout`` and ``sys.stderr`` replaced by byte buffers, an argparse exit taken as the
exit status (a subprocess per test took 0.5 s on CPython and 3-5 s on PyPy, most of the
test command's time in this file).  The tests of the process itself run ``python -m
aiohttp_client`` in a subprocess (:func:`run_cli_process`): ``--help`` and
``--version`` through the entry point, a body from the real standard input, the
progress bar on a real pipe, and the runs without tqdm installed.
"""

import base64
import importlib.util
import io
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, Optional, Union

import pytest

import aiohttp_client

ROOT = Path(__file__).resolve().parents[1]
CLI_MODULE = "aiohttp_client"
CLI = [sys.executable, "-m", CLI_MODULE]
ERROR_PREFIX = "aiohttp-client: error: "
# The subprocess imports the same aiohttp_client as this process (source tree or install).
PACKAGE_PARENT = str(Path(aiohttp_client.__file__).resolve().parents[1])

# Exit codes documented in ``aiohttp-client --help``.
EXIT_LOCAL, EXIT_USAGE, EXIT_CONNECTION, EXIT_TIMEOUT, EXIT_HTTP = 1, 2, 3, 4, 5


def _load_demo_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_server", ROOT / "tools" / "demo_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo_server = _load_demo_server()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    cmd = [sys.executable, str(ROOT / "tools" / "demo_server.py"), "--port", "0"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # the port, or b"" if the server died
            assert line.strip().isdigit(), f"demo server did not start: {line!r}"
            yield f"http://127.0.0.1:{int(line)}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait(timeout=10)


def _env() -> "dict[str, str]":
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
    env.pop("PYTHONDEVMODE", None)
    return env


class Ran(NamedTuple):
    """What a command run in this process left: its exit status and output bytes."""

    returncode: int
    stdout: bytes
    stderr: bytes


Finished = Union[Ran, "subprocess.CompletedProcess[bytes]"]


def run_cli(*args: str, stdin: bytes = b"") -> Ran:
    """Run the command with *args* in this process (its standard streams replaced)."""
    from aiohttp_client._cli import _cli

    out, err = io.BytesIO(), io.BytesIO()
    streams = {
        "stdin": io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
        "stdout": io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        "stderr": io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    }
    saved = {name: getattr(sys, name) for name in streams}
    warned, _cli._Progress.warned = _cli._Progress.warned, False  # as in a new process
    try:
        for name, stream in streams.items():
            setattr(sys, name, stream)
        try:
            code = _cli.main(list(args))
        except SystemExit as exc:  # argparse's exit: usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        return Ran(code, out.getvalue(), err.getvalue())
    finally:
        for name, stream in saved.items():
            setattr(sys, name, stream)
        _cli._Progress.warned = warned


def run_cli_process(
    *args: str, prefix: Optional[list[str]] = None, stdin: bytes = b""
) -> "subprocess.CompletedProcess[bytes]":
    """Run ``python -m aiohttp_client`` (or *prefix*) with *args* in a subprocess."""
    cmd = (prefix or CLI) + list(args)
    return subprocess.run(cmd, input=stdin, capture_output=True, env=_env(), timeout=60)


def error_line(proc: Finished) -> str:
    """The single error line the CLI printed (asserts there is exactly one line)."""
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(ERROR_PREFIX), lines
    return lines[0][len(ERROR_PREFIX) :]


def echo(proc: Finished) -> "dict[str, object]":
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert isinstance(doc, dict)
    return doc


def header_values(doc: "dict[str, object]", name: str) -> list[str]:
    headers = doc["headers"]
    assert isinstance(headers, list)
    return [v for n, v in headers if n.lower() == name.lower()]


# -- downloads ------------------------------------------------------------------------


def test_download_to_file_is_byte_exact_with_progress_bar(base_url: str, tmp_path: Path) -> None:
    assert importlib.util.find_spec("tqdm"), "the test extra installs tqdm; the progress bar needs it"
    size = 3_000_017
    target = tmp_path / "large.bin"
    proc = run_cli_process("-o", str(target), f"{base_url}/large?size={size}")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    assert target.read_bytes() == demo_server.large_body(size)
    bar = proc.stderr.decode()
    assert "100%" in bar  # tqdm's bar, with the Content-Length as its total
    assert "3.00M" in bar  # MB of 10**6 bytes, the unit of the -v line's MB/s (not 2.86 MiB)


def test_no_progress_option(base_url: str, tmp_path: Path) -> None:
    target = tmp_path / "small.bin"
    proc = run_cli("--no-progress", "-o", str(target), f"{base_url}/large?size=1000")
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert target.read_bytes() == demo_server.large_body(1000)


def test_body_to_stdout(base_url: str) -> None:
    proc = run_cli(f"{base_url}/json")
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert json.loads(proc.stdout) == demo_server.JSON_DOCUMENT


def test_binary_body_to_stdout(base_url: str) -> None:
    proc = run_cli(f"{base_url}/large?size=200000")
    assert proc.returncode == 0
    assert proc.stdout == demo_server.large_body(200000)


def test_chunked_gzip_body_is_decoded(base_url: str) -> None:
    proc = run_cli(f"{base_url}/chunked-gzip?chunks=5")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == demo_server.chunked_gzip_text()


def test_verbose_prints_request_status_fields_and_timing(base_url: str) -> None:
    url = f"{base_url}/json"
    proc = run_cli("-v", url)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == demo_server.JSON_DOCUMENT  # -v does not touch stdout
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == f"> GET {url}"
    assert "< HTTP/1.1 200 OK" in lines
    assert "< Server: demo_server" in lines
    assert "< Content-Type: application/json" in lines
    size = len(json.dumps(demo_server.JSON_DOCUMENT))
    assert f"< Content-Length: {size}" in lines
    assert re.fullmatch(
        rf"\* DNS (\d+\.\d{{4}} s|-), connect \d+\.\d{{4}} s, TLS -, first byte \d+\.\d{{4}} s, "
        rf"total \d+\.\d{{4}} s, {size} bytes, \d+\.\d MB/s",
        lines[-1],
    ), lines[-1]
    assert lines.index("< HTTP/1.1 200 OK") > max(i for i, line in enumerate(lines) if line.startswith(">"))


def test_verbose_chunked_gzip_shows_encoding(base_url: str) -> None:
    proc = run_cli("-v", f"{base_url}/chunked-gzip")
    assert proc.returncode == 0
    lines = proc.stderr.decode().splitlines()
    assert "< Content-Encoding: gzip" in lines
    assert "< Transfer-Encoding: chunked" in lines
    assert f" {len(demo_server.chunked_gzip_text())} bytes, " in lines[-1]


def test_several_urls_in_order_over_one_connection(base_url: str) -> None:
    proc = run_cli("-v", f"{base_url}/large?size=10", f"{base_url}/json", f"{base_url}/large?size=5")
    assert proc.returncode == 0, proc.stderr.decode()
    body = json.dumps(demo_server.JSON_DOCUMENT).encode()
    assert proc.stdout == demo_server.large_body(10) + body + demo_server.large_body(5)
    connections = re.findall(r"^< X-Connection: (\d+)$", proc.stderr.decode(), re.M)
    assert len(connections) == 3
    assert len(set(connections)) == 1  # one session, one kept-alive connection


# -- --fail and errors ----------------------------------------------------------------


def test_fail_exits_with_http_code_and_writes_no_body(base_url: str) -> None:
    proc = run_cli("--fail", f"{base_url}/status/404")
    assert proc.returncode == EXIT_HTTP
    assert proc.stdout == b""
    assert error_line(proc) == f"{base_url}/status/404: HTTP 404 Not Found"


def test_fail_stops_at_first_failing_url(base_url: str) -> None:
    proc = run_cli("--fail", f"{base_url}/large?size=3", f"{base_url}/status/503", f"{base_url}/json")
    assert proc.returncode == EXIT_HTTP
    assert proc.stdout == demo_server.large_body(3)
    assert "HTTP 503" in error_line(proc)


def test_without_fail_an_error_status_succeeds(base_url: str) -> None:
    proc = run_cli(f"{base_url}/status/500")
    assert proc.returncode == 0
    assert proc.stdout == b"500 Internal Server Error\n"


def test_fail_passes_success(base_url: str) -> None:
    proc = run_cli("--fail", f"{base_url}/status/201")
    assert proc.returncode == 0
    assert proc.stdout == b"201 Created\n"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens here now: connecting is refused


def test_unreachable_host(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/json"
    proc = run_cli("-o", str(tmp_path / "never"), url)
    assert proc.returncode == EXIT_CONNECTION
    assert proc.stdout == b""
    assert error_line(proc).startswith(f"cannot connect to {url}: ")


def test_timeout(base_url: str) -> None:
    proc = run_cli("--timeout", "0.3", f"{base_url}/delay?seconds=10")
    assert proc.returncode == EXIT_TIMEOUT
    assert "timed out" in error_line(proc)


@pytest.mark.parametrize(
    "args",
    [
        ["-H", "no colon here"],
        ["-H", ": empty name"],
        ["--json", "{not json"],
        ["--timeout", "-1"],
        ["-d", "x", "--json", "{}"],
        ["--no-such-option"],
    ],
)
def test_usage_errors(base_url: str, args: list[str]) -> None:
    proc = run_cli(*args, f"{base_url}/json")
    assert proc.returncode == EXIT_USAGE
    assert proc.stdout == b""
    assert ERROR_PREFIX in proc.stderr.decode()


def test_no_url_is_a_usage_error() -> None:
    proc = run_cli()
    assert proc.returncode == EXIT_USAGE


def test_missing_data_file(base_url: str, tmp_path: Path) -> None:
    proc = run_cli("-d", f"@{tmp_path / 'missing'}", f"{base_url}/echo")
    assert proc.returncode == EXIT_LOCAL
    assert "cannot read" in error_line(proc)


def test_unwritable_output(base_url: str, tmp_path: Path) -> None:
    proc = run_cli("-o", str(tmp_path / "no" / "such" / "dir"), f"{base_url}/json")
    assert proc.returncode == EXIT_LOCAL
    assert "cannot write" in error_line(proc)


def test_help_documents_exit_codes() -> None:
    proc = run_cli_process("--help")
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "exit status:" in text
    for code in (EXIT_LOCAL, EXIT_USAGE, EXIT_CONNECTION, EXIT_TIMEOUT, EXIT_HTTP):
        assert re.search(rf"^  {code} ", text, re.M), code


# -- what is sent ---------------------------------------------------------------------


def test_get_sends_no_body(base_url: str) -> None:
    doc = echo(run_cli(f"{base_url}/echo?a=1"))
    assert doc["method"] == "GET"
    assert doc["query"] == "a=1"
    assert doc["body_length"] == 0


def test_headers_and_data(base_url: str) -> None:
    doc = echo(
        run_cli("-H", "X-Test: one", "-H", "X-Test:two", "-H", "X-Empty:", "-d", "hello body", f"{base_url}/echo")
    )
    assert doc["method"] == "POST"
    assert header_values(doc, "X-Test") == ["one", "two"]
    assert header_values(doc, "X-Empty") == [""]
    assert header_values(doc, "Content-Type") == ["application/octet-stream"]
    assert header_values(doc, "Content-Length") == ["10"]
    assert doc["body"] == "hello body"


def test_data_from_file_with_method(base_url: str, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 3 + b"\r\n\x00end"
    (tmp_path / "body.bin").write_bytes(payload)
    body_arg = f"@{tmp_path / 'body.bin'}"
    doc = echo(run_cli("-X", "put", "-H", "Content-Type: application/x-test", "-d", body_arg, f"{base_url}/echo"))
    assert doc["method"] == "PUT"
    assert doc["body_length"] == len(payload)
    assert doc["body_base64"] == base64.b64encode(payload).decode()
    assert header_values(doc, "Content-Type") == ["application/x-test"]


def test_data_from_stdin(base_url: str) -> None:
    doc = echo(run_cli_process("-d", "@-", f"{base_url}/echo", stdin=b"from stdin"))
    assert doc["body"] == "from stdin"


def test_json(base_url: str) -> None:
    text = '{"name": "value", "list": [1, 2.5, null]}'
    doc = echo(run_cli("--json", text, f"{base_url}/echo"))
    assert doc["method"] == "POST"
    assert doc["body"] == text  # sent as given
    assert header_values(doc, "Content-Type") == ["application/json"]
    assert header_values(doc, "Accept") == ["application/json"]


# -- without tqdm ---------------------------------------------------------------------


def _without_tqdm() -> list[str]:
    code = (
        "import sys; sys.modules['tqdm'] = None; "  # makes `import tqdm` raise ImportError
        f"from {CLI_MODULE}._cli._cli import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code]


def test_without_tqdm_verbose_says_so_once(base_url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    url = f"{base_url}/large?size=1000"
    proc = run_cli_process("-v", "-o", str(target), url, url, prefix=_without_tqdm())
    assert proc.returncode == 0, proc.stderr.decode()
    assert target.read_bytes() == demo_server.large_body(1000) * 2
    notes = [line for line in proc.stderr.decode().splitlines() if "tqdm" in line]
    assert notes == [
        "aiohttp-client: tqdm is not installed, so there is no progress bar (pip install 'aiohttp_client[cli]')"
    ]


def test_without_tqdm_quiet(base_url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    proc = run_cli_process("-o", str(target), f"{base_url}/large?size=1000", prefix=_without_tqdm())
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert target.read_bytes() == demo_server.large_body(1000)


@pytest.mark.parametrize("url", ["example.com/path", "ftp://example.com/x", "http://"])
def test_invalid_url_is_a_usage_error_and_nothing_is_written(tmp_path: Path, url: str) -> None:
    target = tmp_path / "out.bin"
    proc = run_cli("-o", str(target), url)
    assert proc.returncode == EXIT_USAGE
    assert error_line(proc).startswith(f"invalid URL {url!r}")
    assert not target.exists()


def test_bad_method_is_one_error_line_and_usage_status(base_url: str) -> None:
    proc = run_cli("-X", "BAD METHOD", f"{base_url}/json")
    assert proc.returncode == EXIT_USAGE
    assert "BAD METHOD" in error_line(proc)
    assert proc.stdout == b""


def test_verbose_rate_is_measured_over_the_body_like_the_bar() -> None:
    from aiohttp_client._cli._cli_timing import RequestTimes

    # 1 s to the head, then 10 MB in 1 s: the bar (started at the head) shows 10 MB/s,
    # and so must the timing line (not 5 MB/s over the whole 2 s).
    times = RequestTimes()
    times.start, times.headers_sent, times.head_received, times.body_end = 100.0, 100.0, 101.0, 102.0
    times.reused = True
    line = times.line(10_000_000, tls=False)
    assert line.endswith(", 10000000 bytes, 10.0 MB/s"), line


# -- --version, -k/--insecure, -v before the answer --------------------------------------


def test_version_prints_the_package_version() -> None:
    proc = run_cli_process("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"aiohttp-client {aiohttp_client.__version__}"


def test_verbose_prints_the_request_before_any_answer(base_url: str) -> None:
    # The server answers after 10 s; the run times out after 0.5 s.  The request was
    # written, so -v has shown it, with the fields actually sent, before the error.
    url = f"{base_url}/delay?seconds=10"
    proc = run_cli("-v", "--timeout", "0.5", url)
    assert proc.returncode == EXIT_TIMEOUT
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == f"> GET {url}"
    assert "> Accept: */*" in lines
    assert any(line.startswith("> Host: 127.0.0.1:") for line in lines)
    assert not any(line.startswith("<") for line in lines)
    assert lines[-1].startswith(ERROR_PREFIX)


def test_insecure_skips_certificate_verification() -> None:
    import trustme

    from _servers import tls_server_for

    response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
    with tls_server_for(trustme.CA(), response) as (port, _der, heads):
        url = f"https://127.0.0.1:{port}/x"
        refused = run_cli(url)  # the CA is not trusted by the command
        assert refused.returncode == EXIT_CONNECTION, refused.stderr.decode()
        assert "certificate" in refused.stderr.decode().lower()
        for flag in ("-k", "--insecure"):
            proc = run_cli(flag, url)
            assert proc.returncode == 0, proc.stderr.decode()
            assert proc.stdout == b"hello"
    assert len(heads) == 2
