# A table-driven codec for single field values: what map entries and
# extensions use. Generated code inlines the common field shapes and calls
# in here only for these colder paths. It needs nothing from buffa.wire's
# cold part (buffa._wirecold) unless a map entry or an extension turns out
# to hold unknown fields.
from buffa import wire
from buffa.wire import DecodeError, varint, vsize, put_varint, utf8_lax as utf8
from buffa.message import _BAD_VALUE
import struct

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_unpack_from = struct.unpack_from
_pack_into = struct.pack_into

# field types and flags, as in buffa.wire
_DOUBLE = const(1)
_FLOAT = const(2)
_INT64 = const(3)
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
_PACKED = const(2)
_CLOSED = const(64)
_VERIFY = const(128)

# wire type of each field type (buffa._WT)
_WT = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)

# struct format and width of the fixed-width types
_FIXED = {
    _DOUBLE: ("<d", 8),
    _FLOAT: ("<f", 4),
    _FIXED64: ("<Q", 8),
    _FIXED32: ("<I", 4),
    _SFIXED32: ("<i", 4),
    _SFIXED64: ("<q", 8),
}


def read_varint(b, p, e):
    # A whole varint at p.
    if p >= e:
        raise DecodeError("truncated varint", p)
    v = b[p]
    if v < 0x80:
        return v, p + 1
    return varint(b, p + 1, e, v)


def payload(b, p, e):
    # A length prefix at p: (start, end) of the payload it announces.
    if p >= e:
        raise DecodeError("truncated length", p)
    n = b[p]
    if n > 0x7F:
        return wire.length(b, p + 1, e, n)
    q = p + 1 + n
    if q > e:
        raise DecodeError("length past the end", p + 1)
    return p + 1, q


def put_bytes(buf, p, v):
    # Length-prefixed bytes-like value (already UTF-8 for strings).
    n = len(v)
    p = put_varint(buf, p, n)
    q = p + n
    buf[p:q] = v
    return q


def _from_varint(typ, v):
    if typ == _INT32 or typ == _ENUM:
        return wire.int32(v)
    if typ == _INT64:
        return wire.int64(v)
    if typ == _UINT32:
        return v & 0xFFFFFFFF
    if typ == _SINT32:
        v &= 0xFFFFFFFF
        return (v >> 1) ^ -(v & 1)
    if typ == _SINT64:
        return (v >> 1) ^ -(v & 1)
    if typ == _BOOL:
        return v != 0
    return v  # UINT64


def _to_varint(typ, v):
    # The varint a value is written as; scalar_size has checked its range.
    if typ == _SINT32:
        return (v << 1) ^ (v >> 31)
    if typ == _SINT64:
        return (v << 1) ^ (v >> 63)
    if typ == _BOOL:
        return 1 if v else 0
    return v


# Largest value of each varint type (of its zigzag form for sint32/sint64),
# as wire.vsize takes it: a value outside the type's range raises there.
_HI = {
    _INT32: 0x7FFFFFFF,
    _ENUM: 0x7FFFFFFF,
    _UINT32: 0xFFFFFFFF,
    _SINT32: 0xFFFFFFFF,
    _INT64: 0x7FFFFFFFFFFFFFFF,
}
# smallest and largest value of the fixed-width integer types (struct packs
# out-of-range values silently on MicroPython)
_FIXED_RANGE = {
    _FIXED32: (0, 0xFFFFFFFF),
    _SFIXED32: (-0x80000000, 0x7FFFFFFF),
    _FIXED64: (0, 0xFFFFFFFFFFFFFFFF),
    _SFIXED64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
}


def read_scalar(typ, flags, b, p, e, w):
    # Read one non-message value of field type typ arriving with wire type w.
    # Returns (value, end). Callers have checked w matches typ.
    if w == 0:
        if p >= e:
            raise DecodeError("truncated varint", p)
        v = b[p]
        p += 1
        if v > 0x7F:
            v, p = varint(b, p, e, v)
        return _from_varint(typ, v), p
    if w == 2:
        p, q = payload(b, p, e)
        if typ == _STRING:
            if flags & _VERIFY:
                return wire.string(b, p, q), q
            return wire.string_lax(b, p, q), q
        return bytes(b[p:q]), q
    fmt, n = _FIXED[typ]
    q = p + n
    if q > e:
        raise DecodeError("truncated fixed-width value", p)
    return _unpack_from(fmt, b, p)[0], q


def scalar_size(typ, v):
    # Encoded size of a non-message value, without its tag. Raises
    # EncodeError (kind "range") for an integer outside its type's range.
    if typ in _FIXED:
        r = _FIXED_RANGE.get(typ)
        if r is not None and not r[0] <= v <= r[1]:
            from buffa._errors import error

            raise error("value %d outside %d .. %d" % (v, r[0], r[1]), "range")
        return _FIXED[typ][1]
    if typ == _STRING or typ == _BYTES:
        n = len(utf8(v))
        return vsize(n) + n
    return vsize(_to_varint(typ, v), _HI.get(typ, 0xFFFFFFFFFFFFFFFF))


