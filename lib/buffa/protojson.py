# buffa.protojson: the proto3 JSON mapping, for any generated message.
#
#   from buffa import protojson
#   text = protojson.encode(msg)                  # -> str
#   msg = protojson.decode(MyMessage, text)       # str or UTF-8 bytes
#
# encode options: emit_default_values, use_proto_names.
# decode options: ignore_unknown_fields, ignore_unknown_enum_values and
# options=buffa.DecodeOptions(recursion_limit=..., max_size=...).
# Errors are JsonError (a ValueError) with .reason and .path ("$.a.b[2]").
#
# The core never imports this module: a device pays for it only when it uses
# JSON. The JSON text is parsed here, straight into messages (no generic
# tree, numbers read exactly, duplicate and malformed input rejected); the
# well-known types' special forms load their helpers on first use.
# See docs/json.md.
import binascii
import struct
from buffa import message, wire
from buffa.message import DecodeOptions

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


# field types and flags (buffa.wire), as compile-time constants
_DOUBLE = const(1)
_FLOAT = const(2)
_INT64 = const(3)
_UINT64 = const(4)
_INT32 = const(5)
_FIXED64 = const(6)
_FIXED32 = const(7)
_BOOL = const(8)
_STRING = const(9)
_GROUP = const(10)
_MESSAGE = const(11)
_BYTES = const(12)
_UINT32 = const(13)
_ENUM = const(14)
_SFIXED32 = const(15)
_SFIXED64 = const(16)
_SINT32 = const(17)
_SINT64 = const(18)
_REPEATED = const(1)
_MAP = const(4)
_PRESENCE = const(8)
_ONEOF = const(16)
_CLOSED = const(64)

# well-known types with a JSON form of their own
_K_ANY = const(1)
_K_TIMESTAMP = const(2)
_K_DURATION = const(3)
_K_FIELDMASK = const(4)
_K_STRUCT = const(5)
_K_VALUE = const(6)
_K_LIST = const(7)
_K_WRAPPER = const(8)
_K_EMPTY = const(9)
_WKT = {
    "google.protobuf.Any": _K_ANY,
    "google.protobuf.Timestamp": _K_TIMESTAMP,
    "google.protobuf.Duration": _K_DURATION,
    "google.protobuf.FieldMask": _K_FIELDMASK,
    "google.protobuf.Struct": _K_STRUCT,
    "google.protobuf.Value": _K_VALUE,
    "google.protobuf.ListValue": _K_LIST,
    "google.protobuf.DoubleValue": _K_WRAPPER,
    "google.protobuf.FloatValue": _K_WRAPPER,
    "google.protobuf.Int64Value": _K_WRAPPER,
    "google.protobuf.UInt64Value": _K_WRAPPER,
    "google.protobuf.Int32Value": _K_WRAPPER,
    "google.protobuf.UInt32Value": _K_WRAPPER,
    "google.protobuf.BoolValue": _K_WRAPPER,
    "google.protobuf.StringValue": _K_WRAPPER,
    "google.protobuf.BytesValue": _K_WRAPPER,
    "google.protobuf.Empty": _K_EMPTY,
}
# where the well-known message types live, for Any type URLs
_WKT_MODULES = {
    "Any": "any_pb",
    "Timestamp": "timestamp_pb",
    "Duration": "duration_pb",
    "FieldMask": "field_mask_pb",
    "Struct": "struct_pb",
    "Value": "struct_pb",
    "ListValue": "struct_pb",
    "Empty": "empty_pb",
}

_INF = float("inf")
_pack = struct.pack
_unpack = struct.unpack
_DEFAULTS = DecodeOptions()


class JsonError(ValueError):
    """Invalid JSON, JSON that does not fit the message, or a message that
    has no JSON form. ``reason`` says what; ``path`` says where, as
    "$.field[index]["mapkey"]" ("$" is the top-level value)."""

    def __init__(self, reason, path="$"):
        super().__init__("%s: %s" % (path, reason))
        self.reason = reason
        self.path = path


class _Fail(Exception):
    # Internal: a failure on its way up, collecting its path.
    def __init__(self, reason):
        self.reason = reason
        self.path = ""


def _at(e, part):
    # Prefix a path component to a failure passing through; Python errors
    # (a wrong value type on encode) become failures here.
    if not isinstance(e, _Fail):
        if isinstance(e, (RuntimeError, MemoryError)):
            return e
        if isinstance(e, IndexError):
            e = _Fail("unexpected end of input")
        else:
            e = _Fail("%s: %s" % (type(e).__name__, e))
    e.path = part + e.path
    return e


