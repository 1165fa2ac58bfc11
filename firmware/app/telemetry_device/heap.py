# Heap figures that say how close the device is to running out of memory
# (DeviceStatus fields 9-13, docs/demo.md "Device health").
#
# gc.mem_free() at an arbitrary moment mostly says how long ago the last
# collection ran: MicroPython's heap fills with garbage until a collection
# frees it. What the application's live data leaves free is only visible
# right after a collection, so that is where these figures are taken.
import gc

try:
    _mem_free = gc.mem_free
    _mem_alloc = gc.mem_alloc
except AttributeError:  # CPython: no heap figures (reported as 0)

    def _mem_free():
        return 0

    _mem_alloc = _mem_free

# A fall in allocated heap larger than this between two checks means a
# collection ran. Without one, allocated heap only falls when C code frees a
# temporary buffer or shrinks one (a few blocks); a collection that MicroPython
# runs because the heap is full frees the garbage of many calls.
COLLECTION_FALL = 512

# The largest free block is found to this many bytes.
LARGEST_STEP = 256


def largest_allocation(free, step=LARGEST_STEP):
    """The largest bytearray that can be allocated now, to `step` bytes,
    found by bisection over [0, free]. Each try costs one collection (a failed
    allocation makes MicroPython collect before it gives up; a successful one
    is collected away before the next try), about log2(free / step) in all.
    0 when free is 0 (CPython)."""
    lo, hi = 0, free
    while hi - lo > step:
        mid = (lo + hi) // 2
        try:
            b = bytearray(mid)
        except MemoryError:
            hi = mid
            continue
        b = None  # noqa: F841  (dropped before the collection that frees it)
        gc.collect()
        lo = mid
    return lo


class HeapWatch:
    """Free heap after each collection, its lowest value, the largest free
    block, and how many collections ran between batches."""

    def __init__(self):
        self.size = 0  # free + allocated, at the latest collection
        self.after_gc = 0  # free heap right after the latest collection
        self.after_gc_min = 0  # the lowest after_gc since boot (0 until the first)
        self.largest = 0  # largest allocation right after the latest measured collection
        self.collections = 0  # since reset(): the device's own and the automatic ones seen
        self.total = 0  # since boot
        self._alloc = _mem_alloc()

    def check(self):
        """Call between pieces of work: counts a collection MicroPython ran
        by itself (allocated heap fell since the previous check)."""
        a = _mem_alloc()
        if a < self._alloc - COLLECTION_FALL:
            self.collections += 1
            self.total += 1
        self._alloc = a

    def collect(self, measure_largest=False):
        """Collect, and take the after-collection figures. With
        measure_largest, also the largest free block (several more
        collections: see largest_allocation; they are not counted, being
        the measurement's own)."""
        self.check()
        gc.collect()
        self.collections += 1
        self.total += 1
        free = _mem_free()
        self.after_gc = free
        self.size = free + _mem_alloc()
        if free and (not self.after_gc_min or free < self.after_gc_min):
            self.after_gc_min = free
        if measure_largest:
            self.largest = largest_allocation(free)
        self._alloc = _mem_alloc()

    def reset(self):
        """A batch went out: start counting collections for the next one."""
        self.collections = 0


class AllocMeter:
    """Heap allocated by one kind of work (the configuration, say), summed
    over its pieces: gc.mem_alloc() before and after each. A piece during
    which MicroPython collected by itself (allocated heap fell) cannot be
    measured that way; it is counted in `unmeasured` instead of guessed.
    All 0 on CPython."""

    def __init__(self):
        self.bytes = 0
        self.pieces = 0  # pieces measured
        self.unmeasured = 0
        self.first = -1  # the first measured piece's bytes (-1: none yet)
        self._at = 0

    def start(self):
        self._at = _mem_alloc()

    def stop(self):
        d = _mem_alloc() - self._at
        if d < 0:
            self.unmeasured += 1
            return
        if self.first < 0:
            self.first = d
        self.bytes += d
        self.pieces += 1
