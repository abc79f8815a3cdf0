"""The ``aiohttp-client`` command: fetch URLs with the public client API.

Every URL is fetched in order over one :class:`ClientSession`; the bodies are
streamed (``resp.content.iter_chunked``) to stdout or to ``-o FILE``.  This module
uses only names a user of the library can reach (``aiohttp_client.ClientSession``,
``ClientTimeout``, the public exceptions) and so doubles as a usage example.

Exit codes (one policy, here; ``--help`` prints the same table):

====  ==========================================================================
0     every URL was fetched (without ``--fail``, also when the status was >= 400)
1     a local file could not be read (``-d @FILE``) or written (``-o FILE``, stdout)
2     usage error: bad option, header, JSON text or URL
3     connection error: could not connect, connection lost, malformed response
4     timeout (``--timeout``)
5     HTTP failure: ``--fail`` and a status >= 400
130   interrupted (Ctrl-C)
====  ==========================================================================

The first failure ends the run: later URLs are not fetched.  An error is reported as
one line on stderr, ``aiohttp-client: error: ...``.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import IO, Any, Optional

from multidict import CIMultiDict
from yarl import URL

import aiohttp_client as client
from aiohttp_client._sansio._http_writer import validate_method

from ._cli_timing import RequestTimes, timing_trace_config

__all__ = ("main", "build_parser")

PROG = "aiohttp-client"
READ_SIZE = 65536  # bytes asked of ``iter_chunked`` per step
DEFAULT_TIMEOUT = 30.0  # seconds; see --timeout

EXIT_OK = 0
EXIT_LOCAL = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_TIMEOUT = 4
EXIT_HTTP = 5
EXIT_INTERRUPTED = 130

_EPILOG = f"""\
exit status:
  {EXIT_OK}    every URL was fetched (without --fail also when the status was >= 400)
  {EXIT_LOCAL}    a local file could not be read (-d @FILE) or written (-o FILE, stdout)
  {EXIT_USAGE}    usage error: bad option, header, JSON text or URL
  {EXIT_CONNECTION}    connection error: could not connect, connection lost, malformed response
  {EXIT_TIMEOUT}    timeout (see --timeout)
  {EXIT_HTTP}    HTTP failure: --fail was given and a status was >= 400
  {EXIT_INTERRUPTED}  interrupted
The first failure stops the run; later URLs are not fetched.

examples:
  {PROG} http://127.0.0.1:8080/json
  {PROG} -v -o big.bin http://127.0.0.1:8080/large
  {PROG} -X PUT -H 'X-Token: abc' -d @body.bin http://127.0.0.1:8080/echo
  {PROG} --json '{{"name": "value"}}' http://127.0.0.1:8080/echo
"""


class CliError(Exception):
    """A failure to report as one line on stderr, with the exit code to use."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Fetch URLs with aiohttp_client, in order over one session, and stream\nthe bodies to stdout or to a file."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="http:// or https:// URL to fetch")
    parser.add_argument("--version", action="version", version=f"{PROG} {client.__version__}")
    _add_request_options(parser)
    _add_output_options(parser)
    return parser


