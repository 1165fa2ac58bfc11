# The C table decoder (natmod/buffa_accel/table_decode.c) against the
# generated Python decoders it replaces (kept as TableDecoder.fallback):
# the same messages and the same errors (type, offset, kind, reason) on
# valid input, on every truncation and on byte flips of it (a hand-over at
# every field kind), at the budgets' and the recursion limit's edges, and
# on merged sub-messages. buffa_accel.table_counts() proves that the C path
# ran and that it handed over. Runs where the accelerator loads.
from mptest import requires  # noqa: F401

MPTEST_REQUIRES = ("accel",)

from buffa import DecodeError, DecodeOptions, wire  # noqa: E402
from buffa.message import TYPES  # noqa: E402

import table_pb as T  # noqa: E402
import table2_pb as T2  # noqa: E402

CLASSES = (T.Leaf, T.All, T2.P2, T2.P2.G)


def _outcome(cls, data, options=None, deep=False):
    try:
        m = cls.decode(data, options)
    except Exception as e:
        return ("raise", type(e).__name__, getattr(e, "offset", None), getattr(e, "kind", None),
                getattr(e, "reason", str(e)))
    # the message itself (deep: its bytes again, as a board's stack has no
    # room for repr of a deep message), and its size
    return ("ok", m.encode() if deep else repr(m), len(m.encode()))


def _python(fn, *args):
    # run fn with every class on its generated Python decoder
    import buffa_accel

    saved = []
    for c in TYPES.values():
        d = c._buffa_d
        if type(d) is buffa_accel.TableDecoder:
            saved.append((c, d))
            c._buffa_d = d.fallback
    try:
        return fn(*args)
    finally:
        for c, d in saved:
            c._buffa_d = d


def same(cls, data, options=None, deep=False):
    c = _outcome(cls, data, options, deep)
    py = _python(_outcome, cls, data, options, deep)
    assert c == py, (cls.__name__, data, c, py)
    return c


def _leaf(name, z):
    return T.Leaf(name=name, z=z)


def full():
    # every field set, the nested ones too
    inner = T.All(i32=-5, s="inner", leaves=[_leaf("x", 1)])
    return T.All(
        i32=-2, i64=-(2**40), u32=0xFFFFFFFF, u64=2**64 - 1, s32=-300, s64=-(2**62), b=True, color=T.Color.BLUE,
        f32=7, f64=2**63 + 5, sf32=-7, sf64=-(2**50), fl=1.5, db=-2.25, s="héllo", by=b"\x00\xff",
        leaf=_leaf("leaf", -1), leaves=[_leaf("a", 2), _leaf("", 0)], ri32=[1, -1, 300], rs64=[-1, 2**40],
        rdb=[0.5, -0.0], rs=["p", "ü"], rby=[b"", b"z"], rb=[True, False], rf32=[1, 2**32 - 1],
        tags={"k": "v", "ключ": "з"}, os="one", oi=0, child=inner, colors=[1, 2, 7], far=9,
        blobs={-3: b"\x01", 2**40: b""}, flags={True: 2}, leafmap={"l": _leaf("m", 3)}, fixedmap={7: 0.25})


def test_the_c_path_runs():
    import buffa_accel

    assert wire.ACCEL
    for c in CLASSES:
        # a class with a group keeps its Python decoder (buffa._accel_decode)
        assert (type(c._buffa_d) is buffa_accel.TableDecoder) is (c is not T2.P2), c
    data = T.All(i32=1, s="x", leaves=[_leaf("a", 1)] * 3).encode()
    done, handed = buffa_accel.table_counts()
    m = T.All.decode(data)
    done2, handed2 = buffa_accel.table_counts()
    # the message and its three leaves, all in C
    assert (done2 - done, handed2 - handed) == (4, 0)
    assert m.i32 == 1 and m.s == "x" and [x.name for x in m.leaves] == ["a"] * 3
    # the Python decoders gave the same
    same(T.All, data)


def test_full_message_and_hand_overs():
    import buffa_accel

    data = full().encode()
    done, handed = buffa_accel.table_counts()
    ok = same(T.All, data)
    assert ok[0] == "ok", ok
    # the oneof and the map of messages went to Python
    assert buffa_accel.table_counts()[1] > handed


