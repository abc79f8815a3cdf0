# cython: language_level=3
# Declaration-only helpers shared by the compiled twins (cimport _tables).
#
# Byte classes of the HTTP grammar as 256-entry lookup tables, the field-value scan,
# and the field-line splitter the head parser and the chunked decoder (trailers) share.  The grammar is the one
# written down (as regexes) in aiohttp_client/_fields.py and _chunked_py.py; the
# shared vectors and tests/test_twins_agree.py (every byte value in every position)
# hold the two spellings together.
#
# No module is named "_tables", so Cython never mistakes this file for a module's own
# declaration file (DESIGN.md, "Own .pxd files are silently ignored"); it creates no
# runtime import.  The tables are `static` C arrays: each module that cimports this
# file gets its own copy and fills it once, at import, with acl_init_tables().

from cpython.mem cimport PyMem_Realloc
from libc.string cimport memchr, memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* Byte-class bits (RFC 9110 §5.5, §5.6.2, §5.6.4). */
    /* A branch the compiler should lay out as the cold one (a raise is, by itself). */
    #define acl_unlikely(x) __builtin_expect(!!(x), 0)

    #define ACL_TCHAR   0x01  /* tchar: a token byte */
    #define ACL_VALUE   0x02  /* field-content / reason-phrase byte: HTAB, SP, VCHAR, obs-text */
    #define ACL_QDTEXT  0x04  /* qdtext: HTAB, SP, %x21, %x23-5B, %x5D-7E, obs-text */
    #define ACL_QPAIR   0x08  /* the byte after a backslash: HTAB, SP, VCHAR, obs-text */
    #define ACL_WS      0x10  /* SP or HTAB (OWS/BWS) */

    static unsigned char acl_class[256];
    /* Hex digit value, or 0xff for a byte that is not an ASCII HEXDIG. */
    static unsigned char acl_hexval[256];

    static void acl_init_tables(void) {
        static const char tchars[] = "!#$%&'*+-.^_`|~";
        const char *t;
        int c;
        for (c = 0; c < 256; c++) {
            unsigned char cls = 0;
            if (c == 0x09 || (c >= 0x20 && c <= 0x7e) || c >= 0x80) {
                cls |= ACL_VALUE | ACL_QPAIR;
            }
            if (c == 0x09 || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b)
                    || (c >= 0x5d && c <= 0x7e) || c >= 0x80) {
                cls |= ACL_QDTEXT;
            }
            if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
                cls |= ACL_TCHAR;
            }
            if (c == ' ' || c == 0x09) {
                cls |= ACL_WS;
            }
            acl_class[c] = cls;
            acl_hexval[c] = 0xff;
        }
        for (t = tchars; *t; t++) {
            acl_class[(unsigned char)*t] |= ACL_TCHAR;
        }
        for (c = 0; c < 10; c++) {
            acl_hexval['0' + c] = (unsigned char)c;
        }
        for (c = 0; c < 6; c++) {
            acl_hexval['a' + c] = (unsigned char)(10 + c);
            acl_hexval['A' + c] = (unsigned char)(10 + c);
        }
    }

    /* Length of the leading run of ACL_VALUE bytes in p[:n]; ORs every byte of the
       run into *high, so (*high & 0x80) tells whether it holds obs-text.  Eight bytes
       at a time while no byte is below 0x20 or equal to 0x7f (exact SWAR tests, Bit
       Twiddling Hacks "hasless"/"haszero"); the table finishes the job, HTAB included.
       Words are loaded with memcpy: no unaligned or type-punned access. */
    #define ACL_ONES 0x0101010101010101ULL
    #define ACL_HIGHS 0x8080808080808080ULL
    static inline Py_ssize_t acl_scan_value(const unsigned char *p, Py_ssize_t n,
                                            unsigned char *high) {
        Py_ssize_t i = 0;
        uint64_t w, d, seen = 0;
        unsigned char acc = *high;
        while (i + 8 <= n) {
            memcpy(&w, p + i, 8);
            d = w ^ (ACL_ONES * 0x7f);
            if (((w - ACL_ONES * 0x20) & ~w & ACL_HIGHS) | ((d - ACL_ONES) & ~d & ACL_HIGHS)) {
                break;
            }
            seen |= w;
            i += 8;
        }
        if (seen & ACL_HIGHS) {
            acc |= 0x80;
        }
        for (; i < n; i++) {
            if (!(acl_class[p[i]] & ACL_VALUE)) {
                break;
            }
            acc |= p[i];
        }
        *high = acc;
        return i;
    }
    """
    unsigned char ACL_TCHAR
    unsigned char ACL_VALUE
    unsigned char ACL_QDTEXT
    unsigned char ACL_QPAIR
    unsigned char ACL_WS
    unsigned char acl_class[256]
    unsigned char acl_hexval[256]
    void acl_init_tables() noexcept nogil
    bint acl_unlikely(bint condition) noexcept nogil
    Py_ssize_t scan_value "acl_scan_value" (const unsigned char* p, Py_ssize_t n,
                                            unsigned char* high) noexcept nogil


cdef inline const unsigned char* find_lf(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """``memchr(p, LF, n)``; short spans are scanned inline, which beats the call."""
    cdef Py_ssize_t i
    if n >= 32:
        return <const unsigned char*>memchr(p, 10, <size_t>n)
    for i in range(n):
        if p[i] == 10:
            return p + i
    return NULL


cdef inline Py_ssize_t parse_field_line(const unsigned char* p, Py_ssize_t pos, Py_ssize_t n,
                                        Py_ssize_t* line_end, Py_ssize_t* line_len,
                                        Py_ssize_t* value_start, Py_ssize_t* value_end,
                                        unsigned char* high) noexcept nogil:
    """Find and split the field line starting at ``p[pos]`` (RFC 9112 §5.1).

    The line ends at the next LF or at *n*.  Sets ``line_end`` (offset of that LF, or
    *n*) and ``line_len`` (the line's length without its LF and without one CR before
    it), the same line ``_fields.parse_field_line`` is given.  Returns the field-name
    length (> 0) and sets ``p[value_start[0]:value_end[0]]`` to the field-value
    without leading/trailing SP/HTAB; returns -1 when the line has no colon, a name
    that is not a token (this covers obs-fold and whitespace before the colon) or a
    control byte other than HTAB in the value (a bare CR included).  The length limit
    is the caller's: it must be checked first, as the Python twin does.

    A valid line is scanned once: the value scan stops at the CR or LF that ends it.
    """
    cdef Py_ssize_t i = pos
    cdef Py_ssize_t vs, j
    cdef const unsigned char* q
    while i < n and (acl_class[p[i]] & ACL_TCHAR):
        i += 1
    if i > pos and i < n and p[i] == 58:  # b":"
        vs = i + 1
        while vs < n and (acl_class[p[vs]] & ACL_WS):
            vs += 1
        high[0] = 0
        j = vs + scan_value(p + vs, n - vs, high)
        if j == n or p[j] == 10 or (p[j] == 13 and (j + 1 == n or p[j + 1] == 10)):
            line_end[0] = j if (j == n or p[j] == 10) else j + 1
            line_len[0] = j - pos
            while j > vs and (acl_class[p[j - 1]] & ACL_WS):
                j -= 1
            value_start[0] = vs
            value_end[0] = j
            return i - pos
    # Invalid: still report where the line ends, for the length check and the message.
    q = find_lf(p + i, n - i)
    j = n if q == NULL else q - p
    line_end[0] = j
    if j > pos and p[j - 1] == 13:
        j -= 1
    line_len[0] = j - pos
    return -1


cdef inline unsigned char* grow_buffer(unsigned char* buf, Py_ssize_t* cap, Py_ssize_t need,
                                       Py_ssize_t minimum) except NULL:
    """Make room for *need* bytes in *buf* (capacity ``cap[0]``), at least doubling and
    at least *minimum*; return the (possibly moved) buffer and update ``cap[0]``.
    The caller owns the buffer and stores the result.  Raises MemoryError."""
    cdef Py_ssize_t new_cap
    cdef unsigned char* grown
    if need <= cap[0] and buf != NULL:
        return buf
    new_cap = max(cap[0] * 2, need, minimum)
    grown = <unsigned char*>PyMem_Realloc(buf, <size_t>new_cap)
    if grown == NULL:
        raise MemoryError()
    cap[0] = new_cap
    return grown


cdef inline Py_ssize_t fold_line(unsigned char* buf, Py_ssize_t n, const unsigned char* cont,
                                 Py_ssize_t m) noexcept nogil:
    """Continue the field line ``buf[:n]`` with the continuation line ``cont[:m]``
    (obs-fold, RFC 9112 §5.2; both without line endings): the whitespace around the
    removed line ending becomes as many SP (``_fields.fold``).  *buf* must have room
    for ``n + m`` bytes; returns ``n + m``, the new length."""
    cdef Py_ssize_t t = n, lead = 0, k
    while t > 0 and (acl_class[buf[t - 1]] & ACL_WS):
        t -= 1
    while lead < m and (acl_class[cont[lead]] & ACL_WS):
        lead += 1
    for k in range(t, n + lead):
        buf[k] = 32
    if m > lead:
        memcpy(buf + n + lead, cont + lead, <size_t>(m - lead))
    return n + m


cdef inline bint is_framing_name(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """Whether ``p[:n]`` is ``Content-Length`` or ``Transfer-Encoding``, ASCII case
    ignored (the fields in which ``_fields`` refuses obs-fold)."""
    cdef const char* want
    cdef Py_ssize_t i
    cdef unsigned char c
    if n == 14:
        want = b"content-length"
    elif n == 17:
        want = b"transfer-encoding"
    else:
        return False
    for i in range(n):
        c = p[i]
        if 65 <= c <= 90:
            c += 32
        if c != <unsigned char>want[i]:
            return False
    return True
