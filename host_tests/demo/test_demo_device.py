# The device loop's decisions, with a fake board and a fake service: sequence
# numbers, clock correction, backoff with jitter, discarding what the service
# rejects, dropping the oldest when full. Runs on every runtime.
from mptest import Skip

from telemetry_device import config
from telemetry_device.board import SimBoard, sim_value
from telemetry_device.ringbuf import SYNCED

device = pb = ConnectError = None


def _load():
    global device, pb, ConnectError
    if device is None:
        try:
            from buffa.connect import ConnectError as e
            from buffa.wkt.timestamp_pb import Timestamp
            from telemetry.v1 import telemetry_pb as p
            from telemetry_device import device as d
        except MemoryError:
            raise Skip("the app and its bindings need more heap than this run has")
        d._Timestamp = Timestamp
        device, pb, ConnectError = d, p, e


class FakeService:
    """Stands in for TelemetryServiceClient: scripted results, requests kept."""

    def __init__(self, results=(), config=None):
        self.results = list(results)
        self.config = config
        self.records = []

    def record(self, req, **kw):
        self.records.append(req)
        r = self.results.pop(0) if self.results else None
        if isinstance(r, Exception):
            raise r
        n = len(req.readings)
        return pb.RecordResponse(accepted=n)

    def get_config(self, req, **kw):
        r = self.config
        if isinstance(r, Exception):
            raise r
        return r


def _dev(**over):
    _load()
    s = dict(device_id="t-1", watchdog_ms=0, log=False, buffer_capacity=16, batch_size=4)
    s.update(over)
    cfg = config.load(None, s)
    d = device.Device(cfg, SimBoard(cfg))
    d.pb = pb
    return d


def test_config_checks():
    e = None
    try:
        config.load(None, {"server_url": "http://x"})
    except ValueError as x:
        e = x
    assert e is not None and "device_id" in str(e)
    for bad in ({"transport": "carrier-pigeon"}, {"batch_size": 0}, {"server_url": "ftp://x"},
                {"batch_size": 50, "buffer_capacity": 10}, {"watchdog_ms": 3000, "timeout_ms": 5000}):
        s = {"device_id": "d"}
        s.update(bad)
        try:
            config.load(None, s)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (bad,))


def test_simulated_sensor_is_deterministic():
    b = SimBoard({})
    got = [b.read(0) for _ in range(61)]
    assert got[0] == 20.0 and abs(got[30] - 26.0) < 1e-6 and got[60] == 20.0
    assert [sim_value(0, k) for k in range(61)] == got
    assert abs(b.read(1) - 3.3) < 1e-6 and abs(b.read(1) - 3.299) < 1e-6


