# Message.view() on log records (views3.proto, proto3): strings and raw
# bytes, unknown fields, buffers, malformed input and limits at view() time,
# and where the port has viper, the native scan (docs/views.md).
from buffa import DecodeError, DecodeOptions
from mptest import raises
from pbtestutil import Lcg
from viewtestutil import differential
from views3_pb import Batch, Record, Source, Level


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


def test_proto3_defaults():
    r = Record.view(b"")
    assert r.timestamp_ns == 0 and r.level == 0 and r.message == "" and r.source is None
    raises(ValueError, r.has_field, "level")


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


# payloads for the string paths of buffa.view._text: ASCII, valid UTF-8,
# bytes every codec refuses, and a surrogate and an overlong form that
# MicroPython's codec lets through and the strict check must refuse
TEXTS = (b"", b"ok", "h\u00e9llo \u2603".encode(), b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\x80")


def read_or_error(fn, *args):
    try:
        return fn(*args)
    except DecodeError:
        return DecodeError


def test_validated_strings_read_as_decoded():
    # proto3: invalid UTF-8 raises DecodeError on the read, as decode() does
    for t in TEXTS:
        data = bytes([0x1A, len(t)]) + t
        want = read_or_error(lambda: Record.decode(data).message)
        assert read_or_error(getattr, Record.view(data), "message") == want, t
        # a map value, read through MapView.get's native lookup
        entry = b"\x0a\x01k\x12" + bytes([len(t)]) + t
        data = bytes([0x22, len(entry)]) + entry
        want = read_or_error(lambda: Record.decode(data).attributes.get("k"))
        assert read_or_error(Record.view(data).attributes.get, "k") == want, t


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


def test_limits_at_their_edge():
    # max_size in bytes
    data = Batch(device="abc").encode()
    assert Batch.view(data, DecodeOptions(max_size=len(data))).device == "abc"
    raises(DecodeError, Batch.view, data, DecodeOptions(max_size=len(data) - 1))
    # recursion_limit counts the levels below the top-level message
    rec = Batch(records=[record(1)]).encode()  # Batch > Record > Source
    Batch.view(rec, DecodeOptions(recursion_limit=2))
    raises(DecodeError, Batch.view, rec, DecodeOptions(recursion_limit=1))
    raises(DecodeError, Batch.decode, rec, DecodeOptions(recursion_limit=1))


def test_views_agree_with_decode_on_mutated_input():
    # where the port has viper the scan and reads run natively
    # (lib/buffa_viper_view.py)
    def reads(v, want, b):
        for r, w in zip(v.records, want.records):
            assert r.timestamp_ns == w.timestamp_ns and r.level == w.level, b
            for k in w.attributes:
                assert r.attributes[k] == w.attributes[k], b

    differential(Batch, Batch(device="d", records=[record(i) for i in range(2)]).encode(), 17, reads)


def test_views_agree_with_decode_on_long_fields_in_small_messages():
    # map entries and sub-messages without sub-messages of their own are
    # checked inline by the native scan when their tags and lengths take
    # one byte; a longer value takes its general path
    r = record(1)
    r.attributes["long"] = "x" * 200
    r.source.file = "f" * 130

    def reads(v, want, b):
        for x, w in zip(v.records, want.records):
            assert x.attributes.get("long") == w.attributes.get("long"), b
            assert x.source.file == w.source.file, b

    differential(Batch, Batch(records=[r, record(2)]).encode(), 23, reads, rounds=60)
