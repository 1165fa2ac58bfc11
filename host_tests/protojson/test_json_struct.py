# buffa.protojson: Struct, Value, ListValue, NullValue and Any.
from mptest import raises
from buffa import DecodeOptions, protojson
from buffa.protojson import JsonError
from buffa.wkt.struct_pb import Struct, Value, ListValue
from buffa.wkt.any_pb import Any
from json_struct_pb import Dynamic
from json_scalars_pb import Scalars


def dec(text, **kw):
    return protojson.decode(Dynamic, text, **kw)


def err(text, **kw):
    return raises(JsonError, protojson.decode, Dynamic, text, **kw)


def enc_err(m):
    return raises(JsonError, protojson.encode, m)


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
    err('{"lst": {}}')
    err('{"st": []}')


def test_struct_errors():
    e = err('{"st": {"a": {"b": nul}}}')
    assert e.path == '$.st["a"]["b"]'
    err('{"st": {"a": 1, "a": 2}}')
    err('{"val": NaN}')
    err('{"val": 1e999}')
    err('{"lst": [1,]}')


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
    err('{"val": %s}' % deep, options=DecodeOptions(recursion_limit=11))


def test_null_value_enum():
    m = dec('{"null": null}')
    assert m.null == 0
    assert protojson.encode(m) == "{}"
    assert protojson.encode(m, emit_default_values=True).startswith('{"null":null,')
    assert dec('{"null": "NULL_VALUE"}').null == 0
    m = dec('{"nullCase": null}')
    assert m.which_oneof("kind") == "null_case"
    assert protojson.encode(m) == '{"nullCase":null}'
    err('{"nullCase": null, "text": "x"}')


def test_top_level_value_struct_and_list():
    assert protojson.decode(Value, "null") == Value(null_value=0)
    assert protojson.encode(Value(string_value="x")) == '"x"'
    assert protojson.decode(Struct, '{"a": [true]}').fields["a"].list_value.values[0].bool_value is True
    assert protojson.encode(ListValue(values=[Value(number_value=2.0)])) == "[2]"


# ---- Any -------------------------------------------------------------------------

_URL = "type.googleapis.com/jsontest.Scalars"


def test_any_of_a_message_inlines_its_fields():
    a = Any(type_url=_URL, value=Scalars(i32=5, s="x").encode())
    t = protojson.encode(Dynamic(any=a))
    assert t == '{"any":{"@type":"%s","i32":5,"s":"x"}}' % _URL
    assert dec(t).any == a


def test_any_type_may_come_last():
    m = dec('{"any": {"i32": 5, "s": "x", "@type": "%s"}}' % _URL)
    assert Scalars.decode(m.any.value) == Scalars(i32=5, s="x")


def test_any_of_well_known_types_uses_value():
    for name, js in (
        ("google.protobuf.Duration", '"1.500s"'),
        ("google.protobuf.Timestamp", '"1970-01-01T00:00:00Z"'),
        ("google.protobuf.FieldMask", '"a,bC"'),
        ("google.protobuf.Value", '{"a":[1,null]}'),
        ("google.protobuf.Struct", '{"a":1}'),
        ("google.protobuf.ListValue", "[true]"),
        ("google.protobuf.Int64Value", '"-3"'),
        ("google.protobuf.BytesValue", '"AAE="'),
    ):
        t = '{"any":{"@type":"type.googleapis.com/%s","value":%s}}' % (name, js)
        m = dec(t)
        assert protojson.encode(m) == t, name


def test_any_of_any_and_empty():
    t = '{"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"%s","i32":1}}}' % _URL
    assert protojson.encode(dec(t)) == t
    e1 = dec('{"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}')
    e2 = dec('{"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}')
    assert e1 == e2 and e1.any.value == b""
    assert protojson.encode(e1) == '{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}'


def test_empty_any():
    assert dec('{"any": {}}').any == Any()
    assert protojson.encode(Dynamic(any=Any())) == '{"any":{}}'


def test_any_errors():
    e = err('{"any": {"i32": 5}}')
    assert "@type" in e.reason and e.path == "$.any"
    e = err('{"any": {"@type": "type.googleapis.com/no.Such"}}')
    assert e.path == '$.any["@type"]'
    err('{"any": {"@type": "noslash"}}')
    err('{"any": {"@type": 5}}')
    err('{"any": {"@type": "%s", "@type": "%s"}}' % (_URL, _URL))
    e = err('{"any": {"@type": "%s", "i32": "x"}}' % _URL)
    assert e.path == "$.any.i32"
    err('{"any": {"@type": "%s", "bogus": 1}}' % _URL)
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Duration"}}')
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "x": 1}}')
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "value": "2s"}}')
    assert dec('{"any": {"@type": "%s", "bogus": 1}}' % _URL, ignore_unknown_fields=True).any.type_url == _URL


def test_any_encode_errors():
    e = enc_err(Dynamic(any=Any(type_url="type.googleapis.com/no.Such", value=b"\x08\x01")))
    assert e.path == "$.any"
    enc_err(Dynamic(any=Any(type_url=_URL, value=b"\xff")))
    from buffa.wkt.duration_pb import Duration

    d = Any(type_url="type.googleapis.com/google.protobuf.Duration", value=Duration(seconds=10**12).encode())
    e = enc_err(Dynamic(anys=[Any(), d]))
    assert e.path == "$.anys[1].value"


def test_register_a_class_made_elsewhere():
    class Fake:
        _buffa_name = "jsontest.Fake"

    protojson.register(Fake)
    from buffa import message

    assert message.TYPES["jsontest.Fake"] is Fake
    del message.TYPES["jsontest.Fake"]