def put_scalar(typ, buf, p, v):
    f = _FIXED.get(typ)
    if f:
        _pack_into(f[0], buf, p, v)
        return p + f[1]
    if typ == _STRING or typ == _BYTES:
        return put_bytes(buf, p, utf8(v))
    return put_varint(buf, p, _to_varint(typ, v))


def _zero(typ):
    if typ == _STRING:
        return ""
    if typ == _BYTES:
        return b""
    if typ == _BOOL:
        return False
    if typ == _FLOAT or typ == _DOUBLE:
        return 0.0
    return 0


# ---- map entries -----------------------------------------------------------
# A map field's ref is (key_row, value_row); rows as in buffa.message with
# attr "key" and "value".


def weight(M):
    # What a message of class M counts against DecodeOptions.max_elements:
    # itself and the list or dict of each repeated or map field. Generated
    # decoders spend the same number, computed when they were generated.
    n = 1
    for row in M._buffa_f:
        if row[3] & 5:  # REPEATED | MAP
            n += 1
    return n


def map_entry(m, d, spec, b, s, p, q, dp):
    # Decode one entry b[p:q] (its tag at s) into dict d. An entry whose
    # closed-enum value is unknown goes to m's unknown fields whole.
    krow, vrow = spec
    kt = krow[2]
    vt = vrow[2]
    k = None
    v = None
    if vt == _MESSAGE and dp <= 0:
        # checked even when the entry has no value: its encoding will have
        # one (an empty message), which must decode within the same limit
        raise DecodeError("recursion limit exceeded", p, "recursion")
    wire.spend(1, p)  # the entry (a message value counts as it decodes)
    while p < q:
        t = b[p]
        p += 1
        if t > 0x7F:
            t, p = wire.tag(b, p, q, t)
        fn = t >> 3
        w = t & 7
        if fn == 1 and w == _WT[kt]:
            k, p = read_scalar(kt, krow[3], b, p, q, w)
        elif fn == 2 and vt == _MESSAGE and w == 2:
            p, r = payload(b, p, q)
            c = v if v is not None else vrow[4]._buffa_n()
            vrow[4]._buffa_d(c, b, p, r, dp - 1, 0)
            v = c
            p = r
        elif fn == 2 and vt != _MESSAGE and w == _WT[vt]:
            v, p = read_scalar(vt, vrow[3], b, p, q, w)
        else:
            p = wire.skip(b, p, q, t, dp)
    if p != q:
        raise DecodeError("truncated map entry", q)
    if k is None:
        k = _zero(kt)
    if v is None:
        if vt == _MESSAGE:
            # an empty value, made here: counted as if decoded
            v = vrow[4]._buffa_n()
            wire.spend(weight(vrow[4]), q)
        else:
            v = _zero(vt)
    elif vt == _ENUM and vrow[3] & _CLOSED and v not in vrow[4]._buffa_n:
        wire.keep_unknown(m, b[s:q])
        return
    d[k] = v


def map_size(d, spec, tagsize):
    # Size of a map field; message values cache their size (_buffa_s) for
    # put_map, as generated size functions do.
    krow, vrow = spec
    kt = krow[2]
    vt = vrow[2]
    n = 0
    for k in d:
        v = d[k]
        e = 1 + scalar_size(kt, k) + 1
        if vt == _MESSAGE:
            z = vrow[4]._buffa_z(v)
            v._buffa_s = z
            e += vsize(z) + z
        else:
            e += scalar_size(vt, v)
        n += tagsize + vsize(e) + e
    return n


def put_map(d, spec, buf, p, tagbytes):
    krow, vrow = spec
    kt = krow[2]
    vt = vrow[2]
    kw = (1 << 3) | _WT[kt]
    vw = (2 << 3) | _WT[vt]
    for k in d:
        v = d[k]
        e = 1 + scalar_size(kt, k) + 1
        if vt == _MESSAGE:
            z = v._buffa_s
            e += vsize(z) + z
        else:
            e += scalar_size(vt, v)
        n = len(tagbytes)
        buf[p : p + n] = tagbytes
        p = put_varint(buf, p + n, e)
        buf[p] = kw
        p = put_scalar(kt, buf, p + 1, k)
        buf[p] = vw
        p += 1
        if vt == _MESSAGE:
            p = put_varint(buf, p, z)
            p = vrow[4]._buffa_w(v, buf, p)
        else:
            p = put_scalar(vt, buf, p, v)
    return p


# ---- extensions ------------------------------------------------------------


