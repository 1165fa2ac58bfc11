# Wire-format primitives shared by generated code and the reflective paths.
#
# Everything here works on MicroPython (>= 1.22, 32-bit boards included) and
# CPython >= 3.10. Functions take the buffer, a position and an end and return
# the new position, so hot loops stay allocation-free except where a value must
# be boxed (floats, ints beyond the small-int range, multi-byte varints return
# a (value, pos) tuple).
#
# Only what generated code calls on its hot paths is defined here. The rest
# loads on first use, through this module's __getattr__ (as MicroPython's
# asyncio package loads its parts), so that importing the runtime costs
# little heap (docs/design.md, "Heap after import"):
#   buffa._packed    packed repeated runs (and the viper loops they use),
#                    and sint32, sint64, boolean: only packed runs use them;
#                    spend, the decode budget's helper
#   buffa._wirecold  unknown fields, the type and flag numbers (DOUBLE...,
#                    REPEATED...), WIRE_TYPE, the cold readers and writers,
#                    the strict UTF-8 check
# skip, unknown and unknown_raw, which generated modules import, are stubs
# here that call the real functions (for input that is rare: unknown
# fields, closed enums' unknown values).
# The runtime's names, the errors and the decode budgets (left.n and left.u:
# what is left of DecodeOptions max_elements and max_unknown_fields in the
# decode under way) live in the package and buffa.message, which a program
# whose messages the C accelerator handles loads without this module.
from buffa import CPYTHON, IMPLEMENTATION, DecodeError, EncodeError
from buffa import message as _message
from buffa.message import NO_BUDGET, left, keys


def over(dp, p):
    # A decoder found dp or the element budget below zero. Not a stub into
    # buffa._wirecold: it runs at the deepest point of a nested decode,
    # where an import's C stack overflowed the micro:bit's 10 KiB.
    if dp < 0:
        raise DecodeError("recursion limit exceeded", p, "recursion")
    raise DecodeError("more elements than max_elements", p, "elements")


def __getattr__(n):
    # A cold name: load the module that has it and keep it here.
    p = "pack" in n or "zz32_" in n or n in ("sint32", "sint64", "boolean", "spend")
    v = getattr(__import__("buffa._packed" if p else "buffa._wirecold", None, None, (n,)), n)
    globals()[n] = v
    return v


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
                raise DecodeError("varint overflows 64 bits", p - 1, "varint")
            return v | (c << s), p
        if s == 63:
            raise DecodeError("varint longer than 10 bytes", p - 1, "varint")
        v |= (c & 0x7F) << s
        s += 7
    raise DecodeError("truncated varint", p)


def tag(b, p, e, v):
    # Continue a tag whose first byte v (> 127) was at p - 1. Tags are at
    # most five bytes, as in Google's parsers.
    s = p
    t, p = varint(b, p, e, v)
    if t > 0xFFFFFFFF or p - s > 4:
        raise DecodeError("invalid tag", s - 1, "tag")
    return t, p


def length(b, p, e, v):
    # Continue a length prefix and return (start, end) of the payload. At
    # most five bytes, as in Google's parsers (no length needs more).
    s = p
    n, p = varint(b, p, e, v)
    if p - s > 4:
        raise DecodeError("length prefix longer than 5 bytes", s - 1, "varint")
    q = p + n
    if q > e:
        raise DecodeError("length past the end", p)
    return p, q


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



def uint32(v):
    return v & 0xFFFFFFFF


def skip(b, p, e, t, dp):
    # Skip the payload of a field whose tag t ended at p; return its end.
    return __getattr__("skip")(b, p, e, t, dp)


def unknown(m, b, s, p, e, t, dp):
    # Keep an unrecognised field (tag at s, payload at p) byte for byte.
    return __getattr__("unknown")(m, b, s, p, e, t, dp)


def unknown_raw(m, b, s, q):
    # A closed enum's unrecognised value: keep its field bytes b[s:q].
    __getattr__("keep_unknown")(m, b[s:q])


try:
    # CPython's codec is strict already; MicroPython's accepts overlongs and
    # surrogates, so there a non-ASCII string gets a check of its own.
    str(b"\xed\xa0\x80", "utf-8")
    _LAX_UTF8 = True
