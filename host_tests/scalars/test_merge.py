# Merge semantics: scalars last wins, messages merge, repeated fields
# append, map entries replace by key. merge(data) == decode(a + b).
from pbtestutil import h
from scalars_pb import Scalars


def first():
    return Scalars(
        i32=1,
        s="a",
        child=Scalars(i32=1, s="x", r_i32=[1]),
        r_i32=[1],
        r_s=["a"],
        r_child=[Scalars(i32=1)],
        m_str={"k": 1, "a": 1},
        m_msg={1: Scalars(i32=1, s="keep?")},
    )


def second():
    return Scalars(
        i32=2,
        u32=7,
        child=Scalars(u32=5, r_i32=[2]),
        r_i32=[2, 3],
        r_s=["b"],
        r_child=[Scalars(i32=2)],
        m_str={"k": 2, "z": 3},
        m_msg={1: Scalars(u32=2)},
    )


def check_merged(m):
    assert m.i32 == 2
    assert m.u32 == 7
    assert m.s == "a"  # not on the wire in the second message
    assert m.child == Scalars(i32=1, s="x", u32=5, r_i32=[1, 2])
    assert m.r_i32 == [1, 2, 3]
    assert m.r_s == ["a", "b"]
    assert m.r_child == [Scalars(i32=1), Scalars(i32=2)]
    assert m.m_str == {"k": 2, "a": 1, "z": 3}
    # a map value is replaced whole, never merged
    assert m.m_msg == {1: Scalars(u32=2)}


def test_merge_into_a_decoded_message():
    m = Scalars.decode(first().encode())
    r = m.merge(second().encode())
    assert r is m
    check_merged(m)


def test_merge_into_a_constructed_message():
    m = first()
    m.merge(second().encode())
    check_merged(m)


def test_concatenated_encodings_decode_as_a_merge():
    check_merged(Scalars.decode(first().encode() + second().encode()))


def test_merge_accepts_bytearray_and_memoryview():
    m = Scalars.decode(first().encode())
    m.merge(bytearray(second().encode()))
    check_merged(m)
    m = Scalars.decode(first().encode())
    m.merge(memoryview(second().encode()))
    check_merged(m)


def test_repeated_occurrences_of_a_sub_message_merge():
    data = h("8a 01 02 08 01 8a 01 02 18 02 8a 01 02 08 03")
    m = Scalars.decode(data)
    assert m.child == Scalars(i32=3, u32=2)


def test_merge_of_empty_data_changes_nothing():
    m = first()
    m.merge(b"")
    assert m == first()


def test_merge_keeps_unknown_fields_of_both():
    m = Scalars.decode(h("f0 0f 01"))
    m.merge(h("f8 0f 02"))
    assert m.unknown_fields() == h("f0 0f 01 f8 0f 02")
