# CPython only: size and write a whole map<string, string|bytes> field.
#
# MicroPython runs the generated per-entry code (inline, no call per entry).
# On CPython that code costs about ten bytecode stores per entry; here one
# bytes formatting per entry and one slice store per field do the same work,
# and the size pass reads the length of an ASCII str without encoding it
# (str.isascii is a flag test). buffa.wire binds size and put on CPython
# only; on MicroPython the names are None and this module never loads.
# W1 and W2 figures: docs/design.md section 2.
from buffa.wire import put_varint, utf8_lax, vsize

_isascii = str.isascii  # raises TypeError for a non-str, as str.encode does
_encode = str.encode

# kind: how keys and values are held. Bit 2 (4): keys are lax (utf8_validation
# NONE: str or bytes). Bits 0-1: values are 0 strict str, 1 lax str, 2 bytes.
_LAX_KEY = 4


def size(v, kind, tl):
    """Bytes the entries of map v take, tags (tl bytes each) included."""
    n = 0
    if kind == 0:  # str keys and values, both validated: the usual map
        for k, x in v.items():
            y = 4 + (len(k) if _isascii(k) else len(_encode(k))) + (len(x) if _isascii(x) else len(_encode(x)))
            if y < 128:
                n += tl + 1 + y
            else:
                n += _big(len(_encode(k)), len(_encode(x)), tl)
        return n
    for k, x in v.items():
        k = utf8_lax(k) if kind & _LAX_KEY else _encode(k)
        if kind & 3 != 2:
            x = utf8_lax(x) if kind & 3 else _encode(x)
        y = 4 + len(k) + len(x)
        n += tl + 1 + y if y < 128 else _big(len(k), len(x), tl)
    return n


def _big(a, b, tl):
    # an entry of 128 bytes or more: key a and value b bytes long
    y = 2 + vsize(a) + a + vsize(b) + b
    return tl + vsize(y) + y


def _vb(n):
    # a length's varint bytes (entries of 128 bytes and more only)
    out = bytearray(10)
    return out[: put_varint(out, 0, n)]


def put(buf, p, v, tb, kind):
    """Write the entries of map v (tag bytes tb) at buf[p:]; returns the end."""
    lk = kind & _LAX_KEY
    vk = kind & 3
    parts = []
    ap = parts.append
    for k, x in v.items():
        k = utf8_lax(k) if lk else _encode(k)
        if vk != 2:
            x = utf8_lax(x) if vk else _encode(x)
        a = len(k)
        b = len(x)
        y = 4 + a + b
        if y < 128:
            ap(b"%b%c\n%c%b\x12%c%b" % (tb, y, a, k, b, x))
        else:
            a = _vb(a)
            b = _vb(b)
            y += len(a) + len(b) - 2
            ap(b"%b%b\n%b%b\x12%b%b" % (tb, _vb(y), a, k, b, x))
    e = b"".join(parts)
    q = p + len(e)
    buf[p:q] = e
    return q
