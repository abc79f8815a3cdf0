"""aiohttp_client: an asyncio HTTP/1.1 client with aiohttp 3.14's client API.

``import aiohttp_client as aiohttp`` and client code written for aiohttp runs
unchanged.  The hot paths (response-head parser, chunked decoder) are compiled
Cython modules with pure-Python twins; see ``_ext`` for how one is chosen.
"""

# cookies, authentication, middlewares, tracing (issue 8)
from . import abc, hdrs

# -- requests and responses: payloads, forms, multipart, upload tracking (issue 6)
from ._body._upload_tracker import UploadTracker
from ._client._client_request import ClientRequest
from ._client._client_response import ClientResponse
from ._client._session import ClientSession, request
from ._client._timeouts import ClientTimeout, ClientWSTimeout

# WebSocket (issue 9)
from ._models import (
    ContentDisposition,
    ETag,
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RequestInfo,
    WSCloseCode,
    WSMessage,
    WSMsgType,
)
from ._models import __version__ as __version__
from ._net._tls import Fingerprint
from ._sansio._basic_auth import BasicAuth, encode_basic_auth
from ._sansio._compression import set_zlib_backend
from .client_exceptions import (
    ClientConnectionError,
    ClientConnectionResetError,
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientError,
    ClientHttpProxyError,
    ClientOSError,
    ClientPayloadError,
    ClientProxyConnectionError,
    ClientResponseError,
    ClientSocksProxyError,
    ClientSSLError,
    ConnectionTimeoutError,
    ContentTypeError,
    InvalidURL,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    TooManyRedirects,
    UnixClientConnectorError,
    UploadAbortedError,
    WSMessageTypeError,
    WSServerHandshakeError,
)
from .client_middlewares import ClientHandlerType, ClientMiddlewareType, DigestAuthMiddleware
from .client_ws import ClientWebSocketResponse

# -- connectors, proxies, DNS (issue 7) --
from .connector import AddrInfoType, BaseConnector, NamedPipeConnector, SocketFactoryType, TCPConnector, UnixConnector
from .cookiejar import CookieJar, DummyCookieJar
from .formdata import FormData
from .http_exceptions import WebSocketError
from .multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    MultipartReader,
    MultipartWriter,
    content_disposition_filename,
    parse_content_disposition,
)
from .payload import (
    PAYLOAD_REGISTRY,
    AsyncIterablePayload,
    BufferedReaderPayload,
    BytesIOPayload,
    BytesPayload,
    IOBasePayload,
    JsonBytesPayload,
    JsonPayload,
    Payload,
    StringIOPayload,
    StringPayload,
    TextIOPayload,
    get_payload,
    payload_type,
    streamer,
)
from .resolver import AsyncResolver, DefaultResolver, ThreadedResolver
from .retry import RetryMiddleware
from .streams import EMPTY_PAYLOAD, DataQueue, EofStream, FlowControlDataQueue, StreamReader
from .tracing import (
    TraceConfig,
    TraceConnectionCreateEndParams,
    TraceConnectionCreateStartParams,
    TraceConnectionQueuedEndParams,
    TraceConnectionQueuedStartParams,
    TraceConnectionReuseconnParams,
    TraceDnsCacheHitParams,
    TraceDnsCacheMissParams,
    TraceDnsResolveHostEndParams,
    TraceDnsResolveHostStartParams,
    TraceRequestChunkSentParams,
    TraceRequestEndParams,
    TraceRequestExceptionParams,
    TraceRequestHeadersSentParams,
    TraceRequestRedirectParams,
    TraceRequestRetryParams,
    TraceRequestStartParams,
    TraceResponseChunkReceivedParams,
)

__all__ = (
    # session
    "ClientSession",
    "request",
    "ClientRequest",
    "ClientResponse",
    "ClientTimeout",
    "ClientWSTimeout",
    "BasicAuth",
    "Fingerprint",
    "set_zlib_backend",
    # models
    "ContentDisposition",
    "ETag",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "RequestInfo",
    # connectors and resolvers
    "AddrInfoType",
    "BaseConnector",
    "SocketFactoryType",
    "TCPConnector",
    "UnixConnector",
    "AsyncResolver",
    "DefaultResolver",
    "ThreadedResolver",
    # streams and payloads
    "EMPTY_PAYLOAD",
    "DataQueue",
    "FlowControlDataQueue",
    "EofStream",
    "StreamReader",
    "AsyncIterablePayload",
    "BytesPayload",
    "IOBasePayload",
    "JsonPayload",
    "Payload",
    "StringPayload",
    "get_payload",
    "hdrs",
    # exceptions
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHttpProxyError",
    "ClientOSError",
    "ClientPayloadError",
    "ClientProxyConnectionError",
    "ClientSocksProxyError",
    "ClientResponseError",
    "ClientSSLError",
    "ConnectionTimeoutError",
    "ContentTypeError",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectClientError",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "WSMessageTypeError",
    "WSServerHandshakeError",
    # WebSocket (issue 9)
    "ClientWebSocketResponse",
    "WSCloseCode",
    "WSMessage",
    "WSMsgType",
    "WebSocketError",
    # requests and responses: payloads, forms, multipart, upload tracking (issue 6)
    "UploadTracker",
    "UploadAbortedError",
    "FormData",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BodyPartReader",
    "MultipartReader",
    "MultipartWriter",
    "content_disposition_filename",
    "parse_content_disposition",
    "PAYLOAD_REGISTRY",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "JsonBytesPayload",
    "StringIOPayload",
    "TextIOPayload",
    "payload_type",
    "streamer",
    # connectors, proxies, DNS (issue 7)
    "NamedPipeConnector",
    # cookies, authentication, middlewares, tracing
    "abc",
    "CookieJar",
    "DummyCookieJar",
    "encode_basic_auth",
    "ClientHandlerType",
    "ClientMiddlewareType",
    "DigestAuthMiddleware",
    "TraceConfig",
    "TraceConnectionCreateEndParams",
    "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams",
    "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams",
    "TraceDnsCacheHitParams",
    "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams",
    "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams",
    "TraceRequestEndParams",
    "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams",
    "TraceRequestRedirectParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
    # features aiohttp lacks (issue 19)
    "RetryMiddleware",
    "TraceRequestRetryParams",
)


def _publish() -> None:
    """Give names defined in private modules the public module path (httpcore style),
    so reprs, docs and pickles say ``aiohttp_client.X``.
    """
    for name in __all__:
        obj = globals()[name]
        module = getattr(obj, "__module__", "") or ""
        if module.startswith("aiohttp_client._") and callable(obj):
            try:
                obj.__module__ = "aiohttp_client"
            except (AttributeError, TypeError):  # pragma: no cover - builtins, aliases
                pass


_publish()
