# Value checking for the benchmark: the schema of bench.proto as a small table,
# an independent reference wire decoder (used to check every library's
# encoder output), and helpers to compare decoded values with W*.json.
#
# Runs unchanged on CPython and MicroPython.

import struct

try:
    import binascii
except ImportError:  # pragma: no cover
    binascii = None

# ---------------------------------------------------------------------------
# Schema of bench/workloads/bench.proto (package bench.v1).
# field: (name, number, kind, type); kind is "one", "rep" or "map".
# For maps, type is (key_type, value_type).
MESSAGES = {
    "Reading": (
        ("sensor", 1, "one", "string"),
        ("timestamp_ms", 2, "one", "uint64"),
        ("value", 3, "one", "float"),
        ("unit", 4, "one", "enum"),
        ("delta", 5, "one", "sint32"),
        ("ok", 6, "one", "bool"),
    ),
    "SensorBatch": (
        ("device_id", 1, "one", "string"),
        ("seq", 2, "one", "uint32"),
        ("readings", 3, "rep", "Reading"),
        ("tags", 4, "map", ("string", "string")),
    ),
    "Source": (
        ("file", 1, "one", "string"),
        ("line", 2, "one", "uint32"),
        ("function", 3, "one", "string"),
    ),
    "LogRecord": (
        ("timestamp_ns", 1, "one", "uint64"),
        ("level", 2, "one", "enum"),
        ("message", 3, "one", "string"),
        ("attributes", 4, "map", ("string", "string")),
        ("source", 5, "one", "Source"),
        ("trace_id", 6, "one", "bytes"),
        ("span_id", 7, "one", "uint32"),
    ),
    "LogBatch": (("records", 1, "rep", "LogRecord"),),
    "Samples": (
        ("adc", 1, "rep", "sint32"),
        ("spectrum", 2, "rep", "float"),
        ("t0", 3, "one", "fixed64"),
    ),
    # shapes.proto (package bench.shapes, proto2)
    "Point": (
        ("id", 1, "one", "uint32"),
        ("x", 2, "one", "sint32"),
        ("y", 3, "one", "sint32"),
        ("value", 4, "one", "float"),
    ),
    "Settings": tuple((n, i + 1, "one", t) for i, (n, t) in enumerate((
        ("i32_a", "int32"), ("i32_b", "int32"), ("i32_c", "int32"), ("i64_a", "int64"), ("i64_b", "int64"),
        ("u32_a", "uint32"), ("u32_b", "uint32"), ("u32_c", "uint32"), ("u64_a", "uint64"), ("u64_b", "uint64"),
        ("s32_a", "sint32"), ("s32_b", "sint32"), ("s64_a", "sint64"), ("fx32_a", "fixed32"), ("fx64_a", "fixed64"),
        ("sfx32_a", "sfixed32"), ("sfx64_a", "sfixed64"), ("f_a", "float"), ("f_b", "float"), ("f_c", "float"),
        ("f_d", "float"), ("d_a", "double"), ("d_b", "double"), ("b_a", "bool"), ("b_b", "bool"),
        ("b_c", "bool"), ("b_d", "bool"), ("name", "string"), ("label", "string"), ("unit", "string"),
        ("note", "string"), ("key", "bytes"), ("salt", "bytes"), ("mode", "enum"), ("fallback", "enum"),
        ("i32_d", "int32"), ("u32_d", "uint32"), ("s32_c", "sint32"), ("f_e", "float"), ("i64_c", "int64"),
    ))),
}

WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
ROOT = {"W1": "SensorBatch", "W2": "LogBatch", "W3": "Samples", "W4": "Point", "W5": "Settings"}
# Workloads whose types are in shapes.proto (the others': bench.proto)
SHAPES = ("W4", "W5")

# W5's fields by how "read every field" folds them into the checksum
W5_INTS = tuple(f[0] for f in MESSAGES["Settings"] if f[3] not in ("float", "double", "bool", "string", "bytes"))
W5_FLOATS = tuple(f[0] for f in MESSAGES["Settings"] if f[3] in ("float", "double"))
W5_BOOLS = tuple(f[0] for f in MESSAGES["Settings"] if f[3] == "bool")
W5_LENS = tuple(f[0] for f in MESSAGES["Settings"] if f[3] in ("string", "bytes"))

