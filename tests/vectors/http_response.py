"""Response-head vectors (status-line + field lines, RFC 9112 §2-§5) for ``HeadParser``.

Each error case has exactly one defect, so the expected class does not depend on how
the bytes are split.  Limits are lowered through ``limits`` to keep the wire short.
"""

from aiohttp_client.http_exceptions import BadStatusLine, InvalidHeader, LineTooLong

from . import CORPUS, INCOMPLETE, Error, Head, case, split_response

__all__ = ("CASES", "CORPUS")

OK = b"HTTP/1.1 200 OK\r\n"
V11 = (1, 1)


def _ok(*fields: bytes) -> bytes:
    return OK + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


def _bad_field(line: bytes) -> Error:
    """InvalidHeader; with *line*, its message must quote that line."""
    if not line:
        return Error(InvalidHeader, "Invalid HTTP header")
    return Error(InvalidHeader, "Invalid HTTP header: {!r}".format(line.decode("utf-8", "surrogateescape")))


BAD_STATUS = Error(BadStatusLine, "Bad status line")

CASES = [
    # --- well-formed heads -----------------------------------------------------------
    case("minimal", OK + b"\r\n", "RFC 9112 §4", Head(V11, 200, "OK")),
    case(
        "bare-lf-everywhere",
        b"HTTP/1.1 200 OK\nServer: x\n\n",
        "RFC 9112 §2.2 (a bare LF may end a line)",
        Head(V11, 200, "OK", ((b"Server", b"x"),)),
    ),
    case(
        "mixed-line-endings",
        b"HTTP/1.1 200 OK\nA: 1\r\nB: 2\n\r\n",
        "RFC 9112 §2.2",
        Head(V11, 200, "OK", ((b"A", b"1"), (b"B", b"2"))),
    ),
    case(
        "end-lf-crlf",
        b"HTTP/1.1 200 OK\r\nA: 1\n\r\nbody",
        "RFC 9112 §2.2: LF CR LF ends the head",
        Head(V11, 200, "OK", ((b"A", b"1"),)),
        leftover=b"body",
    ),
    case(
        "fields-ows-trimmed",
        _ok(b"Content-Type: \t text/html \t", b"X-A:b", b"X-B:   c d   "),
        "RFC 9110 §5.5 (OWS around field-value is not part of it)",
        Head(V11, 200, "OK", ((b"Content-Type", b"text/html"), (b"X-A", b"b"), (b"X-B", b"c d"))),
    ),
    case(
        "empty-values",
        _ok(b"X-Empty:", b"X-Blank:  \t "),
        "RFC 9110 §5.5 (field-value = *field-content)",
        Head(V11, 200, "OK", ((b"X-Empty", b""), (b"X-Blank", b""))),
    ),
    case(
        "htab-inside-value",
        _ok(b"X-Tab: a\tb"),
        "RFC 9110 §5.5 (HTAB is field-content)",
        Head(V11, 200, "OK", ((b"X-Tab", b"a\tb"),)),
    ),
    case(
        "colon-in-value",
        _ok(b"Location: http://example.com:8080/a:b"),
        "RFC 9112 §5.1 (first colon splits)",
        Head(V11, 200, "OK", ((b"Location", b"http://example.com:8080/a:b"),)),
    ),
    case(
        "name-case-kept",
        _ok(b"content-TYPE: a", b"X-MiXeD: b"),
        "RFC 9110 §5.1 (names are case-insensitive; raw spelling kept)",
        Head(V11, 200, "OK", ((b"content-TYPE", b"a"), (b"X-MiXeD", b"b"))),
    ),
    case(
        "all-tchar-name",
        _ok(b"!#$%&'*+-.^_`|~09AZaz: v"),
        "RFC 9110 §5.6.2 tchar",
        Head(V11, 200, "OK", ((b"!#$%&'*+-.^_`|~09AZaz", b"v"),)),
    ),
    case(
        "repeated-fields-order",
        _ok(b"Set-Cookie: a=1", b"Vary: Accept", b"Set-Cookie: b=2", b"set-cookie: c=3"),
        "RFC 9110 §5.3 (order of repeated fields is kept)",
        Head(
            V11,
            200,
            "OK",
            ((b"Set-Cookie", b"a=1"), (b"Vary", b"Accept"), (b"Set-Cookie", b"b=2"), (b"set-cookie", b"c=3")),
        ),
    ),
    case(
        "value-obs-text-utf8",
        _ok(b"X-Name: caf\xc3\xa9 \xe2\x82\xac"),
        "RFC 9110 §5.5 obs-text (decoded as UTF-8)",
        Head(V11, 200, "OK", ((b"X-Name", b"caf\xc3\xa9 \xe2\x82\xac"),), (("X-Name", "caf\u00e9 \u20ac"),)),
    ),
    case(
        "value-obs-text-not-utf8",
        _ok(b"X-Latin1: \xe9t\xe9 \xff"),
        "RFC 9110 §5.5 obs-text (surrogateescape keeps bytes)",
        Head(V11, 200, "OK", ((b"X-Latin1", b"\xe9t\xe9 \xff"),), (("X-Latin1", "\udce9t\udce9 \udcff"),)),
    ),
    case(
        "value-vchar-and-space",
        _ok(b"X-All: !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"),
        "RFC 9110 §5.5 VCHAR",
        Head(V11, 200, "OK", ((b"X-All", b"!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"),)),
    ),
    case(
        "reason-empty-after-sp", b"HTTP/1.1 200 \r\n\r\n", "RFC 9112 §4 (reason-phrase is optional)", Head(V11, 200, "")
    ),
    case(
        "reason-missing-no-sp",
        b"HTTP/1.1 204\r\n\r\n",
        "lenient like common clients: SP before an empty reason may be missing",
        Head(V11, 204, ""),
    ),
    case(
        "reason-with-spaces-and-tab",
        b"HTTP/1.1 404  Not\tFound \r\n\r\n",
        "RFC 9112 §4 reason-phrase (HTAB / SP / VCHAR)",
        Head(V11, 404, " Not\tFound "),
    ),
    case(
        "reason-obs-text",
        b"HTTP/1.1 200 D\xc3\xa9j\xc3\xa0 vu\r\n\r\n",
        "RFC 9112 §4 reason-phrase obs-text",
        Head(V11, 200, "D\u00e9j\u00e0 vu"),
    ),
    case(
        "http10",
        b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\n",
        "RFC 9112 §2.3",
        Head((1, 0), 200, "OK", ((b"Server", b"old"),)),
    ),
    case(
        "http-other-version",
        b"HTTP/2.0 200 OK\r\n\r\n",
        "RFC 9112 §2.3 (HTTP-version = HTTP/DIGIT.DIGIT)",
        Head((2, 0), 200, "OK"),
    ),
    case("http09-version-form", b"HTTP/0.9 200 OK\r\n\r\n", "RFC 9112 §2.3", Head((0, 9), 200, "OK")),
    case(
        "status-100-then-final",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
        "RFC 9110 §15.2 (interim response; the next head is leftover)",
        Head(V11, 100, "Continue"),
        leftover=b"HTTP/1.1 200 OK\r\n\r\n",
    ),
    case(
        "body-is-leftover",
        _ok(b"Content-Length: 5") + b"hello",
        "RFC 9112 §6 (the body follows the empty line)",
        Head(V11, 200, "OK", ((b"Content-Length", b"5"),)),
        leftover=b"hello",
    ),
    case(
        "body-starting-with-crlf",
        _ok(b"Content-Length: 4") + b"\r\n\r\n",
        "RFC 9112 §2.1 (the first empty line ends the head)",
        Head(V11, 200, "OK", ((b"Content-Length", b"4"),)),
        leftover=b"\r\n\r\n",
    ),
    case(
        "status-codes-3-digits",
        b"HTTP/1.1 599 Custom\r\n\r\n",
        "RFC 9110 §15 (status-code = 3DIGIT)",
        Head(V11, 599, "Custom"),
    ),
    case("status-999", b"HTTP/1.1 999 X\r\n\r\n", "RFC 9112 §4 status-code = 3DIGIT", Head(V11, 999, "X")),
    case(
        "status-100",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        "RFC 9110 §15.2 (the lowest valid code)",
        Head(V11, 100, "Continue"),
    ),
    case(
        "field-line-at-limit",
        _ok(b"X-Long: " + b"v" * 12),
        "limit: max_field_size counts the line without CRLF",
        Head(V11, 200, "OK", ((b"X-Long", b"v" * 12),)),
        max_field_size=20,
    ),
    case(
        "status-line-at-limit",
        b"HTTP/1.1 200 " + b"r" * 7 + b"\r\n\r\n",
        "limit: max_line_size counts the line without CRLF",
        Head(V11, 200, "r" * 7),
        max_line_size=20,
    ),
    case(
        "fields-at-count-limit",
        _ok(*(b"X-%d: v" % i for i in range(3))),
        "limit: max_headers fields are fine",
        Head(V11, 200, "OK", tuple((b"X-%d" % i, b"v") for i in range(3))),
        max_headers=3,
    ),
    case(
        "default-count-limit-128",
        _ok(*(b"X-%d: v" % i for i in range(128))),
        "aiohttp default max_headers=128",
        Head(V11, 200, "OK", tuple((b"X-%d" % i, b"v") for i in range(128))),
    ),
    # --- incomplete -------------------------------------------------------------------
    case(
        "incomplete-no-empty-line",
        OK + b"Server: x\r\n",
        "RFC 9112 §2.1 (the head ends only at an empty line)",
        INCOMPLETE,
    ),
    case("incomplete-cr-of-empty-line", OK + b"\r", "RFC 9112 §2.1", INCOMPLETE),
    case(
        "lone-cr-is-not-a-line-end",
        b"HTTP/1.1 200 OK\rServer: x\r\r",
        "RFC 9112 §2.2 (a bare CR ends no line)",
        INCOMPLETE,
    ),
    case("incomplete-empty", b"", "trivial", INCOMPLETE),
    # --- status-line errors -----------------------------------------------------------
    case(
        "status-lowercase-http", b"http/1.1 200 OK\r\n\r\n", "RFC 9112 §2.3 (HTTP-name is case-sensitive)", BAD_STATUS
    ),
    case("status-icy", b"ICY 200 OK\r\n\r\n", "RFC 9112 §2.3 (SHOUTcast is not HTTP)", BAD_STATUS),
    case("status-two-digits", b"HTTP/1.1 20 OK\r\n\r\n", "RFC 9112 §4 status-code = 3DIGIT", BAD_STATUS),
    case("status-four-digits", b"HTTP/1.1 2000 OK\r\n\r\n", "RFC 9112 §4 status-code = 3DIGIT", BAD_STATUS),
    case("status-sign", b"HTTP/1.1 +20 OK\r\n\r\n", "RFC 9112 §4 (DIGIT only)", BAD_STATUS),
    case(
        "status-arabic-indic-digits",
        "HTTP/1.1 \u0662\u0660\u0660 OK\r\n\r\n".encode(),
        "Unicode Nd digits, which int() accepts (cf. werkzeug#2716, aiohttp#11887)",
        BAD_STATUS,
    ),
    case("status-fullwidth-digits", "HTTP/1.1 \uff12\uff10\uff10 OK\r\n\r\n".encode(), "Unicode digits", BAD_STATUS),
    case(
        "status-superscript-digit",
        "HTTP/1.1 \u00b200 OK\r\n\r\n".encode(),
        "Unicode digits (str.isdigit() is True)",
        BAD_STATUS,
    ),
    case("status-missing", b"HTTP/1.1 \r\n\r\n", "RFC 9112 §4", BAD_STATUS),
    case(
        "status-below-100",
        b"HTTP/1.1 099 X\r\n\r\n",
        "RFC 9110 §15 (no class 0xx; aiohttp 3.14 accepts it)",
        BAD_STATUS,
    ),
    case("status-000", b"HTTP/1.1 000 X\r\n\r\n", "RFC 9110 §15 (no class 0xx)", BAD_STATUS),
    case("status-tab-separator", b"HTTP/1.1\t200 OK\r\n\r\n", "RFC 9112 §4 (exactly one SP)", BAD_STATUS),
    case("status-two-spaces", b"HTTP/1.1  200 OK\r\n\r\n", "RFC 9112 §4 (exactly one SP)", BAD_STATUS),
    case("status-leading-space", b" HTTP/1.1 200 OK\r\n\r\n", "RFC 9112 §4", BAD_STATUS),
    case("status-text-after-code", b"HTTP/1.1 200OK\r\n\r\n", "RFC 9112 §4 (SP after status-code)", BAD_STATUS),
    case("version-two-digit-major", b"HTTP/10.1 200 OK\r\n\r\n", "RFC 9112 §2.3 (single DIGIT)", BAD_STATUS),
    case("version-missing-minor", b"HTTP/1 200 OK\r\n\r\n", "RFC 9112 §2.3", BAD_STATUS),
    case("version-unicode-digit", "HTTP/\uff11.1 200 OK\r\n\r\n".encode(), "RFC 9112 §2.3 (ASCII DIGIT)", BAD_STATUS),
    case("version-comma", b"HTTP/1,1 200 OK\r\n\r\n", "RFC 9112 §2.3", BAD_STATUS),
    case(
        "empty-first-line",
        b"\r\nHTTP/1.1 200 OK\r\n\r\n",
        "RFC 9112 §2.2 (only servers skip a leading CRLF)",
        BAD_STATUS,
    ),
    case("empty-head", b"\r\n\r\n", "RFC 9112 §4", BAD_STATUS),
    case("empty-head-lf", b"\n\n", "RFC 9112 §4", BAD_STATUS),
    case("reason-nul", b"HTTP/1.1 200 O\x00K\r\n\r\n", "RFC 9112 §4 reason-phrase (no CTL)", BAD_STATUS),
    case("reason-lone-cr", b"HTTP/1.1 200 O\rK\r\n\r\n", "RFC 9112 §2.2 (a bare CR is an error)", BAD_STATUS),
    case(
        "reason-cr-cr-lf",
        b"HTTP/1.1 200 OK\r\r\n\r\n",
        "RFC 9112 §2.2 (one CR belongs to the line end, the other is bare)",
        BAD_STATUS,
    ),
    case("reason-del", b"HTTP/1.1 200 O\x7fK\r\n\r\n", "RFC 9112 §4 reason-phrase (no DEL)", BAD_STATUS),
    case("reason-escape", b"HTTP/1.1 200 \x1b[31mOK\r\n\r\n", "RFC 9112 §4 reason-phrase (no CTL)", BAD_STATUS),
    case("status-line-nul-before-code", b"HTTP/1.1\x00200 OK\r\n\r\n", "RFC 9112 §4", BAD_STATUS),
    # --- field-line errors ------------------------------------------------------------
    # --- obs-fold (RFC 9112 §5.2: a user agent replaces each with SP) ------------------
    case(
        "field-obs-fold-sp",
        _ok(b"X-A: a", b" folded"),
        "RFC 9112 §5.2 (aiohttp 3.14.5: 'a folded')",
        Head(V11, 200, "OK", ((b"X-A", b"a folded"),)),
    ),
    case(
        "field-obs-fold-htab",
        _ok(b"X-A: a", b"\tfolded"),
        "RFC 9112 §5.2 (SP, where aiohttp keeps the HTAB)",
        Head(V11, 200, "OK", ((b"X-A", b"a folded"),)),
    ),
    case(
        "field-obs-fold-several",
        _ok(b"X-A: a  ", b"   b  ", b"\t\tc", b"Y: 1"),
        "RFC 9112 §5.2 (the whitespace around each fold becomes as many SP)",
        Head(V11, 200, "OK", ((b"X-A", b"a     b    c"), (b"Y", b"1"))),
    ),
    case(
        "field-obs-fold-empty-first-value",
        _ok(b"X-A:", b" b"),
        "RFC 9112 §5.2 (aiohttp 3.14.5: 'b')",
        Head(V11, 200, "OK", ((b"X-A", b"b"),)),
    ),
    case(
        "field-obs-fold-blank-continuation",
        _ok(b"X-A: a", b" \t", b"Y: z"),
        "RFC 9112 §5.2 (OWS around the value is not part of it)",
        Head(V11, 200, "OK", ((b"X-A", b"a"), (b"Y", b"z"))),
    ),
    case(
        "field-obs-fold-bare-lf",
        b"HTTP/1.1 200 OK\nX-A: a\n b\nY: c\n\n",
        "RFC 9112 §2.2, §5.2 (a bare LF ends the folded line too)",
        Head(V11, 200, "OK", ((b"X-A", b"a b"), (b"Y", b"c"))),
    ),
    case(
        "field-obs-fold-obs-text",
        _ok(b"X-A: caf\xc3\xa9", b" \xe2\x82\xac"),
        "RFC 9112 §5.2, RFC 9110 §5.5 obs-text",
        Head(V11, 200, "OK", ((b"X-A", b"caf\xc3\xa9 \xe2\x82\xac"),), (("X-A", "caf\u00e9 \u20ac"),)),
    ),
    case(
        "field-obs-fold-long-name",
        _ok(b"X-" + b"n" * 40 + b": a", b" b"),
        "RFC 9112 §5.2 (a name the compiled twin does not cache)",
        Head(V11, 200, "OK", ((b"X-" + b"n" * 40, b"a b"),)),
    ),
    case(
        "field-obs-fold-at-limit",
        _ok(b"X-A: " + b"v" * 8, b" " + b"w" * 6),
        "limit: a folded field counts its unfolded length (20) against max_field_size",
        Head(V11, 200, "OK", ((b"X-A", b"v" * 8 + b" " + b"w" * 6),)),
        max_field_size=20,
    ),
    case(
        "field-obs-fold-too-long",
        _ok(b"X-A: " + b"v" * 8, b" " + b"w" * 7),
        "limit: the unfolded length (21) is over max_field_size",
        Error(LineTooLong, "(21) when reading response header"),
        max_field_size=20,
    ),
    case(
        "field-obs-fold-then-ctl",
        _ok(b"X-A: a", b" b\x01"),
        "RFC 9110 §5.5 (the continuation is field-content too)",
        _bad_field(b"X-A: a b\x01"),
    ),
    case(
        "field-obs-fold-bare-cr",
        OK + b"X-A: a\r\n b\r\r\n\r\n",
        "RFC 9112 §2.2 (a bare CR in a continuation line)",
        _bad_field(b"X-A: a b\r"),
    ),
    case(
        "field-obs-fold-of-bad-line",
        _ok(b"X(a): b", b" c"),
        "RFC 9110 §5.6.2 (the unfolded line is quoted)",
        _bad_field(b"X(a): b c"),
    ),
    case(
        "field-obs-fold-transfer-encoding",
        _ok(b"Transfer-Encoding: gzip", b" , chunked"),
        "RFC 9112 §6.3, §11.2: no fold in a framing field (aiohttp's twins disagree on it)",
        Error(InvalidHeader, "obs-fold in Transfer-Encoding"),
    ),
    case(
        "field-obs-fold-content-length",
        _ok(b"content-LENGTH:", b" 5"),
        "RFC 9112 §6.3, §11.2: no fold in a framing field",
        Error(InvalidHeader, "obs-fold in content-LENGTH"),
    ),
    case(
        "field-ws-before-first-field",
        _ok(b" X-A: a"),
        "RFC 9112 §2.2 (whitespace after the start-line: rejected)",
        _bad_field(b" X-A: a"),
    ),
    case(
        "field-ws-before-first-field-then-fold",
        _ok(b"\tX-A: a", b" b"),
        "RFC 9112 §2.2 (nothing to fold the first line into)",
        _bad_field(b"\tX-A: a"),
    ),
    case(
        "field-ws-before-colon",
        _ok(b"Content-Length : 5"),
        "RFC 9112 §5.1 (no whitespace before the colon; smuggling)",
        _bad_field(b"Content-Length : 5"),
    ),
    case("field-htab-before-colon", _ok(b"Transfer-Encoding\t: chunked"), "RFC 9112 §5.1", _bad_field(b"")),
    case("field-no-colon", _ok(b"NoColonHere"), "RFC 9112 §5.1", _bad_field(b"NoColonHere")),
    case("field-empty-name", _ok(b": value"), "RFC 9110 §5.1 (field-name = token, 1*tchar)", _bad_field(b": value")),
    case("field-name-paren", _ok(b"X(a): b"), "RFC 9110 §5.6.2 (not a tchar)", _bad_field(b"")),
    case("field-name-slash", _ok(b"X/a: b"), "RFC 9110 §5.6.2", _bad_field(b"")),
    case("field-name-quote", _ok(b'X"a: b'), "RFC 9110 §5.6.2", _bad_field(b"")),
    case("field-name-non-ascii", _ok(b"X-\xc3\xa4: b"), "RFC 9110 §5.6.2 (tchar is ASCII)", _bad_field(b"")),
    case("field-name-nul", _ok(b"X\x00A: b"), "RFC 9110 §5.6.2", _bad_field(b"")),
    case("field-name-del", _ok(b"X\x7f: b"), "RFC 9110 §5.6.2", _bad_field(b"")),
    case("field-value-nul", _ok(b"X-A: a\x00b"), "RFC 9110 §5.5 (NUL must be rejected)", _bad_field(b"")),
    case("field-value-ctl", _ok(b"X-A: a\x01b"), "RFC 9110 §5.5 (CTL other than HTAB)", _bad_field(b"")),
    case("field-value-esc", _ok(b"X-A: \x1b[0m"), "RFC 9110 §5.5", _bad_field(b"")),
    case("field-value-del", _ok(b"X-A: a\x7f"), "RFC 9110 §5.5 (DEL is not VCHAR)", _bad_field(b"")),
    case("field-value-lone-cr", _ok(b"X-A: a\rb"), "RFC 9112 §2.2 (a bare CR is an error)", _bad_field(b"")),
    case("field-value-cr-cr-lf", _ok(b"X-A: a\r"), "RFC 9112 §2.2 (second CR is bare)", _bad_field(b"")),
    case(
        "field-lone-cr-line",
        OK + b"X-A: a\r\n\r\r\n\r\n",
        "RFC 9112 §2.2 (a CR-only line is not the empty line)",
        _bad_field(b"\r"),
    ),
    case("field-vertical-tab", _ok(b"X-A: a\x0bb"), "RFC 9110 §5.5", _bad_field(b"")),
    case("field-form-feed", _ok(b"X-A: a\x0cb"), "RFC 9110 §5.5", _bad_field(b"")),
    # --- limits -----------------------------------------------------------------------
    case(
        "too-many-fields",
        _ok(*(b"X-%d: v" % i for i in range(4))),
        "limit: max_headers",
        Error(InvalidHeader, "too many headers (more than 3)"),
        max_headers=3,
    ),
    case(
        "too-many-fields-default",
        _ok(*(b"X-%d: v" % i for i in range(129))),
        "aiohttp default max_headers=128",
        Error(InvalidHeader, "too many headers (more than 128)"),
    ),
    case(
        "too-many-fields-unterminated",
        OK + b"".join(b"X-%d: v\r\n" % i for i in range(6)),
        "limit checked on a partial head",
        Error(InvalidHeader, "too many headers"),
        max_headers=3,
    ),
    case(
        "field-line-too-long",
        _ok(b"X-Long: " + b"v" * 40),
        "limit: max_field_size",
        Error(LineTooLong, "when reading response header"),
        max_field_size=20,
    ),
    case(
        "field-line-too-long-unterminated",
        OK + b"X-Long: " + b"v" * 40,
        "limit checked on a partial line",
        Error(LineTooLong, "when reading response header"),
        max_field_size=20,
    ),
    case(
        "status-line-too-long",
        b"HTTP/1.1 200 " + b"r" * 40 + b"\r\n\r\n",
        "limit: max_line_size",
        Error(LineTooLong, "when reading status line"),
        max_line_size=20,
    ),
    case(
        "status-line-too-long-unterminated",
        b"HTTP/1.1 200 " + b"r" * 40,
        "limit checked on a partial line",
        Error(LineTooLong, "when reading status line"),
        max_line_size=20,
    ),
    case(
        "field-line-too-long-default",
        _ok(b"X-Big: " + b"v" * 9000),
        "aiohttp default max_field_size=8190",
        Error(LineTooLong, "Got more than 8190 bytes"),
    ),
]

_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), "duplicate vector ids"

# The realistic responses are vectors too: the head, with the body as leftover.
for _name in ("10-field", "30-field-set-cookie"):
    _head, _body = split_response(CORPUS[_name])
    _lines = _head[:-4].split(b"\r\n")
    _raw = tuple(tuple(line.split(b": ", 1)) for line in _lines[1:])
    CASES.append(case("corpus-" + _name, CORPUS[_name], "realistic corpus", Head(V11, 200, "OK", _raw), leftover=_body))
