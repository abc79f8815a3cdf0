"""The cookie store behind ``CookieJar``, sans-IO: acceptance (RFC 6265 §5.3),
expiry, the storage limits and eviction of the reference, and selection of the
cookies for a request (§5.4).

Cookies are indexed by domain, then by path, so selecting the cookies for a host
looks only at the host, its parent domains and the shared (domain-less) cookies,
never at the whole store.
"""

import heapq
import itertools
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from http.cookies import Morsel, SimpleCookie
from typing import Callable, Optional

from ._cookies import (
    default_path,
    domain_match,
    is_ip_address,
    is_public_suffix,
    make_morsel,
    parse_cookie_date,
    path_match,
    quote_value,
    sendable,
)
from ._fields import ascii_lower

__all__ = ("MAX_TIME", "CookieKey", "CookieStore", "finite_timestamp")

_MAX_AGE = re.compile(r"-?[0-9]+\Z")
internal_log = logging.getLogger("aiohttp_client.internal")

CookieKey = tuple[str, str, str]  # (domain, path without its trailing "/", name)
_Outgoing = tuple["Morsel[str]", int]  # the Morsel sent, and its octets as name=value

MAX_COOKIES_PER_DOMAIN = 180
COOKIE_QUOTA_PER_DOMAIN = 150
MAX_COOKIES_TOTAL = 3300
COOKIE_QUOTA_TOTAL = 3000
MAX_COOKIES_PER_REQUEST = 150
MAX_COOKIE_HEADER_LENGTH = 8190
COOKIE_HEADER_PREFIX_LENGTH = len("Cookie: ")
_MIN_HEAP_TO_COMPACT = 100
MAX_TIME = 253402300799.0  # 9999-12-31T23:59:59Z


