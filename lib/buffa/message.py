# The base class of every generated message, and the options for decoding.
#
# Generated classes carry their codec as four plain functions stored on the
# class (decode, size, write, new) plus a field table used by the reflective
# operations here (equality, repr, presence, clearing) and by buffa.protojson.
#
# The reflective methods themselves (clear, has_field, get, ==, repr, the
# extension methods, Enum.name/value) are in buffa._reflect, which loads on
# first use (docs/design.md, "Heap after import").
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
from buffa import CPYTHON, DecodeError as _DecodeError

# The decode budgets (DecodeOptions max_elements and max_unknown_fields):
# what is left of them in the decode under way, left.n and left.u.
# decode_into sets them and puts them back after; generated decoders, the
# C decoder and the helpers (buffa._packed.spend) spend them. Outside a
# decode they hold NO_BUDGET (a small int on every port, so spending it
# never allocates). Per thread on CPython, where a thread that has not
# decoded yet reads the class attributes.
NO_BUDGET = 0x3FFFFFFF
try:
    from _thread import _local
except ImportError:  # MicroPython: no thread-local objects
    _local = object


class _Left(_local):
    n = u = NO_BUDGET


left = _Left()
del _local, _Left

# The C accelerator (natmod/buffa_accel, docs/design.md section 20), where
# this port loads it: a native .mpy built for its arch, or compiled into
# the firmware. CPython and CircuitPython run the Python code.
_accel = None
if not CPYTHON:
    try:
        import buffa_accel as _accel
    except (ImportError, ValueError):
        # ValueError: a native .mpy this firmware cannot load (another arch,
        # or a port built without native code, as the micro:bit's)
        pass

# ---- map<string, ...> keys --------------------------------------------------
# Map keys repeat: a batch of log records or readings uses a handful of label
# names again and again. A new str costs MicroPython a search of its table of
# interned strings (as long as the code loaded has made it) besides the UTF-8
# checks, so decoders look a key's bytes up in keys first (docs/design.md,
# "Map key cache"). Bounded: at most _key_cap entries, emptied when full, and
# only keys of at most _key_max bytes. buffa.wire.map_key_cache sets both.
# buffa.wire.new_key fills it for the Python decoders, the C decoder by
# itself (table_decode.c): here, so that the C path needs no buffa.wire.
keys = {}
_key_cap = 32
_key_max = 32


# DecodeOptions() as decode_into() reads it when no options are given:
# recursion_limit, max_size, max_elements, max_unknown_fields (the class is
# buffa._options.DecodeOptions, whose defaults these are).
_DEFAULTS = (100, 0x7FFFFFFF, 1024, 1000)


def __getattr__(name):
    # DecodeOptions (and _DEFAULT_OPTIONS, an instance with the defaults)
    # load on first use, from buffa._options: a program that never sets a
    # limit does not pay the class's heap.
    if name == "DecodeOptions" or name == "_DEFAULT_OPTIONS":
        from buffa import _options

        v = globals()[name] = getattr(_options, name)
        return v
    raise AttributeError(name)


# What a field value of the wrong type or range raises in the generated
# size and write functions (struct.error is not a ValueError on CPython;
# MicroPython raises NotImplementedError when a str is stored into a slice of
# the buffer, as a bytes field holding text does).
try:
    from struct import error as _BAD_VALUE
except ImportError:  # MicroPython's struct raises ValueError
    _BAD_VALUE = ValueError
_BAD_VALUE = (TypeError, ValueError, AttributeError, OverflowError, IndexError, NotImplementedError, _BAD_VALUE)


if CPYTHON:
    # Write through a memoryview: on CPython a slice store into one costs
    # much less than into a bytearray (which may resize), and text and
    # sub-messages are slice stores. MicroPython's cost the same.
    _view = memoryview
else:

    def _view(b):
        return b


# The C encoder (where the accelerator loaded) sizes and writes a message
# straight into its bytes object: one allocation of its size, not a buffer
# and a copy. It returns None for a message it hands to the Python code.
_c_encode = _accel and _accel.encode


def _encode(m):
    if _c_encode:
        b = _c_encode(m)
        if b is not None:
            return b
    c = type(m)
    b = bytearray(c._buffa_z(m))
    c._buffa_w(m, _view(b), 0)
    return bytes(b)


# Message classes by full proto name. Every generated module registers its
# classes as it is imported; buffa.protojson resolves Any type URLs here.
TYPES = {}


def register(*classes):
    """Add message classes to TYPES (generated modules do this themselves)
    and put their codecs in place. The codec module of a module generated
    with the "split" option calls it again once it has bound its functions."""
    for c in classes:
        TYPES[c._buffa_name] = c
        if getattr(c, "_buffa_n", None) is None:
            # a split module's class: Message.__init__ makes its containers
            c._buffa_n = c
    if _name_codecs:
        _name_codecs(classes)
    elif _accel:
        # the C decoders and encoders, from each class's field table
        __import__("buffa._accel_decode", None, None, ("install",)).install(classes)
        __import__("buffa._accel_encode", None, None, ("install",)).install(classes)


if CPYTHON:
    from buffa._codecnames import name_codecs as _name_codecs
else:
    _name_codecs = None


