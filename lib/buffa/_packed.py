# Packed repeated runs: the part of buffa.wire that only schemas with packed
# fields use (and spend, the decode budget's helper, which they use most). Generated modules import these names from buffa.wire, whose
# __getattr__ loads this module then; the generated code then calls these
# functions directly.
import struct

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


from buffa import wire
from buffa.wire import CPYTHON, DecodeError, int32, put_varint, varint, vsize

_pack_into = struct.pack_into
_unpack_from = struct.unpack_from


def spend(n, p):
    # n more elements of the decode's budget (a packed run's values, map
    # entries); here, not in buffa._wirecold, so that packed fields do not
    # load that module too. buffa.wire.spend finds it here.
    left = wire.left
    left.n -= n
    if left.n < 0:
        wire.over(0, p)

_BOOL = const(8)
_SINT32 = const(17)
_SINT64 = const(18)
_INT32 = const(5)
_UINT32 = const(13)
_ENUM = const(14)
_INT64 = const(3)


def _hi(typ):
    # The largest value of a varint type, as wire.vsize takes it (of the
    # zigzag form for sint32 and sint64).
    if typ == _INT32 or typ == _ENUM:
        return 0x7FFFFFFF
    if typ == _UINT32 or typ == _SINT32:
        return 0xFFFFFFFF
    return 0x7FFFFFFFFFFFFFFF if typ == _INT64 else 0xFFFFFFFFFFFFFFFF

try:
    # Native loops where the port has viper (see lib/buffa_viper.py).
    from buffa_viper import zz32_size as _zz32_size, zz32_put as _zz32_put, zz32_get as _zz32_get
except Exception:
    _zz32_size = _zz32_put = _zz32_get = None


# Element conversions that only packed runs use (generated code inlines
# them for single fields); wire.sint32 is this function.


def sint32(v):
    v &= 0xFFFFFFFF
    return (v >> 1) ^ -(v & 1)


def sint64(v):
    return (v >> 1) ^ -(v & 1)


def boolean(v):
    return v != 0


# Packed repeated decoders: append every element of b[p:q] to lst.


def packed_varint(b, p, q, lst, conv):
    # The varint loop is inlined: a (value, pos) tuple per element would be
    # most of what a packed run allocates on MicroPython. The run's values
    # count against max_elements once it is read (it was at most q - p
    # bytes of list slots).
    n = len(lst)
    p = _packed_varint(b, p, q, lst, conv)
    spend(len(lst) - n, p)
    return p


def _packed_varint(b, p, q, lst, conv):
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
                        raise DecodeError("varint overflows 64 bits", p - 1, "varint")
                    v |= c << s
                    break
                if s == 63:
                    raise DecodeError("varint longer than 10 bytes", p - 1, "varint")
                v |= (c & 0x7F) << s
                s += 7
        ap(conv(v) if conv else v)
    return p


def packed_closed(m, num, b, p, q, lst, known):
    # Packed closed enum: unknown numbers go to the unknown fields.
    while p < q:
        v = b[p]
        p += 1
        u = v
        if v > 0x7F:
            u, p = varint(b, p, q, v)
            v = int32(u)
        if v in known:
            spend(1, p)
            lst.append(v)
        else:
            # kept as read: all 64 bits, as Google's runtimes keep them
            from buffa._wirecold import unknown_varint

            unknown_varint(m, num, u)
    return p


def packed_fixed(b, p, q, lst, fmt, n):
    k = (q - p) // n
    if k * n != q - p:
        raise DecodeError("packed field length not a multiple of %d" % n, p, "packed")
    spend(k, p)  # before the values are made
    if k:
        # one unpack for the whole run ("<64f")
        lst.extend(_unpack_from("<%d%s" % (k, fmt[1]), b, p))
    return q


