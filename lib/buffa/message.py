# The base class of every generated message, and the options for decoding.
#
# Generated classes carry their codec as four plain functions stored on the
# class (decode, size, write, new) plus a field table used by the reflective
# operations here (equality, repr, presence, clearing) and by buffa.protojson.
#
# Field table rows: (attr, number, type, flags, ref, name, json_name, default, oneof)
#   attr       Python attribute name (the proto name, keywords get a "_")
#   number     field number
#   type       FieldDescriptorProto.Type number (see buffa.wire)
#   flags      buffa.wire REPEATED | PACKED | MAP | PRESENCE | ONEOF | ...
#   ref        message class, enum class, or for maps (key_row, value_row)
#   name       proto field name; json_name: its JSON name
#   default    the value an unset field reads as (proto2 custom defaults)
#   oneof      the oneof's name for members of a real oneof, else None
from buffa import wire

_REPEATED = wire.REPEATED
_MAP = wire.MAP
_PRESENCE = wire.PRESENCE
_ONEOF = wire.ONEOF
_DecodeError = wire.DecodeError

try:
    _new = object.__new__
except AttributeError:  # ports built without CPython compatibility
    _new = None

# Default limits, as in buffa (Rust): nesting depth and total input size.
RECURSION_LIMIT = 100
MAX_MESSAGE_SIZE = 0x7FFFFFFF


class DecodeOptions:
    """Limits for decoding untrusted input.

    recursion_limit: how many levels of nested messages (and groups) below
    the top-level message are accepted. max_size: the largest input accepted,
    in bytes."""

    def __init__(self, recursion_limit=RECURSION_LIMIT, max_size=MAX_MESSAGE_SIZE):
        if recursion_limit < 0 or max_size < 0:
            raise ValueError("limits must be >= 0")
        self.recursion_limit = recursion_limit
        self.max_size = max_size


_DEFAULT_OPTIONS = DecodeOptions()

# What a field value of the wrong type or range raises in the generated
# size and write functions (struct.error is not a ValueError on CPython).
try:
    from struct import error as _struct_error
except ImportError:  # MicroPython's struct raises ValueError
    _struct_error = ValueError
_BAD_VALUE = (TypeError, ValueError, AttributeError, OverflowError, IndexError, _struct_error)


def _size(m):
    return type(m)._buffa_z(m)


def _encode(m):
    c = type(m)
    b = bytearray(c._buffa_z(m))
    c._buffa_w(m, b, 0)
    return bytes(b)


def _fail(m, f):
    # Run f(m) again to catch what it raises (the callers catch without
    # "as" to keep their frames small) and raise it as an EncodeError.
    try:
        f(m)
    except wire.EncodeError:
        raise
    except _BAD_VALUE as e:
        raise wire.EncodeError("cannot encode %s: %s: %s" % (m._buffa_name, type(e).__name__, e))
    raise wire.EncodeError("cannot encode %s" % m._buffa_name)


# Message classes by full proto name. Every generated module registers its
# classes as it is imported; buffa.protojson resolves Any type URLs here.
TYPES = {}


def register(*classes):
    """Add message classes to TYPES (generated modules do this themselves)."""
    for c in classes:
        TYPES[c._buffa_name] = c


def decode_into(m, data, options):
    # Shared by decode() and merge(): run the generated decoder with limits,
    # turning every low-level failure into a DecodeError.
    o = options or _DEFAULT_OPTIONS
    if type(data) is not bytes:
        # Slices of bytearray/memoryview would not give bytes values.
        data = bytes(data)
    n = len(data)
    if n > o.max_size:
        raise _DecodeError("message of %d bytes exceeds max_size %d" % (n, o.max_size), 0)
    try:
        type(m)._buffa_d(m, data, 0, n, o.recursion_limit, 0)
    except _DecodeError:
        raise
    except IndexError:
        # The generated fast paths read one byte ahead of their bounds check;
        # that can only fail at the very end of the input.
        raise _DecodeError("truncated message", n)
    except RuntimeError:
        # MicroPython's own C-stack guard on a small board.
        raise _DecodeError("recursion too deep for this device", -1)
    except RecursionError:
        raise _DecodeError("recursion too deep", -1)
    except MemoryError:
        # A small board can run out of heap on input far below max_size
        # (deep nesting multiplies a few input bytes into objects); the
        # partly decoded message is garbage by now, so raising works.
        raise _DecodeError("not enough memory to decode this message", -1)
    return m


