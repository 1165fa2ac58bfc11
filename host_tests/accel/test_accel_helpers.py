# The C accelerator (natmod/buffa_accel) against the Python helpers it
# replaces in buffa.wire (kept there as _py_NAME): the same values, and the
# same errors (type, offset, kind, reason), on crafted edge cases and on
# pseudo-random bytes. Runs where the accelerator loads (runtime unix-accel).
from mptest import requires

MPTEST_REQUIRES = ("accel",)

from buffa import wire  # noqa: E402


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:
        return ("raise", type(e).__name__, getattr(e, "offset", None), getattr(e, "kind", None),
                getattr(e, "reason", None))


def _same(name, *args):
    c = _outcome(getattr(wire, name), *args)
    py = _outcome(getattr(wire, "_py_" + name), *args)
    assert c == py, (name, args, c, py)
    return c


class _Rand:
    # xorshift32: the same bytes on every runtime
    def __init__(self, seed):
        self.x = seed

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def bytes(self, n):
        return bytes(self.next() & 0xFF for _ in range(n))


def test_the_accelerator_is_in_use():
    import buffa_accel

    assert wire.ACCEL
    assert wire.varint is buffa_accel.varint and wire.vsize is buffa_accel.vsize


_VARINTS = [
    b"\x80", b"\x80\x01", b"\xff\x7f", b"\xff" * 9 + b"\x01", b"\xff" * 9 + b"\x02", b"\xff" * 10 + b"\x01",
    b"\x80" * 9 + b"\x00", b"\x80" * 10, b"\x80\x80\x80\x80\x10", b"\x80\x80\x80\x80\x80\x01", b"\xff\xff\xff\xff\x0f",
    b"\xff\xff\xff\xff\x1f", b"\xe8\x07", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
]


def test_varint_tag_length_on_edge_cases():
    n = 0
    for v in _VARINTS:
        for pad in (b"", b"\x00\x05abcde" + bytes(200)):
            b = v + pad
            for e in range(1, len(b) + 1):
                for name in ("varint", "tag", "length"):
                    _same(name, b, 1, e, b[0])
                    _same(name, memoryview(b), 1, e, b[0])
                    n += 1
    assert n > 300


def test_varint_tag_length_on_random_bytes():
    r = _Rand(2463534242)
    for i in range(1500):
        b = r.bytes(1 + r.next() % 14)
        first = b[0] | 0x80
        e = r.next() % (len(b) + 1)
        for name in ("varint", "tag", "length"):
            _same(name, b, 1, e, first)


def test_index_past_the_buffer_is_an_index_error_on_both_paths():
    for name in ("varint", "tag", "length"):
        assert _same(name, b"\x80\x80", 1, 5, 0x80)[1] == "IndexError"


def _string_cases():
    for s in (b"", b"abc", b"caf\xc3\xa9", b"\xc3", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
              b"\xf0\x9f\x98\x80", b"\xe0\x9f\xbf", b"\xef\xbf\xbf", b"\xff", b"a\x80b", b"\xf8\x88\x80\x80\x80"):
        yield s
    r = _Rand(99)
    for _ in range(400):
        yield r.bytes(r.next() % 6)


def test_strings_and_utf8():
    for s in _string_cases():
        b = b"xy" + s + b"z"
        for p, q in ((2, 2 + len(s)), (0, len(b)), (2, 2 + len(s) + 5), (3, 2)):
            _same("string", b, p, q)
            # strict_utf8 runs after MicroPython's own decoder accepted the text
            try:
                str(b[p:q], "utf-8")
            except UnicodeError:
                continue
            _same("strict_utf8", b, p, q)


def test_vsize_and_put_varint():
    his = (0x7FFFFFFF, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
    vals = [0, 1, 127, 128, 16383, 16384, 2**21, 2**28 - 1, 2**28, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**35, 2**42,
            2**49, 2**56, 2**62 - 1, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, -1, -2**31, -2**31 - 1, -2**62,
            -2**63, -2**63 - 1, -2**70, 1.5, True, None, "7"]
    for v in vals:
        _same("vsize", v)
        for hi in his + (5, -1, 2**65):
            _same("vsize", v, hi)
        c = _outcome(wire.put_varint, bytearray(12), 1, v)
        py = _outcome(wire._py_put_varint, bytearray(12), 1, v)
        assert c[0] == py[0] and c[:2] == py[:2], (v, c, py)
        if c[0] == "ok":
            b1, b2 = bytearray(12), bytearray(12)
            assert wire.put_varint(b1, 1, v) == wire._py_put_varint(b2, 1, v)
            assert b1 == b2, (v, b1, b2)


def test_put_varint_past_the_buffer_raises_index_error():
    for n in range(0, 10):
        assert _outcome(wire.put_varint, bytearray(n), 0, 2**63)[:2] == ("raise", "IndexError")
