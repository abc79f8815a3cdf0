"""Field-line grammar shared by the Python twins (head fields and trailer fields).

RFC 9110 §5.1, §5.5 and RFC 9112 §5::

    field-line   = field-name ":" OWS field-value OWS
    field-name   = token
    token        = 1*tchar
    tchar        = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
                   "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    field-value  = *field-content     ; VCHAR, SP, HTAB, obs-text

Deviations: none.  Whitespace between field-name and ":" is rejected (RFC 9112 §5.1,
it has been used for request smuggling), obs-fold is rejected (RFC 9112 §5.2 lets a
user agent reject it), and so is any control character other than HTAB in a value.
"""

import re

from ..http_exceptions import InvalidHeader, LineTooLong

__all__ = ("TOKEN_RE", "BAD_VALUE_RE", "parse_field_line")

TOKEN_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Everything below 0x20 except HTAB, and DEL.  A CR left after removing the line's
# own CRLF is a bare CR: rejected here too.
BAD_VALUE_RE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def parse_field_line(line: bytes, max_field_size: int) -> tuple[bytes, bytes]:
    """Split one field line (without its line ending) into ``(field-name, field-value)``.

    The value has leading and trailing SP/HTAB removed.

    :raises LineTooLong: the line is longer than *max_field_size* bytes.
    :raises InvalidHeader: no colon, a field-name that is not a token (this includes
        obs-fold and whitespace before the colon) or a control character in the value.
    """
    if len(line) > max_field_size:
        raise LineTooLong("response header", max_field_size, str(len(line)))
    name, sep, value = line.partition(b":")
    if not sep or TOKEN_RE.fullmatch(name) is None:
        raise InvalidHeader(line)
    value = value.strip(b" \t")
    if BAD_VALUE_RE.search(value) is not None:
        raise InvalidHeader(line)
    return name, value
