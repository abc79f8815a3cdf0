"""Self-tests of the test peers in ``_servers.py``, using only the standard library as
the client, so they hold whatever state the client under test is in."""

from __future__ import annotations

import asyncio
import gc
import gzip
import hashlib
import json
import time
import urllib.request
import warnings
from collections.abc import Coroutine
from typing import Any

import pytest

from _servers import LeakElsewhereWarning, Reply, run, served_in_thread

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _exchange(port: int, *requests: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = b""
    for request in requests:
        writer.write(request)
        await writer.drain()
        received += await asyncio.wait_for(reader.readuntil(b"ok"), 5)
    writer.close()
    await writer.wait_closed()
    return received


def test_run_returns_result_and_propagates_errors() -> None:
    async def value() -> int:
        await asyncio.sleep(0)
        return 42

    async def boom() -> None:
        raise KeyError("x")

    assert run(value()) == 42
    with pytest.raises(KeyError):
        run(boom())


def test_run_fails_on_exception_handler_call() -> None:
    async def leak() -> None:
        asyncio.get_running_loop().call_exception_handler({"message": "leaked thing"})

    with pytest.raises(pytest.fail.Exception, match="leaked thing"):
        run(leak())


def test_run_fails_on_unretrieved_task_exception() -> None:
    async def orphan() -> None:
        async def fail() -> None:
            raise RuntimeError("nobody awaits me")

        asyncio.get_running_loop().create_task(fail())
        await asyncio.sleep(0.01)

    with pytest.raises(pytest.fail.Exception, match="never retrieved"):
        run(orphan())
    gc.collect()


def test_run_fails_on_unclosed_transport() -> None:
    async def leak_socket(port: int) -> None:
        transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
        transport.write(b"x")
        del transport

    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        with warnings.catch_warnings(record=True) as elsewhere:
            warnings.simplefilter("always", LeakElsewhereWarning)
            with pytest.raises(pytest.fail.Exception, match="ResourceWarning: unclosed transport"):
                run(leak_socket(listener.getsockname()[1]))
        # the leak is this run's, though its loop became garbage with the transport
        assert [w for w in elsewhere if issubclass(w.category, LeakElsewhereWarning)] == []
    finally:
        listener.close()


def test_run_reports_a_leak_of_another_loop_without_failing() -> None:
    """A ResourceWarning about a transport of another loop (a server thread's, an
    earlier test's that PyPy finalised late) is reported as LeakElsewhereWarning and
    the run passes; the same warning about a transport of the run's loop fails it.
    The warnings are the ones asyncio's transports give from ``__del__``
    (``source=`` the transport), raised here on purpose on real transports."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    other = asyncio.new_event_loop()
    try:
        elsewhere, _ = other.run_until_complete(other.create_connection(asyncio.Protocol, "127.0.0.1", port))

        async def warn_about(transport: asyncio.BaseTransport) -> str:
            warnings.warn(f"unclosed transport {transport!r}", ResourceWarning, stacklevel=1, source=transport)
            return "done"

        async def warn_about_own() -> None:
            transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
            await warn_about(transport)
            transport.close()

        with pytest.warns(LeakElsewhereWarning, match=r"unclosed transport .*\(another loop's or a test server's\)"):
            assert run(warn_about(elsewhere)) == "done"
        with pytest.raises(pytest.fail.Exception, match="ResourceWarning: unclosed transport"):
            run(warn_about_own())
        elsewhere.close()
        other.run_until_complete(asyncio.sleep(0))
    finally:
        other.close()
        listener.close()


def test_run_reports_a_test_servers_socket_without_failing() -> None:
    """A socket warning about a test server's accepted connection (its local port is
    the server's) is reported as LeakElsewhereWarning; about a client's socket (an
    ephemeral local port) it fails the run.  The warnings are raised here on purpose,
    as ``socket.socket.__del__`` raises them."""
    import socket

    accepted: list[Any] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer.get_extra_info("socket"))
        await reader.read()
        writer.close()

    def start(loop: asyncio.AbstractEventLoop) -> Coroutine[Any, Any, asyncio.AbstractServer]:
        return asyncio.start_server(handle, "127.0.0.1", 0)

    async def warn_about(sock: Any) -> None:
        warnings.warn(f"unclosed {sock!r}", ResourceWarning, stacklevel=1, source=sock)

    with served_in_thread("accepting", start) as server:
        client = socket.create_connection(server.sockets[0].getsockname()[:2], timeout=5)
        try:
            for _ in range(500):  # bounded: at most 5 s
                if accepted:
                    break
                time.sleep(0.01)
            with pytest.warns(LeakElsewhereWarning, match=r"unclosed .*laddr=.*\(another loop's or a test server's\)"):
                run(warn_about(accepted[0]))
            with pytest.raises(pytest.fail.Exception, match="ResourceWarning: unclosed <socket.socket"):
                run(warn_about(client))
        finally:
            client.close()


def test_a_server_thread_closes_the_connections_it_holds_when_stopped() -> None:
    """A handler that never closes its connection: stopping the server thread closes
    it (the client reads EOF), so no socket of the thread is left for a later test's
    collection to finalise and report."""
    import socket
    import threading

    accepted = threading.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.read()  # cancelled by the stop; the writer is never closed here

    def start(loop: asyncio.AbstractEventLoop) -> Coroutine[Any, Any, asyncio.AbstractServer]:
        return asyncio.start_server(handle, "127.0.0.1", 0)

    with served_in_thread("holder", start) as server:
        client = socket.create_connection(server.sockets[0].getsockname()[:2], timeout=5)
        assert accepted.wait(5)
    try:
        try:
            assert client.recv(1) == b""
        except ConnectionResetError:
            pass  # an abort may reset: closed all the same
    finally:
        client.close()


def test_run_bounds_a_hanging_coroutine() -> None:
    with pytest.raises(pytest.fail.Exception, match="did not finish within 0.2 s"):
        run(asyncio.sleep(30), timeout=0.2)


def test_raw_server_keep_alive_records_requests(raw_server) -> None:
    srv = raw_server(Reply.of(OK))
    first = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    second = b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    assert run(_exchange(srv.port, first, second)) == OK + OK
    assert srv.accepted == 1
    assert srv.requests == [first, second]


def test_raw_server_script_list_and_chunked_request(raw_server) -> None:
    srv = raw_server([Reply.of(OK, close=True), Reply.of(b"HTTP/1.1 200 OK\r\n", OK[17:])])
    chunked = b"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"
    assert run(_exchange(srv.port, chunked)) == OK
    assert run(_exchange(srv.port, b"GET / HTTP/1.1\r\n\r\n")) == OK
    assert srv.accepted == 2
    assert srv.requests == [chunked, b"GET / HTTP/1.1\r\n\r\n"]


def test_raw_server_hang_keeps_connection_open(raw_server) -> None:
    srv = raw_server(Reply.of(b"HTTP/1.1 200 OK\r\n", hang=True))

    async def main() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        assert await reader.readuntil(b"\r\n") == b"HTTP/1.1 200 OK\r\n"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.2)
        writer.close()
        await writer.wait_closed()

    run(main())
    assert srv.connections[0].closed_by_peer.wait(5)


def test_web_server_routes_with_urllib(web_server) -> None:
    srv = web_server()

    def fetch(path: str, data: bytes | None = None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(srv.url(path), data=data)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()

    async def main() -> None:
        status, _, body = await asyncio.to_thread(fetch, "/echo?a=1", b"payload")
        echo = json.loads(body)
        assert (status, echo["method"], echo["query"], echo["body"]) == (
            200,
            "POST",
            [["a", "1"]],
            "payload",
        )
        _, headers, body = await asyncio.to_thread(fetch, "/gzip")
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == srv.GZIP_TEXT
        _, _, body = await asyncio.to_thread(fetch, "/bytes/100000")
        assert len(body) == 100000 and body == (await asyncio.to_thread(fetch, "/bytes/100000"))[2]
        _, _, body = await asyncio.to_thread(fetch, "/chunked")
        assert body == b"".join(srv.CHUNKS)

    run(main())


@pytest.mark.nginx
def test_nginx_fixture_serves_files_to_urllib(nginx_server) -> None:
    def fetch(path: str, **headers: str) -> tuple[dict, bytes]:
        req = urllib.request.Request(nginx_server.url(path), headers=headers)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return dict(resp.headers), resp.read()

    async def main() -> None:
        _, large = await asyncio.to_thread(fetch, nginx_server.large_name)
        assert hashlib.sha256(large).hexdigest() == nginx_server.large_sha256
        headers, text = await asyncio.to_thread(fetch, nginx_server.text_name, **{"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(text) == nginx_server.text

    run(main(), timeout=60)
    log = nginx_server.access_log()
    assert [(r["uri"], r["status"]) for r in log] == [
        (nginx_server.large_name, 200),
        (nginx_server.text_name, 200),
    ]


def test_run_fails_on_a_task_left_pending() -> None:
    async def forget() -> None:
        asyncio.get_running_loop().create_task(asyncio.sleep(30))

    with pytest.raises(pytest.fail.Exception, match="task still pending"):
        run(forget())
