# Regression tests for the classes of binary-decoding bugs the fuzzers found
# (tools/fuzz.py, docs/fuzzing.md). Each runs on every runtime.
import buffa
from buffa import DecodeOptions
from mptest import raises, requires
from pbtestutil import h, varint
from malformed_pb import Msg
from malformed_groups_pb import Node


def test_length_prefix_of_at_most_five_bytes():
    # Google's parsers take a length in at most five bytes; a longer
    # (zero-padded) prefix is malformed, wherever the length is read.
    five = h("80 80 80 80 00")  # 0, in five bytes
    six = h("80 80 80 80 80 00")  # 0, in six bytes
    for tag in (h("22"), h("2a"), h("32"), h("3a"), h("fa 0f")):  # s, by, child, pf32 (packed), unknown
        Msg.decode(tag + five)
        e = raises(buffa.DecodeError, Msg.decode, tag + six)
        # the prefix's first byte is at offset len(tag)
        assert (e.kind, e.offset) == ("varint", len(tag)), (e.kind, e.offset, str(e))


def test_unknown_closed_enum_in_a_packed_run_keeps_all_64_bits():
    # Node.re is a packed closed enum; 2**40 + 7 is no value of it (nor is
    # 7, its low 32 bits). It goes to the unknown fields as the varint it
    # was, not cut to 32 bits.
    big = 2**40 + 7
    run = varint(1) + varint(big) + varint(0)
    m = Node.decode(h("2a") + varint(len(run)) + run)
    assert m.re == [1, 0]
    assert bytes(m._buffa_u) == h("28") + varint(big)
    again = Node.decode(m.encode())
    assert bytes(again._buffa_u) == h("28") + varint(big)
    # a negative int32 read from ten bytes is kept as those ten bytes too
    neg = varint(2**64 - 5)
    m = Node.decode(h("2a") + varint(len(neg)) + neg)
    assert bytes(m._buffa_u) == h("28") + neg


def test_decode_encode_decode_at_the_recursion_limit():
    # What decodes within a limit re-encodes into something that decodes
    # within the same limit: sub-messages, groups and map values alike.
    deep = Msg()
    for _ in range(5):
        deep = Msg(child=deep, mm={"k": Msg()})
    node = Node()
    for _ in range(5):
        node = Node(child=node, msg=Node())
    for cls, m in ((Msg, deep), (Node, node)):
        data = m.encode()
        lim = 0
        while True:
            try:
                got = cls.decode(data, DecodeOptions(recursion_limit=lim))
                break
            except buffa.DecodeError:
                lim += 1
        assert got == m
        assert cls.decode(got.encode(), DecodeOptions(recursion_limit=lim)) == m


def test_map_entry_without_its_message_value_at_the_recursion_limit():
    # The entry's encoding will carry an empty value message: an entry
    # without one counts the value's level too, or its own re-encoding
    # would not decode within the limit that accepted it.
    entry = h("6a 03 0a 01 6b")  # mm: key "k", no value
    # (the entry is one level, its value another)
    raises(buffa.DecodeError, Msg.decode, entry, DecodeOptions(recursion_limit=1))
    m = Msg.decode(entry, DecodeOptions(recursion_limit=2))
    assert m.mm == {"k": Msg()}
    assert Msg.decode(m.encode(), DecodeOptions(recursion_limit=2)) == m


@requires("bigheap")
def test_a_packed_fixed_run_longer_than_a_call_takes_encodes():
    # MicroPython calls take at most 65535 arguments; a packed run of more
    # fixed-width values decodes, so it must encode (in pieces).
    k = 65536
    data = h("3a") + varint(4 * k) + bytes(4 * k)
    m = Msg.decode(data, DecodeOptions(max_elements=k + 8))  # (and the message: 8)
    assert len(m.pf32) == k
    assert m.encode() == data