except UnicodeError:
    _LAX_UTF8 = False


def string(b, p, q):
    # UTF-8 payload b[p:q] -> str, validated (utf8_validation = VERIFY).
    try:
        s = str(b[p:q], "utf-8")
    except UnicodeError:
        raise DecodeError("invalid UTF-8 in string field", p, "utf8")
    if _LAX_UTF8 and len(s) != q - p:
        strict_utf8(b, p, q)
    return s


def _valid_utf8(b, p, q):
    # Strict UTF-8 check (buffa._wirecold); replaces this stub on first use.
    global _valid_utf8
    from buffa._wirecold import _valid_utf8

    return _valid_utf8(b, p, q)


def strict_utf8(b, p, q):
    # b[p:q] decoded on MicroPython and is not ASCII: reject what its lax
    # codec let through. Generated code calls this after its inline decode
    # and holds this function, so it is not a stub through __getattr__,
    # which would look the module up again for every non-ASCII string.
    if not _valid_utf8(b, p, q):
        raise DecodeError("invalid UTF-8 in string field", p, "utf8")


# The map key cache, keys, is buffa.message's (with its bounds, _key_cap and
# _key_max): generated code looks a key's bytes up there first.
def new_key(b, p, q, c):
    # A VERIFY map key c = b[p:q] that is not in keys: decode it, keep it.
    k = string(b, p, q)
    m = _message
    if q - p <= m._key_max and m._key_cap:
        if len(keys) >= m._key_cap:
            keys.clear()
        keys[c] = k
    return k


def string_lax(b, p, q):
    # utf8_validation = NONE: a payload that is not UTF-8 is kept as bytes so
    # that it re-encodes unchanged.
    try:
        return string(b, p, q)
    except DecodeError:
        return bytes(b[p:q])


# ---- encoding --------------------------------------------------------------


def vsize(v, hi=0xFFFFFFFFFFFFFFFF):
    # Bytes a varint takes; negative values are sign-extended to 64 bits.
    # hi: the largest value of the field's type (0x7FFFFFFF, 0xFFFFFFFF,
    # 0x7FFFFFFFFFFFFFFF or, for lengths and uint64, 0xFFFFFFFFFFFFFFFF); a
    # value outside the type's range raises EncodeError (kind "range"): the
    # smallest value of a signed type is -hi - 1, of an unsigned one 0.
    # Generated code sizes values below 128 inline, so this starts with the
    # large ones (timestamps, ids) and compares instead of shifting.
    if v < 0x10000000:
        if v >= 0:
            if v < 0x4000:
                return 1 if v < 0x80 else 2
            return 3 if v < 0x200000 else 4
        # negative: ten bytes if the type is signed and v is not below its
        # minimum (v >> 31 is -1 for -2**31 <= v < 0); shifts and these
        # compares keep 64-bit constants, which take heap, to two
        if hi == 0x7FFFFFFF:
            if v >> 31 == -1:
                return 10
        elif hi == 0x7FFFFFFFFFFFFFFF and v >> 63 == -1:
            return 10
    elif v <= hi:
        if v < 0x800000000:
            return 5
        if v < 0x40000000000:
            return 6
        if v < 0x2000000000000:
            return 7
        if v < 0x100000000000000:
            return 8
        return 10 if v >> 63 else 9
    __getattr__("out_of_range")(v, hi)


def put_varint(buf, p, v):
    if v < 0:
        v &= 0xFFFFFFFFFFFFFFFF
    # two bytes per round: long varints (timestamps) take half the tests
    while v > 0x3FFF:
        buf[p] = v & 0x7F | 0x80
        buf[p + 1] = v >> 7 & 0x7F | 0x80
        v >>= 14
        p += 2
    if v > 0x7F:
        buf[p] = v & 0x7F | 0x80
        buf[p + 1] = v >> 7
        return p + 2
    buf[p] = v
    return p + 1


