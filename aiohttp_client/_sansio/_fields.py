"""Field-line grammar shared by the Python twins (head fields and trailer fields), and
the ASCII-only token comparison every module uses on received field values.

RFC 9110 §5.1, §5.5 and RFC 9112 §5::

    field-line   = field-name ":" OWS field-value OWS
    field-name   = token
    token        = 1*tchar
    tchar        = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
                   "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    field-value  = *field-content     ; VCHAR, SP, HTAB, obs-text
    obs-fold     = OWS CRLF RWS       ; RFC 9112 §5.2, obsolete line folding

obs-fold: a line that starts with SP or HTAB continues the field line before it.  RFC
9112 §5.2: "A user agent that receives an obs-fold in a response message ... MUST
replace each received obs-fold with one or more SP octets prior to interpreting the
field value."  :func:`fold` does it: the line ending goes, and the whitespace around it
(the OWS before, the RWS after) becomes as many SP (aiohttp 3.14.5 keeps the same
count but leaves an HTAB an HTAB).  Exceptions, both errors (``InvalidHeader``):

- a fold in ``Content-Length`` or ``Transfer-Encoding``: the framing would depend on
  whether each hop unfolds (aiohttp 3.14.5's own two parsers frame
  ``Transfer-Encoding: gzip`` CRLF `` , chunked`` differently); RFC 9112 §6.3 makes an
  invalid framing field an unrecoverable error, and §11.2 names framing disagreement as
  the smuggling risk;
- whitespace before the first field line (RFC 9112 §2.2 lets a recipient reject it):
  there is no field to fold it into.

Other deviations: none.  Whitespace between field-name and ":" is rejected (RFC 9112
§5.1, it has been used for request smuggling), and so is any control character other
than HTAB in a value.  A folded field counts as one line of its unfolded length
against ``max_field_size`` (each physical line also counts against ``max_headers``).

Tokens are ASCII (RFC 9110 §5.6.2) and compared case-insensitively: :func:`ascii_lower`
lowers A-Z only, because ``str.lower()`` turns U+212A KELVIN SIGN into ``k`` (and
``casefold()``/``upper()`` fold more: ``ſ``, ``ß``, ligatures), which made
``chun<U+212A>ed`` pass for ``chunked`` (CVE-2025-69224).
"""

import re

from ..http_exceptions import InvalidHeader, LineTooLong

__all__ = (
    "TOKEN_RE",
    "BAD_VALUE_RE",
    "ascii_lower",
    "fold",
    "has_obs_fold",
    "parse_field_line",
    "parse_folded_field",
    "parse_folded_field_lines",
)

TOKEN_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Everything below 0x20 except HTAB, and DEL.  A CR left after removing the line's
# own CRLF is a bare CR: rejected here too.
BAD_VALUE_RE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_FOLD_START = (b" ", b"\t")  # a line that starts with one of these continues the last
_FRAMING_FIELDS = (b"content-length", b"transfer-encoding")  # compared after bytes.lower()
_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}  # str.translate table: A-Z -> a-z only


def ascii_lower(value: str) -> str:
    """*value* with A-Z lowered and nothing else changed (RFC 9110 §5.6.2 tokens)."""
    return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)


def parse_field_line(line: bytes, max_field_size: int) -> tuple[bytes, bytes]:
    """Split one field line (without its line ending) into ``(field-name, field-value)``.

    The value has leading and trailing SP/HTAB removed.

    :raises LineTooLong: the line is longer than *max_field_size* bytes.
    :raises InvalidHeader: no colon, a field-name that is not a token (this includes
        a line that starts with whitespace and whitespace before the colon) or a
        control character in the value.
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


def fold(line: bytes, continuation: bytes) -> bytes:
    """*line* continued by *continuation* (a line starting with SP/HTAB; both without
    line endings): the whitespace around the removed line ending becomes as many SP.
    """
    head = line.rstrip(b" \t")
    rest = continuation.lstrip(b" \t")
    return head + b" " * (len(line) - len(head) + len(continuation) - len(rest)) + rest


def parse_folded_field(line: bytes, max_field_size: int) -> tuple[bytes, bytes]:
    """:func:`parse_field_line` for a line :func:`fold` built; a framing field is an error."""
    name, value = parse_field_line(line, max_field_size)
    if name.lower() in _FRAMING_FIELDS:
        raise InvalidHeader(b"obs-fold in " + name)
    return name, value


def has_obs_fold(lines: "list[bytes]", start: int) -> bool:
    """Whether a line of ``lines[start:]`` starts with SP or HTAB (the caller passes
    the index after the first field line: a first line cannot continue anything).
    """
    return any(line[:1] in _FOLD_START for line in lines[start:])


def parse_folded_field_lines(lines: "list[bytes]", max_field_size: int) -> "list[tuple[bytes, bytes]]":
    """Parse field lines (each without its LF, a CR before it allowed) in which
    obs-fold may occur; the slow path of a head with a fold, parsed from its start.

    :raises LineTooLong: a field, unfolded, longer than *max_field_size* bytes.
    :raises InvalidHeader: as :func:`parse_field_line`, and for the exceptions the
        module docstring lists.
    """
    raw: list[tuple[bytes, bytes]] = []
    count = len(lines)
    i = 0
    while i < count:  # bounded: i grows on every pass
        line = lines[i][:-1] if lines[i][-1:] == b"\r" else lines[i]
        i += 1
        if i == 1 and line[:1] in _FOLD_START:
            raise InvalidHeader(line)  # whitespace before the first field (RFC 9112 §2.2)
        folded = False
        while i < count and lines[i][:1] in _FOLD_START:
            continuation = lines[i][:-1] if lines[i][-1:] == b"\r" else lines[i]
            line = fold(line, continuation)
            if len(line) > max_field_size:  # checked per fold: the work stays linear
                raise LineTooLong("response header", max_field_size, str(len(line)))
            folded = True
            i += 1
        raw.append(parse_folded_field(line, max_field_size) if folded else parse_field_line(line, max_field_size))
    return raw