def test_every_truncation():
    for cls, m in ((T.All, full()), (T2.P2, p2())):
        data = m.encode()
        for k in range(len(data)):
            same(cls, data[:k])


def test_byte_flips():
    # each byte replaced by a few values: lengths past the end, bad UTF-8,
    # wrong wire types, over-long varints, unknown fields, end-group tags
    for cls, m in ((T.All, full()), (T2.P2, p2())):
        data = m.encode()
        for i in range(len(data)):
            for v in (0x00, 0x80, 0xFF, 0x7F, data[i] ^ 0x01, data[i] ^ 0x07, 0xC0, 0xED):
                same(cls, data[:i] + bytes((v,)) + data[i + 1:])


def test_non_canonical_input():
    for data in (
        b"\x88\x00\x05",  # tag of field 1 in two bytes
        b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # int32 in ten bytes
        b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",  # overflows 64 bits
        b"\x7a\x80\x80\x80\x80\x00",  # a length in five bytes
        b"\x7a\x80\x80\x80\x80\x80\x00",  # ... in six
        b"\x7a\x03\xed\xa0\x80",  # a surrogate in a string
        b"\x7a\x02\xc0\x80",  # an overlong form
        b"\x9a\x01\x00\x9a\x01\x00",  # a packed run that is empty (field 19), twice
        b"\xaa\x01\x09" + b"\x00" * 9,  # packed doubles of the wrong length
        b"\x98\x01\x80",  # truncated unpacked element
        b"\xc0\x3e\x01",  # far = 1 (tag of two bytes)
        b"\xf8\x07\x01",  # unknown field 127
        b"\x0b\x0c",  # a group (unknown) in a proto3 message
        b"\x0c",  # end-group tag
        b"\x00",  # field number 0
        b"\x0f",  # wire type 7
    ):
        same(T.All, data)
        same(T2.P2, data)


def p2():
    return T2.P2(a=3, c=T2.Closed.TWO, cs=[1, 2], cp=[0, 2], s="s", g=T2.P2.G(x=5), child=T2.P2(a=1), ri=[5, 6])


def test_closed_enums_and_groups():
    ok = same(T2.P2, p2().encode())
    assert ok[0] == "ok"
    # unknown values of a closed enum: kept as unknown fields, by Python
    for data in (b"\x10\x09", b"\x18\x09\x18\x01", b"\x22\x02\x01\x09", b"\x10\x01\x10\x05\x08\x02"):
        same(T2.P2, data)
    m = T2.P2.decode(b"\x10\x09\x08\x02")
    assert m.c is None and m.a == 2 and m._buffa_u == b"\x10\x09"
    # an extension (an unknown field to the table) is validated and kept
    same(T2.P2, b"\xa0\x06\x05\x08\x01")
    same(T2.P2, b"\xa0\x06\x80")


def test_merged_sub_messages():
    # a singular sub-message on the wire twice merges; a repeated one appends
    a = T.All(leaf=_leaf("a", 1), child=T.All(i32=1, rs=["x"])).encode()
    b = T.All(leaf=T.Leaf(z=5), child=T.All(s="t", rs=["y"])).encode()
    ok = same(T.All, a + b)
    m = T.All.decode(a + b)
    assert (m.leaf.name, m.leaf.z) == ("a", 5)
    assert (m.child.i32, m.child.s, m.child.rs) == (1, "t", ["x", "y"])
    # merge() into a message that has the sub-message already
    m = T.All.decode(a)
    m.merge(b)
    assert (m.leaf.name, m.leaf.z) == ("a", 5) and m.child.rs == ["x", "y"]
    assert ok[0] == "ok"


def test_element_budget_at_every_edge():
    data = full().encode()
    n = 0
    while True:
        out = same(T.All, data, DecodeOptions(max_elements=n))
        if out[0] == "ok":
            break
        assert out[3] == "elements", out
        n += 1
    # each edge of a packed run and an unpacked one, with the budget short
    for data in (T.All(ri32=list(range(20))).encode(), T.All(rs64=list(range(20))).encode(),
                 T.All(rdb=[1.0] * 9, rs=["a"] * 5).encode()):
        for n in range(40):
            same(T.All, data, DecodeOptions(max_elements=n))


