# The C table encoder (natmod/buffa_accel/table_encode.c) against the
# generated size and write functions it stands in for (each encoder keeps
# its own as .fallback): the same bytes for messages of every field shape
# filled with edge values, the same exception (type, EncodeError kind and
# field) for bad values, and proof that the C path ran (buffa_accel's
# counters), so that these cannot pass on the fallback alone. Runs where
# the accelerator loads (unix-accel, qemu-mps2, qemu-mps2-mpy); the
# differential protos (every field kind in one message, and the bad-value
# cases on it) where the heap is big enough to import them.
import gc

from mptest import requires, missing

MPTEST_REQUIRES = ("accel",)

from groups_editions import groups_proto2_pb as G  # noqa: E402
from presence import presence_proto2_pb as P2, presence_proto3_pb as P3  # noqa: E402
from scalars import repeated_pb as R  # noqa: E402

MODULES = [G, P2, P3, R]


def _big():
    # the differential protos' modules, where the heap allows
    if missing("bigheap"):
        return None
    from differential import differential_pb as D, differential2_pb as D2

    if D not in MODULES:
        MODULES.extend((D, D2))
    return D, D2


def _counts():
    # (messages sized or written in C, handed to Python) so far
    import buffa_accel

    return buffa_accel.encode_counts()
INF = float("inf")

EDGES = {
    1: (0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, INF, -INF, float("nan")),  # double
    2: (0.0, -0.0, 1.5, -2.25, 3.4e38, 1e-45, 1e300, INF, -INF, float("nan")),  # float
    3: (0, 1, -1, 2**62, 2**63 - 1, -(2**63), 1700000000000, -(2**40)),  # int64
    4: (0, 1, 127, 128, 2**63, 2**64 - 1, 2**30, 2**35),  # uint64
    5: (0, 1, -1, 127, 128, -128, 2**31 - 1, -(2**31), 300),  # int32
    6: (0, 1, 2**63, 2**64 - 1, 2**32),  # fixed64
    7: (0, 1, 127, 16384, 2**32 - 1),  # fixed32
    8: (True, False),  # bool
    9: ("", "a", "h\xe9llo \xfc", "x" * 130, "\u20ac" * 50, "\U0001f600", "x" * 200),  # string
    12: (b"", b"\x00\xff", bytes(range(200)), bytearray(b"ab")),  # bytes
    13: (0, 1, 127, 128, 16383, 16384, 2**32 - 1),  # uint32
    14: (0, 1, -1, 2, 1000, -5, 2**31 - 1),  # enum
    15: (0, 1, -1, 2**31 - 1, -(2**31)),  # sfixed32
    16: (0, 1, -1, 2**63 - 1, -(2**63)),  # sfixed64
    17: (0, 1, -1, 63, -64, 64, 8191, -8192, 2**31 - 1, -(2**31)),  # sint32
    18: (0, 1, -1, 2**63 - 1, -(2**63), 2**40),  # sint64
}


class _Rand:
    # xorshift32: the same messages on every runtime
    def __init__(self, seed):
        self.x = seed

    def below(self, n):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x % n

    def pick(self, seq):
        return seq[self.below(len(seq))]


def _value(rnd, typ, ref, depth):
    if typ in (10, 11):
        return _fill(rnd, ref, depth + 1)
    return rnd.pick(EDGES[typ])


def _fill(rnd, cls, depth=0):
    # a message of class cls with a random part of its fields set to edge
    # values (sub-messages down to two levels)
    m = cls()
    for attr, num, typ, flags, ref, name, _, _, oneof in cls._buffa_f:
        if rnd.below(3) == 0 or (typ in (10, 11) and depth >= 2):
            continue
        if flags & 4:  # map
            k, v = ref
            d = getattr(m, attr)
            for _ in range(rnd.below(3)):
                d[_value(rnd, k[2], None, depth)] = _value(rnd, v[2], v[4], depth)
        elif flags & 1:  # repeated
            lst = getattr(m, attr)
            for _ in range(rnd.below(3 if typ in (10, 11) else 4)):
                lst.append(_value(rnd, typ, ref, depth))
        else:
            setattr(m, attr, _value(rnd, typ, ref, depth))
    if rnd.below(5) == 0:
        m._buffa_u = bytearray(b"\xf8\x07\x01\x82\x08\x02ab")  # fields 127 and 128
    return m


def _classes():
    out = []
    for mod in MODULES:
        for v in mod.__dict__.values():
            if type(v) is type and getattr(v, "_buffa_f", None) is not None and v._buffa_name and v not in out:
                out.append(v)
    return out