# ---- type registry (Any) ---------------------------------------------------
# Generated modules add their classes to buffa.message.TYPES when imported;
# register() is for classes made some other way.

register = message.register


def _resolve(type_url):
    """The message class a type URL ("type.googleapis.com/pkg.Msg") names;
    raises JsonError when no such class has been registered."""
    i = type_url.rfind("/")
    if i < 0:
        raise _Fail("invalid type URL %r" % type_url)
    name = type_url[i + 1 :]
    c = message.TYPES.get(name)
    if c is None and name[:16] == "google.protobuf.":
        short = name[16:]
        mod = _WKT_MODULES.get(short) or ("wrappers_pb" if short[-5:] == "Value" else None)
        if mod:
            try:
                mod = __import__("buffa.wkt." + mod, None, None, (short,))
                c = getattr(mod, short)
            except (ImportError, AttributeError):
                c = None
    if c is None:
        raise _Fail("unknown type %r in Any (import its module, or protojson.register it)" % name)
    return c


# ---- per-class tables ------------------------------------------------------

_fields = {}  # message class -> {json key: (row, bit)}
_enums = {}  # enum class -> {name: number}


def _field_table(M):
    t = _fields.get(M)
    if t is None:
        t = {}
        bit = 1
        for row in M._buffa_f:
            t[row[6]] = (row, bit)
            t[row[5]] = (row, bit)
            bit <<= 1
        _fields[M] = t
    return t


def _enum_names(E):
    t = _enums.get(E)
    if t is None:
        t = {}
        for k, v in E._buffa_n.items():
            t[v] = k
        # aliases (allow_alias): the other constants the class defines
        for k in dir(E):
            if k[0] != "_" and k not in t and type(getattr(E, k)) is int:
                t[k] = getattr(E, k)
        _enums[E] = t
    return t


# ---- numbers ---------------------------------------------------------------

_LIMITS = {
    _INT32: (-0x80000000, 0x7FFFFFFF),
    _SINT32: (-0x80000000, 0x7FFFFFFF),
    _SFIXED32: (-0x80000000, 0x7FFFFFFF),
    _ENUM: (-0x80000000, 0x7FFFFFFF),
    _UINT32: (0, 0xFFFFFFFF),
    _FIXED32: (0, 0xFFFFFFFF),
    _INT64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    _SINT64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    _SFIXED64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    _UINT64: (0, 0xFFFFFFFFFFFFFFFF),
    _FIXED64: (0, 0xFFFFFFFFFFFFFFFF),
}


def _int_of(t):
    # Exact integer value of a JSON number token (str), or None if it has a
    # fraction or is far out of any 64-bit range.
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
        return None  # beyond 2**64 whatever the digits
    if e < 0:
        if -e >= len(t) or t[e:].rstrip("0"):
            return None
        t = t[:e]
        e = 0
    v = int(t) * 10**e
    return -v if neg else v


def _f32(v):
    # Round a double to float32; None when it overflows float32's range.
    try:
        r = _unpack("<f", _pack("<f", v))[0]
    except OverflowError:
        return None
    if (r == _INF or r == -_INF) and r != v:
        return None
    return r


def _fmt_double(v):
    if v != v:
        return '"NaN"'
    if v == _INF:
        return '"Infinity"'
    if v == -_INF:
        return '"-Infinity"'
    s = repr(v)
    if len(s) > 18:
        # MicroPython may give 17 digits where 16 round-trip; CPython's repr
        # is already shortest, so this never shortens its output.
        t = "%.16g" % v
        if len(t) < len(s) and float(t) == v:
            s = t
    if s[-2:] == ".0":
        s = s[:-2]
    return s


def _fmt_float(v):
    # Shortest text that reads back as the same float32.
    if v != v or v == _INF or v == -_INF:
        return _fmt_double(v)
    f = _f32(v)
    if f is None:
        raise _Fail("float value %r out of range" % v)
    for fmt in ("%.6g", "%.7g", "%.8g"):
        s = fmt % f
        if _f32(float(s)) == f:
            return s
    return "%.9g" % f


# ---- base64 ----------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64encode(v):
    s = binascii.b2a_base64(v)
    return str(s, "ascii").rstrip("\n")


def _b64decode(s):
    # Standard or URL-safe alphabet, padded or not.
    t = s.rstrip("=")
    pad = len(s) - len(t)
    r = len(t) & 3
    if r == 1 or pad > 2 or (pad and (len(t) + pad) & 3):
        raise _Fail("invalid base64")
    if "-" in t or "_" in t:
        t = t.replace("-", "+").replace("_", "/")
    if r:
        t += "==" if r == 2 else "="
    try:
        v = binascii.a2b_base64(t)
    except ValueError:
        v = None
    if v is None or _b64encode(v) != t:
        # a stray character, or a final quantum with non-zero spare bits
        for c in t.rstrip("="):
            if c not in _B64:
                raise _Fail("invalid base64")
        if v is None:
            raise _Fail("invalid base64")
    return v


