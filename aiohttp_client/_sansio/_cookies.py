"""RFC 6265 rules, sans-IO: ``Set-Cookie`` parsing (§5.2), the cookie date format
(§5.1.1), domain matching (§5.1.3), paths (§5.1.4) and the limits the reference
documents for ``CookieJar``.

Cookies are :class:`http.cookies.Morsel` objects, as in the reference.  A Morsel
is built through its pickle protocol (``__setstate__``) so that a cookie may carry
a reserved attribute name (``path``, ``expires``, ...) as its own name.
"""

import calendar
import ipaddress
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from http.cookies import Morsel, SimpleCookie
from typing import Any, NamedTuple, Optional

from ._fields import ascii_lower

__all__ = (
    "MAX_COOKIES_PER_RESPONSE",
    "ParsedCookie",
    "check_cookie_name",
    "default_path",
    "domain_match",
    "is_public_suffix",
    "is_ip_address",
    "make_morsel",
    "parse_cookie_date",
    "parse_set_cookie",
    "parse_set_cookie_headers",
    "path_match",
    "quote_value",
    "sendable",
)

# Limits of the reference ("CookieJar"): per response, per cookie, per attribute.
MAX_COOKIES_PER_RESPONSE = 50
MAX_NAME_VALUE_LENGTH = 4096
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_VALUE_LENGTH = 1024

client_log = logging.getLogger("aiohttp_client.client")
_FLAGS = frozenset({"secure", "httponly", "partitioned"})
_VALUED = frozenset({"expires", "max-age", "domain", "path", "samesite", "comment", "version"})
_MORSEL_KEYS = frozenset(Morsel())  # "partitioned" exists from Python 3.14 on
_BAD_NAME = re.compile(r'[\x00-\x20\x7f,;="\\]')
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_DATE_DELIMITERS = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)")
_DAY = re.compile(r"(\d{1,2})(?:\D|$)")
_YEAR = re.compile(r"(\d{2,4})(?:\D|$)")
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
# "Path=/ Max-Age=5": an attribute written without its ";" (tolerated, as
# http.cookies does): split before a known attribute name that follows white space.
_MISSING_SEMICOLON = re.compile(
    r"[ \t]+(?=(?:expires|max-age|domain|path|samesite|comment|version)[ \t]*=|(?:secure|httponly|partitioned)[ \t]*$)",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")
_ENCODER = SimpleCookie()


class ParsedCookie(NamedTuple):
    """One accepted ``Set-Cookie`` field: the cookie name and its Morsel."""

    name: str
    morsel: "Morsel[str]"


def make_morsel(name: str, value: str, coded_value: str) -> "Morsel[str]":
    """A Morsel named *name*; any name, reserved attribute names included."""
    morsel: Morsel[str] = Morsel()
    morsel.__setstate__({"key": name, "value": value, "coded_value": coded_value})  # type: ignore[attr-defined]
    return morsel


@lru_cache(maxsize=256)
def check_cookie_name(name: str) -> None:
    r"""Refuse *name* for a cookie given by value (not as a Morsel), as
    ``SimpleCookie()[name] = value`` does, which aiohttp 3.14 applies to
    ``cookies=``: a reserved attribute name (``path``, ``Domain``, ...), an empty
    name, or characters outside RFC 2109's token set (white space, ``;,="\``,
    non-ASCII, ``()/<>?@[]{}``).

    :raises http.cookies.CookieError: the name is refused.
    """
    morsel: Morsel[str] = Morsel()
    morsel.set(name, "", "")


def quote_value(value: str) -> str:
    r"""*value* quoted as :mod:`http.cookies` does (RFC 2109 quoting): unchanged when
    every character is legal, else in double quotes with ``\`` escapes.
    """
    return _ENCODER.value_encode(value)[1]


def sendable(name: str, coded_value: str) -> bool:
    """Whether ``name=coded_value`` can go in a ``Cookie`` field: no control
    characters and encodable as UTF-8.
    """
    if _BAD_VALUE.search(coded_value) or _BAD_NAME.search(name):
        return False
    try:
        coded_value.encode("utf-8")
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unquote(text: str) -> str:
    r"""The content of a quoted string: quotes removed, ``\ooo`` octal and ``\c``
    escapes resolved (the inverse of :func:`quote_value`).
    """
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)) if m.group(1) else m.group(2), text[1:-1])