def test_readings_before_config_get_sequences_and_clock_later():
    d = _dev()
    d.sample()
    d.sample()
    assert len(d.ring) == 4
    assert all(d.ring.get(k)[0] == 0 and not d.ring.get(k)[4] & SYNCED for k in range(4))
    before = [d.ring.get(k)[1] * 1000 + d.ring.get(k)[2] for k in range(4)]
    now = d.now_ms()
    st = now + 3600000  # the service's clock is an hour ahead
    d.svc = FakeService(config=pb.GetConfigResponse(
        sample_interval_ms=500, batch_size=3, next_sequence=41,
        server_time=device._Timestamp(seconds=st // 1000, nanos=(st % 1000) * 1000000)))
    d.get_config()
    assert d.configured and d.interval == 500 and d.batch == 3
    assert [d.ring.get(k)[0] for k in range(4)] == [41, 42, 43, 44]
    after = [d.ring.get(k)[1] * 1000 + d.ring.get(k)[2] for k in range(4)]
    for a, b in zip(before, after):
        assert abs((b - a) - 3600000) < 2000
    d.sample()
    assert d.ring.get(4)[0] == 45 and d.ring.get(4)[4] & SYNCED
    assert d.first_seq == 41


def test_send_batches_in_order_with_status():
    d = _dev()
    d.next_seq = 1
    d.configured = True
    d.svc = FakeService()
    for _ in range(5):
        d.sample()  # 10 readings
    d.send()
    d.send()
    assert len(d.ring) == 2
    seqs = [r.sequence for req in d.svc.records for r in req.readings]
    assert seqs == list(range(1, 9))
    req = d.svc.records[0]
    assert req.device_id == "t-1"
    assert [r.sensor for r in req.readings[:2]] == ["sim_temperature", "sim_supply"]
    assert req.readings[0].unit == pb.Unit.UNIT_CELSIUS and req.readings[1].unit == pb.Unit.UNIT_VOLT
    assert req.status.buffered == 10
    assert d.svc.records[1].status.buffered == 6
    assert d.sent == 8


def test_status_carries_heap_figures_and_collections_per_batch():
    d = _dev()
    d.next_seq = 1
    d.configured = True
    d.svc = FakeService([ConnectError("unavailable", "down")])
    d.hw.collect(measure_largest=True)
    d.hw.collect()
    for _ in range(2):
        d.sample()
    d.send()  # fails: its collections still count towards the next batch
    d.hw.collect()
    d.send()
    first, second = d.svc.records
    # (More if MicroPython collected by itself meanwhile: a small heap.)
    assert first.status.collections >= 2
    assert second.status.collections >= first.status.collections + 1
    st = second.status
    assert st.heap_free_after_gc == d.hw.after_gc and st.heap_free_after_gc_min == d.hw.after_gc_min
    assert st.heap_largest_free == d.hw.largest and st.heap_size == d.hw.size
    assert d.hw.collections == 0 and d.batches == 1


def test_heap_figures_are_taken_after_a_collection():
    import gc
    import sys

    from telemetry_device import heap

    hw = heap.HeapWatch()
    hw.collect(measure_largest=True)
    assert hw.collections == hw.total == 1
    if sys.implementation.name == "cpython":  # no heap to measure: reported as 0
        assert (hw.after_gc, hw.after_gc_min, hw.largest, hw.size) == (0, 0, 0, 0)
        return
    assert 0 < hw.after_gc == hw.after_gc_min <= hw.size
    # The largest free block: an allocation that big (less one step of the
    # search, for what this test allocated since) fits, one a step bigger
    # than the free heap does not.
    assert 0 < hw.largest <= hw.after_gc
    if sys.implementation.name == "circuitpython":
        # CircuitPython's unix port: the block the search found is not
        # always there again after the next collection (not understood yet;
        # the demo's devices run MicroPython)
        return
    gc.collect()
    b = bytearray(max(hw.largest - heap.LARGEST_STEP, 1))
    b = None
    try:
        b = bytearray(hw.after_gc + heap.LARGEST_STEP)
        raise AssertionError("allocated more than the free heap")
    except MemoryError:
        pass
    # Collections MicroPython runs by itself when the heap fills are counted.
    for _ in range(4 * hw.size // 1024 + 8):
        b = bytearray(1024)
        hw.check()
        if hw.collections > 1:
            break
    b = None
    assert hw.collections == 2, hw.collections
    hw.collect()
    assert hw.after_gc_min <= hw.after_gc


def test_failures_back_off_with_jitter_and_keep_readings():
    from buffa.connect.clock import ticks_diff, ticks_ms

    d = _dev(backoff_base_ms=100, backoff_max_ms=1000)
    d.next_seq = 1
    d.configured = True
    d.svc = FakeService([ConnectError("unavailable", "down")] * 8)
    for _ in range(2):
        d.sample()
    waits = []
    for _ in range(8):
        d.send()
        waits.append(ticks_diff(d.next_try, ticks_ms()))
    assert len(d.ring) == 4 and d.failures == 8 and d.fail_streak == 8
    caps = [100, 200, 400, 800, 1000, 1000, 1000, 1000]
    for w, cap in zip(waits, caps):
        assert cap // 2 - 20 <= w <= cap + 5, (w, cap)
    # The service comes back: the same readings go out, the streak ends.
    d.send()
    assert len(d.ring) == 0 and d.fail_streak == 0
    assert [r.sequence for r in d.svc.records[-1].readings] == [1, 2, 3, 4]
    assert [r.sequence for r in d.svc.records[0].readings] == [1, 2, 3, 4]


def test_rejected_batch_is_discarded_and_counted():
    d = _dev()
    d.next_seq = 1
    d.configured = True
    d.svc = FakeService([ConnectError("invalid_argument", "readings[0].value must be finite")])
    for _ in range(3):
        d.sample()
    d.send()
    assert d.rejected == 4 and len(d.ring) == 2 and d.fail_streak == 0
    d.send()
    assert d.sent == 2 and d.svc.records[-1].status.rejected == 4


def test_full_buffer_drops_oldest_and_reports_it():
    d = _dev(buffer_capacity=6, batch_size=2)
    d.next_seq = 1
    d.configured = True
    d.svc = FakeService()
    for _ in range(5):  # 10 readings into 6 places
        d.sample()
    assert d.ring.dropped == 4 and d.made == 10
    d.send()
    req = d.svc.records[0]
    assert [r.sequence for r in req.readings] == [5, 6]
    assert req.status.dropped == 4


class FakeWatch:
    """Stands in for the WatchConfig ServerStream: poll() results in order
    (a message, None for a quiet wait, or an exception), then the end."""

    def __init__(self, polls):
        self.polls = list(polls)
        self.ended = False
        self.waited = []

    def poll(self, ms):
        self.waited.append(ms)
        if not self.polls:
            self.ended = True
            return None
        r = self.polls.pop(0)
        if isinstance(r, Exception):
            self.ended = True
            raise r
        return r

    def close(self):
        self.ended = True


class FakeWatchService(FakeService):
    def __init__(self, streams, config=None):
        FakeService.__init__(self, config=config)
        self.streams = list(streams)
        self.watches = 0

    def watch_config(self, req, **kw):
        self.watches += 1
        return self.streams.pop(0)


def _watching(streams, **over):
    d = _dev(**over)
    d.configured = True
    d.next_seq = 1
    d.wsvc = d.svc = FakeWatchService(streams, config=pb.GetConfigResponse(sample_interval_ms=700, batch_size=5))

    class Closed:
        def close(self):
            pass

    d.wclient = Closed()
    return d


def test_config_pushed_on_the_stream_is_followed():
    _load()
    push = pb.GetConfigResponse(sample_interval_ms=250, batch_size=2, next_sequence=9)
    d = _watching([FakeWatch([None, push, None]), FakeWatch([])])
    assert d.wait_for_config(200)  # opens the stream; nothing yet
    assert d.interval != 250 and d.wsvc.watches == 1
    assert d.wait_for_config(200)
    assert d.interval == 250 and d.batch == 2 and d.next_seq == 9 and d.pushed == 1
    assert d.wait_for_config(200) and d.wait_for_config(200)  # quiet, then the service ends the stream
    assert d.watch is None
    # It watches again once its short pause is over; polling GetConfig never starts.
    d.next_watch = device.ticks_ms()
    assert d.wait_for_config(200) and d.wsvc.watches == 2
    d.last_config -= 10 ** 6
    assert not d.due_to_poll_config() and d.config_calls == 0


def test_without_watch_config_the_device_polls_get_config():
    _load()
    gone = ConnectError("unimplemented", "WatchConfig is turned off")
    d = _watching([FakeWatch([gone])], config_poll_ms=1000)
    assert d.wait_for_config(200)  # the stream's first answer: unimplemented
    assert not d.watching() and d.watch is None
    assert not d.wait_for_config(200)  # nothing to wait on: the loop sleeps
    assert not d.due_to_poll_config()  # the last config is recent
    d.last_config = device.ticks_add(device.ticks_ms(), -1000)
    assert d.due_to_poll_config()
    d.get_config()
    assert d.interval == 700 and d.batch == 5 and d.config_calls == 1 and not d.due_to_poll_config()


def test_a_failing_stream_is_retried_with_backoff():
    _load()
    d = _watching([FakeWatch([ConnectError("unavailable", "refused")]), FakeWatch([])], backoff_base_ms=5000)
    assert d.wait_for_config(200) and d.watch is None and d.watching()
    assert not d.wait_for_config(200)  # waiting out the backoff: the loop sleeps
    assert d.wsvc.watches == 1


def test_alloc_meter_sums_what_each_piece_allocates():
    import gc
    import sys

    from telemetry_device import heap

    m = heap.AllocMeter()
    if sys.implementation.name == "cpython":  # no heap to measure: reported as 0
        m.start()
        m.stop()
        assert (m.bytes, m.pieces, m.first, m.unmeasured) == (0, 1, 0, 0)
        return
    gc.collect()
    m.start()
    b = bytearray(1000)
    m.stop()
    assert 1000 <= m.bytes < 1200 and m.first == m.bytes and m.pieces == 1
    m.start()
    m.stop()  # nothing allocated
    assert m.pieces == 2 and m.bytes == m.first
    # A piece during which the heap was collected cannot be measured by
    # the difference: it is counted apart, not added as a wrong figure.
    b = [bytearray(100) for _ in range(50)]
    m.start()
    b = None
    gc.collect()
    m.stop()
    assert m.unmeasured == 1 and m.pieces == 2


def test_summary_says_what_the_configuration_cost():
    _load()
    push = pb.GetConfigResponse(sample_interval_ms=250, batch_size=2, next_sequence=9)
    d = _watching([FakeWatch([None, push, None])])
    for _ in range(3):
        d.wait_for_config(200)
    d.get_config()
    s = d.summary()
    assert s["watched_config"] is True and s["config_calls"] == 1 and s["configs_pushed"] == 1
    assert s["uptime_ms"] >= 0
    assert s["watch_heap"] >= 0 and s["get_config_heap"] >= 0 and s["config_heap_unmeasured"] >= 0
    assert d.watch_heap.pieces + d.watch_heap.unmeasured == 3
    assert d.get_config_heap.pieces + d.get_config_heap.unmeasured == 1
