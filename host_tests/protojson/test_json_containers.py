# buffa.protojson: repeated fields, maps, oneofs, nesting, unknown fields,
# JSON syntax errors and the decoding limits.
from mptest import raises
from buffa import DecodeOptions, protojson
from buffa.protojson import JsonError
from json_scalars_pb import Scalars, Color
from json_containers_pb import Containers


def dec(text, **kw):
    return protojson.decode(Containers, text, **kw)


def err(text, **kw):
    return raises(JsonError, protojson.decode, Containers, text, **kw)


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
    e = err('{"nums": [1, "x", 3]}')
    assert e.path == "$.nums[1]"
    e = err('{"items": [{}, {"i32": 1.5}]}')
    assert e.path == "$.items[1].i32"
    err('{"nums": [1, null]}')
    err('{"nums": 1}')
    err('{"nums": [1,]}')
    err('{"nums": [,1]}')
    err('{"nums": [1 2]}')
    err('{"nums": [1}')


def test_repeated_unknown_enum_names_are_dropped_when_ignored():
    m = dec('{"colors": ["RED", "BLUE", "GREEN"]}', ignore_unknown_enum_values=True)
    assert m.colors == [Color.RED, Color.GREEN]
    err('{"colors": ["RED", "BLUE"]}')


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
    e = err('{"byId": {"x": "a"}}')
    assert e.path == '$.byId["x"]'
    err('{"byId": {"1.5": "a"}}')
    err('{"byId": {"9223372036854775808": "a"}}')
    err('{"colorsByNum": {"-1": "RED"}}')
    err('{"flags": {"TRUE": {}}}')
    err('{"flags": {"1": {}}}')
    err('{"counts": {a: 1}}')


def test_map_duplicate_keys_and_null_values_are_rejected():
    err('{"counts": {"a": 1, "a": 2}}')
    err('{"byId": {"1": "a", "01": "b"}}')
    err('{"counts": {"a": null}}')
    assert dec('{"counts": null}') == Containers()


def test_map_values_are_checked():
    e = err('{"counts": {"a": "b"}}')
    assert e.path == '$.counts["a"]'
    err('{"colorsByNum": {"1": "BLUE"}}')
    m = dec('{"colorsByNum": {"1": "BLUE", "2": "RED"}}', ignore_unknown_enum_values=True)
    assert m.colors_by_num == {2: Color.RED}


# ---- oneof ---------------------------------------------------------------------


def test_oneof_member_is_written_even_at_its_default():
    assert protojson.encode(Containers(number=0)) == '{"number":0}'
    assert protojson.encode(Containers(text="")) == '{"text":""}'
    m = dec('{"number": 0}')
    assert m.which_oneof("choice") == "number"


def test_oneof_set_twice_is_rejected():
    e = err('{"text": "a", "number": 1}')
    assert "oneof" in e.reason
    err('{"nested": {}, "text": ""}')


def test_oneof_null_does_not_set_it():
    m = dec('{"text": null, "number": 3}')
    assert m.which_oneof("choice") == "number" and m.number == 3
    m = dec('{"number": 3, "text": null}')
    assert m.which_oneof("choice") == "number"


# ---- nesting and limits ----------------------------------------------------------


def _nested(depth):
    return '{"child": ' * depth + "{}" + "}" * depth


def test_nested_messages_and_the_recursion_limit():
    m = dec(_nested(3))
    assert m.child.child.child == Containers()
    assert protojson.encode(m) == _nested(3).replace(" ", "")
    dec(_nested(3), options=DecodeOptions(recursion_limit=3))
    e = err(_nested(4), options=DecodeOptions(recursion_limit=3))
    assert "recursion" in e.reason
    # repeated and map values count as one level each, as in binary
    dec('{"items": [{}]}', options=DecodeOptions(recursion_limit=1))
    err('{"items": [{}]}', options=DecodeOptions(recursion_limit=0))
    err('{"flags": {"true": {}}}', options=DecodeOptions(recursion_limit=0))


def test_max_size():
    t = '{"nums": [1, 2, 3]}'
    dec(t, options=DecodeOptions(max_size=len(t)))
    e = err(t, options=DecodeOptions(max_size=len(t) - 1))
    assert "max_size" in e.reason


def test_skipped_values_obey_the_recursion_limit():
    o = DecodeOptions(recursion_limit=2)
    dec('{"x": [[1]]}', ignore_unknown_fields=True, options=o)
    err('{"x": [[[1]]]}', ignore_unknown_fields=True, options=o)


# ---- unknown fields ------------------------------------------------------------


def test_unknown_fields_are_errors_by_default():
    e = err('{"nums": [1], "bogus": 1}')
    assert e.path == "$" and "bogus" in e.reason
    e = err('{"items": [{"nope": true}]}')
    assert e.path == "$.items[0]"


def test_ignore_unknown_fields_skips_any_value():
    t = '{"a": 1, "b": "x", "c": [1, {"d": [null, true, false]}], "e": {"f": {}}, "nums": [4], "g": -1.5e3}'
    assert dec(t, ignore_unknown_fields=True) == Containers(nums=[4])


def test_skipped_values_must_still_be_valid_json():
    err('{"a": [1,], "nums": [4]}', ignore_unknown_fields=True)
    err('{"a": {"b"}, "nums": [4]}', ignore_unknown_fields=True)
    err('{"a": tru}', ignore_unknown_fields=True)
    err('{"a": "\\q"}', ignore_unknown_fields=True)


# ---- JSON syntax ---------------------------------------------------------------


def test_syntax_errors():
    for t in (
        "",
        "   ",
        "[]",
        "null",
        "1",
        '"x"',
        "{",
        "{,}",
        '{"nums": [1]',
        '{"nums": [1]} x',
        '{"nums": [1]}{}',
        '{"nums" [1]}',
        '{"nums": [1],}',
        "{'nums': [1]}",
        '{nums: [1]}',
        '{"nums": [1]} // comment',
        '/* c */ {"nums": [1]}',
        '{"text": "a"  "number": 1}',
    ):
        e = raises(JsonError, protojson.decode, Containers, t)
        assert isinstance(e, ValueError), t


def test_error_message_carries_path_and_reason():
    e = err('{"child": {"child": {"nums": [true]}}}')
    assert e.path == "$.child.child.nums[0]"
    assert str(e).startswith("$.child.child.nums[0]: ")
    assert e.reason in str(e)


def test_emit_default_values_writes_empty_containers():
    t = protojson.encode(Containers(), emit_default_values=True)
    assert t == '{"nums":[],"names":[],"colors":[],"items":[],"counts":{},"byId":{},"flags":{},"colorsByNum":{},"longs":[]}'
    assert dec(t) == Containers()


def test_use_proto_names_for_containers():
    t = protojson.encode(Containers(by_id={1: "a"}, colors_by_num={2: 1}), use_proto_names=True)
    assert t == '{"by_id":{"1":"a"},"colors_by_num":{"2":"RED"}}'


def test_encode_reports_wrong_value_types_with_the_path():
    e = raises(JsonError, protojson.encode, Containers(items=[Scalars(i32="x")]))
    assert e.path == "$.items[0].i32"
