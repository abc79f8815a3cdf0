"""The client side of the WebSocket opening handshake (RFC 6455 §4.1-4.2) and the
permessage-deflate negotiation (RFC 7692 §5-7).

Pure functions: :func:`extension_offer` builds the permessage-deflate offer and
:func:`check_response` validates the server's answer, raising
:class:`HandshakeFailure` (the I/O layer turns it into ``WSServerHandshakeError``
carrying the response).

Every token the server sends (``Upgrade``, ``Connection``, extension names and
parameters) is compared in ASCII only (``_fields.ascii_lower``, RFC 9110 §5.6.2), and
window bits are ASCII digits (RFC 7692 §7.1.2.1): ``str.lower()`` would take
``websoc<U+212A>et`` (KELVIN SIGN) for ``websocket`` (CVE-2025-69224), and
``str.isdigit()`` accepts other scripts' digits.
"""

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Optional

from ._fields import ascii_lower

__all__ = (
    "HandshakeFailure",
    "Negotiated",
    "accept_value",
    "check_response",
    "extension_offer",
    "new_key",
    "parse_deflate_response",
)

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


class HandshakeFailure(Exception):
    """The server's answer to the upgrade request is not a valid WebSocket handshake.

    :ivar message: what was wrong (``str``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Negotiated(NamedTuple):
    """The outcome of a successful handshake.

    :ivar protocol: the subprotocol the server chose (``str``) or ``None``.
    :ivar compress: permessage-deflate window bits for the client's messages (9-15),
        ``0`` when not negotiated.
    :ivar notakeover: the client must reset its compressor for every message.
    """

    protocol: Optional[str]
    compress: int
    notakeover: bool


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64 (RFC 6455 §4.1 item 7)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_value(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer to *key* (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()  # noqa: S324 - the RFC's algorithm
    return base64.b64encode(digest).decode("ascii")


def extension_offer(compress: int, notakeover: bool = False) -> str:
    """The ``Sec-WebSocket-Extensions`` offer for permessage-deflate (RFC 7692 §7.1).

    :param compress: window bits 9-15 (15 offers the default window).
    :raises ValueError: *compress* outside 9-15.
    """
    if not 9 <= compress <= 15:
        raise ValueError("compress wbits must be between 9 and 15, zlib does not support wbits=8")
    offer = "permessage-deflate; client_max_window_bits"
    if compress < 15:
        offer += f"; server_max_window_bits={compress}"
    if notakeover:
        offer += "; client_no_context_takeover"
    return offer


def _tokens(value: str) -> list[str]:
    return [ascii_lower(t.strip(" \t")) for t in value.split(",")]


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def parse_deflate_response(value: str, offered: int) -> tuple[int, bool]:
    """Read the server's permessage-deflate answer (RFC 7692 §7.1).

    *offered* is the ``server_max_window_bits`` we asked for (15: none).  Returns
    ``(client window bits, client_no_context_takeover)``, the window 15 unless the
    server sent ``client_max_window_bits``; ``(0, False)`` when it accepted no extension.

    :raises HandshakeFailure: an extension we did not offer, or a bad parameter.
    """
    for ext in value.split(","):
        ext = ext.strip(" \t")
        if not ext:
            continue
        name, *params = (p.strip(" \t") for p in ext.split(";"))
        if ascii_lower(name) != "permessage-deflate" or not offered:
            raise HandshakeFailure(f"Extension not offered: {name}")
        wbits, notakeover = 15, False  # the client's window: 15 unless the server limits it
        seen: set[str] = set()
        for param in params:
            pname, _, pvalue = param.partition("=")
            pname = ascii_lower(pname.strip(" \t"))
            pvalue = pvalue.strip(" \t").strip('"')
            if pname in seen:
                raise HandshakeFailure(f"Invalid deflate extension: {pname} twice")
            seen.add(pname)
            if pname == "client_no_context_takeover" and not pvalue:
                notakeover = True
            elif pname == "server_no_context_takeover" and not pvalue:
                pass  # the server resets its own compressor; our inflater copes either way
            elif pname in ("client_max_window_bits", "server_max_window_bits") and _is_ascii_digits(pvalue):
                bits = int(pvalue)
                if not 9 <= bits <= 15:
                    raise HandshakeFailure(f"Invalid deflate extension: {param}")
                if pname == "client_max_window_bits":
                    wbits = min(wbits, bits)
                elif bits > offered:
                    raise HandshakeFailure(f"Invalid deflate extension: {param}")
            else:
                raise HandshakeFailure(f"Invalid deflate extension: {param}")
        return wbits, notakeover
    return 0, False


def check_response(
    status: int, headers: Mapping[str, str], key: str, protocols: Iterable[str] = (), compress: int = 0
) -> Negotiated:
    """Validate the server's handshake response (RFC 6455 §4.1, "the client MUST").

    :param headers: the response fields (case-insensitive mapping).
    :raises HandshakeFailure: status other than 101, ``Upgrade`` not ``websocket``,
        ``Connection`` without ``upgrade``, a wrong ``Sec-WebSocket-Accept``, a bad
        extension answer.
    """
    if status != 101:
        raise HandshakeFailure("Invalid response status")
    if ascii_lower(headers.get("Upgrade", "").strip(" \t")) != "websocket":
        raise HandshakeFailure("Invalid upgrade header")
    if "upgrade" not in _tokens(headers.get("Connection", "")):
        raise HandshakeFailure("Invalid connection header")
    if headers.get("Sec-WebSocket-Accept", "").strip(" \t") != accept_value(key):
        raise HandshakeFailure("Invalid challenge response")
    protocol = None
    offered = tuple(protocols)
    answer = headers.get("Sec-WebSocket-Protocol")
    if answer is not None and offered:
        # aiohttp's behaviour: a protocol we did not offer leaves ``protocol`` None
        # (RFC 6455 §4.1 item 6 would fail the connection instead).
        protocol = next((p for p in (t.strip(" \t") for t in answer.split(",")) if p in offered), None)
    ext_value = headers.get("Sec-WebSocket-Extensions", "")
    wbits, notakeover = parse_deflate_response(ext_value, compress) if ext_value else (0, False)
    return Negotiated(protocol, wbits, notakeover)
