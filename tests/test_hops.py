"""The call and hop records and the pure functions between them (``_sansio/_hops``,
issue 16 part 2): ``first_hop`` from a ``Call``, ``next_hop`` from the last hop and a
redirect, every credential bound to one origin.

These run without a loop or a peer; the same chains against real peers are in
``test_redirect_credentials.py`` (raw servers, the Authorization bytes each received),
``test_auth_session.py`` and ``test_request_replay.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict
from yarl import URL

from aiohttp_client._net._proxy_env import _env_settings, explicit_proxy
from aiohttp_client._sansio._basic_auth import BasicAuth
from aiohttp_client._sansio._hops import (
    FROM_ARGUMENT,
    FROM_NETRC,
    FROM_PROXY,
    FROM_SESSION,
    FROM_URL,
    BoundAuth,
    Call,
    Hop,
    Redirect,
    bind,
    first_hop,
    next_hop,
    session_auth_for,
)

A = "http://a.test"
B = "http://b.test"
USER = BasicAuth.unwarned("user", "pw")
GIVEN = BasicAuth.unwarned("given", "x")
SESSION = BasicAuth.unwarned("s", "a")


def _call(url: str, **fields: Any) -> Call:
    """A Call to *url* with the session's defaults (no base_url) unless *fields* says."""
    base_url = fields.pop("base_url", None)
    session = fields.pop("session", None)
    defaults: dict[str, Any] = {
        "method": "GET",
        "url": URL(url),
        "params": None,
        "data": None,
        "headers": CIMultiDict(),
        "skip_auto_headers": frozenset(),
        "auth": None,
        "session_auth": None,
        "cookies": None,
        "compress": None,
        "chunked": None,
        "expect100": False,
        "ssl": True,
        "server_hostname": None,
        "proxy": None,
        "proxy_auth": None,
        "proxy_headers": None,
    }
    defaults.update(fields)
    defaults["session_auth"] = session_auth_for(session, URL(base_url) if base_url else None, URL(url))
    return Call(**defaults)


def _redirect(last: Hop, location: str, status: int = 302, body: Any = None) -> Hop:
    return next_hop(last, Redirect(status, URL(location), last.method, body if body is not None else last.data))


def _sent(hop: Hop) -> Any:
    """The credentials *hop* sends, and where they came from."""
    return None if hop.auth is None else (hop.auth.auth, hop.auth.source)


# -- the records ---------------------------------------------------------------------------


def test_first_hop_takes_every_field_from_the_call_by_name() -> None:
    """first_hop and ClientRequest unpack the Call by position: distinct values in
    every field must come out under the same names."""
    values = {name: object() for name in Call._fields}
    values["url"] = URL("http://a.test/p")
    values["auth"] = values["session_auth"] = None
    call = Call(**values)
    hop = first_hop(call)
    assert hop == Hop(
        call=call,
        method=values["method"],
        url=URL("http://a.test/p"),
        params=values["params"],
        data=values["data"],
        headers=values["headers"],
        auth=None,
        cookies=values["cookies"],
        proxy=values["proxy"],
        proxy_auth=values["proxy_auth"],
    )
    # ClientRequest._setup's slice, call[5:18]
    assert Call._fields[5:18] == (
        "skip_auto_headers",
        "auth",
        "session_auth",
        "cookies",
        "compress",
        "chunked",
        "expect100",
        "ssl",
        "server_hostname",
        "proxy",
        "proxy_auth",
        "proxy_headers",
        "traces",
    )


def test_bound_auth_knows_its_origin() -> None:
    bound = bind(USER, URL("HTTP://A.test:80/x"), FROM_URL)
    assert bound == BoundAuth(USER, ("http", "a.test", 80), FROM_URL)
    assert bound.allows(URL("http://a.test/other?q"))
    assert not bound.allows(URL("https://a.test/"))  # another scheme: another origin
    assert not bound.allows(URL("http://a.test:8080/"))
    assert not bound.allows(URL("http://b.test/"))
    assert bind(None, URL(A), FROM_URL) is None
    assert bind(USER, None, FROM_PROXY) == BoundAuth(USER, ("", "", None), FROM_PROXY)


# -- the first hop -------------------------------------------------------------------------


def test_url_credentials_leave_the_url_for_a_bound_credential() -> None:
    hop = first_hop(_call("http://u%40x:p%3Aw@a.test/p?q#f"))
    assert hop.url == URL("http://a.test/p?q#f")
    assert hop.url.raw_user is None and hop.url.raw_password is None
    assert hop.auth == BoundAuth(BasicAuth.unwarned("u@x", "p:w"), ("http", "a.test", 80), FROM_URL)


