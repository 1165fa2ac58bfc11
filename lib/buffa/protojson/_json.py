# buffa.protojson: JSON text itself. The tokenizer (Tok) the decoder
# builds on, and the conversions of JSON scalars to field values: exact
# integers with range checks, float32 rounding, base64 in both alphabets.
import binascii
import struct
from buffa import wire
from buffa.protojson import Fail

try:
    from micropython import const
except ImportError:

    def const(x):
        return x

_INT64 = const(3)
_UINT64 = const(4)
_INT32 = const(5)
_FIXED64 = const(6)
_FIXED32 = const(7)
_BOOL = const(8)
_STRING = const(9)
_UINT32 = const(13)
_ENUM = const(14)
_SFIXED32 = const(15)
_SFIXED64 = const(16)
_SINT32 = const(17)
_SINT64 = const(18)

_INF = float("inf")

_I32 = (-0x80000000, 0x7FFFFFFF)
_U32 = (0, 0xFFFFFFFF)
_I64 = (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF)
_U64 = (0, 0xFFFFFFFFFFFFFFFF)
_LIMITS = {
    _INT32: _I32,
    _SINT32: _I32,
    _SFIXED32: _I32,
    _ENUM: _I32,
    _UINT32: _U32,
    _FIXED32: _U32,
    _INT64: _I64,
    _SINT64: _I64,
    _SFIXED64: _I64,
    _UINT64: _U64,
    _FIXED64: _U64,
}


def _int_of(t):
    # The exact integer a JSON number token (a str) stands for; None if it
    # has a fractional part or is far beyond any 64-bit range.
    e = 0
    i = t.find("e")
    if i < 0:
        i = t.find("E")
    if i >= 0:
        e = int(t[i + 1 :])
        t = t[:i]
    i = t.find(".")
    if i >= 0:
        f = t[i + 1 :].rstrip("0")
        t = t[:i] + f
        e -= len(f)
    neg = t[0] == "-"
    if neg:
        t = t[1:]
    t = t.lstrip("0")
    if not t:
        return 0
    if len(t) + e > 21:
        return None
    if e < 0:
        if -e >= len(t) or t[e:].rstrip("0"):
            return None
        t = t[:e]
        e = 0
    v = int(t) * 10**e
    return -v if neg else v


def check_int(typ, t):
    v = _int_of(t)
    if v is None:
        raise Fail("not an integer: %s" % t)
    lo, hi = _LIMITS[typ]
    if v < lo or v > hi:
        raise Fail("integer %s out of range" % t)
    return v


def number_text(s):
    # The number token a JSON string holds (all of it), or None.
    d = Tok(s.encode())
    try:
        t = d.number()
        if d.p == d.n:
            return t
    except Fail:
        pass
    return None


def int_text(typ, s):
    t = number_text(s)
    if t is None:
        raise Fail("invalid integer %r" % s)
    return check_int(typ, t)


def mapkey(typ, s):
    if typ == _STRING:
        return s
    if typ == _BOOL:
        if s == "true":
            return True
        if s == "false":
            return False
        raise Fail("invalid bool map key %r" % s)
    return int_text(typ, s)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(s):
    # Standard or URL-safe alphabet, padded or not (binascii alone takes
    # neither URL-safe nor, on MicroPython, unpadded input).
    t = s.rstrip("=")
    pad = len(s) - len(t)
    r = len(t) & 3
    if r == 1 or (pad and (len(t) + pad) & 3):
        raise Fail("invalid base64")
    if "-" in t or "_" in t:
        t = t.replace("-", "+").replace("_", "/")
    if r:
        t += "==" if r == 2 else "="
    try:
        v = binascii.a2b_base64(t)
    except ValueError:
        v = None
    if v is None or str(binascii.b2a_base64(v), "ascii").rstrip("\n") != t:
        # a stray character, or only non-zero spare bits in the last group
        for c in t.rstrip("="):
            if c not in _B64:
                raise Fail("invalid base64")
        if v is None:
            raise Fail("invalid base64")
    return v


def f32(v):
    # Round to float32; None when out of float32's range.
    try:
        r = struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return None
    if r == _INF or r == -_INF:
        return None
    return r


_ESCAPES = {34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9}


def _hex4(b, p):
    v = 0
    for i in range(p, p + 4):
        c = b[i]
        if 48 <= c <= 57:
            c -= 48
        elif 97 <= c <= 102:
            c -= 87
        elif 65 <= c <= 70:
            c -= 55
        else:
            raise Fail("invalid \\u escape at byte %d" % p)
        v = v * 16 + c
    return v


