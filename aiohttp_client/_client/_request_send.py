"""The sending half of ``ClientRequest`` (a base class of it): the framing fields
(Content-Length / Transfer-Encoding), the head (the per-URL template when it applies)
and the body, written through the connection's exchange
(:mod:`.._protocols._exchange`); the body writer task, ``Expect: 100-continue``,
upload counting, and stopping a writer that is still running.
"""

import asyncio
from typing import Any, Optional, Union

from multidict import CIMultiDict, getversion
from yarl import URL

from .. import hdrs
from .._body._upload_tracker import UploadTracker
from .._models import HttpVersion, HttpVersion11
from .._net._connection import Connection
from .._protocols._body_writer import (
    BodyWriter,
    compress_whole,
    content_length,
    count_once,
    short_body_error,
    write_body,
)
from .._protocols._exchange import Exchange, RequestHead
from .._sansio._http_writer import serialize_head
from .._sansio._proxy import is_http_proxy
from ..client_exceptions import ClientPayloadError
from ..payload import PAYLOAD_CHUNK, Payload
from ._request_target import Target
from ._request_target import target as url_target

__all__ = ("RequestSending",)

#: In-memory bodies up to this size are written (and compressed) in one go; bigger
#: ones stream in pieces of this size, each waiting for the transport to drain, so a
#: big body is never copied whole (into a compressor's output or the transport's buffer).
_IN_ONE_WRITE = PAYLOAD_CHUNK


def _exchange_of(conn: Connection) -> Exchange:
    """*conn*'s exchange.  :raises ConnectionResetError: the lease has ended."""
    exchange = conn.exchange
    if exchange is None:
        raise ConnectionResetError("Connection closed before the request was sent")
    return exchange


