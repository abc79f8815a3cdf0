"""Tests of aiohttp_client.client_exceptions: the documented tree, the constructors and
attributes, str()/repr(), pickling, and agreement with aiohttp 3.14's classes."""

import asyncio
import errno
import pickle
import ssl
import warnings
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from aiohttp_client import client_exceptions as ce
from aiohttp_client._models import ConnectionKey, RequestInfo

try:
    import aiohttp
    from aiohttp import client_exceptions as aio_ce
except ImportError:  # pragma: no cover - e.g. on PyPy
    aiohttp = None  # type: ignore[assignment]
    aio_ce = None  # type: ignore[assignment]

# The oracle is aiohttp 3.14 (the API we copy); conftest deselects these tests where it
# cannot be installed (PyPy 3.9 gets aiohttp 3.13), so they run in the CPython lanes.
needs_aiohttp = pytest.mark.aiohttp_oracle

KEY = ConnectionKey("example.com", 443, True, True, None, None, None)
REFUSED = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")


def request_info(url: str = "http://example.com/path?q=1#frag") -> RequestInfo:
    # A plain CIMultiDict (not a proxy) so that the record can be pickled.
    headers: Any = CIMultiDict({"Accept": "*/*"})
    return RequestInfo(URL(url).with_fragment(None), "GET", headers, URL(url))


# The documented tree: (class, its documented direct bases) — reference "Client exceptions".
DOCUMENTED_BASES: list[tuple[str, tuple[Any, ...]]] = [
    ("ClientError", (Exception,)),
    ("ClientPayloadError", ("ClientError",)),
    ("InvalidURL", ("ClientError", ValueError)),
    ("InvalidUrlClientError", ("InvalidURL",)),
    ("RedirectClientError", ("ClientError",)),
    ("NonHttpUrlClientError", ("ClientError",)),
    ("InvalidUrlRedirectClientError", ("InvalidUrlClientError", "RedirectClientError")),
    ("NonHttpUrlRedirectClientError", ("RedirectClientError", "NonHttpUrlClientError")),
    ("ClientResponseError", ("ClientError",)),
    ("ContentTypeError", ("ClientResponseError",)),
    ("TooManyRedirects", ("ClientResponseError",)),
    ("WSServerHandshakeError", ("ClientResponseError",)),
    ("ClientHttpProxyError", ("ClientResponseError",)),
    ("WSMessageTypeError", (TypeError,)),
    ("ClientConnectionError", ("ClientError",)),
    ("ClientConnectionResetError", ("ClientConnectionError", ConnectionResetError)),
    ("ClientOSError", ("ClientConnectionError", OSError)),
    ("ClientConnectorError", ("ClientOSError",)),
    ("ClientConnectorDNSError", ("ClientConnectorError",)),
    ("ClientProxyConnectionError", ("ClientConnectorError",)),
    ("ClientSocksProxyError", ("ClientProxyConnectionError",)),  # an addition (issue 18)
    ("ClientSSLError", ("ClientConnectorError",)),
    ("ClientConnectorSSLError", ("ClientSSLError", ssl.SSLError)),
    ("ClientConnectorCertificateError", ("ClientSSLError", ssl.CertificateError)),
    ("UnixClientConnectorError", ("ClientConnectorError",)),
    ("ServerConnectionError", ("ClientConnectionError",)),
    ("ServerDisconnectedError", ("ServerConnectionError",)),
    ("ServerFingerprintMismatch", ("ServerConnectionError",)),
    ("ServerTimeoutError", ("ServerConnectionError", asyncio.TimeoutError)),
    ("ConnectionTimeoutError", ("ServerTimeoutError",)),
    ("SocketTimeoutError", ("ServerTimeoutError",)),
]


@pytest.mark.parametrize("name,bases", DOCUMENTED_BASES, ids=[n for n, _ in DOCUMENTED_BASES])
def test_documented_bases(name: str, bases: tuple[Any, ...]) -> None:
    cls = getattr(ce, name)
    assert name in ce.__all__
    for base in bases:
        base_cls = getattr(ce, base) if isinstance(base, str) else base
        assert issubclass(cls, base_cls), (name, base_cls)


def test_all_names_are_exception_classes() -> None:
    for name in ce.__all__:
        cls = getattr(ce, name)
        assert isinstance(cls, type) and issubclass(cls, Exception), name
    assert set(ce.__all__) == {n for n, _ in DOCUMENTED_BASES} | {"UploadAbortedError"}


