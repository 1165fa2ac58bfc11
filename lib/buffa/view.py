# Read-only views over encoded messages: Message.view(data) checks the
# input in one scan and returns a View; reading a field decodes that field
# then, from the bytes (docs/views.md).
#
# Generic: everything comes from the generated field table (_buffa_f, rows
# documented in buffa.message), so generated modules need nothing new. This
# module loads on the first view, not with the core.
#
# Where allocation matters (docs/views.md, "What allocates"):
#   - view() allocates the View object and nothing per field: its scan
#     decodes varints inline rather than through buffa.wire's helpers, which
#     return (value, position) tuples;
#   - reading a scalar field scans the message's own fields again (not its
#     sub-messages) without allocating, then builds the value: a small int,
#     a bool or an enum number allocates nothing; a float or an int beyond
#     the small-int range allocates that object (a float also the 1-tuple
#     struct.unpack_from returns); str and bytes allocate their copy;
#   - sub-messages, repeated fields and maps give small objects (View,
#     Repeated, MapView) that scan when used.
# The first view of each message class builds an index of its rows (once).
import struct
import sys

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


from buffa import wire
from buffa.wire import DecodeError, _LAX_UTF8
from buffa.message import _DEFAULT_OPTIONS

_unpack_from = struct.unpack_from

try:
    # Native loops for the scan and the reads, where the port has viper
    # and the module is installed (lib/buffa_viper_view.py); the Python
    # loops here give the same answers and run where they cannot (and say
    # what is wrong when the input is bad).
    from buffa_viper_view import view_last as _native_last, view_entry as _native_entry, view_scan as _native_scan
except Exception:
    _native_last = _native_entry = _native_scan = None

# field types and flags, as in buffa.wire
_DOUBLE = const(1)
_FLOAT = const(2)
_INT64 = const(3)
_INT32 = const(5)
_FIXED64 = const(6)
_FIXED32 = const(7)
_BOOL = const(8)
_STRING = const(9)
_GROUP = const(10)
_MESSAGE = const(11)
_BYTES = const(12)
_UINT32 = const(13)
_ENUM = const(14)
_SFIXED32 = const(15)
_SFIXED64 = const(16)
_SINT32 = const(17)
_SINT64 = const(18)
_REPEATED = const(1)
_MAP = const(4)
_PRESENCE = const(8)
_ONEOF = const(16)
_CLOSED = const(64)
_VERIFY = const(128)

# wire type of each field type
_WT = (0, 1, 5, 0, 0, 0, 1, 5, 0, 2, 3, 2, 2, 0, 0, 5, 1, 0, 0)
# bytes of a fixed-width value by wire type (1: 8 bytes, 5: 4 bytes)
_WIDTH = (0, 8, 0, 0, 0, 4)

# ---- per-class index ------------------------------------------------------
# cls -> (name -> row, number -> row, oneof name -> rows, tag -> what the
# scan does with the field, name -> how to read a plain singular scalar).
# Built on the first view of a class; names are the attribute and the
# proto name.
_INDEX = {}

# scan actions, by tag: (kind, what)
_A_MESSAGE = const(1)  # a sub-message (wire type 2) of class what
_A_GROUP = const(2)  # a group (wire type 3) of class what
_A_ENTRY = const(3)  # a map entry; what: actions of the entry
_A_PACKED = const(4)  # a packed run; what: field type


def _index(c):
    x = _INDEX.get(c)
    if x is None:
        names = {}
        nums = {}
        oneofs = {}
        acts = {}
        plain = {}
        lazy = {}
        maps = {}
        for row in c._buffa_f:
            names[row[5]] = row
            names[row[0]] = row
            num = row[1]
            nums[num] = row
            typ = row[2]
            f = row[3]
            if f & _ONEOF:
                oneofs[row[8]] = oneofs.get(row[8], ()) + (row,)
            if f & _MAP:
                # in plain too: View.__getattr__ finds a map with the same
                # lookup as a scalar (its description's item 6 is None)
                maps[row[0]] = maps[row[5]] = plain[row[0]] = plain[row[5]] = _map_desc(row)
            elif f & _REPEATED:
                lazy[row[0]] = lazy[row[5]] = row
            if f & _MAP:
                v = row[4][1]
                acts[num << 3 | 2] = (_A_ENTRY, {18: (_A_MESSAGE, v[4])} if v[2] == _MESSAGE else {})
            elif typ == _MESSAGE:
                acts[num << 3 | 2] = (_A_MESSAGE, row[4])
            elif typ == _GROUP:
                acts[num << 3 | 3] = (_A_GROUP, row[4])
            elif f & _REPEATED:
                if _packable(typ):
                    acts[num << 3 | 2] = (_A_PACKED, typ)
            elif not f & _ONEOF:
                # (tag, type, flags, value when absent, closed enum's
                # numbers, bytes of a varint the native read may decode,
                # whether the native read applies)
                known = _closed(row)
                plain[row[0]] = plain[row[5]] = (
                    num << 3 | _WT[typ], typ, f, None if f & _PRESENCE else row[7], known,
                    _NATIVE_BYTES[typ] if known is None else 0, known is None and _native_last is not None)
        # (name -> row, number -> row, oneof -> rows, tag -> scan action,
        # name -> plain singular scalar, name -> repeated row, name -> map,
        # the class)
        x = _INDEX[c] = (names, nums, oneofs, acts, plain, lazy, maps, c)
    return x


