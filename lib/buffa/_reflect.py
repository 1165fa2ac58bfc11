# The reflective methods of Message and Enum (buffa.message): presence,
# clearing, defaults, equality, repr, extensions, construction from keyword
# arguments, Enum.name/value. They load on first use: Message.__getattr__
# imports this module, which adds the methods to Message; __eq__, __repr__,
# Message.__init__'s keyword path and Enum.name/value call in here directly.
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


from buffa import message
from buffa.message import Message

# field flags (buffa.wire)
_REPEATED = const(1)
_MAP = const(4)
_PRESENCE = const(8)
_ONEOF = const(16)


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


def _no_field(m, name):
    # "has no field 'encode' (did you mean 'encode_'?)": a proto name that
    # is a keyword or part of the API is its attribute with a "_" added.
    hint = ""
    for row in m._buffa_f:
        if row[0] == name + "_":
            hint = " (did you mean %r?)" % row[0]
    return "%s has no field %r%s" % (m._buffa_name, name, hint)


def _row(m, name):
    for row in m._buffa_f:
        if row[0] == name or row[5] == name:
            return row
    raise ValueError(_no_field(m, name))


def init_kw(m, kw):
    # Message(**kw): set the named fields.
    attrs = [row[0] for row in m._buffa_f]
    for k in kw:
        if k not in attrs:
            raise TypeError(_no_field(m, k))
        setattr(m, k, kw[k])


def clear(self):
    for row in self._buffa_f:
        if row[3] & _ONEOF:
            setattr(self, "_buffa_c_" + row[8], None)
        else:
            setattr(self, row[0], _zero(row))
    if self._buffa_u is not None:
        self._buffa_u = None


def has_field(self, name):
    row = _row(self, name)
    f = row[3]
    if f & (_REPEATED | _MAP) or not f & (_PRESENCE | _ONEOF):
        raise ValueError("field %r has no presence" % name)
    return getattr(self, row[0]) is not None


def clear_field(self, name):
    row = _row(self, name)
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
    row = _row(self, name)
    v = getattr(self, row[0])
    if v is None and not row[3] & _REPEATED:
        return row[7]
    return v


def mutable(self, name):
    """The message in field `name` (a singular message field), first set to
    a new empty one if it is unset: m.mutable("updated_at").seconds = 5.
    (Reading an unset message field gives None; see docs/design.md.)"""
    row = _row(self, name)
    if row[2] not in (10, 11) or row[3] & (_REPEATED | _MAP):
        raise ValueError("field %r is not a singular message field" % name)
    v = getattr(self, row[0])
    if v is None:
        v = row[4]._buffa_n()
        setattr(self, row[0], v)
    return v


def unknown_fields(self):
    """The raw bytes of fields this schema does not know (b"" if none)."""
    u = self._buffa_u
    return bytes(u) if u else b""


def eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    for row in self._buffa_f:
        a = row[0]
        if getattr(self, a) != getattr(other, a):
            return False
    return (self._buffa_u or b"") == (other._buffa_u or b"")


def repr_(self):
    parts = []
    for row in self._buffa_f:
        v = getattr(self, row[0])
        if v is None or (v == _zero(row) and not row[3] & (_PRESENCE | _ONEOF)):
            continue
        parts.append("%s=%r" % (row[0], v))
    if self._buffa_u:
        parts.append("<%d unknown bytes>" % len(self._buffa_u))
    return "%s(%s)" % (self._buffa_name, ", ".join(parts))


# Extensions live in the unknown-field bytes, so they round-trip without a
# registry; these read and rewrite them through an Extension descriptor
# (buffa.fields).


def get_extension(self, ext):
    return ext.get(self)


def has_extension(self, ext):
    return ext.has(self)


def set_extension(self, ext, value):
    ext.set(self, value)


def clear_extension(self, ext):
    ext.clear(self)


def enum_name(cls, number):
    n = cls._buffa_n.get(number)
    if n is None:
        raise ValueError("%s has no value %r" % (cls._buffa_name, number))
    return n


def enum_value(cls, name):
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


# ---- merge -------------------------------------------------------------------
# Here rather than in buffa.message: few programs merge, and each method
# there is heap in every program (docs/design.md section 20).


def merge(self, data, options=None):
    """Merge encoded bytes into this message (protobuf merge semantics)."""
    message.decode_into(self, data, options)
    return self


# The methods Message.__getattr__ finds here: added to the class once, so
# later lookups do not come back.
METHODS = ("clear", "has_field", "clear_field", "which_oneof", "get", "mutable", "unknown_fields",
           "get_extension", "has_extension", "set_extension", "clear_extension", "merge")
for _n in METHODS:
    setattr(Message, _n, globals()[_n])


# ---- encode errors (the cold path of Message.encode and friends) ---------

def fail(m, f, where=""):
    # Run f(m) again to catch what it raises (the callers catch without
    # "as" to keep their frames small) and raise it as an EncodeError that
    # names the field at fault (buffa._errors).
    try:
        f(m)
    except message._BAD_VALUE as e:
        from buffa._errors import encode_error

        raise encode_error(m, e, where)
    # f(m) worked this time (a value changed under it): say so
    raise _error("cannot encode %s%s" % (m._buffa_name, where))


def _error(msg, kind="type"):
    from buffa._errors import error

    return error(msg, kind)


def too_small(m, buf, offset):
    raise _error("buffer too small: need %d bytes at offset %d" % (m.encoded_size(), offset), "buffer")


def fail_into(m, buf, offset):
    # encode_into's write failed: a value the size pass let through, or a
    # buffer that cannot be written (bytes, a read-only memoryview).
    from buffa._encode_into import _size

    try:
        _size(m)
    except message._BAD_VALUE:
        fail(m, _size)
    try:
        type(m)._buffa_w(m, message._view(buf), offset)
    except message._BAD_VALUE as e:
        from buffa._errors import encode_error

        e = encode_error(m, e, " into " + type(buf).__name__)
        if not e.field:
            e.kind = "buffer"
        raise e
    raise _error("cannot encode %s into %s" % (m._buffa_name, type(buf).__name__))
