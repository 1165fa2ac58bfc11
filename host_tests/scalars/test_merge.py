# Merge semantics: scalars last wins, messages merge, repeated fields
# append, map entries replace by key. merge(data) == decode(a + b).
from pbtestutil import h
from merge_pb import Merged


def first():
    return Merged(
        i32=1,
        s="a",
        child=Merged(i32=1, s="x", r_i32=[1]),
        r_i32=[1],
        r_s=["a"],
        r_child=[Merged(i32=1)],
        m_str={"k": 1, "a": 1},
        m_msg={1: Merged(i32=1, s="keep?")},
    )


def second():
    return Merged(
        i32=2,
        u32=7,
        child=Merged(u32=5, r_i32=[2]),
        r_i32=[2, 3],
        r_s=["b"],
        r_child=[Merged(i32=2)],
        m_str={"k": 2, "z": 3},
        m_msg={1: Merged(u32=2)},
    )


def check_merged(m):
    assert m.i32 == 2
    assert m.u32 == 7
    assert m.s == "a"  # not on the wire in the second message
    assert m.child == Merged(i32=1, s="x", u32=5, r_i32=[1, 2])
    assert m.r_i32 == [1, 2, 3]
    assert m.r_s == ["a", "b"]
    assert m.r_child == [Merged(i32=1), Merged(i32=2)]
    assert m.m_str == {"k": 2, "a": 1, "z": 3}
    # a map value is replaced whole, never merged
    assert m.m_msg == {1: Merged(u32=2)}


def test_merge_into_a_decoded_message():
    m = Merged.decode(first().encode())
    r = m.merge(second().encode())
    assert r is m
    check_merged(m)


def test_merge_into_a_constructed_message():
    m = first()
    m.merge(second().encode())
    check_merged(m)


def test_concatenated_encodings_decode_as_a_merge():
    check_merged(Merged.decode(first().encode() + second().encode()))


def test_merge_accepts_bytearray_and_memoryview():
    m = Merged.decode(first().encode())
    m.merge(bytearray(second().encode()))
    check_merged(m)
    m = Merged.decode(first().encode())
    m.merge(memoryview(second().encode()))
    check_merged(m)


def test_repeated_occurrences_of_a_sub_message_merge():
    data = h("8a 01 02 08 01 8a 01 02 18 02 8a 01 02 08 03")
    m = Merged.decode(data)
    assert m.child == Merged(i32=3, u32=2)


def test_merge_of_empty_data_changes_nothing():
    m = first()
    m.merge(b"")
    assert m == first()


def test_merge_keeps_unknown_fields_of_both():
    m = Merged.decode(h("f0 0f 01"))
    m.merge(h("f8 0f 02"))
    assert m.unknown_fields() == h("f0 0f 01 f8 0f 02")


def test_repeated_defaults_are_not_shared_between_instances():
    a = Merged()
    b = Merged()
    assert a.r_i32 == [] and a.r_child == [] and a.m_str == {} and a.m_msg == {}
    a.r_i32.append(1)
    a.m_str["k"] = 1
    assert b.r_i32 == [] and b.m_str == {}
    c = Merged.decode(b"")
    c.r_s.append("x")
    assert Merged().r_s == []
    assert Merged.decode(b"").r_s == []


def test_constructor_sets_repeated_and_map_fields():
    m = Merged(r_i32=[1], m_str={"k": 2}, m_msg={1: Merged(s="x")})
    assert m.r_i32 == [1] and m.m_str == {"k": 2} and m.m_msg[1].s == "x"


def test_encoded_size_matches_encode_with_nested_repeated_and_maps():
    m = Merged(r_child=[Merged(m_msg={1: Merged(s="q" * 300)})], m_str={"a": 1}, r_i32=[-1, 1])
    assert m.encoded_size() == len(m.encode())
    assert Merged.decode(m.encode()) == m


def test_equality_of_repeated_and_map_fields():
    assert Merged(r_i32=[1]) != Merged(r_i32=[1, 2])
    assert Merged(r_i32=[1, 2]) != Merged(r_i32=[2, 1])
    assert Merged(m_str={"a": 1}) != Merged(m_str={"a": 2})
    assert Merged(m_str={"a": 1, "b": 2}) == Merged(m_str={"b": 2, "a": 1})