try:
    RecursionError
except NameError:  # MicroPython raises RuntimeError

    class RecursionError(RuntimeError):
        pass


def _zero(row):
    # The value a field holds when it is unset.
    f = row[3]
    if f & _MAP:
        return {}
    if f & _REPEATED:
        return []
    if f & (_PRESENCE | _ONEOF):
        return None
    return row[7]


class Message:
    # Unknown fields (a bytearray) once any are seen; absent until then.
    _buffa_u = None
    # Extensions of this message known to the program: number -> Extension.
    _buffa_x = None
    _buffa_f = ()  # field table
    _buffa_name = ""  # full proto name

    def __init__(_buffa_s, **kw):  # not "self": a field may be named so
        for row in _buffa_s._buffa_f:
            if row[3] & (_REPEATED | _MAP):
                setattr(_buffa_s, row[0], _zero(row))
        if kw:
            attrs = _buffa_s._buffa_attrs()
            for k in kw:
                if k not in attrs:
                    raise TypeError("%s has no field %r" % (_buffa_s._buffa_name, k))
                setattr(_buffa_s, k, kw[k])

    @classmethod
    def _buffa_attrs(cls):
        return [row[0] for row in cls._buffa_f]

    @classmethod
    def _buffa_row(cls, name):
        for row in cls._buffa_f:
            if row[0] == name or row[5] == name:
                return row
        raise ValueError("%s has no field %r" % (cls._buffa_name, name))

    # ---- binary codec ------------------------------------------------------

    @classmethod
    def decode(cls, data, options=None):
        """Decode bytes, bytearray or memoryview; raises buffa.DecodeError."""
        return decode_into(cls._buffa_n(), data, options)

    def merge(self, data, options=None):
        """Merge encoded bytes into this message (protobuf merge semantics)."""
        decode_into(self, data, options)
        return self

    # The encode entry points keep their frames within MicroPython's
    # 11-word on-stack limit: a frame allocated on the heap is freed on
    # return, which sends the allocator back to rescan from that spot on
    # every later allocation (docs/design.md, "Frames on the encode path").
    # So they catch without "as e" and re-run the failing call in _fail to
    # get at the exception; bad values are the cold path.

    def encoded_size(self):
        try:
            return type(self)._buffa_z(self)
        except _BAD_VALUE:
            pass
        _fail(self, _size)

    def encode(self):
        # Size everything first (the size pass caches sub-message sizes on
        # the sub-messages), then write into one buffer of exactly that size.
        try:
            return _encode(self)
        except _BAD_VALUE:
            pass
        _fail(self, _encode)

    def encode_into(self, buf, offset=0):
        """Write into a caller-owned bytearray at offset; return the end."""
        if offset < 0 or offset + self.encoded_size() > len(buf):
            raise wire.EncodeError("buffer too small: need %d bytes at offset %d"
                                   % (self.encoded_size(), offset))
        try:
            return type(self)._buffa_w(self, buf, offset)
        except _BAD_VALUE:
            pass
        _fail(self, _size)  # a write can only fail where the size pass did

    # ---- reflection --------------------------------------------------------

    def clear(self):
        for row in self._buffa_f:
            if row[3] & _ONEOF:
                setattr(self, "_buffa_c_" + row[8], None)
            else:
                setattr(self, row[0], _zero(row))
        if self._buffa_u is not None:
            self._buffa_u = None

    def has_field(self, name):
        row = self._buffa_row(name)
        f = row[3]
        if f & (_REPEATED | _MAP) or not f & (_PRESENCE | _ONEOF):
            raise ValueError("field %r has no presence" % name)
        return getattr(self, row[0]) is not None

    def clear_field(self, name):
        row = self._buffa_row(name)
        if row[3] & _ONEOF:
            if getattr(self, "_buffa_c_" + row[8]) == row[0]:
                setattr(self, "_buffa_c_" + row[8], None)
        else:
            setattr(self, row[0], _zero(row))

    def which_oneof(self, oneof):
        for row in self._buffa_f:
            if row[8] == oneof:
                return getattr(self, "_buffa_c_" + oneof)
        raise ValueError("%s has no oneof %r" % (self._buffa_name, oneof))

    def get(self, name):
        """The field's value, or its default (proto2 [default = ...]) if unset."""
        row = self._buffa_row(name)
        v = getattr(self, row[0])
        if v is None and not row[3] & _REPEATED:
            return row[7]
        return v

    def unknown_fields(self):
        """The raw bytes of fields this schema does not know (b"" if none)."""
        u = self._buffa_u
        return bytes(u) if u else b""

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        for row in self._buffa_f:
            a = row[0]
            if getattr(self, a) != getattr(other, a):
                return False
        return (self._buffa_u or b"") == (other._buffa_u or b"")

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def __repr__(self):
        parts = []
        for row in self._buffa_f:
            v = getattr(self, row[0])
            if v is None or (v == _zero(row) and not row[3] & (_PRESENCE | _ONEOF)):
                continue
            parts.append("%s=%r" % (row[0], v))
        if self._buffa_u:
            parts.append("<%d unknown bytes>" % len(self._buffa_u))
        return "%s(%s)" % (self._buffa_name, ", ".join(parts))

    # ---- extensions --------------------------------------------------------
    # Extensions live in the unknown-field bytes, so they round-trip without a
    # registry; these read and rewrite them through an Extension descriptor.

    def get_extension(self, ext):
        return ext.get(self)

    def has_extension(self, ext):
        return ext.has(self)

    def set_extension(self, ext, value):
        ext.set(self, value)

    def clear_extension(self, ext):
        ext.clear(self)


