"""Parsers of header field values a response exposes (sans-IO, layer 1):

- ``Content-Type``: media type and parameters (RFC 9110 §8.3.1, §5.6.6), read as
  aiohttp 3.14 reads it: :func:`parse_content_type` for ``ClientResponse.content_type``
  and ``charset``, :func:`parse_mimetype` (aiohttp's ``helpers.parse_mimetype``) for
  multipart boundaries; neither gives up on a whole value for one bad parameter,
- ``Content-Disposition`` (RFC 6266 §4.1; ``filename*`` per RFC 8187),
- ``Link`` (RFC 8288 §3).

Strings in, records out; :class:`~aiohttp_client.ClientResponse` calls them lazily.
"""

import re
from collections.abc import Iterable
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import HTTP
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import unquote

from multidict import MultiDict, MultiDictProxy
from yarl import URL

from .._models import ContentDisposition

__all__ = (
    "MimeType",
    "is_json_mimetype",
    "parse_content_disposition",
    "parse_content_type",
    "parse_links",
    "parse_mimetype",
)

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MIME_RE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})\s*")
_PARAM_RE = re.compile(rf'\s*;\s*({_TOKEN})\s*=\s*(?:({_TOKEN})|"((?:[^"\\]|\\.)*)")\s*')
_JSON_RE = re.compile(r"^application/(?:[\w.+-]+?\+)?json$")
_LINK_RE = re.compile(r"\s*<([^>]*)>\s*((?:;\s*[^;,]+)*)")


class MimeType(NamedTuple):
    """A Content-Type as :func:`parse_mimetype` splits it (aiohttp's ``MimeType``)."""

    type: str
    subtype: str
    suffix: str
    parameters: "MultiDictProxy[str]"


_PARAM_SPACE = ' "'  # stripped around a parameter value: spaces and quotes


def parse_mimetype(value: str) -> MimeType:
    """``"text/html; charset=UTF-8"`` -> ``MimeType("text", "html", "", {"charset": "UTF-8"})``.

    A lenient split, as aiohttp's ``helpers.parse_mimetype`` does: ``;`` separates
    parameters, the first ``=`` a name from its value; names and types are
    lower-cased, values lose surrounding spaces and quotes (no unescaping), a
    ``+suffix`` (RFC 6838 §4.2.8) is split off the subtype.  Nothing is rejected, so
    one bad parameter never hides the others (``boundary=graphql;
    subscriptionSpec=1.0,application/json`` keeps its boundary).
    """
    params: MultiDict[str] = MultiDict()
    if not value:
        return MimeType("", "", "", MultiDictProxy(params))
    fulltype, *items = value.split(";")
    for item in items:
        if not item.strip():
            continue
        key, _, val = item.partition("=")
        params.add(key.lower().strip(), val.strip(_PARAM_SPACE))
    fulltype = fulltype.strip().lower()
    if fulltype == "*":
        fulltype = "*/*"
    mtype, _, subtype = fulltype.partition("/")
    subtype, _, suffix = subtype.partition("+")
    return MimeType(mtype, subtype, suffix, MultiDictProxy(params))


_OCTET_STREAM = "application/octet-stream"
_SIMPLE_PARAMS = re.compile(rf'(?:\s*;\s*[!#$%&\'+\-.^_`|~0-9A-Za-z]+=(?:{_TOKEN}|"(?:[^"\\\x00-\x1f\x7f]|\\.)*"))*\s*')


class _ContentTypeMessage(EmailMessage):
    """A message of one ``Content-Type`` field, read by :mod:`email` (RFC 2045 §5.1,
    RFC 2231) under its HTTP policy; the media type is the field's text before
    ``;`` when it holds one ``/``, else ``application/octet-stream``.
    """

    def get_content_type(self) -> str:
        value = self.get("content-type")
        mimetype = "" if value is None else str(value).partition(";")[0].strip().lower()
        return mimetype if mimetype.count("/") == 1 else _OCTET_STREAM


_EMAIL_PARSER = HeaderParser(_ContentTypeMessage, policy=HTTP)


def parse_content_type(value: str) -> "tuple[str, dict[str, str]]":
    """``Content-Type`` -> ``(media type, parameters)`` as ``ClientResponse.content_type``
    and ``charset`` give them (aiohttp 3.14).

    The media type is the lower-cased text before the first ``;`` when it holds
    exactly one ``/``, else ``application/octet-stream`` (RFC 9110 §8.3).  The
    parameters are read by :mod:`email` (RFC 2045 §5.1, RFC 2231 continuations and
    charsets): names lower-cased, the first of a repeated name kept, a value cut
    where it stops being a token or quoted-string, without losing the others.
    A plain ``type/subtype; name=value`` list is read here without the email parser.
    """
    head, sep, rest = value.partition(";")
    mimetype = head.strip().lower()
    if not value.strip():
        return _OCTET_STREAM, {}
    if sep and _SIMPLE_PARAMS.fullmatch(sep + rest) and _MIME_RE.fullmatch(head):
        params: dict[str, str] = {}
        for m in _PARAM_RE.finditer(sep + rest):
            name = m.group(1).lower()
            if name not in params:
                params[name] = m.group(2) if m.group(2) is not None else re.sub(r"\\(.)", r"\1", m.group(3))
        return mimetype, params
    if not sep and _MIME_RE.fullmatch(head):
        return mimetype, {}
    try:
        message = _EMAIL_PARSER.parsestr(f"Content-Type: {value}")
        return message.get_content_type(), dict(message.get_params(())[1:])
    except Exception:  # the email parser fails on some values ("a;b*": IndexError); aiohttp raises
        return (mimetype if mimetype.count("/") == 1 else _OCTET_STREAM), {}


def is_json_mimetype(mimetype: str) -> bool:
    """``application/json`` or a ``+json`` structured syntax suffix (RFC 6839 §3.1)."""
    return _JSON_RE.match(mimetype) is not None


def parse_content_disposition(value: str) -> ContentDisposition:
    """A ``Content-Disposition`` value -> ``ContentDisposition(type, parameters, filename)``.

    ``type`` is lower-cased (``None`` when empty); ``filename*`` (RFC 8187
    ``charset'lang'pct-encoded``) wins over ``filename``.
    """
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for m in _PARAM_RE.finditer(";" + rest):
        params[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
    filename = params.get("filename")
    if "filename*" in params:
        charset, _, encoded = params["filename*"].partition("'")
        _, _, encoded = encoded.partition("'")
        filename = unquote(encoded, encoding=charset or "utf-8")
    return ContentDisposition(kind.strip().lower() or None, MappingProxyType(params), filename)


def parse_links(values: Iterable[str], base: URL) -> "MultiDictProxy[MultiDictProxy[Any]]":
    """``Link`` field values -> links keyed by ``rel`` (or the URL when there is none).

    Each link holds its parameters (lower-cased names, unquoted values) and ``url``,
    the target resolved against *base* (the response URL).
    """
    links: MultiDict[MultiDictProxy[Any]] = MultiDict()
    for value in values:
        for m in _LINK_RE.finditer(value):
            url, params_s = m.groups()
            link: MultiDict[Any] = MultiDict()
            for param in params_s.split(";"):
                key, sep, val = param.partition("=")
                if sep:
                    link.add(key.strip().lower(), val.strip().strip('"'))
            link.add("url", base.join(URL(url)))
            links.add(link.get("rel", url), MultiDictProxy(link))
    return MultiDictProxy(links)
