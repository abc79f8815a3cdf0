"""``ClientRequest``: normalise the user's arguments into a head and a body
(reference: ``ClientRequest``); sending them is :mod:`._request_send`'s part.

Validation happens while building the request, before any byte is written: URL
(host and scheme), method (token), field names and values (no CR/LF/NUL/CTL, see
``_http_writer``).
"""

import asyncio
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, getversion
from yarl import URL

from .. import hdrs
from .._models import ConnectionKey, HttpVersion, HttpVersion10, HttpVersion11, RequestInfo
from .._sansio._basic_auth import BasicAuth
from .._sansio._hops import FROM_PROXY, FROM_URL, Call, Hop, bind, first_hop
from .._sansio._http_writer import validate_method
from .._sansio._proxy import is_http_proxy, proxy_fields
from ..client_exceptions import InvalidUrlClientError, NonHttpUrlClientError
from ..formdata import FormData
from ..payload import LookupError as PayloadLookupError
from ..payload import Payload, get_payload
from ._request_send import RequestSending
from ._request_target import DEFAULT_FIELDS, USER_AGENT
from ._request_target import target as url_target

__all__ = ("ClientRequest",)


def _as_payload(data: Any) -> Payload:
    """A payload for *data*: a :class:`Payload` as is, a registered type wrapped
    (:data:`~aiohttp_client.payload.PAYLOAD_REGISTRY`), anything else (a mapping,
    pairs) given to :class:`~aiohttp_client.FormData`.

    :raises TypeError: *data* fits neither.
    """
    if isinstance(data, FormData):
        return data()
    try:
        return get_payload(data, disposition=None)
    except PayloadLookupError:
        return FormData(data)()


def _http_version(version: Any) -> HttpVersion:
    """*version* as an :class:`HttpVersion` of two one-digit ints (RFC 9112 §2.3:
    ``HTTP-version = HTTP-name "/" DIGIT "." DIGIT``); a ``"1.1"`` string is parsed
    as aiohttp does.

    :raises ValueError: anything else (so nothing odd reaches the request-line).
    """
    if version is HttpVersion11 or version is HttpVersion10:
        return version
    if isinstance(version, str):
        parts = version.split(".")
        if len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts):
            return HttpVersion(int(parts[0]), int(parts[1]))
        raise ValueError(f"Can not parse http version number: {version!r}")
    if (
        isinstance(version, tuple)
        and len(version) == 2
        and all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 9 for p in version)
    ):
        return version if isinstance(version, HttpVersion) else HttpVersion(*version)
    raise ValueError(f"HTTP version must be an HttpVersion of two ints, not {version!r}")


def _given_url(hop: Hop, url: URL) -> URL:
    """*url* (the hop's, ``params`` added) as the caller gave it: with the userinfo
    :func:`.._sansio._hops.first_hop` took out into the credential, so an error names
    the URL as aiohttp 3.14.5 does.
    """
    given, auth = hop.call.url, hop.auth
    if auth is None or auth.source != FROM_URL or given.with_user(None) != hop.url:
        return url
    return given.extend_query(hop.params) if hop.params else given