def _python(fn, *args):
    # fn(*args) with every class of MODULES on its generated functions
    saved = []
    for c in _classes():
        z = c._buffa_z
        if hasattr(z, "fallback"):
            saved.append((c, z, c._buffa_w))
            c._buffa_z, c._buffa_w = z.fallback, c._buffa_w.fallback
    try:
        return fn(*args)
    finally:
        for c, z, w in saved:
            c._buffa_z, c._buffa_w = z, w


def _outcome(m):
    try:
        b = m.encode()
        n = m.encoded_size()
        buf = bytearray(n + 3)
        end = m.encode_into(buf, 2)
        return ("ok", b, n, bytes(buf), end)
    except Exception as e:
        return ("raise", type(e).__name__, getattr(e, "kind", None), getattr(e, "field", None))


def _same(m):
    c = _outcome(m)
    py = _python(_outcome, m)
    assert c == py, (type(m).__name__, c, py)
    return c


def test_every_class_here_takes_the_c_encoder():
    _big()
    cs = _classes()
    assert len(cs) > 5
    for c in cs:
        assert type(c._buffa_z).__name__ == "encoder", c
        assert c._buffa_w.fallback is not None


def test_the_c_path_runs():
    # good values: every message sized and written in C, none handed over
    m = _fill(_Rand(7), R.Repeated)
    m.r_s = ["abc"]
    m.r_child = [R.Repeated(r_i32=[-1])]
    c0, p0 = _counts()
    m.encode()
    c1, p1 = _counts()
    assert c1 - c0 >= 4 and p1 == p0, (c0, p0, c1, p1)
    # a bad value hands the message to Python
    m.r_i32 = ["x"]
    try:
        m.encode()
    except Exception:
        pass
    assert _counts()[1] > p1


def test_same_bytes_for_random_messages_of_edge_values():
    _big()
    rnd = _Rand(12345)
    cs = _classes()
    n = ok = 0
    for i in range(300):
        gc.collect()  # (a board's heap: one message at a time)
        cls = cs[i % len(cs)]
        if cls is P2.P2 or cls.__name__ == "D2":
            m = _fill(rnd, cls)
            m.req = 1  # required
        else:
            m = _fill(rnd, cls)
        ok += _same(m)[0] == "ok"
        n += 1
    assert ok > n // 2, (ok, n)


def test_same_bytes_for_defaults_and_extremes():
    _big()
    for c in _classes():
        _same(c())
    # deeper than the C code nests (MAX_DEPTH): the levels below go through Python
    top = R.Repeated(r_i32=[1])
    m = top
    for i in range(20):
        m.r_child.append(R.Repeated(r_i32=[i]))
        m = m.r_child[0]
    c0 = _counts()[1]
    _same(top)
    assert _counts()[1] > c0


@requires("bigheap")
def test_same_bytes_for_extremes_in_every_field_kind():
    D = _big()[0]
    m = D.Diff(fl=-0.0, db=-0.0, s="", by=b"", i32=0, b=False)
    assert _same(m)[1] == b"]\x00\x00\x00\x80a\x00\x00\x00\x00\x00\x00\x00\x80"
    m = D.Diff(i64=-(2**63), u64=2**64 - 1, s32=-(2**31), s64=2**63 - 1, f32=2**32 - 1, sf64=-(2**63), u32=2**32 - 1)
    _same(m)
    m = D.Diff(s="\u00fc" * 100, c_msg=D.Diff(c_s=""), m_si={"\u20ac": -1, "": 0}, m_bd={True: D.Diff(), False: D.Diff(b=True)})
    _same(m)


@requires("bigheap")
def test_unknown_fields_are_written_last():
    D = _big()[0]
    data = D.Diff(i32=5, s="x", r_child=[D.Diff(u32=9)], m_si={"a": 1}).encode()
    m = D.Narrow.decode(data)
    assert m._buffa_u
    assert _same(m)[1] == data


