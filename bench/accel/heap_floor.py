#!/usr/bin/env python3
"""Where heap after import goes on a 32-bit board, and how low a form of
generated code without functions could take it (issue #17's heap target).

    python bench/accel/heap_floor.py [--board QEMU_MPS2_AN385]

Run after `make bench` (it uses the firmware and the W1 module that
bench/frozen_heap.py builds: the C module compiled in, buffa and minipb
frozen beside it). On the board, from .mpy files over its host filesystem,
each in a freshly soft-reset interpreter (bench/import_heap.py's program),
it measures:

- `import buffa` (the runtime: the package, buffa.message and buffa.wire);
- buffa.wire alone, imported under another name so that the package and
  buffa.message stay out;
- the W1 module as the generator writes it, after the runtime;
- the W1 module with every generated function taken out (its classes,
  field tables and registration left; the codec slots point at a builtin),
  after the runtime: what a form of generated code that left decoding and
  encoding to the C table codec, and loaded no Python codec, would cost at
  best. That form is not built; this is its floor, not its figure.

and minipb with its W1 schema for the ratio. Prints a Markdown table.
"""
import argparse
import os
import re
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
sys.path[:0] = [BENCH, os.path.join(ROOT, "tools")]

import frozen_heap  # noqa: E402
import mpboard  # noqa: E402
import mpybuild  # noqa: E402


def without_functions(src):
    """The generated module's text with its codec functions taken out."""
    # the helpers it imports only for those functions
    src = re.sub(r"from buffa\.wire import \(\n(?:    .*\n)*\)\n", "", src)
    src = src.replace("from buffa.message import new_instance as _buffa_new\n", "")
    out, in_def, classes = [], False, set()
    for ln in src.split("\n"):
        if ln.startswith("def _buffa_"):
            in_def = True
            continue
        if in_def and (ln.startswith(" ") or not ln):
            continue
        in_def = False
        m = re.match(r"(_buffa_c\d+)\._buffa_[dzwn] = ", ln)
        if m:
            classes.add(m.group(1))
            continue
        out.append(ln)
    # the slots register() and the C installers read, on a builtin
    slots = "".join("%s._buffa_d = %s._buffa_z = %s._buffa_w = print\n" % (c, c, c) for c in sorted(classes))
    text = "\n".join(out)
    i = text.index("from buffa.message import register")
    return text[:i] + slots + text[i:]


def measure(board):
    gen = os.path.join(frozen_heap.BUILD, "gen", "bench_w1_pb.py")
    elf = os.path.join(frozen_heap.BUILD, board + "-build", "firmware.elf")
    if not (os.path.exists(gen) and os.path.exists(elf)):
        raise SystemExit("run make bench first (bench/frozen_heap.py builds the firmware and the W1 module)")
    arch = frozen_heap.ARCH[board]
    out = os.path.join(frozen_heap.BUILD, "floor-" + arch)
    os.makedirs(out, exist_ok=True)
    with open(gen) as f:
        stripped = without_functions(f.read())
    extra = {}
    for name, path, text in (("wire_alone", os.path.join(ROOT, "lib", "buffa", "wire.py"), None),
                             ("w1_tables_only", None, stripped)):
        if text is not None:
            path = os.path.join(out, name + ".py")
            with open(path, "w") as f:
                f.write(text)
        dst = os.path.join(out, name + ".mpy")
        mpybuild.compile_file(path, dst, arch, source_name=name + ".py")
        with open(dst, "rb") as f:
            extra[name + ".mpy"] = f.read()
    base = frozen_heap.mpy_lookup(board, [gen])

    def lookup(p):
        return extra.get(p.strip("/")) or base(p)

    rows = (
        ("`import buffa` (runtime)", [], ["buffa"]),
        ("buffa.wire alone", [], ["wire_alone"]),
        ("W1 module as generated, after the runtime", ["buffa"], ["bench_w1_pb"]),
        ("W1 module without its functions, after the runtime", ["buffa"], ["w1_tables_only"]),
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
    for label in ("W1 module as generated, after the runtime", "W1 module without its functions, after the runtime"):
        t = rt + res[label]
        print("\nruntime + %s: {:,} B, %.2f× minipb + its W1 schema ({:,} B; half: {:,} B)".format(
            t, minipb, minipb // 2) % (label.split(",")[0], t / minipb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
