# Integer map keys and values outside their type's range: encoding raises
# buffa.EncodeError (kind "range") naming the entry, for every integer type
# at each type's edges (test_int_ranges.py has the other field shapes).
import buffa
from mptest import raises
from ranges_maps_pb import IntMaps, Val
from intedges import edges as _edges


def _check_one(m, ok, field, v):
    if ok:
        assert IntMaps.decode(m.encode()) == m, field
        return
    e = raises(buffa.EncodeError, m.encode)
    assert e.kind == "range" and e.field == field, (field, e.field, str(e))
    assert "ranges_maps.IntMaps" in str(e) and str(v) in str(e), str(e)
    e = raises(buffa.EncodeError, m.encode_into, bytearray(200))
    assert e.kind == "range" and e.field == field


def test_map_keys():
    def make(name, v):
        m = IntMaps()
        if name != "e":  # an enum cannot be a key
            getattr(m, "k_" + name)[v] = True
        return m

    def check(name, v, ok):
        if name == "e":
            return
        _check_one(make(name, v), ok, "k_%s[%r] (key)" % (name, v), v)

    _edges(check)


def test_map_keys_of_message_valued_maps():
    # these encode through buffa.fields' table-driven map code
    def check(name, v, ok):
        if name == "e":
            return
        m = IntMaps()
        getattr(m, "mk_" + name)[v] = Val(a=1)
        _check_one(m, ok, "mk_%s[%r] (key)" % (name, v), v)

    _edges(check)


def test_map_values():
    def check(name, v, ok):
        m = IntMaps()
        getattr(m, "v_" + name)[7] = v
        _check_one(m, ok, "v_%s[7]" % name, v)

    _edges(check)


def test_map_bool_values_take_bools_and_ints_only():
    # as singular bool fields do (test_bool_values.py)
    m = IntMaps(k_i32={1: True, 2: 0, 3: 5})
    assert IntMaps.decode(m.encode()).k_i32 == {1: True, 2: False, 3: True}
    for v in ("yes", 1.5, b"\x01", [1]):
        for f, args in ((IntMaps(k_i32={7: v}).encode, ()), (IntMaps(k_i32={7: v}).encode_into, (bytearray(64),))):
            e = raises(buffa.EncodeError, f, *args)
            assert (e.kind, e.field) == ("type", "k_i32[7]"), (v, e.kind, e.field, str(e))
            assert "expected a bool" in str(e), str(e)
