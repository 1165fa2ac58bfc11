# Messages named after the builtins that generated code uses (len, str,
# setattr, UnicodeError, next, bytes, struct): the module reaches each
# builtin through its own alias, so these classes shadow nothing it needs.
import buffa
from mptest import raises
from pbtestutil import h
import names_builtin_types_pb as T


def test_messages_named_after_builtins_round_trip():
    m = T.len(s="x", child=T.len(r=[1, 2]), mp={"k": 1}, b=b"\x00")
    assert T.len.decode(m.encode()) == m
    for M, kw in ((T.str, {"v": "s"}), (T.next, {"again": T.next()}), (T.bytes, {"data": b"d"}),
                  (T.struct, {"d": 1.5, "f": 7, "fl": 2.5}), (T.UnicodeError, {"text": "t", "labels": {"a": "b"}})):
        x = M(**kw)
        assert M.decode(x.encode()) == x, M


def test_float_defaults_use_the_float_alias():
    m = T.len()
    assert m.get("f") == float("inf")
    assert m.get("nan") != m.get("nan")


def test_invalid_utf8_is_a_decode_error_beside_a_message_named_unicodeerror():
    # the decoder catches the builtin UnicodeError, not the message class
    e = raises(buffa.DecodeError, T.UnicodeError.decode, h("0a 02 c3 28"))
    assert e.kind == "utf8"


def test_mangled_names_are_set_through_the_setattr_alias():
    m = T.setattr()
    assert getattr(m, "__x") is None and getattr(m, "__y") == []
    setattr(m, "__x", 5)
    assert getattr(T.setattr.decode(m.encode()), "__x") == 5


def test_fixed_width_range_check_beside_a_message_named_struct():
    e = raises(buffa.EncodeError, T.struct(f=-1).encode)
    assert (e.kind, e.field) == ("range", "f")
