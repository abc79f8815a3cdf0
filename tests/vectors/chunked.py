"""Chunked transfer coding vectors (RFC 9112 §7.1) for ``ChunkedDecoder``.

``wire`` is the message body only (what follows the head).  Each error case has one
defect, so the expected class does not depend on how the bytes are split.

``BODY_CORPUS`` holds the bodies of the chunked ``CORPUS`` responses, for benchmarks.
"""

from aiohttp_client.http_exceptions import InvalidHeader, LineTooLong, TransferEncodingError

from . import CORPUS, Body, Error, case, split_response

__all__ = ("BODY_CORPUS", "CASES")


def _te(fragment: str) -> Error:
    return Error(TransferEncodingError, fragment)


BAD_SIZE = _te("bad chunk-size")
BAD_EXT = _te("bad chunk-ext")
TOO_LARGE = _te("chunk-size too large")
NO_CRLF = _te("chunk-size line must end in CRLF")
NO_DATA_CRLF = _te("missing CRLF after chunk-data")
BAD_TRAILER = Error(InvalidHeader, "Invalid HTTP header")
END = b"0\r\n\r\n"

CASES = [
    # --- well-formed bodies -----------------------------------------------------------
    case("one-chunk", b"5\r\nhello\r\n" + END, "RFC 9112 §7.1", Body(b"hello", (5,))),
    case("two-chunks", b"5\r\nhello\r\n6\r\n world\r\n" + END, "RFC 9112 §7.1", Body(b"hello world", (5, 6))),
    case("empty-body", END, "RFC 9112 §7.1 (last-chunk only)", Body(b"", ())),
    case(
        "hex-upper-and-lower",
        b"A\r\n0123456789\r\nb\r\nabcdefghijk\r\n" + END,
        "RFC 5234 HEXDIG (case-insensitive)",
        Body(b"0123456789abcdefghijk", (10, 11)),
    ),
    case("leading-zeros", b"0005\r\nhello\r\n" + END, "RFC 9112 §7.1 chunk-size = 1*HEXDIG", Body(b"hello", (5,))),
    case("last-chunk-many-zeros", b"000\r\n\r\n", 'RFC 9112 §7.1 last-chunk = 1*("0")', Body(b"", ())),
    case(
        "sixteen-digit-size-accepted",
        b"000000000000000f\r\n0123456789abcde\r\n" + END,
        "overflow guard allows 16 hex digits",
        Body(b"0123456789abcde", (15,)),
    ),
    case(
        "max-size-accepted",
        b"7fffffffffffffff\r\nabc",
        "overflow guard: 2**63 - 1 is the largest size",
        Body(b"abc", (), done=False),
    ),
    case(
        "data-contains-crlf",
        b"4\r\n\r\n\r\n\r\n" + END,
        "RFC 9112 §7.1 (chunk-data is opaque)",
        Body(b"\r\n\r\n", (4,)),
    ),
    case(
        "data-contains-chunk-syntax",
        b"a\r\n0\r\n\r\nabcde\r\n" + END,
        "RFC 9112 §7.1 (chunk-data is opaque; desync)",
        Body(b"0\r\n\r\nabcde", (10,)),
    ),
    case("ext-name-only", b"5;name\r\nhello\r\n" + END, "RFC 9112 §7.1.1 chunk-ext", Body(b"hello", (5,))),
    case("ext-token-value", b"5;name=value\r\nhello\r\n" + END, "RFC 9112 §7.1.1", Body(b"hello", (5,))),
    case(
        "ext-bws",
        b"5 ; name = value\t;\tb\r\nhello\r\n" + END,
        "RFC 9112 §7.1.1 (BWS around ; and =)",
        Body(b"hello", (5,)),
    ),
    case(
        "ext-quoted",
        b'5;a="quoted \\" value; with=stuff\\\\"\r\nhello\r\n' + END,
        "RFC 9110 §5.6.4 quoted-string with quoted-pair",
        Body(b"hello", (5,)),
    ),
    case(
        "ext-quoted-empty-and-obs-text",
        b'5;a="";b="\xe9t\xe9"\r\nhello\r\n' + END,
        "RFC 9110 §5.6.4 (qdtext obs-text)",
        Body(b"hello", (5,)),
    ),
    case("ext-several", b'5;a;b=c;d="e";f\r\nhello\r\n' + END, "RFC 9112 §7.1.1", Body(b"hello", (5,))),
    case(
        "ext-on-last-chunk",
        b"5\r\nhello\r\n0;done=yes\r\n\r\n",
        "RFC 9112 §7.1 last-chunk [chunk-ext]",
        Body(b"hello", (5,)),
    ),
    case(
        "trailers",
        b"5\r\nhello\r\n0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Sum:  abc \r\n\r\n",
        "RFC 9112 §7.1.2 trailer section",
        Body(b"hello", (5,), ((b"Expires", b"Wed, 21 Oct 2015 07:28:00 GMT"), (b"X-Sum", b"abc"))),
    ),
    case(
        "trailer-bare-lf",
        b"0\r\nX-A: 1\nX-B: 2\n\n",
        "RFC 9112 §2.2 (trailer lines may end in LF, like head lines)",
        Body(b"", (), ((b"X-A", b"1"), (b"X-B", b"2"))),
    ),
    case("trailer-empty-value", b"0\r\nX-E:\r\n\r\n", "RFC 9110 §5.5", Body(b"", (), ((b"X-E", b""),))),
    case(
        "trailer-obs-fold",
        b"0\r\nX-A: 1 \r\n\t 2\r\n \r\nX-B: 3\n folded\n\n",
        "RFC 9112 §5.2, §7.1.2 (trailer fields are field lines: obs-fold becomes SP)",
        Body(b"", (), ((b"X-A", b"1   2"), (b"X-B", b"3 folded"))),
    ),
    case(
        "trailer-obs-fold-at-count-limit",
        b"0\r\nA: 1\r\n 2\r\n\r\n",
        "limit: max_headers counts physical lines, as in the head",
        Body(b"", (), ((b"A", b"1 2"),)),
        max_headers=2,
    ),
    case(
        "trailers-at-count-limit",
        b"0\r\nA: 1\r\nB: 2\r\n\r\n",
        "limit: max_headers trailer fields are fine",
        Body(b"", (), ((b"A", b"1"), (b"B", b"2"))),
        max_headers=2,
    ),
    case(
        "size-line-at-limit",
        b"5;abc=de\r\nhello\r\n" + END,
        "limit: max_line_size counts the line without CRLF",
        Body(b"hello", (5,)),
        max_line_size=8,
    ),
    case(
        "next-message-is-leftover",
        b"3\r\nabc\r\n" + END + b"HTTP/1.1 200 OK\r\n\r\n",
        "RFC 9112 §7.1 (the body ends after the trailer section)",
        Body(b"abc", (3,)),
        leftover=b"HTTP/1.1 200 OK\r\n\r\n",
    ),
    case(
        "many-small-chunks-capped",
        b"".join(b"1\r\n%c\r\n" % c for c in b"abcdefghij") + END,
        "max_pieces caps the items per feed call; the caller calls again",
        Body(b"abcdefghij", (1,) * 10),
        max_pieces=3,
    ),
    case("one-piece-per-call", b"3\r\nabc\r\n2\r\nde\r\n" + END, "max_pieces=1", Body(b"abcde", (3, 2)), max_pieces=1),
    # --- incomplete -------------------------------------------------------------------
    case("incomplete-in-data", b"a\r\nhello", "RFC 9112 §7.1", Body(b"hello", (), done=False)),
    case("incomplete-before-data-crlf", b"5\r\nhello", "RFC 9112 §7.1", Body(b"hello", (), done=False)),
    case("incomplete-in-size-line", b"5\r\nhello\r\n3", "RFC 9112 §7.1", Body(b"hello", (5,), done=False)),
    case("incomplete-in-trailers", b"0\r\nX-A: 1\r\n", "RFC 9112 §7.1.2", Body(b"", (), done=False)),
    case("incomplete-empty", b"", "trivial", Body(b"", (), done=False)),
    # --- chunk-size line errors -------------------------------------------------------
    case("size-bare-lf", b"5\nhello\r\n" + END, "RFC 9112 §7.1 (bare LF after chunk-size; smuggling)", NO_CRLF),
    case("size-bare-lf-last-chunk", b"0\n\r\n", "RFC 9112 §7.1 (bare LF after last-chunk)", NO_CRLF),
    case("size-lone-cr", b"5\rhello\r\n" + END, "RFC 9112 §2.2 (a bare CR is not a line end)", BAD_EXT),
    case("size-empty-line", b"\r\nhello\r\n", "RFC 9112 §7.1 (1*HEXDIG)", BAD_SIZE),
    case("size-not-hex", b"g\r\n", "RFC 5234 HEXDIG", BAD_SIZE),
    case("size-0x-prefix", b"0x5\r\nhello\r\n" + END, "RFC 5234 HEXDIG (no 0x; int(x, 16) accepts it)", BAD_EXT),
    case("size-negative", b"-5\r\nhello\r\n" + END, "RFC 9112 §7.1 (no sign)", BAD_SIZE),
    case("size-plus", b"+5\r\nhello\r\n" + END, "RFC 9112 §7.1 (no sign; int() accepts it)", BAD_SIZE),
    case("size-underscore", b"1_0\r\n", "int(x, 16) accepts '1_0'", BAD_EXT),
    case("size-leading-space", b" 5\r\nhello\r\n" + END, "RFC 9112 §7.1 (int() strips whitespace)", BAD_SIZE),
    case("size-trailing-space", b"5 \r\nhello\r\n" + END, "RFC 9112 §7.1.1 (BWS only before ';')", BAD_EXT),
    case(
        "size-arabic-indic-digit",
        "\u0665\r\nhello\r\n".encode() + END,
        "Unicode Nd digits (cf. werkzeug#2716)",
        BAD_SIZE,
    ),
    case("size-fullwidth-digit", "\uff15\r\nhello\r\n".encode() + END, "Unicode Nd digits", BAD_SIZE),
    case(
        "size-17-digits", b"00000000000000005\r\nhello\r\n" + END, "overflow guard: more than 16 hex digits", TOO_LARGE
    ),
    case("size-2-63", b"8000000000000000\r\n", "overflow guard: 0x8000000000000000 = 2**63", TOO_LARGE),
    case("size-2-64-minus-1", b"ffffffffffffffff\r\n", "overflow guard (wraps a uint64 to -1)", TOO_LARGE),
    case("size-2-64", b"10000000000000000\r\n", "overflow guard (wraps a uint64 to 0)", TOO_LARGE),
    # --- chunk-ext errors -------------------------------------------------------------
    case("ext-missing-name", b"5;\r\nhello\r\n" + END, "RFC 9112 §7.1.1 chunk-ext-name = token", BAD_EXT),
    case("ext-missing-name-before-eq", b"5;=v\r\nhello\r\n" + END, "RFC 9112 §7.1.1", BAD_EXT),
    case("ext-missing-value", b"5;a=\r\nhello\r\n" + END, "RFC 9112 §7.1.1 chunk-ext-val", BAD_EXT),
    case("ext-space-in-value", b"5;a=b c\r\nhello\r\n" + END, "RFC 9112 §7.1.1", BAD_EXT),
    case("ext-trailing-semicolon", b"5;a=b;\r\nhello\r\n" + END, "RFC 9112 §7.1.1", BAD_EXT),
    case("ext-trailing-space", b"5;a=b \r\nhello\r\n" + END, "RFC 9112 §7.1.1", BAD_EXT),
    case("ext-unterminated-quote", b'5;a="abc\r\nhello\r\n' + END, "RFC 9110 §5.6.4", BAD_EXT),
    case("ext-text-after-quote", b'5;a="x"y\r\nhello\r\n' + END, "RFC 9110 §5.6.4", BAD_EXT),
    case("ext-nul-in-quote", b'5;a="x\x00y"\r\nhello\r\n' + END, "RFC 9110 §5.6.4 qdtext", BAD_EXT),
    case("ext-nul-after-backslash", b'5;a="x\\\x00"\r\nhello\r\n' + END, "RFC 9110 §5.6.4 quoted-pair", BAD_EXT),
    case(
        "ext-lone-cr",
        b"5;a=b\rc\r\nhello\r\n" + END,
        "RFC 9112 §2.2 (bare CR in chunk-ext; aiohttp#9851 class)",
        BAD_EXT,
    ),
    case("ext-lf-in-quote", b'5;a="x\ny"\r\nhello\r\n' + END, "aiohttp#9851 (LF inside chunk-ext)", NO_CRLF),
    case("ext-del", b"5;a\x7f\r\nhello\r\n" + END, "RFC 9110 §5.6.2 tchar", BAD_EXT),
    case("ext-obs-text-in-token", b"5;\xe9\r\nhello\r\n" + END, "RFC 9110 §5.6.2 tchar", BAD_EXT),
    case(
        "size-letters-are-hex-digits",
        b"5a\r\n" + b"x" * 90,
        "RFC 5234 HEXDIG: '5a' is one chunk-size (90)",
        Body(b"x" * 90, (), done=False),
    ),
    case("ext-garbage-after-size", b"5 x\r\nhello\r\n" + END, "RFC 9112 §7.1.1", BAD_EXT),
    # --- chunk-data framing errors ----------------------------------------------------
    case("data-missing-crlf", b"5\r\nhelloX\r\n" + END, "RFC 9112 §7.1 (CRLF after chunk-data)", NO_DATA_CRLF),
    case("data-bare-lf", b"5\r\nhello\n" + END, "RFC 9112 §7.1 (bare LF after chunk-data; smuggling)", NO_DATA_CRLF),
    case("data-lone-cr", b"5\r\nhello\r" + END, "RFC 9112 §7.1 (lone CR after chunk-data)", NO_DATA_CRLF),
    case("data-longer-than-size", b"3\r\nhello\r\n" + END, "RFC 9112 §7.1 (size/data mismatch; desync)", NO_DATA_CRLF),
    # --- trailer errors ---------------------------------------------------------------
    case(
        "trailer-obs-fold-first-line",
        b"0\r\n folded: 1\r\n\r\n",
        "RFC 9112 §2.2, §5.2 (nothing to fold into)",
        BAD_TRAILER,
    ),
    case(
        "trailer-obs-fold-transfer-encoding",
        b"0\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
        "RFC 9112 §5.2, §6.3 (no fold in a framing field, trailers too)",
        Error(InvalidHeader, "obs-fold in Transfer-Encoding"),
    ),
    case(
        "trailer-obs-fold-bad-continuation",
        b"0\r\nX-A: 1\r\n 2\x00\r\n\r\n",
        "RFC 9110 §5.5",
        Error(InvalidHeader, "X-A: 1 2"),
    ),
    case(
        "trailer-obs-fold-too-long",
        b"0\r\nX-A: 12345\r\n 123456\r\n\r\n",
        "limit: the unfolded length (17) is over max_field_size",
        Error(LineTooLong, "(17) when reading response header"),
        max_field_size=16,
    ),
    case("trailer-ws-before-colon", b"0\r\nX-A : 1\r\n\r\n", "RFC 9112 §5.1", BAD_TRAILER),
    case("trailer-no-colon", b"0\r\nnot a field\r\n\r\n", "RFC 9112 §5.1", BAD_TRAILER),
    case("trailer-nul-in-value", b"0\r\nX-A: 1\x002\r\n\r\n", "RFC 9110 §5.5", BAD_TRAILER),
    case("trailer-lone-cr", b"0\r\nX-A: 1\r2\r\n\r\n", "RFC 9112 §2.2", BAD_TRAILER),
    case("trailer-cr-only-line", b"0\r\n\r\r\n\r\n", "RFC 9112 §2.2 (a CR CR LF line is not empty)", BAD_TRAILER),
    case(
        "too-many-trailers",
        b"0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        "limit: max_headers for trailer fields",
        Error(InvalidHeader, "too many trailer fields (more than 2)"),
        max_headers=2,
    ),
    # --- limits -----------------------------------------------------------------------
    case(
        "size-line-too-long",
        b"5;abcdefghijkl=mnop\r\nhello\r\n" + END,
        "limit: max_line_size",
        Error(LineTooLong, "when reading chunk-size line"),
        max_line_size=8,
    ),
    case(
        "size-line-too-long-unterminated",
        b"5" + b"0" * 40,
        "limit checked on a partial line",
        Error(LineTooLong, "when reading chunk-size line"),
        max_line_size=8,
    ),
    case(
        "trailer-line-too-long",
        b"0\r\nX-Long: " + b"v" * 40 + b"\r\n\r\n",
        "limit: max_field_size",
        Error(LineTooLong, "when reading trailer field"),
        max_field_size=16,
    ),
    case(
        "trailer-line-too-long-unterminated",
        b"0\r\nX-Long: " + b"v" * 40,
        "limit checked on a partial line",
        Error(LineTooLong, "when reading trailer field"),
        max_field_size=16,
    ),
]

_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), "duplicate vector ids"

BODY_CORPUS = {name: split_response(CORPUS[name])[1] for name in ("10-chunk", "1MiB-chunked")}
