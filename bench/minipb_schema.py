# bench.proto written as minipb key-value schemas (minipb has no code
# generator; this is what a minipb user writes by hand).
#   U string, a bytes, T unsigned varint (uint32/uint64), t signed varint
#   (int32: enums), z zigzag varint (sint32), b bool, f float, Q fixed64,
#   '+[' repeated message, '[' message, '#' packed repeated.
# Maps are repeated key/value entry messages.

import minipb

_MAP_SS = (("key", "U"), ("value", "U"))

_READING = (
    ("sensor", "U"),
    ("timestamp_ms", "T"),
    ("value", "f"),
    ("unit", "t"),
    ("delta", "z"),
    ("ok", "b"),
)

SensorBatch = minipb.Wire((
    ("device_id", "U"),
    ("seq", "T"),
    ("readings", "+[", _READING),
    ("tags", "+[", _MAP_SS),
))

_SOURCE = (("file", "U"), ("line", "T"), ("function", "U"))

_LOG_RECORD = (
    ("timestamp_ns", "T"),
    ("level", "t"),
    ("message", "U"),
    ("attributes", "+[", _MAP_SS),
    ("source", "[", _SOURCE),
    ("trace_id", "a"),
    ("span_id", "T"),
)

LogBatch = minipb.Wire((("records", "+[", _LOG_RECORD),))

Samples = minipb.Wire((
    ("adc", "#z"),
    ("spectrum", "#f"),
    ("t0", "Q"),
))
