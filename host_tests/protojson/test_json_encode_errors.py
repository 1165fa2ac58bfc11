# JSON encoding refuses what binary encoding refuses: a Python value of the
# wrong type (kind "type") or an integer outside its type's range (kind
# "range"), with the path of the field. Apart from test_json_containers.py,
# the tightest fit in unix-small's heap: these load buffa._errors.
from buffa import protojson
from buffa.protojson import JsonError
from mptest import raises
from json_containers_pb import Containers
from json_scalars_pb import Scalars


def test_encode_reports_wrong_value_types_with_the_path():
    e = raises(JsonError, protojson.encode, Containers(items=[Scalars(i32="x")]))
    assert (e.kind, e.path) == ("type", "$.items[0].i32"), str(e)
    assert "expected an integer" in e.reason, str(e)
    # an int in a string field is a wrong type, not "invalid UTF-8"
    e = raises(JsonError, protojson.encode, Containers(items=[Scalars(s=5)]))
    assert (e.kind, e.path) == ("type", "$.items[0].s"), str(e)
    assert "expected a str, got int" in e.reason, str(e)
    e = raises(JsonError, protojson.encode, Containers(names=["a", 5]))
    assert (e.kind, e.path) == ("type", "$.names[1]"), str(e)
    e = raises(JsonError, protojson.encode, Containers(counts={5: 1}))
    assert e.kind == "type", str(e)


def test_encode_refuses_integers_out_of_range_as_binary_encoding_does():
    for m, path in (
        (Containers(items=[Scalars(u32=-1)]), "$.items[0].u32"),
        (Containers(nums=[1, 2**31]), "$.nums[1]"),
        (Containers(longs=[2**63]), "$.longs[0]"),
        (Containers(colors_by_num={2**32: 1}), "$.colorsByNum"),
    ):
        e = raises(JsonError, protojson.encode, m)
        assert e.kind == "range" and e.path.startswith(path), (e.kind, e.path, str(e))
