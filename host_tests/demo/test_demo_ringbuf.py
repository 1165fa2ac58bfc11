# The device's ring buffer: order, wrap-around, dropping the oldest (counted),
# rewriting records, and persistence across a reset. Runs on every runtime.
from mptest import requires

from telemetry_device.ringbuf import SEG, SYNCED, Ring


def _rec(i):
    return (i, 1700000000 + i, i % 1000, i % 2, SYNCED, float(i) / 4)


def test_push_get_pop_in_order():
    r = Ring(10)
    assert len(r) == 0
    for i in range(1, 6):
        assert not r.push(*_rec(i))
    assert len(r) == 5
    assert [r.get(k)[0] for k in range(5)] == [1, 2, 3, 4, 5]
    assert r.get(2) == _rec(3)
    r.pop(2)
    assert [r.get(k)[0] for k in range(len(r))] == [3, 4, 5]
    r.pop(100)
    assert len(r) == 0 and r.dropped == 0


def test_full_buffer_drops_oldest_and_counts():
    r = Ring(4)
    for i in range(1, 5):
        r.push(*_rec(i))
    assert r.push(*_rec(5)) is True
    assert r.push(*_rec(6)) is True
    assert r.dropped == 2
    assert [r.get(k)[0] for k in range(4)] == [3, 4, 5, 6]


def test_wraps_across_segments():
    cap = SEG * 2 + 3  # not a multiple of the segment size
    r = Ring(cap)
    n = cap * 3 + 7
    for i in range(1, n + 1):
        r.push(*_rec(i))
        if i % 5 == 0:
            r.pop(2)
    got = [r.get(k)[0] for k in range(len(r))]
    assert got == list(range(n - len(r) + 1, n + 1))
    assert got[-1] == n


def test_put_rewrites_a_record():
    r = Ring(3)
    r.push(0, 5, 6, 1, 0, 1.5)
    r.put(0, (42, 7, 8, 1, SYNCED, 2.5))
    assert r.get(0) == (42, 7, 8, 1, SYNCED, 2.5)


def test_float32_values():
    r = Ring(2)
    r.push(1, 2, 3, 0, 0, 21.4)
    v = r.get(0)[5]
    assert abs(v - 21.4) < 1e-5


@requires("filesystem")
def test_save_and_load_across_a_reset():
    import os

    path = "ringbuf_test.buf"
    r = Ring(5)
    for i in range(1, 9):  # 3 dropped, 4..8 kept
        r.push(*_rec(i))
    r.pop(1)  # 5..8 unsent
    r.save(path, '{"seq": 9}')
    try:
        r2 = Ring(5)
        assert r2.load(path) == '{"seq": 9}'
        assert [r2.get(k) for k in range(len(r2))] == [_rec(i) for i in range(5, 9)]
        # A smaller buffer after the reset keeps the newest, counting the drop.
        r3 = Ring(3)
        r3.load(path)
        assert [r3.get(k)[0] for k in range(len(r3))] == [6, 7, 8]
        assert r3.dropped == 1
    finally:
        os.remove(path)


@requires("filesystem")
def test_load_missing_or_foreign_file():
    r = Ring(4)
    assert r.load("no-such-file.buf") is None
    path = "ringbuf_foreign.buf"
    with open(path, "wb") as f:
        f.write(b"something else entirely")
    try:
        assert r.load(path) is None
        assert len(r) == 0
    finally:
        import os

        os.remove(path)