def decode_into(m, data, options):
    # Shared by decode() and merge(): run the generated decoder with limits,
    # turning every low-level failure into a DecodeError.
    if options:
        o = options
        rl, mx, ne, nu = o.recursion_limit, o.max_size, o.max_elements, o.max_unknown_fields
    else:
        # the defaults, without loading DecodeOptions
        rl, mx, ne, nu = _DEFAULTS
    if type(data) is not bytes:
        # Slices of bytearray/memoryview would not give bytes values.
        data = bytes(data)
    n = len(data)
    if n > mx:
        raise _DecodeError("message of %d bytes exceeds max_size %d" % (n, mx), 0, "size")
    l = left
    l.n = ne
    l.u = nu
    try:
        type(m)._buffa_d(m, data, 0, n, rl, 0)
    except _DecodeError:
        raise
    except IndexError:
        # The generated fast paths read one byte ahead of their bounds check;
        # that can only fail at the very end of the input.
        raise _DecodeError("truncated message", n)
    except RuntimeError:
        # MicroPython's own C-stack guard on a small board (CPython's
        # RecursionError is a RuntimeError too).
        raise _DecodeError("recursion too deep for this device", -1, "stack")
    except MemoryError:
        # A small board can run out of heap on input far below max_size
        # (deep nesting multiplies a few input bytes into objects); the
        # partly decoded message is garbage by now, so raising works.
        raise _DecodeError("not enough memory to decode this message", -1, "memory")
    finally:
        # (decodes do not nest: generated decoders never call this)
        l.n = l.u = NO_BUDGET
    return m


def _r():
    # The reflective methods, loaded on first use.
    from buffa import _reflect

    return _reflect


def _codec(c):
    # A class of a module generated with the "split" option, whose codec
    # functions are in the module's NAME_codec sibling: load that on first
    # use; it binds them onto its classes. (The class's module through
    # TYPES: a subclass a program made is in a module of its own.)
    __import__(TYPES.get(c._buffa_name, c).__module__ + "_codec")
    return c


class Message:
    # Unknown fields (a bytearray) once any are seen; absent until then.
    _buffa_u = None
    # Extensions of this message known to the program: number -> Extension.
    _buffa_x = None
    _buffa_f = ()  # field table
    _buffa_name = ""  # full proto name

    def __init__(_buffa_s, **kw):  # not "self": a field may be named so
        for row in _buffa_s._buffa_f:
            if row[3] & 5:  # REPEATED | MAP
                setattr(_buffa_s, row[0], {} if row[3] & 4 else [])
        if kw:
            _r().init_kw(_buffa_s, kw)

    if not CPYTHON:
        # Only for names the instance and its class lack: the methods that
        # load on first use, which buffa._encode_into (encoded_size and
        # encode_into) and buffa._reflect (the reflective ones) add to
        # this class when they load. Not on CPython, where a class with
        # __getattr__ loses the fast (specialised) attribute reads: there
        # both load below.
        def __getattr__(self, name):
            if name == "encode_into" or name == "encoded_size":
                __import__("buffa._encode_into")
            elif name not in _r().METHODS:
                raise AttributeError(name)
            return getattr(self, name)

        # Messages are mutable, so unhashable. CPython says so for
        # __hash__ = None (below); MicroPython would try to call the None.
        def __hash__(self):
            raise TypeError("unhashable type: '%s'" % type(self).__name__)

    # ---- the codec slots of a "split" module's classes ----------------------
    # Until the module's codec module loads, these stand in for its generated
    # functions, and for the fallbacks of the C decoder and encoder: the
    # first call loads it, then calls the slot again, which is now the
    # generated function or a C one that keeps it as its fallback (and
    # hands over to it again where it did before). A new instance needs no
    # generated code: register() makes the class itself its _buffa_n.

    def _buffa_d(m, *a):
        # (one function for the three slots, told apart by how many
        # arguments they take: decode six, write three, size one)
        c = _codec(type(m))
        return (c._buffa_d if len(a) == 5 else c._buffa_w if a else c._buffa_z)(m, *a)

    _buffa_z = _buffa_w = _buffa_d

    # ---- binary codec ------------------------------------------------------

    @classmethod
    def decode(cls, data, options=None):
        """Decode bytes, bytearray or memoryview; raises buffa.DecodeError."""
        return decode_into(cls._buffa_n(), data, options)

    @classmethod
    def view(cls, data, options=None):
        """A read-only view of encoded bytes: fields decode when read
        (buffa.view, docs/views.md); raises buffa.DecodeError."""
        from buffa.view import view

        return view(cls, data, options)

    # encode() (and buffa._encode_into's methods) keep their frames within
    # MicroPython's 11-word on-stack limit: a frame allocated on the heap is
    # freed on return, which sends the allocator back to rescan from that
    # spot on every later allocation (docs/design.md, section 2). So they
    # catch without "as e" and re-run the failing call in buffa._reflect.fail
    # to get at the exception; bad values are the cold path.

    def encode(self):
        # Size everything first (the size pass caches sub-message sizes on
        # the sub-messages), then write into one buffer of exactly that size.
        try:
            return _encode(self)
        except _BAD_VALUE:
            pass
        _r().fail(self, _encode)

    # ---- reflection (buffa._reflect) ----------------------------------------
    # Special methods are looked up on the class only, so these stay here.

    def __eq__(self, other):
        return _r().eq(self, other)

    if CPYTHON:
        __hash__ = None

    def __repr__(self):
        return _r().repr_(self)


try:
    # An instance without running __init__ (decoders set every container).
    # The C function itself: decoders call this once per message, and a
    # Python wrapper around it was a second call each time.
    new_instance = object.__new__
except AttributeError:  # ports built without CPython compatibility

    def new_instance(cls):
        return cls()


class Enum:
    """Base of generated enum classes: int constants plus name()/value()."""

    _buffa_n = {}  # number -> proto name
    _buffa_name = ""

    @classmethod
    def name(cls, number):
        return _r().enum_name(cls, number)

    @classmethod
    def value(cls, name):
        return _r().enum_value(cls, name)

    @classmethod
    def values(cls):
        return cls._buffa_n


if CPYTHON:
    # add the methods that load on first use on MicroPython to Message
    __import__("buffa._encode_into")
    __import__("buffa._reflect")