def test_unknown_field_budget():
    data = b"\xf8\x07\x01" * 5 + T.All(i32=1).encode() + b"\xf8\x07\x01"
    for n in range(8):
        same(T.All, data, DecodeOptions(max_unknown_fields=n))


def nested(depth):
    m = T.All(i32=depth)
    for i in range(depth):
        m = T.All(child=m, ri32=[i])
    return m.encode()


def test_recursion_limit_edge():
    # deeper than the C code nests in one call (TD_NEST), at and around the
    # limit. Where the Python decoder runs out of a board's stack first
    # ("stack"), the C one, which takes less of it per level, may reach the
    # limit (or the end) instead: docs/design.md section 20.
    for depth in (3, 8, 9, 17, 25):
        data = nested(depth)
        for lim in (depth - 1, depth, depth + 1):
            o = DecodeOptions(recursion_limit=lim)
            c = _outcome(T.All, data, o, True)
            py = _python(_outcome, T.All, data, o, True)
            if py[0] == "raise" and py[3] == "stack":
                assert c[0] == "ok" or c[3] in ("recursion", "stack"), (depth, lim, c)
            else:
                assert c == py, (depth, lim, c, py)
            if c[0] != "raise" or c[3] != "stack":
                assert (c[0] == "ok") == (lim >= depth), (depth, lim, c)
                if c[0] != "ok":
                    assert c[3] == "recursion" and c[2] > 0, c


def test_other_buffers_and_group_calls_go_to_python():
    data = T.All(i32=3, s="q").encode()
    for buf in (bytearray(data), memoryview(data)):
        m = T.All.decode(buf)
        assert m.i32 == 3 and m.s == "q"
    # called directly with a buffer that is not bytes: the Python decoder
    m = T.All()
    T.All._buffa_d(m, bytearray(data), 0, len(data), 10, 0)
    assert m.s == "q" and type(m.s) is str


def test_errors_are_decode_errors_with_offsets():
    e = None
    try:
        T.All.decode(b"\x7a\x05ab")
    except DecodeError as x:
        e = x
    assert e is not None and e.offset == 2 and e.kind == "truncated", e


def test_map_entries():
    # entries as generated code reads them inline, and every other shape:
    # value before key, a part missing, a part twice, an unknown part, a
    # part of the wrong wire type, a key that is not UTF-8
    for entry in (b"\x0a\x01k\x12\x01v", b"\x12\x01v\x0a\x01k", b"\x0a\x01k", b"\x12\x01v", b"",
                  b"\x0a\x01k\x0a\x01j\x12\x01v", b"\x0a\x01k\x18\x01\x12\x01v", b"\x08\x01\x12\x01v",
                  b"\x0a\x01\xff\x12\x01v", b"\x0a\x01k\x12\x01\xff", b"\x0a\x02k", b"\x8a\x00\x01k"):
        for num in (26, 32, 33, 35):
            t = (num << 3) | 2
            tag = bytes((t & 0x7F | 0x80, t >> 7))
            same(T.All, tag + bytes((len(entry),)) + entry)
            same(T.All, tag + bytes((len(entry),)) + entry + tag + b"\x00")
    # the key cache is filled as the Python code fills it
    wire.map_key_cache(2, 4)
    try:
        m = T.All.decode(T.All(tags={"ab": "1", "abcdef": "2"}).encode())
        assert m.tags == {"ab": "1", "abcdef": "2"}
        assert wire.keys == {b"ab": "ab"}, wire.keys
    finally:
        wire.map_key_cache()


def test_oneof_members():
    import buffa_accel

    a = T.All(os="x").encode()
    b = T.All(ol=_leaf("l", 1)).encode()
    c = T.All(ol=T.Leaf(z=4)).encode()
    for data in (a + b, b + a, b + c, a + b + c, b + a + c, a + a):
        same(T.All, data)
    handed = buffa_accel.table_counts()[1]
    m = T.All.decode(b + c)
    assert m.which_oneof("pick") == "ol" and (m.ol.name, m.ol.z) == ("l", 4)
    m = T.All.decode(b + a)
    assert m.which_oneof("pick") == "os" and m.os == "x"
    # all in C
    assert buffa_accel.table_counts()[1] == handed
