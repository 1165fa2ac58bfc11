"""TelemetryService for connect-python: input checks, storage, the live view.

Bad input never reaches storage: each check raises a ConnectError with code
invalid_argument and a message naming the field; storage failures are
unavailable. Nothing a request carries can make a handler raise anything else.
"""
import asyncio
import json
import math
import os
import re
import sqlite3
import sys
import time

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from health import heap_summary

DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
SENSOR = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
MAX_READINGS = 500
# google.protobuf.Timestamp's range: 0001-01-01 to 9999-12-31.
TS_MIN, TS_MAX = -62135596800, 253402300799

UNIT_SYMBOLS = {1: "°C", 2: "V", 3: "%", 4: "Pa", 5: "lx", 6: ""}


def bad(msg):
    return ConnectError(Code.INVALID_ARGUMENT, msg)


def check_device_id(device_id):
    if not device_id:
        raise bad("device_id is required")
    if not DEVICE_ID.match(device_id):
        raise bad("device_id must be 1 to 64 letters, digits or . _ : -")


def check_batch(req):
    """The rows to store for a RecordRequest, or raises invalid_argument."""
    check_device_id(req.device_id)
    n = len(req.readings)
    if n == 0:
        raise bad("readings: at least one reading is required")
    if n > MAX_READINGS:
        raise bad("readings: %d readings in one batch, at most %d" % (n, MAX_READINGS))
    rows = []
    seen = set()
    for i, r in enumerate(req.readings):
        where = "readings[%d]" % i
        if r.sequence < 1:
            raise bad(where + ".sequence must be at least 1")
        if r.sequence in seen:
            raise bad("%s.sequence %d appears twice in the batch" % (where, r.sequence))
        seen.add(r.sequence)
        if not r.has_field("time"):
            raise bad(where + ".time is required")
        t = r.time
        if not TS_MIN <= t.seconds <= TS_MAX or not 0 <= t.nanos <= 999999999:
            raise bad(where + ".time is not a valid Timestamp")
        if not SENSOR.match(r.sensor):
            raise bad(where + ".sensor must be 1 to 32 letters, digits or . _ -")
        if not math.isfinite(r.value):
            raise bad(where + ".value must be a finite number")
        unit = int(r.unit)
        if unit not in UNIT_SYMBOLS:
            raise bad(where + ".unit %d is not a known unit" % unit)
        rows.append((r.sequence, t.seconds, t.nanos, r.sensor, r.value, unit))
    return rows


def status_dict(req):
    if not req.has_field("status"):
        return None
    s = req.status
    return {
        "heap_free_after_gc": s.heap_free_after_gc,
        "heap_free_after_gc_min": s.heap_free_after_gc_min,
        "heap_largest_free": s.heap_largest_free,
        "collections": s.collections,
        "heap_size": s.heap_size,
        "dropped": s.dropped,
        "buffered": s.buffered,
        "uptime_s": s.uptime_s,
        "send_failures": s.send_failures,
        "rejected": s.rejected,
        "platform": s.platform[:64],
    }


class LiveView:
    """On the terminal, per batch: what arrived, from whom, and the device's
    health (the figures the web page's device card shows)."""

    def __init__(self, out=None, quiet=False):
        self.out = out or sys.stdout
        self.quiet = quiet
        self.color = hasattr(self.out, "isatty") and self.out.isatty()

    def _c(self, code, s):
        return "\x1b[%sm%s\x1b[0m" % (code, s) if self.color else s

    def batch(self, device, rows, accepted, dups, status, failures_before=None):
        """failures_before: send_failures in the device's previous batch."""
        if self.quiet:
            return
        latest = {}
        for seq, _s, _n, sensor, value, unit in sorted(rows):
            latest[sensor] = "%s=%.2f%s" % (sensor, value, UNIT_SYMBOLS.get(unit, ""))
        seqs = [r[0] for r in rows]
        line = "%s %s #%d-%d %s %s" % (
            time.strftime("%H:%M:%S"),
            self._c("1", device),
            min(seqs),
            max(seqs),
            self._c("32", "+%d new" % accepted),
            (self._c("33", "%d dup" % dups) if dups else "0 dup"),
        )
        line += "  " + " ".join(latest[k] for k in sorted(latest))
        if status:
            before = failures_before
            if before is not None and status["send_failures"] > before:
                line = "%s %s %s\n%s" % (time.strftime("%H:%M:%S"), self._c("1", device), self._c(
                    "33", "is back after %d failed sends: readings it buffered meanwhile arrive late"
                    % (status["send_failures"] - before)), line)
            line += "  dropped %d, buffered %d" % (status["dropped"], status["buffered"])
            if status["send_failures"]:
                line += ", %d failed sends" % status["send_failures"]
            heap = heap_summary(status)
            if heap:
                line += "\n    " + heap
        self.out.write(line + "\n")
        self.out.flush()

    def note(self, text):
        if not self.quiet:
            self.out.write("%s %s\n" % (time.strftime("%H:%M:%S"), text))
            self.out.flush()


