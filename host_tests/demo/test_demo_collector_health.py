# The collector's reading of a device's arrivals (tools/collector/health.py):
# which silences were outages whose readings arrived late, and the live
# view's heap line. CPython only (host tool).
import os
import sys

MPTEST_REQUIRES = ("cpython",)

import demohelp  # noqa: E402

sys.path.insert(0, os.path.join(demohelp.TOOLS, "collector"))
import health  # noqa: E402

sys.path.pop(0)


def _arrivals(times, failures=None):
    """Batches every 2 s by default: (received, readings, send_failures, made)."""
    failures = failures or [0] * len(times)
    return [(t, 8, f, t - 2) for t, f in zip(times, failures)]


def _made(times):
    return lambda a, b: sum(1 for t in times if a <= t < b)


def test_silence_with_failed_sends_is_an_outage():
    times = [0, 2, 4, 6, 14, 14.2, 14.4, 16]
    arr = _arrivals(times, [0, 0, 0, 0, 3, 3, 3, 3])
    # Readings every 0.25 s all along; those made from 6 s on arrived at 14 s.
    made = [k / 4 for k in range(64)]
    arr[5] = (14.2, 8, 3, 8.0)
    arr[6] = (14.4, 8, 3, 10.0)
    spans = health.late_spans(arr, _made(made))
    assert spans == [{"start": 6, "end": 14, "readings": 32, "batches": 3}]


def test_long_silence_without_failures():
    made = [k / 4 for k in range(160)]
    times = [0, 2, 4, 6, 30, 32]
    # Readings made early in the silence arrived after it: an outage the
    # device did not count (say, a response that never came).
    assert [s["start"] for s in health.late_spans(_arrivals(times), _made(made))] == [6]
    # The device was off: its first readings after waking were made just
    # before they arrived.
    woke = [t for t in made if t < 6 or t >= 29]
    assert health.late_spans(_arrivals(times), _made(woke)) == []
    # A silence no longer than four usual waits (nor than 10 s) is batching.
    assert health.late_spans(_arrivals([0, 2, 4, 6, 14, 16]), _made(made)) == []


def test_too_few_batches():
    assert health.late_spans([], _made([])) == []
    assert health.late_spans(_arrivals([5]), _made([4])) == []


def test_heap_summary_line():
    st = {"heap_size": 98304, "heap_free_after_gc": 41984, "heap_free_after_gc_min": 40960,
          "heap_largest_free": 38912, "collections": 2}
    assert health.heap_summary(st) == ("heap 41.0 KiB free after GC (lowest 40.0 KiB) of 96.0 KiB, "
                                       "largest block 38.0 KiB, 2 GC since last batch")
    assert health.heap_summary(dict(st, heap_size=0)) is None  # CPython devices report none
    assert health.heap_summary(None) is None


def test_recording_round_trips_through_a_collector_database():
    # How recorded_outage.json is made (demohelp.save_recording, from a
    # `make demo` run's database): loading it and saving it again gives the
    # same file, byte for byte.
    work = demohelp.tempdir("recording-")
    try:
        db = os.path.join(work, "t.db")
        path = os.path.join(demohelp.HERE, "recorded_outage.json")
        device, _, _ = demohelp.load_recording(db, path)
        demohelp.save_recording(db, device, os.path.join(work, "again.json"))
        with open(path) as a, open(os.path.join(work, "again.json")) as b:
            assert a.read() == b.read()
    finally:
        demohelp.rmtree(work)
