# Extensions: get/set/has/clear_extension on an extendable message. Values
# live in the unknown-field bytes, so they round-trip without a registry.
import buffa
from mptest import raises
from pbtestutil import h, hx
import extensions_pb as X
import extensions_editions_pb as XE
from extensions_pb import Base, Sub, Other, Scope, EGroup, Color


def test_unset_extension():
    m = Base()
    assert not m.has_extension(X.e_int)
    assert m.get_extension(X.e_int) == 0
    assert m.get_extension(X.e_str) == "dflt"
    assert m.get_extension(X.e_msg) is None
    assert m.get_extension(X.e_rep) == []


def test_scalar_extension_set_get_has_clear():
    m = Base(plain=1)
    m.set_extension(X.e_int, 5)
    assert m.has_extension(X.e_int)
    assert m.get_extension(X.e_int) == 5
    assert m.encode() == h("08 01 a0 06 05")
    m.clear_extension(X.e_int)
    assert not m.has_extension(X.e_int)
    assert m.encode() == h("08 01")


def test_setting_again_replaces_the_value():
    m = Base()
    m.set_extension(X.e_int, 5)
    m.set_extension(X.e_int, 6)
    assert m.get_extension(X.e_int) == 6
    assert m.encode() == h("a0 06 06")


def test_setting_none_clears():
    m = Base()
    m.set_extension(X.e_int, 5)
    m.set_extension(X.e_int, None)
    assert not m.has_extension(X.e_int)


def test_extension_types_round_trip():
    m = Base()
    m.set_extension(X.e_str, "h\u00e9")
    m.set_extension(X.e_sint, -3)
    m.set_extension(X.e_double, 1.5)
    m.set_extension(X.e_bytes, b"\x00\xff")
    m.set_extension(X.e_fixed, 4294967295)
    m.set_extension(X.e_enum, Color.GREEN)
    back = Base.decode(m.encode())
    assert back.get_extension(X.e_str) == "h\u00e9"
    assert back.get_extension(X.e_sint) == -3
    assert back.get_extension(X.e_double) == 1.5
    assert back.get_extension(X.e_bytes) == b"\x00\xff"
    assert back.get_extension(X.e_fixed) == 4294967295
    assert back.get_extension(X.e_enum) == Color.GREEN
    assert back == m


def test_exact_bytes_of_each_kind():
    def enc(ext, v):
        m = Base()
        m.set_extension(ext, v)
        return m.encode()

    assert enc(X.e_sint, -1) == h("e8 06 01")
    assert enc(X.e_fixed, 1) == h("85 07 01 00 00 00")
    assert enc(X.e_msg, Sub(a=1)) == h("b2 06 02 08 01")
    assert enc(X.egroup, EGroup(g=1)) == h("cb 06 d0 06 01 cc 06")
    assert enc(X.e_rep, [1, 2]) == h("a8 06 01 a8 06 02")


def test_packed_repeated_extension_is_written_packed():
    m = Base()
    m.set_extension(X.e_packed, [1, 2, 300])
    assert m.encode() == h("da 06 04 01 02 ac 02"), hx(m.encode())
    assert Base.decode(m.encode()).get_extension(X.e_packed) == [1, 2, 300]


def test_repeated_extension_accepts_packed_and_expanded():
    m = Base.decode(h("a8 06 01 aa 06 02 02 03 a8 06 04"))
    assert m.get_extension(X.e_rep) == [1, 2, 3, 4]
    m = Base.decode(h("d8 06 07 da 06 01 08"))
    assert m.get_extension(X.e_packed) == [7, 8]


def test_message_extension():
    m = Base()
    m.set_extension(X.e_msg, Sub(a=1, s="x"))
    assert m.has_extension(X.e_msg)
    back = Base.decode(m.encode())
    assert back.get_extension(X.e_msg) == Sub(a=1, s="x")


def test_message_extension_occurrences_merge():
    m = Base.decode(h("b2 06 02 08 01 b2 06 03 12 01 78"))
    assert m.get_extension(X.e_msg) == Sub(a=1, s="x")


def test_last_scalar_occurrence_wins():
    assert Base.decode(h("a0 06 01 a0 06 02")).get_extension(X.e_int) == 2


def test_repeated_message_extension():
    m = Base()
    m.set_extension(X.e_rmsg, [Sub(a=1), Sub(s="y")])
    back = Base.decode(m.encode())
    assert back.get_extension(X.e_rmsg) == [Sub(a=1), Sub(s="y")]


def test_group_extension():
    m = Base()
    m.set_extension(X.egroup, EGroup(g=7))
    assert Base.decode(m.encode()).get_extension(X.egroup) == EGroup(g=7)


def test_extension_declared_inside_a_message():
    m = Base()
    m.set_extension(Scope.nested_ext, 9)
    assert m.encode() == h("b0 09 09")
    assert Base.decode(m.encode()).get_extension(Scope.nested_ext) == 9


def test_extension_bytes_round_trip_unchanged():
    data = h("08 01 a0 06 05 b2 06 02 08 01 cb 06 d0 06 01 cc 06 f0 0b 01")
    m = Base.decode(data)
    assert m.plain == 1
    assert m.unknown_fields() == data[2:]
    assert m.encode() == data


def test_clearing_one_extension_keeps_the_others_and_unknown_fields():
    m = Base.decode(h("a0 06 05 f8 0c 01 a8 06 02 a0 06 06"))
    m.clear_extension(X.e_int)
    assert m.unknown_fields() == h("f8 0c 01 a8 06 02")
    assert m.get_extension(X.e_rep) == [2]


def test_extension_of_another_message_is_rejected():
    m = Other()
    raises(ValueError, m.set_extension, X.e_int, 1)
    raises(ValueError, m.get_extension, X.e_int)
    raises(ValueError, Base().has_extension, X.o_int)
    m.set_extension(X.o_int, 2)
    assert m.get_extension(X.o_int) == 2


def test_equality_includes_extensions():
    a = Base()
    b = Base()
    a.set_extension(X.e_int, 1)
    assert a != b
    b.set_extension(X.e_int, 1)
    assert a == b


def test_malformed_known_message_extension_is_a_decode_error():
    raises(buffa.DecodeError, Base.decode, h("b2 06 02 08 ff"))


def test_verify_string_extension_rejects_invalid_utf8():
    raises(buffa.DecodeError, Base.decode, h("c2 07 02 c0 80"))
    m = Base.decode(h("c2 07 02 c3 a9"))
    assert m.get_extension(XE.e_verify) == "\u00e9"


def test_proto2_string_extension_accepts_invalid_utf8():
    m = Base.decode(h("ba 06 01 ff"))
    assert m.has_extension(X.e_str)
    assert m.encode() == h("ba 06 01 ff")
