# The cold part of buffa.wire: unknown fields, the field type and flag
# numbers and the strict UTF-8 check (for buffa.protojson, buffa.fields'
# users and MicroPython's non-ASCII strings). Loaded on first use through buffa.wire's __getattr__; use
# these names as buffa.wire.<name>.
from buffa.wire import DecodeError, put_varint, tag, varint, vsize

# Field types, numbered as FieldDescriptorProto.Type so generated tables can
# use the descriptor's numbers directly.
DOUBLE = 1
FLOAT = 2
INT64 = 3
UINT64 = 4
INT32 = 5
FIXED64 = 6
FIXED32 = 7
BOOL = 8
STRING = 9
GROUP = 10
MESSAGE = 11
BYTES = 12
UINT32 = 13
ENUM = 14
SFIXED32 = 15
SFIXED64 = 16
SINT32 = 17
SINT64 = 18

# Field flags in generated tables.
REPEATED = 1
PACKED = 2  # encode packed (decode always accepts both)
MAP = 4
PRESENCE = 8  # explicit presence: None means absent
ONEOF = 16
REQUIRED = 32
CLOSED = 64  # enum field whose enum is closed
VERIFY = 128  # string field with utf8_validation = VERIFY

# wire type of each field type (index = type number)
WIRE_TYPE = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)


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
