#!/usr/bin/env python3
"""Instructions per decode and encode on the MicroPython unix port, counted
by valgrind's callgrind: deterministic, so it compares two versions of the
code on a loaded machine where timings do not. Needs Debian's valgrind.

    python bench/profile/instructions.py            # W1-W3, dec and enc
    python bench/profile/instructions.py --top W2 dec
        # the C functions that take the most instructions (e.g. qstr_find_strn)

Each figure is (count for N ops - count for 0 ops) / N, so start-up and
imports cancel out.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.environ.get("BUFFA_BENCH_DATA", os.path.join(ROOT, "bench", "workloads"))
BIN = os.path.dirname(sys.executable)


def tool(name):
    p = os.path.join(BIN, name)
    return p if os.path.exists(p) else shutil.which(name)


def generate(out):
    shutil.copy(os.path.join(DATA, "bench.proto"), out)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    subprocess.run([tool("protoc"), "--plugin=protoc-gen-buffa=" + os.path.join(ROOT, "tools", "protoc-gen-buffa"),
                    "--buffa_out=" + out, "-I" + out, "bench.proto"], check=True, env=env)


def count(gen, w, op, n, out_file="/dev/null"):
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "lib"))
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file, tool("micropython"),
                        os.path.join(HERE, "workload.py"), gen, DATA, w, op, str(n)],
                       capture_output=True, text=True, env=env)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not m:
        raise RuntimeError(r.stderr[-2000:])
    return int(m.group(1))


def main(argv):
    if not shutil.which("valgrind"):
        sys.exit("instructions: needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as gen:
        generate(gen)
        if argv[:1] == ["--top"]:
            w, op = argv[1], argv[2]
            out = os.path.join(gen, "cg.out")
            count(gen, w, op, 4, out)
            r = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True)
            print("\n".join(r.stdout.splitlines()[:40]))
            return
        for w in ("W1", "W2", "W3"):
            n = 4 if w == "W2" else 20
            cells = []
            for op in ("dec", "enc"):
                per_op = (count(gen, w, op, n) - count(gen, w, op, 0)) // n
                cells.append("%s %s %dk" % (w, op, per_op // 1000))
            print("  ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