if CPYTHON:
    # A varint of five bytes and up (timestamps, ids) costs CPython a round of
    # big-int bytecode per byte pair above. One multiplication spreads it
    # instead: v * _SPREAD[n][1] is n copies of v, copy i shifted left by 65*i
    # bits, so byte 9*i of the product holds bits 7i.. of v and copies never
    # overlap; OR-ing _SPREAD[n][2] sets the continuation bit of every byte
    # but the last, and to_bytes()[::9] keeps bytes 0, 9, 18, ...
    # (docs/design.md section 2).
    _SPREAD = [None] * 65
    for _b in range(29, 65):
        _n = (_b + 6) // 7
        _SPREAD[_b] = (_n, sum(1 << 65 * _i for _i in range(_n)), sum(0x80 << 72 * _i for _i in range(_n - 1)), 9 * _n - 8)
    del _b, _n

    def put_varint(buf, p, v):
        if v < 0:
            v &= 0xFFFFFFFFFFFFFFFF
        elif v < 0x10000000:
            # as above (inline: a second call costs more than these stores)
            if v > 0x3FFF:
                buf[p] = v & 0x7F | 0x80
                buf[p + 1] = v >> 7 & 0x7F | 0x80
                v >>= 14
                p += 2
            if v > 0x7F:
                buf[p] = v & 0x7F | 0x80
                buf[p + 1] = v >> 7
                return p + 2
            buf[p] = v
            return p + 1
        n, a, c, k = _SPREAD[v.bit_length()]
        q = p + n
        buf[p:q] = (v * a | c).to_bytes(k, "little")[::9]
        return q


def negzero(v):
    # -0.0 is not the default of an implicit-presence float: it is written.
    return v == 0 and str(v)[0] == "-"


def lsize(v):
    # Size of a length-prefixed str/bytes value (without its tag).
    k = len(utf8_lax(v))
    return k + (1 if k < 0x80 else vsize(k))


# text_map / put_text_map: whole map<string, string|bytes> fields
# (buffa._textmap) on CPython. Generated size and write code test them and
# run their own per-entry code where they are None (MicroPython).
if not CPYTHON:
    # MicroPython: a view of a str's UTF-8 bytes, without copying (bytes
    # values, which lax strings may hold, give a view as well).
    utf8 = utf8_lax = memoryview
    text_map = put_text_map = None
    from struct import pack_into as pack_f32
else:
    # CPython: str.encode is a C call; strings that are not validated
    # (utf8_validation = NONE) may hold bytes and go through utf8_lax.
    utf8 = str.encode

    def utf8_lax(s):
        return s.encode() if type(s) is str else s

    from buffa._textmap import encode as text_map, put as put_text_map

    from struct import pack_into as _pack_into

    def pack_f32(fmt, buf, p, *a):
        # struct.pack_into for a float field's value (fmt "<f", or "<Bf" with
        # a one-byte tag): a double beyond float's range is written as +-inf,
        # as C's conversion (and so MicroPython's struct) does and as Google's
        # runtimes do; CPython's struct raises OverflowError instead.
        try:
            _pack_into(fmt, buf, p, *a)
        except OverflowError:
            v = a[-1]
            _pack_into(fmt, buf, p, *(a[:-1] + (v * float("inf"),)))


# ---- C accelerator hook (natmod/buffa_accel, docs/design.md "C fast path") --
# Where buffa.message found the module buffa_accel (a native .mpy built for
# this port's arch, or compiled into the firmware), its C versions of the
# helpers above replace them. The Python versions stay as _py_NAME: the C
# code calls _py_vsize and _py_put_varint for what it hands back (values
# that are not ints or out of range), and tests compare the two. Results and
# errors are the same either way. CPython and CircuitPython (no native
# modules) keep the Python code. ACCEL says which path runs.
_accel = _message._accel
ACCEL = _accel is not None
if ACCEL:
    _py_varint, _py_tag, _py_length, _py_string = varint, tag, length, string
    _py_strict_utf8, _py_vsize, _py_put_varint = strict_utf8, vsize, put_varint
    varint, tag, length, string = _accel.varint, _accel.tag, _accel.length, _accel.string
    strict_utf8, _valid_utf8 = _accel.strict_utf8, _accel.utf8_ok
    vsize, put_varint = _accel.vsize, _accel.put_varint
del _accel