class Extension:
    """An extension field: pass it to Message.get_extension(),
    set_extension(), has_extension() and clear_extension().

    The value is kept encoded in the message's unknown fields, so a message
    decoded without knowing the extension still re-encodes it unchanged."""

    def __init__(self, extendee, number, typ, flags, ref, name, default=None):
        # extendee: the extended message class; it learns of its extensions
        # so that decoding can validate them as strictly as declared fields.
        if extendee._buffa_x is None:
            extendee._buffa_x = {}
        extendee._buffa_x[number] = self
        self.extendee = extendee._buffa_name
        self.number = number
        self.type = typ
        self.flags = flags
        self.ref = ref
        self.name = name
        self.default = default

    def validate(self, b, p, q, w, dp):
        # Decode and drop a value seen in the unknown fields.
        typ = self.type
        if typ == _GROUP:
            if w == 3:
                self.ref._buffa_d(self.ref._buffa_n(), b, p, q, dp - 1, (self.number << 3) | 4)
        elif typ == _MESSAGE:
            if w == 2:
                n, p = read_varint(b, p, q)
                self.ref._buffa_d(self.ref._buffa_n(), b, p, q, dp - 1, 0)
        elif typ == _STRING and w == 2:
            read_scalar(typ, self.flags, b, p, q, w)

    def _check(self, m):
        if m._buffa_name != self.extendee:
            raise ValueError("%s does not extend %s" % (self.name, m._buffa_name))

    def _fields(self, m):
        # (start, payload, end, wire type) of each occurrence in the unknowns
        u = m._buffa_u
        out = []
        if not u:
            return out
        b = bytes(u)
        p = 0
        e = len(b)
        while p < e:
            s = p
            t, p = read_varint(b, p, e)
            q = wire.skip(b, p, e, t, 100)
            if t >> 3 == self.number:
                out.append((s, p, q, t & 7))
            p = q
        return out

    def has(self, m):
        self._check(m)
        return len(self._fields(m)) > 0

    def get(self, m):
        self._check(m)
        b = bytes(m._buffa_u or b"")
        typ = self.type
        rep = self.flags & _REPEATED
        vals = []
        msg = None
        for s, p, q, w in self._fields(m):
            if typ == _MESSAGE or typ == _GROUP:
                if msg is None:
                    msg = self.ref._buffa_n()
                if typ == _GROUP:
                    self.ref._buffa_d(msg, b, p, q, 99, (self.number << 3) | 4)
                else:
                    n, p = read_varint(b, p, q)
                    self.ref._buffa_d(msg, b, p, q, 99, 0)
                if rep:
                    vals.append(msg)
                    msg = None
            elif w == 2 and _WT[typ] != 2:
                n, p = read_varint(b, p, q)
                while p < q:
                    v, p = read_scalar(typ, self.flags, b, p, q, _WT[typ])
                    vals.append(v)
            else:
                v, p = read_scalar(typ, self.flags, b, p, q, w)
                vals.append(v)
        if rep:
            return vals
        if typ == _MESSAGE or typ == _GROUP:
            return msg
        return vals[-1] if vals else self.default

    def clear(self, m):
        self._check(m)
        u = m._buffa_u
        if not u:
            return
        keep = bytearray()
        last = 0
        for s, p, q, w in self._fields(m):
            keep += u[last:s]
            last = q
        keep += u[last:]
        m._buffa_u = keep if keep else None

    def set(self, m, value):
        self._check(m)
        if value is None:
            self.clear(m)
            return
        try:
            out = self._encode(value)
        except _BAD_VALUE as e:
            # a value of the wrong type or range: nothing is changed
            from buffa._errors import extension_error

            raise extension_error(self, value, e)
        self.clear(m)
        if out:
            wire.keep_unknown(m, out)

    def _encode(self, value):
        vals = value if self.flags & _REPEATED else (value,)
        out = bytearray()
        if self.flags & _PACKED and vals:
            # one length-delimited run of the bare values
            typ = self.type
            n = 0
            for v in vals:
                n += scalar_size(typ, v)
            t = (self.number << 3) | 2
            out = bytearray(vsize(t) + vsize(n) + n)
            p = put_varint(out, put_varint(out, 0, t), n)
            for v in vals:
                p = put_scalar(typ, out, p, v)
        else:
            for v in vals:
                out += self._encode_one(v)
        return out

    def _encode_one(self, v):
        typ = self.type
        num = self.number
        if typ == _GROUP:
            body = v.encode()
            t1 = (num << 3) | 3
            t2 = (num << 3) | 4
            buf = bytearray(vsize(t1) + len(body) + vsize(t2))
            p = put_varint(buf, 0, t1)
            buf[p : p + len(body)] = body
            put_varint(buf, p + len(body), t2)
            return buf
        if typ == _MESSAGE:
            body = v.encode()
            t = (num << 3) | 2
            buf = bytearray(vsize(t) + vsize(len(body)) + len(body))
            put_bytes(buf, put_varint(buf, 0, t), body)
            return buf
        t = (num << 3) | _WT[typ]
        buf = bytearray(vsize(t) + scalar_size(typ, v))
        put_scalar(typ, buf, put_varint(buf, 0, t), v)
        return buf
