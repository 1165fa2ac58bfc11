# One adapter per library under test. An adapter gives, per workload:
#   dec[wl](data) -> obj       decode bytes
#   enc[wl](obj) -> bytes      encode
#   touch[wl](obj) -> (int, float)  read every field (see check.expected_touch)
#   canon(obj, wl) -> canonical value (W*.json form), used once for checking
#   build(canon, wl) -> obj    construct a message from values (constructors)
#
# Runs on CPython and MicroPython; each loader imports its library lazily.

import check

M32 = 0xFFFFFFFF


class Adapter:
    def __init__(self, name, version):
        self.name = name
        self.version = version
        self.dec = {}
        self.enc = {}
        self.touch = {}
        self.classes = {}

    def canon(self, obj, wl):
        raise NotImplementedError

    def build(self, c, wl):
        raise NotImplementedError


# ---------------------------------------------------------------------------
# Libraries with generated message classes (buffa, Google protobuf,
# betterproto2): fields are attributes, repeated fields iterate, maps have
# .items(), enums are ints (or IntEnum).


def touch_attr_w1(m):
    acc = len(m.device_id) + m.seq
    f = 0.0
    for r in m.readings:
        acc += len(r.sensor) + (r.timestamp_ms & M32) + r.unit + r.delta + (1 if r.ok else 0)
        f += r.value
    for k, v in m.tags.items():
        acc += len(k) + len(v)
    return acc, f


def touch_attr_w2(m):
    acc = 0
    for r in m.records:
        acc += (r.timestamp_ns & M32) + r.level + len(r.message) + len(r.trace_id) + r.span_id
        for k, v in r.attributes.items():
            acc += len(k) + len(v)
        s = r.source
        if s is not None:
            acc += len(s.file) + s.line + len(s.function)
    return acc, 0.0


def touch_attr_w3(m):
    acc = 0
    f = 0.0
    adc = m.adc
    spectrum = m.spectrum
    for x in adc:
        acc += x
    for x in spectrum:
        f += x
    acc += len(adc) + len(spectrum) + (m.t0 & M32)
    return acc, f


def touch_attr_w4(m):
    # proto2: an unset field reads None in buffa, a default in the others
    return (m.id or 0) + (m.x or 0) + (m.y or 0), m.value or 0.0


def touch_attr_w5(m):
    acc = 0
    f = 0.0
    for n in check.W5_INTS:
        acc += (getattr(m, n) or 0) & M32
    for n in check.W5_FLOATS:
        f += getattr(m, n) or 0.0
    for n in check.W5_BOOLS:
        acc += 1 if getattr(m, n) else 0
    for n in check.W5_LENS:
        acc += len(getattr(m, n) or "")
    return acc, f


TOUCH_ATTR = {"W1": touch_attr_w1, "W2": touch_attr_w2, "W3": touch_attr_w3, "W4": touch_attr_w4,
              "W5": touch_attr_w5}

ENUM_OF = {("Reading", "unit"): "Unit", ("LogRecord", "level"): "Level"}


def _get_attr(obj, name):
    return getattr(obj, name)


def _items(v):
    return v.items()


class AttrAdapter(Adapter):
    """Generated classes with attribute access; `enum_cls` maps enum names to
    a callable wrapping an int (or None to pass ints)."""

    def __init__(self, name, version, mod, decode_name, encode_fn, enums=None, shapes=None):
        Adapter.__init__(self, name, version)
        self.mod = mod
        self.shapes = shapes  # the module of shapes.proto (W4, W5)
        self.enums = enums or {}
        for wl in check.WORKLOADS:
            cls = getattr(shapes if wl in check.SHAPES else mod, check.ROOT[wl])
            self.dec[wl] = getattr(cls, decode_name)
            self.enc[wl] = encode_fn(cls)
            self.touch[wl] = TOUCH_ATTR[wl]

    def canon(self, obj, wl):
        return check.to_canon(obj, check.ROOT[wl], _get_attr, _items)

    def build(self, c, wl):
        return self._build(c, check.ROOT[wl])

    def _scalar(self, msg, name, t, v):
        if t == "float":
            return check.bits_f32(v)
        if t == "double":
            return check.bits_f64(v)
        if t == "bytes":
            return check.unhexlify(v)
        if t == "enum":
            wrap = self.enums.get(ENUM_OF.get((msg, name)))
            return wrap(v) if wrap else v
        return v

    def _build(self, c, msg):
        kw = {}
        for name, _num, kind, t in check.MESSAGES[msg]:
            v = c[name]
            if kind == "map":
                kt, vt = t
                kw[name] = dict((self._scalar(msg, name, kt, k), self._scalar(msg, name, vt, x))
                                for k, x in v.items())
            elif kind == "rep":
                if check.is_message(t):
                    kw[name] = [self._build(x, t) for x in v]
                else:
                    kw[name] = [self._scalar(msg, name, t, x) for x in v]
            elif check.is_message(t):
                if v is not None:
                    kw[name] = self._build(v, t)
            else:
                kw[name] = self._scalar(msg, name, t, v)
        return (getattr(self.mod, msg, None) or getattr(self.shapes, msg))(**kw)


