#!/usr/bin/env python3
"""Where CPython's encode time goes: the size pass, the write pass and the
rest (buffer allocation, the copy to bytes), per workload.

    python bench/profile/cpython_passes.py [--runs 7]
    python bench/profile/cpython_passes.py --fields
        # also each field of W1's readings and W2's records: the share of
        # encode time that goes away when every record holds its default

Each figure is the median over runs of the best of three timeit loops, so
compare the shares, not the microseconds, across machines. A float field
at its default costs more than a non-zero one (the -0.0 test), so its
share comes out negative.
"""
import argparse
import os
import sys
import tempfile
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from instructions import DATA, generate  # noqa: E402


def best(fn, n):
    return min(timeit.repeat(fn, number=n, repeat=3)) / n


def median(xs):
    return sorted(xs)[len(xs) // 2]


def field_shares(M, raw, repeated, runs):
    """Each field of the records in repeated: the share of encode time that
    goes away when every record holds the field's default."""
    m = M.decode(raw)
    n = max(1, int(0.02 / best(m.encode, 20)))
    base = median([best(m.encode, n) for _ in range(runs)])
    rec = getattr(m, repeated)[0]
    print("\n| %s.%s field | share of encode |" % (M.__name__, repeated))
    print("|---|---:|")
    for f in type(rec)._buffa_f:
        name, default = f[0], f[7]
        if default is None:  # message, repeated or map field
            default = {} if isinstance(getattr(rec, name), dict) else [] if isinstance(getattr(rec, name), list) else None
        m2 = M.decode(raw)
        for r in getattr(m2, repeated):
            setattr(r, name, default)
        t = median([best(m2.encode, n) for _ in range(runs)])
        print("| %s | %.0f%% |" % (name, 100 * (base - t) / base))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--fields", action="store_true", help="also each field's share (W1, W2)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as gen:
        generate(gen)
        sys.path[:0] = [gen, os.path.join(ROOT, "lib")]
        import bench_pb as B

        print("| workload | encode µs | size pass | write pass | rest |")
        print("|---|---:|---:|---:|---:|")
        for w, M in (("W1", B.SensorBatch), ("W2", B.LogBatch), ("W3", B.Samples)):
            with open(os.path.join(DATA, w + ".bin"), "rb") as f:
                m = M.decode(f.read())
            view = memoryview(bytearray(m.encoded_size()))
            n = max(1, int(0.02 / best(m.encode, 20)))
            enc, size, write = [], [], []
            for _ in range(a.runs):
                enc.append(best(m.encode, n))
                size.append(best(lambda: M._buffa_z(m), n))
                write.append(best(lambda: M._buffa_w(m, view, 0), n))
            e, z, wr = (median(x) for x in (enc, size, write))
            print("| %s | %.1f | %.0f%% | %.0f%% | %.0f%% |" % (w, e * 1e6, 100 * z / e, 100 * wr / e, 100 * (e - z - wr) / e))
        if a.fields:
            for w, M, rep in (("W1", B.SensorBatch, "readings"), ("W2", B.LogBatch, "records")):
                with open(os.path.join(DATA, w + ".bin"), "rb") as f:
                    field_shares(M, f.read(), rep, a.runs)


if __name__ == "__main__":
    main()