def _map_desc(row):
    # A map field for MapView: (row, the tags view_entry takes where it
    # can look the key up (str keys, values other than messages and
    # closed enums; 0 elsewhere), the value's type, flags and default, the
    # function that reads a value: _text for strings and bytes, a call
    # fewer than through _scalar; None: what tells View.__getattr__ this
    # is a map, where a plain scalar's description has a bool).
    krow, vrow = row[4]
    vt = vrow[2]
    fast = 0
    if (_native_entry is not None and krow[2] == _STRING and vt != _MESSAGE and not vrow[3] & _CLOSED
            and row[1] < 1 << 20):
        fast = (row[1] << 3 | 2) << 8 | 16 | _WT[vt]
    return (row, fast, vt, vrow[3], vrow[7], _text if vt == _STRING or vt == _BYTES else _scalar, None)


# The longest varint (in bytes) that lib/buffa_viper_view.py's view_last
# decodes itself for a field type, where its value is the varint itself:
# values below 2^28 for 32-bit types and on 32-bit ports (a machine word
# there), below 2^63 for 64-bit types on a 64-bit port; 0: Python decodes
# (bool, sint, fixed, floats, strings).
_B64 = 9 if sys.maxsize > 0xFFFFFFFF else 4
_NATIVE_BYTES = (0, 0, 0, _B64, _B64, 4, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0)


def _packable(typ):
    return typ != _STRING and typ != _BYTES and typ != _MESSAGE and typ != _GROUP


# ---- the scan at view() time ---------------------------------------------
# Everything the generated decoder would reject for the framing: truncated
# or overlong varints and tags, lengths past the end, field number 0, bad
# wire types, unmatched groups, nesting past the recursion limit, packed
# runs that do not divide into values. Field contents (UTF-8, enum values)
# are checked when the field is read. Known extensions are validated as
# buffa.wire.unknown does.


def check(c, b, p, e, dp, eg):
    # Check the message of class c in b[p:e]; return where it ends (after
    # the end-group tag eg, for a group). The native scan, where there is
    # one, checks the whole tree of a message in one call; anything it
    # leaves (and every malformed input) takes the Python scan below.
    if _native_scan is not None and not eg:
        t = _TREE.get(c)
        if t is None:
            t = _TREE[c] = _tree(c)
        if t is not False and _native_scan(b, p, e, t[0], 0, dp) == -1:
            for k in t[1]:
                if k._buffa_x is not None:
                    break  # gained an extension since: validated in Python
            else:
                return e
    return _check(_index(c)[3], c, b, p, e, dp, eg)


def _check(acts, c, b, p, e, dp, eg):
    # c: the class, for its extensions (None for a map entry)
    if dp < 0:
        raise DecodeError("recursion limit exceeded", p, "recursion")
    while p < e:
        s = p
        t = b[p]
        p += 1
        if t > 127:
            p = _tag_end(b, s, e)
            t = _read_varint(b, s)
        if t < 8:
            raise DecodeError("field number 0", s, "tag")
        w = t & 7
        if w == 0:
            if p < e and b[p] < 128:
                p += 1
            else:
                p = _skip_varint(b, p, e)
        elif w == 2:
            if p >= e:
                raise DecodeError("truncated length", p)
            r = p
            n = b[p]
            p += 1
            if n > 127:
                n = _long_varint(b, p, e, n)
                p = _varint_end(b, p - 1)
            q = p + n
            if q > e:
                raise DecodeError("length past the end", p)
            a = acts.get(t)
            if a is not None:
                k = a[0]
                if k == _A_MESSAGE:
                    _check(_index(a[1])[3], a[1], b, p, q, dp - 1, 0)
                elif k == _A_ENTRY:
                    # the entry is no level of its own (as decoding counts)
                    if a[1]:
                        _check(a[1], None, b, p, q, dp - 1 if dp else 0, 0)
                    else:
                        _check_flat(b, p, q, dp)
                else:
                    _check_packed(a[1], b, p, q)
            elif c is not None and c._buffa_x is not None:
                _extension(c, b, s, r, q, t, dp)
            p = q
        elif w == 3:
            a = acts.get(t)
            if a is not None:
                p = _check(_index(a[1])[3], a[1], b, p, e, dp - 1, (t & ~7) | 4)
            else:
                q = wire.skip(b, p, e, t, dp)
                if c is not None and c._buffa_x is not None:
                    _extension(c, b, s, p, q, t, dp)
                p = q
        elif w == 4:
            if t == eg:
                return p
            raise DecodeError("unexpected end-group tag", p, "group")
        else:
            p = _skip_fixed(b, p, e, t)
    if p != e:
        raise DecodeError("truncated message", e)
    if eg:
        raise DecodeError("truncated group", e)
    return p