# ---- strings ---------------------------------------------------------------

try:
    from json.encoder import encode_basestring as _quote  # CPython, in C
except ImportError:
    try:
        from json import dumps as _quote  # MicroPython: keeps UTF-8 as is
    except ImportError:
        _ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}

        def _quote(s):
            out = ['"']
            for c in s:
                if c in _ESC:
                    c = _ESC[c]
                elif c < " ":
                    c = "\\u%04x" % ord(c)
                out.append(c)
            out.append('"')
            return "".join(out)


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
            raise _Fail("invalid \\u escape at byte %d" % p)
        v = v * 16 + c
    return v


def _mapkey(typ, s):
    # A map key's JSON text -> key value.
    if typ == _STRING:
        return s
    if typ == _BOOL:
        if s == "true":
            return True
        if s == "false":
            return False
        raise _Fail("invalid bool map key %r" % s)
    return _int_text(typ, s)


def _int_text(typ, s):
    # An integer given as a JSON string.
    d = _Dec(s.encode(), 0, 0)
    try:
        t = d.number()
        ok = d.p == d.n
    except _Fail:
        ok = False
    if not ok:
        raise _Fail("invalid integer %r" % s)
    return _check_int(typ, t)


def _check_int(typ, t):
    v = _int_of(t)
    if v is None:
        raise _Fail("not an integer: %s" % t)
    lo, hi = _LIMITS[typ]
    if v < lo or v > hi:
        raise _Fail("integer %s out of range" % t)
    return v


# ---- decoding --------------------------------------------------------------

_SKIP = object()  # an ignored unknown enum value


