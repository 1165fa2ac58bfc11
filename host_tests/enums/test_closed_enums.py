# Closed enums: a value the enum does not define goes to the unknown fields
# (singular, repeated, packed, map value, oneof) and is re-emitted.
from pbtestutil import h
from enums_closed_pb import Closed, ClosedZ, ClosedMsg
from enums_editions_pb import EClosed, EOpen, EMsg


def test_known_values_are_kept():
    m = ClosedMsg.decode(h("08 02 10 01 1a 01 02"))
    assert m.e == Closed.C_TWO and m.re == [1] and m.pe == [2]
    assert m.unknown_fields() == b""


def test_negative_known_value():
    m = ClosedMsg(e=Closed.C_NEG)
    assert m.encode() == h("08 fd ff ff ff ff ff ff ff ff 01")
    assert ClosedMsg.decode(m.encode()).e == -3


def test_unknown_singular_value_goes_to_unknown_fields():
    m = ClosedMsg.decode(h("08 07"))
    assert m.e is None and not m.has_field("e")
    assert m.unknown_fields() == h("08 07")
    assert m.encode() == h("08 07")


def test_unknown_singular_value_does_not_replace_a_known_one():
    m = ClosedMsg.decode(h("08 01 08 07 38 05"))
    assert m.e == 1 and m.after == 5
    assert m.unknown_fields() == h("08 07")
    assert m.encode() == h("08 01 38 05 08 07")


def test_zero_is_unknown_when_the_enum_lacks_it():
    m = ClosedMsg.decode(h("08 00"))
    assert m.e is None and m.unknown_fields() == h("08 00")


def test_unknown_value_in_a_repeated_field():
    m = ClosedMsg.decode(h("10 01 10 07 10 02"))
    assert m.re == [1, 2]
    assert m.unknown_fields() == h("10 07")
    assert m.encode() == h("10 01 10 02 10 07")


def test_unknown_values_in_a_packed_run_become_unpacked_unknown_fields():
    m = ClosedMsg.decode(h("1a 04 01 07 02 08"))
    assert m.pe == [1, 2]
    assert m.unknown_fields() == h("18 07 18 08")
    assert m.encode() == h("1a 02 01 02 18 07 18 08")


def test_packed_run_into_an_expanded_closed_field():
    m = ClosedMsg.decode(h("12 03 01 07 02"))
    assert m.re == [1, 2]
    assert m.unknown_fields() == h("10 07")


def test_negative_unknown_value_in_a_packed_run():
    m = ClosedMsg.decode(h("1a 0b 01 fc ff ff ff ff ff ff ff ff 01"))  # 1, -4
    assert m.pe == [1]
    assert m.unknown_fields() == h("18 fc ff ff ff ff ff ff ff ff 01")


def test_unknown_map_value_sends_the_whole_entry_to_unknown_fields():
    entry = h("22 04 08 05 10 07")
    m = ClosedMsg.decode(h("22 04 08 01 10 01") + entry)
    assert m.me == {1: ClosedZ.Z_ONE}
    assert m.unknown_fields() == entry
    assert ClosedMsg.decode(m.encode()).unknown_fields() == entry


def test_unknown_value_in_a_oneof_leaves_the_oneof_alone():
    m = ClosedMsg.decode(h("28 07"))
    assert m.which_oneof("o") is None
    assert m.unknown_fields() == h("28 07")
    m = ClosedMsg.decode(h("30 05 28 07"))
    assert m.which_oneof("o") == "oi" and m.oi == 5
    assert m.encode() == h("30 05 28 07")
    m = ClosedMsg.decode(h("28 02 28 07"))
    assert m.which_oneof("o") == "oe" and m.oe == 2


def test_closed_enum_default_is_its_first_value():
    assert ClosedMsg().get("e") == Closed.C_ONE


def test_editions_closed_enum():
    m = EMsg.decode(h("08 05 12 03 00 05 01 28 01 28 07"))
    assert m.c is None
    assert m.rc == [0, 1]
    assert m.xc == [1]
    assert m.unknown_fields() == h("08 05 10 05 28 07")


def test_editions_open_enum_keeps_unknown_values():
    m = EMsg.decode(h("18 05 22 02 00 05"))
    assert m.o == 5 and m.ro == [0, 5]
    assert m.unknown_fields() == b""


def test_editions_repeated_enum_encodings():
    assert EMsg(rc=[EClosed.EC_ONE, 0]).encode() == h("12 02 01 00")
    assert EMsg(xc=[1, 0]).encode() == h("28 01 28 00")
    assert EMsg(ro=[EOpen.EO_ONE]).encode() == h("22 01 01")
