# Small helpers shared by the buffa core tests. Plain Python for every runtime
# (CPython, MicroPython unix port, QEMU boards): no binascii, no random.


def h(text):
    """Bytes from hex pairs separated by spaces: h("08 96 01")."""
    return bytes([int(x, 16) for x in text.split()])


def hx(data):
    """Bytes as hex pairs, for assertion messages."""
    return " ".join(["%02x" % c for c in bytes(data)])


def varint(n):
    """n (>= 0) as a varint: a reference encoder, independent of buffa."""
    out = bytearray()
    while n > 127:
        out.append((n & 127) | 128)
        n >>= 7
    out.append(n)
    return bytes(out)


def f32(x):
    """x rounded to float32, as a float field would hold it after a round trip."""
    import struct

    return struct.unpack("<f", struct.pack("<f", x))[0]


def is_negzero(x):
    return x == 0 and str(x)[0] == "-"


class Lcg:
    """A deterministic pseudo-random generator (same sequence on every runtime)."""

    def __init__(self, seed):
        self.s = seed & 0x7FFFFFFF

    def next(self):
        # Park-Miller "minimal standard" generator, 31-bit state.
        self.s = (self.s * 48271) % 0x7FFFFFFF
        return self.s

    def below(self, n):
        return self.next() % n

    def chance(self, num, den):
        return self.below(den) < num

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def bytes(self, n):
        return bytes([self.below(256) for _ in range(n)])


def need_block(size):
    """Skip the test where the heap has no free block of size bytes: a
    board heap fragmented by the .mpy code loaded before the test (the -mpy
    board runs) may lack one whatever its total free."""
    import gc

    from mptest import Skip

    gc.collect()
    try:
        bytearray(size)
    except MemoryError:
        raise Skip("no free block of %d bytes on this heap (fragmented)" % size)
