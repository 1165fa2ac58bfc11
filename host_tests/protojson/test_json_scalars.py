# buffa.protojson: singular scalar fields, enums, JSON names and the encode
# options.
from mptest import raises, requires
from buffa import protojson
from buffa.protojson import JsonError
from json_scalars_pb import Scalars, Color


def dec(text, **kw):
    return protojson.decode(Scalars, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Scalars, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


# ---- integers ----------------------------------------------------------------


def test_default_message_is_an_empty_object():
    assert protojson.encode(Scalars()) == "{}"
    assert dec("{}") == Scalars()
    assert dec(" \t\r\n{ \n}\n ") == Scalars()


def test_integers_encode_32_bit_as_numbers_and_64_bit_as_strings():
    m = Scalars(i32=-5, i64=-6, u32=7, u64=8, s32=-9, s64=-10, f32=11, f64=12, sf32=-13, sf64=-14)
    assert protojson.encode(m) == (
        '{"i32":-5,"i64":"-6","u32":7,"u64":"8","s32":-9,"s64":"-10",'
        '"f32":11,"f64":"12","sf32":-13,"sf64":"-14"}'
    )
    assert dec(protojson.encode(m)) == m


def test_integer_extremes_round_trip():
    m = Scalars(
        i32=-(2**31), i64=-(2**63), u32=2**32 - 1, u64=2**64 - 1, s32=2**31 - 1, s64=2**63 - 1,
        f32=2**32 - 1, f64=2**64 - 1, sf32=-(2**31), sf64=-(2**63),
    )
    assert dec(protojson.encode(m)) == m


def test_integers_accept_numbers_and_strings():
    assert dec('{"i64": 9223372036854775807}').i64 == 2**63 - 1
    assert dec('{"u64": 18446744073709551615}').u64 == 2**64 - 1
    assert dec('{"u64": "18446744073709551615"}').u64 == 2**64 - 1
    assert dec('{"i32": "-12"}').i32 == -12
    assert dec('{"sf64": "-9223372036854775808"}').sf64 == -(2**63)


def test_integers_accept_exponents_and_integral_fractions():
    assert dec('{"i32": 1e5}').i32 == 100000
    assert dec('{"i32": 1.0}').i32 == 1
    assert dec('{"u32": 4.294967295e9}').u32 == 2**32 - 1
    assert dec('{"i64": "1E2"}').i64 == 100
    assert dec('{"i64": 12300e-2}').i64 == 123
    assert dec('{"i32": -0}').i32 == 0


def test_integers_out_of_range_are_rejected():
    err('{"i32": 2147483648}', "range")
    err('{"i32": -2147483649}', "range")
    err('{"u32": -1}', "range")
    err('{"u32": 4294967296}', "range")
    err('{"u64": "-1"}', "range")
    err('{"u64": 18446744073709551616}', "range")
    err('{"i64": "9223372036854775808"}', "range")
    err('{"sf32": 1e10}', "range")
    err('{"i64": 1e400}', "value")


def test_integers_that_are_not_integers_are_rejected():
    e = err('{"i32": 1.5}', "value")
    assert e.path == "$.i32"
    err('{"i64": "0.5"}', "value")
    err('{"i32": 1e-1}', "value")
    err('{"i32": "1 "}', "value")
    err('{"i32": " 1"}', "value")
    err('{"i32": "0x10"}', "value")
    err('{"i32": "+1"}', "value")
    err('{"i32": 01}', "syntax")
    err('{"i32": -01}', "syntax")
    err('{"i32": true}', "value")
    err('{"i32": ""}', "value")
    err('{"i32": "1_000"}', "value")
    err('{"i32": {}}', "value")


# ---- floating point ----------------------------------------------------------


def test_float_specials_are_strings():
    m = dec('{"fl": "NaN", "db": "-Infinity"}')
    assert m.fl != m.fl
    assert m.db == float("-inf")
    assert protojson.encode(Scalars(fl=float("inf"), db=float("nan"))) == '{"fl":"Infinity","db":"NaN"}'
    err('{"db": NaN}', "syntax")
    err('{"db": Infinity}', "syntax")
    err('{"db": "nan"}', "value")
    err('{"db": "inf"}', "value")


def test_floats_accept_numbers_and_numeric_strings():
    assert dec('{"db": 1.5}').db == 1.5
    assert dec('{"db": "1.5"}').db == 1.5
    assert dec('{"db": -2}').db == -2.0
    assert dec('{"db": "1e2"}').db == 100.0
    err('{"db": "1.5 "}', "value")
    err('{"db": "abc"}', "value")
    err('{"db": .5}', "syntax")
    err('{"db": 1.}', "syntax")
    err('{"db": 1e}', "syntax")
    err('{"db": true}', "value")


def test_float32_is_written_shortest():
    assert protojson.encode(Scalars(fl=0.1)) == '{"fl":0.1}'
    assert protojson.encode(Scalars(fl=1.0)) == '{"fl":1}'
    assert protojson.encode(Scalars(fl=-2.5)) == '{"fl":-2.5}'
    m = dec('{"fl": 0.1}')
    assert protojson.encode(m) == '{"fl":0.1}'


@requires("doubles")
def test_float32_range_is_checked():
    err('{"fl": 3.5e38}', "range")
    err('{"fl": -3.5e38}', "range")
    assert dec('{"fl": 3.4028235e38}').fl == 3.4028234663852886e38


@requires("doubles")
def test_double_is_written_shortest_and_round_trips():
    for v in (0.1, 1.0 / 3, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -0.0, 123456789.125):
        t = protojson.encode(Scalars(db=v))
        back = dec(t).db
        assert back == v and str(back) == str(v), (v, t)
    assert protojson.encode(Scalars(db=0.1)) == '{"db":0.1}'
    assert protojson.encode(Scalars(db=1e300)) == '{"db":1e+300}'
    assert protojson.encode(Scalars(db=3.0)) == '{"db":3}'


@requires("doubles")
def test_double_out_of_range_is_rejected():
    err('{"db": 1.8e308}', "range")
    err('{"db": "-1e400"}', "range")


def test_negative_zero_is_not_the_default():
    assert protojson.encode(Scalars(db=-0.0)) == '{"db":-0}'


# ---- bool, string, bytes -----------------------------------------------------


def test_bool():
    assert dec('{"b": true}').b is True
    assert dec('{"b": false}').b is False
    assert protojson.encode(Scalars(b=True)) == '{"b":true}'
    err('{"b": "true"}', "value")
    err('{"b": 1}', "value")
    err('{"b": 0}', "value")
    err('{"b": True}', "value")
    err('{"b": tru}', "syntax")


def test_string_escapes_decode():
    m = dec('{"s": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00"}')
    assert m.s == '"\\/\b\f\n\r\t\u00e9\u20ac\U0001f600'


def test_string_encode_escapes_what_json_requires():
    t = protojson.encode(Scalars(s='a"b\\c\n\x01\u00e9'))
    assert t == '{"s":"a\\"b\\\\c\\n\\u0001\u00e9"}'
    assert dec(t).s == 'a"b\\c\n\x01\u00e9'


def test_string_non_ascii_and_utf8_bytes_input():
    m = dec('{"s": "h\u00e9llo \U0001f600"}')
    assert m.s == "h\u00e9llo \U0001f600"
    m2 = dec('{"s": "h\u00e9llo \U0001f600"}'.encode())
    assert m2.s == m.s


def test_string_errors():
    err('{"s": "\\ud83d"}', "syntax")  # unpaired high surrogate
    err('{"s": "\\ude00"}', "syntax")  # unpaired low surrogate
    err('{"s": "\\ude00\\ud83d"}', "syntax")  # wrong order
    err('{"s": "\\ud83dx"}', "syntax")
    err('{"s": "\\x41"}', "syntax")  # invalid escape
    err('{"s": "\\U0041"}', "syntax")
    err('{"s": "\\u00g1"}', "syntax")
    err('{"s": "a\nb"}', "syntax")  # raw control character
    err('{"s": "a\x01b"}', "syntax")
    err('{"s": "abc}', "syntax")
    err('{"s": \'abc\'}', "syntax")
    err('{"s": 1}', "value")
    err(b'{"s": "\xff"}', "syntax")  # invalid UTF-8
    err(b'{"s": "\xed\xa0\x80"}', "syntax")  # an encoded surrogate


def test_bytes_base64():
    assert protojson.encode(Scalars(by=b"\x00\x01\xfe\xff")) == '{"by":"AAH+/w=="}'
    for t in ("AAH+/w==", "AAH+/w", "AAH-_w==", "AAH-_w"):
        assert dec('{"by": "%s"}' % t).by == b"\x00\x01\xfe\xff", t
    assert dec('{"by": ""}').by == b""
    assert dec('{"by": "YQ"}').by == b"a"
    assert dec('{"by": "YWI="}').by == b"ab"


def test_bytes_base64_errors():
    err('{"by": "A"}', "value")
    err('{"by": "AAAAA"}', "value")
    err('{"by": "AA*A"}', "value")
    err('{"by": "AA=A"}', "value")
    err('{"by": "AA==="}', "value")
    err('{"by": "A==="}', "value")
    err('{"by": "AA AA"}', "value")
    err('{"by": 12}', "value")


# ---- enums -------------------------------------------------------------------


def test_enum_by_name_or_number():
    assert dec('{"color": "GREEN"}').color == Color.GREEN
    assert dec('{"color": 1}').color == Color.RED
    assert protojson.encode(Scalars(color=Color.GREEN)) == '{"color":"GREEN"}'


def test_open_enum_keeps_unknown_numbers():
    m = dec('{"color": 7}')
    assert m.color == 7
    assert protojson.encode(m) == '{"color":7}'


def test_unknown_enum_name():
    e = err('{"color": "BLUE"}', "value")
    assert e.path == "$.color"
    assert dec('{"color": "BLUE"}', ignore_unknown_enum_values=True).color == 0
    assert dec('{"color": "BLUE", "i32": 3}', ignore_unknown_fields=True).i32 == 3
    err('{"color": "green"}', "value")
    err('{"color": 2147483648}', "range")
    err('{"color": 1.5}', "value")


# ---- names and options -------------------------------------------------------


def test_json_names_on_output_and_both_names_on_input():
    m = Scalars(snake_case_name="x", custom=2, opt_i32=1)
    assert protojson.encode(m) == '{"optI32":1,"snakeCaseName":"x","customName":2}'
    assert protojson.encode(m, use_proto_names=True) == '{"opt_i32":1,"snake_case_name":"x","custom":2}'
    assert dec('{"optI32":1,"snakeCaseName":"x","customName":2}') == m
    assert dec('{"opt_i32":1,"snake_case_name":"x","custom":2}') == m


def test_member_names_must_be_json_strings():
    err('{i32": 1}', "syntax")
    err('{"i32": 1, xi32": 2}', "syntax")
    err("{'i32': 1}", "syntax")
    err('{"i\u0033\u0032": 1, "i32": 2}', "field")  # the same name, escaped
    assert dec('{"i\u0033\u0032": 7}').i32 == 7


def test_the_same_field_twice_is_rejected():
    err('{"i32": 1, "i32": 2}', "field")
    e = err('{"snakeCaseName": "a", "snake_case_name": "b"}', "field")
    assert "twice" in e.reason


def test_emit_default_values():
    t = protojson.encode(Scalars(), emit_default_values=True)
    assert t == (
        '{"i32":0,"i64":"0","u32":0,"u64":"0","s32":0,"s64":"0","f32":0,"f64":"0",'
        '"sf32":0,"sf64":"0","fl":0,"db":0,"b":false,"s":"","by":"","color":"COLOR_UNSPECIFIED",'
        '"snakeCaseName":"","customName":0}'
    )
    assert dec(t) == Scalars()


def test_explicit_presence_is_written_even_at_zero():
    assert protojson.encode(Scalars(opt_i32=0)) == '{"optI32":0}'
    m = dec('{"optI32": 0}')
    assert m.opt_i32 == 0


def test_null_leaves_a_field_unset():
    m = dec('{"i32": null, "s": null, "optI32": null, "color": null, "by": null}')
    assert m == Scalars()
    assert m.opt_i32 is None
