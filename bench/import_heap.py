# Heap after import: the program that measures it, shared by bench/run.py
# (the MicroPython unix port) and bench/frozen_heap.py (a QEMU board).
#
# The figure is what a program that starts by importing the library sees:
# gc.mem_alloc() growth after gc.collect() around the imports, in an
# interpreter that has run nothing else. It is measured by this small
# program, in a process (or soft-reset board) of its own, and not inside
# bench/worker.py: there the interpreter had compiled the whole worker
# first, which interned about 120 names of its own. MicroPython keeps
# interned names in pools that double in size (20, 40, 80, 160, ...
# entries, 11 bytes each on the 64-bit unix port), so the worker's names
# moved which import paid for a new pool (1.8 KB for 160 entries) and
# which of the library's names were already interned: the worker reported
# 13,248 B for the runtime and 9,824 B for the W1 module where this program
# measures 12,864 and 11,744 (the same build: it had interned 126 names when
# it began, and the runtime's import paid for the 160-entry pool).
# A change can still move a figure by a pool when it crosses a boundary;
# docs/design.md, "Heap after import", says how to read that.
import os
import subprocess

# %r: the runtime modules, then the schema modules, to import in that order.
# Prints "@@HEAP <runtime> <runtime + schema> <module> <module> ...": the
# modules are those the imports added.
SNIPPET = """import gc, sys
def _imp(names):
    for n in names:
        __import__(n)
_a = _b = _c = 0  # (so that the globals do not grow while measuring)
_m0 = set(sys.modules)
gc.collect()
_a = gc.mem_alloc()
_imp(%r)
gc.collect()
_b = gc.mem_alloc()
_imp(%r)
gc.collect()
_c = gc.mem_alloc()
print("@@HEAP", _b - _a, _c - _a, " ".join(sorted(set(sys.modules) - _m0)))
"""


def program(runtime_mods, schema_mods, path=None):
    """The measuring program; path: the whole sys.path to set first."""
    pre = "import sys\nsys.path[:] = %r\n" % (list(path),) if path is not None else ""
    return pre + SNIPPET % (list(runtime_mods), list(schema_mods))


def parse(out):
    """{"runtime", "with_schema", "modules"} from the program's output."""
    for line in out.splitlines():
        if line.startswith("@@HEAP "):
            f = line.split()
            return {"runtime": int(f[1]), "with_schema": int(f[2]), "modules": f[3:]}
    raise ValueError("no @@HEAP line in: %s" % out.strip()[-300:])


def unix(micropython, path, runtime_mods, schema_mods, heapsize="", timeout=120):
    """Measure in a fresh MicroPython unix-port process; path: the dirs to
    import from (nothing else, frozen modules aside, is on sys.path)."""
    cmd = [micropython]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += ["-c", program(runtime_mods, schema_mods, list(path) + [".frozen"])]
    env = dict(os.environ, MICROPYPATH="")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError("heap measurement failed: %s" % r.stdout.strip()[-300:])
    return parse(r.stdout)
