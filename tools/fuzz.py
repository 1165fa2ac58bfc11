#!/usr/bin/env python3
"""Fuzz buffa: coverage-guided on CPython (atheris), seeded mutation inside
the MicroPython unix port (default heap and -X heapsize=256K).

    python tools/fuzz.py [--seconds N] [--jobs 2] [--targets binary,json,...]
                         [--runtimes cpython,unix,unix-256k] [--nice]
    python tools/fuzz.py --seeds     rewrite host_tests/fuzz/corpus from scratch

Each (target, runtime) pair runs for N seconds; at most --jobs at a time.
Targets and oracles: host_tests/fuzz/targets.py; docs/fuzzing.md. A finding
is written to build/fuzz/findings/ and the run fails; minimise it, check it
into host_tests/fuzz/regressions/TARGET/ and fix the bug
(host_tests/fuzz/test_fuzz_corpus.py replays every file there on every
runtime). New coverage-increasing inputs go to build/fuzz/corpus/TARGET;
merge the interesting ones into host_tests/fuzz/corpus/TARGET by hand.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "host_tests", "fuzz")
BUILD = os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build"))
OUT = os.path.join(BUILD, "fuzz")
TARGETS = ("binary", "json", "http1", "envelope")
RUNTIMES = ("cpython", "unix", "unix-256k")
MAX_LEN = 4096


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def micropython():
    exe = shutil.which("micropython", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    if not exe:
        sys.exit("fuzz: no micropython executable (make venv)")
    return exe


def command(target, runtime, seconds, seed):
    corpus = os.path.join(FUZZ, "corpus", target)
    if runtime == "cpython":
        work = os.path.join(OUT, "corpus", target)
        os.makedirs(work, exist_ok=True)
        os.makedirs(os.path.join(OUT, "findings"), exist_ok=True)
        cmd = [sys.executable, os.path.join(FUZZ, "atheris_target.py"), target,
               "-max_total_time=%d" % seconds, "-timeout=20", "-rss_limit_mb=2048",
               "-max_len=%d" % MAX_LEN, "-print_final_stats=1", "-seed=%d" % (seed & 0x7FFFFFFF),
               "-artifact_prefix=" + os.path.join(OUT, "findings", target + "-cpython-")]
        d = os.path.join(FUZZ, "dict", target + ".dict")
        if os.path.exists(d):
            cmd.append("-dict=" + d)
        return cmd + [work, corpus]
    args = [target, str(seconds), str(seed), os.path.join(OUT, "findings"), FUZZ]
    if runtime == "unix":
        # a heap for the long runs the mutations make (up to 256 KiB of input)
        return [micropython(), "-X", "heapsize=16M", os.path.join(FUZZ, "mpfuzz.py")] + args
    # the small heap runs .mpy files, as boards do (compiling the conformance
    # messages' source alone takes more than 256 KiB)
    import mptest_runtimes as rts

    for d in ("lib", "host_tests/malformed", "host_tests/protojson"):
        rts._compile_tree("x64", os.path.join(ROOT, d))
    fuzz = rts._compile_tree("x64", FUZZ, recursive=False)
    code = "import sys\nsys.path.insert(0, %r)\nsys.argv[:] = %r\nimport mpfuzz\n" % (fuzz, ["mpfuzz"] + args + ["small"])
    return [micropython(), "-X", "heapsize=256K", "-c", code]


def stats(runtime, text):
    # (execs, seconds) the run reported
    if runtime == "cpython":
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
        t = re.search(r"Done (\d+) runs in (\d+) second", text)
        last = re.findall(r"^#(\d+)\s", text, re.M)  # progress lines, if it stopped early
        n = int(m.group(1)) if m else (int(t.group(1)) if t else int(last[-1]) if last else 0)
        return n, (int(t.group(2)) if t else None)
    m = re.search(r"mpfuzz: (\d+) execs in ([\d.]+) s", text)
    return (int(m.group(1)), float(m.group(2))) if m else (0, None)


def make_seeds():
    sys.path[:0] = [FUZZ, os.path.join(ROOT, "lib")]
    import seeds

    seeds.write(os.path.join(FUZZ, "corpus"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "30")))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--nice", action="store_true", help="run at the lowest priority")
    ap.add_argument("--seeds", action="store_true", help="regenerate the checked-in seed corpus")
    ap.add_argument("--out", help="where logs, new corpus and findings go (default: build/fuzz)")
    a = ap.parse_args()
    global OUT
    if a.out:
        OUT = os.path.abspath(a.out)
    if a.seeds:
        make_seeds()
        return 0
    todo = []
    for t in a.targets.split(","):
        for r in a.runtimes.split(","):
            todo.append((t, r))
    os.makedirs(OUT, exist_ok=True)
    running = []
    failed = []
    hung = set()
    print("fuzz: %d runs of %d s, %d at a time, mutation seed %d" % (len(todo), a.seconds, a.jobs, a.seed))
    while todo or running:
        while todo and len(running) < a.jobs:
            t, r = todo.pop(0)
            cmd = command(t, r, a.seconds, a.seed)
            if a.nice:
                cmd = ["nice", "-n", "19"] + cmd
            log = open(os.path.join(OUT, "%s-%s.log" % (t, r)), "w+")
            env = dict(os.environ, PYTHONPATH=FUZZ)
            p = subprocess.Popen(cmd, cwd=FUZZ, stdout=log, stderr=subprocess.STDOUT, env=env)
            running.append((t, r, p, log, time.time()))
        time.sleep(0.2)
        for item in list(running):
            t, r, p, log, t0 = item
            # a run that outlives its budget by far is hung on one input
            # (startup takes a while on a loaded machine: atheris
            # instruments the library first)
            if p.poll() is None and time.time() - t0 > 2 * a.seconds + 300:
                p.kill()
                hung.add((t, r))
            if p.poll() is None:
                continue
            running.remove(item)
            log.seek(0)
            text = log.read()
            log.close()
            n, secs = stats(r, text)
            secs = secs or (time.time() - t0)
            rate = n / secs if secs else 0
            ok = p.returncode == 0
            what = "ok" if ok else "HUNG (killed)" if (t, r) in hung else "FINDING"
            print("fuzz[%s/%s]: %s, %d execs in %.0f s (%.0f exec/s)" % (t, r, what, n, secs, rate))
            if not ok:
                failed.append((t, r))
                lines = [ln for ln in text.splitlines() if "Finding" in ln or "Error" in ln or "crash" in ln]
                for ln in lines[-6:]:
                    print("    " + ln[:300])
                print("    log: %s" % log.name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
