"""An unclosed ``ClientSession`` or connector is reported through the loop's exception
handler, as aiohttp 3.14.5 does, so a user sees it on stderr under the default warning
filters (issue 15 item 16): ``Unclosed client session`` with ``client_session``,
``Unclosed connector`` with ``connector`` and ``connections``, and ``source_traceback``
(where the object was made) when the loop is in debug mode.  The ``ResourceWarning``
stays.  Each script runs in a subprocess (default warning filters: no
``PYTHONWARNINGS``), against a real peer on 127.0.0.1 where a connection is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_PRELUDE = """
import asyncio, gc, json, sys
if sys.argv[1] == "aiohttp":
    import aiohttp
else:
    import aiohttp_client as aiohttp

WRITERS = []

async def serve_one():
    async def handle(reader, writer):
        await reader.readuntil(b"\\r\\n\\r\\n")
        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
        WRITERS.append(writer)  # kept open: the client's connection stays idle
    return await asyncio.start_server(handle, "127.0.0.1", 0)

def collect():
    for _ in range(3):  # PyPy finalizes on a later collection
        gc.collect()
"""

_SCRIPTS = {
    "session": """
async def main():
    session = aiohttp.ClientSession()  # leaked here
    del session
    collect()
""",
    "session_not_owner": """
async def main():
    connector = aiohttp.TCPConnector()
    session = aiohttp.ClientSession(connector=connector, connector_owner=False)  # leaked here
    del session
    collect()
    await connector.close()
""",
    "connector": """
async def main():
    server = await serve_one()
    port = server.sockets[0].getsockname()[1]
    connector = aiohttp.TCPConnector()  # leaked here
    session = aiohttp.ClientSession(connector=connector, connector_owner=False)
    async with session.get(f"http://127.0.0.1:{port}/") as resp:
        assert await resp.read() == b"ok"
    await session.close()
    del connector, session, resp
    collect()
    server.close()
    for writer in WRITERS:
        writer.close()
""",
    "closed": """
async def main():
    session = aiohttp.ClientSession()
    async with session:
        pass
    connector = aiohttp.TCPConnector()  # no connection: nothing to report
    del session, connector
    collect()
""",
}

_RUN = """
mode = sys.argv[2]
if mode == "keys":  # the context keys, from a handler of our own
    seen = []
    async def with_handler():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: seen.append(sorted(ctx)))
        await main()
    asyncio.run(with_handler(), debug=sys.argv[3] == "debug")
    print(json.dumps(seen))
else:  # the default handler: what a user sees on stderr
    asyncio.run(main(), debug=mode == "debug")
"""


@pytest.fixture(autouse=True)
def _scripts_in(tmp_path: Path) -> None:
    global _TMP
    _TMP = tmp_path


_TMP = Path()


def _run(case: str, module: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = _TMP / f"leak_{case}.py"  # a file: a traceback shows its source lines
    script.write_text(_PRELUDE + textwrap.dedent(_SCRIPTS[case]) + _RUN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)  # this worktree's package (and -I drops the cwd)
    return subprocess.run(
        [sys.executable, str(script), module, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


def test_leaked_session_is_reported_on_stderr() -> None:
    proc = _run("session", "ours", "plain")
    assert proc.returncode == 0, proc.stderr
    assert "Unclosed client session" in proc.stderr
    assert "client_session: <aiohttp_client." in proc.stderr
    assert "source_traceback" not in proc.stderr
    assert "ResourceWarning" not in proc.stderr  # ignored by the default filters


def test_debug_mode_names_where_the_session_was_made() -> None:
    proc = _run("session", "ours", "debug")
    assert proc.returncode == 0, proc.stderr
    assert "Unclosed client session" in proc.stderr
    assert "source_traceback: Object created at (most recent call last):" in proc.stderr
    assert "session = aiohttp.ClientSession()  # leaked here" in proc.stderr


def test_session_without_its_connector_is_reported() -> None:
    proc = _run("session_not_owner", "ours", "plain")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("Unclosed client session") == 1
    assert "Unclosed connector" not in proc.stderr


@pytest.mark.parametrize("mode", ["plain", "debug"])
def test_leaked_connector_with_a_connection_is_reported(mode: str) -> None:
    proc = _run("connector", "ours", mode)
    assert proc.returncode == 0, proc.stderr
    assert "Unclosed connector" in proc.stderr
    assert "connector: <aiohttp_client.connector.TCPConnector object" in proc.stderr
    assert "connections: [" in proc.stderr
    assert ("connector = aiohttp.TCPConnector()  # leaked here" in proc.stderr) is (mode == "debug")


def test_closed_session_and_idle_connector_are_quiet() -> None:
    proc = _run("closed", "ours", "plain")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("case", sorted(_SCRIPTS))
@pytest.mark.parametrize("debug", ["plain", "debug"])
def test_context_keys_match_aiohttp(case: str, debug: str) -> None:
    found = {}
    for module in ("ours", "aiohttp"):
        proc = _run(case, module, "keys", debug)
        assert proc.returncode == 0, proc.stderr
        found[module] = json.loads(proc.stdout)
    assert found["ours"] == found["aiohttp"]
    expect_reports = case != "closed"
    assert bool(found["ours"]) is expect_reports
