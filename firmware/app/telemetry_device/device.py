# The device loop: sample on a fixed interval, buffer, post batches with the
# Connect client, back off and retry while the service is unreachable.
#
#   from telemetry_device import device
#   device.run("config.json")            # or run(None, device_id=..., ...)
#
# One thread, no allocation-heavy work between samples. A call blocks for at
# most timeout_ms; the watchdog is fed around it.
#
# Configuration changes arrive on the service's WatchConfig stream, read in
# the loop's idle time with a bound (ServerStream.poll), so a quiet stream
# never delays a reading. Over the serial transport, or from a service
# without WatchConfig (unimplemented), the device polls GetConfig instead
# every config_poll_ms.
import gc
import sys
import time

from buffa.connect import ConnectError
from buffa.connect.clock import ticks_add, ticks_diff, ticks_ms
from telemetry_device import board as _board
from telemetry_device import config as _config
from telemetry_device.heap import AllocMeter, HeapWatch
from telemetry_device.ringbuf import SYNCED, Ring

try:
    _sleep_ms = time.sleep_ms
except AttributeError:  # CPython

    def _sleep_ms(ms):
        time.sleep(ms / 1000)


try:
    from random import getrandbits as _rand
except ImportError:  # pragma: no cover

    def _rand(bits):
        return ticks_ms() & ((1 << bits) - 1)


def _epoch_ms():
    """Milliseconds since 1970 by the board's own clock."""
    try:
        ms = time.time_ns() // 1000000
    except AttributeError:
        ms = int(time.time()) * 1000
    try:
        if time.gmtime(0)[0] == 2000:  # ports whose time counts from 2000
            ms += 946684800000
    except AttributeError:  # no gmtime (the QEMU boards' time module counts from 1970)
        pass
    return ms


# Free heap the app needs, once loaded, to watch its configuration (can_watch).
WATCH_MIN_FREE = 64 * 1024


