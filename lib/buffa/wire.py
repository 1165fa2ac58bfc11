# Wire-format primitives shared by generated code and the reflective paths.
#
# Everything here works on MicroPython (>= 1.22, 32-bit boards included) and
# CPython >= 3.10. Functions take the buffer, a position and an end and return
# the new position, so hot loops stay allocation-free except where a value must
# be boxed (floats, ints beyond the small-int range, multi-byte varints return
# a (value, pos) tuple).
import struct

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_pack_into = struct.pack_into
_unpack_from = struct.unpack_from

# Field types, numbered as FieldDescriptorProto.Type so generated tables can
# use the descriptor's numbers directly.
DOUBLE = const(1)
FLOAT = const(2)
INT64 = const(3)
UINT64 = const(4)
INT32 = const(5)
FIXED64 = const(6)
FIXED32 = const(7)
BOOL = const(8)
STRING = const(9)
GROUP = const(10)
MESSAGE = const(11)
BYTES = const(12)
UINT32 = const(13)
ENUM = const(14)
SFIXED32 = const(15)
SFIXED64 = const(16)
SINT32 = const(17)
SINT64 = const(18)

# Field flags in generated tables.
REPEATED = const(1)
PACKED = const(2)  # encode packed (decode always accepts both)
MAP = const(4)
PRESENCE = const(8)  # explicit presence: None means absent
ONEOF = const(16)
REQUIRED = const(32)
CLOSED = const(64)  # enum field whose enum is closed
VERIFY = const(128)  # string field with utf8_validation = VERIFY

_U64 = const(0xFFFFFFFFFFFFFFFF)

# wire type of each field type (index = type number)
WIRE_TYPE = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)


class DecodeError(ValueError):
    """Malformed or over-limit input. ``offset`` is the byte offset where
    decoding stopped (-1 when unknown)."""

    def __init__(self, msg, offset=-1):
        super().__init__(msg if offset < 0 else "%s at byte %d" % (msg, offset))
        self.reason = msg
        self.offset = offset


class EncodeError(ValueError):
    """A message cannot be encoded (wrong value type, buffer too small)."""


# ---- decoding --------------------------------------------------------------


def varint(b, p, e, v):
    # Continue a varint whose first byte v (> 127) was at p - 1. At most ten
    # bytes; the tenth may only carry bit 63.
    v &= 0x7F
    s = 7
    while p < e:
        c = b[p]
        p += 1
        if c < 0x80:
            if s == 63 and c > 1:
                raise DecodeError("varint overflows 64 bits", p - 1)
            return v | (c << s), p
        if s == 63:
            raise DecodeError("varint longer than 10 bytes", p - 1)
        v |= (c & 0x7F) << s
        s += 7
    raise DecodeError("truncated varint", p)


def read_varint(b, p, e):
    # A whole varint at p; used by the cold paths.
    if p >= e:
        raise DecodeError("truncated varint", p)
    v = b[p]
    if v < 0x80:
        return v, p + 1
    return varint(b, p + 1, e, v)


def tag(b, p, e, v):
    # Continue a tag whose first byte v (> 127) was at p - 1. Tags are at
    # most five bytes, as in Google's parsers.
    s = p
    t, p = varint(b, p, e, v)
    if t > 0xFFFFFFFF or p - s > 4:
        raise DecodeError("invalid tag", s - 1)
    return t, p


def length(b, p, e, v):
    # Continue a length prefix and return (start, end) of the payload.
    n, p = varint(b, p, e, v)
    q = p + n
    if q > e:
        raise DecodeError("length past the end", p)
    return p, q


def payload(b, p, e):
    # A length prefix at p: (start, end) of the payload it announces. For
    # the cold paths; generated code inlines the one-byte case.
    if p >= e:
        raise DecodeError("truncated length", p)
    n = b[p]
    if n > 0x7F:
        return length(b, p + 1, e, n)
    q = p + 1 + n
    if q > e:
        raise DecodeError("length past the end", p + 1)
    return p + 1, q


def int32(v):
    # varint -> int32: keep the low 32 bits, sign-extend.
    v &= 0xFFFFFFFF
    if v > 0x7FFFFFFF:
        return v - 0x100000000
    return v


def int64(v):
    if v > 0x7FFFFFFFFFFFFFFF:
        return v - 0x10000000000000000
    return v


def sint32(v):
    v &= 0xFFFFFFFF
    return (v >> 1) ^ -(v & 1)


def sint64(v):
    return (v >> 1) ^ -(v & 1)


def uint32(v):
    return v & 0xFFFFFFFF


def boolean(v):
    return v != 0


def fixed(b, p, e, fmt, n):
    q = p + n
    if q > e:
        raise DecodeError("truncated fixed-width value", p)
    return _unpack_from(fmt, b, p)[0], q


_ascii_only = None  # set below per runtime


