"""The public client exception tree (reference: "Client exceptions").

The I/O layer maps the protocol errors of :mod:`aiohttp_client.http_exceptions` and
the OS/TLS errors onto these classes at one boundary.  Developer mistakes raise the
builtin :exc:`ValueError` / :exc:`TypeError` instead.

Tree (builtin bases in brackets)::

    ClientError [Exception]
    ├── ClientConnectionError
    │   ├── ClientConnectionResetError [ConnectionResetError]
    │   ├── ClientOSError [OSError]
    │   │   └── ClientConnectorError
    │   │       ├── ClientProxyConnectionError
    │   │       │   └── ClientSocksProxyError
    │   │       ├── ClientConnectorDNSError
    │   │       ├── ClientSSLError
    │   │       │   ├── ClientConnectorCertificateError [ssl.CertificateError]
    │   │       │   └── ClientConnectorSSLError [ssl.SSLError]
    │   │       └── UnixClientConnectorError
    │   └── ServerConnectionError
    │       ├── ServerDisconnectedError
    │       ├── ServerFingerprintMismatch
    │       └── ServerTimeoutError [asyncio.TimeoutError]
    │           ├── ConnectionTimeoutError
    │           └── SocketTimeoutError
    ├── ClientPayloadError
    ├── ClientResponseError
    │   ├── ClientHttpProxyError
    │   ├── ContentTypeError
    │   ├── TooManyRedirects
    │   └── WSServerHandshakeError
    ├── InvalidURL [ValueError]
    │   └── InvalidUrlClientError
    │       └── InvalidUrlRedirectClientError (also a RedirectClientError)
    ├── NonHttpUrlClientError
    │   └── NonHttpUrlRedirectClientError (also a RedirectClientError)
    ├── RedirectClientError
    └── UploadAbortedError
    WSMessageTypeError [TypeError]

``asyncio.TimeoutError`` is the builtin :exc:`TimeoutError` from Python 3.11 on and a
separate class before, so catch ``asyncio.TimeoutError`` to catch every timeout.

Every class can be pickled (the constructor arguments are kept in ``args``, the rest
in the instance ``__dict__``), provided the objects it carries can be.
"""

import asyncio
import warnings
from typing import Any, Optional, Union

from multidict import MultiMapping
from yarl import URL

from ._models import ConnectionKey, RequestInfo, ResponseHead

try:
    from ssl import CertificateError as _CertificateError
    from ssl import SSLError as _SSLError
except ImportError:  # pragma: no cover - Python built without ssl

    class _SSLError(OSError):  # type: ignore[no-redef]
        """Stand-in base when the ssl module is missing."""

    _CertificateError = ValueError  # type: ignore[misc,assignment]

# A tuple of ClientResponse objects; that class lives in a module that imports this one.
_History = tuple[Any, ...]

__all__ = (
    "ClientError",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientOSError",
    "ClientConnectorError",
    "ClientProxyConnectionError",
    "ClientSocksProxyError",
    "ClientSSLError",
    "ClientConnectorDNSError",
    "ClientConnectorSSLError",
    "ClientConnectorCertificateError",
    "UnixClientConnectorError",
    "ConnectionTimeoutError",
    "SocketTimeoutError",
    "ServerConnectionError",
    "ServerTimeoutError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ClientResponseError",
    "ClientHttpProxyError",
    "WSServerHandshakeError",
    "ContentTypeError",
    "TooManyRedirects",
    "ClientPayloadError",
    "UploadAbortedError",
    "InvalidURL",
    "InvalidUrlClientError",
    "RedirectClientError",
    "NonHttpUrlClientError",
    "InvalidUrlRedirectClientError",
    "NonHttpUrlRedirectClientError",
    "WSMessageTypeError",
)


class ClientError(Exception):
    """Base class of all client errors."""


# --------------------------------------------------------------------------- responses


