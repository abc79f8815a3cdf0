"""HTTP Digest access authentication (RFC 7616), sans-IO: parsing challenges from
``WWW-Authenticate`` (RFC 9110 §11.6.1), computing the ``Authorization`` field
(RFC 7616 §3.4) and the protection space of a challenge (§3.3 ``domain``).
"""

import hashlib
from collections.abc import Callable
from typing import NamedTuple, Optional

from yarl import URL

from ._fields import ascii_lower

__all__ = (
    "DigestChallenge",
    "DigestError",
    "authorization",
    "entity_hasher",
    "escape_quotes",
    "parse_challenges",
    "protection_space",
    "in_protection_space",
)

_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _sha512_256(data: bytes = b"") -> "hashlib._Hash":
    return hashlib.new("sha512_256", data)


# Algorithm names (upper-case, without "-sess") to hash functions (RFC 7616 §3.2;
# SHA (SHA-1) and SHA-512 are not registered but are common, as in aiohttp).
_HASHES: dict[str, Callable[..., "hashlib._Hash"]] = {
    "md5": hashlib.md5,
    "sha": hashlib.sha1,
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
    "sha-512-256": _sha512_256,
}


class DigestError(ValueError):
    """A challenge this client cannot answer (unknown algorithm or qop)."""


class DigestChallenge(NamedTuple):
    """The parameters of one ``Digest`` challenge (RFC 7616 §3.3); a missing
    parameter is ``""``.
    """

    realm: str
    nonce: str
    qop: str = ""
    algorithm: str = ""
    opaque: str = ""
    domain: str = ""
    stale: bool = False


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _token(text: str, i: int) -> tuple[str, int]:
    start = i
    while i < len(text) and text[i] in _TCHAR:
        i += 1
    return text[start:i], i


def _quoted(text: str, i: int) -> tuple[str, int]:
    """A quoted-string starting at ``text[i] == '"'``: its unescaped content and
    the index after it (RFC 9110 §5.6.4); an unterminated one runs to the end.
    """
    out = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), i


def parse_challenges(header: str) -> list[tuple[str, dict[str, str]]]:
    """The challenges of a ``WWW-Authenticate`` value (RFC 9110 §11.6.1): a list
    of ``(scheme, {lower-case parameter name: value})``; a token68 is ignored, and
    parsing stops at the first malformed part.
    """
    result: list[tuple[str, dict[str, str]]] = []
    i = 0
    n = len(header)
    while i < n:
        i = _skip_spaces(header, i)
        if i < n and header[i] == ",":
            i += 1
            continue
        name, j = _token(header, i)
        if not name:
            break
        k = _skip_spaces(header, j)
        if k < n and header[k] == "=" and result:
            value_start = _skip_spaces(header, k + 1)
            if value_start < n and header[value_start] == '"':
                value, i = _quoted(header, value_start)
            else:
                value, i = _token(header, value_start)
            result[-1][1].setdefault(ascii_lower(name), value)
            continue
        if k < n and header[k] == "=":
            break  # a parameter before any scheme
        if j < n and header[j] not in " \t,":
            break
        result.append((name, {}))
        i = j
    return result


def digest_challenge(header: str) -> Optional[DigestChallenge]:
    """The first ``Digest`` challenge of a ``WWW-Authenticate`` value with a
    realm and a nonce, or ``None``.
    """
    for scheme, params in parse_challenges(header):
        if ascii_lower(scheme) == "digest" and "nonce" in params and "realm" in params and params["nonce"]:
            return DigestChallenge(
                params["realm"],
                params["nonce"],
                params.get("qop", ""),
                params.get("algorithm", ""),
                params.get("opaque", ""),
                params.get("domain", ""),
                ascii_lower(params.get("stale", "")) == "true",
            )
    return None