# cls -> (the program of the native scan, the classes it covers), or False
# where that scan cannot run (groups, extensions, tags past two bytes, more
# than 239 kinds of node). The program, for lib/buffa_viper_view.py's
# view_scan, is bytes: a little-endian u16 offset per node, then at each
# offset the node's count n and n entries (tag: u16, what: a node index
# below 0xF0, or 0xF1 a packed varint run, 0xF2 packed 4-byte, 0xF3 packed
# 8-byte values). Node 0 is the class itself; a map entry is a node of its own.
_TREE = {}
_PACKED_KIND = (0, 0xF3, 0xF2, 0xF1, 0xF1, 0xF1, 0xF3, 0xF2, 0xF1, 0, 0, 0, 0, 0xF1, 0xF1, 0xF2, 0xF3, 0xF1, 0xF1)


def _tree(c):
    nodes = []  # [acts, entries]
    seen = {}  # id(acts) -> node index
    classes = []

    def node(acts, k):
        if k is not None:
            if k._buffa_x is not None:
                raise ValueError
            classes.append(k)
        i = seen.get(id(acts))
        if i is not None:
            return i
        i = seen[id(acts)] = len(nodes)
        ent = []
        nodes.append(ent)
        for t in acts:
            a = acts[t]
            if t > 0xFFFF or a[0] == _A_GROUP:
                raise ValueError
            if a[0] == _A_PACKED:
                ent.append((t, _PACKED_KIND[a[1]]))
            elif a[0] == _A_ENTRY:
                ent.append((t, node(a[1], None)))
            else:
                ent.append((t, node(_index(a[1])[3], a[1])))
        return i

    try:
        node(_index(c)[3], c)
    except ValueError:
        return False
    if len(nodes) >= 0xF0:
        return False
    out = bytearray(2 * len(nodes))
    for i in range(len(nodes)):
        o = len(out)
        out[2 * i] = o & 255
        out[2 * i + 1] = o >> 8
        out.append(len(nodes[i]))
        for t, k in nodes[i]:
            out.append(t & 255)
            out.append(t >> 8)
            out.append(k)
    if len(out) > 0xFFFF:
        return False
    return bytes(out), tuple(classes)


def _check_flat(b, p, e, dp):
    # A message without sub-messages (a map entry of scalars or strings):
    # framing only. A function of few locals: MicroPython keeps its frame
    # on the C stack (docs/design.md section 2).
    while p < e:
        t = b[p]
        if t == 10 or t == 18:
            # key or value with a one-byte length, the usual entry
            p += 2
            if p > e:
                raise DecodeError("truncated length", e)
            t = b[p - 1]
            if t < 128:
                p += t
                if p > e:
                    raise DecodeError("length past the end", p - t)
                continue
            p -= 2
        p = _skip_field(b, p, e, dp)


def _skip_field(b, s, e, dp):
    # The end of the field at s (tag included), checked.
    p = s + 1
    t = b[s]
    if t > 127:
        p = _tag_end(b, s, e)
        t = _read_varint(b, s)
    return _skip_checked(b, p, e, t, dp)


def _extension(c, b, s, p, q, t, dp):
    # A field the table lacks that is a known extension: validated as
    # buffa.wire.unknown does (p: after the tag).
    x = c._buffa_x.get(t >> 3)
    if x is not None and (t >> 3) not in _index(c)[1]:
        x.validate(b, p, q, t & 7, dp)


def _tag_end(b, s, e):
    # The end of a tag of two to five bytes at s (as buffa.wire.tag checks).
    p = s + 1
    while True:
        if p >= e:
            raise DecodeError("truncated varint", p)
        y = b[p]
        p += 1
        if y < 128:
            if p - s == 5 and y > 15:
                raise DecodeError("invalid tag", s, "tag")
            return p
        if p - s == 5:
            raise DecodeError("invalid tag", s, "tag")


def _long_varint(b, p, e, v):
    # Continue a varint (a length) whose first byte v > 127 was at p - 1,
    # without the (value, position) tuple buffa.wire.varint returns.
    v &= 127
    k = 7
    while True:
        if p >= e:
            raise DecodeError("truncated varint", p)
        y = b[p]
        p += 1
        v |= (y & 127) << k
        if y < 128:
            return v
        k += 7
        if k > 63:
            raise DecodeError("varint longer than 10 bytes", p - 1, "varint")


def _skip_varint(b, p, e):
    k = p
    while True:
        if p >= e:
            raise DecodeError("truncated varint", p)
        y = b[p]
        p += 1
        if y < 128:
            if p - k == 10 and y > 1:
                raise DecodeError("varint overflows 64 bits", p - 1, "varint")
            return p
        if p - k == 10:
            raise DecodeError("varint longer than 10 bytes", p - 1, "varint")


def _skip_fixed(b, p, e, t):
    w = t & 7
    if w == 1 or w == 5:
        p += _WIDTH[w]
        if p > e:
            raise DecodeError("field past the end", e)
        return p
    raise DecodeError("invalid wire type %d" % w, p, "wire_type")


def _skip_checked(b, p, e, t, dp):
    # wire.skip, allocation-free for lengths of any size.
    w = t & 7
    if t < 8:
        raise DecodeError("field number 0", p, "tag")
    if w == 0:
        return _skip_varint(b, p, e)
    if w == 2:
        if p >= e:
            raise DecodeError("truncated length", p)
        n = b[p]
        p += 1
        if n > 127:
            n = _long_varint(b, p, e, n)
            p = _varint_end(b, p - 1)
        p += n
        if p > e:
            raise DecodeError("field past the end", e)
        return p
    if w == 3 or w == 4:
        return wire.skip(b, p, e, t, dp)
    return _skip_fixed(b, p, e, t)