class ClientResponseError(ClientError):
    """A response arrived but is an error or unusable (reference: "Response errors").

    :param request_info: the :class:`~aiohttp_client.RequestInfo` of the request.
    :param history: ``tuple`` of the redirect ``ClientResponse`` objects before it.
    :param status: HTTP status code (``int``); ``0`` when unknown.
    :param code: deprecated alias of *status* (:exc:`DeprecationWarning`).
    :param message: reason phrase or description (``str``).
    :param headers: the response header fields (a multidict), or ``None``.
    :raises ValueError: both *code* and *status* are given.

    ``str()`` gives ``"<status>, message=<message>, url=<real_url>"``.
    """

    def __init__(
        self,
        request_info: RequestInfo,
        history: _History,
        *,
        code: Optional[int] = None,
        status: Optional[int] = None,
        message: str = "",
        headers: Optional["MultiMapping[str]"] = None,
    ) -> None:
        if code is not None:
            if status is not None:
                raise ValueError("Both code and status arguments are provided; code is deprecated, use status instead")
            warnings.warn(
                "code argument is deprecated, use status instead",
                DeprecationWarning,
                stacklevel=2,
            )
            status = code
        super().__init__(request_info, history)
        self.request_info = request_info
        self.history = history
        self.status: int = 0 if status is None else status
        self.message = message
        self.headers = headers

    @property
    def code(self) -> int:
        """Deprecated since aiohttp 3.1: the same as :attr:`status`."""
        warnings.warn(
            "code property is deprecated, use status instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.status

    @code.setter
    def code(self, value: int) -> None:
        warnings.warn(
            "code property is deprecated, use status instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self.status = value

    def __str__(self) -> str:
        real_url = getattr(self.request_info, "real_url", None)
        text = f"{self.status}, message={self.message!r}"
        if real_url is not None:
            text += f", url={str(real_url)!r}"
        return text

    def __repr__(self) -> str:
        args = f"{self.request_info!r}, {self.history!r}"
        if self.status != 0:
            args += f", status={self.status!r}"
        if self.message != "":
            args += f", message={self.message!r}"
        if self.headers is not None:
            args += f", headers={self.headers!r}"
        return f"{type(self).__name__}({args})"


class ContentTypeError(ClientResponseError):
    """The response's Content-Type does not fit the requested decoding (e.g. ``json()``)."""


class WSServerHandshakeError(ClientResponseError):
    """The server's response to the WebSocket upgrade request is not valid (RFC 6455 §4.1)."""


class ClientHttpProxyError(ClientResponseError):
    """The proxy answered the ``CONNECT`` request with a status other than 2xx."""


class TooManyRedirects(ClientResponseError):
    """More redirects than ``max_redirects``."""


class WSMessageTypeError(TypeError):
    """A WebSocket message of an unexpected type was received (e.g. by ``receive_json``)."""


# ------------------------------------------------------------------------- connections


class ClientConnectionError(ClientError):
    """Base class of low-level connection problems."""


class ClientConnectionResetError(ClientConnectionError, ConnectionResetError):
    """The connection was reset (e.g. writing to a closed transport)."""


class ClientOSError(ClientConnectionError, OSError):
    """A connection problem that comes from an :exc:`OSError`."""


class ClientConnectorError(ClientOSError):
    """A connection to the host could not be established.

    :param connection_key: the pool key (:class:`~aiohttp_client._models.ConnectionKey`)
        of the connection attempt.
    :param os_error: the underlying :exc:`OSError`; its ``errno`` and ``strerror``
        become this exception's.

    :ivar host: ``str``; :ivar port: ``int`` or ``None``; :ivar ssl: the ``ssl``
        argument of the request (``True`` for default verification, ``False``, an
        ``SSLContext`` or a ``Fingerprint``).
    """

    def __init__(self, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._conn_key = connection_key
        self._os_error = os_error
        super().__init__(os_error.errno, os_error.strerror)
        self.args = (connection_key, os_error)

    @property
    def os_error(self) -> OSError:
        """The underlying :exc:`OSError`."""
        return self._os_error

    @property
    def host(self) -> str:
        """Host name of the connection attempt."""
        return self._conn_key.host

    @property
    def port(self) -> Optional[int]:
        """Port of the connection attempt."""
        return self._conn_key.port

    @property
    def ssl(self) -> Any:
        """The TLS setting of the attempt (``bool``, ``SSLContext`` or ``Fingerprint``)."""
        return self._conn_key.ssl

    def _reason(self) -> str:
        if self.strerror is not None:
            return str(self.strerror)
        return str(self._os_error)

    def __str__(self) -> str:
        return "Cannot connect to host {}:{} ssl:{} [{}]".format(
            self.host,
            self.port,
            "default" if self.ssl is True else self.ssl,
            self._reason(),
        )

    # OSError.__reduce__ would rebuild the instance from (errno, strerror).
    __reduce__ = BaseException.__reduce__


class ClientConnectorDNSError(ClientConnectorError):
    """The host name could not be resolved."""


class ClientProxyConnectionError(ClientConnectorError):
    """A connection to the proxy could not be established."""


class ClientSocksProxyError(ClientProxyConnectionError):
    """A SOCKS proxy answered the request for a connection with a failure
    (authentication refused, host unreachable, connection refused, ...) or with
    something that is not SOCKS; an addition to aiohttp's tree (issue 18).

    :attr:`host` and :attr:`port` are the proxy's; the message gives the origin and
    the reply's meaning (RFC 1928 §6 for SOCKS5), ``errno`` the nearest error
    number (e.g. ``EHOSTUNREACH`` for SOCKS5 reply 4, ``EACCES`` for refused
    credentials).  The credentials are never part of it.

    :param connection_key: the proxy's pool key (no credentials).
    :param os_error: an :exc:`OSError` carrying the errno and the message.
    :param reply_code: the proxy's reply code (``int``), ``None`` when the failure
        was not a coded reply (refused credentials, a malformed answer).
    """

    def __init__(self, connection_key: ConnectionKey, os_error: OSError, reply_code: Optional[int] = None) -> None:
        super().__init__(connection_key, os_error)
        self.reply_code = reply_code
        self.args = (connection_key, os_error, reply_code)

    def __str__(self) -> str:
        return f"SOCKS proxy {self.host}:{self.port} {self._reason()}"


class UnixClientConnectorError(ClientConnectorError):
    """A connection to the Unix socket *path* (``str``) could not be established.

    :param path: the socket path.
    :param connection_key: as for :class:`ClientConnectorError`.
    :param os_error: as for :class:`ClientConnectorError`.
    """

    def __init__(self, path: str, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._path = path
        super().__init__(connection_key, os_error)
        # All three, so that pickling calls __init__ with the right arguments.
        self.args = (path, connection_key, os_error)

    @property
    def path(self) -> str:
        """The Unix socket path."""
        return self._path

    def __str__(self) -> str:
        return "Cannot connect to unix socket {} ssl:{} [{}]".format(
            self.path,
            "default" if self.ssl is True else self.ssl,
            self._reason(),
        )


class ClientSSLError(ClientConnectorError):
    """Base class of TLS errors while connecting."""


class ClientConnectorSSLError(ClientSSLError, _SSLError):
    """The TLS handshake failed (an :exc:`ssl.SSLError`); arguments as for
    :class:`ClientConnectorError`.
    """


class ClientConnectorCertificateError(ClientSSLError, _CertificateError):
    """The server's certificate could not be verified.

    :param connection_key: as for :class:`ClientConnectorError`.
    :param certificate_error: the error raised by the verification
        (:exc:`ssl.CertificateError` or another exception).

    :ivar ssl: here ``True`` when the connection was a TLS one (``bool``).
    """

    def __init__(self, connection_key: ConnectionKey, certificate_error: Exception) -> None:
        if isinstance(certificate_error, OSError):  # ssl.CertificateError included
            os_error = certificate_error
        else:
            os_error = OSError()
        super().__init__(connection_key, os_error)
        self._certificate_error = certificate_error
        self.args = (connection_key, certificate_error)

    @property
    def certificate_error(self) -> Exception:
        """The underlying verification error."""
        return self._certificate_error

    @property
    def ssl(self) -> bool:
        """Whether the attempted connection was a TLS one."""
        return self._conn_key.is_ssl

    def __str__(self) -> str:
        error = self._certificate_error
        return (
            f"Cannot connect to host {self.host}:{self.port} ssl:{self.ssl} [{error.__class__.__name__}: {error.args}]"
        )


class ServerConnectionError(ClientConnectionError):
    """Base class of errors on an established connection to the server."""


class ServerDisconnectedError(ServerConnectionError):
    """The server closed the connection before the response was complete.

    :param message: the partially parsed response head
        (:class:`~aiohttp_client._models.ResponseHead`) or a description (``str``);
        by default ``"Server disconnected"``.
    """

    def __init__(self, message: Union[ResponseHead, str, None] = None) -> None:
        if message is None:
            message = "Server disconnected"
        super().__init__(message)
        self.message = message


class ServerFingerprintMismatch(ServerConnectionError):
    """The server certificate's digest differs from the expected ``Fingerprint``.

    :param expected: the expected digest (``bytes``).
    :param got: the digest of the certificate received (``bytes``).
    :param host: ``str``; :param port: ``int``.
    """

    def __init__(self, expected: bytes, got: bytes, host: str, port: int) -> None:
        super().__init__(expected, got, host, port)
        self.expected = expected
        self.got = got
        self.host = host
        self.port = port

    def __repr__(self) -> str:
        return (
            f"<{self.__class__.__name__} expected={self.expected!r} got={self.got!r} "
            f"host={self.host!r} port={self.port!r}>"
        )


class ServerTimeoutError(ServerConnectionError, asyncio.TimeoutError):
    """A timeout on the connection (connect or read); the ``total`` timeout raises a
    plain :exc:`asyncio.TimeoutError` instead.
    """


class ConnectionTimeoutError(ServerTimeoutError):
    """The ``connect`` or ``sock_connect`` timeout expired."""


class SocketTimeoutError(ServerTimeoutError):
    """The ``sock_read`` timeout expired."""


# ---------------------------------------------------------------------------- payloads


class ClientPayloadError(ClientError):
    """The response body is invalid: bad content coding, malformed chunked coding, or
    fewer bytes than Content-Length.
    """


class UploadAbortedError(ClientError):
    """The request body could not be sent completely (aiohttp 3.14 name)."""


# -------------------------------------------------------------------------------- URLs


class InvalidURL(ClientError, ValueError):
    """The URL is malformed, e.g. it has no host.

    :param url: the URL (:class:`yarl.URL` or ``str``: parsing it may be what failed).
    :param description: why it is invalid (``str``) or ``None``.

    ``str()`` gives ``"<url> - <description>"`` or ``"<url>"``.
    """

    def __init__(self, url: Union[str, URL], description: Optional[str] = None) -> None:
        self._url = url
        self._description = description
        if description:
            super().__init__(url, description)
        else:
            super().__init__(url)

    @property
    def url(self) -> Union[str, URL]:
        """The invalid URL."""
        return self._url

    @property
    def description(self) -> Optional[str]:
        """Why the URL is invalid, or ``None``."""
        return self._description

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self}>"

    def __str__(self) -> str:
        if self._description:
            return f"{self._url} - {self._description}"
        return str(self._url)


class InvalidUrlClientError(InvalidURL):
    """The request URL is invalid."""


class RedirectClientError(ClientError):
    """Base class of errors about a redirect."""


class NonHttpUrlClientError(ClientError):
    """The URL's scheme is not one the client can fetch (http, https, ws, wss)."""


class InvalidUrlRedirectClientError(InvalidUrlClientError, RedirectClientError):
    """A redirect's Location is not a valid URL."""


class NonHttpUrlRedirectClientError(NonHttpUrlClientError, RedirectClientError):
    """A redirect points to a URL whose scheme is not http(s)."""
