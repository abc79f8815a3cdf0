"""Request serialization (RFC 9112 §3, §5, §7.1): request-line, field lines, chunks.

Sans-IO: functions return ``bytes``.  Everything is validated before anything is
produced, so a request with a forbidden character is never partly written:

- the method must be a token (RFC 9110 §9.1);
- the request-target must not contain SP, CR, LF, NUL or another control character
  (RFC 9112 §3.2: it is a single token of visible characters);
- field-names must be tokens and field-values must not contain CR, LF, NUL or other
  control characters except HTAB (RFC 9110 §5.5; CR/LF there is header injection);
- field-values must be ``str`` (``TypeError`` otherwise, as in aiohttp).
"""

import re
from collections.abc import Iterable

from .._models import HttpVersion

__all__ = ("serialize_head", "chunk", "LAST_CHUNK", "validate_method", "lists_close")

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_TARGET_RE = re.compile(r"[\x00-\x20\x7f]")
_BAD_VALUE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

LAST_CHUNK = b"0\r\n\r\n"  # last-chunk plus an empty trailer section
_OWS = " \t"  # stripped from both ends of a field value (RFC 9110 §5.5)
# What was validated before, bounded: the methods, request-targets and whole field
# lines (``(name, value) -> b"name: value\r\n"``) a client sends again and again.
_GOOD_METHODS: set[str] = set()
_GOOD_TARGETS: set[str] = set()
_LINES: dict[tuple[str, str], bytes] = {}
_CACHE_SIZE = 512
_CACHED_VALUE = 256  # longer values are validated every time, not remembered


def validate_method(method: str) -> str:
    """Return *method* if it is a token.  :raises ValueError: otherwise."""
    if method in _GOOD_METHODS:
        return method
    if _TOKEN_RE.fullmatch(method) is None:
        raise ValueError(f"Method cannot contain non-token characters {method!r} (found at least one)")
    if len(_GOOD_METHODS) < 64:
        _GOOD_METHODS.add(method)
    return method


def serialize_head(
    method: str,
    target: str,
    version: HttpVersion,
    fields: Iterable[tuple[str, str]],
) -> bytes:
    """The request-line and field lines of a request, ending with the empty line,
    in one buffer (each field line is validated and encoded once, then reused).

    :param method: request method (a token).
    :param target: request-target in origin-form, absolute-form or authority-form,
        already percent-encoded.
    :param version: HTTP-version for the request-line.
    :param fields: ``(field-name, field-value)`` pairs in order.
    :raises ValueError: a forbidden character in the method, target, a name or a
        value (the first field with one is named).
    """
    validate_method(method)
    if target not in _GOOD_TARGETS:
        if not target or _BAD_TARGET_RE.search(target) is not None:
            raise ValueError(f"Request-target contains forbidden characters: {target!r}")
        if len(_GOOD_TARGETS) >= _CACHE_SIZE:
            _GOOD_TARGETS.clear()
        _GOOD_TARGETS.add(target)
    request_line = f"{method} {target} HTTP/{version.major}.{version.minor}\r\n"
    parts = [request_line.encode("utf-8", "surrogateescape")]
    lines = _LINES
    for field in fields:
        try:
            line = lines.get(field)
        except TypeError:  # a value that is not hashable
            line = None
        parts.append(line if line is not None else _field_line(*field))
    parts.append(b"\r\n")
    return b"".join(parts)


def _field_line(name: str, value: object) -> bytes:
    """``name: value CRLF``, validated (RFC 9110 §5.1, §5.5) and remembered.

    :raises ValueError: *name* is not a token, or *value* holds CR, LF, NUL or
        another control character but HTAB.
    :raises TypeError: *value* is not a ``str`` (an ``int`` included), with aiohttp
        3.14.5's message: nothing is converted behind the caller's back.
    """
    if not isinstance(value, str):
        raise TypeError(f"Cannot serialize non-str key {value!r}")
    if _TOKEN_RE.fullmatch(name) is None:
        raise ValueError(f"Invalid header field name {name!r}")
    text = value.strip(_OWS)
    if _BAD_VALUE_RE.search(text) is not None:
        raise ValueError(f"Newline or control character in header value: {text!r}")
    line = f"{name}: {text}\r\n".encode("utf-8", "surrogateescape")
    if type(value) is str and len(value) <= _CACHED_VALUE:
        if len(_LINES) >= _CACHE_SIZE:
            _LINES.clear()
        _LINES[(name, value)] = line
    return line


def chunk(data: bytes) -> tuple[bytes, bytes, bytes]:
    """One chunk of the chunked transfer coding: ``(size-line, data, CRLF)``."""
    return (b"%x\r\n" % len(data), data, b"\r\n")


def lists_close(values: Iterable[str]) -> bool:
    """Connection field *values* list the ``close`` option (RFC 9110 §7.6.1: a
    comma-separated list of case-insensitive tokens; RFC 9112 §9.6: the sender then
    sends no further request on the connection).
    """
    return any(option.strip(_OWS).lower() == "close" for value in values for option in value.split(","))
