# proto2: every singular field has explicit presence; unset fields read as
# None and m.get(name) gives the [default = ...] value.
from mptest import raises
from pbtestutil import h, f32
from presence_proto2_pb import P2, Level


def test_unset_fields_read_as_none():
    m = P2()
    for name in ("i", "s", "by", "fl", "db", "b", "lv", "lv0", "u", "plain", "child", "req"):
        assert getattr(m, name) is None, name
        assert not m.has_field(name), name


def test_get_returns_the_custom_defaults():
    m = P2()
    assert m.get("i") == -5
    assert m.get("s") == "h\u00e9llo"
    assert m.get("by") == b"\x00\x01ab\xff"
    assert m.get("fl") == float("inf")
    assert m.get("ninf") == float("-inf")
    assert m.get("db") == -1.5e10
    assert m.get("b") is True
    assert m.get("lv") == Level.MID
    assert m.get("u") == 18446744073709551615
    assert m.get("neg") == -9223372036854775808
    assert m.get("quoted") == "a\"b\\c\n'"
    v = m.get("nan")
    assert v != v


def test_get_without_a_custom_default_gives_the_type_default():
    m = P2()
    assert m.get("plain") == 0
    assert m.get("req") == 0
    # a closed enum defaults to its first value, not to 0
    assert m.get("lv0") == Level.LOW == 1


def test_get_returns_the_value_once_set():
    m = P2(i=0, s="", b=False, lv=Level.HIGH)
    assert m.get("i") == 0 and m.get("s") == "" and m.get("b") is False
    assert m.get("lv") == Level.HIGH


def test_get_of_an_unknown_name_raises():
    raises(ValueError, P2().get, "nope")


def test_defaults_are_not_encoded():
    assert P2().encode() == b""


def test_zero_and_default_values_are_encoded_when_set():
    assert P2(plain=0).encode() == h("50 00")
    assert P2(i=-5).encode() == h("08 fb ff ff ff ff ff ff ff ff 01")
    assert P2(s="").encode() == h("12 00")
    assert P2(b=False).encode() == h("30 00")
    assert P2(fl=0.0).encode() == h("25 00 00 00 00")
    assert P2(req=0).encode() == h("60 00")


def test_presence_survives_a_round_trip():
    m = P2.decode(h("50 00 12 00 30 00"))
    assert m.has_field("plain") and m.plain == 0
    assert m.has_field("s") and m.s == ""
    assert m.has_field("b") and m.b is False
    assert not m.has_field("i")
    assert m.get("i") == -5
    assert m.encode() == h("12 00 30 00 50 00")


def test_clear_field_restores_absence_and_the_default():
    m = P2(i=3, child=P2(plain=1))
    m.clear_field("i")
    m.clear_field("child")
    assert m.i is None and m.get("i") == -5
    assert m.child is None and not m.has_field("child")
    assert m.encode() == b""


def test_setting_none_clears_a_field():
    m = P2(i=3)
    m.i = None
    assert not m.has_field("i")
    assert m.encode() == b""


def test_sub_message_presence():
    m = P2()
    assert not m.has_field("child")
    m.child = P2()
    assert m.has_field("child")
    assert m.encode() == h("5a 00")
    assert P2.decode(h("5a 00")).has_field("child")


def test_float_default_is_a_float32_value():
    m = P2(fl=0.1)
    assert P2.decode(m.encode()).fl == f32(0.1)


def test_has_field_rejects_unknown_names():
    raises(ValueError, P2().has_field, "nope")
    raises(ValueError, P2().clear_field, "nope")


def test_missing_required_field_still_decodes_and_encodes():
    # buffa does not enforce required fields: they behave as explicit-presence
    # fields (as conformance and the editions LEGACY_REQUIRED feature expect).
    m = P2.decode(h("08 01"))
    assert m.req is None
    assert m.encode() == h("08 01")


def test_optional_bool_refuses_other_types_even_when_false():
    # with explicit presence every set value is checked, a false one too
    # (host_tests/scalars/test_bool_values.py has the other shapes)
    import buffa

    for v in (0.0, "", "yes", b""):
        e = raises(buffa.EncodeError, P2(b=v).encode)
        assert e.kind == "type" and e.field == "b", (v, e.kind, e.field)
    assert P2.decode(P2(b=0).encode()).b is False
