# Benchmark worker: serves ONE library in its own process, on CPython or on
# the MicroPython unix port. bench/run.py starts one worker per library and
# asks them in turn for timed runs, so that the libraries compared in a table
# are measured interleaved, under the same machine load.
#
#   micropython worker.py lib=minipb data=DIR path=DIR1:DIR2
#
# Arguments (key=value): lib, data (workload dir), path (':'-separated dirs
# prepended to sys.path), workloads (comma-separated), clock (cpu, the
# default when available, or wall).
#
# On start the worker imports the library, checks its decoded and encoded
# values for every workload once, and prints "@@READY <json>". Then it reads
# commands from stdin, one per line, and answers each with "@@OK <json>" or
# "@@ERR <message>":
#   calib WL OP SECONDS   -> seconds per op (OP: decode = decode and read
#                            every field; encode)
#   time WL OP N          -> {"t", "cpu", "wall"}: seconds for N ops (after
#                            gc.collect()); t is by the chosen clock
#   alloc WL              -> bytes allocated per decode / decode+read / encode
#                            (MicroPython)
#   spread WL OP N        -> per-call time percentiles over N calls
#                            (MicroPython)
#   quit

import gc
import sys

MP = sys.implementation.name == "micropython"


def parse_args(argv):
    args = {}
    for a in argv:
        k, _, v = a.partition("=")
        args[k] = v
    return args


ARGS = parse_args(sys.argv[1:])
_PATH = [p for p in ARGS.get("path", "").split(":") if p]
if MP:
    # hermetic: only the given dirs and frozen modules, no user-wide
    # MicroPython library dirs
    sys.path[:] = _PATH + [p for p in sys.path if p == ".frozen"]
else:
    sys.path[:0] = _PATH

# Heap after import is not measured here: by now the interpreter has
# compiled this file and interned its names, which moves the figure
# (bench/import_heap.py measures it in a process of its own).

import json  # noqa: E402

import adapters  # noqa: E402
import check  # noqa: E402

# Clocks. A timed run reports both the CPU time of this thread ("cpu": what
# the run would take on an otherwise idle machine; not inflated when other
# processes take the CPU) and wall-clock time. CPU time: time.thread_time()
# on CPython; on MicroPython (no such clock) the thread's run time from
# Linux /proc/thread-self/schedstat, in ns, which the kernel updates at
# scheduler ticks (a few ms), hence runs of a few hundred ms.
if MP:
    from time import ticks_diff, ticks_us

    def wall():
        return ticks_us()

    def wall_since(t0):
        return ticks_diff(ticks_us(), t0) / 1e6

    def _schedstat():
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[0])

    try:
        _schedstat()
        cpu = _schedstat
        CPU_SCALE = 1e-9
    except Exception:
        cpu = None
else:
    from time import perf_counter, thread_time

    def wall():
        return perf_counter()

    def wall_since(t0):
        return perf_counter() - t0

    cpu = thread_time
    CPU_SCALE = 1.0

CLOCK = ARGS.get("clock", "cpu")
if cpu is None:
    CLOCK = "wall"


def start():
    return (cpu() if cpu else 0), wall()


def stop(t):
    w = wall_since(t[1])
    c = (cpu() - t[0]) * CPU_SCALE if cpu else w
    return {"cpu": c, "wall": w, "t": c if CLOCK == "cpu" else w}


def loop_decode(dec, touch, data, n):
    t = start()
    for _ in range(n):
        touch(dec(data))
    return stop(t)


def loop_encode(enc, obj, n):
    t = start()
    for _ in range(n):
        enc(obj)
    return stop(t)


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) / 2


def calibrate(fn, calib):
    """Smallest doubling n with fn(n) >= calib seconds; returns seconds per op."""
    n = 1
    while True:
        t = fn(n)["t"]
        if t >= calib or n >= 1 << 20:
            return t / n
        n *= 2


def alloc_of(fn, arg):
    """Bytes allocated by one fn(arg) call: gc.mem_alloc() delta, GC off."""
    fn(arg)
    best = None
    for _ in range(3):
        gc.collect()
        gc.disable()
        try:
            a = gc.mem_alloc()
            r = fn(arg)
            b = gc.mem_alloc()
        except MemoryError:
            gc.enable()
            return None
        gc.enable()
        r = None  # noqa: F841
        d = b - a
        if best is None or d < best:
            best = d
    return best


def spread(fn, arg, n):
    """Per-call times (us) over n calls with GC running normally (MicroPython)."""
    import array

    ts = array.array("i", range(n))
    ms = array.array("i", range(n))
    mem = gc.mem_alloc
    gc.collect()
    for i in range(n):
        m0 = mem()
        t0 = ticks_us()
        fn(arg)
        t1 = ticks_us()
        dt = ticks_diff(t1, t0)
        if mem() < m0:
            dt = -dt  # a collection ran inside this call
        ts[i] = dt
        ms[i] = m0
    allt = sorted(abs(x) for x in ts)
    gcs = 0
    lo = hi = None
    for i in range(n):
        if ts[i] < 0:
            gcs += 1
        else:
            m = ms[i]
            if lo is None or m < lo:
                lo = m
            if hi is None or m > hi:
                hi = m
    early = []
    late = []
    if lo is not None and hi > lo:
        q1 = lo + (hi - lo) // 4
        q3 = hi - (hi - lo) // 4
        for i in range(n):
            if ts[i] >= 0:
                if ms[i] <= q1:
                    early.append(ts[i])
                elif ms[i] >= q3:
                    late.append(ts[i])

    def pct(p):
        return allt[min(n - 1, int(p * n))]

    out = {"n": n, "gc_calls": gcs, "p50_us": pct(0.5), "p90_us": pct(0.9),
           "p99_us": pct(0.99), "max_us": allt[-1]}
    if early and late:
        out["early_p50_us"] = median(early)
        out["late_p50_us"] = median(late)
    return out