class _Dec:
    # A recursive-descent JSON parser that fills messages as it goes. b is
    # the UTF-8 input (bytes), p the position. dp counts the nesting depth
    # left: every message, Struct or ListValue level, and every JSON object
    # or array in skipped input, takes one.

    def __init__(self, b, ign_fields, ign_enums, check_utf8=False):
        self.b = b
        self.n = len(b)
        self.p = 0
        self.ignf = ign_fields
        self.igne = ign_enums
        self.chk = check_utf8

    def fail(self, what):
        raise _Fail("%s at byte %d" % (what, self.p))

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
        # After a member or element: True if another follows (a comma was
        # read), False at the closing bracket.
        c = self.ws()
        self.p += 1
        if c == 44:
            return True
        if c == close:
            return False
        self.p -= 1
        self.fail("expected ',' or %r" % chr(close))

    def first(self, open_, close):
        # Read the opening bracket; True if the container is not empty.
        if self.ws() != open_:
            self.fail("expected %r" % chr(open_))
        self.p += 1
        if self.ws() == close:
            self.p += 1
            return False
        return True

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
            raise _Fail("control character in string at byte %d" % p)
        return self._text(s, p)

    def _text(self, s, p):
        try:
            t = str(s, "utf-8")
        except UnicodeError:
            raise _Fail("invalid UTF-8 at byte %d" % p)
        if self.chk and len(t) != len(s) and not wire._valid_utf8(s, 0, len(s)):
            raise _Fail("invalid UTF-8 at byte %d" % p)
        return t

    def _escaped(self, p):
        b = self.b
        n = self.n
        out = bytearray()
        while True:
            q = b.find(b'"', p)
            if q < 0:
                self.p = p
                self.fail("unterminated string")
            k = b.find(b"\\", p, q)
            e = q if k < 0 else k
            if e > p:
                s = b[p:e]
                if min(s) < 32:
                    raise _Fail("control character in string at byte %d" % p)
                out += s
            if k < 0:
                self.p = q + 1
                return self._text(out, p) if out else ""
            if k + 1 >= n:
                break
            c = b[k + 1]
            r = _ESCAPES.get(c)
            if r is not None:
                out.append(r)
                p = k + 2
                continue
            if c != 117 or k + 6 > n:  # \u
                self.p = k
                self.fail("invalid escape")
            u = _hex4(b, k + 2)
            p = k + 6
            if 0xD800 <= u < 0xDC00:
                if b[p : p + 2] != b"\\u" or p + 6 > n:
                    self.p = k
                    self.fail("unpaired surrogate")
                lo = _hex4(b, p + 2)
                if not 0xDC00 <= lo < 0xE000:
                    self.p = k
                    self.fail("unpaired surrogate")
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                p += 6
            elif 0xDC00 <= u < 0xE000:
                self.p = k
                self.fail("unpaired surrogate")
            out += chr(u).encode()
        self.p = n
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
        elif c == 123:
            if dp <= 0:
                self.fail("nesting too deep")
            if self.first(123, 125):
                while True:
                    self.ws()
                    self.string()
                    self.expect(58)
                    self.skip(dp - 1)
                    if not self.more(125):
                        break
        elif c == 91:
            if dp <= 0:
                self.fail("nesting too deep")
            if self.first(91, 93):
                while True:
                    self.skip(dp - 1)
                    if not self.more(93):
                        break
        elif c == 116:
            self.literal(b"true")
        elif c == 102:
            self.literal(b"false")
        elif c == 110:
            self.literal(b"null")
        else:
            self.number()

    def null(self):
        # True (and consumed) if the next value is null.
        if self.ws() == 110:
            self.literal(b"null")
            return True
        return False

    # -- messages --

    def message(self, M, m, dp, any_=False):
        # Parse one JSON value into message m of class M.
        if dp < 0:
            self.fail("recursion limit exceeded")
        k = _WKT.get(M._buffa_name)
        if k and k != _K_EMPTY:
            return self.wkt(k, M, m, dp)
        if not self.first(123, 125):
            return
        tbl = _field_table(M)
        seen = 0
        while True:
            self.ws()
            key = self.string()
            self.expect(58)
            ent = tbl.get(key)
            if ent is None:
                if any_ and key == "@type":
                    self.string()
                elif key[:1] == "[" and key[-1:] == "]" and M._buffa_x:
                    try:
                        self.extension(M, m, key[1:-1], dp)
                    except Exception as e:
                        raise _at(e, "." + key)
                elif self.ignf:
                    self.skip(dp)
                else:
                    self.fail("unknown field %r" % key)
            else:
                row, bit = ent
                if seen & bit:
                    self.fail("field %r given twice" % row[5])
                seen |= bit
                try:
                    self.field(m, row, dp)
                except Exception as e:
                    raise _at(e, "." + key)
            if not self.more(125):
                break

    def field(self, m, row, dp):
        fl = row[3]
        typ = row[2]
        ref = row[4]
        if self.ws() == 110:  # null
            if not fl & (_REPEATED | _MAP):
                if typ == _MESSAGE and ref._buffa_name == "google.protobuf.Value":
                    v = ref._buffa_n()
                    self.message(ref, v, dp - 1)
                    self.set(m, row, v)
                    return
                if typ == _ENUM and ref._buffa_name == "google.protobuf.NullValue":
                    self.literal(b"null")
                    self.set(m, row, 0)
                    return
            self.literal(b"null")
            return  # null: the field stays unset
        if fl & _MAP:
            krow, vrow = ref
            d = getattr(m, row[0])
            if self.first(123, 125):
                while True:
                    self.ws()
                    ks = self.string()
                    self.expect(58)
                    try:
                        k = _mapkey(krow[2], ks)
                        if k in d:
                            self.fail("map key given twice")
                        v = self.element(vrow[2], vrow[3], vrow[4], dp)
                    except Exception as e:
                        raise _at(e, "[%s]" % _quote(ks))
                    if v is not _SKIP:
                        d[k] = v
                    if not self.more(125):
                        break
        elif fl & _REPEATED:
            lst = getattr(m, row[0])
            if self.first(91, 93):
                i = 0
                while True:
                    try:
                        v = self.element(typ, fl, ref, dp)
                    except Exception as e:
                        raise _at(e, "[%d]" % i)
                    if v is not _SKIP:
                        lst.append(v)
                    i += 1
                    if not self.more(93):
                        break
        else:
            v = self.value(typ, fl, ref, dp)
            if v is not _SKIP:
                self.set(m, row, v)

    def set(self, m, row, v):
        if row[3] & _ONEOF and getattr(m, "_buffa_c_" + row[8]) is not None:
            self.fail("oneof %r has more than one field set" % row[8])
        setattr(m, row[0], v)

    def element(self, typ, fl, ref, dp):
        # An element of a repeated field or a map value: null only for
        # google.protobuf.Value (and NullValue).
        if self.ws() == 110:
            if typ == _MESSAGE and ref._buffa_name == "google.protobuf.Value":
                v = ref._buffa_n()
                self.message(ref, v, dp - 1)
                return v
            if typ == _ENUM and ref._buffa_name == "google.protobuf.NullValue":
                self.literal(b"null")
                return 0
            self.fail("null is not allowed here")
        return self.value(typ, fl, ref, dp)

    def value(self, typ, fl, ref, dp):
        # One non-null value of field type typ.
        c = self.ws()
        if typ == _MESSAGE or typ == _GROUP:
            v = ref._buffa_n()
            self.message(ref, v, dp - 1)
            return v
        if typ == _STRING:
            return self.string()
        if typ == _BOOL:
            if c == 116:
                self.literal(b"true")
                return True
            if c == 102:
                self.literal(b"false")
                return False
            self.fail("expected true or false")
        if typ == _BYTES:
            if c != 34:
                self.fail("expected a base64 string")
            p = self.p
            try:
                return _b64decode(self.string())
            except _Fail as e:
                e.reason += " at byte %d" % p
                raise
        if typ == _ENUM:
            if c == 34:
                p = self.p
                s = self.string()
                v = _enum_names(ref).get(s)
                if v is None:
                    if self.igne:
                        return _SKIP
                    self.p = p
                    self.fail("unknown value %r of enum %s" % (s, ref._buffa_name))
                return v
            v = _check_int(_ENUM, self.number())
            if fl & _CLOSED and v not in ref._buffa_n:
                if self.igne:
                    return _SKIP
                self.fail("unknown value %d of closed enum %s" % (v, ref._buffa_name))
            return v
        if typ == _DOUBLE or typ == _FLOAT:
            if c == 34:
                p = self.p
                s = self.string()
                if s == "NaN":
                    return float("nan")
                if s == "Infinity":
                    return _INF
                if s == "-Infinity":
                    return -_INF
                d = _Dec(s.encode(), 0, 0)
                try:
                    t = d.number()
                    ok = d.p == d.n
                except _Fail:
                    ok = False
                if not ok:
                    self.p = p
                    self.fail("invalid number %r" % s)
            else:
                t = self.number()
            v = float(t)
            if v == _INF or v == -_INF:
                self.fail("number %s out of range" % t)
            if typ == _FLOAT:
                v = _f32(v)
                if v is None:
                    self.fail("number %s out of float range" % t)
            return v
        # integers
        if c == 34:
            return _int_text(typ, self.string())
        t = self.number()
        if len(t) < 10 and "." not in t and "e" not in t and "E" not in t:
            v = int(t)  # in every integer type's range, but for the sign
            if v >= 0 or typ not in _U_TYPES:
                return v
        return _check_int(typ, t)

    def extension(self, M, m, name, dp):
        for x in M._buffa_x.values():
            if x.name == name:
                break
        else:
            if self.ignf:
                self.skip(dp)
                return
            self.fail("unknown extension %r" % name)
        if self.ws() == 110:
            self.literal(b"null")
            return
        if x.flags & _REPEATED:
            vals = []
            if self.first(91, 93):
                while True:
                    v = self.element(x.type, x.flags, x.ref, dp)
                    if v is not _SKIP:
                        vals.append(v)
                    if not self.more(93):
                        break
            x.set(m, vals)
        else:
            v = self.value(x.type, x.flags, x.ref, dp)
            if v is not _SKIP:
                x.set(m, v)

    # -- well-known types --

    def wkt(self, k, M, m, dp):
        if k == _K_WRAPPER:
            row = M._buffa_f[0]
            v = self.value(row[2], row[3], row[4], dp)
            if v is not _SKIP:
                setattr(m, row[0], v)
            return
        if k == _K_VALUE:
            return self.struct_value(M, m, dp)
        if k == _K_STRUCT:
            vrow = M._buffa_f[0][4][1]
            d = m.fields
            if self.first(123, 125):
                while True:
                    self.ws()
                    key = self.string()
                    self.expect(58)
                    if key in d:
                        self.fail("key %r given twice" % key)
                    v = vrow[4]._buffa_n()
                    try:
                        self.message(vrow[4], v, dp - 1)
                    except Exception as e:
                        raise _at(e, "[%s]" % _quote(key))
                    d[key] = v
                    if not self.more(125):
                        break
            return
        if k == _K_LIST:
            V = M._buffa_f[0][4]
            lst = m.values
            if self.first(91, 93):
                i = 0
                while True:
                    v = V._buffa_n()
                    try:
                        self.message(V, v, dp - 1)
                    except Exception as e:
                        raise _at(e, "[%d]" % i)
                    lst.append(v)
                    i += 1
                    if not self.more(93):
                        break
            return
        if k == _K_ANY:
            return self.any(m, dp)
        if self.ws() != 34:
            self.fail("expected a string")
        p = self.p
        s = self.string()
        try:
            if k == _K_TIMESTAMP:
                from buffa.wkt import timestamp

                m.seconds, m.nanos = timestamp.parse_rfc3339(s)
            elif k == _K_DURATION:
                from buffa.wkt import duration

                m.seconds, m.nanos = duration.parse_text(s)
            else:  # FieldMask
                m.paths = _mask_paths(s)
        except ValueError as e:
            raise _Fail("%s at byte %d" % (e, p))

    def struct_value(self, V, m, dp):
        # google.protobuf.Value from any JSON value.
        c = self.ws()
        if c == 110:
            self.literal(b"null")
            m.null_value = 0
        elif c == 116:
            self.literal(b"true")
            m.bool_value = True
        elif c == 102:
            self.literal(b"false")
            m.bool_value = False
        elif c == 34:
            m.string_value = self.string()
        elif c == 123:
            S = _row(V, "struct_value")[4]
            s = S._buffa_n()
            self.message(S, s, dp - 1)
            m.struct_value = s
        elif c == 91:
            L = _row(V, "list_value")[4]
            x = L._buffa_n()
            self.message(L, x, dp - 1)
            m.list_value = x
        else:
            t = self.number()
            v = float(t)
            if v == _INF or v == -_INF:
                self.fail("number %s out of range" % t)
            m.number_value = v

    def any(self, m, dp):
        # Find "@type" first (it may come last), then parse the object again
        # as that type.
        self.ws()
        start = self.p
        if not self.first(123, 125):
            return  # {}: an empty Any
        url = None
        while True:
            self.ws()
            key = self.string()
            self.expect(58)
            if key == "@type":
                if url is not None:
                    self.fail("@type given twice")
                if self.ws() != 34:
                    self.fail("@type must be a string")
                url = self.string()
            else:
                self.skip(dp)
            if not self.more(125):
                break
        end = self.p
        if url is None:
            self.p = start
            self.fail("Any without @type")
        try:
            T = _resolve(url)
        except _Fail as e:
            raise _at(e, '["@type"]')
        inner = T._buffa_n()
        self.p = start
        k = _WKT.get(T._buffa_name)
        if k and k != _K_EMPTY:
            # special JSON form under "value"
            seen = False
            self.first(123, 125)
            while True:
                self.ws()
                key = self.string()
                self.expect(58)
                if key == "@type":
                    self.string()
                elif key == "value":
                    if seen:
                        self.fail("value given twice")
                    seen = True
                    try:
                        self.message(T, inner, dp - 1)
                    except Exception as e:
                        raise _at(e, ".value")
                else:
                    self.fail("unknown field %r in Any of %s" % (key, T._buffa_name))
                if not self.more(125):
                    break
            if not seen:
                self.fail("Any of %s without value" % T._buffa_name)
        elif k == _K_EMPTY:
            # inline (no fields) or {"value": {}} are both read
            self.first(123, 125)
            while True:
                self.ws()
                key = self.string()
                self.expect(58)
                if key == "@type":
                    self.string()
                elif key == "value":
                    self.message(T, inner, dp - 1)
                else:
                    self.fail("unknown field %r in Any of %s" % (key, T._buffa_name))
                if not self.more(125):
                    break
        else:
            self.message(T, inner, dp - 1, True)
        self.p = end
        m.type_url = url
        m.value = inner.encode()


