# The decode budgets (DecodeOptions max_elements and max_unknown_fields),
# each at its edge: the least limit that accepts an input accepts it, one
# less refuses it with DecodeError of the budget's kind. On every runtime.
import sys

import buffa
from buffa import DecodeOptions
from mptest import raises
from pbtestutil import h, need_block
from malformed_pb import Msg
from malformed_groups_pb import Node

# A Msg counts 1 + its 7 repeated and map fields (the lists and dicts it is
# made with); a Node 1 + 1 (its repeated closed enum).
MSG = 8
NODE = 2


def edge(cls, data, n, kind="elements"):
    """Decoding data needs exactly n of the budget named by kind."""
    if kind == "elements":
        ok, short = DecodeOptions(max_elements=n), DecodeOptions(max_elements=n - 1)
    else:
        ok, short = DecodeOptions(max_unknown_fields=n), DecodeOptions(max_unknown_fields=n - 1)
    m = cls.decode(data, ok)
    e = raises(buffa.DecodeError, cls.decode, data, short)
    assert e.kind == kind, (e.kind, str(e))
    return m


def test_defaults():
    o = DecodeOptions()
    assert o.max_elements == 1024 and o.max_unknown_fields == 1000
    raises(ValueError, DecodeOptions, max_elements=-1)
    raises(ValueError, DecodeOptions, max_unknown_fields=-1)
    raises(ValueError, DecodeOptions, max_elements=buffa.wire.NO_BUDGET + 1)


def test_messages_count_with_their_containers():
    edge(Msg, b"", MSG)
    edge(Msg, Msg(child=Msg(child=Msg())).encode(), 3 * MSG)
    edge(Node, Node(child=Node(msg=Node())).encode(), 3 * NODE)  # groups too


def test_repeated_values_count_one_each():
    edge(Msg, h("48 01 48 02 48 03"), MSG + 3)  # unpacked int32
    edge(Msg, h("4a 03 01 02 03"), MSG + 3)  # packed int32
    edge(Msg, h("3a 08") + bytes(8), MSG + 2)  # packed fixed32
    edge(Msg, h("5a 10") + bytes(16), MSG + 2)  # packed double
    edge(Msg, Msg(rs=["a", "", "b"]).encode(), MSG + 3)  # strings
    edge(Msg, Msg(rs=[""] * 40, pi32=[5] * 30).encode(), MSG + 70)


def test_map_entries_count_one_each_and_their_message_values():
    edge(Msg, Msg(m={1: "a", 2: "b"}).encode(), MSG + 2)  # an inline map
    edge(Msg, Msg(mm={"k": Msg(), "j": Msg()}).encode(), MSG + 2 * (1 + MSG))
    # an entry without its value gets an empty message all the same
    edge(Msg, h("6a 03 0a 01 6b"), MSG + 1 + MSG)


def test_closed_enum_values():
    # known values are elements; unknown ones unknown fields
    m = edge(Node, h("2a 03 00 01 07"), NODE + 2)
    assert m.re == [0, 1]
    edge(Node, h("2a 03 00 01 07"), 1, "unknown_fields")


def test_unknown_fields_count_one_each():
    data = h("f8 0f 01 fa 0f 01 61 a3 06 08 01 a4 06")  # varint, bytes, a group
    m = edge(Msg, data, 3, "unknown_fields")
    assert bytes(m._buffa_u) == data
    edge(Msg, h("48 01 20 07"), 1, "unknown_fields")  # (4: wrong wire type)


def test_the_default_edge_and_after_it():
    # 1024 elements: a Msg and 1016 unpacked empty strings, two bytes each
    need_block(8192)  # the list of 1016 grows in one block
    data = h("62 00") * (1024 - MSG)
    assert len(Msg.decode(data).rs) == 1024 - MSG
    e = raises(buffa.DecodeError, Msg.decode, data + h("62 00"))
    assert e.kind == "elements"
    # the budget is the decode's own: the next starts afresh
    assert len(Msg.decode(data).rs) == 1024 - MSG
    assert Msg.decode(b"") == Msg()


def test_nothing_counts_outside_a_decode():
    for _ in range(3):
        edge(Msg, b"", MSG)


def test_a_hostile_input_is_refused_before_the_heap_runs_out():
    # Map entries with empty message values: 10 bytes of input, 9 elements
    # and about 300 bytes of heap each on a 32-bit board. Enough of them to
    # need more heap than there is free (on MicroPython).
    import gc

    gc.collect()
    free = gc.mem_free() if hasattr(gc, "mem_free") else 0
    n = min(free // 250 + 100, 9999) if free else 2000
    # Written straight into one bytes object (decode() would copy a
    # bytearray), in the largest block a fragmented board heap still has:
    # fewer entries still need more heap than is free (300 bytes each).
    need_block(10 * n)
    data = b"".join(b"\x6a\x08\x0a\x04%04d\x12\x00" % i for i in range(n))
    # The default budget is sized for 32-bit boards; on the 64-bit unix
    # port objects take twice the heap, so its small-heap run (as tight as
    # a board) halves it to stand for the same bytes.
    o = DecodeOptions(max_elements=512) if free and free < 200000 and sys.maxsize > 2**32 else None
    e = raises(buffa.DecodeError, Msg.decode, data, o)
    assert e.kind == "elements", str(e)
    if free:
        # without the budget the same input runs the heap out
        e = raises(buffa.DecodeError, Msg.decode, data, DecodeOptions(max_elements=buffa.wire.NO_BUDGET))
        assert e.kind == "memory", str(e)
    # and the heap is usable afterwards
    gc.collect()
    got = [bytearray(256) for _ in range(gc.mem_free() // 1024 if free else 1000)]  # half the free heap
    assert len(got) > 10
    del got
    assert Msg.decode(Msg(mm={"k": Msg(i32=1)}).encode()).mm["k"].i32 == 1
