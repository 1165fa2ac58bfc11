# buffa.protojson: the encoder (messages to proto3 JSON text).
import binascii
import struct
from buffa.protojson import WKT, JsonError, Fail, at

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


_DOUBLE = const(1)
_FLOAT = const(2)
_INT32 = const(5)
_FIXED32 = const(7)
_BOOL = const(8)
_STRING = const(9)
_GROUP = const(10)
_MESSAGE = const(11)
_BYTES = const(12)
_UINT32 = const(13)
_ENUM = const(14)
_SFIXED32 = const(15)
_SINT32 = const(17)
_INT64 = const(3)
_UINT64 = const(4)
_FIXED64 = const(6)
_SFIXED64 = const(16)
_SINT64 = const(18)
_REPEATED = const(1)
_MAP = const(4)
_PRESENCE = const(8)
_ONEOF = const(16)

_INF = float("inf")

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


def _f32(v):
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return None


def fmt_double(v):
    if v != v:
        return '"NaN"'
    if v == _INF:
        return '"Infinity"'
    if v == -_INF:
        return '"-Infinity"'
    s = repr(v)
    if _LONG_REPR and (_digits(s) > 15 or (v and -2.3e-308 < v < 2.3e-308)):
        # MicroPython's repr gives 16 or 17 digits where fewer may read back
        # the same (98.23999999999999 for 98.24), and subnormals (with fewer
        # digits of precision) get more than they need: find the fewest
        s = _shortest(v) or s
    if s[-2:] == ".0":
        s = s[:-2]
    return s


def _digits(s):
    # Significant digits of a float's repr.
    i = s.find("e")
    if i >= 0:
        s = s[:i]
    return len(s.replace("-", "").replace(".", "").lstrip("0"))


def _shortest(v):
    # The text CPython's repr gives: the fewest significant digits that read
    # back as v (a binary search: more digits never read back worse), in
    # fixed notation for exponents -4 to 15 and exponent notation beyond.
    lo = 1
    hi = 17
    while lo < hi:
        mid = (lo + hi) // 2
        if float(("%%.%de" % (mid - 1)) % v) == v:
            hi = mid
        else:
            lo = mid + 1
    s = ("%%.%de" % (lo - 1)) % v
    i = s.find("e")
    x = int(s[i + 1 :])
    if -4 <= x < 16:
        d = lo - 1 - x
        s = ("%%.%df" % (d if d > 0 else 0)) % v
    if float(s) != v:
        return None
    return s


# Whether repr() may give more digits than needed (MicroPython's does;
# CPython's is the shortest): 5e-324 is a one-digit double.
_LONG_REPR = repr(5e-324) != "5e-324" and 1.0 + 2.0**-40 != 1.0


# Whether floats are float32 (MicroPython on most boards): their "%g" and
# float() are then off by an ulp for some values, so float fields are
# written from the value's bits (buffa.protojson._float32) instead.
_FLOAT32 = 1.0 + 2.0**-30 == 1.0


def fmt_float(v):
    # The shortest text that reads back as the same float32.
    if v != v or v == _INF or v == -_INF:
        return fmt_double(v)
    f = _f32(v)
    if f is None or f == _INF or f == -_INF:
        raise Fail("float value %r out of range" % v, "range")
    if _FLOAT32 and f:
        from buffa.protojson._float32 import f32_text

        return f32_text(f)
    for fmt in ("%.6g", "%.7g", "%.8g"):
        s = fmt % f
        if _f32(float(s)) == f:
            return s
    return "%.9g" % f


def string(v):
    if type(v) is not str:
        if isinstance(v, (bytes, bytearray)):
            # what decoding keeps of a string field without UTF-8 checks
            raise Fail("string field holds invalid UTF-8", "unrepresentable")
        raise Fail("expected a str, got %s" % type(v).__name__, "type")
    return _quote(v)


def _check(typ, v):
    # A value binary encoding would refuse (wrong type, out of range): say
    # what is wrong (buffa._errors, loaded only then).
    from buffa._errors import problem

    p = problem(typ, 0, None, v)
    if p is not None:
        raise Fail(p[1], p[0])


def _int_ok(typ, v):
    # An int in the range of integer type typ (a bool, or anything else,
    # goes to _check)
    if type(v) is not int:
        return False
    if typ == _UINT32 or typ == _FIXED32:
        return 0 <= v <= 0xFFFFFFFF
    if typ == _UINT64 or typ == _FIXED64:
        return 0 <= v <= 0xFFFFFFFFFFFFFFFF
    if typ == _INT64 or typ == _SINT64 or typ == _SFIXED64:
        return -0x8000000000000000 <= v <= 0x7FFFFFFFFFFFFFFF
    return -0x80000000 <= v <= 0x7FFFFFFF


