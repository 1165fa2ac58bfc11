# What views allocate on MicroPython (docs/views.md, "What allocates"):
# reading a scalar field allocates nothing beyond the value, proven with
# micropython.heap_lock() (any allocation raises MemoryError); view() itself
# allocates the View object, however many fields the message has.
import gc

from mptest import Skip
from views_pb import Shapes, Color
from views3_pb import Batch, Record, Source


def _micropython():
    try:
        import micropython
    except ImportError:
        raise Skip("MicroPython heap figures")
    return micropython


def small_record():
    # values that are small ints on every port (below 2**30)
    return Record(
        level=2,
        message="m" * 150,  # a two-byte length to step over
        attributes={"k": "v"},
        source=Source(file="f.py", line=3),
        span_id=5,
        ok=True,
        delta=-3,
        code=7,
    )


def read_scalars(v):
    # in a function: assigning module globals would allocate
    return v.level, v.span_id, v.ok, v.delta, v.code


def read_scalars_locked(v, mp):
    mp.heap_lock()
    try:
        level = v.level
        span = v.span_id
        ok = v.ok
        delta = v.delta
        code = v.code
        missing = v.timestamp_ns  # absent: the default
    finally:
        mp.heap_unlock()
    return level, span, ok, delta, code, missing


def test_reading_scalar_fields_allocates_nothing():
    mp = _micropython()
    v = Record.view(small_record().encode())
    read_scalars(v)  # the first view of a class indexes its rows
    assert read_scalars_locked(v, mp) == (2, 5, True, -3, 7, 0)


def read_proto2_locked(v, mp):
    mp.heap_lock()
    try:
        color = v.color  # closed enum: values the enum lacks are skipped
        has = v.has_field("color")
        i32 = v.i32
        flag = v.flag
    finally:
        mp.heap_unlock()
    return color, has, i32, flag


def test_closed_enums_and_presence_allocate_nothing():
    mp = _micropython()
    data = Shapes(color=Color.GREEN, i32=4, flag=False).encode() + b"\x58\x07"  # color 7: unknown
    v = Shapes.view(data)
    v.color, v.has_field("color"), v.i32, v.flag  # index the class
    assert read_proto2_locked(v, mp) == (Color.GREEN, True, 4, False)


def view_cost(cls, data):
    gc.collect()
    before = gc.mem_alloc()
    v = cls.view(data)
    used = gc.mem_alloc() - before
    return v, used


def test_view_scan_allocates_one_object_whatever_the_size():
    _micropython()
    one = Batch(records=[small_record()]).encode()
    many = Batch(records=[small_record() for _ in range(8)]).encode()
    view_cost(Batch, one)  # index the classes
    figures = []
    for data in (one, many, one, many):
        v, used = view_cost(Batch, data)
        figures.append(used)
    print("view() allocates: %s bytes (%d and %d byte messages)" % (figures, len(one), len(many)))
    # the View object only: the same for 1 and 8 records (docs/views.md:
    # 64 bytes on the QEMU boards, 96 to 128 on the 64-bit unix port)
    assert figures[0] == figures[1] == figures[2] == figures[3], figures
    assert figures[0] <= 128, figures
