# buffa.protojson: Any, with "@type" resolved through the registry that
# generated modules fill as they are imported.
from mptest import raises
from buffa import protojson
from buffa.protojson import JsonError
from buffa.wkt.any_pb import Any
from json_struct_pb import Dynamic, Point


def dec(text, **kw):
    return protojson.decode(Dynamic, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Dynamic, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


def enc_err(m):
    # an Any that cannot be written ("any"), or one holding such a value
    e = raises(JsonError, protojson.encode, m)
    assert e.kind in ("any", "unrepresentable"), (e.kind, str(e))
    return e


_URL = "type.googleapis.com/jsontest.Point"


def test_any_of_a_message_inlines_its_fields():
    a = Any(type_url=_URL, value=Point(x=5, label="x").encode())
    t = protojson.encode(Dynamic(any=a))
    assert t == '{"any":{"@type":"%s","x":5,"label":"x"}}' % _URL
    assert dec(t).any == a


def test_any_type_may_come_last():
    m = dec('{"any": {"x": 5, "label": "x", "@type": "%s"}}' % _URL)
    assert Point.decode(m.any.value) == Point(x=5, label="x")


def test_any_of_well_known_types_uses_value():
    # (Timestamp, Duration and FieldMask in test_json_time, wrappers in
    # test_json_wrappers: one module loading them all is too much for a
    # small heap)
    for name, js in (
        ("google.protobuf.Value", '{"a":[1,null]}'),
        ("google.protobuf.Struct", '{"a":1}'),
        ("google.protobuf.ListValue", "[true]"),
    ):
        t = '{"any":{"@type":"type.googleapis.com/%s","value":%s}}' % (name, js)
        m = dec(t)
        assert protojson.encode(m) == t, name


def test_any_of_any_and_empty():
    t = '{"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"%s","x":1}}}' % _URL
    assert protojson.encode(dec(t)) == t
    e1 = dec('{"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}')
    e2 = dec('{"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}')
    assert e1 == e2 and e1.any.value == b""
    assert protojson.encode(e1) == '{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}'


def test_empty_any():
    assert dec('{"any": {}}').any == Any()
    assert protojson.encode(Dynamic(any=Any())) == '{"any":{}}'


def test_any_errors():
    e = err('{"any": {"x": 5}}', "any")
    assert "@type" in e.reason and e.path == "$.any"
    e = err('{"any": {"@type": "type.googleapis.com/no.Such"}}', "any")
    assert e.path == '$.any["@type"]'
    err('{"any": {"@type": "noslash"}}', "any")
    err('{"any": {"@type": 5}}', "any")
    err('{"any": {"@type": "%s", "@type": "%s"}}' % (_URL, _URL), "field")
    e = err('{"any": {"@type": "%s", "x": "y"}}' % _URL, "value")
    assert e.path == "$.any.x"
    err('{"any": {"@type": "%s", "bogus": 1}}' % _URL, "field")
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Value"}}', "value")
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 1, "x": 1}}', "field")
    err('{"any": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 1, "value": 2}}', "field")
    assert dec('{"any": {"@type": "%s", "bogus": 1}}' % _URL, ignore_unknown_fields=True).any.type_url == _URL


def test_any_encode_errors():
    e = enc_err(Dynamic(any=Any(type_url="type.googleapis.com/no.Such", value=b"\x08\x01")))
    assert e.path == "$.any"
    enc_err(Dynamic(any=Any(type_url=_URL, value=b"\xff")))
    from buffa.wkt.struct_pb import Value

    v = Any(type_url="type.googleapis.com/google.protobuf.Value", value=Value().encode())
    e = enc_err(Dynamic(anys=[Any(), v]))
    assert e.path == "$.anys[1].value"


def test_register_a_class_made_elsewhere():
    class Fake:
        _buffa_name = "jsontest.Fake"

    protojson.register(Fake)
    from buffa import message

    assert message.TYPES["jsontest.Fake"] is Fake
    del message.TYPES["jsontest.Fake"]
