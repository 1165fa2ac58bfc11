# Hand-written stand-ins for the messages of protos/connecttest/v1/echo.proto,
# with the interface generated classes have (M.decode(data), m.encode(),
# M(**fields)). They let the protocol tests run without the code generator,
# and on boards with a tiny heap. Interop tests use the generated code.


class DecodeError(ValueError):
    pass


def _varint(out, v):
    v &= 0xFFFFFFFFFFFFFFFF  # negative int32 is sent as 10-byte two's complement
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


def _read_varint(data, i):
    shift = 0
    v = 0
    while True:
        if i >= len(data) or shift > 63:
            raise DecodeError("truncated varint")
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, i
        shift += 7


class _Msg:
    # (number, attribute, kind): kind is "str", "bytes", "int" or "rstr"
    # (repeated string).
    FIELDS = ()

    def __init__(self, **kw):
        for _, name, kind in self.FIELDS:
            setattr(self, name, kw.pop(name, self._default(kind)))
        if kw:
            raise TypeError("unknown fields %r" % list(kw))

    @staticmethod
    def _default(kind):
        if kind == "str":
            return ""
        if kind == "bytes":
            return b""
        if kind == "int":
            return 0
        return []

    def encode(self):
        out = bytearray()
        for num, name, kind in self.FIELDS:
            v = getattr(self, name)
            if kind == "int":
                if v:
                    _varint(out, num << 3)
                    _varint(out, v)
                continue
            values = v if kind == "rstr" else ([v] if v else [])
            for one in values:
                b = one.encode() if isinstance(one, str) else bytes(one)
                _varint(out, (num << 3) | 2)
                _varint(out, len(b))
                out.extend(b)
        return bytes(out)

    @classmethod
    def decode(cls, data):
        m = cls()
        kinds = {}
        for num, name, kind in cls.FIELDS:
            kinds[num] = (name, kind)
        i = 0
        n = len(data)
        while i < n:
            key, i = _read_varint(data, i)
            num, wt = key >> 3, key & 7
            if num == 0:
                raise DecodeError("field number 0")
            if wt == 0:
                v, i = _read_varint(data, i)
            elif wt == 2:
                ln, i = _read_varint(data, i)
                if i + ln > n:
                    raise DecodeError("truncated field")
                v = bytes(data[i : i + ln])
                i += ln
            elif wt == 5:
                i += 4
                v = None
            elif wt == 1:
                i += 8
                v = None
            else:
                raise DecodeError("bad wire type %d" % wt)
            if i > n:
                raise DecodeError("truncated field")
            f = kinds.get(num)
            if f is None or v is None:
                continue
            name, kind = f
            if kind == "int":
                if wt != 0:
                    raise DecodeError("wrong wire type")
                if v >= 0x8000000000000000:
                    v -= 0x10000000000000000
                setattr(m, name, v)
            elif wt != 2:
                raise DecodeError("wrong wire type")
            elif kind == "bytes":
                setattr(m, name, v)
            else:
                try:
                    s = v.decode()
                except UnicodeError:
                    raise DecodeError("invalid UTF-8")
                if kind == "rstr":
                    getattr(m, name).append(s)
                else:
                    setattr(m, name, s)
        return m

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        for _, name, _k in self.FIELDS:
            if getattr(self, name) != getattr(other, name):
                return False
        return True

    def __repr__(self):
        return "%s(%s)" % (
            type(self).__name__,
            ", ".join("%s=%r" % (name, getattr(self, name)) for _, name, _k in self.FIELDS),
        )


class EchoRequest(_Msg):
    FIELDS = (
        (1, "text", "str"),
        (2, "payload", "bytes"),
        (3, "sleep_ms", "int"),
        (4, "fail_code", "str"),
        (5, "repeat", "int"),
    )


class EchoResponse(_Msg):
    FIELDS = (
        (1, "text", "str"),
        (2, "payload", "bytes"),
        (3, "headers", "rstr"),
        (4, "method", "str"),
        (5, "request_encoding", "str"),
    )


class ErrorInfo(_Msg):
    FIELDS = (
        (1, "reason", "str"),
        (2, "attempt", "int"),
    )
