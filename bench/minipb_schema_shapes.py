# shapes.proto (W4, W5) written as minipb key-value schemas, beside
# minipb_schema.py (bench.proto), so that the heap figures of the W1-W3
# schemas stay comparable.
#   t signed varint (int32, int64, enums), T unsigned varint, z zigzag varint,
#   I/Q fixed32/fixed64, i/q sfixed32/sfixed64, f float, d double, b bool,
#   U string, a bytes.

import minipb

Point = minipb.Wire((
    ("id", "T"),
    ("x", "z"),
    ("y", "z"),
    ("value", "f"),
))

Settings = minipb.Wire((
    ("i32_a", "t"), ("i32_b", "t"), ("i32_c", "t"), ("i64_a", "t"), ("i64_b", "t"),
    ("u32_a", "T"), ("u32_b", "T"), ("u32_c", "T"), ("u64_a", "T"), ("u64_b", "T"),
    ("s32_a", "z"), ("s32_b", "z"), ("s64_a", "z"), ("fx32_a", "I"), ("fx64_a", "Q"),
    ("sfx32_a", "i"), ("sfx64_a", "q"), ("f_a", "f"), ("f_b", "f"), ("f_c", "f"),
    ("f_d", "f"), ("d_a", "d"), ("d_b", "d"), ("b_a", "b"), ("b_b", "b"),
    ("b_c", "b"), ("b_d", "b"), ("name", "U"), ("label", "U"), ("unit", "U"),
    ("note", "U"), ("key", "a"), ("salt", "a"), ("mode", "t"), ("fallback", "t"),
    ("i32_d", "t"), ("u32_d", "T"), ("s32_c", "z"), ("f_e", "f"), ("i64_c", "t"),
))