class Tok:
    # b: the UTF-8 input (bytes); p: the position. chk: check UTF-8 (which
    # MicroPython's str() does not). skip() spends one level of dp per
    # JSON object or array.

    def __init__(self, b, chk=False):
        self.b = b
        self.n = len(b)
        self.p = 0
        self.chk = chk

    def fail(self, what):
        raise Fail("%s at byte %d" % (what, self.p))

    def ws(self):
        # Skip whitespace; return the next byte (-1 at the end).
        b = self.b
        p = self.p
        n = self.n
        while p < n:
            c = b[p]
            if c == 32 or c == 10 or c == 13 or c == 9:
                p += 1
            else:
                self.p = p
                return c
        self.p = p
        return -1

    def expect(self, ch):
        if self.ws() != ch:
            self.fail("expected %r" % chr(ch))
        self.p += 1

    def more(self, close):
        # After a member or element: True when a comma says another
        # follows, False at the closing bracket.
        c = self.ws()
        if c == 44:
            self.p += 1
            return True
        if c == close:
            self.p += 1
            return False
        self.fail("expected ',' or %r" % chr(close))

    def first(self, open_, close):
        # Read the opening bracket; True if something follows it.
        if self.ws() != open_:
            self.fail("expected %r" % chr(open_))
        self.p += 1
        if self.ws() == close:
            self.p += 1
            return False
        return True

    def key(self):
        # An object member's name and its colon.
        k = self.string()
        self.expect(58)
        return k

    def literal(self, word):
        p = self.p
        q = p + len(word)
        if self.b[p:q] != word:
            self.fail("invalid literal")
        self.p = q

    def string(self):
        b = self.b
        p = self.p
        if p < self.n and b[p] != 34:
            self.ws()
            p = self.p
        if p >= self.n or b[p] != 34:
            self.fail("expected a string")
        p += 1
        q = b.find(b'"', p)
        if q < 0:
            self.fail("unterminated string")
        if b.find(b"\\", p, q) >= 0:
            return self._escaped(p)
        self.p = q + 1
        if q == p:
            return ""
        s = b[p:q]
        if min(s) < 32:
            raise Fail("control character in string at byte %d" % p)
        return self._text(s, p)

    def _text(self, s, p):
        try:
            t = str(s, "utf-8")
        except UnicodeError:
            raise Fail("invalid UTF-8 at byte %d" % p)
        if self.chk and len(t) != len(s) and not wire._valid_utf8(s, 0, len(s)):
            raise Fail("invalid UTF-8 at byte %d" % p)
        return t

    def _escaped(self, p):
        b = self.b
        n = self.n
        s = p
        out = bytearray()
        while True:
            q = b.find(b'"', p)
            if q < 0:
                break
            k = b.find(b"\\", p, q)
            e = q if k < 0 else k
            if e > p:
                seg = b[p:e]
                if min(seg) < 32:
                    raise Fail("control character in string at byte %d" % p)
                out += seg
            if k < 0:
                self.p = q + 1
                return self._text(out, s)
            if k + 1 >= n:
                break
            c = b[k + 1]
            r = _ESCAPES.get(c)
            if r is not None:
                out.append(r)
                p = k + 2
                continue
            self.p = k
            if c != 117 or k + 6 > n:  # \u
                self.fail("invalid escape")
            u = _hex4(b, k + 2)
            p = k + 6
            if 0xD800 <= u < 0xDC00:
                if b[p : p + 2] != b"\\u" or p + 6 > n:
                    self.fail("unpaired surrogate")
                lo = _hex4(b, p + 2)
                if not 0xDC00 <= lo < 0xE000:
                    self.fail("unpaired surrogate")
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                p += 6
            elif 0xDC00 <= u < 0xE000:
                self.fail("unpaired surrogate")
            out += chr(u).encode()
        self.p = s
        self.fail("unterminated string")

    def number(self):
        # A JSON number token, checked against the grammar; returns its text.
        b = self.b
        s = p = self.p
        n = self.n
        if p < n and b[p] == 45:
            p += 1
        c = b[p] if p < n else -1
        if c == 48:
            p += 1
        elif 49 <= c <= 57:
            p += 1
            while p < n and 48 <= b[p] <= 57:
                p += 1
        else:
            self.fail("invalid value")
        if p < n and b[p] == 46:
            p += 1
            d = p
            while p < n and 48 <= b[p] <= 57:
                p += 1
            if p == d:
                self.p = p
                self.fail("invalid number")
        if p < n and b[p] | 32 == 101:
            p += 1
            if p < n and (b[p] == 43 or b[p] == 45):
                p += 1
            d = p
            while p < n and 48 <= b[p] <= 57:
                p += 1
            if p == d:
                self.p = p
                self.fail("invalid number")
        self.p = p
        return str(b[s:p], "utf-8")

    def skip(self, dp):
        # Check and pass over one value of any kind.
        c = self.ws()
        if c == 34:
            self.string()
        elif c == 123 or c == 91:
            if dp <= 0:
                self.fail("nesting too deep")
            close = c + 2
            if self.first(c, close):
                while True:
                    if c == 123:
                        self.key()
                    self.skip(dp - 1)
                    if not self.more(close):
                        break
        elif c == 116:
            self.literal(b"true")
        elif c == 102:
            self.literal(b"false")
        elif c == 110:
            self.literal(b"null")
        else:
            self.number()