class ClientRequest(RequestSending):
    """One HTTP request (reference: ``ClientRequest``).

    ``expect100=True`` (or an ``Expect: 100-continue`` field given by the caller)
    writes the head, then waits for ``100 Continue`` before writing the body (RFC 9110
    §10.1.1); when a final status arrives instead the body is never sent and the
    connection, its request unfinished, is closed rather than reused.

    :raises InvalidUrlClientError: the URL has no scheme or no host.
    :raises NonHttpUrlClientError: the scheme is not http, https, ws or wss.
    :raises ValueError: a method that is not a token; credentials both in the URL
        and in *auth*; ``chunked`` together with Content-Length or Transfer-Encoding.
    """

    DEFAULT_HEADERS = DEFAULT_FIELDS
    _skip_auto_headers: "Optional[CIMultiDict[None]]" = None  # :attr:`skip_auto_headers` when given
    #: methods without request content by convention (RFC 9110 §9.3), and the others
    #: (reference: ``ClientRequest``)
    GET_METHODS = frozenset({hdrs.METH_GET, hdrs.METH_HEAD, hdrs.METH_OPTIONS, hdrs.METH_TRACE})
    POST_METHODS = frozenset({hdrs.METH_PATCH, hdrs.METH_POST, hdrs.METH_PUT})
    ALL_METHODS = GET_METHODS | POST_METHODS | {hdrs.METH_DELETE}

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        params: Any = None,
        headers: Any = None,
        skip_auto_headers: Optional[Iterable[str]] = None,
        data: Any = None,
        cookies: Any = None,
        auth: Optional[BasicAuth] = None,
        version: HttpVersion = HttpVersion11,
        compress: Union[str, bool, None] = None,
        chunked: Optional[bool] = None,
        expect100: bool = False,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        response_class: Optional[type[Any]] = None,
        proxy: Optional[URL] = None,
        proxy_auth: Optional[BasicAuth] = None,
        timer: Any = None,
        session: Any = None,
        ssl: Any = True,
        proxy_headers: Any = None,
        traces: Any = None,
        trust_env: bool = False,
        server_hostname: Optional[str] = None,
    ) -> None:
        call = Call(
            method=method,
            url=url,
            params=params,
            data=data,
            headers=headers,
            skip_auto_headers=skip_auto_headers,
            auth=auth,
            session_auth=None,
            cookies=cookies,
            compress=compress,
            chunked=chunked,
            expect100=expect100,
            ssl=ssl,
            server_hostname=server_hostname,
            proxy=proxy,
            proxy_auth=bind(proxy_auth, proxy, FROM_PROXY),
            proxy_headers=proxy_headers,
            traces=traces,
        )
        self._from_hop(first_hop(call), cookies, version, session, response_class)

    @classmethod
    def _for_session(cls, hop: Hop, cookies: Any, session: Any) -> "ClientRequest":
        """The request of one hop of a session's call (:mod:`.._sansio._hops`), with
        *cookies* (the jar's and the request's) and the session's version and
        response class: ``cls(method, url, version=..., session=..., **kwargs)``
        without binding twenty keyword arguments (only for the stock class; a
        subclass is always built through its own ``__init__``).
        """
        self = cls.__new__(cls)
        self._from_hop(hop, cookies, session._version, session, session._response_class)
        return self

    def _from_hop(
        self, hop: Hop, cookies: Any, version: HttpVersion, session: Any, response_class: Optional[type[Any]]
    ) -> None:
        """Build this request from *hop* (and *cookies*, the ``Cookie`` pairs to send).

        :raises ValueError: a method that is not a token, a bad version, a forbidden
            character in a field.
        :raises InvalidUrlClientError: the URL has no scheme or no host.
        :raises NonHttpUrlClientError: the scheme is not http, https, ws or wss.
        """
        call, method, url, params, data, headers, auth, _carried, proxy, proxy_auth = hop  # one unpacking
        self.method = validate_method(method.upper())
        if params:
            url = url.extend_query(params)
        self.original_url = url
        self.url = url.with_fragment(None) if url.raw_fragment else url
        target = url_target(self.url)
        if not (target.scheme_ok and target.host_ok):  # the error names the URL as it was given
            self._check_url(self.url, _given_url(hop, url))
        self.version = version if version is HttpVersion11 else _http_version(version)
        self._setup(call)
        self.session = session
        self.response_class = response_class
        self.proxy = proxy
        self.proxy_auth = proxy_auth.auth if proxy_auth is not None else None
        self._build_headers(headers, auth.auth if auth is not None else None, cookies)
        if is_http_proxy(proxy) and not self.is_ssl():  # the proxy reads this request itself (not SOCKS)
            self.headers.update(proxy_fields(self.proxy_auth, self.proxy_headers))
        if data is not None:
            self._set_body(_as_payload(data))

    def _setup(self, call: Call) -> None:
        """What every hop of *call* shares: body framing and coding, TLS, proxy fields,
        traces.
        """
        skip, compress, chunked, expect100 = call[5], call[9], call[10], call[11]  # no slice: this runs per hop
        ssl, server_hostname, proxy_headers, traces = call[12], call[13], call[16], call[17]
        if chunked is not None and not isinstance(chunked, bool):
            warnings.warn("Chunk size is deprecated #1615", DeprecationWarning, stacklevel=5)
        self.chunked = chunked
        self.compress: Optional[str] = ("deflate" if compress is True else compress) or None
        self._expect100 = expect100
        self._write_task: Optional[asyncio.Task[None]] = None
        self._skip_auto_headers = CIMultiDict((h, None) for h in skip) if skip else None
        self.proxy_headers: Optional[CIMultiDict[str]] = CIMultiDict(proxy_headers) if proxy_headers else None
        self.ssl = ssl
        self.server_hostname = server_hostname
        self._traces = traces or []

    # -- building -------------------------------------------------------------

    @staticmethod
    def _check_url(url: URL, given: URL) -> None:
        """Raise for a *url* a request cannot go to, naming the URL as *given*
        (fragment included), as aiohttp 3.14.5 does: no scheme (``"example.com/x"``,
        ``"/x"``, ``""``, ``"//host/x"``: not an absolute URL, RFC 3986 §4.3) or no
        host is an ``InvalidUrlClientError``; another scheme is a ``NonHttpUrlClientError``.
        """
        target = url_target(url)
        if not target.scheme_ok:
            raise NonHttpUrlClientError(given) if url.scheme else InvalidUrlClientError(given)
        if not target.host_ok:
            raise InvalidUrlClientError(given)

    def _build_headers(self, headers: Any, auth: Optional[BasicAuth], cookies: Any) -> None:
        target = url_target(self.url)
        if not headers and not self._skip_auto_headers and self.DEFAULT_HEADERS is DEFAULT_FIELDS:
            self.headers: CIMultiDict[str] = target.default_fields.copy()  # the common case
            self._pristine = (getversion(self.headers), target)
        else:
            self.headers = self._given_fields(target.host_header, headers)
        fields = self.headers
        if auth is not None:
            if not isinstance(auth, BasicAuth):
                raise TypeError("BasicAuth() tuple is required instead")
            fields[hdrs.AUTHORIZATION] = auth.encode()
        if cookies:
            pairs = cookies.items() if isinstance(cookies, Mapping) else cookies
            value = "; ".join(f"{getattr(v, 'key', k)}={getattr(v, 'coded_value', v)}" for k, v in pairs)
            given = fields.get(hdrs.COOKIE)  # one Cookie field (RFC 6265 §5.4)
            fields[hdrs.COOKIE] = f"{given}; {value}" if given else value
        if self._expect100:
            fields[hdrs.EXPECT] = "100-continue"

    def _given_fields(self, host_header: str, headers: Any) -> "CIMultiDict[str]":
        """Host, the caller's *headers*, then the default fields not given or skipped."""
        fields: CIMultiDict[str] = CIMultiDict()
        fields[hdrs.HOST] = host_header
        if headers:
            items = (
                headers.items() if isinstance(headers, (Mapping, MultiDict, CIMultiDict, CIMultiDictProxy)) else headers
            )
            for name, value in items:
                if name.lower() == "host":
                    fields[hdrs.HOST] = value
                else:
                    fields.add(name, value)
        skip = self._skip_auto_headers or ()
        for name, value in self.DEFAULT_HEADERS.items():
            if name not in skip and name not in fields:
                fields[name] = value
        if hdrs.USER_AGENT not in skip and hdrs.USER_AGENT not in fields:
            fields[hdrs.USER_AGENT] = USER_AGENT
        return fields

    def _set_body(self, payload: Payload) -> None:
        self.body = payload
        if hdrs.CONTENT_TYPE not in self.headers and hdrs.CONTENT_TYPE not in (self._skip_auto_headers or ()):
            self.headers[hdrs.CONTENT_TYPE] = payload.content_type
        for name, value in payload.headers.items():
            if name not in self.headers:
                self.headers[name] = value

    async def update_body(self, body: Any) -> None:
        """Replace the body, closing the previous payload (reference: ``update_body``).
        The framing fields follow the new body at the next send (as in aiohttp, a
        Content-Length given before is replaced by the new body's).
        """
        if isinstance(self.body, Payload):
            await self.close()  # a writer still sending the old body stops first
            await self.body.close()
        self.body = b""
        self._body_length = None
        self.headers.popall(hdrs.CONTENT_LENGTH, None)
        if self._chunked_by_us:
            self.headers.popall(hdrs.TRANSFER_ENCODING, None)
            self._chunked_by_us = False
        if body is not None:
            self._set_body(_as_payload(body))

    # -- properties -------------------------------------------------------------------

    @property
    def skip_auto_headers(self) -> "CIMultiDict[None]":
        """The automatic fields not to add (names, case-insensitive; values ``None``):
        a new empty ``CIMultiDict`` when there are none (as aiohttp 3.14), so that a
        request skipping nothing allocates none.
        """
        skip = self._skip_auto_headers
        return CIMultiDict() if skip is None else skip

    @skip_auto_headers.setter
    def skip_auto_headers(self, value: "CIMultiDict[None]") -> None:
        self._skip_auto_headers = value

    def is_ssl(self) -> bool:
        return url_target(self.url).is_ssl

    @property
    def host(self) -> str:
        return url_target(self.url).host

    @property
    def port(self) -> Optional[int]:
        return url_target(self.url).port

    @property
    def connection_key(self) -> ConnectionKey:
        target = url_target(self.url)
        headers = self.proxy_headers
        plain = self.ssl is True and self.proxy is None and self.proxy_auth is None and self.server_hostname is None
        if plain and not headers:  # the common case: one key per URL object, kept with its facts
            key = target.plain_key
            if key is None:
                key = target.plain_key = tuple.__new__(
                    ConnectionKey, (target.host, target.port, target.is_ssl, True, None, None, None, None)
                )
            return key
        headers_hash = hash(tuple(headers.items())) if headers else None
        fields = (target.host, target.port, target.is_ssl, self.ssl, self.proxy, self.proxy_auth, headers_hash)
        return tuple.__new__(ConnectionKey, (*fields, self.server_hostname))  # as ConnectionKey(...), faster

    @property
    def request_info(self) -> RequestInfo:
        info = (self.url, self.method, CIMultiDictProxy(self.headers), self.original_url)
        return tuple.__new__(RequestInfo, info)  # as RequestInfo(...), without its Python __new__

    def __repr__(self) -> str:
        return f"<ClientRequest({self.method} {self.url})>"
