# buffa.protojson: the decoding limits (nesting, size), unknown fields, JSON
# syntax errors and where errors say they happened. Kept apart from
# test_json_containers.py so each module fits the small-heap runs with room.
from mptest import raises
from buffa import DecodeError, DecodeOptions, protojson
from buffa.protojson import JsonError
from json_containers_pb import Containers


def dec(text, **kw):
    return protojson.decode(Containers, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Containers, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


# ---- nesting and limits ----------------------------------------------------------


def _nested(depth):
    return '{"child": ' * depth + "{}" + "}" * depth


def test_nested_messages_and_the_recursion_limit():
    m = dec(_nested(3))
    assert m.child.child.child == Containers()
    assert protojson.encode(m) == _nested(3).replace(" ", "")
    dec(_nested(3), options=DecodeOptions(recursion_limit=3))
    e = err(_nested(4), "limit", options=DecodeOptions(recursion_limit=3))
    assert "recursion" in e.reason
    # a repeated message counts one level, a map's message value two (the
    # entry and the value), as in binary decoding
    dec('{"items": [{}]}', options=DecodeOptions(recursion_limit=1))
    err('{"items": [{}]}', "limit", options=DecodeOptions(recursion_limit=0))
    dec('{"flags": {"true": {}}}', options=DecodeOptions(recursion_limit=2))
    err('{"flags": {"true": {}}}', "limit", options=DecodeOptions(recursion_limit=1))
    b = dec('{"flags": {"true": {}}}').encode()
    Containers.decode(b, DecodeOptions(recursion_limit=2))
    raises(DecodeError, Containers.decode, b, DecodeOptions(recursion_limit=1))


def test_max_size():
    t = '{"nums": [1, 2, 3]}'
    dec(t, options=DecodeOptions(max_size=len(t)))
    e = err(t, "limit", options=DecodeOptions(max_size=len(t) - 1))
    assert "max_size" in e.reason


def test_skipped_values_obey_the_recursion_limit():
    o = DecodeOptions(recursion_limit=2)
    dec('{"x": [[1]]}', ignore_unknown_fields=True, options=o)
    err('{"x": [[[1]]]}', "limit", ignore_unknown_fields=True, options=o)


# ---- unknown fields ------------------------------------------------------------


def test_unknown_fields_are_errors_by_default():
    e = err('{"nums": [1], "bogus": 1}', "field")
    assert e.path == "$" and "bogus" in e.reason
    e = err('{"items": [{"nope": true}]}', "field")
    assert e.path == "$.items[0]"


def test_ignore_unknown_fields_skips_any_value():
    t = '{"a": 1, "b": "x", "c": [1, {"d": [null, true, false]}], "e": {"f": {}}, "nums": [4], "g": -1.5e3}'
    assert dec(t, ignore_unknown_fields=True) == Containers(nums=[4])


def test_skipped_values_must_still_be_valid_json():
    err('{"a": [1,], "nums": [4]}', "syntax", ignore_unknown_fields=True)
    err('{"a": {"b"}, "nums": [4]}', "syntax", ignore_unknown_fields=True)
    err('{"a": tru}', "syntax", ignore_unknown_fields=True)
    err('{"a": "\\q"}', "syntax", ignore_unknown_fields=True)


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
    e = err('{"child": {"child": {"nums": [true]}}}', "value")
    assert e.path == "$.child.child.nums[0]"
    assert str(e).startswith("$.child.child.nums[0]: ")
    assert e.reason in str(e)
