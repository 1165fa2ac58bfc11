# A bounded ring buffer of readings in preallocated bytearrays.
#
# Full: the oldest reading is dropped and counted, never silently lost.
# Each record is 16 bytes: sequence (0 = not yet assigned), time (seconds
# since 1970 and milliseconds), sensor index, flags, value (float32).
# save()/load() keep the unsent readings in a file across a reset.
import struct

FMT = "<IIHBBf"
SIZE = 16  # struct.calcsize(FMT)
SYNCED = 1  # flag: time is from a synchronised clock
MAGIC = b"TDB1"
# Records per segment: the buffer is several 512-byte bytearrays rather than
# one large one, which a fragmented heap on a small board may not have.
SEG = 32


class Ring:
    def __init__(self, capacity):
        self.cap = capacity
        self.segs = [bytearray(SEG * SIZE) for _ in range((capacity + SEG - 1) // SEG)]
        self.head = 0  # index of the oldest record
        self.n = 0
        self.dropped = 0  # since boot

    def __len__(self):
        return self.n

    def push(self, seq, sec, ms, sensor, flags, value):
        """Append a reading; returns True if the oldest one was dropped for it."""
        dropped = False
        if self.n == self.cap:
            self.head = (self.head + 1) % self.cap
            self.n -= 1
            self.dropped += 1
            dropped = True
        i = (self.head + self.n) % self.cap
        struct.pack_into(FMT, self.segs[i // SEG], (i % SEG) * SIZE, seq, sec, ms, sensor, flags, value)
        self.n += 1
        return dropped

    def get(self, k):
        """The k-th oldest reading: (seq, sec, ms, sensor, flags, value)."""
        if not 0 <= k < self.n:
            raise IndexError(k)
        i = (self.head + k) % self.cap
        return struct.unpack_from(FMT, self.segs[i // SEG], (i % SEG) * SIZE)

    def put(self, k, rec):
        i = (self.head + k) % self.cap
        struct.pack_into(FMT, self.segs[i // SEG], (i % SEG) * SIZE, *rec)

    def pop(self, count):
        """Remove the `count` oldest readings."""
        count = min(count, self.n)
        self.head = (self.head + count) % self.cap
        self.n -= count

    def save(self, path, meta):
        """Write the readings (oldest first) and `meta` (a short str) to `path`, atomically."""
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            m = meta.encode()
            f.write(MAGIC + struct.pack("<HH", len(m), self.n) + m)
            for k in range(self.n):
                i = (self.head + k) % self.cap
                o = (i % SEG) * SIZE
                f.write(memoryview(self.segs[i // SEG])[o:o + SIZE])
        import os

        try:
            os.remove(path)  # some filesystems do not rename over a file
        except OSError:
            pass
        os.rename(tmp, path)

    def load(self, path):
        """Read a file written by save(); returns its meta str, or None if
        there is no (valid) file. Readings beyond the capacity: oldest dropped."""
        try:
            f = open(path, "rb")
        except OSError:
            return None
        with f:
            head = f.read(8)
            if len(head) != 8 or head[:4] != MAGIC:
                return None
            mlen, n = struct.unpack("<HH", head[4:])
            meta = f.read(mlen).decode()
            rec = bytearray(SIZE)
            for _ in range(n):
                if f.readinto(rec) != SIZE:
                    break
                self.push(*struct.unpack(FMT, rec))
        return meta
