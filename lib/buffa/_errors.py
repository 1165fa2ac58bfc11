# The cold side of buffa's errors: the EncodeError that names the field at
# fault. Loaded only when an error is being explained.
#
# Encoding checks values where the size pass already looks at them (ranges in
# wire.vsize, types where an operation on the value fails); what it raises
# there names no field. The encode entry points (buffa.message) then call
# encode_error, which walks the message by its field tables to find the
# first value encoding cannot take and says where it is: docs/design.md,
# "Values checked on encode".
from buffa.wire import EncodeError


def error(msg, kind="type", field=""):
    # An EncodeError of that kind, about that field.
    e = EncodeError(msg)
    e.kind = kind
    e.field = field
    return e


# field type number -> (name, smallest, largest) for the integer types
_INT = {
    3: ("int64", -0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    4: ("uint64", 0, 0xFFFFFFFFFFFFFFFF),
    5: ("int32", -0x80000000, 0x7FFFFFFF),
    6: ("fixed64", 0, 0xFFFFFFFFFFFFFFFF),
    7: ("fixed32", 0, 0xFFFFFFFF),
    13: ("uint32", 0, 0xFFFFFFFF),
    14: ("enum", -0x80000000, 0x7FFFFFFF),
    15: ("sfixed32", -0x80000000, 0x7FFFFFFF),
    16: ("sfixed64", -0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
    17: ("sint32", -0x80000000, 0x7FFFFFFF),
    18: ("sint64", -0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
}
_MESSAGE = (10, 11)  # group, message
_VERIFY = 128  # string field with utf8_validation = VERIFY (buffa.wire)


def _is_int(v):
    # MicroPython's bool is not an int subclass; both encode as integers.
    return type(v) is int or type(v) is bool or isinstance(v, int)


def problem(typ, flags, ref, v):
    # What is wrong with v as a value of a field of type typ, or None.
    r = _INT.get(typ)
    if r is not None:
        if not _is_int(v):
            return "type", "expected an integer (%s), got %s" % (r[0], type(v).__name__)
        if v < r[1] or v > r[2]:
            return "range", "value %d out of range for %s (%d .. %d)" % (v, r[0], r[1], r[2])
        return None
    if typ == 8:  # bool: ints as well, as Google's protobuf takes them
        if not _is_int(v):
            return "type", "expected a bool, got %s" % type(v).__name__
    elif typ == 1 or typ == 2:  # double, float
        if not (_is_int(v) or isinstance(v, float)):
            return "type", "expected a float, got %s" % type(v).__name__
    elif typ == 9:  # string
        if not isinstance(v, str) and (flags & _VERIFY or not isinstance(v, bytes)):
            return "type", "expected a str, got %s" % type(v).__name__
    elif typ == 12:  # bytes
        if not isinstance(v, (bytes, bytearray, memoryview)):
            return "type", "expected bytes, got %s" % type(v).__name__
    elif typ in _MESSAGE:
        if not isinstance(v, ref):
            return "type", "expected %s, got %s" % (ref._buffa_name, type(v).__name__)
    return None


def _find(m, path):
    # (kind, path, text) of the first value of m (at path) that cannot be
    # encoded, or None.
    for row in m._buffa_f:
        v = getattr(m, row[0])
        if v is None:
            continue
        typ, flags, ref = row[2], row[3], row[4]
        at = path + row[0]
        if flags & 4:  # map: ref is (key_row, value_row)
            if not isinstance(v, dict):
                return "type", at, "expected a dict, got %s" % type(v).__name__
            for k in v:
                r = _one(ref[0][2], ref[0][3], ref[0][4], k, "%s[%r] (key)" % (at, k))
                if r is None:
                    r = _one(ref[1][2], ref[1][3], ref[1][4], v[k], "%s[%r]" % (at, k))
                if r is not None:
                    return r
        elif flags & 1:  # repeated
            if not isinstance(v, (list, tuple)):
                return "type", at, "expected a list, got %s" % type(v).__name__
            for i in range(len(v)):
                r = _one(typ, flags, ref, v[i], "%s[%d]" % (at, i))
                if r is not None:
                    return r
        else:
            r = _one(typ, flags, ref, v, at)
            if r is not None:
                return r
    return None


def _one(typ, flags, ref, v, at):
    p = problem(typ, flags, ref, v)
    if p is not None:
        return p[0], at, p[1]
    if typ in _MESSAGE:
        return _find(v, at + ".")
    return None


def encode_error(m, e, where=""):
    # The EncodeError for m, whose encoding raised e. The field at fault is
    # found by walking m; e's own text is kept when no field is (a buffer
    # encode_into cannot write, a failure this walk does not know).
    r = _find(m, "")
    if r is not None:
        return error("cannot encode %s%s: %s: %s" % (m._buffa_name, where, r[1], r[2]), r[0], r[1])
    if isinstance(e, EncodeError):
        return error("cannot encode %s%s: %s" % (m._buffa_name, where, e), getattr(e, "kind", "type"), getattr(e, "field", ""))
    return error("cannot encode %s%s: %s: %s" % (m._buffa_name, where, type(e).__name__, e))


def extension_error(ext, value, e):
    # The EncodeError for Extension.set(m, value), whose encoding raised e.
    vals = value if ext.flags & 1 and isinstance(value, (list, tuple)) else (value,)
    for v in vals:
        r = _one(ext.type, ext.flags, ext.ref, v, ext.name)
        if r is not None:
            return error("cannot set extension %s: %s" % (ext.name, r[2]), r[0], ext.name)
    kind = getattr(e, "kind", "type")
    return error("cannot set extension %s: %s: %s" % (ext.name, type(e).__name__, e), kind, ext.name)