def _check_packed(typ, b, p, q):
    w = _WT[typ]
    if w == 0:
        while p < q:
            p = _skip_varint(b, p, q)
    elif (q - p) % _WIDTH[w]:
        raise DecodeError("packed field length not a multiple of %d" % _WIDTH[w], p, "packed")


# ---- reading checked bytes ------------------------------------------------
# Past the scan the framing is known to be good, so these read without
# bounds checks (a buffer changed after view() may read wrong or raise
# IndexError: docs/views.md).


def _read_varint(b, p):
    v = b[p]
    if v < 128:
        return v
    v &= 127
    k = 7
    while True:
        p += 1
        y = b[p]
        v |= (y & 127) << k
        if y < 128:
            return v
        k += 7


def _varint_end(b, p):
    while b[p] > 127:
        p += 1
    return p + 1


def _skip(b, p, t):
    # The end of the field whose tag t ended at p.
    w = t & 7
    if w == 0:
        while b[p] > 127:
            p += 1
        return p + 1
    if w == 2:
        n = b[p]
        if n < 128:
            return p + 1 + n
        return _varint_end(b, p) + _read_varint(b, p)
    if w == 3:
        # to the matching end-group tag
        while True:
            g = _read_varint(b, p)
            p = _varint_end(b, p)
            if g & 7 == 4:
                return p
            p = _skip(b, p, g)
    return p + _WIDTH[w]


def _last(b, p, e, tag, known=None):
    # The payload position of the last field with this tag in b[p:e], -1 if
    # none: how a singular field's value is found (last one wins). known: a
    # closed enum's numbers; a value it lacks does not count (decoding sends
    # it to the unknown fields). Few locals, to keep the frame off the heap.
    r = -1
    while p < e:
        t = b[p]
        p += 1
        if t > 127:
            t = _read_varint(b, p - 1)
            p = _varint_end(b, p - 1)
        if t == tag and (known is None or _has(known, b, p)):
            r = p
        if t & 7 == 0 and b[p] < 128:
            p += 1
        elif t & 7 == 2 and b[p] < 128:
            p += 1 + b[p]
        else:
            p = _skip(b, p, t)
    return r


def _has(known, b, p):
    return _scalar(_ENUM, 0, b, p) in known


def _fields(b, p, e):
    # (tag, field start, payload start, field end) of each field in b[p:e].
    while p < e:
        s = p
        t = _read_varint(b, p)
        p = _varint_end(b, p)
        q = _skip(b, p, t)
        yield t, s, p, q
        p = q


def _scalar(typ, fl, b, p):
    # The value of a non-message field whose payload starts at p.
    w = _WT[typ]
    if w == 0:
        # Masks only where a value needs them: on a 32-bit port 0xFFFFFFFF
        # is a long int, and v & 0xFFFFFFFF allocates even for a small v.
        v = b[p]
        if v > 127:
            v = _read_varint(b, p)
        if typ == _INT32 or typ == _ENUM:
            if v > 0x7FFFFFFF:
                v &= 0xFFFFFFFF
                return v - 0x100000000 if v > 0x7FFFFFFF else v
            return v
        if typ == _BOOL:
            return v != 0
        if typ == _SINT32:
            if v > 0xFFFFFFFF:
                v &= 0xFFFFFFFF
            return (v >> 1) ^ -(v & 1)
        if typ == _SINT64:
            return (v >> 1) ^ -(v & 1)
        if typ == _UINT32:
            return v & 0xFFFFFFFF if v > 0xFFFFFFFF else v
        if typ == _INT64 and v > 0x7FFFFFFFFFFFFFFF:
            return v - 0x10000000000000000
        return v
    if w == 2:
        return _text(typ, fl, b, p)
    return _fixed(typ, w, b, p)


# _scalar's string and fixed-width cases are functions of their own: a
# frame of more than 11 slots of locals and stack goes on the heap at each
# call on MicroPython (allocated and freed), so each keeps within that.


def _text(typ, fl, b, p):
    # a string or bytes field's value, its length prefix at p. The str is
    # made here rather than through wire.string_lax and wire.string: two
    # Python calls fewer per string read.
    n = b[p]
    if n < 128:
        q = p + 1
    else:
        q = _varint_end(b, p)
        n = _read_varint(b, p)
    p = q + n
    if typ == _BYTES:
        return bytes(b[q:p])
    # (the try takes this frame past 11 slots, onto the heap: still
    # cheaper than a helper call for it, docs/design.md section 12)
    try:
        n = str(b[q:p], "utf-8")
    except UnicodeError:
        n = None
    if n is None or _LAX_UTF8 and len(n) != p - q:
        return _text_check(fl, b, q, p, n)
    return n


def _text_check(fl, b, q, p, s):
    # A payload that is not ASCII (s: what the codec made of it, None if
    # it refused): as buffa.wire.string (VERIFY) and string_lax decide,
    # without decoding it again.
    try:
        if s is None:
            raise DecodeError("invalid UTF-8 in string field", q, "utf8")
        wire.strict_utf8(b, q, p)  # MicroPython's codec is lax
        return s
    except DecodeError:
        if fl & _VERIFY:
            raise
        return bytes(b[q:p])


