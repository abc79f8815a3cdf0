"""``MultipartWriter`` boundaries and parts, checked against the bytes a raw peer
received and against aiohttp 3.14.5's behaviour: a boundary that is not a token is
sent as a quoted-string in the head and as it is in the body; control characters are
refused with ``ValueError``; ``int``, ``float`` and ``None`` are not parts
(``TypeError``)."""

from __future__ import annotations

import pytest

import aiohttp_client as aiohttp
from _raw_helpers import OK, field_values, parse_request
from _servers import Reply, run


def _send(srv, writer: aiohttp.MultipartWriter) -> tuple[list[tuple[str, str]], bytes]:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(srv.url(), data=writer) as resp:
                await resp.read()

    run(main())
    _, fields, body = parse_request(srv.wait_requests(1)[0])
    return fields, body


@pytest.mark.parametrize(
    ("boundary", "head"),
    [
        ("abc123", "multipart/mixed; boundary=abc123"),
        ('"abc"', 'multipart/mixed; boundary="\\"abc\\""'),
        ('\\"', 'multipart/mixed; boundary="\\\\\\""'),
        ("a b:c", 'multipart/mixed; boundary="a b:c"'),
        ("a;b", 'multipart/mixed; boundary="a;b"'),
        ("a\tb", 'multipart/mixed; boundary="a\tb"'),
    ],
    ids=["token", "quoted", "backslash-quote", "space-colon", "semicolon", "tab"],
)
def test_boundary_in_head_and_body(raw_server, boundary: str, head: str) -> None:
    srv = raw_server(Reply.of(OK))
    writer = aiohttp.MultipartWriter(boundary=boundary)
    writer.append("hello")
    assert writer.boundary == boundary
    assert writer.headers["Content-Type"] == head
    fields, body = _send(srv, writer)
    assert field_values(fields, "Content-Type") == [head]
    delimiter = b"--" + boundary.encode()
    assert body.startswith(delimiter + b"\r\n")
    assert body.endswith(b"\r\nhello\r\n" + delimiter + b"--\r\n")


@pytest.mark.parametrize("boundary", ["test\n", "a\rb", "a\x00b", "a\x7f", "\x1b"])
def test_control_characters_in_a_boundary_are_refused(boundary: str) -> None:
    with pytest.raises(ValueError, match="invalid characters"):
        aiohttp.MultipartWriter(boundary=boundary)


@pytest.mark.parametrize("boundary", ["тест", "é"])
def test_non_ascii_boundary_is_refused(boundary: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        aiohttp.MultipartWriter(boundary=boundary)


@pytest.mark.parametrize("boundary", ["", "x" * 71, "a ", "a\t"], ids=["empty", "71", "space-end", "tab-end"])
def test_boundary_outside_rfc_2046_is_refused(boundary: str) -> None:
    # RFC 2046 §5.1.1: 1 to 70 characters, not ending in a space (aiohttp sends these;
    # a receiver that strips transport padding cannot find such a delimiter).
    with pytest.raises(ValueError):
        aiohttp.MultipartWriter(boundary=boundary)


@pytest.mark.parametrize("obj", [1, 1.5, None, True])
def test_int_float_none_are_not_parts(obj: object) -> None:
    with aiohttp.MultipartWriter(boundary=":") as writer:
        with pytest.raises(TypeError, match="Cannot create payload"):
            writer.append(obj)
    assert len(writer) == 0


@pytest.mark.aiohttp_oracle
@pytest.mark.parametrize("boundary", ["abc123", '"abc"', '\\"', "a b:c", "a;b", "a\tb", "test\n", "a\x7f", "тест"])
def test_boundaries_as_aiohttp(boundary: str) -> None:
    import aiohttp as rival

    def outcome(module: object) -> object:
        try:
            writer = module.MultipartWriter(boundary=boundary)  # type: ignore[attr-defined]
        except ValueError as exc:
            return ValueError, str(exc)
        return writer.boundary, writer.headers["Content-Type"]

    assert outcome(aiohttp) == outcome(rival)