def packed_size(lst, typ):
    # Payload size of a packed varint run; one- and two-byte values (most
    # sensor data) are sized inline. A value outside the type's range raises
    # EncodeError (through wire.vsize).
    if typ == _SINT32 and _zz32_size:
        n = _zz32_size(lst)
        if n >= 0:
            return n
        # a value of five bytes, perhaps beyond int32: the loop below
    hi = _hi(typ)
    n = 0
    if typ == _SINT32 or typ == _SINT64:
        # The zigzag form of v fits one byte for -64 <= v < 64 and two for
        # -8192 <= v < 8192: compare v itself (a third faster on CPython).
        s = 31 if typ == _SINT32 else 63
        n = len(lst)
        for v in lst:
            if not -64 <= v < 64:
                if -8192 <= v < 8192:
                    n += 1
                else:
                    n += vsize((v << 1) ^ (v >> s), hi) - 1
    else:
        for v in lst:
            if 0 <= v < 0x80:
                n += 1
            elif 0 <= v < 0x4000:
                n += 2
            else:
                n += vsize(v, hi)
    return n


def put_packed(buf, p, lst, typ, pre=None):
    # Write a packed varint run (the payload only). pre: what packed_size
    # returned for lst in this encode's size pass (see the CPython variant).
    if typ == _SINT32 and _zz32_put:
        return _zz32_put(buf, p, lst)
    if typ == _SINT32 or typ == _SINT64:
        # zigzag values are never negative: no "0 <=" per element
        s = 31 if typ == _SINT32 else 63
        for v in lst:
            v = (v << 1) ^ (v >> s)
            if v < 0x80:
                buf[p] = v
                p += 1
            elif v < 0x4000:
                buf[p] = v & 0x7F | 0x80
                buf[p + 1] = v >> 7
                p += 2
            else:
                p = put_varint(buf, p, v)
        return p
    for v in lst:
        if typ == _BOOL:
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


# MicroPython calls take at most 65535 arguments: longer runs are packed
# in pieces (a run that long decodes, so it must encode too).
_PIECE = const(4096)


def put_packed_fixed(buf, p, lst, fmt, n):
    # One pack_into for the whole run ("<64f").
    k = len(lst)
    if k > _PIECE:
        for i in range(0, k, _PIECE):
            p = put_packed_fixed(buf, p, lst[i : i + _PIECE], fmt, n)
        return p
    if k:
        _pack_into("<%d%s" % (k, fmt[1]), buf, p, *lst)
    return p + k * n


if CPYTHON:
    # CPython: a Python-level loop costs about as much per element whether it
    # sizes or writes, so the size pass encodes the run once and hands the
    # bytes to the write pass inside the size it returns (an int, so
    # generated code is the same on every runtime). Generated code keeps that
    # size on the message (_buffa_k<number>) and passes it back as pre: state
    # per message and per encode, like the sub-message sizes (_buffa_s).
    # W3's 256 sint32 samples: docs/design.md section 2.
    class _Encoded(int):
        pass

    _put_packed_loop = put_packed

    def packed_size(lst, typ):
        out = bytearray()
        ap = out.append
        hi = _hi(typ)
        if typ == _SINT32 or typ == _SINT64:
            s = 31 if typ == _SINT32 else 63
            for v in lst:
                v = (v << 1) ^ (v >> s)
                if v < 0x80:
                    ap(v)
                    continue
                if v > hi:  # zigzag of a value beyond the type
                    vsize(v, hi)  # raises EncodeError
                while v > 0x7F:
                    ap(v & 0x7F | 0x80)
                    v >>= 7
                ap(v)
        else:
            for v in lst:
                if typ == _BOOL:
                    v = 1 if v else 0
                elif v < 0 or v > hi:
                    vsize(v, hi)  # raises EncodeError outside the type
                    v &= 0xFFFFFFFFFFFFFFFF
                while v > 0x7F:
                    ap(v & 0x7F | 0x80)
                    v >>= 7
                ap(v)
        n = _Encoded(len(out))
        n.data = out
        return n

    _put_packed_fixed = put_packed_fixed

    def put_packed_fixed(buf, p, lst, fmt, n):
        try:
            return _put_packed_fixed(buf, p, lst, fmt, n)
        except OverflowError:
            if fmt != "<f":
                raise
        # a double beyond float's range: +-inf (buffa.wire.pack_f32)
        out = []
        for v in lst:
            try:
                struct.pack("<f", v)
            except OverflowError:
                v *= float("inf")
            out.append(v)
        return _put_packed_fixed(buf, p, out, fmt, n)

    def put_packed(buf, p, lst, typ, pre=None):
        if pre.__class__ is _Encoded:
            q = p + pre
            buf[p:q] = pre.data
            return q
        return _put_packed_loop(buf, p, lst, typ)