class Settings:
    """The settings devices get (sample_interval_ms, batch_size), which may
    change while the collector runs: WatchConfig streams wait on changed()."""

    def __init__(self, values):
        self.values = dict(values)
        self.version = 0
        self._changed = None

    def __getitem__(self, key):
        return self.values[key]

    def update(self, values):
        """Take new values (checked as the command line checks them)."""
        new = dict(self.values)
        new.update(values)
        if not isinstance(new["sample_interval_ms"], int) or new["sample_interval_ms"] < 10:
            raise ValueError("sample_interval_ms must be an integer of at least 10")
        if not isinstance(new["batch_size"], int) or not 1 <= new["batch_size"] <= MAX_READINGS:
            raise ValueError("batch_size must be an integer from 1 to %d" % MAX_READINGS)
        if new == self.values:
            return False
        self.values = new
        self.version += 1
        ev, self._changed = self._changed, None
        if ev is not None:
            ev.set()
        return True

    async def changed(self, timeout_s):
        """Wait until the settings change, or timeout_s passes."""
        if self._changed is None:
            self._changed = asyncio.Event()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass


async def follow_settings_file(path, settings, view, every_s=0.25):
    """Apply the JSON object in `path` to `settings` whenever the file changes
    (how `make demo` and the tests push a new config to watching devices)."""
    seen = None
    while True:
        try:
            st = os.stat(path)
            key = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if key is not None and key != seen:
            seen = key
            try:
                with open(path) as f:
                    values = json.load(f)
                if settings.update(values):
                    view.note("settings now: sample every %d ms, batches of %d"
                              % (settings["sample_interval_ms"], settings["batch_size"]))
            except (OSError, ValueError, TypeError, KeyError) as e:
                view.note("settings file %s ignored: %s" % (path, e))
        await asyncio.sleep(every_s)


# How long one WatchConfig stream lasts before the service ends it (the
# device then watches again): bounded, so no stream outlives a dead device.
WATCH_SECONDS = 300


def make_service(pb, timestamp_cls, store, settings, view, watch=True, watch_seconds=WATCH_SECONDS):
    """A TelemetryService implementation (connect-python's async protocol).

    pb: the protobuf-py module generated from telemetry.proto.
    settings: a Settings (or a dict with sample_interval_ms and batch_size).
    watch: False answers WatchConfig with unimplemented, as a service from
    before it would (devices then poll GetConfig).
    """
    if not isinstance(settings, Settings):
        settings = Settings(settings)

    def config(device_id):
        try:
            nxt = store.next_sequence(device_id)
        except sqlite3.Error as e:
            raise ConnectError(Code.UNAVAILABLE, "storage unavailable: %s" % e)
        now = time.time_ns()
        return nxt, pb.GetConfigResponse(
            sample_interval_ms=settings["sample_interval_ms"],
            batch_size=settings["batch_size"],
            server_time=timestamp_cls(seconds=now // 1000000000, nanos=now % 1000000000),
            next_sequence=nxt,
        )

    class TelemetryService:
        async def record(self, request, ctx):
            rows = check_batch(request)
            status = status_dict(request)
            try:
                before = store.last_status(request.device_id)
                accepted, dups = store.record(request.device_id, rows, status)
            except sqlite3.Error as e:
                raise ConnectError(Code.UNAVAILABLE, "storage unavailable: %s" % e)
            view.batch(request.device_id, rows, accepted, dups, status, (before or {}).get("send_failures"))
            return pb.RecordResponse(accepted=accepted, duplicates=dups)

        async def get_config(self, request, ctx):
            check_device_id(request.device_id)
            nxt, resp = config(request.device_id)
            view.note("%s fetched its config (next sequence %d)" % (request.device_id, nxt))
            return resp

        async def watch_config(self, request, ctx):
            if not watch:
                raise ConnectError(Code.UNIMPLEMENTED, "WatchConfig is turned off (--no-watch-config)")
            check_device_id(request.device_id)
            end = time.monotonic() + watch_seconds
            seen = None
            while True:
                if settings.version != seen:
                    seen = settings.version
                    nxt, resp = config(request.device_id)
                    view.note("%s watches its config (settings version %d)" % (request.device_id, seen))
                    yield resp
                left = end - time.monotonic()
                if left <= 0:
                    return
                await settings.changed(left)

    return TelemetryService()