DEFAULTS = {
    "string": "",
    "bytes": "",  # canonical bytes are hex strings
    "uint32": 0,
    "uint64": 0,
    "sint32": 0,
    "enum": 0,
    "bool": False,
    "float": 0,  # canonical floats are float32 bit patterns
    "fixed64": 0,
    "int32": 0,
    "int64": 0,
    "sint64": 0,
    "fixed32": 0,
    "sfixed32": 0,
    "sfixed64": 0,
    "double": 0,  # canonical doubles are float64 bit patterns
}


def is_message(t):
    return t in MESSAGES


def hexlify(b):
    return binascii.hexlify(bytes(b)).decode()


def unhexlify(s):
    return binascii.unhexlify(s)


def f32_bits(x):
    """float -> its float32 bit pattern (unsigned int)"""
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bits_f32(u):
    """float32 bit pattern -> float"""
    return struct.unpack("<f", struct.pack("<I", u))[0]


def f64_bits(x):
    """float -> its float64 bit pattern (unsigned int)"""
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def bits_f64(u):
    """float64 bit pattern -> float"""
    return struct.unpack("<d", struct.pack("<Q", u))[0]


# ---------------------------------------------------------------------------
# Converting a library's decoded object to the canonical (W*.json) form.
# `get(obj, name)` reads one field; None is taken as "absent" (proto3
# default). Libraries with other shapes (minipb) convert maps themselves
# through `entries(value)` -> iterable of (key, value).


def canon_scalar(t, v):
    if v is None:
        return DEFAULTS[t]
    if t == "float":
        return f32_bits(v)
    if t == "double":
        return f64_bits(v)
    if t == "bytes":
        return hexlify(v)
    if t == "bool":
        return bool(v)
    if t == "string":
        return str(v)
    return int(v)  # ints, enums (IntEnum -> int)


def to_canon(obj, msg, get, entries):
    out = {}
    for name, _num, kind, t in MESSAGES[msg]:
        v = get(obj, name)
        if kind == "map":
            d = {}
            if v is not None:
                for k, val in entries(v):
                    d[canon_scalar(t[0], k)] = canon_scalar(t[1], val)
            out[name] = d
        elif kind == "rep":
            lst = []
            if v is not None:
                for x in v:
                    if is_message(t):
                        lst.append(to_canon(x, t, get, entries))
                    else:
                        lst.append(canon_scalar(t, x))
            out[name] = lst
        elif is_message(t):
            # absent sub-message: proto3 default is an empty message; W*.json
            # always has it present, so an absent one is a mismatch
            out[name] = None if v is None else to_canon(v, t, get, entries)
        else:
            out[name] = canon_scalar(t, v)
    return out


def normalize_expected(obj, msg):
    """W*.json value -> canonical form with every field present."""
    out = {}
    for name, _num, kind, t in MESSAGES[msg]:
        v = obj.get(name)
        if kind == "map":
            out[name] = dict(v or {})
        elif kind == "rep":
            if is_message(t):
                out[name] = [normalize_expected(x, t) for x in (v or [])]
            else:
                out[name] = list(v or [])
        elif is_message(t):
            out[name] = None if v is None else normalize_expected(v, t)
        elif v is None:
            out[name] = DEFAULTS[t]
        elif t == "bool":
            out[name] = bool(v)
        else:
            out[name] = v
    return out


def diff(a, b, path="$"):
    """First difference between canonical values a (got) and b (expected), or None."""
    if isinstance(b, dict):
        if not isinstance(a, dict):
            return "%s: got %r, expected an object" % (path, type(a))
        for k in b:
            if k not in a:
                return "%s.%s: missing" % (path, k)
        for k in a:
            if k not in b:
                return "%s.%s: unexpected" % (path, k)
        for k in b:
            r = diff(a[k], b[k], path + "." + str(k))
            if r:
                return r
        return None
    if isinstance(b, list):
        if not isinstance(a, list):
            return "%s: got %r, expected a list" % (path, type(a))
        if len(a) != len(b):
            return "%s: got %d items, expected %d" % (path, len(a), len(b))
        for i in range(len(b)):
            r = diff(a[i], b[i], "%s[%d]" % (path, i))
            if r:
                return r
        return None
    if type(a) is not type(b) or a != b:
        return "%s: got %r, expected %r" % (path, a, b)
    return None