class CookieStore:
    """Stored cookies with their host-only flags, absolute expiry times and
    recency.  ``limited=False`` turns the storage and request limits off.
    """

    def __init__(self, *, quote_cookie: bool = True, limited: bool = True) -> None:
        self.quote_cookie = quote_cookie
        self.limited = limited
        self.cookies: dict[tuple[str, str], SimpleCookie] = {}
        self.by_domain: dict[str, dict[str, SimpleCookie]] = {}
        self.host_only: set[CookieKey] = set()
        self.expirations: dict[CookieKey, float] = {}
        self.expire_heap: list[tuple[float, CookieKey]] = []
        self.access: dict[CookieKey, int] = {}
        # per (domain, path) bucket, by name: what is sent for a stored cookie, and its key
        self.outgoing: dict[tuple[str, str], dict[str, tuple[_Outgoing, CookieKey]]] = {}
        self.domain_counts: Counter[str] = Counter()
        self.count = 0
        self._generation = itertools.count()

    # -- content --------------------------------------------------------------------

    def __iter__(self) -> Iterator["Morsel[str]"]:
        for cookies in self.cookies.values():
            yield from cookies.values()

    def replace_with(self, other: "CookieStore") -> None:
        """Take *other*'s content, keeping this store's dict objects (live views)."""
        self.cookies.clear()
        self.cookies.update(other.cookies)
        self.by_domain = other.by_domain
        self.host_only = other.host_only
        self.expirations = other.expirations
        self.expire_heap = other.expire_heap
        self.access = other.access
        self.outgoing = other.outgoing
        self.domain_counts = other.domain_counts
        self.count = other.count
        self._generation = other._generation

    def clear(self) -> None:
        self.replace_with(CookieStore(quote_cookie=self.quote_cookie, limited=self.limited))

    def delete(self, keys: "list[CookieKey]") -> None:
        for domain, path, name in keys:
            cookies = self.cookies.get((domain, path))
            if cookies is None or name not in cookies:
                continue
            del cookies[name]
            if not cookies:
                del self.cookies[(domain, path)]
                paths = self.by_domain[domain]
                del paths[path]
                if not paths:
                    del self.by_domain[domain]
            key = (domain, path, name)
            self.host_only.discard(key)
            self.expirations.pop(key, None)
            self.access.pop(key, None)
            self._forget_outgoing(domain, path, name)
            self.count -= 1
            self.domain_counts[domain] -= 1
            if not self.domain_counts[domain]:
                del self.domain_counts[domain]
        if self.expire_heap and not self.expirations:
            self.expire_heap.clear()

    def delete_where(self, predicate: Callable[["Morsel[str]"], bool]) -> None:
        self.expire()
        self.delete(
            [(d, p, name) for (d, p), cookies in self.cookies.items() for name, m in cookies.items() if predicate(m)]
        )

    # -- expiry -------------------------------------------------------------------------

    def expire(self) -> None:
        """Drop every cookie whose expiry time has passed."""
        heap = self.expire_heap
        if not heap:
            return
        now = time.time()
        dead: list[CookieKey] = []
        while heap and heap[0][0] <= now:
            when, key = heapq.heappop(heap)
            if self.expirations.get(key) == when:
                dead.append(key)
        if dead:
            self.delete(dead)
        self._compact_heap()

    def _compact_heap(self) -> None:
        """Rebuild the heap when most of its entries are stale (replaced or deleted
        cookies), so it stays within twice the live expiry times (plus 100).
        """
        heap = self.expire_heap
        if len(heap) > _MIN_HEAP_TO_COMPACT and len(heap) > 2 * len(self.expirations):
            self.expire_heap = [(w, k) for k, w in self.expirations.items()]
            heapq.heapify(self.expire_heap)

    # -- adding -------------------------------------------------------------------------

    def accept(self, name: str, morsel: "Morsel[str]", hostname: Optional[str], response_path: str) -> None:
        """Store a cookie received from *hostname* for a request to *response_path*
        (RFC 6265 §5.3); *hostname* ``None`` stores a shared cookie as given.

        A ``Domain`` the host does not domain-match refuses the cookie; none (or
        one ending in ``"."``) makes it host-only.  A public suffix as ``Domain``
        (§5.3 step 5) makes it host-only from that very host and refuses it from
        any other.  A missing or relative ``Path``
        becomes the default path.  ``Max-Age`` wins over ``Expires``; invalid ones
        are cleared; zero, negative or past values delete the stored cookie.
        *morsel* is the caller's private copy: it is normalised in place.
        """
        domain = morsel["domain"]
        if domain.startswith("."):
            domain = domain[1:]
        if domain.endswith("."):
            domain = ""
        domain = ascii_lower(domain)  # RFC 6265 §5.2.3; ASCII only, as a host is compared
        host_only = False
        if domain and hostname and is_public_suffix(domain):
            # RFC 6265 §5.3 step 5: a public suffix as Domain is host-only from that
            # very host, and refused from any other (it would reach every site under it).
            if domain != hostname:
                internal_log.debug("Refused cookie %r from %s: Domain=%s is a public suffix", name, hostname, domain)
                return
            domain = ""
        if not domain:
            if hostname:
                domain, host_only = hostname, True
        elif hostname and not domain_match(domain, hostname):
            return
        morsel["domain"] = domain
        path = morsel["path"]
        if not path.startswith("/"):
            path = morsel["path"] = default_path(response_path)
        when = _expiry(morsel)
        if when is not None and when <= time.time():
            self.delete([(domain, path.rstrip("/"), name)])
            return
        self.add(domain, name, morsel, host_only, when)

    def add(self, domain: str, name: str, morsel: "Morsel[str]", host_only: bool, when: Optional[float]) -> bool:
        """Store *morsel* (domain and path already normalised in it), replacing the
        cookie with the same (domain, path, name).  *when* is the absolute expiry
        time, ``None`` for a session cookie.

        :returns: ``False`` when the limits refuse the cookie or it cannot be sent.
        """
        if not sendable(morsel.key or name, morsel.coded_value):  # sent under the Morsel's key
            internal_log.debug("Dropped cookie %r for %s: it cannot be sent in a Cookie header", name, domain)
            return False
        path = morsel["path"].rstrip("/")
        key = (domain, path, name)
        paths = self.by_domain.get(domain)
        existing = paths is not None and path in paths and name in paths[path]
        if not existing and self.limited:
            if not self._make_room(domain, bool(morsel["secure"])):
                internal_log.debug("Dropped cookie %r for %s: the domain is full of Secure cookies", name, domain)
                return False
            if self.count >= MAX_COOKIES_TOTAL:
                self._evict_total()
        if paths is None:
            paths = self.by_domain[domain] = {}
        cookies = paths.get(path)
        if cookies is None:
            cookies = paths[path] = self.cookies[(domain, path)] = SimpleCookie()
        dict.__setitem__(cookies, name, morsel)
        self._forget_outgoing(domain, path, name)
        if not existing:
            self.count += 1
            self.domain_counts[domain] += 1
        if host_only:
            self.host_only.add(key)
        else:
            self.host_only.discard(key)
        if when is None:
            self.expirations.pop(key, None)
        elif self.expirations.get(key) != when:
            self.expirations[key] = when
            heapq.heappush(self.expire_heap, (when, key))
            self._compact_heap()
        self.access[key] = next(self._generation)
        return True

    def _make_room(self, domain: str, secure: bool) -> bool:
        """Room for a new cookie in a full domain: expired cookies go first, then the
        least recently used non-secure ones (Secure ones only for a Secure cookie),
        down to the quota including the new cookie.
        """
        if self.domain_counts[domain] < MAX_COOKIES_PER_DOMAIN:
            return True
        self.expire()
        if self.domain_counts[domain] < COOKIE_QUOTA_PER_DOMAIN:
            return True
        keys = [(domain, p, n) for p, cookies in self.by_domain[domain].items() for n in cookies]
        insecure = [k for k in keys if not self.cookies[k[:2]][k[2]]["secure"]]
        victims = insecure if insecure else (keys if secure else [])
        if not victims:  # only live Secure cookies: room freed by expired ones, or none
            return self.domain_counts[domain] < MAX_COOKIES_PER_DOMAIN
        victims.sort(key=self.access.__getitem__)
        victims = victims[: self.domain_counts[domain] - COOKIE_QUOTA_PER_DOMAIN + 1]  # room for the new one
        self.delete(victims)
        internal_log.debug(
            "Evicted %d cookie(s) for %s over the %d-cookie domain limit", len(victims), domain, MAX_COOKIES_PER_DOMAIN
        )
        return True

    def _evict_total(self) -> None:
        self.expire()
        if self.count < MAX_COOKIES_TOTAL:
            return
        victims = sorted(self.access, key=self.access.__getitem__)[: self.count - COOKIE_QUOTA_TOTAL]
        self.delete(victims)
        internal_log.debug("Evicted %d cookie(s) over the %d-cookie total limit", len(victims), MAX_COOKIES_TOTAL)

    # -- selecting ----------------------------------------------------------------------

    def select(self, hostname: str, path: str, secure: bool) -> SimpleCookie:
        """The cookies to send to *hostname* and *path* (RFC 6265 §5.4): for each
        name the cookie of the most specific domain, then the longest path; within
        the request limits, most specific first; in the order of their names.
        """
        self.expire()
        result = SimpleCookie()
        by_domain = self.by_domain
        if not by_domain:
            return result
        chosen: dict[str, tuple[_Outgoing, CookieKey]] = {}
        host_only = self.host_only
        outgoing = self.outgoing
        for domain in _candidate_domains(hostname):
            paths = by_domain.get(domain)
            if not paths:
                continue
            check_host_only = domain != hostname
            for path_key in sorted(paths, key=len) if len(paths) > 1 else paths:
                if path_key and not path.startswith(path_key):
                    continue  # no cookie path in this bucket can match
                # *path* continues *path_key* with a "/" (or the bucket is the root's):
                # cookie paths *path_key* and *path_key* + "/" both match without a check.
                plen = len(path_key)
                below = not plen or (len(path) > plen and path[plen] == "/")
                plen += 1
                sent = outgoing.get((domain, path_key))
                if sent is None:
                    sent = outgoing[(domain, path_key)] = {}
                for name, morsel in paths[path_key].items():
                    if morsel["secure"] and not secure:
                        continue
                    cookie_path = morsel["path"]
                    if not (below and len(cookie_path) <= plen) and not path_match(path, cookie_path):
                        continue
                    item = sent.get(name)
                    if item is None:
                        item = sent[name] = (self._outgoing(morsel.key or name, morsel), (domain, path_key, name))
                    if check_host_only and item[1] in host_only:
                        continue
                    chosen[name] = item
        if not chosen:
            return result
        picked = list(chosen.values())
        if self.limited:
            size = COOKIE_HEADER_PREFIX_LENGTH - 2 + sum(entry[1] + 2 for entry, _ in picked)
            if len(picked) > MAX_COOKIES_PER_REQUEST or size > MAX_COOKIE_HEADER_LENGTH:
                picked = self._within_limits(picked, hostname)
        if len(picked) > 1:
            # Sent in aiohttp 3.14's order, by name (it writes the Cookie field with
            # SimpleCookie.output(), which sorts); RFC 6265 §5.4 step 2 would put longer
            # paths first, then earlier creation times (a SHOULD; servers must not rely on it).
            picked.sort(key=_name_of)
        used = next(self._generation)  # the cookies sent together were used together
        access = self.access
        for (out, _size), key in picked:
            dict.__setitem__(result, key[2], out)
            access[key] = used
        return result

    def _forget_outgoing(self, domain: str, path: str, name: str) -> None:
        sent = self.outgoing.get((domain, path))
        if sent is not None and sent.pop(name, None) is not None and not sent:
            del self.outgoing[(domain, path)]

    def _outgoing(self, name: str, morsel: "Morsel[str]") -> "_Outgoing":
        """The Morsel sent for a stored cookie (quoted unless the jar does not quote
        or the value already is) and its octets in a Cookie field (``name=value``).
        """
        coded = morsel.coded_value
        if self.quote_cookie and not coded.startswith('"'):
            coded = quote_value(morsel.value)
        size = len(name.encode("utf-8", "surrogatepass")) + 1 + len(coded.encode("utf-8", "surrogatepass"))
        return make_morsel(name, morsel.value, coded), size

    def _within_limits(
        self, picked: "list[tuple[_Outgoing, CookieKey]]", hostname: str
    ) -> "list[tuple[_Outgoing, CookieKey]]":
        """At most 150 cookies and 8,190 octets of ``Cookie: ...``: most specific
        domain first, then longest path, then most recently used.
        """
        access = self.access
        picked.sort(key=lambda e: (len(e[1][0]), len(e[1][1]), access[e[1]]), reverse=True)
        kept: list[tuple[_Outgoing, CookieKey]] = []
        size = COOKIE_HEADER_PREFIX_LENGTH - 2
        for entry, key in picked:
            item = entry[1] + 2  # "; " + name=value
            if len(kept) < MAX_COOKIES_PER_REQUEST and size + item <= MAX_COOKIE_HEADER_LENGTH:
                kept.append((entry, key))
                size += item
        if len(kept) < len(picked):
            internal_log.debug(
                "Omitted %d cookie(s) for %s over the %d-cookie or %d-octet Cookie header limit",
                len(picked) - len(kept),
                hostname,
                MAX_COOKIES_PER_REQUEST,
                MAX_COOKIE_HEADER_LENGTH,
            )
        return kept


