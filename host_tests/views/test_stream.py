# buffa.stream: a message larger than the heap decoded a top-level field at
# a time from anything with readinto, and encoded with its repeated field
# drawn from a generator (docs/views.md, "Streams").
import gc

from buffa import DecodeError, DecodeOptions, stream
from mptest import raises
from views3_pb import Batch, Record, Source


def record(i):
    return Record(
        timestamp_ns=1760000000000000 + i,
        level=2,
        message="reading %d within range" % i,
        attributes={"pod": "api-%d" % (i % 7)},
        source=Source(file="sensor.py", line=i % 500),
        span_id=i,
    )


def records(n):
    for i in range(n):
        yield record(i)


class PieceReader:
    """A stream whose bytes come from stream.pieces() as they are asked for:
    nothing holds the whole message (the reader of a socket or a UART)."""

    def __init__(self, pieces):
        self.it = iter(pieces)
        self.cur = b""
        self.i = 0
        self.total = 0

    def readinto(self, mv):
        while self.i >= len(self.cur):
            try:
                self.cur = next(self.it)
            except StopIteration:
                return 0
            self.i = 0
        k = min(len(mv), len(self.cur) - self.i)
        mv[0:k] = self.cur[self.i : self.i + k]
        self.i += k
        self.total += k
        return k


class BytesReader:
    def __init__(self, data, chunk=7):
        self.data = data
        self.i = 0
        self.chunk = chunk

    def readinto(self, mv):
        k = min(len(mv), self.chunk, len(self.data) - self.i)
        mv[0:k] = self.data[self.i : self.i + k]
        self.i += k
        return k


def heap_size():
    try:
        return gc.mem_free() + gc.mem_alloc()
    except AttributeError:  # CPython
        return 0


def test_a_message_larger_than_the_heap_streams_through():
    # On the QEMU boards (140 KiB heap) and the small-heap unix run the
    # message is larger than the whole heap; elsewhere the same code path
    # runs on 2000 records (about 144 KB).
    heap = heap_size()
    n = 2000 if not heap or heap > 1000000 else heap // 60
    env = Batch(device="dev-1", seq=9)
    src = PieceReader(stream.pieces(env, "records", records(n)))
    seen = 0
    other = []
    for name, value in stream.fields(Batch, src, buffer_size=256):
        if name == "records":
            want = record(seen)
            assert value.span_id == seen and value.message == want.message
            assert value.source.line == want.source.line
            assert value.attributes["pod"] == want.attributes["pod"]
            seen += 1
        else:
            other.append((name, value))
    assert seen == n and other == [("device", "dev-1"), ("seq", 9)]
    assert src.total == stream.encoded_size(env, "records", records(n))
    print("streamed %d records, %d bytes; heap %d bytes" % (n, src.total, heap))
    if n != 2000:
        assert src.total > heap


def test_stream_matches_decode():
    env = Batch(device="d", seq=1)
    data = Batch(device="d", seq=1, records=list(records(5))).encode()
    out = []

    class Sink:
        def write(self, b):
            out.append(bytes(b))
            return len(b)

    assert stream.write(Sink(), env, "records", records(5)) == len(data)
    # the envelope's fields first, then the records: the same message
    assert Batch.decode(b"".join(out)) == Batch.decode(data)
    got = Batch()
    for name, value in stream.fields(Batch, BytesReader(data), buffer_size=512, views=False):
        if name == "records":
            assert type(value) is Record
            got.records.append(value)
        else:
            setattr(got, name, value)
    assert got == Batch.decode(data)
    # views forwarded as they arrive, each before the buffer moves on
    def forward():
        for name, value in stream.fields(Batch, BytesReader(data), buffer_size=128):
            if name == "records":
                yield value

    out[:] = []
    stream.write(Sink(), Batch(), "records", forward())
    assert Batch.decode(b"".join(out)).records == Batch.decode(data).records


def test_stream_limits():
    data = Batch(device="d", records=list(records(3))).encode()
    # max_size: the whole message, at its edge
    n = sum(1 for x in stream.fields(Batch, BytesReader(data), DecodeOptions(max_size=len(data)), 512))
    assert n == 4
    raises(DecodeError, list, stream.fields(Batch, BytesReader(data), DecodeOptions(max_size=len(data) - 1), 512))
    # a field larger than the buffer
    big = len(record(2).encode()) + 3
    list(stream.fields(Batch, BytesReader(data), buffer_size=big))
    raises(DecodeError, list, stream.fields(Batch, BytesReader(data), buffer_size=big - 2))
    # recursion_limit: Batch > Record > Source
    list(stream.fields(Batch, BytesReader(data), DecodeOptions(recursion_limit=2), 512))
    raises(DecodeError, list, stream.fields(Batch, BytesReader(data), DecodeOptions(recursion_limit=1), 512))
    # truncated, and malformed inside an element
    raises(DecodeError, list, stream.fields(Batch, BytesReader(data[:-1]), buffer_size=512))
    raises(DecodeError, list, stream.fields(Batch, BytesReader(b"\x12\x03\x2a\x05\x00"), buffer_size=64))
    # length: the message ends before the stream does
    src = BytesReader(data + b"\xff\xff")
    assert len(list(stream.fields(Batch, src, buffer_size=512, length=len(data)))) == 4
    assert src.i == len(data)