def load_buffa():
    import buffa
    import bench_pb
    import shapes_pb

    def enc(cls):
        return cls.encode  # unbound: enc(obj) == obj.encode()

    return AttrAdapter("buffa", getattr(buffa, "__version__", "dev"), bench_pb, "decode", enc, shapes=shapes_pb)


def load_google():
    import google.protobuf
    from google.protobuf.internal import api_implementation
    import bench_pb2
    import shapes_pb2

    def enc(cls):
        return cls.SerializeToString

    ad = AttrAdapter("protobuf", google.protobuf.__version__, bench_pb2, "FromString", enc, shapes=shapes_pb2)
    ad.backend = api_implementation.Type()
    return ad


def load_betterproto2():
    import importlib.metadata
    import benchbp2.bench.v1 as bp
    import benchbp2.bench.shapes as shapes

    def enc(cls):
        return cls.__bytes__

    enums = {"Unit": bp.Unit, "Level": bp.Level}
    return AttrAdapter("betterproto2", importlib.metadata.version("betterproto2"), bp, "parse", enc, enums, shapes)


# ---------------------------------------------------------------------------
# minipb: dicts keyed by field name; absent fields are None; repeated fields
# are tuples; maps are tuples of {"key", "value"} dicts.


def touch_minipb_w1(m):
    acc = len(m["device_id"] or "") + (m["seq"] or 0)
    f = 0.0
    for r in m["readings"] or ():
        acc += (len(r["sensor"] or "") + ((r["timestamp_ms"] or 0) & M32) + (r["unit"] or 0)
                + (r["delta"] or 0) + (1 if r["ok"] else 0))
        f += r["value"] or 0.0
    for e in m["tags"] or ():
        acc += len(e["key"] or "") + len(e["value"] or "")
    return acc, f


def touch_minipb_w2(m):
    acc = 0
    for r in m["records"] or ():
        acc += (((r["timestamp_ns"] or 0) & M32) + (r["level"] or 0) + len(r["message"] or "")
                + len(r["trace_id"] or b"") + (r["span_id"] or 0))
        for e in r["attributes"] or ():
            acc += len(e["key"] or "") + len(e["value"] or "")
        s = r["source"]
        if s is not None:
            acc += len(s["file"] or "") + (s["line"] or 0) + len(s["function"] or "")
    return acc, 0.0


def touch_minipb_w3(m):
    acc = 0
    f = 0.0
    adc = m["adc"] or ()
    spectrum = m["spectrum"] or ()
    for x in adc:
        acc += x
    for x in spectrum:
        f += x
    acc += len(adc) + len(spectrum) + ((m["t0"] or 0) & M32)
    return acc, f


def touch_minipb_w4(m):
    return (m["id"] or 0) + (m["x"] or 0) + (m["y"] or 0), m["value"] or 0.0


def touch_minipb_w5(m):
    acc = 0
    f = 0.0
    for n in check.W5_INTS:
        acc += (m[n] or 0) & M32
    for n in check.W5_FLOATS:
        f += m[n] or 0.0
    for n in check.W5_BOOLS:
        acc += 1 if m[n] else 0
    for n in check.W5_LENS:
        acc += len(m[n] or "")
    return acc, f


def _get_key(obj, name):
    return obj.get(name)


def _entries(v):
    return [(e.get("key"), e.get("value")) for e in v]


class MinipbAdapter(Adapter):
    def __init__(self):
        import minipb
        import minipb_schema
        import minipb_schema_shapes

        Adapter.__init__(self, "minipb", getattr(minipb, "__version__", "2.0.0"))
        touch = {"W1": touch_minipb_w1, "W2": touch_minipb_w2, "W3": touch_minipb_w3, "W4": touch_minipb_w4,
                 "W5": touch_minipb_w5}
        for wl in check.WORKLOADS:
            wire = getattr(minipb_schema_shapes if wl in check.SHAPES else minipb_schema, check.ROOT[wl])
            self.dec[wl] = wire.decode
            self.enc[wl] = wire.encode
            self.touch[wl] = touch[wl]

    def canon(self, obj, wl):
        return check.to_canon(obj, check.ROOT[wl], _get_key, _entries)

    def build(self, c, wl):
        return self._build(c, check.ROOT[wl])

    def _scalar(self, t, v):
        if t == "float":
            return check.bits_f32(v)
        if t == "double":
            return check.bits_f64(v)
        if t == "bytes":
            return check.unhexlify(v)
        return v

    def _build(self, c, msg):
        d = {}
        for name, _num, kind, t in check.MESSAGES[msg]:
            v = c[name]
            if kind == "map":
                d[name] = [{"key": self._scalar(t[0], k), "value": self._scalar(t[1], x)}
                           for k, x in v.items()]
            elif kind == "rep":
                if check.is_message(t):
                    d[name] = [self._build(x, t) for x in v]
                else:
                    d[name] = [self._scalar(t, x) for x in v]
            elif check.is_message(t):
                d[name] = None if v is None else self._build(v, t)
            else:
                d[name] = self._scalar(t, v)
        return d


def load_minipb():
    return MinipbAdapter()


LOADERS = {
    "buffa": load_buffa,
    "buffa-native": load_buffa,
    "buffa-accel": load_buffa,
    "minipb": load_minipb,
    "protobuf-upb": load_google,
    "protobuf-python": load_google,
    "betterproto2": load_betterproto2,
}