def _fixed(typ, w, b, p):
    if typ == _FLOAT:
        return _unpack_from("<f", b, p)[0]
    if typ == _DOUBLE:
        return _unpack_from("<d", b, p)[0]
    # fixed and sfixed, byte by byte: no tuple from struct
    n = _WIDTH[w]
    v = 0
    i = p + n
    while i > p:
        i -= 1
        v = v << 8 | b[i]
    if (typ == _SFIXED32 or typ == _SFIXED64) and b[p + n - 1] > 127:
        v -= 1 << (8 * n)
    return v


def _payload(b, p, t):
    # (start, end) of the payload of a field whose tag t ended at p; for a
    # group, its body without the end-group tag.
    if t & 7 == 2:
        q = _varint_end(b, p)
        return q, q + _read_varint(b, p)
    return p, _skip(b, p, t) - wire.vsize((t & ~7) | 4)


def _closed(row):
    # A closed enum field's known numbers (for _last), else None.
    return row[4]._buffa_n if row[3] & _CLOSED else None


def _known(row, v):
    # A value of a closed enum field that the enum has (others go to the
    # unknown fields when decoding).
    return not row[3] & _CLOSED or v in row[4]._buffa_n


def _valid(row, b, t, p):
    # Whether the field with tag t (payload at p) sets row's value, as the
    # generated decoder decides: the right wire type, a known closed-enum value.
    typ = row[2]
    if t & 7 != _WT[typ]:
        return False
    return typ != _ENUM or _known(row, _scalar(typ, row[3], b, p))


# ---- views ----------------------------------------------------------------


def view(cls, data, options=None):
    o = options or _DEFAULT_OPTIONS
    if type(data) is not bytes and type(data) is not bytearray and type(data) is not memoryview:
        raise TypeError("view() needs bytes, bytearray or memoryview")
    n = len(data)
    if n > o.max_size:
        raise DecodeError("message of %d bytes exceeds max_size %d" % (n, o.max_size), 0, "size")
    try:
        check(cls, data, 0, n, o.recursion_limit, 0)
    except DecodeError:
        raise
    except RuntimeError:
        # MicroPython's own C-stack guard (CPython's RecursionError)
        raise DecodeError("recursion too deep for this device", -1, "stack")
    return _new(cls, data, 0, n)


def _attr(v, name, f):
    # View.__getattr__ for all but its native reads and maps (f: the plain
    # scalar row of name, None if name is no plain scalar).
    x = v._x
    if f is not None:
        b = v._b
        p = _last(b, v._p, v._e, f[0], f[4])
        if p < 0:
            return f[3]
        return _scalar(f[1], f[2], b, p)
    row = x[5].get(name)
    if row is not None:
        r = Repeated()
        r._n = -1
        r._v = v
        r._r = row
        return r
    row = x[0].get(name)
    if row is None:
        raise AttributeError(name)
    return field(v, row)


def _new(c, b, p, e):
    # A View of class c's message in b[p:e] (made without __init__: a
    # Python call fewer, for each element a Repeated yields).
    v = View()
    v._x = _INDEX.get(c) or _index(c)
    v._b = b
    v._p = p
    v._e = e
    return v


class View:
    """A read-only message over encoded bytes (Message.view()). Fields read
    as attributes, decoded on each read; see docs/views.md."""

    # _x the message class's index (_index; the class is _x[7]: reads
    # find their field without looking the class up), _b buffer, _p/_e
    # the message's bytes. Four attributes: a fifth takes a MicroPython
    # instance from 96 to 128 bytes (nesting depth needs no keeping:
    # view() checked it).
    __slots__ = ("_x", "_b", "_p", "_e")

    def __getattr__(self, name):
        # The common read, a plain singular scalar, is this function alone;
        # its locals and stack stay within 11 slots: MicroPython puts a
        # larger frame on the heap at each call (allocated and freed;
        # keeping within it saved about a tenth of a read on the unix
        # port, docs/design.md section 12).
        f = self._x[4].get(name)
        if f is not None:
            if f[6]:
                p = _native_last(self._b, self._p, self._e, f[0], f[5])
                if p >= 0:
                    if f[5]:
                        return p  # the varint's value, decoded natively
                    return _scalar(f[1], f[2], self._b, p)
                if p == -1:
                    return f[3]
            elif f[6] is None:
                # a map (_map_desc): an object that scans when used (made
                # without __init__: a Python call fewer)
                p = MapView()
                p._v = self
                p._r = f
                return p
        return _attr(self, name, f)

    # ---- the Message API that applies to a read-only message ---------------

    def get(self, name):
        """The field's value, or its default if unset (as Message.get)."""
        row = _row(self, name)
        v = field(self, row)
        if v is None:
            return row[7]
        return v

    def has_field(self, name):
        row = _row(self, name)
        f = row[3]
        if f & (_REPEATED | _MAP) or not f & (_PRESENCE | _ONEOF):
            raise ValueError("field %r has no presence" % name)
        if f & _ONEOF:
            return self.which_oneof(row[8]) == row[0]
        return _last(self._b, self._p, self._e, row[1] << 3 | _WT[row[2]], _closed(row)) >= 0

    def which_oneof(self, oneof):
        rows = self._x[2].get(oneof)
        if rows is None:
            raise ValueError("%s has no oneof %r" % (self._x[7]._buffa_name, oneof))
        r = _case(self, rows)
        return r[0] if r else None

    def raw(self, name):
        """A string or bytes field's payload as bytes, without making a str
        (last occurrence; b"" if unset)."""
        row = _row(self, name)
        if row[2] != _STRING and row[2] != _BYTES or row[3] & (_REPEATED | _MAP):
            raise ValueError("field %r is not a singular string or bytes field" % name)
        if row[3] & _ONEOF and self.which_oneof(row[8]) != row[0]:
            return b""
        b = self._b
        x = _last(b, self._p, self._e, row[1] << 3 | 2)
        if x < 0:
            return b""
        q = _varint_end(b, x)
        return bytes(b[q : q + _read_varint(b, x)])

    def unknown_fields(self):
        """The raw bytes of fields the schema does not know (b"" if none),
        as Message.unknown_fields() gives them after decoding."""
        return bytes(_unknown(self))

    def encode(self):
        """The bytes this view covers, unknown fields included, as given."""
        b = self._b
        if self._p == 0 and self._e == len(b) and type(b) is bytes:
            return b
        return bytes(b[self._p : self._e])

    def encoded_size(self):
        return self._e - self._p

    def to_message(self):
        """The owned message, built from this view's fields."""
        return _to_message(self)

    def __eq__(self, other):
        if isinstance(other, View):
            return other._x is self._x and self.to_message() == other.to_message()
        return self.to_message() == other

    __hash__ = None

    def __repr__(self):
        return "<view of %s, %d bytes>" % (self._x[7]._buffa_name, self._e - self._p)