def _close_soon(body: Payload) -> None:
    task = asyncio.ensure_future(body.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


_closing: "set[asyncio.Future[None]]" = set()  # strong references until they finish


class RequestSending:
    """How a request goes out; ``ClientRequest`` provides the attributes annotated here."""

    method: str
    url: URL
    version: HttpVersion
    headers: "CIMultiDict[str]"
    compress: Optional[str]
    chunked: Optional[bool]
    proxy: Optional[URL]
    _traces: list[Any]
    _write_task: "Optional[asyncio.Task[None]]"

    body: Union[Payload, bytes] = b""
    _upload_tracker: Optional[UploadTracker] = None  # set by the session (upload_tracker=)
    _body_length: Optional[int] = None  # a Content-Length the caller gave
    _output_size = 0  # body bytes handed to the transport (before any coding)
    _attempt = 0
    _continue: "Optional[asyncio.Future[None]]" = None  # resolved by 100 Continue (expect100)
    _pristine: "Optional[tuple[int, Target]]" = None  # the fields as copied from the template
    _framed = False  # the framing fields were set by a send
    _chunked_by_us = False  # a send set Transfer-Encoding: chunked (update_body removes it)
    _writer_exchange: Optional[Exchange] = None  # the exchange the body writer writes to

    def _framing_headers(self) -> tuple[bool, Optional[bytes]]:
        """Set Content-Length / Transfer-Encoding; return ``(chunked, whole body or None)``."""
        headers = self.headers
        body = self.body
        if self.chunked and not self._framed and (hdrs.CONTENT_LENGTH in headers or hdrs.TRANSFER_ENCODING in headers):
            raise ValueError("chunked can not be set if Content-Length or Transfer-Encoding header is set")
        self._framed = True  # a second send (a retry) finds the fields the first one set
        if not isinstance(body, Payload):
            if self.method in ("POST", "PUT", "PATCH") and hdrs.CONTENT_LENGTH not in headers:
                headers[hdrs.CONTENT_LENGTH] = "0"
            return False, None
        raw = body._in_memory()
        given = headers.get(hdrs.CONTENT_LENGTH)
        if given is not None and given.isdigit() and not self.chunked and not self.compress:
            # The caller's Content-Length frames the body: send that many bytes.
            self._body_length = int(given)
            return False, raw[: self._body_length] if raw is not None else None
        if self.compress:
            headers[hdrs.CONTENT_ENCODING] = self.compress
            if raw is not None and len(raw) <= _IN_ONE_WRITE:
                raw = compress_whole(raw, self.compress)
            else:  # a big body is compressed as it streams out (bounded memory), chunked
                raw = None
        if self.chunked or (raw is None and body.size is None) or (self.compress and raw is None):
            headers.popall(hdrs.CONTENT_LENGTH, None)
            headers[hdrs.TRANSFER_ENCODING] = "chunked"
            self._chunked_by_us = True
            return True, raw
        if hdrs.TRANSFER_ENCODING in headers:
            return "chunked" in headers[hdrs.TRANSFER_ENCODING].lower(), raw
        headers[hdrs.CONTENT_LENGTH] = str(len(raw) if raw is not None else body.size)
        return False, raw

    @property
    def request_target(self) -> str:
        """The request-target: origin-form (RFC 9112 §3.2.1), or absolute-form
        (§3.2.2) for a plain-HTTP request through an HTTP proxy (a SOCKS proxy only
        carries bytes: the origin reads the request).
        """
        target = url_target(self.url)
        if self.proxy is not None and not target.is_ssl and is_http_proxy(self.proxy):
            return str(self.url)
        return target.path_qs

    # -- sending ---------------------------------------------------------------------

    async def send(self, conn: "Connection") -> None:
        """Write the request through *conn*'s exchange.  A streamed body is written by
        a task, so the response can be read while the body is still going out (a
        server may answer early).  With ``Expect: 100-continue`` that task first
        waits for ``100 Continue`` (RFC 9110 §10.1.1); a final response instead means
        the body is never sent.

        :raises ValueError: a forbidden character in the head (nothing was written).
        :raises ConnectionResetError: the connection is closed (nothing was written).
        """
        body = self.body
        if isinstance(body, Payload):
            await self._ready_to_send(body)
        exchange = _exchange_of(conn)
        chunked, raw, head = self._head()
        declared = None if chunked else content_length(self.headers)
        if raw is not None and declared is not None and len(raw) < declared:
            raise short_body_error(len(raw), declared)  # nothing written yet
        self._continue = None
        if isinstance(body, Payload) and self._expects_continue():
            self._continue = exchange.expect_continue()
        if self._traces:
            head = await self._trace_head(conn, head, body)
        if not isinstance(body, Payload):
            exchange.write_head(head, b"")
            return
        tracker = self._upload_tracker
        if tracker is not None:
            tracker._attempt_writing(self._attempt)
        if raw is not None and self._continue is None and len(raw) <= _IN_ONE_WRITE:
            exchange.write_head(head, raw)
            self._count(len(raw) if self.compress is None else body.size or 0)
            if tracker is not None:
                tracker._attempt_finished(self._attempt)
            return
        exchange.write_head(head, None)
        # Streamed chunks are reported by the writer; a body in memory was reported whole.
        traced = self if self._traces and (self._continue is not None or body._in_memory() is None) else None
        self._start_writer(conn, exchange, body, raw, declared, traced)

    async def _trace_head(self, conn: "Connection", head: RequestHead, body: Any) -> RequestHead:
        """Send the head (and a body in memory) trace signals, after checking what
        would fail the write (a forbidden character, a closed connection), so no
        signal reports a request that never went out; returns *head* serialized.
        """
        if head.raw is None:  # validates (ValueError); an HTTP/2 exchange ignores raw
            head = head._replace(raw=serialize_head(head.method, head.target, head.version, head.fields.items()))
        if conn.closed:
            raise ConnectionResetError("Connection closed before the request was sent")
        in_memory = body._in_memory() if self._continue is None and isinstance(body, Payload) else None
        for trace in self._traces:  # the head (and a body in memory) go out now
            await trace.send_request_headers(self.method, self.url, self.headers)
            if in_memory:
                await trace.send_request_chunk_sent(self.method, self.url, in_memory)
        return head

    def _start_writer(
        self,
        conn: "Connection",
        exchange: Exchange,
        body: Payload,
        raw: Optional[bytes],
        declared: Optional[int],
        traced: Optional["RequestSending"],
    ) -> None:
        """Start the task writing *body* (or *raw*, the body in memory) through
        *exchange* after the head.  Its byte counts and its end are reported for this
        attempt only, so a writer of an earlier send still stopping never counts
        toward a later one.
        """
        attempt = self._attempt
        self._writer_exchange = exchange

        def count(n: int) -> None:
            self._count(n, attempt)

        def done(exc: Optional[BaseException], cancelled: bool) -> None:
            self._body_done(exc, cancelled, attempt)

        if raw is not None and self.compress is not None:  # in memory, coded, after 100 Continue
            writer = BodyWriter(exchange, None, count_once(count, body.size or 0), traced)
        elif raw is not None:  # in memory: after 100 Continue, or too big for one write
            writer = BodyWriter(exchange, None, count, traced)
        else:
            writer = BodyWriter(exchange, self.compress, count, traced)
        length = body.size if self._body_length is None else self._body_length
        self._write_task = asyncio.ensure_future(
            write_body(body, writer, conn, length, done, continue100=self._continue, in_memory=raw, declared=declared)
        )

    async def _ready_to_send(self, body: Payload) -> None:
        """Make *body* ready for this send: a writer still running from a previous
        send of this request (a middleware sending it again after an early answer)
        is stopped first, then the body starts again from its start.

        :raises ClientPayloadError: the body was consumed and cannot be sent again
            (an async iterable, a stream that cannot seek); nothing is written.
        """
        await self.close()
        if not body.rewind():
            raise ClientPayloadError(
                "The request body cannot be sent again: it was consumed (an async iterable or a "
                "stream that cannot seek). Use bytes or a seekable file-like object"
            )

    def _expects_continue(self) -> bool:
        """``Expect: 100-continue`` is in the head (``expect100=True`` or given)."""
        return self.headers.get(hdrs.EXPECT, "").lower() == "100-continue"

    def _head(self) -> tuple[bool, Optional[bytes], RequestHead]:
        """The framing (``(chunked, whole body or None)``) and the head to send (its
        ``raw`` the template head when it applies).
        """
        chunked, raw = self._framing_headers()
        template = self._template_head()
        if template is not None:
            target = self._pristine[1].path_qs  # type: ignore[index]
        else:
            target = self.request_target
        head = (self.method, self.url, target, self.version, self.headers, template, chunked)
        return chunked, raw, tuple.__new__(RequestHead, head)  # as RequestHead(...), faster

    def _send_nowait(self, conn: "Connection") -> bool:
        """:meth:`send` without a coroutine when it would await nothing (no body,
        nothing traced): ``True`` once the head is written, ``False`` (nothing
        done) otherwise.
        """
        if self._traces or isinstance(self.body, Payload):
            return False
        _chunked, _raw, head = self._head()
        exchange = conn.exchange
        if exchange is None:
            raise ConnectionResetError("Connection closed before the request was sent")
        exchange.write_head(head, b"")
        return True

    def _template_head(self) -> Optional[bytes]:
        """The head serialized before for a request with the same method, URL and
        fields, when this one's fields are still those copied from the template
        (multidict's version says whether they changed since) and nothing else
        goes into the head; else ``None``.
        """
        pristine = self._pristine
        if pristine is None or self.proxy is not None or self.version is not HttpVersion11:
            return None
        version, target = pristine
        if getversion(self.headers) != version or url_target(self.url) is not target:  # type: ignore[arg-type]
            return None
        head = target.heads.get(self.method)
        if head is None:
            head = serialize_head(self.method, target.path_qs, HttpVersion11, self.headers.items())
            if len(target.heads) < 16:
                target.heads[self.method] = head
        return head

    def _count(self, n: int, attempt: Optional[int] = None) -> None:
        """*n* body bytes (before coding) of *attempt* (default: the current one)
        went to the exchange.
        """
        self._output_size += n
        if self._upload_tracker is not None:
            self._upload_tracker._add_bytes(self._attempt if attempt is None else attempt, n)

    def _begin_attempt(self) -> None:
        """A send of this request begins (before connecting): tell the tracker."""
        if self._upload_tracker is not None:
            self._attempt = self._upload_tracker._attempt_started(isinstance(self.body, Payload))

    def _body_done(self, exc: Optional[BaseException], cancelled: bool, attempt: int) -> None:
        tracker = self._upload_tracker
        if tracker is not None:
            if exc is None and not cancelled:
                tracker._attempt_finished(attempt)
            else:
                tracker._attempt_failed(attempt, exc)

    def _stop_writer(self) -> bool:
        """Cancel the body writer if it is still running; ``True`` when it was (the
        body is unfinished, so the connection must not be reused).  Its exchange is
        cut: what it buffered is dropped (closing would first flush it, and a peer
        that stopped reading would keep the socket open).
        """
        task = self._write_task
        if task is None or task.done():
            return False
        task.cancel()
        exchange = self._writer_exchange
        if exchange is not None:
            exchange.cut()
        return True

    async def _close_body(self) -> None:
        """Release what the body holds once it is no longer being written (the
        request is over; a body still going out after an early response is closed
        when its writer ends).
        """
        body = self.body
        if not isinstance(body, Payload):
            return
        task = self._write_task
        if task is not None and not task.done():
            task.add_done_callback(lambda _t: _close_soon(body))
        else:
            await body.close()

    async def close(self) -> None:
        """Wait for (or stop) a body still being written."""
        task = self._write_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
