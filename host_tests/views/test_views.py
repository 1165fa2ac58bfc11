# Message.view(): fields read from the bytes with the decoded message's
# semantics; malformed input rejected at view() time (docs/views.md).
# Shapes (views.proto: every field shape) here; log records (views3.proto)
# in test_view_records.py: one schema module each, for small heaps.
import buffa
from buffa import DecodeError, DecodeOptions
from mptest import raises
from viewtestutil import differential
from views_pb import Shapes, Inner, Color


def sample():
    return Shapes(
        i32=-3,
        u64=1 << 40,
        s32=-100,
        flag=True,
        f32=0xFFFFFFF0,
        sf64=-5,
        fl=1.5,
        db=-2.25,
        text="h\u00e9llo",
        blob=b"\x00\xff",
        color=Color.GREEN,
        inner=Inner(a=1, b="x", r=[1, 2]),
        nums=[1, 300, -1],
        names=["a", "", "c"],
        items=[Inner(a=1), Inner(b="two")],
        colors=[Color.RED, Color.GREEN],
        counts={"a": 1, "b": 2},
        by_id={5: Inner(a=5), 6: Inner()},
        pick_s="chosen",
        grp=Shapes.Grp(g=9),
        lax="ok",
    )


def test_every_field_reads_as_decoded():
    m = sample()
    data = m.encode()
    v = Shapes.view(data)
    d = Shapes.decode(data)
    for row in Shapes._buffa_f:
        a = row[0]
        x = getattr(v, a)
        y = getattr(d, a)
        if isinstance(x, buffa.view.View):
            x = x.to_message()
        elif isinstance(x, buffa.view.Repeated):
            x = [e.to_message() if isinstance(e, buffa.view.View) else e for e in x]
        elif isinstance(x, buffa.view.MapView):
            x = dict((k, e.to_message() if isinstance(e, buffa.view.View) else e) for k, e in x.items())
        assert x == y, (a, x, y)
    assert v.to_message() == d
    assert v.encode() == data


