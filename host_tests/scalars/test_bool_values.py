# Values of bool fields: a bool or an int is taken, as Google's protobuf
# takes them (an int is true when it is not 0; it decodes as True); any other
# type raises buffa.EncodeError of kind "type" naming the field, from
# encode, encoded_size and encode_into alike. Before this check a str, float
# or list in a bool field encoded as true without a word. (Map values:
# test_int_ranges_maps.py, whose module holds the bool-valued maps.)
import buffa
from mptest import raises
from scalars_pb import Scalars
from repeated_pb import Repeated
from expanded_pb import Expanded

_NOT_BOOLS = ("yes", 1.5, b"\x01", [1], {"a": 1})


def _refused(m, field, name):
    for f, args in ((m.encode, ()), (m.encoded_size, ()), (m.encode_into, (bytearray(64),))):
        e = raises(buffa.EncodeError, f, *args)
        assert e.kind == "type", (field, e.kind, str(e))
        assert e.field == field, (e.field, field)
        assert name in str(e) and "expected a bool" in str(e), str(e)


def test_singular_bool_takes_bools_and_ints():
    for v, want in ((True, True), (False, False), (1, True), (7, True), (-1, True), (0, False)):
        m = Scalars(b=v)
        assert Scalars.decode(m.encode()).b is want, (v, m.encode())


def test_singular_bool_refuses_other_types():
    for v in _NOT_BOOLS:
        _refused(Scalars(b=v), "b", "scalars.Scalars")


def test_repeated_bools_packed_and_expanded():
    m = Repeated(r_b=[True, False, 3, 0])
    assert Repeated.decode(m.encode()).r_b == [True, False, True, False]
    m = Expanded(x_b=[True, 0, 2])
    assert Expanded.decode(m.encode()).x_b == [True, False, True]
    for v in _NOT_BOOLS + (None, 0.0):
        _refused(Repeated(r_b=[True, v]), "r_b[1]", "scalars.Repeated")
        _refused(Expanded(x_b=[v, True]), "x_b[0]", "scalars.Expanded")

