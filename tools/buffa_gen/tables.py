"""The field type, label, flag and wire-type numbers, and what derives from
them: the one source of truth. buffa's runtime keeps copies where
MicroPython's const() needs them in the module that uses them;
host_tests/generator/test_tables.py fails when a copy disagrees.
"""

# FieldDescriptorProto.Type
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL = 1, 2, 3, 4, 5, 6, 7, 8
STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, SFIXED32, SFIXED64, SINT32, SINT64 = range(9, 19)
LABEL_REPEATED, LABEL_REQUIRED = 3, 2

# builtins generated code may use, always through an alias (_buffa_len...)
BUILTINS = ("len", "str", "float", "setattr", "UnicodeError")

# runtime flags (buffa.wire)
REPEATED, PACKED, MAP, PRESENCE, ONEOF, REQUIRED, CLOSED, VERIFY = 1, 2, 4, 8, 16, 32, 64, 128
TYPE_NAMES = {DOUBLE: "DOUBLE", FLOAT: "FLOAT", INT64: "INT64", UINT64: "UINT64", INT32: "INT32", FIXED64: "FIXED64",
              FIXED32: "FIXED32", BOOL: "BOOL", STRING: "STRING", GROUP: "GROUP", MESSAGE: "MESSAGE", BYTES: "BYTES",
              UINT32: "UINT32", ENUM: "ENUM", SFIXED32: "SFIXED32", SFIXED64: "SFIXED64", SINT32: "SINT32", SINT64: "SINT64"}
FLAG_NAMES = ((REPEATED, "REPEATED"), (PACKED, "PACKED"), (MAP, "MAP"), (PRESENCE, "PRESENCE"), (ONEOF, "ONEOF"),
              (REQUIRED, "REQUIRED"), (CLOSED, "CLOSED"), (VERIFY, "VERIFY"))

WIRE = {1: 1, 2: 5, 3: 0, 4: 0, 5: 0, 6: 1, 7: 5, 8: 0, 9: 2, 10: 3, 11: 2, 12: 2, 13: 0, 14: 0, 15: 5, 16: 1, 17: 0, 18: 0}
VARINT_TYPES = {INT64, UINT64, INT32, BOOL, UINT32, ENUM, SINT32, SINT64}
FIXED_FMT = {DOUBLE: ("<d", 8), FLOAT: ("<f", 4), FIXED64: ("<Q", 8), FIXED32: ("<I", 4), SFIXED32: ("<i", 4), SFIXED64: ("<q", 8)}
# Range of each integer type: (smallest, largest), and what generated code
# passes wire.vsize as the largest value of a varint type (of the zigzag form
# for sint32/sint64; None where vsize's default, 2**64 - 1, is the bound).
INT_RANGE = {
    INT32: (-0x80000000, 0x7FFFFFFF), ENUM: (-0x80000000, 0x7FFFFFFF), SINT32: (-0x80000000, 0x7FFFFFFF),
    SFIXED32: (-0x80000000, 0x7FFFFFFF), UINT32: (0, 0xFFFFFFFF), FIXED32: (0, 0xFFFFFFFF),
    INT64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF), SINT64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    SFIXED64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF), UINT64: (0, 0xFFFFFFFFFFFFFFFF), FIXED64: (0, 0xFFFFFFFFFFFFFFFF),
}
VSIZE_HI = {INT32: "0x7FFFFFFF", ENUM: "0x7FFFFFFF", UINT32: "0xFFFFFFFF", SINT32: "0xFFFFFFFF",
            INT64: "0x7FFFFFFFFFFFFFFF", UINT64: None, SINT64: None}
FIXED_INT = {FIXED32, SFIXED32, FIXED64, SFIXED64}
# varint -> value conversion for multi-byte varints (1-byte ones need none)
VARINT_CONV = {INT32: "_buffa_int32", ENUM: "_buffa_int32", INT64: "_buffa_int64", UINT32: "_buffa_uint32"}
# the buffa.wire converter a packed varint run of each type needs
PACKED_CONV = {INT32: "int32", ENUM: "int32", INT64: "int64", UINT32: "uint32", SINT32: "sint32", SINT64: "sint64", BOOL: "boolean"}
