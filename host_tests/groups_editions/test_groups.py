# proto2 groups and editions DELIMITED fields: start/end-group encoding.
from pbtestutil import h, hx
from groups_proto2_pb import G2
from groups_editions_pb import D
from groups_file_delimited_pb import F


def test_group_exact_bytes():
    m = G2(data=G2.Data(a=1))
    assert m.encode() == h("0b 10 01 0c"), hx(m.encode())
    assert G2.decode(m.encode()) == m


def test_empty_group_is_present():
    assert G2(data=G2.Data()).encode() == h("0b 0c")
    m = G2.decode(h("0b 0c"))
    assert m.has_field("data") and m.data == G2.Data()


def test_repeated_group():
    m = G2(item=[G2.Item(x=1), G2.Item(x=2)])
    assert m.encode() == h("23 28 01 24 23 28 02 24")
    assert G2.decode(m.encode()).item == [G2.Item(x=1), G2.Item(x=2)]


def test_group_occurrences_merge():
    m = G2.decode(h("0b 10 01 0c 0b 1a 01 61 0c"))
    assert m.data == G2.Data(a=1, s="a")


def test_unknown_fields_inside_a_group_are_kept():
    m = G2.decode(h("0b 10 01 f0 0f 05 0c"))
    assert m.data.a == 1
    assert m.data.unknown_fields() == h("f0 0f 05")
    assert m.encode() == h("0b 10 01 f0 0f 05 0c")


def test_unknown_group_inside_a_group_is_kept():
    data = h("0b 33 08 01 34 10 02 0c")  # field 6 (unknown in Data) as a group
    m = G2.decode(data)
    assert m.data.a == 2
    assert m.data.unknown_fields() == h("33 08 01 34")


def test_group_field_arriving_length_prefixed_is_unknown():
    m = G2.decode(h("0a 02 10 01"))
    assert m.data is None
    assert m.unknown_fields() == h("0a 02 10 01")


def test_group_inside_a_length_prefixed_message():
    m = G2(kids=[G2(data=G2.Data(a=3), item=[G2.Item()])])
    assert G2.decode(m.encode()) == m
    assert m.encode() == h("4a 06 0b 10 03 0c 23 24")


def test_delimited_field_exact_bytes():
    assert D(child=D(a=1)).encode() == h("13 08 01 14")
    assert D(lp=D(a=1)).encode() == h("22 02 08 01")
    assert D(items=[D(a=1), D()]).encode() == h("1b 08 01 1c 1b 1c")


def test_nested_delimited_fields():
    m = D(child=D(child=D(a=5), items=[D(child=D())]))
    back = D.decode(m.encode())
    assert back == m
    assert back.child.child.a == 5
    assert back.child.items[0].child == D()


def test_delimited_field_arriving_length_prefixed_is_unknown():
    m = D.decode(h("12 02 08 01"))
    assert m.child is None
    assert m.unknown_fields() == h("12 02 08 01")


def test_file_level_delimited_keeps_map_values_length_prefixed():
    m = F(child=F(v=1), m={1: F(v=2)}, lp=F(v=3))
    data = m.encode()
    assert data == h("13 08 01 14 1a 06 08 01 12 02 08 02 22 02 08 03"), hx(data)
    assert F.decode(data) == m