def _split_fields(text: str) -> list[str]:
    """Split a Set-Cookie value on ``;``, except inside a double-quoted value."""
    parts: list[str] = []
    start = 0
    i = 0
    n = len(text)
    quoted = False
    while i < n:
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"' and text[start:i].rstrip().endswith("="):
            quoted = True
        elif ch == ";":
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def parse_set_cookie(text: str) -> Optional[ParsedCookie]:
    r"""Parse one ``Set-Cookie`` field value (RFC 6265 §5.2).

    :returns: the cookie, or ``None`` when the field is to be ignored: no ``=`` in
        the name-value pair, an empty or illegal name (control characters, white
        space, ``,;="\``), control characters in the value, or more than
        4,096 octets of name and value.  Attributes beyond the 32nd and attribute
        values over 1,024 octets are ignored (flags still apply).
    """
    fields = _split_fields(text)
    name, sep, raw_value = fields[0].partition("=")
    name = name.strip(" \t")
    coded = raw_value.strip(" \t")
    if not sep or not name or _BAD_NAME.search(name):
        client_log.warning("Can not load cookies: Illegal cookie name %r", name[:100])
        return None
    if _BAD_VALUE.search(coded):
        client_log.warning("Can not load cookies: Illegal value for cookie %r", name[:100])
        return None
    if len(name.encode("utf-8", "surrogatepass")) + len(coded.encode("utf-8", "surrogatepass")) > MAX_NAME_VALUE_LENGTH:
        return None
    morsel = make_morsel(name, _unquote(coded), coded)
    attributes = [part for field in fields[1:] for part in _MISSING_SEMICOLON.split(field)]
    for field in attributes[:MAX_ATTRIBUTES]:
        key, _, value = field.partition("=")
        key = ascii_lower(key.strip(" \t"))
        if key in _FLAGS:
            if key in _MORSEL_KEYS:
                morsel[key] = True
            continue
        value = value.strip(" \t")
        if key not in _VALUED or len(value) > MAX_ATTRIBUTE_VALUE_LENGTH:
            continue
        if key in ("domain", "path"):
            value = _unquote(value)
            if not value:
                continue
        morsel[key] = value
    return ParsedCookie(name, morsel)


def parse_set_cookie_headers(headers: Iterable[str]) -> list[ParsedCookie]:
    """The cookies of a response's ``Set-Cookie`` fields, at most the first 50
    valid ones (reference: ``CookieJar``); invalid fields are skipped.
    """
    result: list[ParsedCookie] = []
    for header in headers:
        parsed = parse_set_cookie(header)
        if parsed is not None:
            result.append(parsed)
            if len(result) == MAX_COOKIES_PER_RESPONSE:
                break
    return result


def parse_cookie_date(text: str) -> Optional[float]:
    """A cookie date (RFC 6265 §5.1.1) as a POSIX timestamp, or ``None`` when it
    does not parse (missing field, day not in 1-31, year before 1601, time out of
    range).  Two-digit years 70-99 are 19xx, 00-69 are 20xx.
    """
    found_time = found_day = found_month = found_year = False
    hour = minute = second = day = month = year = 0
    for token in _DATE_DELIMITERS.split(text):
        if not token:
            continue
        if not found_time and (m := _TIME.match(token)):
            found_time = True
            hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif not found_day and (m := _DAY.match(token)):
            found_day = True
            day = int(m.group(1))
        elif not found_month and ascii_lower(token[:3]) in _MONTHS:
            found_month = True
            month = _MONTHS[ascii_lower(token[:3])]
        elif not found_year and (m := _YEAR.match(token)):
            found_year = True
            year = int(m.group(1))
    if not (found_time and found_day and found_month and found_year):
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))


@lru_cache(maxsize=512)
def is_ip_address(host: str) -> bool:
    """Whether *host* is an IPv4 or IPv6 literal (brackets allowed)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def domain_match(domain: str, hostname: str) -> bool:
    """RFC 6265 §5.1.3: *hostname* is *domain* or a subdomain of it (never for an
    IP address literal).
    """
    if hostname == domain:
        return True
    if not domain or not hostname.endswith(domain) or hostname[-len(domain) - 1] != ".":
        return False
    return not is_ip_address(hostname)


_PSL: Optional[Any] = None  # the loaded publicsuffixlist.PublicSuffixList
_PSL_MISSING = False


def _public_suffix_list() -> Optional[Any]:
    """The Public Suffix List, loaded on first use (about 0.1-0.4 s and a few MiB:
    never at import); ``None`` when the ``publicsuffixlist`` package is missing.
    """
    global _PSL, _PSL_MISSING
    if _PSL is None and not _PSL_MISSING:
        try:
            from publicsuffixlist import PublicSuffixList
        except ImportError:  # a required dependency; single-label domains are still refused
            _PSL_MISSING = True
            client_log.warning("publicsuffixlist is not installed: only single-label cookie domains are refused")
            return None
        _PSL = PublicSuffixList()
    return _PSL


@lru_cache(maxsize=512)
def is_public_suffix(domain: str) -> bool:
    """Whether the cookie domain *domain* (lower case, no leading dot) is a public
    suffix (RFC 6265 §5.3 step 5) such as ``com``, ``co.uk`` or ``github.io``: a
    single label always is (``com``, ``localhost``), a longer name when the
    Public Suffix List (ICANN and private sections, as browsers use it) lists it.
    """
    if "." not in domain:
        return True
    if is_ip_address(domain):
        return False
    psl = _public_suffix_list()
    return psl is not None and bool(psl.is_public(domain))


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 §5.1.4 path-match."""
    if request_path == cookie_path:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"


def default_path(uri_path: str) -> str:
    """RFC 6265 §5.1.4 default-path of a request-URI path."""
    if not uri_path.startswith("/"):
        return "/"
    cut = uri_path.rfind("/")
    return uri_path[:cut] if cut > 0 else "/"
