# Oneofs: one member at a time; setting one clears the others.
from mptest import raises
from pbtestutil import h
from presence_proto3_pb import P3
from presence_proto2_pb import P2


def test_no_member_is_set_initially():
    m = P3()
    assert m.which_oneof("kind") is None
    assert m.a is None and m.b is None and m.c is None and m.d is None
    assert not m.has_field("a")


def test_setting_a_member_selects_it():
    m = P3()
    m.a = 5
    assert m.which_oneof("kind") == "a"
    assert m.a == 5 and m.has_field("a")


def test_setting_one_member_clears_the_others():
    m = P3(a=5)
    m.b = "x"
    assert m.which_oneof("kind") == "b"
    assert m.a is None and not m.has_field("a")
    assert m.b == "x"
    m.c = P3(imp=1)
    assert m.b is None and m.which_oneof("kind") == "c"
    assert m.encode() == h("62 02 20 01")


def test_oneofs_are_independent():
    m = P3(a=1, x=True)
    assert m.which_oneof("kind") == "a" and m.which_oneof("other") == "x"
    m.y = 2
    assert m.which_oneof("kind") == "a" and m.which_oneof("other") == "y" and m.x is None


def test_zero_valued_member_is_present_and_encoded():
    assert P3(a=0).encode() == h("50 00")
    assert P3(b="").encode() == h("5a 00")
    assert P3(d=b"").encode() == h("6a 00")
    assert P3(e=0.0).encode() == h("71 00 00 00 00 00 00 00 00")
    assert P3(c=P3()).encode() == h("62 00")
    m = P3.decode(h("50 00"))
    assert m.which_oneof("kind") == "a" and m.a == 0


def test_setting_the_selected_member_to_none_clears_the_oneof():
    m = P3(a=1)
    m.a = None
    assert m.which_oneof("kind") is None
    assert m.encode() == b""


def test_setting_another_member_to_none_changes_nothing():
    m = P3(a=1)
    m.b = None
    assert m.which_oneof("kind") == "a" and m.a == 1


def test_clear_field_clears_only_the_selected_member():
    m = P3(a=1)
    m.clear_field("b")
    assert m.which_oneof("kind") == "a"
    m.clear_field("a")
    assert m.which_oneof("kind") is None and m.a is None


def test_clear_resets_every_oneof():
    m = P3(a=1, y=2)
    m.clear()
    assert m.which_oneof("kind") is None and m.which_oneof("other") is None


def test_last_member_on_the_wire_wins():
    m = P3.decode(h("50 01 5a 01 78"))
    assert m.which_oneof("kind") == "b" and m.b == "x" and m.a is None
    assert m.encode() == h("5a 01 78")


def test_repeated_message_member_merges():
    m = P3.decode(h("62 02 20 01 62 02 2a 00 62 02 20 03"))
    assert m.c == P3(imp=3)
    m = P3.decode(h("62 02 20 01 62 03 2a 01 7a"))
    assert m.c == P3(imp=1, simp="z")


def test_message_member_after_another_member_starts_fresh():
    m = P3.decode(h("62 02 20 01 50 05 62 03 2a 01 7a"))
    assert m.which_oneof("kind") == "c"
    assert m.c == P3(simp="z")


def test_merge_of_a_oneof_member():
    m = P3(c=P3(imp=1))
    m.merge(P3(c=P3(simp="s")).encode())
    assert m.c == P3(imp=1, simp="s")
    m.merge(P3(a=0).encode())
    assert m.which_oneof("kind") == "a" and m.c is None


def test_constructor_sets_a_member():
    m = P3(d=b"\x01")
    assert m.which_oneof("kind") == "d" and m.d == b"\x01"


def test_which_oneof_rejects_unknown_names():
    raises(ValueError, P3().which_oneof, "nope")
    raises(ValueError, P3().which_oneof, "a")


def test_equality_compares_the_selected_member():
    assert P3(a=1) == P3(a=1)
    assert P3(a=1) != P3(b="1")
    assert P3(a=0) != P3()


def test_proto2_oneof():
    m = P2(oi=0)
    assert m.which_oneof("o") == "oi"
    assert m.encode() == h("a0 01 00")
    m.om = P2(plain=1)
    assert m.oi is None and m.which_oneof("o") == "om"
    back = P2.decode(m.encode())
    assert back.om == P2(plain=1) and back.which_oneof("o") == "om"
