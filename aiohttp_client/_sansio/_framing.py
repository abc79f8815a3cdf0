"""Message-body framing of a response, decided once for both parser twins.

RFC 9112 §6.3 (message body length), applied to a response, in order:

1. A response to HEAD, or with a 1xx, 204 or 304 status, has no body, whatever its
   fields say.
2. A 2xx response to CONNECT has no body: the connection becomes a tunnel.
3. Transfer-Encoding together with Content-Length is an error (§6.3 item 3: "ought
   to be handled as an error"; it is the classic smuggling/desync vector).
4. Transfer-Encoding with ``chunked`` as the final coding -> chunked; ``chunked``
   twice is an error (§6.1: a sender must not apply it more than once);
   Transfer-Encoding without ``chunked`` last -> read until the server closes.  In an
   HTTP/1.0 response Transfer-Encoding means faulty framing (§6.1: "MUST treat the
   message as if the framing is faulty ... and close the connection after processing
   the message"): the same rules decide the body (so ``chunked`` is decoded, as
   aiohttp 3.14.5 does), and the connection is never reused, ``keep-alive`` or not.
5. Content-Length: every value (repeated fields and comma lists) must be ASCII digits
   and all equal (§6.3 item 5, §8.6 of RFC 9110), else error.
6. Otherwise read until close, unless the caller passed ``read_until_eof=False``, in
   which case the body is empty.

Persistence (RFC 9112 §9.3): HTTP/1.1 keeps the connection unless ``Connection:
close``; HTTP/1.0 keeps it only with ``Connection: keep-alive``; a body read until
close never allows reuse.

Codings and connection options are tokens, compared in ASCII only
(``_fields.ascii_lower``, RFC 9110 §5.6.2): ``chun<U+212A>ed`` (KELVIN SIGN) is an
unknown coding, not ``chunked`` (CVE-2025-69224).
"""

from typing import NamedTuple, Optional

from .._models import HttpVersion11, ResponseHead
from ..hdrs import CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING
from ..http_exceptions import InvalidHeader
from ._fields import ascii_lower

__all__ = (
    "NO_BODY",
    "LENGTH",
    "CHUNKED",
    "UNTIL_CLOSE",
    "CHUNKED_ONLY",
    "Framing",
    "response_framing",
)

NO_BODY = 0
LENGTH = 1
CHUNKED = 2
UNTIL_CLOSE = 3

_MAX_CONTENT_LENGTH_DIGITS = 18  # below 2**63, so both twins and C code agree

# Field lookups use the ``hdrs`` names (``istr``): multidict folds a ``str`` key's
# case on every lookup, an ``istr``'s once (a third of a missing field's lookup cost).


class Framing(NamedTuple):
    """How the body is delimited (``kind``: one of the constants above), its
    ``length`` in bytes for ``LENGTH``, and whether the connection may be reused.
    """

    kind: int
    length: int
    keep_alive: bool


def _content_length(values: "list[str]") -> int:
    if len(values) == 1:  # the common case: one plain value
        value = values[0]
        if value.isdigit() and value.isascii() and len(value) <= _MAX_CONTENT_LENGTH_DIGITS:
            return int(value)
    length = -1
    for value in values:
        for item in value.split(","):
            item = item.strip(" \t")
            if not item or not item.isascii() or not item.isdigit() or len(item) > _MAX_CONTENT_LENGTH_DIGITS:
                raise InvalidHeader(f"Content-Length: {value}")
            n = int(item)
            if length != -1 and n != length:
                raise InvalidHeader("Content-Length: different values")
            length = n
    return length


def _keep_alive(head: ResponseHead, values: "list[str]") -> bool:
    """Persistence from the ``Connection`` field *values* (RFC 9112 §9.3)."""
    if len(values) == 1:  # the common case: one token, no list
        token = ascii_lower(values[0].strip(" \t"))
        if token == "keep-alive":
            return True  # HTTP/1.1 without close, or HTTP/1.0 with keep-alive
        if token == "close":
            return False
    tokens = {ascii_lower(t.strip(" \t")) for v in values for t in v.split(",")}
    if head.version >= HttpVersion11:
        return "close" not in tokens
    return "keep-alive" in tokens and "close" not in tokens


CHUNKED_ONLY = ["chunked"]  # the codings of ``Transfer-Encoding: chunked``; never mutated
_new = tuple.__new__  # Framing(...) without the generated __new__'s Python frame
# The framings that carry no length, built once: (kind, keep_alive) -> Framing.
_FIXED = {(kind, ka): Framing(kind, 0, ka) for kind in (NO_BODY, CHUNKED, UNTIL_CLOSE) for ka in (False, True)}


def response_framing(
    method: str, head: ResponseHead, read_until_eof: bool = True
) -> "tuple[Framing, Optional[list[str]]]":
    """Decide the body framing of *head*, the response to a *method* request.

    :returns: the :class:`Framing`, and the Transfer-Encoding codings (lower-case,
        ``str``, in order, empty items kept) as split for the decision, or ``None``
        when the decision did not look at Transfer-Encoding (no such field, or no
        body): what :func:`._body_coding.begin_body` decodes, without a second lookup.
    :raises InvalidHeader: conflicting or malformed Transfer-Encoding/Content-Length.
    """
    status = head.status
    headers = head.headers
    connection = headers.getall(CONNECTION, None)
    if connection is None:  # the common cases inline; the rules are _keep_alive's
        keep_alive = head.version >= HttpVersion11
    elif len(connection) == 1 and connection[0] == "keep-alive":
        keep_alive = True
    else:
        keep_alive = _keep_alive(head, connection)
    if method == "HEAD" or status < 200 or status == 204 or status == 304:
        return _FIXED[NO_BODY, keep_alive], None
    if method == "CONNECT" and status < 300:
        return _FIXED[NO_BODY, keep_alive], None
    te = headers.getall(TRANSFER_ENCODING, None)
    cl = headers.getall(CONTENT_LENGTH, None)
    if te is not None:
        if cl is not None:
            raise InvalidHeader("Transfer-Encoding and Content-Length together")
        if len(te) == 1 and te[0] == "chunked":  # the common case: nothing to split
            codings = CHUNKED_ONLY
        else:
            codings = [ascii_lower(c.strip(" \t")) for v in te for c in v.split(",")]
        if head.version < HttpVersion11:
            keep_alive = False  # faulty framing (§6.1): decoded, then closed
        if codings.count("chunked") > 1:
            raise InvalidHeader("Transfer-Encoding: chunked applied more than once")
        if codings[-1] == "chunked":
            return _FIXED[CHUNKED, keep_alive], codings
        return _FIXED[UNTIL_CLOSE, False], codings
    if cl is not None:
        value = cl[0]
        if len(cl) == 1 and value.isdigit() and value.isascii() and len(value) <= _MAX_CONTENT_LENGTH_DIGITS:
            return _new(Framing, (LENGTH, int(value), keep_alive)), None  # _content_length's fast path, inline
        return _new(Framing, (LENGTH, _content_length(cl), keep_alive)), None
    if read_until_eof:
        return _FIXED[UNTIL_CLOSE, False], None
    return _FIXED[NO_BODY, keep_alive], None
