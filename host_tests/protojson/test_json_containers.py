# buffa.protojson: repeated fields, maps and oneofs, and the encoding options
# for them. (Limits, unknown fields and syntax errors: test_json_limits.py.)
from mptest import raises
from buffa import protojson
from buffa.protojson import JsonError
from json_scalars_pb import Scalars, Color
from json_containers_pb import Containers


def dec(text, **kw):
    return protojson.decode(Containers, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Containers, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


# ---- repeated ----------------------------------------------------------------


def test_repeated_fields():
    m = Containers(nums=[1, -2], names=["a", ""], colors=[Color.RED, 5], items=[Scalars(i32=1), Scalars()], longs=[2**40])
    t = protojson.encode(m)
    assert t == (
        '{"nums":[1,-2],"names":["a",""],"colors":["RED",5],"items":[{"i32":1},{}],"longs":["1099511627776"]}'
    )
    assert dec(t) == m


def test_repeated_empty_and_null():
    assert dec('{"nums": [], "names": null}') == Containers()
    assert protojson.encode(Containers(nums=[])) == "{}"


def test_repeated_element_errors_name_the_index():
    e = err('{"nums": [1, "x", 3]}', "value")
    assert e.path == "$.nums[1]"
    e = err('{"items": [{}, {"i32": 1.5}]}', "value")
    assert e.path == "$.items[1].i32"
    err('{"nums": [1, null]}', "value")
    err('{"nums": 1}', "syntax")
    err('{"nums": [1,]}', "syntax")
    err('{"nums": [,1]}', "syntax")
    err('{"nums": [1 2]}', "syntax")
    err('{"nums": [1}', "syntax")


def test_repeated_unknown_enum_names_are_dropped_when_ignored():
    m = dec('{"colors": ["RED", "BLUE", "GREEN"]}', ignore_unknown_enum_values=True)
    assert m.colors == [Color.RED, Color.GREEN]
    err('{"colors": ["RED", "BLUE"]}', "value")


# ---- maps ----------------------------------------------------------------------


def test_maps_with_every_key_kind():
    m = Containers(
        counts={"a": 1, "": 0},
        by_id={-(2**63): "min", 7: "seven"},
        flags={True: Scalars(b=True), False: Scalars()},
        colors_by_num={4294967295: Color.GREEN},
    )
    t = protojson.encode(m)
    assert '"byId":{"-9223372036854775808":"min","7":"seven"}' in t
    assert '"colorsByNum":{"4294967295":"GREEN"}' in t
    assert '"true":{"b":true}' in t and '"false":{}' in t
    assert dec(t) == m


def test_map_key_errors():
    e = err('{"byId": {"x": "a"}}', "value")
    assert e.path == '$.byId["x"]'
    err('{"byId": {"1.5": "a"}}', "value")
    err('{"byId": {"9223372036854775808": "a"}}', "range")
    err('{"colorsByNum": {"-1": "RED"}}', "range")
    err('{"flags": {"TRUE": {}}}', "value")
    err('{"flags": {"1": {}}}', "value")
    err('{"counts": {a: 1}}', "syntax")


def test_map_duplicate_keys_and_null_values_are_rejected():
    err('{"counts": {"a": 1, "a": 2}}', "field")
    err('{"byId": {"1": "a", "01": "b"}}', "value")
    err('{"counts": {"a": null}}', "value")
    assert dec('{"counts": null}') == Containers()


def test_map_values_are_checked():
    e = err('{"counts": {"a": "b"}}', "value")
    assert e.path == '$.counts["a"]'
    err('{"colorsByNum": {"1": "BLUE"}}', "value")
    m = dec('{"colorsByNum": {"1": "BLUE", "2": "RED"}}', ignore_unknown_enum_values=True)
    assert m.colors_by_num == {2: Color.RED}


# ---- oneof ---------------------------------------------------------------------


def test_oneof_member_is_written_even_at_its_default():
    assert protojson.encode(Containers(number=0)) == '{"number":0}'
    assert protojson.encode(Containers(text="")) == '{"text":""}'
    m = dec('{"number": 0}')
    assert m.which_oneof("choice") == "number"


def test_oneof_set_twice_is_rejected():
    e = err('{"text": "a", "number": 1}', "field")
    assert "oneof" in e.reason
    err('{"nested": {}, "text": ""}', "field")


def test_oneof_null_does_not_set_it():
    m = dec('{"text": null, "number": 3}')
    assert m.which_oneof("choice") == "number" and m.number == 3
    m = dec('{"number": 3, "text": null}')
    assert m.which_oneof("choice") == "number"


# ---- encoding options ----------------------------------------------------------


def test_emit_default_values_writes_empty_containers():
    t = protojson.encode(Containers(), emit_default_values=True)
    assert t == '{"nums":[],"names":[],"colors":[],"items":[],"counts":{},"byId":{},"flags":{},"colorsByNum":{},"longs":[]}'
    assert dec(t) == Containers()


def test_use_proto_names_for_containers():
    t = protojson.encode(Containers(by_id={1: "a"}, colors_by_num={2: 1}), use_proto_names=True)
    assert t == '{"by_id":{"1":"a"},"colors_by_num":{"2":"RED"}}'
    # each naming has its own cache of quoted keys: neither leaks into the other
    m = Containers(nums=[1], by_id={1: "a"})
    assert protojson.encode(m) == '{"nums":[1],"byId":{"1":"a"}}'
    assert protojson.encode(m, use_proto_names=True) == '{"nums":[1],"by_id":{"1":"a"}}'
    assert protojson.encode(m) == '{"nums":[1],"byId":{"1":"a"}}'
