# buffa.protojson: Struct, Value, ListValue and NullValue.
from mptest import raises
from buffa import DecodeOptions, protojson
from buffa.protojson import JsonError
from buffa.wkt.struct_pb import Struct, Value, ListValue
from json_struct_pb import Dynamic


def dec(text, **kw):
    return protojson.decode(Dynamic, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Dynamic, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


def enc_err(m):
    # every encode error here is a value JSON has no form for
    e = raises(JsonError, protojson.encode, m)
    assert e.kind == "unrepresentable", (e.kind, str(e))
    return e


# ---- Struct, Value, ListValue ------------------------------------------------------


def test_struct_is_a_native_json_object():
    t = '{"st":{"a":1,"b":"x","c":true,"d":null,"e":[1,"y",[]],"f":{"g":{}}}}'
    m = dec(t)
    assert dec(protojson.encode(m)) == m  # (key order is the dict's)
    f = m.st.fields
    assert f["a"].number_value == 1.0
    assert f["b"].string_value == "x"
    assert f["c"].bool_value is True
    assert f["d"].which_oneof("kind") == "null_value"
    assert [v.which_oneof("kind") for v in f["e"].list_value.values] == ["number_value", "string_value", "list_value"]
    assert f["f"].struct_value.fields["g"].struct_value == Struct()
    t = '{"st":{"e":[1,"y",[],{"f":{"g":null}}]}}'
    assert protojson.encode(dec(t)) == t


def test_value_field_takes_any_json_value_including_null():
    assert dec('{"val": null}').val == Value(null_value=0)
    assert protojson.encode(Dynamic(val=Value(null_value=0))) == '{"val":null}'
    assert dec('{"val": -1.5e3}').val.number_value == -1500.0
    assert dec('{"val": "s"}').val.string_value == "s"
    assert dec('{"val": false}').val.bool_value is False
    assert dec('{"val": {}}').val.struct_value == Struct()
    assert dec('{"val": []}').val.list_value == ListValue()


def test_repeated_and_map_values_take_null():
    m = dec('{"vals": [null, 1], "vmap": {"k": null}}')
    assert m.vals[0].which_oneof("kind") == "null_value"
    assert m.vmap["k"].which_oneof("kind") == "null_value"
    assert protojson.encode(m) == '{"vals":[null,1],"vmap":{"k":null}}'


def test_list_value_field():
    m = dec('{"lst": [1, [2, [3]], {"a": null}]}')
    assert protojson.encode(m) == '{"lst":[1,[2,[3]],{"a":null}]}'
    err('{"lst": {}}', "syntax")
    err('{"st": []}', "syntax")


def test_struct_errors():
    e = err('{"st": {"a": {"b": nul}}}', "syntax")
    assert e.path == '$.st["a"]["b"]'
    err('{"st": {"a": 1, "a": 2}}', "field")
    err('{"val": NaN}', "syntax")
    err('{"val": 1e999}', "range")
    err('{"lst": [1,]}', "syntax")


def test_value_encode_errors():
    e = enc_err(Dynamic(val=Value()))
    assert e.path == "$.val"
    enc_err(Dynamic(val=Value(number_value=float("nan"))))
    enc_err(Dynamic(val=Value(number_value=float("inf"))))
    e = enc_err(Dynamic(st=Struct(fields={"k": Value(list_value=ListValue(values=[Value()]))})))
    assert e.path == '$.st["k"][0]'


def test_struct_nesting_counts_against_the_recursion_limit():
    deep = "[" * 6 + "]" * 6
    # Value -> ListValue -> Value: two message levels per JSON array
    dec('{"val": %s}' % deep, options=DecodeOptions(recursion_limit=12))
    err('{"val": %s}' % deep, "limit", options=DecodeOptions(recursion_limit=11))


def test_null_value_enum():
    m = dec('{"null": null}')
    assert m.null == 0
    assert protojson.encode(m) == "{}"
    assert protojson.encode(m, emit_default_values=True).startswith('{"null":null,')
    assert dec('{"null": "NULL_VALUE"}').null == 0
    m = dec('{"nullCase": null}')
    assert m.which_oneof("kind") == "null_case"
    assert protojson.encode(m) == '{"nullCase":null}'
    err('{"nullCase": null, "text": "x"}', "field")


def test_top_level_value_struct_and_list():
    assert protojson.decode(Value, "null") == Value(null_value=0)
    assert protojson.encode(Value(string_value="x")) == '"x"'
    assert protojson.decode(Struct, '{"a": [true]}').fields["a"].list_value.values[0].bool_value is True
    assert protojson.encode(ListValue(values=[Value(number_value=2.0)])) == "[2]"


def test_deep_input_fails_cleanly_with_the_default_limit():
    # 51 arrays: 102 levels of Value and ListValue, beyond the default 100
    # (a small heap may run out first: CircuitPython's 128K run does)
    e = raises(JsonError, protojson.decode, Dynamic, '{"val": %s}' % ("[" * 51 + "]" * 51))
    assert e.kind in ("limit", "memory"), (e.kind, str(e))
    assert "recursion" in e.reason or "nesting" in e.reason or "memory" in e.reason
