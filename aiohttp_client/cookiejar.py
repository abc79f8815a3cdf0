"""``CookieJar`` and ``DummyCookieJar`` (reference: "Utilities" → ``CookieJar``).

The rules (RFC 6265) live in ``_sansio._cookies`` and ``_sansio._cookie_store``;
this module adds the public surface and the jar's only I/O, :meth:`CookieJar.save`
and :meth:`CookieJar.load` (JSON; a pickle file is never unpickled).
"""

import json
import os
import pickle
import pickletools
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import MappingProxyType
from typing import Any, Optional, Union

from yarl import URL

from ._sansio._cookie_store import MAX_TIME, CookieStore, finite_timestamp
from ._sansio._cookies import (
    check_cookie_name,
    domain_match,
    is_ip_address,
    make_morsel,
    parse_cookie_date,
    parse_set_cookie_headers,
)
from .abc import _NO_URL, AbstractCookieJar, ClearCookiePredicate

__all__ = ("CookieJar", "DummyCookieJar")

PathLike = Union[str, "os.PathLike[str]"]
_SECURE_SCHEMES = frozenset({"https", "wss"})
_STR_ATTRIBUTES = frozenset({"domain", "path"})
_PICKLE_STRINGS = frozenset(
    {"UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING", "SHORT_BINSTRING"}
)
_PICKLE_ALLOWED = frozenset(
    {"http.cookies SimpleCookie", "http.cookies Morsel", "http.cookies BaseCookie", "collections defaultdict"}
)


def _as_morsel(name: str, cookie: Any) -> "Morsel[str]":
    """A private copy of *cookie* (a Morsel, or a value) named *name*."""
    if isinstance(cookie, Morsel):  # sent under its own key, stored under *name* (as aiohttp)
        morsel = make_morsel(cookie.key or name, cookie.value or "", cookie.coded_value or "")
        morsel.update({k: v for k, v in cookie.items() if v})
        return morsel
    check_cookie_name(name)  # CookieError, as aiohttp's cookies= (a Morsel's own key is not checked)
    value = cookie if isinstance(cookie, str) else str(cookie)
    return make_morsel(name, value, value)