def _row(v, name):
    row = v._x[0].get(name)
    if row is None:
        raise ValueError("%s has no field %r" % (v._x[7]._buffa_name, name))
    return row


def field(v, row):
    # The value of row's field in view v, as the decoded message would hold it.
    f = row[3]
    if f & (_MAP | _REPEATED):
        return v.__getattr__(row[0])  # a MapView or a Repeated
    typ = row[2]
    if f & _ONEOF:
        r = _case(v, v._x[2][row[8]])
        if r is not row:
            return None
        if typ == _MESSAGE or typ == _GROUP:
            return _sub(v, row, _since(v, row))
        return _scalar(typ, f, v._b, _last(v._b, v._p, v._e, row[1] << 3 | _WT[typ], _closed(row)))
    if typ == _MESSAGE or typ == _GROUP:
        return _sub(v, row, v._p)
    x = _last(v._b, v._p, v._e, row[1] << 3 | _WT[typ], _closed(row))
    if x < 0:
        return None if f & _PRESENCE else row[7]
    return _scalar(typ, f, v._b, x)


def _case(v, rows):
    # The member of a oneof that the message holds: the last valid
    # occurrence of any member; None if none.
    b = v._b
    case = None
    for t, s, p, q in _fields(b, v._p, v._e):
        for row in rows:
            if t >> 3 == row[1] and _valid(row, b, t, p):
                case = row
    return case


def _since(v, row):
    # Where the run of the oneof member row's occurrences starts: after the
    # last occurrence of another member (which reset the case).
    b = v._b
    rows = v._x[2][row[8]]
    start = v._p
    for t, s, p, q in _fields(b, v._p, v._e):
        for r in rows:
            if r is not row and t >> 3 == r[1] and _valid(r, b, t, p):
                start = q
    return start


def _sub(v, row, start):
    # The sub-message of row from start on: its occurrences merge (None if
    # there are none).
    b = v._b
    tag = row[1] << 3 | _WT[row[2]]
    one = None
    more = None
    for t, s, p, q in _fields(b, start, v._e):
        if t == tag:
            x = _payload(b, p, t)
            if one is None:
                one = x
            else:
                # Merging is decoding the concatenation: the rare case of a
                # repeated occurrence costs a copy of the pieces.
                if more is None:
                    more = bytearray(b[one[0] : one[1]])
                more += b[x[0] : x[1]]
    if one is None:
        return None
    if more is not None:
        return _new(row[4], bytes(more), 0, len(more))
    return _new(row[4], b, one[0], one[1])


def _messages(b, p, e, tag, c):
    # The sub-messages with this tag in b[p:e], as views.
    x = _index(c)
    while p < e:
        t = b[p]
        p += 1
        if t > 127:
            t = _read_varint(b, p - 1)
            p = _varint_end(b, p - 1)
        if t == tag:
            n = b[p]
            if n < 128:
                p += 1
            elif b[p + 1] < 128:
                # two bytes (elements of 128 B to 16 KB), without a call
                n = (n & 127) | b[p + 1] << 7
                p += 2
            else:
                q = _varint_end(b, p)
                n = _read_varint(b, p)
                p = q
            v = View()
            v._x = x
            v._b = b
            v._p = p
            v._e = p + n
            yield v
            p += n
        else:
            p = _skip(b, p, t)


