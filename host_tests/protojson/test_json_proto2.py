# buffa.protojson with proto2: closed enums, groups, extensions, defaults.
from mptest import raises
from buffa import protojson
from buffa.protojson import JsonError
import json_proto2_pb as P
from json_proto2_pb import P2, Closed


def dec(text, **kw):
    return protojson.decode(P2, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, P2, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


def test_presence_fields_are_written_when_set_even_at_default():
    assert protojson.encode(P2()) == "{}"
    assert protojson.encode(P2(a=0, s="dflt")) == '{"a":0,"s":"dflt"}'
    assert dec('{"a": 0}').a == 0
    assert dec("{}").a is None
    assert protojson.encode(P2(), emit_default_values=True) == '{"es":[],"em":{}}'


def test_closed_enum_rejects_unknown_numbers():
    assert dec('{"e": 1}').e == Closed.ONE
    assert dec('{"e": "ONE"}').e == Closed.ONE
    e = err('{"e": 2}', "value")
    assert e.path == "$.e"
    err('{"es": [0, 5]}', "value")
    err('{"em": {"k": 9}}', "value")


def test_closed_enum_unknowns_dropped_when_ignored():
    m = dec('{"e": 2, "es": [0, 5, "TWO", 1], "em": {"k": 9, "j": "ONE"}}', ignore_unknown_enum_values=True)
    assert m.e is None
    assert m.es == [Closed.ZERO, Closed.ONE]
    assert m.em == {"j": Closed.ONE}


def test_group_is_an_object_named_like_the_field():
    m = P2(grp=P2.Grp(x=3))
    assert protojson.encode(m) == '{"grp":{"x":3}}'
    assert dec('{"grp": {"x": 3}}') == m


def test_extensions_in_brackets():
    m = P2(a=1)
    m.set_extension(P.ext_i, 7)
    m.set_extension(P.ext_s, ["x", "y"])
    m.set_extension(P.ext_m, P2(a=2))
    t = protojson.encode(m)
    assert t == '{"a":1,"[jsontest2.ext_i]":7,"[jsontest2.ext_s]":["x","y"],"[jsontest2.ext_m]":{"a":2}}'
    back = dec(t)
    assert back.get_extension(P.ext_i) == 7
    assert back.get_extension(P.ext_s) == ["x", "y"]
    assert back.get_extension(P.ext_m) == P2(a=2)


def test_extension_errors():
    e = err('{"[jsontest2.ext_i]": "x"}', "value")
    assert e.path == "$.[jsontest2.ext_i]"
    err('{"[jsontest2.nope]": 1}', "field")
    assert dec('{"[jsontest2.nope]": 1, "a": 2}', ignore_unknown_fields=True).a == 2
    assert not dec('{"[jsontest2.ext_i]": null}').has_extension(P.ext_i)


def test_string_holding_invalid_utf8_cannot_be_encoded():
    m = P2()
    m.s = b"\xff"  # what a proto2 string without UTF-8 checks may hold
    e = raises(JsonError, protojson.encode, m)
    assert e.path == "$.s"