class CookieJar(AbstractCookieJar):
    """Cookie storage following RFC 6265 (reference: ``CookieJar``).

    :param unsafe: accept cookies from hosts given as IP addresses.
    :param quote_cookie: quote values (RFC 2109) when sending them.
    :param treat_as_secure_origin: origins (URL or str, or a list of them) that
        get ``Secure`` cookies over plain http.
    :param loop: ignored; kept for compatibility.
    """

    MAX_TIME = MAX_TIME

    def __init__(
        self,
        *,
        unsafe: bool = False,
        quote_cookie: bool = True,
        treat_as_secure_origin: Union[str, URL, Iterable[Union[str, URL]], None] = None,
        loop: Any = None,
    ) -> None:
        super().__init__(loop=loop)
        self._unsafe = unsafe
        self._quote_cookie = quote_cookie
        self._store = CookieStore(quote_cookie=quote_cookie, limited=self._limited)
        if treat_as_secure_origin is None:
            origins: Iterable[Union[str, URL]] = ()
        elif isinstance(treat_as_secure_origin, (str, URL)):
            origins = (treat_as_secure_origin,)
        else:
            origins = treat_as_secure_origin
        self._treat_as_secure_origin = frozenset(URL(o).origin() if isinstance(o, str) else o.origin() for o in origins)

    _limited = True

    # -- properties ------------------------------------------------------------------

    @property
    def unsafe(self) -> bool:
        return self._unsafe

    @property
    def quote_cookie(self) -> bool:
        return self._quote_cookie

    @property
    def treat_as_secure_origin(self) -> "frozenset[URL]":
        return self._treat_as_secure_origin

    @property
    def cookies(self) -> "MappingProxyType[tuple[str, str], SimpleCookie]":
        """A live read-only view: ``(domain, path)`` to the cookies stored there."""
        return MappingProxyType(self._store.cookies)

    @property
    def host_only_cookies(self) -> "frozenset[tuple[str, str, str]]":
        """``(domain, path, name)`` of the host-only cookies."""
        return frozenset(self._store.host_only)

    def __len__(self) -> int:
        return self._store.count

    def __iter__(self) -> Iterator["Morsel[str]"]:
        self._store.expire()
        return iter(list(self._store))

    # -- internals under aiohttp's names (for code that inspects a jar) ---------------------

    _parse_date = staticmethod(parse_cookie_date)
    _is_domain_match = staticmethod(domain_match)

    @property
    def _cookies(self) -> "dict[tuple[str, str], SimpleCookie]":
        return self._store.cookies

    @property
    def _host_only_cookies(self) -> "set[tuple[str, str, str]]":
        return self._store.host_only

    @property
    def _expirations(self) -> "dict[tuple[str, str, str], float]":
        return self._store.expirations

    @property
    def _expire_heap(self) -> "list[tuple[float, tuple[str, str, str]]]":
        return self._store.expire_heap

    @property
    def _access_generations(self) -> "dict[tuple[str, str, str], int]":
        return self._store.access

    # -- updating and selecting -------------------------------------------------------------

    def update_cookies(self, cookies: Any, response_url: URL = _NO_URL) -> None:
        """Store *cookies* received from *response_url* (RFC 6265 §5.3).

        :param cookies: a mapping (``dict``, :class:`~http.cookies.SimpleCookie`)
            or pairs of name and value or :class:`~http.cookies.Morsel`.
        :raises http.cookies.CookieError: a cookie given by value has a reserved
            or illegal name (as ``SimpleCookie`` and aiohttp 3.14).
        :param response_url: where they came from; an empty URL stores shared
            cookies, sent to every host.  Cookies from an IP address host are
            refused unless the jar is ``unsafe``.
        """
        hostname = response_url.raw_host
        if hostname is not None and not self._unsafe and is_ip_address(hostname):
            return
        items = cookies.items() if isinstance(cookies, Mapping) else cookies
        store = self._store
        path = response_url.path
        for name, cookie in items:
            store.accept(name, _as_morsel(name, cookie), hostname, path)

    def update_cookies_from_headers(self, headers: Iterable[str], response_url: URL) -> None:
        """Store the cookies of ``Set-Cookie`` field values *headers* from
        *response_url*; a jar that is not ``unsafe`` ignores an IP address host
        before parsing anything.
        """
        hostname = response_url.raw_host
        if hostname is not None and not self._unsafe and is_ip_address(hostname):
            return
        parsed = parse_set_cookie_headers(headers)
        if parsed:
            self.update_cookies(parsed, response_url)

    def filter_cookies(self, request_url: URL = _NO_URL) -> "BaseCookie[str]":
        """The cookies to send to *request_url* (RFC 6265 §5.4): domain and path
        matching, host-only cookies only to their host, ``Secure`` ones only over
        https/wss or to a ``treat_as_secure_origin``; at most 150 cookies and
        8,190 octets of ``Cookie`` field, most specific first.

        :returns: a new :class:`~http.cookies.SimpleCookie`.
        """
        if not isinstance(request_url, URL):
            warnings.warn(
                "filter_cookies expects yarl.URL instances only, and will stop working in 4.x, got str",
                DeprecationWarning,
                stacklevel=2,
            )
            request_url = URL(request_url)
        store = self._store
        if not store.count:
            return SimpleCookie()
        secure = request_url.scheme in _SECURE_SCHEMES
        if not secure and self._treat_as_secure_origin and request_url.absolute:
            secure = request_url.origin() in self._treat_as_secure_origin
        return store.select(request_url.raw_host or "", request_url.path or "/", secure)

    def clear(self, predicate: Optional[ClearCookiePredicate] = None) -> None:
        """Remove every cookie, or the (unexpired) ones *predicate* is true for."""
        if predicate is None:
            self._store.clear()
        else:
            self._store.delete_where(predicate)

    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of *domain* and its subdomains."""
        self.clear(lambda morsel: domain_match(domain, morsel["domain"]))

    # -- persistence ------------------------------------------------------------------------

    def save(self, file_path: PathLike) -> None:
        """Write the cookies to *file_path* as JSON: for each ``"domain|path"`` the
        cookies by name, with their attributes, ``host_only`` and the absolute
        ``expires_timestamp``.  A new file is created with mode 0600; an existing
        file keeps its mode.

        :raises OSError: the file cannot be written.
        """
        store = self._store
        data: dict[str, dict[str, dict[str, Any]]] = {}
        for (domain, path), cookies in store.cookies.items():
            records = data[f"{domain}|{path}"] = {}
            for name, morsel in cookies.items():
                record: dict[str, Any] = {"key": morsel.key, "value": morsel.value, "coded_value": morsel.coded_value}
                record.update((k, v) for k, v in morsel.items() if v)
                key = (domain, path, name)
                record["host_only"] = key in store.host_only
                if key in store.expirations:
                    record["expires_timestamp"] = store.expirations[key]
                records[name] = record
        text = json.dumps(data, indent=2)
        fd = os.open(os.fspath(file_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)

    def load(self, file_path: PathLike) -> None:
        """Replace the jar's cookies with those saved in *file_path* by
        :meth:`save`.  Every cookie goes through the acceptance rules and limits
        again; expired ones are dropped.  On any error the jar is unchanged.

        :raises pickle.UnpicklingError: the file is a pickle (older aiohttp
            format): it is never unpickled; a pickle naming a class other than the
            cookie classes is reported as forbidden.
        :raises ValueError: malformed JSON content or an invalid expiry time.
        :raises TypeError: an attribute of the wrong type.
        :raises OSError: the file cannot be read.
        """
        with open(file_path, "rb") as f:
            raw = f.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            _refuse_pickle(raw, exc)
            raise ValueError(f"{os.fspath(file_path)} is not a JSON cookie file") from exc
        if not isinstance(data, dict):
            raise TypeError("a cookie file holds a JSON object")
        store = CookieStore(quote_cookie=self._quote_cookie, limited=self._limited)
        for jar_key, records in data.items():
            _load_records(store, str(jar_key), records)
        self._store.replace_with(store)


def _load_records(store: CookieStore, jar_key: str, records: Any) -> None:
    if not isinstance(records, dict):
        raise TypeError(f"{jar_key!r}: cookies must be a JSON object")
    key_domain = jar_key.partition("|")[0]
    now = time.time()
    for name, record in records.items():
        if not isinstance(record, dict):
            raise TypeError(f"Cookie {name!r} in {jar_key!r} must be a JSON object")
        value = record.get("value", "")
        coded = record.get("coded_value", value)
        if not isinstance(value, str) or not isinstance(coded, str):
            raise TypeError(f"Cookie {name!r} in {jar_key!r}: value must be a string")
        key = record.get("key") or name
        if not isinstance(key, str):
            raise TypeError(f"Cookie {name!r} in {jar_key!r}: key must be a string")
        morsel = make_morsel(key, value, coded)
        for attr in morsel:
            if attr in record:
                given = record[attr]
                if not isinstance(given, (str, bool, int)) or (attr in _STR_ATTRIBUTES and not isinstance(given, str)):
                    raise TypeError(f"Cookie {name!r} in {jar_key!r}: {attr} must be a string")
                morsel[attr] = given
        domain = morsel["domain"] or key_domain
        if morsel["domain"] and morsel["domain"] != key_domain:
            continue  # the record and its place disagree: not ours to guess
        morsel["domain"] = domain
        if not morsel["path"]:
            morsel["path"] = "/"
        when: Optional[float] = None
        if "expires_timestamp" in record:
            try:
                when = finite_timestamp(record["expires_timestamp"])
            except (ValueError, OverflowError) as exc:
                raise ValueError(
                    f"Cookie {name!r} in {jar_key!r}: expiration timestamp must be a finite number"
                ) from exc
            when = min(when, MAX_TIME)
        elif morsel["max-age"]:
            try:
                when = min(now + int(morsel["max-age"]), MAX_TIME)
            except (ValueError, OverflowError):
                when = None
        elif morsel["expires"]:
            when = parse_cookie_date(str(morsel["expires"]))
        if when is not None and when <= now:
            store.delete([(domain, morsel["path"].rstrip("/"), str(name))])
            continue
        store.add(domain, str(name), morsel, bool(record.get("host_only", False)), when)


def _pickle_globals(raw: bytes) -> Iterator[str]:
    """The ``"module name"`` of each class or function a pickle references, read
    from its opcodes (``pickletools``) without executing anything; ``"?"`` for one
    that cannot be told without running the pickle.
    """
    memo: dict[int, Any] = {}
    pushed: list[Any] = []
    for opcode, arg, _pos in pickletools.genops(raw):
        name = opcode.name
        if name in _PICKLE_STRINGS:
            pushed.append(arg)
        elif name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT") and isinstance(arg, int):
            memo[arg] = pushed[-1] if pushed else None
        elif name in ("GET", "BINGET", "LONG_BINGET") and isinstance(arg, int):
            pushed.append(memo.get(arg))
        elif name in ("GLOBAL", "INST"):
            yield str(arg)
            pushed.append(None)
        elif name == "STACK_GLOBAL":
            module, qualname = (pushed[-2], pushed[-1]) if len(pushed) >= 2 else (None, None)
            yield f"{module} {qualname}" if isinstance(module, str) and isinstance(qualname, str) else "?"
            pushed.append(None)
        elif name not in ("FRAME", "PROTO"):
            pushed.append(None)


def _refuse_pickle(raw: bytes, cause: BaseException) -> None:
    """Refuse a pickle file without unpickling it.

    :raises pickle.UnpicklingError: *raw* is a pickle; the message names a class
        other than the cookie classes when it references one.
    """
    try:
        for name in _pickle_globals(raw):
            if name not in _PICKLE_ALLOWED:
                raise pickle.UnpicklingError(f"Forbidden class: {name}") from cause
    except (ValueError, EOFError):
        return  # not a pickle at all
    raise pickle.UnpicklingError(
        "Legacy pickle cookie files are not loaded (aiohttp_client never unpickles); "
        "save the cookies again in the JSON format"
    ) from cause


class _UnlimitedCookieJar(CookieJar):
    """A jar without the storage and request limits (per-request cookies)."""

    _limited = False


class DummyCookieJar(AbstractCookieJar):
    """A jar that stores nothing (reference: ``DummyCookieJar``)."""

    def __init__(self, *, loop: Any = None) -> None:
        super().__init__(loop=loop)

    @property
    def unsafe(self) -> bool:
        return False

    @property
    def quote_cookie(self) -> bool:
        return True

    @property
    def treat_as_secure_origin(self) -> "frozenset[URL]":
        return frozenset()

    @property
    def cookies(self) -> "MappingProxyType[tuple[str, str], SimpleCookie]":
        return MappingProxyType({})

    @property
    def host_only_cookies(self) -> "frozenset[tuple[str, str, str]]":
        return frozenset()

    def __iter__(self) -> Iterator["Morsel[str]"]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def clear(self, predicate: Optional[ClearCookiePredicate] = None) -> None:
        pass

    def clear_domain(self, domain: str) -> None:
        pass

    def update_cookies(self, cookies: Any, response_url: URL = _NO_URL) -> None:
        pass

    def update_cookies_from_headers(self, headers: Iterable[str], response_url: URL) -> None:
        pass

    def filter_cookies(self, request_url: URL) -> "BaseCookie[str]":
        return SimpleCookie()