def scalar(typ, ref, v):
    # The JSON text of one non-message value.
    if typ == _INT32 or typ == _SINT32 or typ == _SFIXED32 or typ == _UINT32 or typ == _FIXED32:
        if not _int_ok(typ, v):
            _check(typ, v)
        return "%d" % v
    if typ == _STRING:
        return string(v)
    if typ == _BOOL:
        return "true" if v else "false"
    if typ == _ENUM:
        if not _int_ok(typ, v):
            _check(typ, v)
        n = ref._buffa_n.get(v)
        if n is None:
            return "%d" % v
        if ref._buffa_name == "google.protobuf.NullValue":
            return "null"
        return '"' + n + '"'
    if typ == _DOUBLE or typ == _FLOAT:
        if type(v) is not float and type(v) is not int:
            _check(typ, v)
        return fmt_double(v) if typ == _DOUBLE else fmt_float(v)
    if typ == _BYTES:
        try:
            return '"' + str(binascii.b2a_base64(v), "ascii").rstrip("\n") + '"'
        except TypeError:
            _check(typ, v)  # a value of the wrong type: say so
            raise
    if not _int_ok(typ, v):
        _check(typ, v)
    return '"%d"' % v  # the 64-bit integers


def _mapkey(typ, k):
    if typ == _STRING:
        return _quote(k) if type(k) is str else string(k)
    if typ == _BOOL:
        return '"true"' if k else '"false"'
    if not _int_ok(typ, k):
        _check(typ, k)
    return '"%d"' % k


# Quoted keys per class, built on first use for the naming in use only:
# '"name":' per field. (Keeping the ',"name":' twins and both namings cost
# four times the heap for one less append per member.)
_keys = ({}, {})  # [proto_names]: message class -> tuple of keys


def _keys_of(M, proto):
    k = _keys[proto].get(M)
    if k is None:
        col = 5 if proto else 6
        k = _keys[proto][M] = tuple([_quote(r[col]) + ":" for r in M._buffa_f])
    return k


class _Enc:
    def __init__(self, defaults, proto_names):
        self.out = []
        self.defaults = defaults
        self.proto = 1 if proto_names else 0

    def value(self, typ, ref, v):
        if typ == _MESSAGE or typ == _GROUP:
            self.message(ref, v)
        else:
            self.out.append(scalar(typ, ref, v))

    def message(self, M, m, more=False):
        # more: the object is open already, with members (an Any's "@type").
        a = self.out.append
        if not more:
            k = WKT.get(M._buffa_name)
            if k and k != 9:
                return self.wkt(k, M, m)
            a("{")
        sep = more
        dflt = self.defaults
        keys = _keys_of(M, self.proto)
        i = -1
        for row in M._buffa_f:
            i += 1
            v = getattr(m, row[0])
            fl = row[3]
            if fl & (_REPEATED | _MAP):
                if not v and not dflt:
                    continue
            elif fl & (_PRESENCE | _ONEOF):
                if v is None:
                    continue
            elif v == row[7] and not dflt:
                # -0.0 equals the default 0.0 but is a value of its own
                if row[2] > _FLOAT or str(v)[0] != "-":
                    continue
            if sep:
                a(",")
            a(keys[i])
            sep = True
            typ = row[2]
            try:
                if fl & (_REPEATED | _MAP) or typ == _MESSAGE or typ == _GROUP:
                    self.field(row, v)
                elif typ == _STRING and type(v) is str:
                    a(_quote(v))
                else:
                    a(scalar(typ, row[4], v))
            except Exception as e:
                raise at(e, "." + row[5 if self.proto else 6])
        if M._buffa_x and m._buffa_u:
            xs = M._buffa_x
            for num in sorted(xs):
                x = xs[num]
                if x.has(m):
                    if sep:
                        a(",")
                    sep = True
                    a(_quote("[" + x.name + "]") + ":")
                    v = x.get(m)
                    try:
                        if x.flags & _REPEATED:
                            a("[")
                            for j in range(len(v)):
                                if j:
                                    a(",")
                                self.value(x.type, x.ref, v[j])
                            a("]")
                        else:
                            self.value(x.type, x.ref, v)
                    except Exception as e:
                        raise at(e, ".[" + x.name + "]")
        a("}")

    def field(self, row, v):
        a = self.out.append
        fl = row[3]
        typ = row[2]
        ref = row[4]
        if fl & _MAP:
            kt = ref[0][2]
            vt = ref[1][2]
            vr = ref[1][4]
            sep = "{"
            for k in v:
                a(sep)
                sep = ","
                ks = _mapkey(kt, k)
                a(ks)
                a(":")
                x = v[k]
                try:
                    if vt == _STRING and type(x) is str:
                        a(_quote(x))
                    else:
                        self.value(vt, vr, x)
                except Exception as e:
                    raise at(e, "[%s]" % ks)
            a("}" if v else "{}")
        elif fl & _REPEATED:
            a("[")
            msg = typ == _MESSAGE or typ == _GROUP
            for i in range(len(v)):
                if i:
                    a(",")
                try:
                    if msg:
                        self.message(ref, v[i])
                    else:
                        a(scalar(typ, ref, v[i]))
                except Exception as e:
                    raise at(e, "[%d]" % i)
            a("]")
        elif typ == _MESSAGE or typ == _GROUP:
            self.message(ref, v)
        else:
            a(scalar(typ, ref, v))

    def wkt(self, k, M, m):
        from buffa.protojson import _encode_wkt

        _encode_wkt.wkt(self, k, M, m)


def encode(msg, defaults, proto_names):
    e = _Enc(defaults, proto_names)
    try:
        e.message(type(msg), msg)
    except Fail as x:
        raise JsonError(x.reason, "$" + x.path, x.kind)
    except RuntimeError:  # too deep for the runtime's own stack
        raise JsonError("nesting too deep for this runtime", "$", "limit")
    return "".join(e.out)


quote = _quote
