# A table-driven codec for single field values: what map entries and
# extensions use. Generated code inlines the common field shapes and calls
# in here only for these colder paths.
from buffa import wire
from buffa.wire import DecodeError, varint, vsize, put_varint, utf8_lax as utf8
import struct

_unpack_from = struct.unpack_from
_pack_into = struct.pack_into

# struct format and width of the fixed-width types
_FIXED = {
    wire.DOUBLE: ("<d", 8),
    wire.FLOAT: ("<f", 4),
    wire.FIXED64: ("<Q", 8),
    wire.FIXED32: ("<I", 4),
    wire.SFIXED32: ("<i", 4),
    wire.SFIXED64: ("<q", 8),
}


def _from_varint(typ, v):
    if typ == wire.INT32 or typ == wire.ENUM:
        return wire.int32(v)
    if typ == wire.INT64:
        return wire.int64(v)
    if typ == wire.UINT32:
        return v & 0xFFFFFFFF
    if typ == wire.SINT32:
        return wire.sint32(v)
    if typ == wire.SINT64:
        return wire.sint64(v)
    if typ == wire.BOOL:
        return v != 0
    return v  # UINT64


def _to_varint(typ, v):
    if typ == wire.SINT32:
        return wire.zz32(v)
    if typ == wire.SINT64:
        return wire.zz64(v)
    if typ == wire.BOOL:
        return 1 if v else 0
    if typ == wire.UINT32:
        return v & 0xFFFFFFFF
    return v


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
        p, q = wire.payload(b, p, e)
        if typ == wire.STRING:
            if flags & wire.VERIFY:
                return wire.string(b, p, q), q
            return wire.string_lax(b, p, q), q
        return bytes(b[p:q]), q
    fmt, n = _FIXED[typ]
    return wire.fixed(b, p, e, fmt, n)


def scalar_size(typ, v):
    # Encoded size of a non-message value, without its tag.
    if typ in _FIXED:
        return _FIXED[typ][1]
    if typ == wire.STRING or typ == wire.BYTES:
        n = len(utf8(v))
        return vsize(n) + n
    return vsize(_to_varint(typ, v))


def put_scalar(typ, buf, p, v):
    f = _FIXED.get(typ)
    if f:
        _pack_into(f[0], buf, p, v)
        return p + f[1]
    if typ == wire.STRING or typ == wire.BYTES:
        return wire.put_bytes(buf, p, utf8(v))
    return put_varint(buf, p, _to_varint(typ, v))


def _zero(typ):
    if typ == wire.STRING:
        return ""
    if typ == wire.BYTES:
        return b""
    if typ == wire.BOOL:
        return False
    if typ == wire.FLOAT or typ == wire.DOUBLE:
        return 0.0
    return 0


# ---- map entries -----------------------------------------------------------
# A map field's ref is (key_row, value_row); rows as in buffa.message with
# attr "key" and "value".


def map_entry(m, d, spec, b, s, p, q, dp):
    # Decode one entry b[p:q] (its tag at s) into dict d. An entry whose
    # closed-enum value is unknown goes to m's unknown fields whole.
    krow, vrow = spec
    kt = krow[2]
    vt = vrow[2]
    k = None
    v = None
    while p < q:
        t = b[p]
        p += 1
        if t > 0x7F:
            t, p = wire.tag(b, p, q, t)
        fn = t >> 3
        w = t & 7
        if fn == 1 and w == wire.WIRE_TYPE[kt]:
            k, p = read_scalar(kt, krow[3], b, p, q, w)
        elif fn == 2 and vt == wire.MESSAGE and w == 2:
            if dp <= 0:
                raise DecodeError("recursion limit exceeded", p)
            p, r = wire.payload(b, p, q)
            c = v if v is not None else vrow[4]._buffa_n()
            vrow[4]._buffa_d(c, b, p, r, dp - 1, 0)
            v = c
            p = r
        elif fn == 2 and vt != wire.MESSAGE and w == wire.WIRE_TYPE[vt]:
            v, p = read_scalar(vt, vrow[3], b, p, q, w)
        else:
            p = wire.skip(b, p, q, t, dp)
    if p != q:
        raise DecodeError("truncated map entry", q)
    if k is None:
        k = _zero(kt)
    if v is None:
        v = vrow[4]._buffa_n() if vt == wire.MESSAGE else _zero(vt)
    elif vt == wire.ENUM and vrow[3] & wire.CLOSED and v not in vrow[4]._buffa_n:
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
        if vt == wire.MESSAGE:
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
    kw = (1 << 3) | wire.WIRE_TYPE[kt]
    vw = (2 << 3) | wire.WIRE_TYPE[vt]
    for k in d:
        v = d[k]
        e = 1 + scalar_size(kt, k) + 1
        if vt == wire.MESSAGE:
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
        if vt == wire.MESSAGE:
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
        if typ == wire.GROUP:
            if w == 3:
                self.ref._buffa_d(self.ref._buffa_n(), b, p, q, dp - 1, (self.number << 3) | 4)
        elif typ == wire.MESSAGE:
            if w == 2:
                n, p = wire.read_varint(b, p, q)
                self.ref._buffa_d(self.ref._buffa_n(), b, p, q, dp - 1, 0)
        elif typ == wire.STRING and w == 2:
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
            t, p = wire.read_varint(b, p, e)
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
        rep = self.flags & wire.REPEATED
        vals = []
        msg = None
        for s, p, q, w in self._fields(m):
            if typ == wire.MESSAGE or typ == wire.GROUP:
                if msg is None:
                    msg = self.ref._buffa_n()
                if typ == wire.GROUP:
                    self.ref._buffa_d(msg, b, p, q, 99, (self.number << 3) | 4)
                else:
                    n, p = wire.read_varint(b, p, q)
                    self.ref._buffa_d(msg, b, p, q, 99, 0)
                if rep:
                    vals.append(msg)
                    msg = None
            elif w == 2 and wire.WIRE_TYPE[typ] != 2:
                n, p = wire.read_varint(b, p, q)
                while p < q:
                    v, p = read_scalar(typ, self.flags, b, p, q, wire.WIRE_TYPE[typ])
                    vals.append(v)
            else:
                v, p = read_scalar(typ, self.flags, b, p, q, w)
                vals.append(v)
        if rep:
            return vals
        if typ == wire.MESSAGE or typ == wire.GROUP:
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
        self.clear(m)
        if value is None:
            return
        vals = value if self.flags & wire.REPEATED else (value,)
        out = bytearray()
        if self.flags & wire.PACKED and vals:
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
        if out:
            wire.keep_unknown(m, out)

    def _encode_one(self, v):
        typ = self.type
        num = self.number
        if typ == wire.GROUP:
            body = v.encode()
            t1 = (num << 3) | 3
            t2 = (num << 3) | 4
            buf = bytearray(vsize(t1) + len(body) + vsize(t2))
            p = put_varint(buf, 0, t1)
            buf[p : p + len(body)] = body
            put_varint(buf, p + len(body), t2)
            return buf
        if typ == wire.MESSAGE:
            body = v.encode()
            t = (num << 3) | 2
            buf = bytearray(vsize(t) + vsize(len(body)) + len(body))
            wire.put_bytes(buf, put_varint(buf, 0, t), body)
            return buf
        t = (num << 3) | wire.WIRE_TYPE[typ]
        buf = bytearray(vsize(t) + scalar_size(typ, v))
        put_scalar(typ, buf, put_varint(buf, 0, t), v)
        return buf
