"""The blocking-call detector (``tests/_blocking.py``, on every test) sees what it must:
a blocking call the client makes on a running loop is caught even when the client
turns the error into another one, while a file body, read in the executor, is not
flagged.  Each proof declares the blocking it provokes (``expected_blocking``)."""

import time
from pathlib import Path
from typing import Any

import pytest
from blockbuster import BlockingError

import aiohttp_client as aiohttp
from _blocking import blocking_errors
from _raw_helpers import OK, parse_request
from _servers import Reply, run
from aiohttp_client.payload import Payload


class _SleepingPayload(Payload):
    """A user's payload that blocks the loop with ``time.sleep`` before writing."""

    async def write(self, writer: Any) -> None:
        time.sleep(0.001)
        await writer.write(self._value)


class _SyncFilePayload(Payload):
    """A user's payload that reads its file on the loop (what the client must not do)."""

    async def write(self, writer: Any) -> None:
        await writer.write(self._value.read())


def _post_fails_with_blocking_error(url: str, body: Payload) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError) as info:
                async with session.post(url, data=body) as resp:
                    await resp.read()
            assert isinstance(info.value.__cause__, BlockingError)

    run(main())


def test_a_blocking_sleep_in_the_send_path_is_caught(raw_server, no_blocking_calls) -> None:
    no_blocking_calls.expected_blocking = True
    srv = raw_server(Reply.of(OK))
    _post_fails_with_blocking_error(srv.url("/"), _SleepingPayload(b"body"))
    assert blocking_errors == ["time.sleep"]


@pytest.mark.cpython
def test_a_file_read_on_the_loop_is_caught(raw_server, no_blocking_calls, tmp_path: Path) -> None:
    no_blocking_calls.expected_blocking = True
    srv = raw_server(Reply.of(OK))
    path = tmp_path / "body.bin"
    path.write_bytes(b"on disk" * 100)
    with path.open("rb") as f:
        _post_fails_with_blocking_error(srv.url("/"), _SyncFilePayload(f))
    assert blocking_errors == ["io.BufferedReader.read"]


@pytest.mark.cpython
def test_a_file_body_is_not_flagged(raw_server, no_blocking_calls, tmp_path: Path) -> None:
    assert no_blocking_calls.functions["io.BufferedReader.read"].activated  # the detector is armed
    srv = raw_server(Reply.of(OK))
    path = tmp_path / "body.bin"
    path.write_bytes(b"on disk" * 100_000)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with path.open("rb") as f:
                async with session.post(srv.url("/"), data=f) as resp:
                    assert await resp.read() == b"ok"

    run(main())
    assert blocking_errors == []
    assert parse_request(srv.requests[0])[2] == b"on disk" * 100_000


def test_blocking_outside_the_client_is_not_its_concern(no_blocking_calls) -> None:
    async def main() -> None:
        time.sleep(0.001)  # the test's own code, no frame of aiohttp_client on the stack

    run(main())
    assert blocking_errors == []
