# Message.view(): fields read from the bytes with the decoded message's
# semantics; malformed input rejected at view() time (docs/views.md).
import buffa
from buffa import DecodeError, DecodeOptions
from mptest import raises
from pbtestutil import Lcg, varint
from views_pb import Shapes, Inner, Color
from views3_pb import Batch, Record, Source, Level


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


def record(i):
    return Record(
        timestamp_ns=1760000000000000000 + i,
        level=Level.INFO,
        message="request %d done" % i,
        attributes={"pod": "api-%d" % i, "env": "prod"},
        source=Source(file="api.py", line=i),
        trace_id=bytes([i & 255]) * 16,
        span_id=i * 7,
        ok=i % 2 == 0,
        delta=-i,
        code=i,
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
    r = Record.view(b"")
    assert r.timestamp_ns == 0 and r.level == 0 and r.message == "" and r.source is None
    raises(ValueError, r.has_field, "level")


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


def test_strings_and_raw_bytes():
    v = Record.view(record(3).encode())
    assert v.message == "request 3 done"
    assert v.raw("message") == b"request 3 done"
    assert v.raw("trace_id") == b"\x03" * 16
    assert Record.view(b"").raw("message") == b""
    raises(ValueError, v.raw, "level")
    # content is checked when read: the view itself is fine
    bad = b"\x1a\x02\xc3\x28"
    v = Record.view(bad)
    assert v.raw("message") == b"\xc3\x28"
    raises(DecodeError, getattr, v, "message")
    raises(DecodeError, v.to_message)
    raises(DecodeError, Record.decode, bad)


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


def test_unknown_fields_are_kept_and_reencoded():
    data = Record(span_id=5).encode() + b"\xf8\x07\x01" + b"\x5a\x01x"
    v = Record.view(data)
    assert v.span_id == 5
    assert v.unknown_fields() == b"\xf8\x07\x01\x5a\x01x"
    assert v.encode() == data
    assert v.to_message() == Record.decode(data)
    assert v.to_message().encode() == data


def test_buffer_kinds_and_sub_views():
    data = Batch(device="d", records=[record(i) for i in range(3)], seq=4).encode()
    for buf in (data, bytearray(data), memoryview(data)):
        v = Batch.view(buf)
        assert v.device == "d" and v.seq == 4 and len(v.records) == 3
        r = v.records[2]
        assert r.message == "request 2 done" and r.source.line == 2
        assert r.attributes["pod"] == "api-2"
        assert r.encode() == record(2).encode()
        assert r.to_message() == record(2)
    raises(TypeError, Batch.view, "text")


def test_malformed_input_fails_at_view_time():
    good = Batch(records=[record(1)]).encode()
    cases = [
        good[:-1],  # truncated inside a nested message
        b"\x12\x05\x0a",  # length past the end
        b"\x00\x01",  # field number 0
        b"\x0f",  # wire type 7
        b"\x12\x02\x2a\x05",  # a sub-message's length past its parent's end
        b"\x12\x03\x10\x80\x80",  # truncated varint in a sub-message
        b"\x18" + b"\xff" * 10 + b"\x01",  # varint longer than 10 bytes
        b"\x0c",  # end-group tag with no group
        b"\x1b\x08\x01",  # unterminated (unknown) group
    ]
    for bad in cases:
        raises(DecodeError, Batch.view, bad)
        raises(DecodeError, Batch.decode, bad)
    # a packed run that does not divide into values
    raises(DecodeError, Shapes.view, b"\x6a\x02\x01\x80")


def test_limits_at_their_edge():
    # max_size in bytes
    data = Batch(device="abc").encode()
    assert Batch.view(data, DecodeOptions(max_size=len(data))).device == "abc"
    raises(DecodeError, Batch.view, data, DecodeOptions(max_size=len(data) - 1))
    # recursion_limit counts the levels below the top-level message
    d = b""
    for _ in range(5):
        d = b"\x62" + varint(len(d)) + d  # Shapes.inner is field 12
    d = b""
    for _ in range(5):
        d = b"\x0a" + varint(len(d)) + d  # Inner.a as an unknown length field below
    nested = Shapes(inner=Inner(a=1)).encode()
    Shapes.view(nested, DecodeOptions(recursion_limit=1))
    raises(DecodeError, Shapes.view, nested, DecodeOptions(recursion_limit=0))
    rec = Batch(records=[record(1)]).encode()  # Batch > Record > Source
    Batch.view(rec, DecodeOptions(recursion_limit=2))
    raises(DecodeError, Batch.view, rec, DecodeOptions(recursion_limit=1))
    raises(DecodeError, Batch.decode, rec, DecodeOptions(recursion_limit=1))


def test_views_agree_with_decode_on_mutated_input():
    # Differential: on damaged copies of a valid message, view() fails only
    # where decode() fails, and otherwise reads what decode() gives (or both
    # reject the content). Shapes takes the Python scan everywhere; Batch
    # the native one where the port has viper (lib/buffa_viper.py).
    mutate(Shapes, sample().encode() + Shapes(pick_m=Inner(a=2)).encode(), 16)
    mutate(Batch, Batch(device="d", records=[record(i) for i in range(2)]).encode(), 17)


def mutate(M, data, seed):
    rnd = Lcg(seed)
    for _ in range(150):
        b = bytearray(data)
        for _ in range(1 + rnd.below(3)):
            i = rnd.below(len(b))
            k = rnd.below(3)
            if k == 0:
                b[i] = rnd.below(256)
            elif k == 1:
                b = b[:i] + b[i + 1 :]
            else:
                b = b[:i] + bytes([rnd.below(256)]) + b[i:]
        b = bytes(b)
        try:
            want = M.decode(b)
        except DecodeError:
            want = None
        try:
            got = M.view(b).to_message()
        except DecodeError:
            got = None
        if want is None or got is None:
            assert want is None and got is None, b
        else:
            assert got.encode() == want.encode(), b
            v = M.view(b)
            if M is Shapes:
                for k in want.counts:  # lookups compare key bytes
                    assert v.counts[k] == want.counts[k], b
                for k in want.by_id:
                    assert v.by_id[k].to_message() == want.by_id[k], b
            else:
                for r, w in zip(v.records, want.records):
                    assert r.timestamp_ns == w.timestamp_ns and r.level == w.level, b
                    for k in w.attributes:
                        assert r.attributes[k] == w.attributes[k], b


def test_a_buffer_changed_after_view_reads_wrong_but_safely():
    # docs/views.md, "The buffer": the caller's responsibility; reads then
    # may give wrong values or raise, and stay within the buffer.
    import struct

    errors = (IndexError, ValueError, getattr(struct, "error", ValueError))
    data = Batch(device="d", records=[record(i) for i in range(2)]).encode()
    rnd = Lcg(5)
    for _ in range(40):
        buf = bytearray(data)
        v = Batch.view(buf)
        for _ in range(4):
            buf[rnd.below(len(buf))] = rnd.below(256)
        if rnd.below(4) == 0:
            buf[rnd.below(len(buf)) :] = b""  # shrunk
        try:
            for r in v.records:
                r.timestamp_ns, r.level, r.span_id, r.attributes.get("pod"), r.source
        except errors:
            pass
