# The C table decoder (natmod/buffa_accel/table_decode.c, docs/design.md
# section 20, "Table decoder"): where buffa_accel is loaded, buffa.message's
# register() passes each generated class here, and its _buffa_d becomes a
# buffa_accel.TableDecoder that decodes the whole message in C from a
# compact form of the class's field table, made once, here. The generated
# Python decoder stays inside it as the fallback: the C code hands the rest
# of a message to it at any field it does not handle itself, so results and
# errors are the Python code's. Loaded only when buffa.wire.ACCEL.
from struct import pack

from buffa import wire
from buffa.message import new_instance
from buffa_accel import TableDecoder

# What the C code uses: the budgets, unknown fields, new instances, the one
# buffer type it reads (a native module finds no type by itself cheaply),
# and the map key cache with its filler
_ENV = (wire.left, wire.unknown, new_instance, bytes, wire.keys, wire.new_key)

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
    """The TableDecoder arguments for cls: (spec, names, refs, lists,
    dicts, weight). spec holds one 8-byte record per tag the generated
    decoder has a case for, sorted by tag: tag, field type, mode, field
    index."""
    recs = []
    names = []
    refs = []
    lists = []
    dicts = []
    for i, row in enumerate(cls._buffa_f):
        attr, num, typ, flags, ref = row[:5]
        names.append(attr)
        if flags & _CLOSED_ENUM:
            ref = ref._buffa_n  # the enum's numbers
        oneof = row[8]
        if oneof is not None:
            # where generated code keeps the member set and its value
            ref = (ref, "_buffa_c_" + oneof, "_buffa_v_" + oneof)
        refs.append(ref)
        if flags & _MAP:
            dicts.append(attr)
        elif flags & _REPEATED:
            lists.append(attr)
        wt = _WIRE[typ]
        if flags & _MAP:
            # maps of scalars and text as generated code reads them inline;
            # message values and closed enums (buffa.fields) in Python
            v = ref[1]
            inline = v[2] != _MESSAGE and v[2] != _GROUP and not v[3] & _CLOSED_ENUM
            recs.append(((num << 3) | 2, typ, _MAP_ENTRY if inline else _HANDOVER, i))
            continue
        if typ == _GROUP:
            # groups: the Python decoder's
            recs.append(((num << 3) | wt, typ, _HANDOVER, i))
            continue
        closed = _CLOSED if flags & _CLOSED_ENUM else 0
        if oneof is not None:
            closed |= _ONEOF
        if flags & _REPEATED:
            recs.append(((num << 3) | wt, typ, _APPEND | closed, i))
            if wt != 2:
                recs.append(((num << 3) | 2, typ, _HANDOVER if closed else _PACKED, i))
        else:
            recs.append(((num << 3) | wt, typ, _SET | closed, i))
    recs.sort()
    spec = b"".join(pack("<IBBH", *r) for r in recs)
    # what a message costs the element budget on entry, as generated code
    # charges it: itself and each container it is made with
    weight = 1 + len(lists) + len(dicts)
    return spec, tuple(names), tuple(refs), tuple(lists), tuple(dicts), weight


def install(classes):
    for c in classes:
        d = c._buffa_d
        if type(d) is TableDecoder:
            continue  # registered twice
        spec, names, refs, lists, dicts, weight = table(c)
        try:
            c._buffa_d = TableDecoder(c, d, spec, names, refs, lists, dicts, _ENV, weight)
        except ValueError:
            pass  # a field name that is not interned: the Python decoder
