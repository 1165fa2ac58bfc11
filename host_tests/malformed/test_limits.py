# DecodeOptions limits, each at its edge: recursion_limit (nesting below the
# top-level message; default 100) and max_size (bytes of input).
import buffa
from buffa import DecodeOptions, DecodeError
from mptest import raises, requires, Skip
from malformed_pb import Msg
from malformed_chain_pb import Chain
from pbtestutil import varint


def nested_messages(levels, tag=0x0A):
    """Chain with `levels` sub-messages nested one in another (field next)."""
    d = b""
    for _ in range(levels):
        d = bytes([tag]) + varint(len(d)) + d
    return d


def nested_groups(levels):
    """Chain with `levels` delimited children nested one in another (grp)."""
    return b"\x13" * levels + b"\x14" * levels


def nested_unknown_groups(levels):
    """Chain with `levels` unknown groups (field 100) nested one in another."""
    return b"\xa3\x06" * levels + b"\xa4\x06" * levels


def nested_maps(levels):
    """Msg with `levels` map<string, Msg> values nested one in another."""
    d = b""
    for _ in range(levels):
        entry = b"\x0a\x00\x12" + varint(len(d)) + d
        d = b"\x6a" + varint(len(entry)) + entry
    return d


def depth(m, attr="next"):
    n = 0
    while getattr(m, attr) is not None:
        m = getattr(m, attr)
        n += 1
    return n


def edge(decode, build, limit):
    """`limit` levels decode with recursion_limit=limit; one more raises."""
    o = DecodeOptions(recursion_limit=limit)
    m = decode(build(limit), o)
    e = raises(DecodeError, decode, build(limit + 1), o)
    assert e.kind == "recursion", e.reason
    return m


def test_recursion_limit_edge_for_sub_messages():
    for limit in (0, 1, 5, 30):
        m = edge(Chain.decode, nested_messages, limit)
        assert depth(m) == limit


def test_recursion_limit_edge_for_groups():
    for limit in (0, 1, 5, 30):
        m = edge(Chain.decode, nested_groups, limit)
        assert depth(m, "grp") == limit


def test_recursion_limit_edge_for_unknown_groups():
    for limit in (0, 1, 5, 30):
        m = edge(Chain.decode, nested_unknown_groups, limit)
        assert len(m.unknown_fields()) == 4 * limit


def test_recursion_limit_counts_a_map_entry_as_a_level():
    # As in Google's parsers, an entry is a message: each map level takes two.
    o = DecodeOptions(recursion_limit=10)
    Msg.decode(nested_maps(5), o)
    raises(DecodeError, Msg.decode, nested_maps(6), o)


def test_recursion_limit_mixes_messages_and_groups():
    inner = b"\x13\x13\x14\x14"  # two group levels
    data = b"\x0a" + varint(len(inner)) + inner  # one message level around them
    Chain.decode(data, DecodeOptions(recursion_limit=3))
    raises(DecodeError, Chain.decode, data, DecodeOptions(recursion_limit=2))


def test_recursion_limit_applies_to_merge():
    o = DecodeOptions(recursion_limit=3)
    Chain().merge(nested_messages(3), o)
    raises(DecodeError, Chain().merge, nested_messages(4), o)


def test_default_recursion_limit_is_100():
    assert DecodeOptions().recursion_limit == 100
    raises(DecodeError, Chain.decode, nested_messages(101))
    raises(DecodeError, Chain.decode, nested_groups(101))
    raises(DecodeError, Chain.decode, nested_unknown_groups(101))


def _device_depth(build):
    """The deepest nesting this runtime's stack decodes (when below 100)."""
    lo, hi = 0, 100
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            Chain.decode(build(mid))
            lo = mid
        except DecodeError:
            hi = mid
    return lo


def test_default_recursion_limit_accepts_100_levels():
    try:
        Chain.decode(nested_messages(100))
    except DecodeError as e:
        # A board whose C stack is shallower rejects deep input cleanly; say
        # how deep it goes instead of failing.
        if e.kind != "stack":
            raise
        raise Skip("this device's stack decodes %d nested levels, fewer than 100" % _device_depth(nested_messages))
    assert depth(Chain.decode(nested_messages(100))) == 100
    assert depth(Chain.decode(nested_groups(100)), "grp") == 100
    assert len(Chain.decode(nested_unknown_groups(100)).unknown_fields()) == 400


@requires("bigheap")
def test_nesting_deeper_than_the_runtime_stack_is_a_decode_error():
    # A limit above what the interpreter's stack can hold still ends in
    # DecodeError, never RecursionError or RuntimeError.
    o = DecodeOptions(recursion_limit=10**6)
    for n in (2000, 20000):
        raises(DecodeError, Chain.decode, nested_groups(n), o)
        raises(DecodeError, Chain.decode, nested_unknown_groups(n), o)


def test_max_size_edge():
    data = Msg(s="x" * 40, i32=7).encode()
    n = len(data)
    assert Msg.decode(data, DecodeOptions(max_size=n)).i32 == 7
    e = raises(DecodeError, Msg.decode, data, DecodeOptions(max_size=n - 1))
    assert e.offset == 0
    assert e.kind == "size", e.reason


def test_max_size_applies_to_merge_and_to_every_input_type():
    data = Msg(i32=300).encode()
    o = DecodeOptions(max_size=len(data) - 1)
    raises(DecodeError, Msg().merge, data, o)
    raises(DecodeError, Msg.decode, bytearray(data), o)
    raises(DecodeError, Msg.decode, memoryview(data), o)
    assert Msg().merge(data, DecodeOptions(max_size=len(data))).i32 == 300


def test_max_size_zero_accepts_only_empty_input():
    assert Msg.decode(b"", DecodeOptions(max_size=0)) == Msg()
    raises(DecodeError, Msg.decode, b"\x08\x01", DecodeOptions(max_size=0))


def test_default_max_size_is_2_gib_minus_one():
    assert DecodeOptions().max_size == 0x7FFFFFFF
    assert buffa.DecodeOptions(recursion_limit=5).max_size == 0x7FFFFFFF
