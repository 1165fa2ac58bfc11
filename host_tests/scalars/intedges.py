# The integer types' edges, for test_int_ranges*.py.
I32 = (-(2**31), 2**31 - 1)
U32 = (0, 2**32 - 1)
I64 = (-(2**63), 2**63 - 1)
U64 = (0, 2**64 - 1)
# field name suffix -> (smallest, largest)
TYPES = (("i32", I32), ("i64", I64), ("u32", U32), ("u64", U64), ("s32", I32), ("s64", I64),
         ("f32", U32), ("f64", U64), ("sf32", I32), ("sf64", I64), ("e", I32))


def edges(check):
    # check(name, value, in_range) at min - 1, min, max, max + 1 of each type
    for name, (lo, hi) in TYPES:
        for v, ok in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
            check(name, v, ok)