class Device:
    def __init__(self, cfg, board):
        self.cfg = cfg
        self.board = board
        self.sensors = board.SENSORS
        self.ring = Ring(cfg["buffer_capacity"])
        self.interval = cfg["sample_interval_ms"]
        self.batch = cfg["batch_size"]
        self.next_seq = None  # known once GetConfig answered (or from the persisted buffer)
        self.configured = False
        now = ticks_ms()
        self.boot = now
        self.t0 = now  # ticks at base_ms
        self.base_ms = _epoch_ms()
        self.made = 0
        self.first_seq = None
        self.sent = 0  # readings the service acknowledged
        self.rejected = 0
        self.failures = 0
        self.fail_streak = 0
        self.next_try = now
        self.last_send = now
        self.hw = HeapWatch()
        self.batches = 0  # Record calls the service answered
        self.client = None
        self.wclient = None
        self.svc = None
        self.dirty = False
        self.last_save = now
        self.log_on = cfg["log"]
        self.pb = None
        # WatchConfig: a second client (its own connection) holds the stream.
        self.wsvc = None
        self.watch = None
        self.watch_fails = 0
        self.next_watch = now
        self.last_config = now
        self.config_calls = 0  # GetConfig calls answered (the start's, then polls)
        self.pushed = 0  # configurations that arrived on the stream
        # Heap allocated for the configuration: by GetConfig calls, and by
        # the stream (opening it, idle waits, pushes), for the demo's summary.
        self.get_config_heap = AllocMeter()
        self.watch_heap = AllocMeter()

    # -- small helpers
    def log(self, msg):
        if self.log_on:
            print("telemetry:", msg)

    def now_ms(self):
        """Milliseconds since 1970 (synchronised with the service once configured)."""
        now = ticks_ms()
        e = ticks_diff(now, self.t0)
        if e > 3600000:  # rebase well before ticks_diff's range runs out
            self.base_ms += e
            self.t0 = now
            e = 0
        return self.base_ms + e

    # -- sampling
    def sample(self):
        t = self.now_ms()
        sec = t // 1000
        ms = t - sec * 1000
        flags = SYNCED if self.configured else 0
        for i in range(len(self.sensors)):
            try:
                v = float(self.board.read(i))
            except Exception as e:  # a flaky sensor must not stop the others
                self.log("sensor %s: %s" % (self.sensors[i][0], e))
                continue
            seq = 0
            if self.next_seq is not None:
                seq = self.next_seq
                self.next_seq += 1
                if self.first_seq is None:
                    self.first_seq = seq
            if self.ring.push(seq, sec, ms, i, flags, v):
                if self.ring.dropped == 1 or self.ring.dropped % 100 == 0:
                    self.log("buffer full: dropped the oldest reading (%d so far)" % self.ring.dropped)
            self.made += 1
        self.dirty = True

    def assign(self, delta_ms):
        """Give sequence numbers to readings made before they were known, and
        move their times by delta_ms (the clock correction)."""
        r = self.ring
        for k in range(len(r)):
            rec = r.get(k)
            seq, sec, ms, sensor, flags, v = rec
            if seq and flags & SYNCED:
                continue
            if not seq:
                seq = self.next_seq
                self.next_seq += 1
                if self.first_seq is None:
                    self.first_seq = seq
            if not flags & SYNCED:
                t = sec * 1000 + ms + delta_ms
                sec = t // 1000
                ms = t - sec * 1000
                flags |= SYNCED
            r.put(k, (seq, sec, ms, sensor, flags, v))

    # -- the service
    def connect(self):
        from buffa.connect import Client
        from telemetry.v1 import telemetry_pb

        self.pb = telemetry_pb
        cfg = self.cfg
        opts = {
            "timeout_ms": cfg["timeout_ms"],
            "connect_timeout_ms": min(cfg["timeout_ms"], 5000),
            "read_timeout_ms": cfg["timeout_ms"],
            "max_response_bytes": 16384,
            "recv_buffer_bytes": 512,
            "send_compression": False,
        }
        url = cfg["server_url"]
        cadata = None
        self.wclient = None
        if cfg["transport"] == "serial":
            # The host's bridge decides where requests go (its --upstream).
            from buffa.connect.serial_bridge import SerialTransport

            self.client = Client.plaintext("http://serial-bridge", transport=SerialTransport(), **opts)
        elif url.startswith("https://"):
            if cfg["ca_file"]:
                with open(cfg["ca_file"], "rb") as f:
                    cadata = f.read()
            self.client = Client.tls(url, cadata=cadata, server_hostname=cfg["server_hostname"], **opts)
        else:
            self.client = Client.plaintext(url, **opts)
        self.svc = telemetry_pb.TelemetryServiceClient(self.client)
        if self.can_watch():
            # The stream's deadline is long; the service ends a stream after
            # a few minutes, and the device watches again.
            # Small buffers: the request is a device id, a configuration a
            # few dozen bytes.
            wopts = dict(opts, timeout_ms=15 * 60 * 1000, max_response_bytes=1024, recv_buffer_bytes=256,
                         send_buffer_bytes=128)
            if url.startswith("https://"):
                self.wclient = Client.tls(url, cadata=cadata, server_hostname=cfg["server_hostname"], **wopts)
            else:
                self.wclient = Client.plaintext(url, **wopts)
            self.wsvc = telemetry_pb.TelemetryServiceClient(self.wclient)

    def failed(self, what, e):
        self.failures += 1
        self.fail_streak += 1
        n = self.fail_streak
        cap = self.cfg["backoff_max_ms"]
        d = self.cfg["backoff_base_ms"] << min(n - 1, 16)
        if d > cap:
            d = cap
        # "Equal jitter": half the delay fixed, half random, so devices that
        # failed together do not retry together.
        half = d // 2
        d = half + _rand(20) % (half + 1)
        self.next_try = ticks_add(ticks_ms(), d)
        if n == 1 or n % 10 == 0:
            self.log("%s failed (%s), retry in %d ms, %d buffered" % (what, e, d, len(self.ring)))

    def succeeded(self):
        if self.fail_streak:
            self.log("service reachable again after %d failed attempts" % self.fail_streak)
        self.fail_streak = 0

    def get_config(self):
        pb = self.pb
        self.board.feed()
        meter = self.get_config_heap
        meter.start()
        try:
            if not self.board.network_up():
                raise ConnectError("unavailable", "no network")
            resp = self.svc.get_config(pb.GetConfigRequest(device_id=self.cfg["device_id"]))
        except ConnectError as e:
            self.failed("GetConfig", e)
            return
        finally:
            meter.stop()
            self.board.feed()
        self.succeeded()
        self.config_calls += 1
        self.apply_config(resp, "config")

    def apply_config(self, resp, how):
        self.last_config = ticks_ms()
        if resp.sample_interval_ms >= 10:
            self.interval = resp.sample_interval_ms
        if 1 <= resp.batch_size <= self.ring.cap:
            self.batch = resp.batch_size
        nxt = max(resp.next_sequence, 1)
        if self.next_seq is None or nxt > self.next_seq:
            self.next_seq = nxt
        delta = 0
        if resp.has_field("server_time"):
            st = resp.server_time
            server_ms = st.seconds * 1000 + st.nanos // 1000000
            delta = server_ms - self.now_ms()
            self.base_ms += delta
        self.configured = True
        self.assign(delta)
        self.dirty = True
        self.log(
            "%s: sample every %d ms, batches of %d, next sequence %d, clock moved %d ms"
            % (how, self.interval, self.batch, nxt, delta)
        )

    # -- WatchConfig
    def can_watch(self):
        """Whether to watch the configuration: over a socket, and (unless
        watch_config says) only where the heap can spare what the stream
        needs: its code (about 10 KiB where it is not frozen) and a second
        client (about 3 KiB). Measured on the unix port from .mpy files
        (docs/demo.md, "Configuration changes"): at 192 KiB the app has
        44.5 KiB left at this point, and watching runs with 25 KiB free after
        each collection, but at 184 KiB loading the stream's code already
        fails for want of a 752-byte block, where polling runs at 176 KiB."""
        cfg = self.cfg
        if cfg["transport"] != "socket" or cfg["watch_config"] is False:
            return False
        if cfg["watch_config"] is None:
            try:
                gc.collect()
                if gc.mem_free() < WATCH_MIN_FREE:
                    self.log("heap: %d bytes free, WatchConfig needs %d: polling GetConfig every %d ms"
                             % (gc.mem_free(), WATCH_MIN_FREE, cfg["config_poll_ms"]))
                    return False
            except AttributeError:  # CPython: no heap limit to mind
                pass
        from buffa.connect import streams  # noqa: F401  (loaded now, not mid-loop)

        return True

    def watching(self):
        """Whether configuration comes from the stream (else from polling)."""
        return self.wsvc is not None

    def wait_for_config(self, ms):
        """Spend up to ms waiting for a configuration on the WatchConfig
        stream (opening it first if it is due). False when there is no
        stream to wait on: the caller sleeps instead."""
        meter = self.watch_heap
        meter.start()
        try:
            return self._wait_for_config(ms)
        finally:
            meter.stop()

    def _wait_for_config(self, ms):
        s = self.watch
        if s is None:
            if not self.watching() or ticks_diff(ticks_ms(), self.next_watch) < 0 or not self.board.network_up():
                return False
            s = self.watch = self.wsvc.watch_config(self.pb.GetConfigRequest(device_id=self.cfg["device_id"]))
        self.board.feed()
        try:
            m = s.poll(ms)  # the first poll dials and sends: bounded by connect and call timeouts
        except ConnectError as e:
            self.watch = None
            if e.code in ("unimplemented", "resource_exhausted"):
                # A service (or transport) without it, or a heap that cannot
                # hold the stream: poll GetConfig instead.
                self.wsvc = None
                self.wclient.close()
                self.log("WatchConfig not available (%s): polling GetConfig every %d ms"
                         % (e.message, self.cfg["config_poll_ms"]))
                return True
            self.watch_fails += 1
            d = self.cfg["backoff_base_ms"] << min(self.watch_fails - 1, 16)
            self.next_watch = ticks_add(ticks_ms(), min(d, self.cfg["backoff_max_ms"]))
            if self.watch_fails == 1 or self.watch_fails % 10 == 0:
                self.log("WatchConfig failed (%s), again in %d ms" % (e, min(d, self.cfg["backoff_max_ms"])))
            return True
        finally:
            self.board.feed()
        if m is not None:
            self.watch_fails = 0
            self.pushed += 1
            self.apply_config(m, "config pushed")
        elif s.ended:
            # The service ended the stream (it does every few minutes): watch again.
            self.watch = None
            self.next_watch = ticks_add(ticks_ms(), self.cfg["backoff_base_ms"])
        return True

    def due_to_poll_config(self):
        p = self.cfg["config_poll_ms"]
        return (
            p
            and not self.watching()
            and ticks_diff(ticks_ms(), self.next_try) >= 0
            and ticks_diff(ticks_ms(), self.last_config) >= p
        )

    def send(self):
        pb = self.pb
        r = self.ring
        n = min(self.batch, len(r))
        names = self.sensors
        readings = []
        for k in range(n):
            seq, sec, ms, s, _f, v = r.get(k)
            readings.append(
                pb.Reading(
                    sequence=seq,
                    time=_Timestamp(seconds=sec, nanos=ms * 1000000),
                    sensor=names[s][0],
                    value=v,
                    unit=names[s][1],
                )
            )
        first = readings[0].sequence
        last = readings[-1].sequence
        hw = self.hw
        hw.check()
        status = pb.DeviceStatus(
            heap_free_after_gc=hw.after_gc,
            heap_free_after_gc_min=hw.after_gc_min,
            heap_largest_free=hw.largest,
            collections=hw.collections,
            heap_size=hw.size,
            dropped=r.dropped,
            buffered=len(r),
            uptime_s=ticks_diff(ticks_ms(), self.boot) // 1000,
            send_failures=self.failures,
            rejected=self.rejected,
            platform=self.board.platform,
        )
        req = pb.RecordRequest(device_id=self.cfg["device_id"], readings=readings, status=status)
        readings = status = None
        self.board.feed()
        try:
            if not self.board.network_up():
                raise ConnectError("unavailable", "no network")
            resp = self.svc.record(req)
        except ConnectError as e:
            hw.check()
            req = None
            if e.code == "invalid_argument":
                # The service will never take these: discard, count, say so.
                r.pop(n)
                self.rejected += n
                self.dirty = True
                self.log("service rejected #%d-%d (%s): discarded" % (first, last, e.message))
                return
            self.failed("Record", e)
            return
        finally:
            self.board.feed()
        hw.check()
        req = None
        r.pop(n)
        self.sent += n
        self.batches += 1
        hw.reset()
        self.dirty = True
        self.last_send = ticks_ms()
        self.succeeded()
        self.log("sent #%d-%d: %d new, %d already stored; %d buffered" % (first, last, resp.accepted, resp.duplicates, len(r)))

    # -- persistence
    def load(self):
        path = self.cfg["persist_path"]
        if not path:
            return
        meta = self.ring.load(path)
        if meta is None:
            return
        import json

        try:
            m = json.loads(meta)
        except ValueError:
            m = {}
        names = ",".join(s[0] for s in self.sensors)
        if m.get("sensors") != names:
            self.log("persisted buffer is for other sensors: ignored")
            self.ring = Ring(self.ring.cap)
            return
        if m.get("seq"):
            self.next_seq = m["seq"]
        # Readings made before a reset: their sequences are kept; their
        # clock (if not yet synchronised) is corrected with this boot's.
        self.log("restored %d unsent readings from %s" % (len(self.ring), path))

    def save(self, force=False):
        path = self.cfg["persist_path"]
        if not path or not self.dirty:
            return
        now = ticks_ms()
        if not force and ticks_diff(now, self.last_save) < self.cfg["persist_interval_ms"]:
            return
        import json

        meta = json.dumps({"seq": self.next_seq or 0, "sensors": ",".join(s[0] for s in self.sensors)})
        try:
            self.ring.save(path, meta)
        except OSError as e:
            self.log("cannot save the buffer: %s" % e)
        self.dirty = False
        self.last_save = now

    # -- the loop
    def due_to_send(self, draining):
        r = self.ring
        if not len(r) or ticks_diff(ticks_ms(), self.next_try) < 0:
            return False
        if draining or len(r) >= self.batch:
            return True
        delay = self.cfg["max_batch_delay_ms"] or 3 * self.batch * self.interval
        return ticks_diff(ticks_ms(), self.last_send) >= delay

    def run(self):
        try:
            return self._run()
        except KeyboardInterrupt:
            # A Ctrl-C that lands inside gc.collect() can leave MicroPython's
            # "collecting" flag set (the unix port's collector waits in a
            # call that takes the interrupt), and with it set every
            # allocation fails as "heap is locked". A collection that runs
            # to its end clears the flag; what follows needs the heap.
            gc.collect()
            # Stopped by hand (Ctrl-C): keep the buffer and say what is in it,
            # so the run can be checked; the unsent readings go out next run.
            self.log("interrupted: %d readings still buffered" % len(self.ring))
            self.save(force=True)
            return self.summary()

    def _run(self):
        cfg = self.cfg
        self.load()
        if self.board.start_watchdog(cfg["watchdog_ms"]):
            self.log("watchdog: %d ms" % cfg["watchdog_ms"])
        self.connect()
        self.hw.collect(measure_largest=True)
        self.log(
            "device %s on %s, sensors %s"
            % (cfg["device_id"], self.board.platform, ", ".join(s[0] for s in self.sensors))
        )
        run_ms = int(cfg["run_for_s"] * 1000)
        stop_at = ticks_add(self.boot, run_ms) if run_ms else None
        drain_until = None
        next_sample = ticks_ms()
        while True:
            now = ticks_ms()
            self.board.feed()
            draining = stop_at is not None and ticks_diff(now, stop_at) >= 0
            if draining:
                if drain_until is None:
                    drain_until = ticks_add(now, int(cfg["drain_s"] * 1000))
                    self.log("run time over: sending what is left (%d readings)" % len(self.ring))
                if not len(self.ring) or ticks_diff(now, drain_until) >= 0:
                    break
            elif ticks_diff(now, next_sample) >= 0:
                self.sample()
                next_sample = ticks_add(next_sample, self.interval)
                if ticks_diff(ticks_ms(), next_sample) > 0:  # fell behind (a slow call): skip ahead
                    next_sample = ticks_add(ticks_ms(), self.interval)
            if not self.configured:
                if ticks_diff(ticks_ms(), self.next_try) >= 0:
                    self.get_config()
                    self.hw.collect()
            elif self.due_to_poll_config():
                self.get_config()
            elif self.due_to_send(draining):
                sent = self.batches
                self.send()
                # After a batch went out, the largest free block too (several
                # collections' work: not after each failed try in an outage).
                self.hw.collect(measure_largest=self.batches != sent)
            self.hw.check()
            self.save()
            # Sleep until the next sample or retry, in short steps (watchdog).
            wait = ticks_diff(next_sample, ticks_ms()) if not draining else 50
            if self.fail_streak or not self.configured:
                wait = min(wait, max(0, ticks_diff(self.next_try, ticks_ms())))
            elif len(self.ring) >= self.batch:
                wait = 0
            if wait > 0 and not (self.configured and not draining and self.wait_for_config(min(wait, 200))):
                _sleep_ms(min(wait, 200))
        self.save(force=True)
        if self.watch is not None:
            self.watch.close()
        for c in (self.client, self.wclient):
            if c is not None:
                c.close()
        return self.summary()

    def summary(self):
        s = {
            "device_id": self.cfg["device_id"],
            "made": self.made,
            "first_seq": self.first_seq or 0,
            "last_seq": (self.next_seq or 1) - 1,
            "sent": self.sent,
            "buffered": len(self.ring),
            "dropped": self.ring.dropped,
            "rejected": self.rejected,
            "send_failures": self.failures,
            "batches": self.batches,
            "heap_size": self.hw.size,
            "heap_free_after_gc": self.hw.after_gc,
            "heap_free_after_gc_min": self.hw.after_gc_min,
            "heap_largest_free": self.hw.largest,
            "collections": self.hw.total,
            "config_calls": self.config_calls,
            "configs_pushed": self.pushed,
            "watched_config": self.watching(),
            "uptime_ms": ticks_diff(ticks_ms(), self.boot),
            "get_config_heap": self.get_config_heap.bytes,
            "get_config_heap_first": max(self.get_config_heap.first, 0),
            "watch_heap": self.watch_heap.bytes,
            "watch_heap_first": max(self.watch_heap.first, 0),
            "config_heap_unmeasured": self.get_config_heap.unmeasured + self.watch_heap.unmeasured,
            "platform": self.board.platform,
        }
        import json

        print("TELEMETRY-SUMMARY " + json.dumps(s))
        return s


_Timestamp = None


def run(config_path="config.json", **overrides):
    """Run the device application with settings from config_path (a JSON
    file; None for none) and keyword overrides. Returns the summary dict."""
    global _Timestamp
    cfg = _config.load(config_path, overrides)
    from buffa.wkt.timestamp_pb import Timestamp

    _Timestamp = Timestamp
    dev = Device(cfg, _board.make(cfg))
    return dev.run()


if __name__ == "__main__" and sys.implementation.name == "cpython":  # pragma: no cover
    run(sys.argv[1] if len(sys.argv) > 1 else "config.json")
