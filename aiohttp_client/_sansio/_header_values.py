"""Parsers of header field values a response exposes (sans-IO, layer 1):

- ``Content-Type``: media type and parameters (RFC 9110 §8.3.1, §5.6.6),
- ``Content-Disposition`` (RFC 6266 §4.1; ``filename*`` per RFC 8187),
- ``Link`` (RFC 8288 §3).

Strings in, records out; :class:`~aiohttp_client.ClientResponse` calls them lazily.
"""

import re
from collections.abc import Iterable
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from multidict import MultiDict, MultiDictProxy
from yarl import URL

from .._models import ContentDisposition

__all__ = ("is_json_mimetype", "parse_content_disposition", "parse_links", "parse_mimetype")

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MIME_RE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})\s*")
_PARAM_RE = re.compile(rf'\s*;\s*({_TOKEN})\s*=\s*(?:({_TOKEN})|"((?:[^"\\]|\\.)*)")\s*')
_JSON_RE = re.compile(r"^application/(?:[\w.+-]+?\+)?json$")
_LINK_RE = re.compile(r"\s*<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def parse_mimetype(value: str) -> tuple[str, dict[str, str]]:
    """``"text/html; charset=UTF-8"`` -> ``("text/html", {"charset": "UTF-8"})``.

    RFC 9110 §8.3.1: ``type "/" subtype *( OWS ";" OWS parameter )``; anything else
    gives ``("application/octet-stream", {})`` as the reference asks.
    """
    m = _MIME_RE.match(value)
    if m is None:
        return "application/octet-stream", {}
    mimetype = f"{m.group(1)}/{m.group(2)}".lower()
    params: dict[str, str] = {}
    pos = m.end()
    while pos < len(value):
        p = _PARAM_RE.match(value, pos)
        if p is None:
            return "application/octet-stream", {}
        params[p.group(1).lower()] = p.group(2) if p.group(2) is not None else re.sub(r"\\(.)", r"\1", p.group(3))
        pos = p.end()
    return mimetype, params


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