def check_lib(ad, wl, data, expected):
    """Returns (None, decoded object) or (error message, None)."""
    name = check.ROOT[wl]
    try:
        obj = ad.dec[wl](data)
    except Exception as e:
        return "decode raised %r" % (e,), None
    try:
        d = check.diff(ad.canon(obj, wl), expected)
    except Exception as e:
        d = "reading values raised %r" % (e,)
    if d:
        return "decoded values differ: " + d, None
    got = ad.touch[wl](obj)
    if not check.touch_equal(got, check.expected_touch(wl, expected)):
        return "read-every-field checksum %r != expected %r" % (got, check.expected_touch(wl, expected)), None
    # re-encode the decoded object; check with the reference decoder and the
    # library's own decoder
    for what, src in (("re-encoded", obj), ("constructed", None)):
        try:
            if src is None:
                src = ad.build(expected, wl)
            out = ad.enc[wl](src)
        except Exception as e:
            return "%s: encode raised %r" % (what, e), None
        try:
            d = check.diff(check.ref_decode(out, name), expected)
        except Exception as e:
            d = "reference decoder raised %r" % (e,)
        if d:
            return "%s bytes decode (reference decoder) to different values: %s" % (what, d), None
        try:
            d = check.diff(ad.canon(ad.dec[wl](out), wl), expected)
        except Exception as e:
            d = "raised %r" % (e,)
        if d:
            return "%s bytes decode (own decoder) to different values: %s" % (what, d), None
    return None, obj


class State:
    pass


def emit(kind, obj):
    sys.stdout.write("@@" + kind + " " + json.dumps(obj) + "\n")
    try:
        sys.stdout.flush()
    except AttributeError:
        pass


def setup():
    st = State()
    st.lib = ARGS["lib"]
    data_dir = ARGS.get("data", ".")
    st.wls = [w for w in ARGS.get("workloads", "W1,W2,W3").split(",") if w]
    ready = {"lib": st.lib, "runtime": "micropython" if MP else "cpython", "clock": CLOCK,
             "runtime_version": sys.version.split()[0] if not MP else ".".join(str(x) for x in sys.implementation.version[:3]),
             "workloads": {}}
    try:
        ad = adapters.LOADERS[st.lib]()
        if st.lib == "buffa-accel" and not __import__("buffa.wire").wire.ACCEL:
            raise ImportError("buffa_accel did not load")
    except Exception as e:
        ready["error"] = "not available: %r" % (e,)
        return st, ready
    ready["version"] = ad.version
    if hasattr(ad, "backend"):
        ready["backend"] = ad.backend
    st.ad = ad
    st.data = {}
    st.obj = {}
    for wl in st.wls:
        with open(data_dir + "/" + wl + ".bin", "rb") as f:
            data = f.read()
        with open(data_dir + "/" + wl + ".json") as f:
            expected = check.normalize_expected(json.load(f), check.ROOT[wl])
        r = {"bytes": len(data)}
        ready["workloads"][wl] = r
        # sanity: the reference decoder agrees with W*.json
        d = check.diff(check.ref_decode(data, check.ROOT[wl]), expected)
        if d:
            r["error"] = "reference decoder disagrees with %s.json: %s" % (wl, d)
            continue
        err, obj = check_lib(ad, wl, data, expected)
        expected = None
        if err:
            r["error"] = err
            continue
        r["check"] = "ok"
        st.data[wl] = data
        st.obj[wl] = obj
        gc.collect()
    return st, ready


def timed(st, wl, op):
    """fn(n) -> seconds for n ops."""
    ad = st.ad
    if op == "decode":
        dec = ad.dec[wl]
        touch = ad.touch[wl]
        data = st.data[wl]
        return lambda n: loop_decode(dec, touch, data, n)
    enc = ad.enc[wl]
    obj = st.obj[wl]
    return lambda n: loop_encode(enc, obj, n)


def command(st, parts):
    cmd = parts[0]
    if cmd == "calib":
        return calibrate(timed(st, parts[1], parts[2]), float(parts[3]))
    if cmd == "time":
        fn = timed(st, parts[1], parts[2])
        n = int(parts[3])
        gc.collect()
        return fn(n)
    if cmd == "alloc":
        wl = parts[1]
        dec = st.ad.dec[wl]
        touch = st.ad.touch[wl]
        return {"decode": alloc_of(dec, st.data[wl]),
                "decode_read": alloc_of(lambda d: touch(dec(d)), st.data[wl]),
                "encode": alloc_of(st.ad.enc[wl], st.obj[wl])}
    if cmd == "spread":
        wl, op, n = parts[1], parts[2], int(parts[3])
        if op == "decode":
            dec = st.ad.dec[wl]
            touch = st.ad.touch[wl]

            def dec_read(d):
                return touch(dec(d))
            return spread(dec_read, st.data[wl], n)
        return spread(st.ad.enc[wl], st.obj[wl], n)
    raise ValueError("unknown command %r" % cmd)


def main():
    st, ready = setup()
    emit("READY", ready)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "quit":
            break
        try:
            res = command(st, parts)
        except Exception as e:
            emit("ERR", repr(e))
            continue
        emit("OK", res)


main()
