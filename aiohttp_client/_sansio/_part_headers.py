"""Header values of body parts, free of I/O: ``Content-Disposition`` building (RFC 6266,
RFC 7578 §4.2 for form data, RFC 8187 ``filename*``), multipart boundaries (RFC 2046
§5.1.1) and the check that no CR, LF or NUL reaches a part header.
"""

import os
import re
import warnings
from typing import Any, Optional
from urllib.parse import quote, unquote

__all__ = (
    "content_disposition_header",
    "check_header_value",
    "make_boundary",
    "check_boundary",
    "quoted_string",
    "serialize_part_headers",
    "parse_content_disposition",
    "content_disposition_filename",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
)

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_FORBIDDEN = re.compile(r"[\r\n\x00]")
_NOT_QTEXT = re.compile(r"[^\x21\x23-\x5b\x5d-\x7e]")  # escaped in a 7-bit quoted-string (RFC 5322)
_QDTEXT = re.compile(r"^[\t\x20-\x7e]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # CTLs but HTAB (RFC 5234 B.1)


def check_header_value(value: str, what: str = "header value") -> str:
    """:raises ValueError: *value* holds CR, LF or NUL (header injection)."""
    if _FORBIDDEN.search(value):
        raise ValueError(f"Newline or NUL character in {what}: {value!r}")
    return value


def quoted_string(value: str) -> str:
    """*value* as an RFC 9110 §5.6.4 quoted-string body (backslash and quote escaped)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def content_disposition_header(disptype: str, quote_fields: bool = True, _charset: str = "utf-8", **params: Any) -> str:
    """A ``Content-Disposition`` value: *disptype* (a token) and *params*.

    With *quote_fields* (what aiohttp does for form data, RFC 7578 §4.2) a
    ``filename`` is percent-encoded in *_charset* inside quotes, and another value is
    a quoted-string when it is printable ASCII, else ``key*=charset''pct-encoded``
    (RFC 8187).  Without it every value is a quoted-string as given.

    :raises ValueError: *disptype* or a parameter name is not a token, or a value
        holds CR, LF or NUL.
    """
    if not disptype or not set(disptype) <= _TOKEN:
        raise ValueError(f"bad content disposition type {disptype!r}")
    parts = [disptype]
    for key, val in params.items():
        if not key or not set(key) <= _TOKEN:
            raise ValueError(f"bad content disposition parameter {key!r}={val!r}")
        text = check_header_value(str(val), "Content-Disposition parameter")
        if not quote_fields:
            parts.append(f'{key}="{quoted_string(text)}"')
        elif key.lower() == "filename":
            parts.append(f'{key}="{quote(text, "", encoding=_charset)}"')
        elif _QDTEXT.match(text):
            parts.append(f'{key}="{_escape_7bit(text)}"')
        else:
            parts.append(f"{key}*={_charset}''{quote(text, '', encoding=_charset)}")
    return "; ".join(parts)


def _escape_7bit(text: str) -> str:
    return _NOT_QTEXT.sub(lambda m: "\\" + m.group(0), text)


def make_boundary() -> str:
    """A random boundary (32 hex digits) for a new multipart body."""
    return os.urandom(16).hex()


def check_boundary(boundary: str) -> str:
    """A boundary for a body we write: any ASCII text a quoted-string can carry (as
    aiohttp takes), of 1 to 70 characters, not ending in a space or tab (RFC 2046
    §5.1.1: a receiver strips that as transport padding).

    :raises ValueError: a control character other than HTAB (what aiohttp refuses,
        with its message), or a boundary outside RFC 2046's length and ending rules.
    """
    if _CONTROL.search(boundary):
        raise ValueError("boundary value contains invalid characters")
    if not 1 <= len(boundary) <= 70 or boundary[-1] in " \t":
        raise ValueError(f"Invalid boundary {boundary!r}: 1-70 characters, not ending in a space (RFC 2046)")
    return boundary


def serialize_part_headers(headers: Any) -> bytes:
    """The header section of a body part (``name: value`` lines, then an empty line).

    :raises ValueError: a name or value with CR, LF or NUL.
    """
    lines = [
        f"{check_header_value(str(k), 'header name')}: {check_header_value(str(v))}\r\n" for k, v in headers.items()
    ]
    return ("".join(lines) + "\r\n").encode("utf-8")


class BadContentDispositionHeader(RuntimeWarning):
    """A ``Content-Disposition`` value that cannot be parsed (it is ignored)."""


class BadContentDispositionParam(RuntimeWarning):
    """A ``Content-Disposition`` parameter that cannot be parsed (it is skipped)."""


_QUOTED = re.compile(r'^"(?:[^"\\]|\\.)*"$', re.S)
_RFC5987 = re.compile(r"^[\w!#$&+.^`|~-]*'[\w-]*'[\w!#$%&'*+.^`|~-]+$")
_ESCAPED = re.compile(r"\\(.)", re.S)


def _is_token(text: str) -> bool:
    return bool(text) and set(text) <= _TOKEN


def _warn(kind: type, text: str) -> None:
    warnings.warn(kind(text), stacklevel=3)


def _param_value(key: str, value: str) -> Optional[str]:
    """The value of one parameter, or ``None`` (with a warning) when it is bad."""
    if key.endswith("*") and not key[:-1].rstrip("0123456789").endswith("*"):
        if not _RFC5987.match(value):
            _warn(BadContentDispositionParam, value)
            return None
        charset, _, rest = value.split("'", 2)
        try:
            return unquote(rest, charset or "utf-8", "strict")
        except (UnicodeDecodeError, LookupError):
            _warn(BadContentDispositionParam, value)
            return None
    if _QUOTED.match(value):
        return _ESCAPED.sub(r"\1", value[1:-1])
    if _is_token(value):
        return value
    return None


def parse_content_disposition(header: Optional[str]) -> "tuple[Optional[str], dict[str, str]]":
    """``Content-Disposition`` (RFC 6266 §4.1) -> ``(type, parameters)``; names are
    lower-cased, ``name*`` values (RFC 8187) decoded, quoted-strings unescaped.
    A malformed value gives ``(None, {})`` with a :class:`BadContentDispositionHeader`
    warning; a bad parameter is skipped with :class:`BadContentDispositionParam`.
    """
    if not header:
        return None, {}
    disptype, *parts = header.split(";")
    disptype = disptype.strip(" \t")
    if not _is_token(disptype):
        _warn(BadContentDispositionHeader, header)
        return None, {}
    params: dict[str, str] = {}
    while parts:
        item = parts.pop(0)
        if not item.strip(" \t"):
            continue
        if "=" not in item:
            _warn(BadContentDispositionHeader, header)
            return None, {}
        key, value = item.split("=", 1)
        key = key.lower().strip(" \t")
        value = value.strip(" \t")
        while value.startswith('"') and not _QUOTED.match(value) and parts:
            value += ";" + parts.pop(0)  # a quoted-string holding ";"
            value = value.rstrip(" \t")
        if key in params:
            _warn(BadContentDispositionHeader, header)
            return None, {}
        if not _is_token(key):
            _warn(BadContentDispositionParam, item)
            continue
        parsed = _param_value(key, value)
        if parsed is None:
            if key.endswith("*"):
                continue
            _warn(BadContentDispositionHeader, header)
            return None, {}
        params[key] = parsed
    return disptype.lower(), params


def content_disposition_filename(params: "dict[str, str]", name: str = "filename") -> Optional[str]:
    """The *name* parameter from parsed ``Content-Disposition`` *params*: ``name*``
    first, then ``name``, then RFC 2231 continuations ``name*0``, ``name*1``, ...
    """
    if not params:
        return None
    if f"{name}*" in params:
        return params[f"{name}*"]
    if name in params:
        return params[name]
    pieces: list[str] = []
    for index in range(len(params)):
        piece = params.get(f"{name}*{index}", params.get(f"{name}*{index}*"))
        if piece is None:
            break
        pieces.append(piece)
    if not pieces:
        return None
    value = "".join(pieces)
    if "'" in value:
        charset, _, value = value.split("'", 2)
        return unquote(value, charset or "utf-8", "strict")
    return value