def _elements(v, row):
    # The elements of a repeated field that is not a message field: packed
    # runs and single values, in order.
    b = v._b
    typ = row[2]
    fl = row[3]
    num = row[1]
    wt = _WT[typ]
    known = _closed(row)
    packable = _packable(typ)
    for t, s, p, q in _fields(b, v._p, v._e):
        if t >> 3 != num:
            continue
        w = t & 7
        if w == wt:
            if wt == 3:
                x = _payload(b, p, t)
                yield _new(row[4], b, x[0], x[1])
            else:
                x = _scalar(typ, fl, b, p)
                if known is None or x in known:
                    yield x
        elif w == 2 and packable:
            p, q = _payload(b, p, t)
            if wt == 0:
                while p < q:
                    x = b[p]
                    if x < 128 and typ != _SINT32 and typ != _SINT64 and typ != _BOOL:
                        p += 1  # a one-byte value is itself (not zigzag, not bool)
                    else:
                        x = _scalar(typ, fl, b, p)
                        p = _varint_end(b, p)
                    if known is None or x in known:
                        yield x
            else:
                k = _WIDTH[wt]
                while p < q:
                    yield _scalar(typ, fl, b, p)
                    p += k


class Repeated:
    """A repeated field of a view: len(), iteration and indexing decode one
    element at a time (message elements are views)."""

    # made by View.__getattr__ and field(): _v the view, _r the field's
    # row, _n the length once counted (-1 before)
    __slots__ = ("_v", "_r", "_n")

    def __iter__(self):
        v = self._v
        row = self._r
        if row[2] == _MESSAGE:
            return _messages(v._b, v._p, v._e, row[1] << 3 | 2, row[4])
        return _elements(v, row)

    def __len__(self):
        if self._n < 0:
            n = 0
            for x in self:
                n += 1
            self._n = n
        return self._n

    def __getitem__(self, i):
        if type(i) is not int:
            raise TypeError("Repeated indices must be integers")
        if i < 0:
            i += len(self)
        if i >= 0:
            for x in self:
                if i == 0:
                    return x
                i -= 1
        raise IndexError("index out of range")

    def __eq__(self, other):
        return list(self) == list(other)

    __hash__ = None

    def __repr__(self):
        return repr(list(self))


_MISSING = object()
_key_bytes = [None, b""]


def _utf8(key):
    # key's UTF-8 (None if key is no str); the last key's is kept: a loop
    # asks for the same key
    if type(key) is not str:
        return None
    if _key_bytes[0] is not key:
        _key_bytes[1] = key.encode()
        _key_bytes[0] = key
    return _key_bytes[1]


def _same(b, p, kb):
    # Whether the length-prefixed bytes at p are kb.
    n = b[p]
    if n > 127:
        n = _read_varint(b, p)
    if n != len(kb):
        return False
    p = _varint_end(b, p)
    i = 0
    while i < n:
        if b[p + i] != kb[i]:
            return False
        i += 1
    return True


