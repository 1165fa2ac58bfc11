#!/usr/bin/env python3
"""W1 decode and encode on a QEMU board, with the C accelerator (its helpers,
its table decoder and its table encoder) and with buffa's Python code,
interleaved in one run on the same firmware.

    python bench/accel/qemu_ratio.py [--board QEMU_MPS2_AN385] [--runs 5] [--n 20]

(bench/run.py runs it too, with --runs 7, and reports it beside issue
#17's targets.)

The board's firmware must have the accelerator compiled in (QEMU_MPS2_AN385
has by default). On the board, buffa.wire's C functions and the Python ones
it keeps (_py_NAME) are put in place in turn and the W1-only generated module
(bench/run.py builds it into build/bench/gen/buffa) is imported once with
each, since generated code binds the helpers when it is imported; the
Python run's classes go back to their generated size and write functions,
which the C table encoder keeps as its fallback. Prints
µs per op (median of the runs) and the ratio. QEMU's clock is the host's:
the figures are emulated time, only their ratio means anything.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import mpboard  # noqa: E402
import mptest_runtimes as rts  # noqa: E402

GEN = os.path.join(os.environ.get("BUFFA_BUILD") or os.path.join(ROOT, "build"), "bench", "gen", "buffa")

BOARD_CODE = r"""
import sys, gc, time
sys.path[:] = ['/t', '.frozen']
from buffa import wire
assert wire.ACCEL, 'this firmware has no buffa_accel'
NAMES = ('varint', 'tag', 'length', 'string', 'strict_utf8', 'vsize', 'put_varint')
C = dict((n, getattr(wire, n)) for n in NAMES)
PY = dict((n, getattr(wire, '_py_' + n)) for n in NAMES)
DATA = open('/t/W1.bin', 'rb').read()  # a host file: no close, no context manager
mods = {}
for name, fns in (('python', PY), ('c', C)):
    for n in NAMES:
        setattr(wire, n, fns[n])
    sys.modules.pop('bench_w1_pb', None)
    mod = mods[name] = __import__('bench_w1_pb')
    if name == 'python':
        # registering installed the C table decoder and encoder: back to the
        # generated Python functions they keep
        for cls in (mod.SensorBatch, mod.Reading):
            cls._buffa_d = getattr(cls._buffa_d, 'fallback', cls._buffa_d)
            if hasattr(cls._buffa_z, 'fallback'):
                cls._buffa_z, cls._buffa_w = cls._buffa_z.fallback, cls._buffa_w.fallback
for n in NAMES:
    setattr(wire, n, C[n])
RUNS, N = %d, %d
res = {}
for r in range(RUNS):
    for name in ('python', 'c'):
        cls = mods[name].SensorBatch
        m = cls.decode(DATA)
        assert m.encode() == DATA or len(m.encode()) == len(DATA)
        gc.collect()
        t0 = time.ticks_us()
        for i in range(N):
            cls.decode(DATA)
        t1 = time.ticks_us()
        for i in range(N):
            m.encode()
        t2 = time.ticks_us()
        res.setdefault(name, []).append((time.ticks_diff(t1, t0) / N, time.ticks_diff(t2, t1) / N))
print('RESULT', res)
"""


def measure(board="QEMU_MPS2_AN385", runs=5, n=20):
    """{"decode": [python µs, C µs], "encode": [...]}: medians over the runs
    of W1 on the board, emulated µs per op."""
    src = os.path.join(GEN, "bench_w1_pb.py")
    if not os.path.exists(src):
        raise RuntimeError("no %s: run bench/run.py first (it generates it)" % os.path.relpath(src, ROOT))
    arch = mpboard.BOARD_ARCH[board]
    with open(os.path.join(ROOT, "bench", "workloads", "W1.bin"), "rb") as f:
        w1 = f.read()

    def lookup(p):
        p = p.strip("/")
        if p == "":
            return True
        if p == "bench_w1_pb.mpy":
            return rts._mpy_cache(arch, src, "bench_w1_pb.py")
        if p == "W1.bin":
            return w1
        return None

    sess = rts.session(board)
    try:
        sess.ensure()
        repl = sess.repl
        repl.soft_reset()
        fs = mpboard.HostFS(repl, lookup)
        fs.setup()
        out, err = repl.exec_(BOARD_CODE % (runs, n), timeout=1200, check=False, on_output=fs.feed)
    finally:
        rts.close_all()
    text = mpboard.HostFS.strip(out).decode("utf-8", "replace") if isinstance(out, bytes) else str(out)
    if err:
        raise RuntimeError("the board raised:\n%s\n%s" % (text, err))
    line = [x for x in text.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise RuntimeError("no result:\n" + text)
    res = eval(line[0][7:], {})

    def med(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2]

    return dict((op, [med([r[i] for r in res["python"]]), med([r[i] for r in res["c"]])])
                for i, op in enumerate(("decode", "encode")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="QEMU_MPS2_AN385")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=20)
    a = ap.parse_args()
    try:
        res = measure(a.board, a.runs, a.n)
    except RuntimeError as e:
        raise SystemExit(str(e))
    print("%s, W1 (530 bytes), median of %d interleaved runs of %d ops (emulated µs per op):" % (a.board, a.runs, a.n))
    for op in ("decode", "encode"):
        py, c = res[op]
        print("  %s: Python %.0f µs, C %.0f µs: %.2fx" % (op, py, c, py / c))


if __name__ == "__main__":
    main()
