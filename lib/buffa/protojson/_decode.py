# buffa.protojson: the decoder (proto3 JSON text to messages).
#
# A recursive-descent parser over the UTF-8 bytes that fills messages as it
# goes: no generic tree, numbers read exactly from their text, duplicate
# and malformed input rejected. The well-known types' forms are in
# _decode_wkt, loaded the first time one is met.
from buffa import wire
from buffa.message import DecodeOptions
from buffa.protojson import WKT, JsonError, Fail, at
from buffa.protojson._json import Tok
from buffa.protojson._scalar import check_int, number_text, int_text, mapkey, b64, f32

try:
    from micropython import const
except ImportError:

    def const(x):
        return x

_DOUBLE = const(1)
_FLOAT = const(2)
_INT32 = const(5)
_INT64 = const(3)
_BOOL = const(8)
_STRING = const(9)
_GROUP = const(10)
_MESSAGE = const(11)
_BYTES = const(12)
_ENUM = const(14)
_SFIXED32 = const(15)
_REPEATED = const(1)
_MAP = const(4)
_ONEOF = const(16)
_CLOSED = const(64)

_INF = float("inf")
_DEFAULTS = DecodeOptions()
SKIP = object()  # an unknown enum value being ignored


# ---- per-class tables ----------------------------------------------------------

_fields = {}  # message class -> {JSON or proto name, as bytes: (row, bit)}
_weights = {}  # message class -> what it counts against max_elements
_enums = {}  # enum class -> {name: number}


def _field_table(M):
    t = _fields.get(M)
    if t is None:
        t = _fields[M] = {}
        bit = 1
        for row in M._buffa_f:
            t[row[6].encode()] = (row, bit)
            t[row[5].encode()] = (row, bit)
            bit <<= 1
    return t


def _weight(M):
    from buffa.fields import weight

    w = _weights[M] = weight(M)
    return w


def _enum_names(E):
    t = _enums.get(E)
    if t is None:
        t = {}
        for k, v in E._buffa_n.items():
            t[v] = k
        # allow_alias: the other names are the class's other constants
        for k in dir(E):
            if k[0] != "_" and k not in t and type(getattr(E, k)) is int:
                t[k] = getattr(E, k)
        _enums[E] = t
    return t


