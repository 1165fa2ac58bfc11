# The cold part of buffa.wire: unknown fields, the field type and flag
# numbers, the strict UTF-8 check (for buffa.protojson, buffa.fields' users
# and MicroPython's non-ASCII strings).
# Loaded on first use through buffa.wire's __getattr__; use these names as
# buffa.wire.<name>.
from buffa import wire
from buffa.wire import DecodeError, EncodeError, length, put_varint, tag, varint, vsize

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


# What MicroPython's UTF-8 decoder lets through that RFC 3629 forbids:
# overlong forms, surrogates and code points past U+10FFFF. Every such
# sequence starts with one of these lead bytes; the second byte must lie in
# [lo, hi] (lo > hi: the lead byte itself is never valid).
_SUSPECT = (
    (b"\xc0", 1, 0),
    (b"\xc1", 1, 0),
    (b"\xe0", 0xA0, 0xBF),  # below U+0800: overlong
    (b"\xed", 0x80, 0x9F),  # U+D800..U+DFFF: surrogates
    (b"\xf0", 0x90, 0xBF),  # below U+10000: overlong
    (b"\xf4", 0x80, 0x8F),  # past U+10FFFF
    (b"\xf5", 1, 0),
    (b"\xf6", 1, 0),
    (b"\xf7", 1, 0),
)


def utf8_by_find(b, p, q):
    # Strict UTF-8 (RFC 3629) for b[p:q], which MicroPython's decoder has
    # already accepted: lead bytes and continuation counts are right, so
    # only the sequences in _SUSPECT remain to be ruled out. A lead byte is
    # never a continuation byte, so bytes.find (C speed) locates them all;
    # a byte-by-byte loop here took a third of a decode of log records with
    # some non-ASCII text (docs/design.md, "Strict UTF-8 on MicroPython").
    s = bytes(b[p:q])
    for lead, lo, hi in _SUSPECT:
        i = s.find(lead)
        while i >= 0:
            i += 1
            if i >= len(s) or not lo <= s[i] <= hi:
                return False
            i = s.find(lead, i)
    return True


try:
    # the same check as a native loop, where the port has viper
    from buffa_viper import utf8_ok as _valid_utf8
except Exception:
    _valid_utf8 = utf8_by_find




def out_of_range(v, hi):
    # wire.vsize of a value outside its field type's range (hi: the type's
    # largest value). The encode entry points catch this and name the field
    # (buffa._errors.encode_error).
    lo = -hi - 1 if hi == 0x7FFFFFFF or hi == 0x7FFFFFFFFFFFFFFF else 0
    from buffa._errors import error

    raise error("value %d outside %d .. %d" % (v, lo, hi), "range")


def fixed_range(lst, lo, hi):
    # The size pass's check of a repeated fixed-width integer field
    # (MicroPython's struct packs out-of-range values without a word).
    if min(lst) < lo or max(lst) > hi:
        from buffa._errors import error

        raise error("value outside %d .. %d" % (lo, hi), "range")


def map_key_cache(entries=32, max_bytes=32):
    """Set how many map<string, ...> keys decoding keeps for reuse, and the
    longest key kept (bytes); entries=0 keeps none. Empties the cache.
    Use it as buffa.wire.map_key_cache. (The cache is buffa.message's.)"""
    from buffa import message as w

    if entries < 0 or max_bytes < 0:
        raise ValueError("limits must be >= 0")
    w._key_cap = entries
    w._key_max = max_bytes
    w.keys.clear()


def skip(b, p, e, t, dp):
    # Skip the payload of a field whose tag t ended at p; return its end.
    w = t & 7
    if t < 8:
        raise DecodeError("field number 0", p, "tag")
    if w == 0:
        i = p
        while i < e:
            if b[i] < 0x80:
                if i - p > 9 or (i - p == 9 and b[i] > 1):
                    raise DecodeError("varint overflows 64 bits", i, "varint")
                return i + 1
            i += 1
        raise DecodeError("truncated varint", i)
    if w == 2:
        if p >= e:
            raise DecodeError("truncated length", p)
        n = b[p]
        p += 1
        if n > 0x7F:
            p, n = length(b, p, e, n)
        else:
            n += p
        p = n
    elif w == 1:
        p += 8
    elif w == 5:
        p += 4
    elif w == 3:
        if dp <= 0:
            raise DecodeError("recursion limit exceeded", p, "recursion")
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
        raise DecodeError("unexpected end-group tag", p, "group")
    else:
        raise DecodeError("invalid wire type %d" % w, p, "wire_type")
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
    # Each counts against the decode's max_unknown_fields.
    left = wire.left
    left.u -= 1
    if left.u < 0:
        raise DecodeError("more unknown fields than max_unknown_fields", -1, "unknown_fields")
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
    tmp = bytearray(vsize(k) + vsize(v))  # v: the varint as read, 64 bits unsigned
    put_varint(tmp, put_varint(tmp, 0, k), v)
    keep_unknown(m, tmp)