def test_unvalidated_strings_read_as_decoded():
    # proto2 strings (no UTF-8 validation): what is not UTF-8 reads as the
    # bytes decode() keeps, valid non-ASCII text as its str
    texts = (b"ok", "h\u00e9llo \u2603".encode(), b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\x80")
    for t in texts:
        for tag, name in ((b"\x4a", "text"), (b"\xc2\x01", "lax")):
            data = tag + bytes([len(t)]) + t
            want = getattr(Shapes.decode(data), name)
            got = getattr(Shapes.view(data), name)
            assert got == want and type(got) is type(want), (name, t, got, want)


def test_defaults_presence_and_oneof():
    v = Shapes.view(b"")
    assert v.i32 is None and v.get("i32") == -7
    assert not v.has_field("i32") and not v.has_field("inner")
    assert v.inner is None and v.which_oneof("pick") is None
    assert len(v.nums) == 0 and list(v.counts.items()) == []
    v = Shapes.view(Shapes(pick_n=0).encode())
    assert v.which_oneof("pick") == "pick_n" and v.pick_n == 0 and v.pick_s is None
    assert v.has_field("pick_n") and not v.has_field("pick_m")
    raises(ValueError, v.has_field, "nums")
    raises(ValueError, v.which_oneof, "nope")
    raises(AttributeError, getattr, v, "nope")


def test_last_one_wins_and_sub_messages_merge():
    a = Shapes(i32=1, text="first", inner=Inner(a=1, r=[1]), pick_m=Inner(a=1))
    b = Shapes(i32=2, inner=Inner(b="x", r=[2]), pick_m=Inner(b="y"))
    data = a.encode() + b.encode()
    v = Shapes.view(data)
    assert v.i32 == 2 and v.text == "first"
    assert v.inner.a == 1 and v.inner.b == "x" and list(v.inner.r) == [1, 2]
    assert v.pick_m.to_message() == Inner(a=1, b="y")
    assert v.to_message() == Shapes.decode(data)
    # another oneof member in between resets the message member
    data = Shapes(pick_m=Inner(a=1)).encode() + Shapes(pick_n=3).encode() + Shapes(pick_m=Inner(b="z")).encode()
    v = Shapes.view(data)
    assert v.which_oneof("pick") == "pick_m" and v.pick_m.to_message() == Inner(b="z")
    assert v.to_message() == Shapes.decode(data)


def test_repeated_fields_iterate_without_a_list():
    v = Shapes.view(sample().encode())
    assert len(v.nums) == 3 and v.nums[1] == 300 and v.nums[-1] == -1
    raises(IndexError, v.nums.__getitem__, 3)
    assert [x for x in v.names] == ["a", "", "c"]
    assert [x.a for x in v.items] == [1, None] and v.items[1].b == "two"
    # packed and unpacked runs of one field, in order
    data = Shapes(nums=[1, 2]).encode() + b"\x68\x05" + Shapes(nums=[7]).encode()
    assert list(Shapes.view(data).nums) == [1, 2, 5, 7] == Shapes.decode(data).nums


def test_maps_are_scanned_on_lookup():
    v = Shapes.view(sample().encode())
    assert v.counts["b"] == 2 and v.counts.get("zz") is None and "a" in v.counts
    raises(KeyError, v.counts.__getitem__, "zz")
    assert v.by_id[5].a == 5 and v.by_id[6].a is None
    assert sorted(v.counts.keys()) == ["a", "b"] and len(v.by_id) == 2
    # a later entry for a key replaces the earlier one
    data = Shapes(counts={"a": 1}).encode() + Shapes(counts={"a": 9}).encode()
    v = Shapes.view(data)
    assert v.counts["a"] == 9 and len(v.counts) == 1
    assert dict(v.counts.items()) == Shapes.decode(data).counts


def test_packed_run_that_does_not_divide_fails_at_view_time():
    raises(DecodeError, Shapes.view, b"\x6a\x02\x01\x80")
    raises(DecodeError, Shapes.decode, b"\x6a\x02\x01\x80")


def test_recursion_limit_at_its_edge_python_scan():
    # Shapes takes the Python scan (packed and group fields)
    nested = Shapes(inner=Inner(a=1)).encode()
    Shapes.view(nested, DecodeOptions(recursion_limit=1))
    raises(DecodeError, Shapes.view, nested, DecodeOptions(recursion_limit=0))
    raises(DecodeError, Shapes.decode, nested, DecodeOptions(recursion_limit=0))


def test_views_agree_with_decode_on_mutated_input():
    # Shapes takes the Python scan everywhere (packed and group fields).
    def reads(v, want, b):
        for k in want.counts:  # lookups compare key bytes
            assert v.counts[k] == want.counts[k], b
        for k in want.by_id:
            assert v.by_id[k].to_message() == want.by_id[k], b

    differential(Shapes, sample().encode() + Shapes(pick_m=Inner(a=2)).encode(), 16, reads)


class _Reader:
    def __init__(self, data):
        self.data = data
        self.i = 0

    def readinto(self, mv):
        k = min(len(mv), 5, len(self.data) - self.i)  # small reads
        mv[0:k] = self.data[self.i : self.i + k]
        self.i += k
        return k


def test_stream_fields_of_every_shape():
    # buffa.stream on Shapes: what it hands out, gathered as decoding would
    # (last value wins, repeated fields append, maps by key), is the
    # decoded message but for its unknown fields (a closed enum's unknown
    # number, a wrong wire type), which streams skip.
    from buffa import stream

    unknown = b"\x58\x07" + b"\x0a\x00"
    data = sample().encode() + unknown + Shapes(color=Color.RED).encode()
    assert Shapes.decode(data).unknown_fields() == unknown
    want = Shapes.decode(sample().encode() + Shapes(color=Color.RED).encode())
    got = Shapes()
    for name, value in stream.fields(Shapes, _Reader(data), buffer_size=64, views=False):
        x = getattr(got, name)
        if type(x) is list:
            x.append(value)
        elif type(x) is dict:
            x[value[0]] = value[1]
        else:
            setattr(got, name, value)
    assert got == want, (got, want)
