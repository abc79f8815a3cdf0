"""HTTP Basic authentication credentials (reference: "Utilities" → ``BasicAuth``;
RFC 7617).

Constructing a :class:`BasicAuth` directly is deprecated (reference: ``BasicAuth``,
"deprecated:: 3.14") and warns; :meth:`BasicAuth.decode`, :meth:`BasicAuth.from_url`
and the package's own uses (``.netrc``) build it without a warning.
"""

import base64
import binascii
import warnings
from typing import NamedTuple, Optional

from yarl import URL

__all__ = ("BasicAuth", "encode_basic_auth")


class _Credentials(NamedTuple):
    login: str
    password: str
    encoding: str


class BasicAuth(_Credentials):
    """Login and password for HTTP Basic authentication: a named tuple
    ``(login, password, encoding)``.

    :param login: the user-id (``str``); must not contain ``":"`` (RFC 7617 §2).
    :param password: the password (``str``, ``""`` by default).
    :param encoding: the charset used to turn ``login:password`` into bytes
        (``"latin1"`` by default).
    :raises ValueError: *login* or *password* is ``None``, or *login* contains ``":"``.
    """

    __slots__ = ()

    def __new__(cls, login: str, password: str = "", encoding: str = "latin1") -> "BasicAuth":
        credentials = cls.unwarned(login, password, encoding)  # invalid ones raise first
        warnings.warn(
            "BasicAuth is deprecated and will be removed in aiohttp 4.0; use aiohttp.encode_basic_auth() "
            "(aiohttp_client.encode_basic_auth) with headers= or proxy_headers= instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return credentials

    @classmethod
    def unwarned(cls, login: str, password: str = "", encoding: str = "latin1") -> "BasicAuth":
        """The credentials, checked, without the deprecation warning (for parsers)."""
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            raise ValueError('A ":" is not allowed in login (RFC 7617 section 2)')
        return super().__new__(cls, login, password, encoding)

    @classmethod
    def decode(cls, auth_header: str, encoding: str = "latin1") -> "BasicAuth":
        """Parse an ``Authorization`` field value such as ``"Basic dXNlcjpwYXNz"``.

        The scheme name is case-insensitive and may be followed by one or more spaces
        (RFC 9110 §11.4); the credentials must be strict base64 of ``login:password``
        in *encoding*.

        :raises ValueError: not the Basic scheme, invalid base64, text that does not
            decode in *encoding*, or no ``":"`` in the decoded credentials.
        """
        scheme, sep, credentials = auth_header.partition(" ")
        if not sep:
            raise ValueError("Could not parse authorization header.")
        if scheme.lower() != "basic":
            raise ValueError(f"Unknown authorization method {scheme}")
        credentials = credentials.lstrip(" ")
        if not credentials:
            raise ValueError("Invalid base64 encoding.")
        try:
            raw = base64.b64decode(credentials.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("Invalid base64 encoding.") from None
        text = raw.decode(encoding)  # UnicodeDecodeError is a ValueError
        login, sep, password = text.partition(":")
        if not sep:
            raise ValueError("Invalid credentials.")
        return cls.unwarned(login, password, encoding)

    @classmethod
    def from_url(cls, url: URL, *, encoding: str = "latin1") -> Optional["BasicAuth"]:
        """Credentials from the userinfo of *url* (percent-decoded), or ``None`` when
        the URL has neither a user nor a password.

        :raises TypeError: *url* is not a :class:`yarl.URL`.
        :raises ValueError: the decoded user contains ``":"``.
        """
        if not isinstance(url, URL):
            raise TypeError("url should be yarl.URL instance")
        if url.raw_user is None and url.raw_password is None:
            return None
        return cls.unwarned(url.user or "", url.password or "", encoding)

    def encode(self) -> str:
        """Return the ``Authorization`` field value: ``"Basic "`` + base64 of
        ``login:password`` encoded in :attr:`encoding` (RFC 7617 §2).

        :raises UnicodeEncodeError: the credentials do not fit :attr:`encoding`.
        """
        creds = (f"{self.login}:{self.password}").encode(self.encoding)
        return "Basic " + base64.b64encode(creds).decode("ascii")


def encode_basic_auth(login: str, password: str = "", encoding: str = "utf-8") -> str:
    """An ``Authorization`` (or ``Proxy-Authorization``) value for HTTP Basic
    authentication: ``"Basic "`` + base64 of ``login:password`` in *encoding*
    (reference: ``encode_basic_auth``; RFC 7617 §2).

    :raises ValueError: *login* contains ``":"`` (RFC 7617 §2).
    :raises UnicodeEncodeError: the credentials do not fit *encoding*.
    """
    if ":" in login:
        raise ValueError('A ":" is not allowed in login (RFC 7617 section 2)')
    creds = f"{login}:{password}".encode(encoding)
    return "Basic " + base64.b64encode(creds).decode("ascii")
