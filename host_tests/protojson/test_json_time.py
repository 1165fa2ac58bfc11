# buffa.protojson: Timestamp, Duration, FieldMask and Empty, and the
# buffa.wkt.timestamp / buffa.wkt.duration helpers.
import time
from mptest import raises
from buffa import protojson
from buffa.protojson import JsonError
from buffa.wkt import timestamp, duration
from buffa.wkt.timestamp_pb import Timestamp
from buffa.wkt.duration_pb import Duration
from buffa.wkt.field_mask_pb import FieldMask
from buffa.wkt.empty_pb import Empty
from json_time_pb import Times


def dec(text, **kw):
    return protojson.decode(Times, text, **kw)


def err(text, kind, **kw):
    # the error, after checking its kind
    e = raises(JsonError, protojson.decode, Times, text, **kw)
    assert e.kind == kind, (text, e.kind, str(e))
    return e


def enc_err(m):
    # every encode error here is a value JSON has no form for
    e = raises(JsonError, protojson.encode, m)
    assert e.kind == "unrepresentable", (e.kind, str(e))
    return e


# ---- Timestamp -----------------------------------------------------------------


def test_timestamp_is_rfc3339_utc_with_0_3_6_or_9_digits():
    for nanos, text in ((0, ""), (10000000, ".010"), (123456000, ".123456"), (1, ".000000001")):
        m = Times(ts=Timestamp(seconds=1700000000, nanos=nanos))
        t = '{"ts":"2023-11-14T22:13:20%sZ"}' % text
        assert protojson.encode(m) == t
        assert dec(t) == m


def test_timestamp_input_offsets_and_fractions():
    assert dec('{"ts": "1970-01-01T00:00:00Z"}').ts == Timestamp()
    assert dec('{"ts": "1970-01-01T08:00:00+08:00"}').ts == Timestamp()
    assert dec('{"ts": "1969-12-31T23:30:00-00:30"}').ts == Timestamp()
    assert dec('{"ts": "1970-01-01T00:00:00.5Z"}').ts == Timestamp(nanos=500000000)
    assert dec('{"ts": "2000-02-29T00:00:00Z"}').ts.seconds == 951782400


def test_timestamp_range():
    lo = Timestamp(seconds=-62135596800)
    hi = Timestamp(seconds=253402300799, nanos=999999999)
    assert protojson.encode(Times(ts=lo)) == '{"ts":"0001-01-01T00:00:00Z"}'
    assert protojson.encode(Times(ts=hi)) == '{"ts":"9999-12-31T23:59:59.999999999Z"}'
    assert dec(protojson.encode(Times(ts=hi))).ts == hi
    e = enc_err(Times(ts=Timestamp(seconds=-62135596801)))
    assert e.path == "$.ts"
    enc_err(Times(ts=Timestamp(seconds=253402300800)))
    enc_err(Times(ts=Timestamp(nanos=-1)))
    enc_err(Times(ts=Timestamp(nanos=1000000000)))
    err('{"ts": "0001-01-01T00:00:00+00:01"}', "value")
    err('{"ts": "9999-12-31T23:59:59-00:01"}', "value")


def test_timestamp_input_errors():
    for t in (
        "1970-01-01T00:00:00z",
        "1970-01-01t00:00:00Z",
        "1970-01-01 00:00:00Z",
        "1970-01-01T00:00:00",
        "1970-01-01T00:00Z",
        "1970-1-01T00:00:00Z",
        "1970-01-01T00:00:00.Z",
        "1970-01-01T00:00:00.1234567890Z",
        "1970-13-01T00:00:00Z",
        "1970-02-30T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "1970-01-01T24:00:00Z",
        "1970-01-01T00:00:60Z",
        "1970-01-01T00:00:00+0800",
        "1970-01-01T00:00:00+24:00",
        "1970-01-01T00:00:00ZZ",
    ):
        e = raises(JsonError, protojson.decode, Times, '{"ts": "%s"}' % t)
        assert e.path == "$.ts", t
    err('{"ts": 0}', "value")


def test_timestamp_helpers_and_the_clock():
    ts = timestamp.from_time_ns(1700000000123456789 - timestamp.epoch_offset() * 1000000000)
    assert ts == Timestamp(seconds=1700000000, nanos=123456789)
    assert timestamp.to_time_ns(ts) == 1700000000123456789 - timestamp.epoch_offset() * 1000000000
    ts = timestamp.from_time(12)
    assert ts.seconds == 12 + timestamp.epoch_offset() and ts.nanos == 0
    assert timestamp.to_time(ts) == 12
    g = getattr(time, "gmtime", None) or getattr(time, "localtime", None)
    if g:
        g = g(0)
        assert timestamp.epoch_offset() == timestamp.days_from_civil(g[0], g[1], g[2]) * 86400
    else:
        assert timestamp.epoch_offset() == 0
    now = timestamp.now()
    assert now.seconds > 1600000000  # a Unix-epoch count whatever the port's epoch
    assert timestamp.to_rfc3339(Timestamp(seconds=86400 * 366)) == "1971-01-02T00:00:00Z"
    assert timestamp.from_rfc3339("1971-01-02T00:00:00Z").seconds == 86400 * 366


