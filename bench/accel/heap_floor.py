#!/usr/bin/env python3
"""Where heap after import goes on a 32-bit board, with the C module in the
firmware (issue #17's heap target), and what a first decode adds.

    python bench/accel/heap_floor.py [--board QEMU_MPS2_AN385]

Run after `make bench` (it uses the firmware and the W1 modules that
bench/frozen_heap.py builds: the C module compiled in, buffa and minipb
frozen beside it). On the board, from .mpy files over its host filesystem,
each in a freshly soft-reset interpreter (bench/import_heap.py's program),
it measures:

- `import buffa` (the runtime: the package and buffa.message);
- buffa.wire (the Python codec's helpers) after the runtime;
- the W1 module as the generator writes it by default, after the runtime;
- the W1 module generated with the split option (classes, field tables,
  registration), after the runtime;
- that, then a module that decodes W1 and encodes it again (the module
  itself included): what a first use adds where the C module takes every
  field;
- that, with its codec module imported as well: what a runtime without the
  C module holds after a first decode;

and minipb with its W1 schema for the ratio. Prints a Markdown table.
"""
import argparse
import os
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
sys.path[:0] = [BENCH, os.path.join(ROOT, "tools")]

import frozen_heap  # noqa: E402
import mpboard  # noqa: E402
import mpybuild  # noqa: E402


# decodes W1 and encodes it again, then keeps nothing but itself
ROUND_TRIP = """import bench_w1_split_pb as _w
_d = open('/t/W1.bin', 'rb').read()
_w.SensorBatch.decode(_d).encode()
del _d, _w
"""
# the same module's text, its own heap, without the decode and encode
IMPORT_ONLY = """import bench_w1_split_pb as _w
_d = None
del _d, _w
"""


def measure(board):
    gen = os.path.join(frozen_heap.BUILD, "gen")
    elf = os.path.join(frozen_heap.BUILD, board + "-build", "firmware.elf")
    w1 = [os.path.join(gen, n) for n in ("bench_w1_pb.py", "bench_w1_split_pb.py", "bench_w1_split_pb_codec.py")]
    if not (all(os.path.exists(p) for p in w1) and os.path.exists(elf)):
        raise SystemExit("run make bench first (bench/frozen_heap.py builds the firmware and the W1 modules)")
    arch = frozen_heap.ARCH[board]
    out = os.path.join(frozen_heap.BUILD, "floor-" + arch)
    os.makedirs(out, exist_ok=True)
    extra = {}
    for name, text in (("w1_round_trip", ROUND_TRIP), ("w1_import_only", IMPORT_ONLY)):
        path = os.path.join(out, name + ".py")
        with open(path, "w") as f:
            f.write(text)
        dst = os.path.join(out, name + ".mpy")
        mpybuild.compile_file(path, dst, arch, source_name=name + ".py")
        with open(dst, "rb") as f:
            extra[name + ".mpy"] = f.read()
    with open(os.path.join(ROOT, "bench", "workloads", "W1.bin"), "rb") as f:
        extra["W1.bin"] = f.read()
    base = frozen_heap.mpy_lookup(board, w1)

    def lookup(p):
        return extra.get(p.strip("/")) or base(p)

    rows = (
        ("`import buffa` (runtime)", [], ["buffa"]),
        ("buffa.wire, after the runtime", ["buffa"], ["buffa.wire"]),
        ("W1 module as generated, after the runtime", ["buffa"], ["bench_w1_pb"]),
        ("W1 module generated with split, after the runtime", ["buffa"], ["bench_w1_split_pb"]),
        ("that, then a decode and an encode of W1", ["buffa"], ["bench_w1_split_pb", "w1_round_trip"]),
        ("that, then the same module without the decode and encode", ["buffa"],
         ["bench_w1_split_pb", "w1_import_only"]),
        ("that, with its codec module loaded too", ["buffa"], ["bench_w1_split_pb", "w1_round_trip",
                                                              "bench_w1_split_pb_codec"]),
        ("minipb runtime", [], ["minipb"]),
        ("minipb W1 schema, after its runtime", ["minipb"], ["minipb_schema_w1"]),
    )
    qemu = mpboard.QemuBoard(board, firmware=elf)
    repl = mpboard.RawRepl(qemu.start())
    res = []
    try:
        repl.enter_raw(soft_reset=True)
        for label, before, mods in rows:
            h = frozen_heap.heap_on_board(repl, before, mods, lookup)
            res.append((label, h["with_schema"] - h["runtime"]))
    finally:
        repl.close()
        qemu.stop()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="QEMU_MPS2_AN385", choices=sorted(frozen_heap.ARCH))
    a = ap.parse_args()
    res = dict(measure(a.board))
    print("| %s, from .mpy | heap (bytes) |" % a.board)
    print("|---|---:|")
    for label, v in res.items():
        print("| %s | {:,} |".format(v) % label)
    minipb = res["minipb runtime"] + res["minipb W1 schema, after its runtime"]
    rt = res["`import buffa` (runtime)"]
    for label in ("W1 module as generated, after the runtime", "W1 module generated with split, after the runtime",
                  "that, then a decode and an encode of W1"):
        t = rt + res[label]
        print("\nruntime + %s: {:,} B, %.2f× minipb + its W1 schema ({:,} B; half: {:,} B)".format(
            t, minipb, minipb // 2) % (label.split(", after")[0], t / minipb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