# ---------------------------------------------------------------------------
# Reference wire decoder (schema-driven, deliberately simple, independent of
# every library under test). Decodes to the canonical form.


class WireError(ValueError):
    pass


def _varint(buf, i, end):
    shift = 0
    result = 0
    while True:
        if i >= end or shift > 63:
            raise WireError("bad varint at %d" % i)
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _scalar_from_varint(t, v):
    if t in ("uint64", "enum_raw"):
        return v & 0xFFFFFFFFFFFFFFFF
    if t == "uint32":
        return v & 0xFFFFFFFF
    if t == "sint32":
        v &= 0xFFFFFFFF
        return (v >> 1) ^ -(v & 1)
    if t in ("enum", "int32"):
        v &= 0xFFFFFFFF
        return v - 0x100000000 if v & 0x80000000 else v
    if t == "int64":
        v &= 0xFFFFFFFFFFFFFFFF
        return v - 0x10000000000000000 if v >> 63 else v
    if t == "sint64":
        v &= 0xFFFFFFFFFFFFFFFF
        return (v >> 1) ^ -(v & 1)
    if t == "bool":
        return v != 0
    raise WireError("type %s is not a varint" % t)


_WIRE = {
    "string": 2, "bytes": 2, "uint32": 0, "uint64": 0, "sint32": 0,
    "enum": 0, "bool": 0, "float": 5, "fixed64": 1, "int32": 0, "int64": 0,
    "sint64": 0, "fixed32": 5, "sfixed32": 5, "sfixed64": 1, "double": 1,
}


def _read_field(buf, i, end, wt):
    """Returns (raw value, next index). raw: int for varint/fixed, (s, e) for LEN."""
    if wt == 0:
        return _varint(buf, i, end)
    if wt == 1:
        if i + 8 > end:
            raise WireError("truncated fixed64 at %d" % i)
        return struct.unpack("<Q", bytes(buf[i:i + 8]))[0], i + 8
    if wt == 5:
        if i + 4 > end:
            raise WireError("truncated fixed32 at %d" % i)
        return struct.unpack("<I", bytes(buf[i:i + 4]))[0], i + 4
    if wt == 2:
        n, i = _varint(buf, i, end)
        if i + n > end:
            raise WireError("length past end at %d" % i)
        return (i, i + n), i + n
    raise WireError("unsupported wire type %d at %d" % (wt, i))


def _decode_scalar(t, wt, raw, buf):
    if t in ("string", "bytes"):
        if wt != 2:
            raise WireError("%s with wire type %d" % (t, wt))
        s, e = raw
        b = bytes(buf[s:e])
        return b.decode("utf-8") if t == "string" else hexlify(b)
    if t == "float":
        if wt != 5:
            raise WireError("float with wire type %d" % wt)
        return raw  # bit pattern
    if t in ("fixed64", "double", "sfixed64"):
        if wt != 1:
            raise WireError("%s with wire type %d" % (t, wt))
        return raw - (1 << 64) if t == "sfixed64" and raw >> 63 else raw
    if t in ("fixed32", "sfixed32"):
        if wt != 5:
            raise WireError("%s with wire type %d" % (t, wt))
        return raw - (1 << 32) if t == "sfixed32" and raw >> 31 else raw
    if wt != 0:
        raise WireError("%s with wire type %d" % (t, wt))
    return _scalar_from_varint(t, raw)


def _unpack(t, buf, s, e):
    out = []
    i = s
    wt = _WIRE[t]
    while i < e:
        raw, i = _read_field(buf, i, e, wt)
        out.append(_decode_scalar(t, wt, raw, buf))
    if i != e:
        raise WireError("packed field overruns")
    return out


