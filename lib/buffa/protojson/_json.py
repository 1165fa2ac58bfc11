# buffa.protojson: the JSON tokenizer (Tok) the decoder builds on.
from buffa import wire
from buffa.protojson import Fail


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
            raise Fail("invalid \\u escape at byte %d" % p, "syntax")
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

    def fail(self, what, kind="syntax"):
        raise Fail("%s at byte %d" % (what, self.p), kind)

    def kind_at(self, p):
        # The kind of error for a value of the wrong sort at p: "value" if
        # one starts there (JSON that does not fit the field), else "syntax".
        return "value" if p < self.n and self.b[p] in b'"-0123456789tfn[{' else "syntax"

    def ws(self):
        # Skip whitespace; return the next byte (-1 at the end).
        b = self.b
        p = self.p
        n = self.n
        if p < n and b[p] > 32:
            return b[p]  # (the usual case: no whitespace)
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
        p = self.p
        c = self.b[p] if p < self.n else -1
        if c <= 32:
            c = self.ws()
            p = self.p
        if c == 44:
            self.p = p + 1
            return True
        if c == close:
            self.p = p + 1
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
            self.fail("expected a string", self.kind_at(p))
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
            raise Fail("control character in string at byte %d" % p, "syntax")
        if self.chk:
            return self._text(s, p)
        try:
            return str(s, "utf-8")
        except UnicodeError:
            raise Fail("invalid UTF-8 at byte %d" % p, "syntax")

    def _text(self, s, p):
        try:
            t = str(s, "utf-8")
        except UnicodeError:
            raise Fail("invalid UTF-8 at byte %d" % p, "syntax")
        if self.chk and len(t) != len(s) and not wire._valid_utf8(s, 0, len(s)):
            raise Fail("invalid UTF-8 at byte %d" % p, "syntax")
        return t

    def _escaped(self, p):
        b = self.b
        n = self.n
        s = p
        out = bytearray()
        q = -1
        while True:
            # the next quote is looked for only once the escapes have gone
            # past it (it was an escaped one): each byte is scanned once,
            # so a string of many escapes takes linear time
            if q < p:
                q = b.find(b'"', p)
                if q < 0:
                    break
            k = b.find(b"\\", p, q)
            e = q if k < 0 else k
            if e > p:
                seg = b[p:e]
                if min(seg) < 32:
                    raise Fail("control character in string at byte %d" % p, "syntax")
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
            self.fail("invalid value", self.kind_at(s))
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
                self.fail("nesting too deep", "limit")
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