def test_docstring_tree_names_every_class() -> None:
    doc = ce.__doc__ or ""
    for name in ce.__all__:
        assert name in doc, name


def test_timeouts_are_caught_as_asyncio_timeout() -> None:
    for cls in (ce.ServerTimeoutError, ce.ConnectionTimeoutError, ce.SocketTimeoutError):
        with pytest.raises(asyncio.TimeoutError):
            raise cls("timed out")


# --------------------------------------------------------------- ClientResponseError


def test_client_response_error_attributes() -> None:
    ri = request_info()
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "text/plain"}))
    exc = ce.ClientResponseError(ri, (), status=404, message="Not Found", headers=headers)
    assert exc.request_info is ri
    assert exc.history == ()
    assert exc.status == 404
    assert exc.message == "Not Found"
    assert exc.headers is headers
    assert exc.args == (ri, ())
    assert str(exc) == "404, message='Not Found', url='http://example.com/path?q=1#frag'"
    text = repr(exc)
    assert text.startswith("ClientResponseError(RequestInfo(")
    assert "status=404" in text and "message='Not Found'" in text and "headers=" in text


def test_client_response_error_defaults() -> None:
    exc = ce.ClientResponseError(request_info(), ())
    assert exc.status == 0
    assert exc.message == ""
    assert exc.headers is None
    assert "status=" not in repr(exc) and "message=" not in repr(exc)


def test_client_response_error_str_without_request_info() -> None:
    no_info: Any = None
    exc = ce.ClientResponseError(no_info, (), status=500)
    assert str(exc) == "500, message=''"


def test_client_response_error_deprecated_code() -> None:
    with pytest.warns(DeprecationWarning):
        exc = ce.ClientResponseError(request_info(), (), code=418)
    assert exc.status == 418
    with pytest.warns(DeprecationWarning):
        assert exc.code == 418
    with pytest.warns(DeprecationWarning):
        exc.code = 419
    assert exc.status == 419
    with pytest.raises(ValueError):
        ce.ClientResponseError(request_info(), (), code=1, status=2)


def test_status_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exc = ce.ClientResponseError(request_info(), (), status=400)
        assert exc.status == 400


@pytest.mark.parametrize(
    "cls",
    [
        ce.ClientResponseError,
        ce.ContentTypeError,
        ce.TooManyRedirects,
        ce.WSServerHandshakeError,
        ce.ClientHttpProxyError,
    ],
)
def test_client_response_error_pickle(cls: type[ce.ClientResponseError]) -> None:
    exc = cls(
        request_info(),
        (),
        status=502,
        message="Bad Gateway",
        headers=CIMultiDict({"X": "1"}),
    )
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(exc, proto))
        assert type(copy) is cls
        assert copy.status == 502
        assert copy.message == "Bad Gateway"
        assert copy.headers == CIMultiDict({"X": "1"})
        assert copy.request_info == exc.request_info
        assert copy.history == ()
        assert str(copy) == str(exc)
        assert repr(copy) == repr(exc)


# ------------------------------------------------------------------ connection errors


def test_client_connector_error() -> None:
    exc = ce.ClientConnectorError(KEY, REFUSED)
    assert exc.os_error is REFUSED
    assert exc.errno == errno.ECONNREFUSED
    assert exc.strerror == "Connection refused"
    assert exc.host == "example.com"
    assert exc.port == 443
    assert exc.ssl is True
    assert exc.args == (KEY, REFUSED)
    assert str(exc) == "Cannot connect to host example.com:443 ssl:default [Connection refused]"
    assert isinstance(exc, OSError)
    plain = ce.ClientConnectorError(KEY._replace(ssl=False, port=80), OSError("no route"))
    assert str(plain) == "Cannot connect to host example.com:80 ssl:False [no route]"


@pytest.mark.parametrize(
    "cls",
    [
        ce.ClientConnectorError,
        ce.ClientConnectorDNSError,
        ce.ClientProxyConnectionError,
        ce.ClientSSLError,
        ce.ClientConnectorSSLError,
    ],
)
def test_connector_errors_pickle(cls: type[ce.ClientConnectorError]) -> None:
    exc = cls(KEY, REFUSED)
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is cls
    assert copy.host == exc.host and copy.port == exc.port and copy.ssl == exc.ssl
    assert copy.errno == exc.errno and copy.strerror == exc.strerror
    assert str(copy) == str(exc)
    assert isinstance(copy.os_error, ConnectionRefusedError)