def _name_of(entry: "tuple[_Outgoing, CookieKey]") -> str:
    return entry[1][2]


def _candidate_domains(hostname: str) -> "list[str]":
    """The domains whose cookies may go to *hostname*, least specific first: the
    shared cookies' ``""``, then each parent domain, then *hostname* itself (an IP
    address only itself).
    """
    domains = [""]
    if not hostname:
        return domains
    if is_ip_address(hostname):
        domains.append(hostname)
        return domains
    end = len(hostname)
    while end >= 0:
        end = hostname.rfind(".", 0, end)
        domains.append(hostname[end + 1 :])
    return domains


def _expiry(morsel: "Morsel[str]") -> Optional[float]:
    max_age = morsel["max-age"]
    if max_age:
        if not _MAX_AGE.match(str(max_age)):
            morsel["max-age"] = ""
        else:
            delta = int(max_age)
            now = time.time()
            if delta <= 0:
                return now
            return MAX_TIME if delta >= MAX_TIME - now else now + delta
    expires = morsel["expires"]
    if expires:
        when = parse_cookie_date(str(expires))
        if when is None:
            morsel["expires"] = ""
        else:
            return min(when, MAX_TIME)
    return None


def finite_timestamp(raw: object) -> float:
    """*raw* as a finite float.

    :raises ValueError: not a number, or not finite (the cause says which).
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{raw!r} is not a number")
    value = float(raw)  # ValueError, OverflowError
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not finite")
    return value