def test_url_credentials_and_auth_argument_conflict() -> None:
    with pytest.raises(ValueError, match="Cannot combine AUTH argument with credentials encoded in URL"):
        first_hop(_call("http://user:pw@a.test/", auth=GIVEN))


def test_auth_argument_is_bound_to_the_first_url() -> None:
    hop = first_hop(_call(A + "/p", auth=GIVEN, session=SESSION))
    assert hop.auth == BoundAuth(GIVEN, ("http", "a.test", 80), FROM_ARGUMENT)


def test_url_credentials_win_over_the_session_auth() -> None:
    assert _sent(first_hop(_call("http://user:pw@a.test/", session=SESSION))) == (USER, FROM_URL)


@pytest.mark.parametrize(
    ("base_url", "url", "sent"),
    [
        (None, A + "/x", True),  # bound to the URL asked for
        (A + "/api/", A + "/x", True),
        (A + "/api/", B + "/x", False),  # an absolute URL outside base_url's origin
        ("https://a.test/", A + "/x", False),
    ],
)
def test_session_auth_with_and_without_base_url(base_url: str | None, url: str, sent: bool) -> None:
    hop = first_hop(_call(url, session=SESSION, base_url=base_url))
    assert _sent(hop) == ((SESSION, FROM_SESSION) if sent else None)


# -- redirect chains -----------------------------------------------------------------------


def test_same_origin_chain_keeps_url_credentials_cookies_and_fields() -> None:
    call = _call("http://user:pw@a.test/1", cookies={"c": "1"}, headers=CIMultiDict(Authorization="x", X="y"))
    hops = [first_hop(call)]
    for location in (A + "/2", "http://A.TEST:80/3"):
        hops.append(_redirect(hops[-1], location))
    assert [_sent(h) for h in hops] == [(USER, FROM_URL)] * 3
    assert [h.cookies for h in hops] == [{"c": "1"}] * 3
    assert list(hops[-1].headers.items()) == [("Authorization", "x"), ("X", "y")]


def test_cross_origin_drops_every_carried_credential_for_good() -> None:
    """A -> B -> A: URL credentials, auth= and cookies= go at B and do not return."""
    for call in (_call("http://user:pw@a.test/1", cookies={"c": "1"}), _call(A + "/1", auth=GIVEN, cookies={"c": "1"})):
        first = first_hop(call)
        at_b = _redirect(first, B + "/2")
        back = _redirect(at_b, A + "/3")
        assert first.auth is not None and first.cookies == {"c": "1"}
        assert (at_b.auth, at_b.cookies) == (None, None)
        assert (back.auth, back.cookies) == (None, None)


def test_session_auth_returns_with_its_origin() -> None:
    """The session's auth is bound to an origin, not carried: A -> B -> A sends it at A
    twice, and never at B, even after auth= (which does not return) was dropped."""
    for extra in ({}, {"auth": GIVEN}):
        first = first_hop(_call(A + "/1", session=SESSION, **extra))
        at_b = _redirect(first, B + "/2")
        back = _redirect(at_b, A + "/3")
        assert _sent(first) == ((GIVEN, FROM_ARGUMENT) if extra else (SESSION, FROM_SESSION))
        assert at_b.auth is None
        assert _sent(back) == (SESSION, FROM_SESSION)


def test_session_auth_with_base_url_follows_base_urls_origin() -> None:
    first = first_hop(_call(B + "/1", session=SESSION, base_url=A + "/"))
    assert first.auth is None
    assert _sent(_redirect(first, A + "/2")) == (SESSION, FROM_SESSION)


def test_credentials_in_the_location_replace_the_carried_ones() -> None:
    first = first_hop(_call(A + "/1", auth=GIVEN, session=SESSION))
    hop = _redirect(first, "http://new:pw@a.test/2")
    assert hop.url == URL(A + "/2")
    assert _sent(hop) == (BasicAuth.unwarned("new", "pw"), FROM_URL)
    elsewhere = _redirect(first, "http://new:pw@b.test/2")  # bound to b.test now
    assert elsewhere.auth == BoundAuth(BasicAuth.unwarned("new", "pw"), ("http", "b.test", 80), FROM_URL)
    assert _sent(_redirect(elsewhere, B + "/3")) == (BasicAuth.unwarned("new", "pw"), FROM_URL)


