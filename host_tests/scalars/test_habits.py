# Habits from Google's Python protobuf, and buffa's answers: writing into an
# unset sub-message (m.mutable(name)), hash() (messages are mutable, so
# unhashable, with the same TypeError on every runtime). Renamed fields:
# host_tests/names/test_field_names.py.
import buffa
from mptest import raises
from scalars_pb import Scalars
from merge_pb import Merged


def test_mutable_creates_an_unset_sub_message_and_sets_it():
    m = Scalars()
    assert m.child is None
    m.mutable("child").i32 = 5
    assert m.child == Scalars(i32=5)
    assert m.has_field("child")
    m.mutable("child").u32 = 6  # an existing one is returned, not replaced
    assert m.child == Scalars(i32=5, u32=6)
    assert Scalars.decode(m.encode()).child.u32 == 6


def test_mutable_refuses_fields_that_are_not_singular_messages():
    for name in ("i32", "r_child", "m_msg"):
        e = raises(ValueError, Merged().mutable, name)
        assert name in str(e)
    e = raises(ValueError, Scalars().mutable, "nope")
    assert "nope" in str(e)


def test_hash_is_a_clear_type_error_on_every_runtime():
    e = raises(TypeError, hash, Scalars())
    assert str(e) == "unhashable type: 'Scalars'", str(e)
    raises(TypeError, lambda: {Scalars(): 1})