def _bad(D):
    return (
        ("i32", "x"), ("i32", 2**31), ("i32", 1.5), ("i32", True), ("u32", -1), ("u64", 2**64), ("i64", -(2**63) - 1),
        ("s32", 2**31), ("s64", 2**63), ("f32", -1), ("f64", 2**64), ("sf32", 2**31), ("b", 2), ("b", "yes"),
        ("s", b"bytes"), ("s", 5), ("by", "text"), ("fl", 1), ("db", "x"), ("kind", 2**40), ("child", D.Narrow()),
        ("child", 5), ("r_i32", [1, "x"]), ("r_s64", [2**64]), ("r_f32", [-1]), ("r_db", [1.0, None]), ("r_b", [1]),
        ("r_s", ["a", None]), ("r_by", [bytearray(b"a"), "x"]), ("r_child", [D.Diff(), None]), ("r_child", (D.Diff(),)),
        ("m_si", {"a": "b"}), ("m_si", {1: 1}), ("m_is", {2**64: "x"}), ("m_bd", {True: None}), ("m_bd", {1: D.Diff()}),
        ("m_k", {1: 2**31}), ("m_fb", {-1: b""}), ("c_i32", "x"), ("c_msg", 7), ("x_i64", [None]), ("r_fl", ["1"]),
    )


@requires("bigheap")
def test_bad_values_raise_the_same():
    D = _big()[0]
    kinds = set()
    for attr, v in _bad(D):
        m = D.Diff(i32=3, s="abc", r_child=[D.Diff(u32=1)])
        setattr(m, attr, v)
        out = _same(m)
        kinds.add(out[2] if out[0] == "raise" else "ok")
        # the same value one level down
        top = D.Diff(child=m, r_child=[D.Diff(), m])
        _same(top)
    assert "type" in kinds and "range" in kinds, kinds


def test_bad_values_in_repeated_fields_raise_the_same():
    # (everywhere: the small protos only)
    kinds = set()
    for attr, v in (("r_i32", ["x"]), ("r_i32", [2**31]), ("r_u32", [-1]), ("r_s64", [2**63]), ("r_f32", [2**32]),
                    ("r_s", [b"x"]), ("r_by", ["x"]), ("r_child", [None]), ("r_fl", [1]), ("r_db", ["x"]),
                    ("r_b", [2]), ("r_enum", [1.0]), ("r_sf64", [-(2**63) - 1])):
        m = R.Repeated(r_i32=[3], r_s=["abc"], r_child=[R.Repeated(r_u32=[1])])
        setattr(m, attr, v)
        out = _same(m)
        kinds.add(out[2] if out[0] == "raise" else "ok")
        _same(R.Repeated(r_child=[R.Repeated(), m]))
    assert "type" in kinds and "range" in kinds, kinds


def test_buffers_it_cannot_write_raise_the_same():
    m = R.Repeated(r_i32=[3], r_s=["abc"], r_child=[R.Repeated(r_u32=[1])])
    n = m.encoded_size()
    for buf, off in ((bytearray(n - 1), 0), (bytearray(n), 1), (bytes(n), 0), (bytearray(n + 5), -1)):
        def into(m):
            try:
                return ("ok", m.encode_into(buf, off), bytes(buf))
            except Exception as e:
                return ("raise", type(e).__name__, getattr(e, "kind", None))
        assert into(m) == _python(into, m), (len(buf), off)
    # the write function itself, past the end: the Python code's IndexError
    def raw(m):
        b = bytearray(4)
        try:
            return type(m)._buffa_w(m, b, 0)
        except Exception as e:
            return type(e).__name__
    m.encoded_size()
    assert raw(m) == _python(raw, m) == "IndexError"


def test_encode_writes_straight_into_one_bytes_object():
    # m.encode() through buffa_accel.encode: sized and written in C into
    # the data of the bytes object it returns, where the Python sequence
    # allocates a bytearray of the message's size and then copies it.
    import buffa_accel

    m = R.Repeated(r_s=["x" * 1500, "\u20ac"], r_child=[R.Repeated(r_s=["y" * 100])])
    b = m.encode()
    same = _python(lambda m: m.encode(), m)
    assert type(b) is bytes and b == same and len(b) > 1600
    # its hash is computed when first asked for, as the runtime's own
    assert hash(b) == hash(same) and {same: 1}[b] == 1 and b in {same}
    assert buffa_accel.encode(m) == same and buffa_accel.encode(R.Repeated()) == b""
    # a class on its generated functions: None, and encode() takes Python
    assert _python(buffa_accel.encode, m) is None

    def grown(fn):
        fn(m)
        gc.collect()
        gc.disable()
        try:
            a = gc.mem_alloc()
            fn(m)
            return gc.mem_alloc() - a
        finally:
            gc.enable()

    n = len(b)
    c = grown(lambda m: m.encode())
    py = grown(lambda m: _python(lambda m: m.encode(), m))
    assert c < n + 200 and py >= 2 * n, (n, c, py)