def test_ssl_error_is_an_ssl_error() -> None:
    exc = ce.ClientConnectorSSLError(KEY, ssl.SSLError(1, "handshake failure"))
    with pytest.raises(ssl.SSLError):
        raise exc
    assert exc.strerror == "handshake failure"


def test_certificate_error() -> None:
    cert_err = ssl.CertificateError("hostname mismatch")
    exc = ce.ClientConnectorCertificateError(KEY, cert_err)
    assert exc.certificate_error is cert_err
    assert exc.os_error is cert_err
    assert exc.ssl is True  # the key's is_ssl
    assert exc.host == "example.com" and exc.port == 443
    assert exc.args == (KEY, cert_err)
    assert str(exc) == (
        "Cannot connect to host example.com:443 ssl:True [SSLCertVerificationError: ('hostname mismatch',)]"
    )
    other = ce.ClientConnectorCertificateError(KEY, ValueError("odd"))
    assert isinstance(other.os_error, OSError)
    copy = pickle.loads(pickle.dumps(exc))
    assert str(copy) == str(exc)
    assert isinstance(copy.certificate_error, ssl.CertificateError)
    with pytest.raises(ssl.CertificateError):
        raise exc


def test_unix_connector_error() -> None:
    exc = ce.UnixClientConnectorError("/run/app.sock", KEY, REFUSED)
    assert exc.path == "/run/app.sock"
    assert exc.host == "example.com"
    assert str(exc) == "Cannot connect to unix socket /run/app.sock ssl:default [Connection refused]"
    copy = pickle.loads(pickle.dumps(exc))  # aiohttp 3.14's cannot be unpickled
    assert copy.path == exc.path and str(copy) == str(exc)


def test_server_disconnected_error() -> None:
    exc = ce.ServerDisconnectedError()
    assert exc.message == "Server disconnected"
    assert exc.args == ("Server disconnected",)
    assert str(exc) == "Server disconnected"
    custom = ce.ServerDisconnectedError("gone")
    assert custom.message == "gone"
    copy = pickle.loads(pickle.dumps(custom))
    assert copy.message == "gone" and copy.args == ("gone",)


def test_server_fingerprint_mismatch() -> None:
    exc = ce.ServerFingerprintMismatch(b"\x01" * 32, b"\x02" * 32, "h", 443)
    assert (exc.expected, exc.got, exc.host, exc.port) == (b"\x01" * 32, b"\x02" * 32, "h", 443)
    assert repr(exc).startswith("<ServerFingerprintMismatch expected=b'\\x01")
    assert "host='h' port=443>" in repr(exc)
    copy = pickle.loads(pickle.dumps(exc))
    assert copy.args == exc.args and repr(copy) == repr(exc)


def test_simple_errors_pickle() -> None:
    for exc in (
        ce.ClientOSError(errno.EPIPE, "Broken pipe"),
        ce.ClientConnectionResetError("reset"),
        ce.ServerTimeoutError("t"),
        ce.ConnectionTimeoutError("t"),
        ce.SocketTimeoutError("t"),
        ce.ClientPayloadError("bad chunk"),
        ce.WSMessageTypeError("binary"),
        ce.UploadAbortedError("aborted"),
    ):
        copy = pickle.loads(pickle.dumps(exc))
        assert type(copy) is type(exc) and copy.args == exc.args and str(copy) == str(exc)


# ------------------------------------------------------------------------------ URLs


def test_invalid_url() -> None:
    exc = ce.InvalidURL("http://")
    assert exc.url == "http://" and exc.description is None
    assert str(exc) == "http://" and repr(exc) == "<InvalidURL http://>"
    assert exc.args == ("http://",)
    url = URL("ftp://example.com/")
    described = ce.InvalidUrlRedirectClientError(url, "Invalid redirect")
    assert described.url is url
    assert str(described) == "ftp://example.com/ - Invalid redirect"
    assert repr(described) == "<InvalidUrlRedirectClientError ftp://example.com/ - Invalid redirect>"
    assert isinstance(described, ValueError)
    assert isinstance(described, ce.RedirectClientError)
    copy = pickle.loads(pickle.dumps(described))
    assert copy.url == url and copy.description == "Invalid redirect"


def test_non_http_url_errors() -> None:
    exc = ce.NonHttpUrlRedirectClientError("ftp://x/")
    assert isinstance(exc, ce.NonHttpUrlClientError)
    assert isinstance(exc, ce.RedirectClientError)
    assert not isinstance(exc, ValueError)
    assert str(exc) == "ftp://x/"


