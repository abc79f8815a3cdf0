"""Digest authentication (RFC 7616): the computation against the RFC's published
example (§3.9.1), challenge parsing, and ``DigestAuthMiddleware`` against a Digest
server written here from the RFC's text (an aiohttp.web handler that checks every
response it gets by recomputing it).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

import pytest

import aiohttp_client as aiohttp
from _servers import run
from aiohttp_client._sansio._digest_auth import (
    DigestChallenge,
    DigestError,
    authorization,
    digest_challenge,
    parse_challenges,
)

# RFC 7616 §3.9.1
RFC_USER, RFC_PASSWORD = "Mufasa", "Circle of Life"
RFC_CHALLENGE = dict(
    realm="http-auth@example.org",
    nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    qop="auth, auth-int",
    opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
)
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
RFC_RESPONSES = {
    "MD5": "8ca523f5e9506fed4657c9700eebdbec",
    "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
}


@pytest.mark.parametrize("algorithm", sorted(RFC_RESPONSES))
def test_rfc_7616_example(algorithm: str) -> None:
    challenge = DigestChallenge(**RFC_CHALLENGE, algorithm=algorithm)
    value = authorization(
        challenge, RFC_USER, RFC_PASSWORD, method="GET", uri="/dir/index.html", nonce_count=1, cnonce=RFC_CNONCE
    )
    assert f'response="{RFC_RESPONSES[algorithm]}"' in value
    for part in (
        'username="Mufasa"',
        'realm="http-auth@example.org"',
        'uri="/dir/index.html"',
        f"algorithm={algorithm}",
        "qop=auth",
        "nc=00000001",
        f'cnonce="{RFC_CNONCE}"',
        f'opaque="{RFC_CHALLENGE["opaque"]}"',
    ):
        assert part in value


def test_challenge_parsing() -> None:
    header = (
        'Basic realm="b", Digest realm="a \\"quoted\\" \\\\ realm", nonce="n,1", qop="auth,auth-int", '
        "algorithm=SHA-256, stale=TRUE, Bearer token68=="
    )
    assert [scheme for scheme, _ in parse_challenges(header)][:2] == ["Basic", "Digest"]
    challenge = digest_challenge(header)
    assert challenge is not None
    assert challenge.realm == 'a "quoted" \\ realm' and challenge.nonce == "n,1"
    assert challenge.qop == "auth,auth-int" and challenge.algorithm == "SHA-256" and challenge.stale
    for bad in (
        "",
        "Digest",
        "Digest ",
        "DigestX realm=a, nonce=b",
        'Digest realm="a"',
        "Digest =x, y",
        "Basic realm=x",
    ):
        assert digest_challenge(bad) is None
    value = authorization(challenge, 'u"s\\r', "p", method="GET", uri="/", nonce_count=1, cnonce="c")
    assert 'username="u\\"s\\\\r"' in value and 'realm="a \\"quoted\\" \\\\ realm"' in value
    with pytest.raises(DigestError):
        authorization(
            DigestChallenge("r", "n", algorithm="FOO"), "u", "p", method="GET", uri="/", nonce_count=1, cnonce="c"
        )
    with pytest.raises(DigestError):
        authorization(
            DigestChallenge("r", "n", qop="auth-conf"), "u", "p", method="GET", uri="/", nonce_count=1, cnonce="c"
        )


# -- a Digest server from RFC 7616's text ---------------------------------------------------------------

_HASH = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256, "SHA-512-256": lambda d=b"": hashlib.new("sha512_256", d)}
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))')


def _params(header: str) -> dict[str, str]:
    assert header.startswith("Digest ")
    return {
        m.group(1): re.sub(r"\\(.)", r"\1", m.group(2)) if m.group(2) is not None else m.group(3)
        for m in _PARAM.finditer(header[7:])
    }


class DigestServer:
    """RFC 7616 §3.3-3.4 on the server side: challenge, then verify ``response``."""

    def __init__(self, algorithm: str, qop: str, users: dict[str, str], domain: str = "") -> None:
        self.algorithm, self.qop, self.users, self.domain = algorithm, qop, users, domain
        self.nonce = secrets.token_hex(8)
        self.seen: list[dict[str, str] | None] = []
        self.stale_once = False

    def challenge(self, stale: bool = False) -> str:
        parts = ['realm="test realm"', f'nonce="{self.nonce}"', 'opaque="op\\"aque"', f"algorithm={self.algorithm}"]
        if self.qop:
            parts.append(f'qop="{self.qop}"')
        if self.domain:
            parts.append(f'domain="{self.domain}"')
        if stale:
            parts.append("stale=true")
        return "Digest " + ", ".join(parts)

    def expected(self, p: dict[str, str], method: str, body: bytes) -> str:
        base = self.algorithm.upper().removesuffix("-SESS")
        hash_fn = _HASH[base]

        def h(s: str) -> str:
            return hash_fn(s.encode()).hexdigest()

        ha1 = h(f"{p['username']}:{p['realm']}:{self.users[p['username']]}")
        if self.algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{p['nonce']}:{p['cnonce']}")
        a2 = f"{method}:{p['uri']}"
        if p.get("qop") == "auth-int":
            a2 += ":" + hash_fn(body).hexdigest()
        if "qop" in p:
            return h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{h(a2)}")
        return h(f"{ha1}:{p['nonce']}:{h(a2)}")

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        header = request.headers.get("Authorization")
        body = await request.read()
        params = _params(header) if header else None
        self.seen.append(params)
        if params is None:
            return web.Response(status=401, headers={"WWW-Authenticate": self.challenge()})
        assert params["opaque"] == 'op"aque' and params["algorithm"] == self.algorithm
        assert params["uri"] == request.raw_path
        if params["response"] != self.expected(params, request.method, body):
            return web.Response(status=401, headers={"WWW-Authenticate": self.challenge()})
        if params["nonce"] != self.nonce or self.stale_once:
            self.stale_once = False
            self.nonce = secrets.token_hex(8)
            return web.Response(status=401, headers={"WWW-Authenticate": self.challenge(stale=True)})
        return web.Response(text=f"hello {params['username']}")


async def _serve(server: DigestServer) -> Any:
    from aiohttp import web

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess", "md5-Sess"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("qop", ["auth", "auth-int", "auth,auth-int", ""])
def test_middleware_against_rfc_server(algorithm: str, qop: str) -> None:
    server = DigestServer(algorithm, qop, {"Mufasa": "Circle of Life"})

    async def main() -> None:
        runner = await _serve(server)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            mw = aiohttp.DigestAuthMiddleware("Mufasa", "Circle of Life")
            async with aiohttp.ClientSession(middlewares=(mw,)) as session:
                async with session.post(f"{url}/dir/index.html?x=%20y", data=b"the body") as resp:
                    assert resp.status == 200 and await resp.text() == "hello Mufasa"
                async with session.get(f"{url}/other") as resp:  # preemptive, next nc
                    assert resp.status == 200
        finally:
            await runner.cleanup()
        assert server.seen[0] is None and server.seen[1] is not None and server.seen[2] is not None
        if qop:
            assert server.seen[1]["qop"] == ("auth-int" if qop == "auth-int" else "auth")
            assert (server.seen[1]["nc"], server.seen[2]["nc"]) == ("00000001", "00000002")
        else:
            assert "qop" not in server.seen[1] and "nc" not in server.seen[1]
        assert len(server.seen) == 3

    run(main())


def test_stale_nonce_wrong_password_and_protection_space() -> None:
    server = DigestServer("SHA-256", "auth", {"u": "right"}, domain="/private /also")

    async def main() -> None:
        runner = await _serve(server)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(middlewares=(aiohttp.DigestAuthMiddleware("u", "right"),)) as session:
                assert (await session.get(f"{url}/private/a")).status == 200
                server.stale_once = True  # the next preemptive answer is refused as stale
                assert (await session.get(f"{url}/also/b")).status == 200
                assert (await session.get(f"{url}/public")).status == 200  # outside: challenged first
            seen = [p is not None for p in server.seen]
            assert seen == [False, True, True, True, False, True]
            assert server.seen[3]["nc"] == "00000001"  # a new nonce starts its count again
            server.seen.clear()
            async with aiohttp.ClientSession(middlewares=(aiohttp.DigestAuthMiddleware("u", "wrong"),)) as session:
                assert (await session.get(f"{url}/private/a")).status == 401  # retried once only
            assert len(server.seen) == 2
            server.seen.clear()
            mw = aiohttp.DigestAuthMiddleware("u", "right", preemptive=False)
            async with aiohttp.ClientSession(middlewares=(mw,)) as session:
                for _ in range(2):
                    assert (await session.get(f"{url}/private/a")).status == 200
            assert [p is not None for p in server.seen] == [False, True, False, True]
        finally:
            await runner.cleanup()

    run(main())


def test_credentials_stay_with_the_first_origin() -> None:
    anchor = DigestServer("MD5", "auth", {"u": "p"})
    other = DigestServer("MD5", "auth", {"u": "p"})

    async def main() -> None:
        from aiohttp import web

        runner_a, runner_b = await _serve(anchor), await _serve(other)
        a = f"http://127.0.0.1:{runner_a.addresses[0][1]}"
        b = f"http://127.0.0.1:{runner_b.addresses[0][1]}"

        async def bounce(request: Any) -> Any:
            return web.Response(status=302, headers={"Location": f"{b}/x"})

        app = web.Application()
        app.router.add_get("/", bounce)
        runner_c = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner_c.setup()
        await web.TCPSite(runner_c, "127.0.0.1", 0).start()
        c = f"http://127.0.0.1:{runner_c.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession(middlewares=(aiohttp.DigestAuthMiddleware("u", "p"),)) as session:
                assert (await session.get(f"{a}/")).status == 200
                assert (await session.get(f"{b}/")).status == 401  # another origin: never answered
                assert (await session.get(c)).status == 401  # nor through a redirect
            assert other.seen == [None, None]
            mw = aiohttp.DigestAuthMiddleware("u", "p")
            async with aiohttp.ClientSession(middlewares=(mw,)) as session:
                assert (await session.get(c)).status == 401  # the anchor is c: b is not answered
            assert other.seen == [None, None, None]
        finally:
            for runner in (runner_a, runner_b, runner_c):
                await runner.cleanup()

    run(main())


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="None is not allowed as login"):
        aiohttp.DigestAuthMiddleware(None, "p")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="None is not allowed as password"):
        aiohttp.DigestAuthMiddleware("u", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="username"):
        aiohttp.DigestAuthMiddleware("u:x", "p")


@pytest.mark.parametrize("kind", ["file", "bytesio"])
def test_auth_int_hashes_a_streamed_body(tmp_path: Any, kind: str) -> None:
    """qop=auth-int with a body not in memory: the body is hashed as read, then sent
    from its start (before, the empty body was hashed and the server answered 401).
    """
    import io

    content = secrets.token_bytes(300_000)
    path = tmp_path / "body.bin"
    path.write_bytes(content)
    server = DigestServer("SHA-256", "auth-int", {"Mufasa": "Circle of Life"})
    received: list[bytes] = []
    handle = server.handle

    async def recording(request: Any) -> Any:
        received.append(await request.read())
        return await handle(request)

    server.handle = recording  # type: ignore[method-assign]

    async def main() -> None:
        runner = await _serve(server)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/upload"
        try:
            mw = aiohttp.DigestAuthMiddleware("Mufasa", "Circle of Life")
            async with aiohttp.ClientSession(middlewares=(mw,)) as session:
                with open(path, "rb") as f:
                    data: Any = f if kind == "file" else io.BytesIO(content)
                    async with session.put(url, data=data) as resp:
                        assert resp.status == 200 and await resp.text() == "hello Mufasa"
        finally:
            await runner.cleanup()

    run(main())
    assert [p["qop"] for p in server.seen if p] == ["auth-int"]
    assert received == [content, content]  # the whole body both times, byte for byte


def test_auth_int_with_a_one_shot_body_says_why() -> None:
    server = DigestServer("MD5", "auth-int", {"Mufasa": "Circle of Life"})

    async def chunks() -> Any:
        yield b"once"

    async def main() -> None:
        runner = await _serve(server)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/upload"
        try:
            mw = aiohttp.DigestAuthMiddleware("Mufasa", "Circle of Life")
            async with aiohttp.ClientSession(middlewares=(mw,)) as session:
                with pytest.raises(aiohttp.ClientError, match="auth-int .* read only once"):
                    await session.put(url, data=chunks())
        finally:
            await runner.cleanup()

    run(main())
    assert server.seen == [None]  # the challenge was asked for; no wrong answer was sent
