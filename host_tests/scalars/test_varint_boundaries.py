# wire.vsize and wire.put_varint at every byte-count boundary of a varint:
# both compare against thresholds (and put_varint writes two bytes per
# round) instead of shifting one byte at a time, so pin each edge against
# a one-byte-at-a-time reference.
from buffa import wire
from mptest import raises


def _ref(v):
    if v < 0:
        v &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while v > 127:
        out.append(v & 127 | 128)
        v >>= 7
    out.append(v)
    return bytes(out)


def _edges():
    vals = [0, 1, -1, -(2 ** 63), 2 ** 64 - 1]
    for k in range(1, 10):
        b = 7 * k
        vals += [2 ** b - 1, 2 ** b, 2 ** b + 1]
    return vals


def test_vsize_matches_the_reference_at_every_byte_boundary():
    for v in _edges():
        # negative values are int64's (the default bound is uint64's)
        hi = 2**63 - 1 if v < 0 else 2**64 - 1
        assert wire.vsize(v, hi) == len(_ref(v)), v


def test_vsize_refuses_values_outside_the_type_it_is_given():
    for hi, lo in ((2**31 - 1, -(2**31)), (2**32 - 1, 0), (2**63 - 1, -(2**63)), (2**64 - 1, 0)):
        assert wire.vsize(hi, hi) == len(_ref(hi))
        assert wire.vsize(lo, hi) == len(_ref(lo))
        for v in (hi + 1, lo - 1):
            e = raises(wire.EncodeError, wire.vsize, v, hi)
            assert e.kind == "range" and str(v) in str(e), str(e)


def test_put_varint_matches_the_reference_at_every_byte_boundary():
    for v in _edges():
        want = _ref(v)
        buf = bytearray(13)
        end = wire.put_varint(buf, 2, v)
        assert end == 2 + len(want), v
        assert bytes(buf[2:end]) == want, v
        assert buf[end:] == bytearray(13 - end)
