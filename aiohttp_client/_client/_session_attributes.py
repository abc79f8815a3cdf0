"""The read-only attributes of ``ClientSession`` (reference: ``ClientSession``'s
properties), apart from the request machinery in :mod:`._session`.
"""

import asyncio
import warnings
from typing import Any, Callable, Optional

from multidict import CIMultiDict, istr

from .._models import HttpVersion
from .._sansio._basic_auth import BasicAuth
from ..abc import AbstractCookieJar
from ..connector import BaseConnector
from ..tracing import TraceConfig
from ._timeouts import ClientTimeout

__all__ = ("SessionAttributes",)


class SessionAttributes:
    """Properties over the settings a ``ClientSession`` stores at construction."""

    _connector: Optional[BaseConnector]
    _connector_owner: bool
    _timeout: ClientTimeout
    _default_headers: "CIMultiDict[str]"
    _skip_auto_headers: "frozenset[istr]"
    _default_auth: Optional[BasicAuth]
    _json_serialize: Callable[[Any], str]
    _raise_for_status: Any
    _auto_decompress: bool
    _trust_env: bool
    _version: HttpVersion
    _requote_redirect_url: bool
    _loop: asyncio.AbstractEventLoop
    _cookie_jar: AbstractCookieJar
    _trace_configs: list[TraceConfig]

    @property
    def connector(self) -> Optional[BaseConnector]:
        return self._connector

    @property
    def cookie_jar(self) -> AbstractCookieJar:
        """The session's cookie jar (reference: ``ClientSession.cookie_jar``)."""
        return self._cookie_jar

    @property
    def trace_configs(self) -> list[TraceConfig]:
        """The session's (frozen) trace configs."""
        return self._trace_configs

    @property
    def connector_owner(self) -> bool:
        return self._connector_owner

    @property
    def timeout(self) -> ClientTimeout:
        return self._timeout

    @property
    def headers(self) -> "CIMultiDict[str]":
        return self._default_headers

    @property
    def skip_auto_headers(self) -> "frozenset[istr]":
        return self._skip_auto_headers

    @property
    def auth(self) -> Optional[BasicAuth]:
        return self._default_auth

    @property
    def json_serialize(self) -> Callable[[Any], str]:
        return self._json_serialize

    @property
    def raise_for_status(self) -> Any:
        return self._raise_for_status

    @property
    def auto_decompress(self) -> bool:
        return self._auto_decompress

    @property
    def trust_env(self) -> bool:
        return self._trust_env

    @property
    def version(self) -> HttpVersion:
        return self._version

    @property
    def requote_redirect_url(self) -> bool:
        return self._requote_redirect_url

    @requote_redirect_url.setter
    def requote_redirect_url(self, value: bool) -> None:
        """Deprecated since aiohttp 3.5: pass ``requote_redirect_url`` to the session."""
        warnings.warn("session.requote_redirect_url modification is deprecated", DeprecationWarning, stacklevel=2)
        self._requote_redirect_url = value

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The session's loop (deprecated since aiohttp 3.5)."""
        warnings.warn("client.loop property is deprecated", DeprecationWarning, stacklevel=2)
        return self._loop