def _add_request_options(parser: argparse.ArgumentParser) -> None:
    """-X, -H, -d/--json, --timeout: what is sent and how long to wait."""
    parser.add_argument(
        "-X",
        "--request",
        dest="method",
        metavar="METHOD",
        help="request method (default: GET, or POST with -d/--json)",
    )
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a request header field (repeatable)",
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument(
        "-d",
        "--data",
        metavar="DATA",
        help="send DATA as the request body; @FILE sends the file's bytes, @- reads stdin "
        "(Content-Type: application/octet-stream unless -H sets one)",
    )
    body.add_argument(
        "--json",
        metavar="JSON",
        help="send the JSON text as the body with Content-Type and Accept application/json "
        "(@FILE reads it from a file)",
    )
    parser.add_argument(
        "-k",
        "--insecure",
        action="store_true",
        help="do not verify the server's TLS certificate (the connection is still encrypted)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help="give up when connecting takes longer than S seconds or no data arrives for "
        "S seconds (default: %(default)s; the whole transfer has no time limit)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """-o, --no-progress, -v, --fail: where the body goes and what is reported."""
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the bodies to FILE (truncated first) instead of stdout, with a progress bar on stderr",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even with -o")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the request, the status-line, the response fields and a timing line to stderr",
    )
    parser.add_argument(
        "--fail",
        action="store_true",
        help=f"on a status >= 400 write no body and exit with status {EXIT_HTTP}",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> ``("Name", "value")`` (the value may be empty)."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(c in name for c in " \t\r\n"):
        raise CliError(EXIT_USAGE, f"bad header {text!r}: expected 'Name: value'")
    if any(c in value for c in "\r\n\x00"):
        raise CliError(EXIT_USAGE, f"bad header {text!r}: the value contains CR, LF or NUL")
    return name, value.strip()


def _read_arg_file(spec: str) -> bytes:
    """``@FILE`` -> the file's bytes (``@-``: stdin)."""
    path = spec[1:]
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CliError(EXIT_LOCAL, f"cannot read {path!r}: {exc.strerror or exc}") from None


def _request_options(args: argparse.Namespace) -> tuple[str, "CIMultiDict[str]", Optional[bytes]]:
    """Method, headers and body from the parsed arguments."""
    headers: CIMultiDict[str] = CIMultiDict(parse_header(h) for h in args.headers)
    body: Optional[bytes] = None
    if args.data is not None:
        body = _read_arg_file(args.data) if args.data.startswith("@") else args.data.encode()
        headers.setdefault("Content-Type", "application/octet-stream")
    elif args.json is not None:
        body = _read_arg_file(args.json) if args.json.startswith("@") else args.json.encode()
        try:
            json.loads(body)
        except ValueError as exc:
            raise CliError(EXIT_USAGE, f"--json: not valid JSON text: {exc}") from None
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Accept", "application/json")
    method = (args.method or ("GET" if body is None else "POST")).upper()
    try:
        validate_method(method)
    except ValueError:
        raise CliError(EXIT_USAGE, f"-X: not a valid HTTP method: {method!r}") from None
    return method, headers, body


class _Output:
    """The destination of the bodies; a write failure becomes a :class:`CliError`."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.stream = stream
        self.name = name

    def write(self, data: bytes) -> None:
        try:
            self.stream.write(data)
        except OSError as exc:
            raise self._error(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> CliError:
        if isinstance(exc, BrokenPipeError) and self.stream is sys.stdout.buffer:
            # The reader went away (``| head``): point stdout at /dev/null so that the
            # interpreter's final flush does not print a second error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return CliError(EXIT_LOCAL, f"cannot write {self.name}: {exc.strerror or exc}")


class _Progress:
    """A tqdm bar on stderr when tqdm is installed and a bar is wanted; else nothing."""

    warned = False

    def __init__(self, enabled: bool, verbose: bool, total: Optional[int], desc: str) -> None:
        self._bar: Any = None
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            if verbose and not _Progress.warned:
                _Progress.warned = True
                _note("tqdm is not installed, so there is no progress bar (pip install 'aiohttp_client[cli]')")
            return
        self._bar = tqdm(
            total=total,
            desc=desc,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,  # MB = 10**6 bytes, as in the -v line's MB/s
            file=sys.stderr,
            mininterval=0.1,
            dynamic_ncols=True,
        )

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _content_length(resp: client.ClientResponse) -> Optional[int]:
    """The Content-Length of an un-encoded body, for the progress bar's total."""
    value = resp.headers.get("Content-Length")
    if value is None or not value.isdigit() or resp.headers.get("Content-Encoding"):
        return None  # an encoded body is counted after decoding, so its length differs
    return int(value)


def _print_request(method: str, url: str, headers: "CIMultiDict[str]") -> None:
    """The request as sent, printed when its head has been written (before any answer)."""
    err = sys.stderr
    print(f"> {method} {url}", file=err)
    for name, value in headers.items():
        print(f"> {name}: {value}", file=err)
    err.flush()


def _print_head(resp: client.ClientResponse) -> None:
    err = sys.stderr
    version = f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else "HTTP"
    print(f"< {version} {resp.status} {resp.reason or ''}".rstrip(), file=err)
    for raw_name, raw_value in resp.raw_headers:
        print(f"< {raw_name.decode('latin-1')}: {raw_value.decode('latin-1')}", file=err)
    err.flush()


async def _fetch_one(
    session: client.ClientSession,
    url: str,
    out: _Output,
    args: argparse.Namespace,
    *,
    method: str,
    headers: "CIMultiDict[str]",
    body: Optional[bytes],
) -> None:
    times = RequestTimes(on_headers_sent=_print_request if args.verbose else None)
    ssl = False if args.insecure else True
    async with session.request(method, url, headers=headers, data=body, ssl=ssl, trace_request_ctx=times) as resp:
        if args.verbose:
            _print_head(resp)
        if args.fail and resp.status >= 400:
            raise CliError(EXIT_HTTP, f"{url}: HTTP {resp.status} {resp.reason or ''}".rstrip())
        show_bar = args.output is not None and not args.no_progress
        bar = _Progress(show_bar, args.verbose, _content_length(resp), resp.url.path or url)
        nbytes = 0
        try:
            async for chunk in resp.content.iter_chunked(READ_SIZE):
                out.write(chunk)
                nbytes += len(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
        out.flush()
    times.body_end = time.perf_counter()
    if args.verbose:
        print(times.line(nbytes, resp.url.scheme == "https"), file=sys.stderr, flush=True)


def _check_url(text: str) -> None:
    """Reject what cannot be fetched before fetching anything."""
    try:
        url = URL(text)
    except ValueError as exc:
        raise CliError(EXIT_USAGE, f"invalid URL {text!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise CliError(EXIT_USAGE, f"invalid URL {text!r}: expected http://HOST/... or https://HOST/...")


async def _fetch_all(
    args: argparse.Namespace, method: str, headers: "CIMultiDict[str]", body: Optional[bytes], out: _Output
) -> None:
    timeout = client.ClientTimeout(total=None, connect=args.timeout, sock_read=args.timeout)
    traces = [timing_trace_config()] if args.verbose else None
    async with client.ClientSession(timeout=timeout, trace_configs=traces) as session:
        for url in args.urls:
            try:
                await _fetch_one(session, url, out, args, method=method, headers=headers, body=body)
            except CliError:
                raise
            except asyncio.TimeoutError:
                raise CliError(EXIT_TIMEOUT, f"{url}: timed out (--timeout {args.timeout:g} s)") from None
            except client.RedirectClientError as exc:  # the server's Location was bad
                raise CliError(EXIT_CONNECTION, f"{url}: bad redirect: {_one_line(exc)}") from None
            except (client.InvalidURL, client.NonHttpUrlClientError) as exc:
                raise CliError(EXIT_USAGE, f"invalid URL {url!r}: {_one_line(exc)}") from None
            except client.ClientConnectorError as exc:
                detail = exc.strerror or _one_line(exc)
                raise CliError(EXIT_CONNECTION, f"cannot connect to {url}: {detail}") from None
            except (client.ClientError, OSError) as exc:
                what = type(exc).__name__
                raise CliError(EXIT_CONNECTION, f"{url}: {what}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _open_output(path: Optional[str]) -> tuple[_Output, Optional[IO[bytes]]]:
    if path is None:
        return _Output(sys.stdout.buffer, "stdout"), None
    try:
        f = open(path, "wb")
    except OSError as exc:
        raise CliError(EXIT_LOCAL, f"cannot write {path!r}: {exc.strerror or exc}") from None
    return _Output(f, repr(path)), f


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command with *argv* (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)  # exits with status 2 on a usage error
    opened: Optional[IO[bytes]] = None
    try:
        for url in args.urls:
            _check_url(url)
        method, headers, body = _request_options(args)
        out, opened = _open_output(args.output)
        asyncio.run(_fetch_all(args, method, headers, body, out))
    except CliError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr, flush=True)
        return exc.code
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    finally:
        if opened is not None:
            opened.close()
    return EXIT_OK
