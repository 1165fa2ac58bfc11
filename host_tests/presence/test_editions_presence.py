# Editions 2023 field_presence: EXPLICIT, IMPLICIT, LEGACY_REQUIRED.
from mptest import raises
from pbtestutil import h
from presence_editions_pb import E
from presence_implicit_pb import I


def test_explicit_is_the_editions_default():
    m = E()
    assert m.exp is None and m.s_exp is None
    assert not m.has_field("exp")
    assert E(exp=0, s_exp="").encode() == h("08 00 22 00")
    back = E.decode(h("08 00"))
    assert back.has_field("exp") and back.exp == 0


def test_implicit_field_drops_zero_values():
    m = E()
    assert m.imp == 0 and m.s_imp == "" and m.f_imp == 0.0
    assert E(imp=0, s_imp="", f_imp=0.0).encode() == b""
    raises(ValueError, m.has_field, "imp")
    assert E(imp=3).encode() == h("10 03")


def test_implicit_float_writes_negative_zero():
    assert E(f_imp=-0.0).encode() == h("45 00 00 00 80")


def test_legacy_required_has_presence():
    m = E()
    assert m.req is None and not m.has_field("req")
    m.req = 0
    assert m.has_field("req")
    assert m.encode() == h("18 00")


def test_editions_custom_default():
    m = E()
    assert m.dflt is None and m.get("dflt") == 42
    assert E.decode(h("38 00")).get("dflt") == 0


def test_file_level_implicit_with_a_field_back_to_explicit():
    m = I()
    assert m.imp == 0 and m.s == ""
    raises(ValueError, m.has_field, "imp")
    assert I(imp=0, s="").encode() == b""
    assert m.exp is None
    assert I(exp=0).encode() == h("18 00")
    # message fields keep explicit presence even under an IMPLICIT file
    assert not m.has_field("child")
    assert I(child=I()).encode() == h("22 00")