def escape_quotes(value: str) -> str:
    r"""*value* for the inside of a quoted-string: ``\\`` and ``"`` escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _choose_qop(offered: str) -> str:
    options = [ascii_lower(q.strip()) for q in offered.split(",") if q.strip()]
    if not options:
        return ""
    if "auth" in options:
        return "auth"
    if "auth-int" in options:
        return "auth-int"
    raise DigestError(f"Unsupported quality of protection: {offered}")


def _hash_fn(challenge: DigestChallenge) -> tuple[Callable[..., "hashlib._Hash"], bool]:
    """The challenge's hash function and whether its algorithm is a ``-sess`` one.

    :raises DigestError: an unknown algorithm.
    """
    algorithm = challenge.algorithm or "MD5"
    base = ascii_lower(algorithm)  # a token, compared ASCII-only: "ſha-256" is no SHA-256
    session = base.endswith("-sess")
    if session:
        base = base[: -len("-sess")]
    hash_fn = _HASHES.get(base)
    if hash_fn is None:
        raise DigestError(f"Unsupported hash algorithm: {algorithm}")
    return hash_fn, session


def entity_hasher(challenge: DigestChallenge) -> "Optional[hashlib._Hash]":
    """A fresh hash object for the request content when the answer to *challenge*
    uses ``qop=auth-int`` (RFC 7616 §3.4.3: H(entity-body) goes into A2), else
    ``None``; feed it the body and pass its ``hexdigest()`` as *entity_hash*.

    :raises DigestError: an unknown algorithm or qop.
    """
    hash_fn, _session = _hash_fn(challenge)
    return hash_fn() if _choose_qop(challenge.qop) == "auth-int" else None


def authorization(
    challenge: DigestChallenge,
    login: str,
    password: str,
    *,
    method: str,
    uri: str,
    body: bytes = b"",
    entity_hash: Optional[str] = None,
    nonce_count: int,
    cnonce: str,
) -> str:
    """The ``Authorization`` value answering *challenge* (RFC 7616 §3.4).

    With a qop (``auth`` preferred to ``auth-int``), ``response`` is
    ``KD(H(A1), nonce:nc:cnonce:qop:H(A2))``; without one the RFC 2069 form
    ``H(H(A1):nonce:H(A2))``.  A ``-sess`` algorithm hashes the nonce and cnonce
    into A1; ``auth-int`` the hash of the *body* into A2 (or *entity_hash*, the hex
    digest of a body hashed as it was read: :func:`entity_hasher`).  The algorithm is
    echoed with the challenge's own spelling.

    :raises DigestError: an unknown algorithm or qop.
    """
    algorithm = challenge.algorithm or "MD5"
    hash_fn, session = _hash_fn(challenge)

    def h(data: str) -> str:
        return hash_fn(data.encode("utf-8")).hexdigest()

    qop = _choose_qop(challenge.qop)
    nc = f"{nonce_count:08x}"
    ha1 = h(f"{login}:{challenge.realm}:{password}")
    if session:
        ha1 = h(f"{ha1}:{challenge.nonce}:{cnonce}")
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        a2 = f"{a2}:{entity_hash if entity_hash is not None else hash_fn(body).hexdigest()}"
    ha2 = h(a2)
    if qop:
        response = h(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        response = h(f"{ha1}:{challenge.nonce}:{ha2}")
    parts = [
        f'username="{escape_quotes(login)}"',
        f'realm="{escape_quotes(challenge.realm)}"',
        f'nonce="{escape_quotes(challenge.nonce)}"',
        f'uri="{escape_quotes(uri)}"',
        f'response="{response}"',
        f"algorithm={algorithm}",
    ]
    if qop:
        parts += [f"qop={qop}", f"nc={nc}", f'cnonce="{escape_quotes(cnonce)}"']
    elif session:  # A1 holds the cnonce: the server needs it even without a qop
        parts.append(f'cnonce="{escape_quotes(cnonce)}"')
    if challenge.opaque:
        parts.append(f'opaque="{escape_quotes(challenge.opaque)}"')
    return "Digest " + ", ".join(parts)


def protection_space(challenge: DigestChallenge, origin: URL) -> list[str]:
    """The URI prefixes a challenge from *origin* covers (RFC 7616 §3.3
    ``domain``): its space-separated URIs, relative ones resolved against
    *origin*; the whole origin when it lists none that is usable.
    """
    space = []
    for item in challenge.domain.split():
        if item.startswith("/"):
            space.append(str(origin.join(URL(item))) if '"' not in item else "")
        elif item.startswith(("http://", "https://")) and '"' not in item:
            try:
                url = URL(item)
            except ValueError:
                continue
            if url.raw_host:
                space.append(str(url))
    space = [s for s in space if s]
    return space or [str(origin) + "/"]


def in_protection_space(url: URL, space: list[str]) -> bool:
    """Whether *url* is under one of the prefixes of *space* (whole segments)."""
    text = str(url.with_query(None).with_fragment(None))
    for prefix in space:
        if text == prefix or (text.startswith(prefix) and (prefix.endswith("/") or text[len(prefix)] == "/")):
            return True
        if text + "/" == prefix:
            return True
    return False