_U_TYPES = (_UINT32, _FIXED32, _UINT64, _FIXED64)


def _row(M, attr):
    for row in M._buffa_f:
        if row[0] == attr:
            return row
    raise _Fail("%s has no field %s" % (M._buffa_name, attr))


def _mask_paths(s):
    # "fooBar,baz.quxQuux" -> ["foo_bar", "baz.qux_quux"]
    if not s:
        return []
    out = []
    for p in s.split(","):
        q = []
        for c in p:
            if c == "_":
                raise ValueError("invalid field mask path %r" % p)
            if "A" <= c <= "Z":
                q.append("_")
                q.append(c.lower())
            else:
                q.append(c)
        out.append("".join(q))
    return out


def _mask_text(paths):
    out = []
    for p in paths:
        q = []
        up = False
        for c in p:
            if c == "_":
                if up:
                    raise _Fail("field mask path %r has no JSON form" % p)
                up = True
                continue
            if "A" <= c <= "Z":
                raise _Fail("field mask path %r has no JSON form" % p)
            if up:
                if not "a" <= c <= "z":
                    raise _Fail("field mask path %r has no JSON form" % p)
                c = c.upper()
                up = False
            q.append(c)
        if up:
            raise _Fail("field mask path %r has no JSON form" % p)
        out.append("".join(q))
    return ",".join(out)


