# Only W1's schema from minipb_schema.py (kept identical to it), for the
# "heap after importing the runtime plus the W1 module" figure.

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
