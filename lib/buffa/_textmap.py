# CPython only: encode a whole map<string, string|bytes> field at once.
#
# MicroPython runs the generated per-entry code (inline, no call per entry).
# On CPython that code costs about ten bytecode stores per entry in each of
# the two passes. Here the size pass encodes the field's entries once
# (encode); generated code keeps the bytes on the message (_buffa_k<number>),
# adds their length to the size, and the write pass stores them with one
# slice (put). buffa.wire binds these on CPython only; on MicroPython the
# names are None and this module never loads. W1 and W2 figures:
# docs/design.md section 2.
from buffa.wire import put_varint, utf8_lax, vsize

_str = str
_isascii = str.isascii
_encode = str.encode
_exact = str.__str__  # a str subclass's text as a str; TypeError for a non-str

# kind: how keys and values are held. Bit 2 (4): keys are lax (utf8_validation
# NONE: str or bytes). Bits 0-1: values are 0 strict str, 1 lax str, 2 bytes.
_LAX_KEY = 4

# The usual map (kind 0: str keys and values, both validated) is built as
# one str and encoded once: an f-string per entry is the cheapest way
# CPython has to join six pieces. Tag and length bytes go into that str as
# characters: below 0x80 as themselves (UTF-8 keeps them one byte), from
# 0x80 as the lone surrogates U+DC80..U+DCFF, which the "surrogateescape"
# error handler turns back into those bytes. Every key and value is plain
# ASCII or has passed a strict str.encode (which rejects lone surrogates),
# so the only surrogates in the str are these.
_CH = [chr(i) for i in range(128)]
_tags = {}  # tag bytes -> the same as str, as above


def _chars(b):
    return "".join(chr(c) if c < 0x80 else chr(0xDC00 | c) for c in b)


def _vchars(n):
    # a length's varint as str (entries of 128 bytes and more only)
    return _chars(_vb(n))


def _vb(n):
    # a length's varint bytes (entries of 128 bytes and more only)
    out = bytearray(10)
    return out[: put_varint(out, 0, n)]


def encode(v, kind, tb):
    """The entries of map v (tag bytes tb) as bytes."""
    if kind:
        return _bytes(v, kind, tb)
    ts = _tags.get(tb)
    if ts is None:
        ts = _tags[tb] = _chars(tb)
    ch = _CH
    parts = []
    ap = parts.append
    for k, x in v.items():
        # An f-string formats a str subclass with its own __format__ (a
        # (str, Enum) member as "Color.RED" since Python 3.12): use the text.
        if k.__class__ is not _str:
            k = _exact(k)
        if x.__class__ is not _str:
            x = _exact(x)
        a = len(k) if _isascii(k) else len(_encode(k))
        b = len(x) if _isascii(x) else len(_encode(x))
        y = 4 + a + b
        if y < 128:
            ap(f"{ts}{ch[y]}\n{ch[a]}{k}\x12{ch[b]}{x}")
        else:
            y += vsize(a) + vsize(b) - 2
            ap(f"{ts}{_vchars(y)}\n{_vchars(a)}{k}\x12{_vchars(b)}{x}")
    return "".join(parts).encode("utf-8", "surrogateescape")


def put(buf, p, e):
    """Store what encode returned at buf[p:]; return the end."""
    q = p + len(e)
    buf[p:q] = e
    return q


def _bytes(v, kind, tb):
    # lax keys or values, or bytes values: each entry as bytes
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
            y += vsize(a) + vsize(b) - 2
            ap(b"%b%b\n%b%b\x12%b%b" % (tb, _vb(y), _vb(a), k, _vb(b), x))
    return b"".join(parts)