class Dec(Tok):
    # The parser proper: JSON values into message fields. dp, passed along,
    # is how many more levels of nested messages may follow (as in binary
    # decoding).

    def __init__(self, b, ign_fields, ign_enums, chk, o=_DEFAULTS):
        Tok.__init__(self, b, chk)
        self.ignf = ign_fields
        self.igne = ign_enums
        self.left = o.max_elements
        self.unk = o.max_unknown_fields

    def spend(self, n):
        # DecodeOptions.max_elements, counted as binary decoding counts it
        self.left -= n
        if self.left < 0:
            self.budget("elements", "more elements than max_elements")

    def budget(self, kind, what):
        raise Fail("%s at byte %d" % (what, self.p), kind)

    def unknown(self, dp):
        # Pass over an unknown member's value (ignore_unknown_fields).
        self.unk -= 1
        if self.unk < 0:
            self.budget("unknown_fields", "more unknown fields than max_unknown_fields")
        self.skip(dp)

    def message(self, M, m, dp, any_=False):
        # One JSON value into message m of class M. any_: the object is an
        # Any's, so its "@type" member is passed over.
        if dp < 0:
            self.fail("recursion limit exceeded", "limit")
        self.spend(_weights.get(M) or _weight(M))
        k = WKT.get(M._buffa_name)
        if k and k != 9:
            from buffa.protojson import _decode_wkt

            return _decode_wkt.wkt(self, k, M, m, dp)
        if not self.first(123, 125):
            return
        tbl = _fields.get(M) or _field_table(M)
        b = self.b
        seen = 0
        xseen = None  # extension keys met, to refuse one given twice
        while True:
            # the member's name: looked up as the raw bytes when it has no
            # escapes (field names never need any), decoded otherwise
            p = self.p
            if b[p] != 34:
                self.ws()
                p = self.p
            q = b.find(b'"', p + 1) if b[p] == 34 else -1
            ent = tbl.get(b[p + 1 : q]) if q > 0 else None
            if ent is not None:
                self.p = q + 1
                if b[q + 1 : q + 2] == b":":
                    self.p = q + 2
                else:
                    self.expect(58)
                key = None
            else:
                key = self.key()
                ent = tbl.get(key.encode())
            if ent is not None:
                row, bit = ent
                if seen & bit:
                    self.fail("field %r given twice" % row[5], "field")
                seen |= bit
                try:
                    self.field(m, row, dp)
                except Exception as e:
                    raise at(e, "." + (key or str(b[p + 1 : q], "utf-8")))
            elif any_ and key == "@type":
                self.string()
            elif key[:1] == "[" and key[-1:] == "]" and M._buffa_x:
                if xseen is None:
                    xseen = []
                elif key in xseen:
                    self.fail("extension %r given twice" % key, "field")
                xseen.append(key)
                try:
                    self.extension(M, m, key[1:-1], dp)
                except Exception as e:
                    raise at(e, "." + key)
            elif self.ignf:
                self.unknown(dp)
            else:
                self.fail("unknown field %r" % key, "field")
            if not self.more(125):
                break

    def field(self, m, row, dp):
        fl = row[3]
        typ = row[2]
        ref = row[4]
        c = self.b[self.p]
        if c <= 32:
            c = self.ws()
        if c == 110:  # null: the field stays unset ...
            if not fl & (_REPEATED | _MAP) and self.nullable(typ, ref):
                # ... but for google.protobuf.Value and NullValue
                self.set(m, row, self.element(typ, fl, ref, dp))
            else:
                self.literal(b"null")
            return
        if fl & _MAP:
            krow, vrow = ref
            d = getattr(m, row[0])
            if self.first(123, 125):
                while True:
                    ks = self.key()
                    try:
                        k = ks if krow[2] == _STRING else mapkey(krow[2], ks)
                        if k in d:
                            self.fail("map key given twice", "field")
                        self.spend(1)
                        # dp - 1: a map entry is a message level of its own
                        # in binary decoding, so it is one here too
                        v = self.element(vrow[2], vrow[3], vrow[4], dp - 1)
                    except Exception as e:
                        raise at(e, '["%s"]' % ks)
                    if v is not SKIP:
                        d[k] = v
                    if not self.more(125):
                        break
        elif fl & _REPEATED:
            lst = getattr(m, row[0])
            if self.first(91, 93):
                i = 0
                while True:
                    try:
                        if typ != _MESSAGE and typ != _GROUP:
                            self.spend(1)  # (a message counts as it is read)
                        v = self.element(typ, fl, ref, dp)
                    except Exception as e:
                        raise at(e, "[%d]" % i)
                    if v is not SKIP:
                        lst.append(v)
                    i += 1
                    if not self.more(93):
                        break
        else:
            v = self.value(typ, fl, ref, dp)
            if v is not SKIP:
                if fl & _ONEOF:
                    self.set(m, row, v)
                else:
                    setattr(m, row[0], v)

    def nullable(self, typ, ref):
        # Types that read JSON null as a value.
        return (typ == _MESSAGE and ref._buffa_name == "google.protobuf.Value") or (
            typ == _ENUM and ref._buffa_name == "google.protobuf.NullValue"
        )

    def set(self, m, row, v):
        if row[3] & _ONEOF and getattr(m, "_buffa_c_" + row[8]) is not None:
            self.fail("oneof %r has more than one field set" % row[8], "field")
        setattr(m, row[0], v)

    def element(self, typ, fl, ref, dp):
        # A repeated field's element or a map's value: null only for
        # google.protobuf.Value and NullValue.
        c = self.b[self.p]
        if c <= 32:
            c = self.ws()
        if c == 110:
            if typ == _ENUM and self.nullable(typ, ref):
                self.literal(b"null")
                return 0
            if not self.nullable(typ, ref):
                self.fail("null is not allowed here", "value")
        return self.value(typ, fl, ref, dp)

    def value(self, typ, fl, ref, dp):
        # One value of field type typ.
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
            self.fail("expected true or false", "value")
        if typ == _BYTES:
            if c != 34:
                self.fail("expected a base64 string", "value")
            p = self.p
            s = self.string()
            try:
                return b64(s)
            except Fail:
                self.p = p
                self.fail("invalid base64", "value")
        if typ == _ENUM:
            if c == 34:
                p = self.p
                s = self.string()
                v = _enum_names(ref).get(s)
                if v is None:
                    if self.igne:
                        return SKIP
                    self.p = p
                    self.fail("unknown value %r of enum %s" % (s, ref._buffa_name), "value")
                return v
            v = check_int(_ENUM, self.number())
            if fl & _CLOSED and v not in ref._buffa_n:
                if self.igne:
                    return SKIP
                self.fail("unknown value %d of closed enum %s" % (v, ref._buffa_name), "value")
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
                t = number_text(s)
                if t is None:
                    self.p = p
                    self.fail("invalid number %r" % s, "value")
            else:
                t = self.number()
            v = float(t)
            if v == _INF or v == -_INF:
                self.fail("number %s out of range" % t, "range")
            if typ == _FLOAT:
                v = f32(v)
                if v is None:
                    self.fail("number %s out of float range" % t, "range")
            return v
        # the integers
        if c == 34:
            return int_text(typ, self.string())
        t = self.number()
        if len(t) < 10 and "." not in t and "e" not in t and "E" not in t:
            v = int(t)  # within every integer type's range, but for the sign
            if v >= 0 or typ == _INT32 or typ == _INT64 or typ >= _SFIXED32:
                return v
        return check_int(typ, t)

    def extension(self, M, m, name, dp):
        # "[full.name]": an extension of M known to the program.
        for x in M._buffa_x.values():
            if x.name == name:
                break
        else:
            if self.ignf:
                self.unknown(dp)
                return
            self.fail("unknown extension %r" % name, "field")
        if self.ws() == 110:
            self.literal(b"null")
            return
        if x.flags & _REPEATED:
            vals = []
            if self.first(91, 93):
                while True:
                    if x.type != _MESSAGE and x.type != _GROUP:
                        self.spend(1)
                    v = self.element(x.type, x.flags, x.ref, dp)
                    if v is not SKIP:
                        vals.append(v)
                    if not self.more(93):
                        break
            x.set(m, vals)
        else:
            v = self.value(x.type, x.flags, x.ref, dp)
            if v is not SKIP:
                x.set(m, v)


