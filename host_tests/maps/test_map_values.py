# Map value types: messages, enums, strings, bytes, floats, recursion; and
# proto2 closed-enum values.
from pbtestutil import h, f32
from maps_values_pb import Values, Val, Kind
from maps_closed_pb import Proto2Maps, Closed2


def rt(m):
    data = m.encode()
    assert len(data) == m.encoded_size()
    back = Values.decode(data)
    assert back == m
    return back


def test_message_values():
    m = rt(Values(v_msg={"a": Val(a=1, b="x"), "b": Val()}))
    assert m.v_msg["a"].b == "x"
    assert Values(v_msg={"": Val()}).encode() == h("b2 01 04 0a 00 12 00")


def test_large_message_value_gets_a_multi_byte_length():
    m = rt(Values(v_msg={"k": Val(b="z" * 300)}))
    assert len(m.v_msg["k"].b) == 300


def test_enum_values_keep_unknown_numbers():
    m = rt(Values(v_enum={"a": Kind.K_ONE, "b": 77}))
    assert m.v_enum == {"a": 1, "b": 77}


def test_string_and_bytes_values():
    rt(Values(v_string={"k": "\u00e9", "e": ""}, v_bytes={"b": b"\x00\xff", "z": b""}))


def test_floating_point_values():
    m = rt(Values(v_double={1: 1.5, 2: -0.0}, v_float={1: 0.5}))
    assert m.v_double[1] == 1.5
    m = Values.decode(Values(v_float={3: 0.1}).encode())
    assert m.v_float[3] == f32(0.1)


def test_sint64_values():
    rt(Values(v_sint64={0: -9223372036854775808, 1: 9223372036854775807}))


def test_recursive_map_values():
    m = Values(v_self={1: Values(v_self={2: Values(v_string={"x": "y"})})})
    back = rt(m)
    assert back.v_self[1].v_self[2].v_string == {"x": "y"}


def test_closed_enum_value_known():
    m = Proto2Maps.decode(h("0a 04 08 01 10 01"))
    assert m.closed == {1: Closed2.C2_ONE}
    assert m.unknown_fields() == b""


def test_closed_enum_unknown_value_keeps_the_whole_entry_as_unknown():
    m = Proto2Maps.decode(h("0a 04 08 01 10 09"))
    assert m.closed == {}
    assert m.unknown_fields() == h("0a 04 08 01 10 09")
    assert m.encode() == h("0a 04 08 01 10 09")


def test_proto2_string_map_keeps_invalid_utf8():
    data = h("12 06 0a 01 6b 12 01 ff")
    m = Proto2Maps.decode(data)
    assert list(m.lax.keys()) == ["k"]
    assert m.encode() == data