def ref_decode(buf, msg, s=0, e=None, into=None):
    """Decode bytes of message `msg` to the canonical form (merging into `into`)."""
    if e is None:
        e = len(buf)
    fields = {}
    for f in MESSAGES[msg]:
        fields[f[1]] = f
    out = into
    if out is None:
        out = {}
        for name, _num, kind, t in MESSAGES[msg]:
            if kind == "map":
                out[name] = {}
            elif kind == "rep":
                out[name] = []
            elif is_message(t):
                out[name] = None
            else:
                out[name] = DEFAULTS[t]
    i = s
    while i < e:
        key, i = _varint(buf, i, e)
        num = key >> 3
        wt = key & 7
        if num == 0:
            raise WireError("field number 0")
        raw, i = _read_field(buf, i, e, wt)
        f = fields.get(num)
        if f is None:
            continue  # unknown field: skipped
        name, _num, kind, t = f
        if kind == "map":
            if wt != 2:
                raise WireError("map entry with wire type %d" % wt)
            kt, vt = t
            k = DEFAULTS[kt]
            v = DEFAULTS[vt]
            j, je = raw
            while j < je:
                ek, j = _varint(buf, j, je)
                ewt = ek & 7
                eraw, j = _read_field(buf, j, je, ewt)
                if ek >> 3 == 1:
                    k = _decode_scalar(kt, ewt, eraw, buf)
                elif ek >> 3 == 2:
                    v = _decode_scalar(vt, ewt, eraw, buf)
            out[name][k] = v
        elif is_message(t):
            if wt != 2:
                raise WireError("message with wire type %d" % wt)
            if kind == "rep":
                out[name].append(ref_decode(buf, t, raw[0], raw[1]))
            else:
                out[name] = ref_decode(buf, t, raw[0], raw[1], out[name])
        elif kind == "rep":
            if wt == 2 and _WIRE[t] != 2:
                out[name].extend(_unpack(t, buf, raw[0], raw[1]))
            else:
                out[name].append(_decode_scalar(t, wt, raw, buf))
        else:
            out[name] = _decode_scalar(t, wt, raw, buf)
    return out


# ---------------------------------------------------------------------------
# The checksum that each library's "read every field" function computes,
# here computed from canonical values. (int accumulator, float accumulator)
# 64-bit ints are folded to their low 32 bits so the accumulator stays a
# small int on 64-bit MicroPython.

M32 = 0xFFFFFFFF


def expected_touch(wl, c):
    acc = 0
    f = 0.0
    if wl == "W1":
        acc = len(c["device_id"]) + c["seq"]
        for r in c["readings"]:
            acc += (len(r["sensor"]) + (r["timestamp_ms"] & M32) + r["unit"]
                    + r["delta"] + (1 if r["ok"] else 0))
            f += bits_f32(r["value"])
        for k, v in c["tags"].items():
            acc += len(k) + len(v)
    elif wl == "W2":
        for r in c["records"]:
            acc += ((r["timestamp_ns"] & M32) + r["level"] + len(r["message"])
                    + len(r["trace_id"]) // 2 + r["span_id"])
            for k, v in r["attributes"].items():
                acc += len(k) + len(v)
            s = r["source"]
            if s is not None:
                acc += len(s["file"]) + s["line"] + len(s["function"])
    elif wl == "W4":
        acc = c["id"] + c["x"] + c["y"]
        f = bits_f32(c["value"])
    elif wl == "W5":
        types = dict((x[0], x[3]) for x in MESSAGES["Settings"])
        for n in W5_INTS:
            acc += c[n] & M32
        for n in W5_FLOATS:
            f += bits_f32(c[n]) if types[n] == "float" else bits_f64(c[n])
        for n in W5_BOOLS:
            acc += 1 if c[n] else 0
        for n in W5_LENS:
            acc += len(c[n]) // 2 if types[n] == "bytes" else len(c[n])
    else:
        for x in c["adc"]:
            acc += x
        for x in c["spectrum"]:
            f += bits_f32(x)
        acc += len(c["adc"]) + len(c["spectrum"]) + (c["t0"] & M32)
    return acc, f


def touch_equal(got, exp):
    a, f = got
    ea, ef = exp
    if a != ea:
        return False
    d = f - ef
    if d < 0:
        d = -d
    m = ef if ef >= 0 else -ef
    return d <= 1e-9 * (m + 1.0)