def new_instance(cls):
    # An instance without running __init__ (decoders set every container).
    if _new is not None:
        return _new(cls)
    return cls()


def oneof_member(oneof, attr):
    # A property for a oneof member: reads None unless it is the set case;
    # setting it makes it the case (None clears it if it was the case).
    ck = "_buffa_c_" + oneof
    vk = "_buffa_v_" + oneof

    def get(self):
        return getattr(self, vk) if getattr(self, ck) == attr else None

    def put(self, v):
        if v is None:
            if getattr(self, ck) == attr:
                setattr(self, ck, None)
                setattr(self, vk, None)
        else:
            setattr(self, ck, attr)
            setattr(self, vk, v)

    return property(get, put)


class Enum:
    """Base of generated enum classes: int constants plus name()/value()."""

    _buffa_n = {}  # number -> proto name
    _buffa_name = ""

    @classmethod
    def name(cls, number):
        n = cls._buffa_n.get(number)
        if n is None:
            raise ValueError("%s has no value %r" % (cls._buffa_name, number))
        return n

    @classmethod
    def value(cls, name):
        for k, v in cls._buffa_n.items():
            if v == name:
                return k
        # An alias (allow_alias) is not in the number -> name table but is a
        # class constant, under name + "_" if the name is escaped.
        for a in (name, name + "_"):
            v = getattr(cls, a, None) if not a.startswith("_buffa") or a[-1] == "_" else None
            if type(v) is int:
                return v
        raise ValueError("%s has no value named %r" % (cls._buffa_name, name))

    @classmethod
    def values(cls):
        return cls._buffa_n