class MapView:
    """A map field of a view: lookups and iteration scan its entries (the
    last entry for a key wins, as in decoding); message values are views."""

    # made by View.__getattr__ and field(): _v the view, _r the field's
    # description (_map_desc: its row first)
    __slots__ = ("_v", "_r")

    def _entries(self):
        # (key, value) of each entry, in order, values not yet decoded:
        # (start, end) of the value's payload, None for an absent value, or
        # a bytes of merged message-value pieces.
        v = self._v
        b = v._b
        krow, vrow = self._r[0][4]
        tag = self._r[0][1] << 3 | 2
        kt = krow[2]
        vt = vrow[2]
        vtag = 16 | _WT[vt]
        for t, s, p, q in _fields(b, v._p, v._e):
            if t != tag:
                continue
            p, q = _payload(b, p, t)
            k = None
            x = None
            for t2, s2, p2, q2 in _fields(b, p, q):
                if t2 == (8 | _WT[kt]):
                    k = p2
                elif t2 == vtag:
                    if vt == _MESSAGE and x is not None:
                        # value pieces merge
                        y = _payload(b, p2, t2)
                        x = (bytes(b[x[0] : x[1]]) if type(x) is tuple else x) + bytes(b[y[0] : y[1]])
                    else:
                        x = _payload(b, p2, t2) if vt == _MESSAGE else p2
            if vt == _ENUM and x is not None and not _known(vrow, _scalar(vt, 0, b, x)):
                continue  # the whole entry goes to the unknown fields
            yield (krow[7] if k is None else _scalar(kt, krow[3], b, k)), x

    def _value(self, x):
        vrow = self._r[0][4][1]
        v = self._v
        if vrow[2] == _MESSAGE:
            if x is None:
                return _new(vrow[4], b"", 0, 0)
            if type(x) is tuple:
                return _new(vrow[4], v._b, x[0], x[1])
            return _new(vrow[4], x, 0, len(x))
        if x is None:
            return vrow[7]
        return _scalar(vrow[2], vrow[3], v._b, x)

    def __getitem__(self, key):
        x = self._find(key)
        if x is _MISSING:
            raise KeyError(key)
        return x

    def get(self, key, default=None):
        # The usual lookup (a str key; _map_desc says when) in one native
        # call, within 11 slots of locals and stack (see View.__getattr__).
        x = self._r[1] and (_key_bytes[1] if _key_bytes[0] is key else _utf8(key))
        if x:
            r = self._v
            x = _native_entry(r._b, r._p, r._e, self._r[1], x)
            if x == -1:
                return default
            r = self._r
            if x == -3:
                return r[4]
            if x >= 0:
                return r[5](r[2], r[3], self._v._b, x)
        x = self._find(key)
        return default if x is _MISSING else x

    def __contains__(self, key):
        return self._find(key) is not _MISSING

    def _find(self, key):
        # The value for key (the last entry's), _MISSING if none. Keys are
        # compared as encoded: a str key's UTF-8 against the entry's bytes,
        # without making a str of every key scanned.
        krow, vrow = self._r[0][4]
        vt = vrow[2]
        if vt == _MESSAGE or vrow[3] & _CLOSED:
            return self._find_slow(key)
        v = self._v
        b = v._b
        kt = krow[2]
        ktag = 8 | _WT[kt]
        vtag = 16 | _WT[vt]
        kb = None
        if kt == _STRING:
            if type(key) is not str:
                return _MISSING
            kb = _utf8(key)
        tag = self._r[0][1] << 3 | 2
        p = v._p
        e = v._e
        found = -2  # -2: no entry; -1: an entry without a value
        if kb is not None and _native_entry is not None:
            x = _native_entry(b, p, e, tag << 8 | vtag, kb)
            if x != -2:
                found = -2 if x == -1 else -1 if x == -3 else x
                e = p  # done
        while p < e:
            t = b[p]
            p += 1
            if t > 127:
                t = _read_varint(b, p - 1)
                p = _varint_end(b, p - 1)
            if t != tag:
                p = _skip(b, p, t)
                continue
            n = b[p]
            if n < 128:
                p += 1
            else:
                q = _varint_end(b, p)
                n = _read_varint(b, p)
                p = q
            q = p + n
            kp = -1
            vp = -1
            while p < q:
                t = b[p]
                p += 1
                if t > 127:
                    t = _read_varint(b, p - 1)
                    p = _varint_end(b, p - 1)
                if t == ktag:
                    kp = p
                elif t == vtag:
                    vp = p
                p = _skip(b, p, t)
            if kp < 0:
                if key == krow[7]:
                    found = vp
            elif kb is not None:
                if _same(b, kp, kb):
                    found = vp
            elif _scalar(kt, krow[3], b, kp) == key:
                found = vp
        if found == -2:
            return _MISSING
        if found == -1:
            return vrow[7]
        return _scalar(vt, vrow[3], b, found)

    def _find_slow(self, key):
        found = False
        x = None
        for k, y in self._entries():
            if k == key:
                found = True
                x = y
        return self._value(x) if found else _MISSING

    def items(self):
        # in the order of each key's first entry, with its last value (as a
        # dict filled entry by entry)
        last = {}
        for k, x in self._entries():
            last[k] = x
        for k in last:
            yield k, self._value(last[k])

    def keys(self):
        for k, x in self.items():
            yield k

    __iter__ = keys

    def values(self):
        for k, x in self.items():
            yield x

    def __len__(self):
        n = 0
        for k in self.keys():
            n += 1
        return n

    def __eq__(self, other):
        return dict(self.items()) == dict(other.items())

    __hash__ = None

    def __repr__(self):
        return repr(dict(self.items()))


def _unknown(v):
    # The fields that decoding keeps as unknown, in order: numbers the table
    # lacks, wrong wire types, closed-enum values the enum lacks (from a
    # packed run: one unpacked field each), map entries with such a value.
    b = v._b
    nums = v._x[1]
    out = bytearray()
    for t, s, p, q in _fields(b, v._p, v._e):
        row = nums.get(t >> 3)
        w = t & 7
        if row is None:
            out += b[s:q]
            continue
        typ = row[2]
        f = row[3]
        if f & _MAP:
            if w != 2:
                out += b[s:q]
            elif row[4][1][2] == _ENUM and row[4][1][3] & _CLOSED:
                vrow = row[4][1]
                a, z = _payload(b, p, t)
                x = _last(b, a, z, 16)
                if x >= 0 and not _known(vrow, _scalar(_ENUM, 0, b, x)):
                    out += b[s:q]
        elif w == _WT[typ]:
            if typ == _ENUM and f & _CLOSED and not _known(row, _scalar(_ENUM, 0, b, p)):
                out += b[s:q]
        elif w == 2 and f & _REPEATED and _packable(typ):
            if typ == _ENUM and f & _CLOSED:
                a, z = _payload(b, p, t)
                while a < z:
                    x = _scalar(_ENUM, 0, b, a)
                    if not _known(row, x):
                        # as buffa.wire.unknown_varint writes it
                        k = row[1] << 3
                        tmp = bytearray(wire.vsize(k) + wire.vsize(x))
                        wire.put_varint(tmp, wire.put_varint(tmp, 0, k), x)
                        out += tmp
                    a = _varint_end(b, a)
        else:
            out += b[s:q]
    return out


def _to_message(v):
    c = v._x[7]
    m = c._buffa_n()
    for row in c._buffa_f:
        f = row[3]
        a = row[0]
        x = field(v, row)
        if x is None:
            continue
        if f & _MAP:
            d = getattr(m, a)
            msg = row[4][1][2] == _MESSAGE
            for k, y in x.items():
                d[k] = y.to_message() if msg else y
        elif f & _REPEATED:
            lst = getattr(m, a)
            for y in x:
                lst.append(y.to_message() if isinstance(y, View) else y)
        else:
            setattr(m, a, x.to_message() if isinstance(x, View) else x)
    u = _unknown(v)
    if u:
        m._buffa_u = u
    return m