def decode(M, text, ignore_unknown_fields=False, ignore_unknown_enum_values=False, options=None):
    """Parse proto3 JSON text (str, or UTF-8 bytes) into a new M.

    ignore_unknown_fields: skip members naming no field (and, as Google's
    parsers do, unknown enum value names). ignore_unknown_enum_values: skip
    only unknown enum value names (the field stays unset; a repeated field
    or map drops the element). options: buffa.DecodeOptions, whose
    recursion_limit bounds nesting and max_size the input's length in bytes.
    Raises JsonError."""
    o = options or _DEFAULTS
    if type(text) is str:
        b = text.encode()
        chk = False
    else:
        b = bytes(text)
        chk = wire._LAX_UTF8
    if len(b) > o.max_size:
        raise JsonError("input of %d bytes exceeds max_size %d" % (len(b), o.max_size))
    d = _Dec(b, ignore_unknown_fields, ignore_unknown_fields or ignore_unknown_enum_values, chk)
    m = M._buffa_n()
    try:
        if d.ws() == 110 and M._buffa_name != "google.protobuf.Value":
            d.fail("null is not a message")
        d.message(M, m, o.recursion_limit)
        if d.ws() != -1:
            d.fail("unexpected data after the value")
    except _Fail as e:
        raise JsonError(e.reason, "$" + e.path)
    except IndexError:
        raise JsonError("unexpected end of input")
    except RuntimeError:  # Python's (or the device's) own recursion limit
        raise JsonError("nesting too deep for this runtime")
    return m


