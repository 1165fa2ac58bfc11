# Integer values outside their field type's range: encoding raises
# buffa.EncodeError (kind "range") naming the field and the value, for every
# integer type in every field shape, at each type's edges. Values inside the
# range, the edges included, round-trip. (Google's runtimes refuse them
# too; before these checks a uint32 of -1 decoded as 4294967295.)
import buffa
from mptest import raises
from intedges import I32, U32, I64, U64, edges as _edges
from ranges_pb import Ints, ext_i32, ext_i64, ext_u32, ext_u64, ext_s32, ext_s64, ext_f32, ext_f64, ext_sf32, ext_sf64, ext_e
from ranges_pb import ext_p_i32, ext_p_u32, ext_p_s64, ext_p_f32, ext_p_sf64, ext_p_e

def _refused(m, field, value):
    e = raises(buffa.EncodeError, m.encode)
    assert e.kind == "range", (field, value, e.kind, str(e))
    assert e.field == field, (e.field, field)
    assert "ranges.Ints" in str(e) and field in str(e) and str(value) in str(e), str(e)
    e = raises(buffa.EncodeError, m.encoded_size)
    assert e.kind == "range" and e.field == field
    e = raises(buffa.EncodeError, m.encode_into, bytearray(200))
    assert e.kind == "range" and e.field == field


def _check(make, field):
    def check(name, v, ok):
        m = make(name, v)
        if ok:
            assert Ints.decode(m.encode()) == m, (name, v)
        else:
            _refused(m, field(name, v), v)

    _edges(check)


def test_singular_fields():
    def make(name, v):
        m = Ints()
        setattr(m, name, v)
        return m

    _check(make, lambda name, v: name)


def test_packed_repeated_fields():
    def make(name, v):
        m = Ints()
        setattr(m, "p_" + name, [1, 0, v])
        return m

    _check(make, lambda name, v: "p_%s[2]" % name)


def test_expanded_repeated_fields():
    def make(name, v):
        m = Ints()
        setattr(m, "x_" + name, [v, 5])
        return m

    _check(make, lambda name, v: "x_%s[0]" % name)


def test_nested_path_names_the_element():
    m = Ints(children=[Ints(), Ints(), Ints(), Ints(u32=2**32)])
    _refused(m, "children[3].u32", 2**32)
    m = Ints(children=[Ints(by_key={1: Ints(p_s64=[2**63])})])
    _refused(m, "children[0].by_key[1].p_s64[0]", 2**63)


def test_the_issue_table():
    # the cases that used to encode and decode as another number
    for m, field in (
        (Ints(u32=-1), "u32"),
        (Ints(u32=2**32), "u32"),
        (Ints(i64=2**63), "i64"),
        (Ints(s32=2**31), "s32"),
        (Ints(p_i32=[2**40]), "p_i32[0]"),
        (Ints(x_i32=[2**40]), "x_i32[0]"),
    ):
        e = raises(buffa.EncodeError, m.encode)
        assert e.kind == "range" and e.field == field, str(e)


SINGLE = ((ext_i32, I32), (ext_i64, I64), (ext_u32, U32), (ext_u64, U64), (ext_s32, I32), (ext_s64, I64),
          (ext_f32, U32), (ext_f64, U64), (ext_sf32, I32), (ext_sf64, I64), (ext_e, I32))
PACKED = ((ext_p_i32, I32), (ext_p_u32, U32), (ext_p_s64, I64), (ext_p_f32, U32), (ext_p_sf64, I64), (ext_p_e, I32))


def test_extensions():
    # set_extension encodes at once: an out-of-range value is refused there
    # and the message keeps what it had
    for ext, (lo, hi) in SINGLE + PACKED:
        rep = ext in [x for x, r in PACKED]
        for v, ok in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
            m = Ints()
            m.set_extension(ext, 3 if not rep else [3])
            val = [0, v] if rep else v
            if ok:
                m.set_extension(ext, val)
                assert Ints.decode(m.encode()).get_extension(ext) == val, (ext.name, v)
            else:
                e = raises(buffa.EncodeError, m.set_extension, ext, val)
                assert e.kind == "range" and e.field == ext.name, (ext.name, str(e))
                assert str(v) in str(e), str(e)
                assert m.get_extension(ext) == (3 if not rep else [3])
