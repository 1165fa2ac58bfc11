# Open enums: fields hold plain ints, unknown values included.
from pbtestutil import h
from enums_open_pb import Open, OpenMsg


def test_constants_are_ints():
    assert Open.O_ZERO == 0 and Open.O_ONE == 1 and Open.O_NEG == -1
    assert Open.O_UNO == 1  # an alias
    assert type(Open.O_BIG) is int and Open.O_BIG == 2147483647


def test_unknown_value_is_kept_in_the_field():
    m = OpenMsg.decode(h("08 07"))
    assert m.e == 7
    assert m.unknown_fields() == b""
    assert m.encode() == h("08 07")


def test_negative_values_are_ten_byte_varints():
    assert OpenMsg(e=Open.O_NEG).encode() == h("08 ff ff ff ff ff ff ff ff ff 01")
    assert OpenMsg.decode(h("08 fe ff ff ff ff ff ff ff ff 01")).e == -2
    # a 5-byte encoding is sign-extended from 32 bits as well
    assert OpenMsg.decode(h("08 fe ff ff ff 0f")).e == -2


def test_unknown_values_in_repeated_and_map_fields_are_kept():
    m = OpenMsg(re=[0, 9, -1], me={1: 42, 2: Open.O_ONE})
    back = OpenMsg.decode(m.encode())
    assert back.re == [0, 9, -1]
    assert back.me == {1: 42, 2: 1}
    assert back.unknown_fields() == b""


def test_repeated_open_enum_is_packed_and_accepts_expanded():
    assert OpenMsg(re=[1, 2]).encode() == h("12 02 01 02")
    assert OpenMsg.decode(h("10 01 10 05")).re == [1, 5]


def test_unknown_value_in_a_oneof():
    m = OpenMsg.decode(h("20 63"))
    assert m.which_oneof("o") == "oe" and m.oe == 99


def test_default_is_zero():
    assert OpenMsg().e == 0 == Open.O_ZERO
    assert OpenMsg(e=0).encode() == b""
