"""What the response reader decides once per final head, for both reader twins.

:func:`begin_body` is the one place where a head turns into a body plan: the framing
(:func:`._framing.response_framing`, RFC 9112 §6.3) and, when the body is coded, a
:class:`DecodingSink` in front of the consumer.  Both reader twins (``_http_reader_py``
and the compiled ``_http_reader_c``) call it, so the security-relevant decision is
written once, in Python (DESIGN.md), and the twins only move bytes.
"""

from typing import Any, Optional

from .._models import ResponseHead
from ..hdrs import CONTENT_ENCODING
from ._compression import ContentDecoder, chain, make_decoder, make_transfer_decoder
from ._framing import CHUNKED_ONLY, NO_BODY, Framing, response_framing

__all__ = ("begin_body", "body_decoder", "DecodingSink")


def begin_body(
    sink: Any, method: str, head: ResponseHead, read_until_eof: bool, auto_decompress: bool
) -> tuple[Framing, Any]:
    """The framing of *head* (the response to *method*) and the object that takes its
    body: *sink* itself, or a :class:`DecodingSink` in front of it when a coding other
    than ``chunked`` applies.

    :raises InvalidHeader: conflicting or malformed Transfer-Encoding/Content-Length.
    """
    framing, codings = response_framing(method, head, read_until_eof)
    if framing.kind != NO_BODY:
        # The Transfer-Encoding codings come split from response_framing: None when
        # there is no such field (or the framing is by Content-Length, which rules
        # one out), ["chunked"] alone means nothing to decode.
        if CONTENT_ENCODING in head.headers or (codings is not None and codings != CHUNKED_ONLY):
            decoder = body_decoder(head, auto_decompress, codings)
            if decoder is not None:
                return framing, DecodingSink(sink, decoder)
    return framing, sink


def body_decoder(head: ResponseHead, auto_decompress: bool, codings: "Optional[list[str]]") -> Optional[ContentDecoder]:
    """The transfer codings other than ``chunked`` (always decoded: they are not
    content, RFC 9112 §6.1, §7), then the content codings (if *auto_decompress*).
    An HTTP/1.0 response is decoded by the same rules (RFC 9112 §6.1: its framing
    is faulty, so ``_framing`` closes the connection after it).  A Content-Encoding
    value that is not ASCII names no coding (RFC 9110 §8.4.1, §5.6.2: codings are
    tokens): it goes on escaped, so that no case folding can turn it into a known
    coding (``"z<U+017F>td".casefold()`` is ``"zstd"``; CVE-2025-69224).

    :param codings: the Transfer-Encoding codings as :func:`._framing.response_framing`
        split them (not modified), or ``None`` for no Transfer-Encoding field.
    """
    transfer = None
    if codings:
        end = len(codings) - 1 if codings[-1] == "chunked" else len(codings)
        transfer = make_transfer_decoder([c for c in codings[:end] if c])
    content = None
    if auto_decompress:
        encoding = ", ".join(head.headers.getall(CONTENT_ENCODING, ()))
        if not encoding.isascii():
            encoding = encoding.encode("ascii", "backslashreplace").decode("ascii")
        content = make_decoder(encoding) if encoding else None
    return chain(transfer, content)


class DecodingSink:
    """Sits between the reader and the sink and decodes the content coding.

    Decoded bytes are pulled in bounded slices while the sink is not paused; what is
    left stays inside the decoder (compressed) until ``resume()``.  The end of the
    message is forwarded only after everything before it was delivered.
    """

    __slots__ = ("_sink", "_decoder", "_complete")

    def __init__(self, sink: Any, decoder: ContentDecoder) -> None:
        self._sink = sink
        self._decoder = decoder
        self._complete: Optional[tuple[tuple[bytes, bytes], ...]] = None

    def on_body(self, data: bytes) -> None:
        self._sink.on_coded_body(len(data))
        self._decoder.feed(data)
        if not self._sink.reading_paused:
            self._drain()

    def on_chunk_end(self) -> None:
        pass  # chunk boundaries of the coded stream mean nothing after decoding

    def feed_http_chunks(self, pieces: "list[bytes]") -> None:
        """A chunked decoder's output (data, ``b""`` at chunk ends), joined and decoded
        as one piece: one pass per reader feed, not per chunk (servers send 4-8 KiB
        chunks; the join copies coded bytes, a fraction of what they decode to).
        """
        data = [piece for piece in pieces if piece]
        if data:  # joined: coded bytes are few, and the decoder gets larger slices
            self.on_body(data[0] if len(data) == 1 else b"".join(data))

    def on_message_complete(self, trailers: tuple[tuple[bytes, bytes], ...]) -> None:
        self._complete = trailers
        if not self._sink.reading_paused:
            self.resume()

    def resume(self) -> bool:
        """Deliver what is pending; ``True`` when nothing is left waiting."""
        if not self._drain():
            return False
        if self._complete is not None:
            trailers, self._complete = self._complete, None
            tail = self._decoder.flush()
            if tail:
                self._sink.on_body(tail)
            self._sink.on_message_complete(trailers)
        return True

    def _drain(self) -> bool:
        decoder = self._decoder
        sink = self._sink
        while True:
            out = decoder.next_piece()
            if not out:
                return True
            sink.on_body(out)
            if sink.reading_paused:
                return False