def _valid_utf8(b, p, q):
    # Strict UTF-8 (RFC 3629): no overlongs, no surrogates, <= U+10FFFF.
    while p < q:
        c = b[p]
        p += 1
        if c < 0x80:
            continue
        if c < 0xC2:
            return False
        if c < 0xE0:
            n, lo, hi = 1, 0x80, 0xBF
        elif c < 0xF0:
            n = 2
            lo = 0xA0 if c == 0xE0 else 0x80
            hi = 0x9F if c == 0xED else 0xBF
        elif c < 0xF5:
            n = 3
            lo = 0x90 if c == 0xF0 else 0x80
            hi = 0x8F if c == 0xF4 else 0xBF
        else:
            return False
        if p + n > q:
            return False
        d = b[p]
        if d < lo or d > hi:
            return False
        for i in range(p + 1, p + n):
            d = b[i]
            if d < 0x80 or d > 0xBF:
                return False
        p += n
    return True


try:
    # CPython's codec is strict already; MicroPython's accepts overlongs and
    # surrogates, so there a non-ASCII string gets a check of its own.
    str(b"\xed\xa0\x80", "utf-8")
    _LAX_UTF8 = True
except UnicodeError:
    _LAX_UTF8 = False


def lsize(v):
    # Size of a length-prefixed str/bytes value (without its tag).
    k = len(utf8_lax(v))
    return k + (1 if k < 0x80 else vsize(k))


def string(b, p, q):
    # UTF-8 payload b[p:q] -> str, validated (utf8_validation = VERIFY).
    try:
        s = str(b[p:q], "utf-8")
    except UnicodeError:
        raise DecodeError("invalid UTF-8 in string field", p)
    if _LAX_UTF8 and len(s) != q - p and not _valid_utf8(b, p, q):
        raise DecodeError("invalid UTF-8 in string field", p)
    return s


def string_lax(b, p, q):
    # utf8_validation = NONE: a payload that is not UTF-8 is kept as bytes so
    # that it re-encodes unchanged.
    try:
        return string(b, p, q)
    except DecodeError:
        return bytes(b[p:q])


def skip(b, p, e, t, dp):
    # Skip the payload of a field whose tag t ended at p; return its end.
    w = t & 7
    if t < 8:
        raise DecodeError("field number 0", p)
    if w == 0:
        i = p
        while i < e:
            if b[i] < 0x80:
                if i - p > 9 or (i - p == 9 and b[i] > 1):
                    raise DecodeError("varint overflows 64 bits", i)
                return i + 1
            i += 1
        raise DecodeError("truncated varint", i)
    if w == 2:
        if p >= e:
            raise DecodeError("truncated length", p)
        n = b[p]
        p += 1
        if n > 0x7F:
            n, p = varint(b, p, e, n)
        p += n
    elif w == 1:
        p += 8
    elif w == 5:
        p += 4
    elif w == 3:
        if dp <= 0:
            raise DecodeError("recursion limit exceeded", p)
        end = (t & ~7) | 4
        while True:
            if p >= e:
                raise DecodeError("truncated group", p)
            g = b[p]
            p += 1
            if g > 0x7F:
                g, p = tag(b, p, e, g)
            if g == end:
                return p
            p = skip(b, p, e, g, dp - 1)
    elif w == 4:
        raise DecodeError("unexpected end-group tag", p)
    else:
        raise DecodeError("invalid wire type %d" % w, p)
    if p > e:
        raise DecodeError("field past the end", e)
    return p


def unknown(m, b, s, p, e, t, dp):
    # Keep an unrecognised field (tag at s, payload at p) byte for byte.
    q = skip(b, p, e, t, dp)
    x = m._buffa_x
    if x is not None and (t >> 3) in x:
        # a known extension: check it as strictly as a declared field
        x[t >> 3].validate(b, p, q, t & 7, dp)
    keep_unknown(m, b[s:q])
    return q


def keep_unknown(m, data):
    # Append raw field bytes to m's unknown fields, created on first use.
    u = m._buffa_u
    if u is None:
        m._buffa_u = u = bytearray()
    u += data


def unknown_raw(m, b, s, q):
    # A closed enum's unrecognised value: keep its field bytes b[s:q].
    keep_unknown(m, b[s:q])


def unknown_varint(m, num, v):
    # An unrecognised closed-enum value from a packed run becomes an
    # unpacked field of its own, as Google's runtimes do.
    k = num << 3
    tmp = bytearray(vsize(k) + vsize(v))
    put_varint(tmp, put_varint(tmp, 0, k), v)
    keep_unknown(m, tmp)


# Packed repeated decoders: append every element of b[p:q] to lst.


