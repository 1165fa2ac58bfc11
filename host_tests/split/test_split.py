# Modules generated with the "split" option: split_pb.py holds the classes
# and field tables, split_pb_codec.py the codec functions, which
# buffa.message loads on first use. Where the C accelerator is loaded, it
# decodes and encodes these messages from their field tables, and neither
# the codec module nor buffa.wire loads until the C code hands a field over
# (docs/design.md section 20). The expected bytes are Google's protobuf
# encoding of the same messages (SerializeToString(deterministic=True)).
import sys

_WIRE_BEFORE = "buffa.wire" in sys.modules

import mptest  # noqa: E402

from buffa import DecodeError, message  # noqa: E402

import split_pb as S  # noqa: E402

CODEC = "split_pb_codec"
ACCEL = message._accel is not None

SAMPLE = bytes.fromhex("0a01741080d095ffbc311d0000c03f2002280532040102ac023a060a016112016242030a01634a016e")
BATCH = bytes.fromhex("0a290a01741080d095ffbc311d0000c03f2002280532040102ac023a060a016112016242030a01634a016e"
                      "12080a017812030a0179")


def _sample():
    return S.Sample(sensor="t", at_ms=1700000000000, value=1.5, level=S.Level.WARN, delta=-3, counts=[1, 2, 300],
                    tags={"a": "b"}, child=S.Sample(sensor="c"), note="n")


def test_importing_loads_neither_the_codec_module_nor_the_python_codec():
    assert CODEC not in sys.modules
    if ACCEL and not _WIRE_BEFORE:
        assert "buffa.wire" not in sys.modules


def test_a_round_trip_through_the_c_codec_loads_nothing():
    m = S.Sample.decode(SAMPLE)
    assert m.sensor == "t" and m.at_ms == 1700000000000 and m.value == 1.5 and m.level == S.Level.WARN
    assert m.delta == -3 and m.counts == [1, 2, 300] and m.tags == {"a": "b"} and m.child.sensor == "c"
    assert m.which_oneof("extra") == "note" and m.note == "n"
    assert m.encode() == SAMPLE
    assert _sample().encode() == SAMPLE
    if ACCEL:
        # every field of Sample is the C code's own
        assert CODEC not in sys.modules
        if not _WIRE_BEFORE:
            assert "buffa.wire" not in sys.modules
    else:
        # the Python codec ran, from the codec module
        assert CODEC in sys.modules


def test_a_map_of_messages_loads_the_codec_module_where_the_c_code_hands_it_over():
    b = S.Batch.decode(BATCH)
    assert b.samples[0].encode() == SAMPLE
    assert b.by_name["x"].sensor == "y"
    assert b.encode() == BATCH
    assert CODEC in sys.modules
    assert S.Batch(samples=[_sample()], by_name={"x": S.Sample(sensor="y")}).encode() == BATCH
    if ACCEL:
        import buffa_accel

        # the classes keep their C callables, now with the Python functions
        # of the codec module behind them
        d = S.Batch._buffa_d
        assert type(d) is buffa_accel.TableDecoder
        assert d.fallback is sys.modules[CODEC]._buffa_c1._buffa_d.fallback


def test_malformed_input_raises_decode_error():
    for n in (1, 5, 20, len(SAMPLE) - 1):
        try:
            S.Sample.decode(SAMPLE[:n])
        except DecodeError as e:
            assert e.kind == "truncated", (n, e.kind)
        else:
            raise AssertionError("decoded a truncated message (%d bytes)" % n)


def test_a_subclass_of_a_split_class_finds_the_codec_module():
    # The stand-ins of the codec slots (buffa.message.Message._buffa_d...)
    # find the codec module through the generated class (buffa.message.TYPES):
    # a subclass a program makes is in a module of its own. They are called
    # here directly, as the codec module is loaded by now; the C code hands
    # a subclass's instances to them (it takes only the class itself).
    class Mine(S.Sample):
        pass

    m = Mine(sensor="t")
    n = message.Message._buffa_z(m)
    buf = bytearray(n)
    assert message.Message._buffa_w(m, buf, 0) == n == 3 and bytes(buf) == b"\n\x01t"
    m = Mine()
    assert message.Message._buffa_d(m, SAMPLE, 0, len(SAMPLE), 100, 0) == len(SAMPLE)
    assert m.encode() == SAMPLE and Mine.decode(SAMPLE).tags == {"a": "b"}