# ---- encoding --------------------------------------------------------------


def _string(v):
    if type(v) is not str:
        raise _Fail("string field holds invalid UTF-8")
    return _quote(v)


def _scalar(typ, ref, v):
    # JSON text of one non-message value.
    if typ == _INT32 or typ == _SINT32 or typ == _SFIXED32 or typ == _UINT32 or typ == _FIXED32:
        return "%d" % v
    if typ == _STRING:
        return _string(v)
    if typ == _BOOL:
        return "true" if v else "false"
    if typ == _ENUM:
        n = ref._buffa_n.get(v)
        if n is None:
            return "%d" % v
        if ref._buffa_name == "google.protobuf.NullValue":
            return "null"
        return '"' + n + '"'
    if typ == _DOUBLE:
        return _fmt_double(v)
    if typ == _FLOAT:
        return _fmt_float(v)
    if typ == _BYTES:
        return '"' + _b64encode(v) + '"'
    return '"%d"' % v  # 64-bit integers


def _mapkey_text(typ, k):
    if typ == _STRING:
        return _string(k)
    if typ == _BOOL:
        return '"true"' if k else '"false"'
    return '"%d"' % k


class _Enc:
    def __init__(self, defaults, proto_names):
        self.out = []
        self.defaults = defaults
        self.key = 5 if proto_names else 6

    def value(self, typ, ref, v):
        if typ == _MESSAGE or typ == _GROUP:
            self.message(ref, v)
        else:
            self.out.append(_scalar(typ, ref, v))

    def message(self, M, m, more=False):
        # more: the object is already open with members (Any's "@type").
        a = self.out.append
        k = _WKT.get(M._buffa_name)
        if k and k != _K_EMPTY and not more:
            return self.wkt(k, M, m)
        if not more:
            a("{")
        sep = more
        dflt = self.defaults
        key = self.key
        for row in M._buffa_f:
            v = getattr(m, row[0])
            fl = row[3]
            if fl & (_REPEATED | _MAP):
                if not v and not dflt:
                    continue
            elif fl & (_PRESENCE | _ONEOF):
                if v is None:
                    continue
            elif v == row[7] and not dflt:
                if not (row[2] <= _FLOAT and wire.negzero(v)):
                    continue
            if sep:
                a(",")
            sep = True
            a(_quote(row[key]))
            a(":")
            try:
                self.field(row, v)
            except Exception as e:
                raise _at(e, "." + row[key])
        if M._buffa_x and m._buffa_u:
            for x in M._buffa_x.values():
                if x.has(m):
                    if sep:
                        a(",")
                    sep = True
                    a(_quote("[" + x.name + "]"))
                    a(":")
                    v = x.get(m)
                    if x.flags & _REPEATED:
                        a("[")
                        for i in range(len(v)):
                            if i:
                                a(",")
                            self.value(x.type, x.ref, v[i])
                        a("]")
                    else:
                        self.value(x.type, x.ref, v)
        a("}")

    def field(self, row, v):
        a = self.out.append
        fl = row[3]
        typ = row[2]
        ref = row[4]
        if fl & _MAP:
            krow, vrow = ref
            kt = krow[2]
            vt = vrow[2]
            vr = vrow[4]
            a("{")
            sep = False
            for k in v:
                if sep:
                    a(",")
                sep = True
                ks = _mapkey_text(kt, k)
                a(ks)
                a(":")
                try:
                    self.value(vt, vr, v[k])
                except Exception as e:
                    raise _at(e, "[%s]" % ks)
            a("}")
        elif fl & _REPEATED:
            a("[")
            if typ == _MESSAGE or typ == _GROUP:
                for i in range(len(v)):
                    if i:
                        a(",")
                    try:
                        self.message(ref, v[i])
                    except Exception as e:
                        raise _at(e, "[%d]" % i)
            else:
                for i in range(len(v)):
                    if i:
                        a(",")
                    try:
                        a(_scalar(typ, ref, v[i]))
                    except Exception as e:
                        raise _at(e, "[%d]" % i)
            a("]")
        elif typ == _MESSAGE or typ == _GROUP:
            self.message(ref, v)
        else:
            a(_scalar(typ, ref, v))

    def wkt(self, k, M, m):
        a = self.out.append
        if k == _K_WRAPPER:
            row = M._buffa_f[0]
            a(_scalar(row[2], row[4], getattr(m, row[0])))
        elif k == _K_TIMESTAMP:
            from buffa.wkt import timestamp

            try:
                a('"' + timestamp.to_rfc3339(m) + '"')
            except ValueError as e:
                raise _Fail(str(e))
        elif k == _K_DURATION:
            from buffa.wkt import duration

            try:
                a('"' + duration.to_text(m) + '"')
            except ValueError as e:
                raise _Fail(str(e))
        elif k == _K_FIELDMASK:
            a(_quote(_mask_text(m.paths)))
        elif k == _K_STRUCT:
            V = M._buffa_f[0][4][1][4]
            a("{")
            sep = False
            d = m.fields
            for key in d:
                if sep:
                    a(",")
                sep = True
                q = _string(key)
                a(q)
                a(":")
                try:
                    self.wkt(_K_VALUE, V, d[key])
                except Exception as e:
                    raise _at(e, "[%s]" % q)
            a("}")
        elif k == _K_LIST:
            V = M._buffa_f[0][4]
            a("[")
            lst = m.values
            for i in range(len(lst)):
                if i:
                    a(",")
                try:
                    self.wkt(_K_VALUE, V, lst[i])
                except Exception as e:
                    raise _at(e, "[%d]" % i)
            a("]")
        elif k == _K_VALUE:
            c = m._buffa_c_kind
            if c is None:
                raise _Fail("google.protobuf.Value has no kind set")
            v = getattr(m, c)
            if c == "null_value":
                a("null")
            elif c == "number_value":
                if v != v or v == _INF or v == -_INF:
                    raise _Fail("google.protobuf.Value cannot hold %r" % v)
                a(_fmt_double(v))
            elif c == "string_value":
                a(_string(v))
            elif c == "bool_value":
                a("true" if v else "false")
            elif c == "struct_value":
                self.wkt(_K_STRUCT, type(v), v)
            else:
                self.wkt(_K_LIST, type(v), v)
        elif k == _K_ANY:
            url = m.type_url
            if not url and not m.value:
                a("{}")
                return
            T = _resolve(url)
            try:
                inner = T.decode(m.value)
            except ValueError as e:
                raise _Fail("Any of %s holds invalid bytes: %s" % (T._buffa_name, e))
            a("{")
            a('"@type":')
            a(_string(url))
            k = _WKT.get(T._buffa_name)
            if k and k != _K_EMPTY:
                a(',"value":')
                try:
                    self.wkt(k, T, inner)
                except Exception as e:
                    raise _at(e, ".value")
                a("}")
            else:
                self.message(T, inner, True)


def encode(msg, emit_default_values=False, use_proto_names=False):
    """The proto3 JSON text (str) of a message.

    emit_default_values: also write fields without presence that hold their
    default (0, "", false, empty lists and maps). use_proto_names: keys are
    the .proto field names instead of lowerCamelCase JSON names.
    Raises JsonError for values JSON cannot carry (a Timestamp or Duration
    out of range, an Any of an unregistered type, NaN in a Value, ...)."""
    e = _Enc(emit_default_values, use_proto_names)
    try:
        e.message(type(msg), msg)
    except _Fail as x:
        raise JsonError(x.reason, "$" + x.path)
    except RuntimeError:
        raise JsonError("nesting too deep for this runtime")
    return "".join(e.out)