def test_netrc_credentials_are_not_carried() -> None:
    """A hop's netrc credentials (bound to its own origin) are looked up again for
    the next hop: next_hop does not pass them on, so no other host's entry leaks."""
    first = first_hop(_call(A + "/1"))
    with_netrc = first._replace(auth=bind(USER, first.url, FROM_NETRC))
    assert _redirect(with_netrc, A + "/2").auth is None
    assert _redirect(with_netrc, B + "/2").auth is None


def test_params_go_into_the_first_url_only() -> None:
    first = first_hop(_call(A + "/1", params={"q": "1"}))
    assert first.params == {"q": "1"}
    assert _redirect(first, A + "/2").params is None


@pytest.mark.parametrize(
    ("method", "status", "after", "body_kept"),
    [
        ("POST", 303, "GET", False),
        ("PUT", 303, "GET", False),
        ("HEAD", 303, "HEAD", True),  # 303 keeps HEAD (RFC 9110 §15.4.4)
        ("POST", 302, "GET", False),
        ("POST", 301, "GET", False),
        ("POST", 307, "POST", True),
        ("PUT", 308, "PUT", True),
        ("DELETE", 302, "DELETE", True),
    ],
)
def test_method_and_body_after_a_redirect(method: str, status: int, after: str, body_kept: bool) -> None:
    fields = CIMultiDict({"Content-Type": "text/plain", "Content-Length": "4", "X": "y"})
    body = object()
    first = first_hop(_call(A + "/1", method=method, data=b"data", headers=fields))
    hop = next_hop(first, Redirect(status, URL(A + "/2"), method, body))
    assert hop.method == after
    assert hop.data is (body if body_kept else None)
    expected = ["Content-Type", "Content-Length", "X"] if body_kept else ["X"]
    assert list(hop.headers) == expected
    assert list(first.headers) == ["Content-Type", "Content-Length", "X"]  # records are never mutated


def test_redirect_uses_the_method_the_request_went_with() -> None:
    """A middleware may change req.method: the 303 rule applies to what was sent."""
    first = first_hop(_call(A + "/1", method="GET"))
    assert next_hop(first, Redirect(303, URL(A + "/2"), "HEAD", None)).method == "HEAD"


def test_cross_origin_strips_credential_fields_and_keeps_the_proxy() -> None:
    proxy, proxy_auth, proxy_headers = explicit_proxy("http://pu:pp@proxy.test:3128", None, {"P": "1"})
    fields = CIMultiDict({"Authorization": "x", "Cookie": "c=1", "Proxy-Authorization": "p", "Host": "h", "X": "y"})
    call = _call(A + "/1", headers=fields, proxy=proxy, proxy_auth=proxy_auth, proxy_headers=proxy_headers)
    hop = _redirect(first_hop(call), B + "/2")
    assert list(hop.headers.items()) == [("X", "y")]
    assert hop.proxy == URL("http://proxy.test:3128")
    assert hop.proxy_auth == BoundAuth(BasicAuth.unwarned("pu", "pp"), ("http", "proxy.test", 3128), FROM_PROXY)


# -- trust_env: the environment's proxy and netrc, bound per hop ---------------------------


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "netrc"
    path.write_text("machine a.test login net password rc\nmachine proxy.test login pn password pp\n")
    monkeypatch.setenv("NETRC", str(path))
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_env_settings_bind_netrc_and_proxy_credentials(netrc_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.test:3128")
    hop = _env_settings(first_hop(_call(A + "/1")))
    assert hop.auth == BoundAuth(BasicAuth.unwarned("net", "rc"), ("http", "a.test", 80), FROM_NETRC)
    assert hop.proxy == URL("http://proxy.test:3128")
    assert hop.proxy_auth == BoundAuth(BasicAuth.unwarned("pn", "pp"), ("http", "proxy.test", 3128), FROM_PROXY)
    at_b = _env_settings(_redirect(hop, B + "/2"))  # no netrc entry for b.test
    assert at_b.auth is None
    assert at_b.proxy_auth == hop.proxy_auth


def test_env_settings_leave_given_credentials_alone(netrc_file: Path) -> None:
    url_creds = first_hop(_call("http://user:pw@a.test/1"))
    assert _env_settings(url_creds) is url_creds
    given_field = first_hop(_call(A + "/1", headers=CIMultiDict(Authorization="Bearer t")))
    assert _env_settings(given_field) is given_field
    explicit = first_hop(_call(A + "/1", auth=GIVEN))
    assert _env_settings(explicit).auth == explicit.auth