# ------------------------------------------------------------ differential vs aiohttp


@needs_aiohttp
def test_same_names_as_aiohttp() -> None:
    assert aio_ce is not None
    theirs = set(aio_ce.__all__)
    ours = set(ce.__all__)
    assert theirs - ours == set()
    # TooManyRedirects is documented and exported by aiohttp, but not in its __all__.
    # ClientSocksProxyError: built-in SOCKS proxies are an addition (issue 18).
    assert ours - theirs <= {"UnixClientConnectorError", "TooManyRedirects", "ClientSocksProxyError"}


@needs_aiohttp
def test_same_subclass_relations_as_aiohttp() -> None:
    assert aio_ce is not None
    names = [n for n in ce.__all__ if hasattr(aio_ce, n)]
    builtins: list[type] = [
        Exception,
        OSError,
        ValueError,
        TypeError,
        ConnectionResetError,
        asyncio.TimeoutError,
        ssl.SSLError,
        ssl.CertificateError,
    ]
    for a in names:
        for b in names:
            assert issubclass(getattr(ce, a), getattr(ce, b)) == issubclass(getattr(aio_ce, a), getattr(aio_ce, b)), (
                a,
                b,
            )
        for base in builtins:
            assert issubclass(getattr(ce, a), base) == issubclass(getattr(aio_ce, a), base), (
                a,
                base,
            )


@needs_aiohttp
def test_same_str_as_aiohttp() -> None:
    assert aiohttp is not None and aio_ce is not None
    from aiohttp.client_reqrep import ConnectionKey as AioKey

    aio_key = AioKey("example.com", 443, True, True, None, None, None, None)
    url = URL("http://example.com/a?b=1#c")
    aio_ri = aiohttp.RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
    ri = RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
    cert = ssl.CertificateError("mismatch")
    pairs: list[tuple[Any, Any]] = [
        (
            ce.ClientResponseError(ri, (), status=500, message="Oops"),
            aio_ce.ClientResponseError(aio_ri, (), status=500, message="Oops"),
        ),
        (ce.ClientResponseError(ri, ()), aio_ce.ClientResponseError(aio_ri, ())),
        (ce.ClientConnectorError(KEY, REFUSED), aio_ce.ClientConnectorError(aio_key, REFUSED)),
        (
            ce.ClientConnectorError(KEY._replace(ssl=False), REFUSED),
            aio_ce.ClientConnectorError(aio_key._replace(ssl=False), REFUSED),
        ),
        (
            ce.UnixClientConnectorError("/s", KEY, REFUSED),
            aio_ce.UnixClientConnectorError("/s", aio_key, REFUSED),
        ),
        (
            ce.ClientConnectorCertificateError(KEY, cert),
            aio_ce.ClientConnectorCertificateError(aio_key, cert),
        ),
        (ce.ServerDisconnectedError(), aio_ce.ServerDisconnectedError()),
        (
            ce.ServerFingerprintMismatch(b"a", b"b", "h", 1),
            aio_ce.ServerFingerprintMismatch(b"a", b"b", "h", 1),
        ),
        (ce.InvalidURL("u", "why"), aio_ce.InvalidURL("u", "why")),
        (ce.InvalidURL(url), aio_ce.InvalidURL(url)),
        (ce.ClientOSError(1, "x"), aio_ce.ClientOSError(1, "x")),
    ]
    for ours, theirs in pairs:
        assert str(ours) == str(theirs)
        if not isinstance(ours, (ce.ClientResponseError, ce.ClientConnectorError)):
            assert repr(ours) == repr(theirs)


@needs_aiohttp
def test_same_attributes_as_aiohttp() -> None:
    assert aio_ce is not None
    from aiohttp.client_reqrep import ConnectionKey as AioKey

    aio_key = AioKey("h", 8080, False, False, None, None, None, None)
    key = ConnectionKey("h", 8080, False, False, None, None, None)
    ours: dict[str, Any] = vars_of(ce.ClientConnectorError(key, REFUSED))
    theirs: dict[str, Any] = vars_of(aio_ce.ClientConnectorError(aio_key, REFUSED))
    assert ours == theirs


def vars_of(exc: Any) -> dict[str, Any]:
    return {name: getattr(exc, name) for name in ("host", "port", "ssl", "errno", "strerror", "os_error")}
