# Singular float, double and int fields through the C table encoder and
# through the generated functions it keeps (.fallback): the same bytes or
# the same error, and the C counters move. Small enough to import where
# the heap is tight (a native module in the heap as well): the arm native
# modules convert floats through the runtime (table_encode.c, get_float),
# which this checks there (docs/design.md section 20, "Table encoder").
from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("accel",)

import gc  # noqa: E402
from scalars import scalars_pb as S  # noqa: E402

INF = float("inf")
FL = (0.0, -0.0, 1.5, -2.25, 3.4e38, 1e-45, 1e300, 1e-300, INF, -INF, float("nan"), 0.1, 16777217.0)


def _pair(m):
    cls = type(m)
    z, w = cls._buffa_z, cls._buffa_w
    def enc():
        # bytes, or what went wrong
        try:
            return m.encode()
        except Exception as e:
            return (type(e).__name__, getattr(e, "kind", None))
    a = enc()
    cls._buffa_z, cls._buffa_w = z.fallback, w.fallback
    try:
        b = enc()
    finally:
        cls._buffa_z, cls._buffa_w = z, w
    return a, b


def test_floats_and_ints_through_the_native_module():
    import buffa_accel

    cls = [v for v in S.__dict__.values() if type(v) is type and getattr(v, "_buffa_f", None)]
    n = 0
    c0 = buffa_accel.encode_counts()
    for c in cls:
        for row in c._buffa_f:
            if row[2] in (1, 2) and not row[3] & 5:
                for v in FL:
                    m = c()
                    setattr(m, row[0], v)
                    a, b = _pair(m)
                    assert a == b, (c.__name__, row[0], v, a, b)
                    n += 1
                    gc.collect()
            elif row[2] in (3, 4, 5, 13, 17, 18) and not row[3] & 5:
                for v in (0, 1, -1, 2**31 - 1, -(2**31), 2**40, 2**62, 2**63 - 1, 2**64 - 1, 2**30):
                    m = c()
                    setattr(m, row[0], v)
                    a, b = _pair(m)
                    assert a == b, (c.__name__, row[0], v, a, b)
                    n += 1
    c1 = buffa_accel.encode_counts()
    assert n > 20 and c1[0] > c0[0], (n, c0, c1)