def decode(M, text, ign_fields, ign_enums, options):
    o = options or _DEFAULTS
    # MicroPython checks UTF-8 neither when decoding bytes nor when making
    # a str from them (str(b, "utf-8") keeps invalid bytes): check both.
    try:
        b = text.encode() if type(text) is str else bytes(text)
    except UnicodeError:  # a CPython str holding a lone surrogate
        raise JsonError("text is not valid Unicode", "$", "syntax")
    chk = wire._LAX_UTF8
    if len(b) > o.max_size:
        raise JsonError("input of %d bytes exceeds max_size %d" % (len(b), o.max_size), "$", "limit")
    d = Dec(b, ign_fields, ign_enums, chk, o)
    m = M._buffa_n()
    try:
        if d.ws() == 110 and M._buffa_name != "google.protobuf.Value":
            d.fail("expected an object", "value")
        d.message(M, m, o.recursion_limit)
        if d.ws() != -1:
            d.fail("unexpected data after the value")
    except Fail as e:
        raise JsonError(e.reason, "$" + e.path, e.kind)
    except IndexError:
        raise JsonError("unexpected end of input", "$", "syntax")
    except RuntimeError:  # the runtime's own recursion limit
        raise JsonError("nesting too deep for this runtime", "$", "limit")
    except MemoryError:
        # A small board's heap can run out below the recursion limit (each
        # level holds a parser frame and a message); what was built is
        # garbage once this unwinds, so raising works.
        raise JsonError("not enough memory to decode this input", "$", "memory")
    return m
