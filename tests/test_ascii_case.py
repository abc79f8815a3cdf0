"""Received tokens of authentication and cookies are compared ASCII
case-insensitively and nothing more (RFC 9110 §5.6.2, §11.1; RFC 6265 §5.2.3):
Unicode case mapping would turn the Kelvin sign (U+212A) into ``k`` and the long s
(U+017F) into ``S``, so a value a server spelled with them must not match the ASCII
token it resembles.  (The media-type parsers behind ``ClientResponse.content_type``
keep aiohttp's ``str.lower()``: tests/test_mimetype.py compares them with aiohttp,
the Kelvin sign included.)
"""

from __future__ import annotations

import pytest
from yarl import URL

import aiohttp_client as aiohttp
from aiohttp_client._sansio._digest_auth import DigestChallenge, DigestError, authorization, parse_challenges

KELVIN = "\u212a"
LONG_S = "\u017f"


def _challenge(algorithm: str) -> DigestChallenge:
    return DigestChallenge("realm", "nonce", "auth", algorithm, "", "", False)


@pytest.mark.parametrize("algorithm", ["sha-256", "Sha-256", "SHA-256", "md5-sess", "MD5-Sess"])
def test_digest_algorithm_ascii_case_insensitive(algorithm: str) -> None:
    value = authorization(_challenge(algorithm), "u", "p", method="GET", uri="/", nonce_count=1, cnonce="c")
    assert f"algorithm={algorithm}" in value  # echoed with the challenge's own spelling


@pytest.mark.parametrize("algorithm", [f"{LONG_S}ha-256", f"md5-{LONG_S}ess", f"{LONG_S}HA"])
def test_digest_algorithm_unicode_lookalike_refused(algorithm: str) -> None:
    # str.upper() maps U+017F to "S": before, these were answered as SHA-256 / MD5-sess / SHA.
    with pytest.raises(DigestError):
        authorization(_challenge(algorithm), "u", "p", method="GET", uri="/", nonce_count=1, cnonce="c")


def test_digest_names_and_qop_fold_ascii() -> None:
    [(scheme, params)] = parse_challenges('Digest REALM="r", NONCE="n", QOP="AUTH-INT", STALE=TRUE')
    assert scheme == "Digest" and params == {"realm": "r", "nonce": "n", "qop": "AUTH-INT", "stale": "TRUE"}
    challenge = DigestChallenge("r", "n", "AUTH-INT", "", "", "", False)
    assert "qop=auth-int" in authorization(challenge, "u", "p", method="GET", uri="/", nonce_count=1, cnonce="c")


def test_cookie_domain_folds_ascii_only() -> None:
    async def go() -> tuple[int, int]:
        jar = aiohttp.CookieJar()
        url = URL("http://ka.test/")
        jar.update_cookies_from_headers([f"a=1; Domain={KELVIN}a.test", "b=2; Domain=KA.TEST"], url)
        names = {m.key for m in jar}
        return int("a" in names), int("b" in names)

    import asyncio

    # Before: "\u212aa.test".lower() == "ka.test", so the first cookie was stored as a
    # domain cookie of ka.test; a Domain that is not the host's (RFC 6265 §5.3 step 6) is refused.
    assert asyncio.run(go()) == (0, 1)
