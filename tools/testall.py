"""Run the whole test matrix as a few pytest processes at once.

    tools/testall.py GROUP [GROUP ...]      each GROUP: runtimes, comma separated

Every runtime of the matrix must be in exactly one group, so that a runtime
added to tools/mptest_runtimes.py cannot drop out of `make test` unnoticed.
The groups run side by side (QEMU and the MicroPython ports are single
threaded, and the CPython group spends most of its time waiting on the
conformance runner's subprocesses); each one's output goes to
build/test-logs/ and is printed whole when it ends, so the per-runtime
summary lines stay together. Extra pytest arguments come from PYTEST_ARGS.
Exit status: 0 only when every group passed.
"""
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import mptest_runtimes as rts  # noqa: E402


def check_groups(groups):
    """The runtimes of each group; raises SystemExit naming any runtime in no group or in two."""
    seen = {}
    out = []
    for g in groups:
        names = [n.strip() for n in g.split(",") if n.strip()]
        for n in names:
            if n not in rts.RUNTIMES:
                raise SystemExit("testall: unknown runtime %r (known: %s)" % (n, ", ".join(rts.ORDER)))
            if n in seen:
                raise SystemExit("testall: runtime %r is in two groups" % n)
            seen[n] = True
        out.append(names)
    missing = [n for n in rts.ORDER if n not in seen]
    if missing:
        raise SystemExit("testall: runtimes in no group: %s (add them to TEST_GROUPS in the Makefile)" % ", ".join(missing))
    return out


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    groups = check_groups(argv)
    logs = os.path.join(rts.BUILD, "test-logs")
    os.makedirs(logs, exist_ok=True)
    extra = shlex.split(os.environ.get("PYTEST_ARGS", ""))
    procs = []
    t0 = time.time()
    for names in groups:
        path = os.path.join(logs, "+".join(names) + ".log")
        f = open(path, "w")
        cmd = [sys.executable, "-m", "pytest", "host_tests", "-p", "no:cacheprovider", "-q", "-rfE",
               "--runtime", ",".join(names)] + extra
        print("testall: started %s (log: %s)" % (",".join(names), os.path.relpath(path, ROOT)), flush=True)
        procs.append((names, path, f, subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                                                       stdin=subprocess.DEVNULL)))
    status = 0
    pending = list(procs)
    while pending:
        for item in list(pending):
            names, path, f, p = item
            if p.poll() is None:
                continue
            pending.remove(item)
            f.close()
            print("\n===== %s: exit %d after %ds =====" % (",".join(names), p.returncode, time.time() - t0), flush=True)
            with open(path) as lf:
                sys.stdout.write(lf.read())
            sys.stdout.flush()
            if p.returncode != 0:
                status = 1
        time.sleep(0.5)
    print("testall: %s after %ds" % ("all groups passed" if status == 0 else "FAILED", time.time() - t0))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