def packed_varint(b, p, q, lst, conv):
    # The varint loop is inlined: a (value, pos) tuple per element would be
    # most of what a packed run allocates on MicroPython.
    if conv is sint32 and _zz32_get:
        r = _zz32_get(b, p, q, lst)
        if r >= 0:
            return r
        p = -1 - r  # the native loop left the rest to this one
    ap = lst.append
    while p < q:
        v = b[p]
        p += 1
        if v > 0x7F:
            v &= 0x7F
            s = 7
            while True:
                if p >= q:
                    raise DecodeError("truncated varint", p)
                c = b[p]
                p += 1
                if c < 0x80:
                    if s == 63 and c > 1:
                        raise DecodeError("varint overflows 64 bits", p - 1)
                    v |= c << s
                    break
                if s == 63:
                    raise DecodeError("varint longer than 10 bytes", p - 1)
                v |= (c & 0x7F) << s
                s += 7
        ap(conv(v) if conv else v)
    return p


def packed_closed(m, num, b, p, q, lst, known):
    # Packed closed enum: unknown numbers go to the unknown fields.
    while p < q:
        v = b[p]
        p += 1
        if v > 0x7F:
            v, p = varint(b, p, q, v)
            v = int32(v)
        if v in known:
            lst.append(v)
        else:
            unknown_varint(m, num, v)
    return p


def packed_fixed(b, p, q, lst, fmt, n):
    k = (q - p) // n
    if k * n != q - p:
        raise DecodeError("packed field length not a multiple of %d" % n, p)
    if k:
        # one unpack for the whole run ("<64f")
        lst.extend(_unpack_from("<%d%s" % (k, fmt[1]), b, p))
    return q


# ---- encoding --------------------------------------------------------------


def vsize(v):
    # Bytes a varint takes; negative values are sign-extended to 64 bits.
    if v < 0:
        return 10
    if v < 0x80:
        return 1
    if v < 0x4000:
        return 2
    if v < 0x200000:
        return 3
    if v < 0x10000000:
        return 4
    n = 5
    v >>= 35
    while v:
        n += 1
        v >>= 7
    return n


def put_varint(buf, p, v):
    if v < 0:
        v &= _U64
    while v > 0x7F:
        buf[p] = (v & 0x7F) | 0x80
        v >>= 7
        p += 1
    buf[p] = v
    return p + 1


def negzero(v):
    # -0.0 is not the default of an implicit-presence float: it is written.
    return v == 0 and str(v)[0] == "-"


def packed_size(lst, typ):
    # Payload size of a packed varint run; one- and two-byte values (most
    # sensor data) are sized inline.
    if typ == SINT32 and _zz32_size:
        return _zz32_size(lst)
    n = 0
    if typ == SINT32 or typ == SINT64:
        s = 31 if typ == SINT32 else 63
        for v in lst:
            v = (v << 1) ^ (v >> s)
            if v < 0x80:
                n += 1
            elif v < 0x4000:
                n += 2
            else:
                n += vsize(v)
    else:
        for v in lst:
            if 0 <= v < 0x80:
                n += 1
            elif 0 <= v < 0x4000:
                n += 2
            else:
                n += vsize(v)
    return n


def put_packed(buf, p, lst, typ):
    # Write a packed varint run (the payload only).
    if typ == SINT32 and _zz32_put:
        return _zz32_put(buf, p, lst)
    z = typ == SINT32 or typ == SINT64
    s = 31 if typ == SINT32 else 63
    for v in lst:
        if z:
            v = (v << 1) ^ (v >> s)
        elif typ == BOOL:
            v = 1 if v else 0
        if 0 <= v < 0x80:
            buf[p] = v
            p += 1
        elif 0 <= v < 0x4000:
            buf[p] = (v & 0x7F) | 0x80
            buf[p + 1] = v >> 7
            p += 2
        else:
            p = put_varint(buf, p, v)
    return p


def put_packed_fixed(buf, p, lst, fmt, n):
    # One pack_into for the whole run ("<64f").
    k = len(lst)
    if k:
        _pack_into("<%d%s" % (k, fmt[1]), buf, p, *lst)
    return p + k * n


try:
    # Native loops where the port has viper (see lib/buffa_viper.py).
    from buffa_viper import zz32_size as _zz32_size, zz32_put as _zz32_put, zz32_get as _zz32_get
except Exception:
    _zz32_size = _zz32_put = _zz32_get = None


def zz32(v):
    return ((v << 1) ^ (v >> 31)) & 0xFFFFFFFF


def zz64(v):
    return ((v << 1) ^ (v >> 63)) & _U64


try:
    memoryview("\xe9")
    _MV_STR = True  # MicroPython: a str exposes its UTF-8 bytes
except TypeError:
    _MV_STR = False

if _MV_STR:
    # MicroPython: a view of a str's UTF-8 bytes, without copying (bytes
    # values, which lax strings may hold, give a view as well).
    utf8 = memoryview
    utf8_lax = memoryview

else:
    # CPython: str.encode is a C call; strings that are not validated
    # (utf8_validation = NONE) may hold bytes and go through utf8_lax.
    utf8 = str.encode

    def utf8_lax(s):
        return s.encode() if type(s) is str else s


def put_bytes(buf, p, v):
    # Length-prefixed bytes-like value (already UTF-8 for strings).
    n = len(v)
    p = put_varint(buf, p, n)
    q = p + n
    buf[p:q] = v
    return q
