# buffa.protojson: JSON scalars to field values, for the decoder: exact
# integers with range checks, float32 rounding, base64 in both alphabets.
import binascii
import struct
from buffa.protojson import Fail
from buffa.protojson._json import Tok

try:
    from micropython import const
except ImportError:

    def const(x):
        return x

_INT64 = const(3)
_UINT64 = const(4)
_INT32 = const(5)
_FIXED64 = const(6)
_FIXED32 = const(7)
_BOOL = const(8)
_STRING = const(9)
_UINT32 = const(13)
_ENUM = const(14)
_SFIXED32 = const(15)
_SFIXED64 = const(16)
_SINT32 = const(17)
_SINT64 = const(18)

_INF = float("inf")

_I32 = (-0x80000000, 0x7FFFFFFF)
_U32 = (0, 0xFFFFFFFF)
_I64 = (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF)
_U64 = (0, 0xFFFFFFFFFFFFFFFF)
_LIMITS = {
    _INT32: _I32,
    _SINT32: _I32,
    _SFIXED32: _I32,
    _ENUM: _I32,
    _UINT32: _U32,
    _FIXED32: _U32,
    _INT64: _I64,
    _SINT64: _I64,
    _SFIXED64: _I64,
    _UINT64: _U64,
    _FIXED64: _U64,
}


def _int_of(t):
    # The exact integer a JSON number token (a str) stands for; None if it
    # has a fractional part or is far beyond any 64-bit range.
    e = 0
    i = t.find("e")
    if i < 0:
        i = t.find("E")
    if i >= 0:
        x = t[i + 1 :].lstrip("+-").lstrip("0")
        # an exponent of more than 5 digits leaves no integer in 64 bits but
        # 0 (and int() of thousands of digits is slow, or refused by CPython)
        e = int(x) if 0 < len(x) < 6 else (99999 if x else 0)
        if t[i + 1] == "-":
            e = -e
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
        return None
    if e < 0:
        if -e >= len(t) or t[e:].rstrip("0"):
            return None
        t = t[:e]
        e = 0
    v = int(t) * 10**e
    return -v if neg else v


def check_int(typ, t):
    v = _int_of(t)
    if v is None:
        raise Fail("not an integer: %s" % t)
    lo, hi = _LIMITS[typ]
    if v < lo or v > hi:
        raise Fail("integer %s out of range" % t, "range")
    return v


def number_text(s):
    # The number token a JSON string holds (all of it), or None.
    d = Tok(s.encode())
    try:
        t = d.number()
        if d.p == d.n:
            return t
    except Fail:
        pass
    return None


def int_text(typ, s):
    # An integer given as a JSON string ("123", as 64-bit ones are written).
    if s and "0" <= min(s) and max(s) <= "9" and (s[0] != "0" or len(s) == 1) and len(s) < 21:
        v = int(s)  # plain ASCII digits: the usual case
        if v <= _LIMITS[typ][1]:
            return v
    t = number_text(s)
    if t is None:
        raise Fail("invalid integer %r" % s)
    return check_int(typ, t)


def mapkey(typ, s):
    if typ == _STRING:
        return s
    if typ == _BOOL:
        if s == "true":
            return True
        if s == "false":
            return False
        raise Fail("invalid bool map key %r" % s)
    return int_text(typ, s)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(s):
    # Standard or URL-safe alphabet, padded or not (binascii alone takes
    # neither URL-safe nor, on MicroPython, unpadded input).
    t = s.rstrip("=")
    pad = len(s) - len(t)
    r = len(t) & 3
    if r == 1 or (pad and (len(t) + pad) & 3):
        raise Fail("invalid base64")
    if "-" in t or "_" in t:
        t = t.replace("-", "+").replace("_", "/")
    if r:
        t += "==" if r == 2 else "="
    try:
        v = binascii.a2b_base64(t)
    except ValueError:
        v = None
    if v is None or str(binascii.b2a_base64(v), "ascii").rstrip("\n") != t:
        # a stray character, or only non-zero spare bits in the last group
        for c in t.rstrip("="):
            if c not in _B64:
                raise Fail("invalid base64")
        if v is None:
            raise Fail("invalid base64")
    return v


def f32(v):
    # Round to float32; None when out of float32's range.
    try:
        r = struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return None
    if r == _INF or r == -_INF:
        return None
    return r
