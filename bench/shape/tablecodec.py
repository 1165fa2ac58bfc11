# A table-driven codec over the generated field tables (_buffa_f), for the
# shape experiment only (bench/shape/run.py): one generic decode/size/write
# loop in the runtime instead of functions generated per message. It covers
# what the three bench workloads use (scalars, strings, bytes, messages,
# packed runs, string maps), not the whole of protobuf.
import struct
from buffa import wire
from buffa.wire import DecodeError, varint, vsize, put_varint, utf8

_unpack = struct.unpack_from
_pack = struct.pack_into
_FIX = {1: ("<d", 8), 2: ("<f", 4), 6: ("<Q", 8), 7: ("<I", 4), 15: ("<i", 4), 16: ("<q", 8)}
_WT = wire.WIRE_TYPE


def put_bytes(buf, p, v):
    # Its own: buffa.fields has one, but importing that module would add
    # to the table shape's heap figure.
    p = put_varint(buf, p, len(v))
    buf[p:p + len(v)] = v
    return p + len(v)


_IDX = {}


def _index(cls):
    # tag -> row, built once per class
    d = _IDX.get(cls)
    if d is None:
        d = {}
        for row in cls._buffa_f:
            t = row[2]
            wt = 2 if (row[3] & wire.MAP or t in (9, 11, 12)) else _WT[t]
            d[(row[1] << 3) | wt] = row
            if row[3] & wire.REPEATED and wt != 2:
                d[(row[1] << 3) | 2] = row  # packed form
        _IDX[cls] = d
    return d


def _conv(t, v):
    if t == 17:
        return (v >> 1) ^ -(v & 1)
    if t == 8:
        return v != 0
    if t == 5 or t == 14:
        return wire.int32(v)
    return v


def decode(cls, m, b, p, e, dp):
    idx = _index(cls)
    while p < e:
        s = p
        t = b[p]
        p += 1
        if t > 127:
            t, p = wire.tag(b, p, e, t)
        row = idx.get(t)
        if row is None:
            p = wire.unknown(m, b, s, p, e, t, dp)
            continue
        typ = row[2]
        fl = row[3]
        w = t & 7
        if w == 0:
            v = b[p]
            p += 1
            if v > 127:
                v, p = varint(b, p, e, v)
            v = _conv(typ, v)
        elif w == 2:
            q = b[p]
            p += 1
            if q > 127:
                p, q = wire.length(b, p, e, q)
            else:
                q += p
                if q > e:
                    raise DecodeError("length past the end", p)
            if fl & wire.MAP:
                k = v = None
                while p < q:
                    kt = b[p]
                    p += 1
                    r = b[p] + p + 1
                    x = str(b[p + 1 : r], "utf-8")
                    p = r
                    if kt == 10:
                        k = x
                    else:
                        v = x
                getattr(m, row[0])[k] = v
                continue
            if typ == 9:
                v = wire.string(b, p, q)
            elif typ == 12:
                v = b[p:q]
            elif typ == 11:
                sub = row[4]
                v = sub._buffa_n()
                decode(sub, v, b, p, q, dp - 1)
            elif typ in _FIX:
                getattr(m, row[0]).extend(_unpack("<%d%s" % ((q - p) // _FIX[typ][1], _FIX[typ][0][1]), b, p))
                p = q
                continue
            else:
                lst = getattr(m, row[0])
                while p < q:
                    v = b[p]
                    p += 1
                    if v > 127:
                        v, p = varint(b, p, q, v)
                    lst.append(_conv(typ, v))
                continue
            p = q
        else:
            f = _FIX[typ]
            v = _unpack(f[0], b, p)[0]
            p += f[1]
        if fl & wire.REPEATED:
            getattr(m, row[0]).append(v)
        else:
            setattr(m, row[0], v)
    return p


def _vsz(typ, v):
    if typ == 17:
        v = (v << 1) ^ (v >> 31)
    if typ == 8:
        return 1
    if typ in _FIX:
        return _FIX[typ][1]
    return 1 if 0 <= v < 128 else vsize(v)


def size(cls, m, zs):
    n = 0
    for row in cls._buffa_f:
        v = getattr(m, row[0])
        if not v:
            continue
        typ = row[2]
        fl = row[3]
        tl = 1 if row[1] < 16 else 2
        if fl & wire.MAP:
            for k in v:
                a = len(utf8(k))
                c = len(utf8(v[k]))
                z = 2 + a + vsize(a) + c + vsize(c)
                n += tl + vsize(z) + z
        elif fl & wire.PACKED:
            k = 0
            for x in v:
                k += _vsz(typ, x)
            zs.append(k)
            n += tl + vsize(k) + k
        elif fl & wire.REPEATED:
            for x in v:
                i = len(zs)
                zs.append(0)
                k = size(row[4], x, zs)
                zs[i] = k
                n += tl + vsize(k) + k
        elif typ == 9 or typ == 12:
            k = len(utf8(v))
            n += tl + vsize(k) + k
        elif typ == 11:
            i = len(zs)
            zs.append(0)
            k = size(row[4], v, zs)
            zs[i] = k
            n += tl + vsize(k) + k
        else:
            n += tl + _vsz(typ, v)
    return n


def write(cls, m, buf, p, it):
    for row in cls._buffa_f:
        v = getattr(m, row[0])
        if not v:
            continue
        typ = row[2]
        fl = row[3]
        num = row[1]
        if fl & wire.MAP:
            for k in v:
                x = v[k]
                ka = utf8(k)
                xa = utf8(x)
                z = 2 + len(ka) + vsize(len(ka)) + len(xa) + vsize(len(xa))
                p = put_varint(buf, p, (num << 3) | 2)
                p = put_varint(buf, p, z)
                buf[p] = 10
                p = put_bytes(buf, p + 1, ka)
                buf[p] = 18
                p = put_bytes(buf, p + 1, xa)
        elif fl & wire.PACKED:
            p = put_varint(buf, p, (num << 3) | 2)
            p = put_varint(buf, p, next(it))
            if typ in _FIX:
                p = wire.put_packed_fixed(buf, p, v, _FIX[typ][0], _FIX[typ][1])
            else:
                p = wire.put_packed(buf, p, v, typ)
        elif fl & wire.REPEATED:
            for x in v:
                p = put_varint(buf, p, (num << 3) | 2)
                p = put_varint(buf, p, next(it))
                p = write(row[4], x, buf, p, it)
        elif typ == 9 or typ == 12:
            p = put_varint(buf, p, (num << 3) | 2)
            p = put_bytes(buf, p, utf8(v))
        elif typ == 11:
            p = put_varint(buf, p, (num << 3) | 2)
            p = put_varint(buf, p, next(it))
            p = write(row[4], v, buf, p, it)
        elif typ in _FIX:
            p = put_varint(buf, p, (num << 3) | _WT[typ])
            _pack(_FIX[typ][0], buf, p, v)
            p += _FIX[typ][1]
        else:
            p = put_varint(buf, p, num << 3)
            if typ == 17:
                v = (v << 1) ^ (v >> 31)
            elif typ == 8:
                v = 1
            p = put_varint(buf, p, v)
    return p


def encode(m):
    cls = type(m)
    zs = []
    n = size(cls, m, zs)
    buf = bytearray(n)
    write(cls, m, buf, 0, iter(zs))
    return bytes(buf)


def decode_msg(cls, data):
    m = cls._buffa_n()
    decode(cls, m, data, 0, len(data), 100)
    return m
