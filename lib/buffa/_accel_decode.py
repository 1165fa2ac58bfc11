# The C table decoder (natmod/buffa_accel/table_decode.c, docs/design.md
# section 20, "Table decoder"): where buffa_accel is loaded, buffa.message's
# register() passes each generated module's classes here, and each class's
# _buffa_d becomes a buffa_accel.TableDecoder that decodes the whole message
# in C, walking the class's field table (_buffa_f) through records made
# here, once. The generated Python decoder stays inside it as the fallback:
# the C code hands the rest of a message to it at any field it does not
# handle itself, so results and errors are the Python code's. Loaded only
# when buffa.wire.ACCEL, and dropped again after each use (heap).
import sys
from struct import pack

from buffa import message
from buffa_accel import TableDecoder

# record modes (table_decode.c)
_SET = 0
_APPEND = 1
_PACKED = 2
_HANDOVER = 3
_MAP_ENTRY = 4
_CLOSED = 0x10
_ONEOF = 0x20

_WIRE = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)  # by field type
_GROUP = 10
_MESSAGE = 11
_REPEATED = 1
_MAP = 4
_CLOSED_ENUM = 64


def table(cls):
    """The TableDecoder arguments for cls: (spec, oneofs, weight), or None
    to keep the Python decoder. spec
    holds an 8-byte record per tag the generated decoder has a case for,
    sorted by tag: tag, field type, mode, index of the field's row."""
    recs = []
    oneofs = None
    weight = 1
    f = cls._buffa_f
    for i, row in enumerate(f):
        num, typ, flags, ref, oneof = row[1], row[2], row[3], row[4], row[8]
        if flags & (_REPEATED | _MAP):
            # generated code charges the budget a message and each container
            # it is made with on entry
            weight += 1
        wt = _WIRE[typ]
        if flags & _MAP:
            # maps of scalars and text as generated code reads them inline;
            # message values and closed enums (buffa.fields) in Python
            v = ref[1]
            inline = v[2] != _MESSAGE and v[2] != _GROUP and not v[3] & _CLOSED_ENUM
            recs.append(((num << 3) | 2, typ, _MAP_ENTRY if inline else _HANDOVER, i))
            continue
        if typ == _GROUP:
            # A group would be handed over at every level, and a C frame
            # under each Python one takes more stack than Python alone: 30
            # nested groups no longer fit the micro:bit's. A class with a
            # group keeps its Python decoder.
            return None
        mode = _CLOSED if flags & _CLOSED_ENUM else 0
        if oneof is not None:
            # where generated code keeps the member set and its value
            if oneofs is None:
                oneofs = [None] * len(f)
            oneofs[i] = ("_buffa_c_" + oneof, "_buffa_v_" + oneof)
            mode |= _ONEOF
        if flags & _REPEATED:
            recs.append(((num << 3) | wt, typ, _APPEND | mode, i))
            if wt != 2:
                recs.append(((num << 3) | 2, typ, _HANDOVER if mode else _PACKED, i))
        else:
            recs.append(((num << 3) | wt, typ, _SET | mode, i))
    recs.sort()
    return b"".join(pack("<IBBH", *r) for r in recs), oneofs and tuple(oneofs), weight


def install(classes):
    # What the C code uses (table_decode.c, ENV_*): the budgets, new
    # instances, the one buffer type it reads (a native module finds no type
    # by itself cheaply), and the map key cache.
    m = message
    env = (m.left, m.new_instance, bytes, m.keys)
    for c in classes:
        d = getattr(c, "_buffa_d", None)
        if d is None or type(d) is TableDecoder or not getattr(c, "_buffa_f", None):
            continue  # not a generated class (buffa.protojson.register), or registered twice
        t = table(c)
        if t is None:
            continue
        spec, oneofs, weight = t
        try:
            c._buffa_d = TableDecoder(c, d, spec, oneofs, env, weight)
        except ValueError:
            pass  # a field name that is not interned: the Python decoder
    # Needed once per generated module: let this module go, its code and
    # dict are heap (docs/design.md section 20, "Table decoder").
    sys.modules.pop(__name__, None)
    pkg = sys.modules.get("buffa")
    if pkg is not None and "_accel_decode" in pkg.__dict__:
        delattr(pkg, "_accel_decode")
