# proto3: implicit presence, `optional` fields and oneofs.
from mptest import raises
from pbtestutil import h
from presence_proto3_pb import P3


def test_proto3_optional_tracks_presence():
    m = P3()
    assert m.oi is None and not m.has_field("oi")
    m.oi = 0
    assert m.has_field("oi")
    assert m.encode() == h("08 00")
    back = P3.decode(h("08 00"))
    assert back.has_field("oi") and back.oi == 0


def test_proto3_optional_string_and_double():
    m = P3(os="", od=0.0)
    assert m.encode() == h("12 00 19 00 00 00 00 00 00 00 00")
    back = P3.decode(m.encode())
    assert back.os == "" and back.od == 0.0
    assert back.has_field("os") and back.has_field("od")


def test_proto3_optional_get_gives_the_zero_value_when_unset():
    assert P3().get("oi") == 0
    assert P3().get("os") == ""


def test_implicit_fields_have_no_presence():
    m = P3()
    assert m.imp == 0 and m.simp == ""
    raises(ValueError, m.has_field, "imp")
    raises(ValueError, m.has_field, "simp")
    raises(ValueError, m.has_field, "r")


def test_implicit_zero_values_are_not_encoded():
    assert P3(imp=0, simp="").encode() == b""
    assert P3.decode(h("20 00 2a 00")).encode() == b""


def test_clear_field_of_an_implicit_field_resets_it():
    m = P3(imp=5, simp="x", r=[1])
    m.clear_field("imp")
    m.clear_field("simp")
    m.clear_field("r")
    assert m.imp == 0 and m.simp == "" and m.r == []


def test_message_fields_always_have_presence():
    m = P3()
    assert not m.has_field("child")
    m.child = P3()
    assert m.has_field("child")
    assert m.encode() == h("32 00")
