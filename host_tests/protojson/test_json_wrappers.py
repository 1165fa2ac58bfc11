# buffa.protojson: the nine wrapper types are written as their bare value
# (in an Any too).
from mptest import raises, requires
from buffa import protojson
from buffa.protojson import JsonError
from buffa.wkt import wrappers_pb as W
from json_wrappers_pb import Wrapped


def dec(text, **kw):
    return protojson.decode(Wrapped, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Wrapped, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


def test_wrappers_are_bare_values():
    m = Wrapped(
        i32=W.Int32Value(value=-1),
        i64=W.Int64Value(value=2**63 - 1),
        u32=W.UInt32Value(value=2**32 - 1),
        u64=W.UInt64Value(value=2**64 - 1),
        fl=W.FloatValue(value=0.5),
        db=W.DoubleValue(value=-2.5),
        b=W.BoolValue(value=True),
        s=W.StringValue(value="x"),
        by=W.BytesValue(value=b"\xff"),
    )
    t = protojson.encode(m)
    assert t == (
        '{"i32":-1,"i64":"9223372036854775807","u32":4294967295,"u64":"18446744073709551615",'
        '"fl":0.5,"db":-2.5,"b":true,"s":"x","by":"/w=="}'
    )
    assert dec(t) == m


def test_wrappers_holding_defaults_are_written():
    m = Wrapped(i32=W.Int32Value(), s=W.StringValue(), b=W.BoolValue())
    assert protojson.encode(m) == '{"i32":0,"b":false,"s":""}'
    assert dec('{"i32": 0, "b": false, "s": ""}') == m


def test_null_leaves_a_wrapper_unset():
    m = dec('{"i32": null, "s": null}')
    assert m.i32 is None and m.s is None


def test_wrapper_inputs_follow_their_scalar_rules():
    assert dec('{"i64": 5}').i64.value == 5
    assert dec('{"u32": "7"}').u32.value == 7
    assert dec('{"fl": "Infinity"}').fl.value == float("inf")
    assert dec('{"by": "_w"}').by.value == b"\xff"
    e = err('{"i32": "x"}', "value")
    assert e.path == "$.i32"
    err('{"i32": {"value": 1}}', "value")
    err('{"b": "true"}', "value")
    err('{"u64": -1}', "range")
    err('{"s": 1}', "value")


def test_repeated_wrappers():
    m = dec('{"i64s": ["1", 2]}')
    assert [w.value for w in m.i64s] == [1, 2]
    assert protojson.encode(m) == '{"i64s":["1","2"]}'
    err('{"i64s": [1, null]}', "value")


def test_top_level_wrapper():
    assert protojson.encode(W.Int64Value(value=3)) == '"3"'
    assert protojson.decode(W.BoolValue, "true").value is True


@requires("doubles")
def test_double_wrapper_precision():
    v = 0.1 + 0.2
    assert dec(protojson.encode(Wrapped(db=W.DoubleValue(value=v)))).db.value == v


def test_wrappers_in_any_go_under_value():
    from buffa.wkt.any_pb import Any

    for name, js in (("Int64Value", '"-3"'), ("BytesValue", '"AAE="'), ("BoolValue", "true"), ("FloatValue", "1.5")):
        t = '{"@type":"type.googleapis.com/google.protobuf.%s","value":%s}' % (name, js)
        assert protojson.encode(protojson.decode(Any, t)) == t, name
