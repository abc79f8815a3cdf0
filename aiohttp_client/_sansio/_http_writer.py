"""Request serialization (RFC 9112 §3, §5, §7.1): request-line, field lines, chunks.

Sans-IO: functions return ``bytes``.  Everything is validated before anything is
produced, so a request with a forbidden character is never partly written:

- the method must be a token (RFC 9110 §9.1);
- the request-target must not contain SP, CR, LF, NUL or another control character
  (RFC 9112 §3.2: it is a single token of visible characters);
- field-names must be tokens and field-values must not contain CR, LF, NUL or other
  control characters except HTAB (RFC 9110 §5.5; CR/LF there is header injection).
"""

import re
from collections.abc import Iterable

from .._models import HttpVersion

__all__ = ("serialize_head", "chunk", "LAST_CHUNK", "validate_method")

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_TARGET_RE = re.compile(r"[\x00-\x20\x7f]")
_BAD_VALUE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

LAST_CHUNK = b"0\r\n\r\n"
_GOOD_NAMES: set[str] = (
    set()
)  # field-names already validated (bounded cache)  # last-chunk plus an empty trailer section


def validate_method(method: str) -> str:
    """Return *method* if it is a token.  :raises ValueError: otherwise."""
    if _TOKEN_RE.fullmatch(method) is None:
        raise ValueError(f"Method cannot contain non-token characters {method!r} (found at least one)")
    return method


def serialize_head(
    method: str,
    target: str,
    version: HttpVersion,
    fields: Iterable[tuple[str, str]],
) -> bytes:
    """The request-line and field lines of a request, ending with the empty line.

    :param method: request method (a token).
    :param target: request-target in origin-form, absolute-form or authority-form,
        already percent-encoded.
    :param version: HTTP-version for the request-line.
    :param fields: ``(field-name, field-value)`` pairs in order.
    :raises ValueError: a forbidden character in the method, target, a name or a value.
    """
    validate_method(method)
    if not target or _BAD_TARGET_RE.search(target) is not None:
        raise ValueError(f"Request-target contains forbidden characters: {target!r}")
    lines = [f"{method} {target} HTTP/{version.major}.{version.minor}"]
    values = []
    for name, value in fields:
        if name not in _GOOD_NAMES:
            if _TOKEN_RE.fullmatch(name) is None:
                raise ValueError(f"Invalid header field name {name!r}")
            if len(_GOOD_NAMES) < 256:
                _GOOD_NAMES.add(name)
        value = str(value).strip(" \t")
        values.append(value)
        lines.append(f"{name}: {value}")
    # One scan over all values (joined by HTAB, which is allowed) instead of one each.
    if _BAD_VALUE_RE.search("\t".join(values)) is not None:
        bad = next(v for v in values if _BAD_VALUE_RE.search(v) is not None)
        raise ValueError(f"Newline or control character in header value: {bad!r}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def chunk(data: bytes) -> tuple[bytes, bytes, bytes]:
    """One chunk of the chunked transfer coding: ``(size-line, data, CRLF)``."""
    return (b"%x\r\n" % len(data), data, b"\r\n")