def test_timestamp_from_fractional_seconds():
    ts = timestamp.from_time(-1.5)
    assert ts.seconds == -2 + timestamp.epoch_offset() and ts.nanos == 500000000
    ts = timestamp.from_time(10.25)
    assert ts.nanos == 250000000


def test_civil_date_conversion_round_trips():
    for days in (-719162, -1, 0, 59, 365, 10957, 11016, 2932896):
        y, m, d = timestamp.civil_from_days(days)
        assert timestamp.days_from_civil(y, m, d) == days


# ---- Duration ------------------------------------------------------------------


def test_duration_text():
    for s, n, text in ((1, 500000000, "1.500s"), (0, 0, "0s"), (-1, -500000000, "-1.500s"), (0, -1000, "-0.000001s"),
                       (315576000000, 999999999, "315576000000.999999999s"), (3, 1, "3.000000001s")):
        m = Times(dur=Duration(seconds=s, nanos=n))
        t = '{"dur":"%s"}' % text
        assert protojson.encode(m) == t
        assert dec(t) == m
    assert dec('{"dur": "1.5s"}').dur == Duration(seconds=1, nanos=500000000)
    assert dec('{"dur": "-0.5s"}').dur == Duration(nanos=-500000000)


def test_duration_errors():
    for t in ("1", "1.5", "s", "1.s", ".5s", "1.0000000001s", "1,5s", "+1s", "- 1s", "1S", "315576000001s", "-315576000001s"):
        e = raises(JsonError, protojson.decode, Times, '{"dur": "%s"}' % t)
        assert e.path == "$.dur", t
    enc_err(Times(dur=Duration(seconds=315576000001)))
    enc_err(Times(dur=Duration(seconds=1, nanos=-1)))
    enc_err(Times(dur=Duration(seconds=-1, nanos=1)))
    enc_err(Times(dur=Duration(nanos=1000000000)))


def test_duration_helpers():
    assert duration.from_ms(1500) == Duration(seconds=1, nanos=500000000)
    assert duration.from_ms(-1500) == Duration(seconds=-1, nanos=-500000000)
    assert duration.to_ms(Duration(seconds=1, nanos=999999)) == 1000
    assert duration.to_ms(Duration(seconds=-1, nanos=-999999)) == -1000
    assert duration.from_seconds(2) == Duration(seconds=2)
    assert duration.from_seconds(-0.25) == Duration(nanos=-250000000)
    assert duration.to_seconds(Duration(seconds=1, nanos=500000000)) == 1.5
    assert duration.from_ns(-1) == Duration(nanos=-1)
    assert duration.to_ns(Duration(seconds=-2, nanos=-1)) == -2000000001
    assert duration.to_text(duration.from_text("-12.5s")) == "-12.500s"


# ---- FieldMask and Empty ---------------------------------------------------------


def test_field_mask():
    m = Times(mask=FieldMask(paths=["foo_bar", "baz.qux_quux", "a"]))
    t = '{"mask":"fooBar,baz.quxQuux,a"}'
    assert protojson.encode(m) == t
    assert dec(t) == m
    assert protojson.encode(Times(mask=FieldMask())) == '{"mask":""}'
    assert dec('{"mask": ""}').mask == FieldMask()


def test_field_mask_errors():
    e = err('{"mask": "foo_bar"}', "value")
    assert e.path == "$.mask"
    err('{"mask": ["fooBar"]}', "value")
    for p in ("fooBar", "foo__bar", "foo_3", "foo_"):
        e = enc_err(Times(mask=FieldMask(paths=[p])))
        assert e.path == "$.mask", p


def test_empty():
    assert protojson.encode(Times(empty=Empty())) == '{"empty":{}}'
    assert dec('{"empty": {}}').empty == Empty()
    err('{"empty": {"x": 1}}', "field")
    assert dec('{"empty": {"x": 1}}', ignore_unknown_fields=True).empty == Empty()


def test_top_level_well_known_types():
    assert protojson.encode(Timestamp(seconds=1)) == '"1970-01-01T00:00:01Z"'
    assert protojson.decode(Duration, '"2s"') == Duration(seconds=2)
    assert protojson.decode(FieldMask, ' "a.b" ') == FieldMask(paths=["a.b"])
    raises(JsonError, protojson.decode, Timestamp, "null")


def test_repeated_timestamps():
    m = dec('{"tss": ["1970-01-01T00:00:01Z", "1970-01-01T00:00:02Z"]}')
    assert [t.seconds for t in m.tss] == [1, 2]
    e = err('{"tss": ["1970-01-01T00:00:01Z", "x"]}', "value")
    assert e.path == "$.tss[1]"


def test_in_an_any_their_form_goes_under_value():
    from buffa.wkt.any_pb import Any

    for name, js in (
        ("Duration", '"1.500s"'),
        ("Timestamp", '"1970-01-01T00:00:00Z"'),
        ("FieldMask", '"a,bC"'),
    ):
        t = '{"@type":"type.googleapis.com/google.protobuf.%s","value":%s}' % (name, js)
        assert protojson.encode(protojson.decode(Any, t)) == t, name
    raises(JsonError, protojson.decode, Any, '{"@type": "type.googleapis.com/google.protobuf.Duration"}')
    d = Any(type_url="type.googleapis.com/google.protobuf.Duration", value=Duration(seconds=10**12).encode())
    e = enc_err(d)
    assert e.path == "$.value"
