"""pytest plugin: run every host_tests module on each selected runtime.

    pytest host_tests --runtime cpython,unix,unix-small,qemu-microbit,...
    pytest host_tests --runtime all

Each test function becomes one item per runtime, test_x[RUNTIME]. CPython
items call the function in this process; MicroPython items run the whole
module once per runtime (one process, or one QEMU board session after a soft
reset) and report the per-test results it printed. See docs/testing.md.
"""
import os
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (os.path.join(ROOT, "lib"), HERE, os.path.join(ROOT, "tools")):
    if p not in sys.path:
        sys.path.insert(0, p)

import mptest_runtimes as rts  # noqa: E402  (tools/)

_runs = {}  # (path, runtime) -> ModuleRun
_infos = {}  # path -> (names, module-level requirements)
_counts = {}  # runtime -> {"passed": n, "failed": n, "skipped": n}
_heap = {}  # runtime -> (boot free, free at module start) for QEMU boards
# runtime -> (least heap free after a test, after gc.collect(); test module):
# how close the tightest module came to running out (MicroPython runtimes)
_least_free = {}


def pytest_addoption(parser):
    parser.addoption(
        "--runtime",
        action="append",
        default=[],
        help="runtimes to run the tests on, comma separated: %s, or 'all', 'micropython' (default: "
        "$MPTEST_RUNTIMES or cpython)" % ", ".join(rts.ORDER),
    )


def _selected(config):
    raw = ",".join(config.getoption("--runtime") or []) or os.environ.get("MPTEST_RUNTIMES", "") or "cpython"
    out = []
    for r in raw.split(","):
        r = r.strip()
        if not r:
            continue
        if r == "all":
            want = rts.ORDER
        elif r == "micropython":
            want = [n for n in rts.ORDER if n != "cpython"]
        elif r == "qemu":
            want = [n for n in rts.ORDER if n.startswith("qemu")]
        elif r in rts.RUNTIMES:
            want = [r]
        else:
            raise pytest.UsageError("unknown runtime %r; known: %s, all, micropython, qemu" % (r, ", ".join(rts.ORDER)))
        out += [w for w in want if w not in out]
    return out


def pytest_configure(config):
    import time

    config._mptest_runtimes = _selected(config)
    config._mptest_t0 = time.time()


def _info(path):
    path = str(path)
    if path not in _infos:
        _infos[path] = rts.module_info(path)
    return _infos[path]


def _is_mptest_function(definition):
    # Module-level test functions of host_tests modules (not classes, not
    # tests that take pytest fixtures).
    return definition.cls is None and str(definition.path).startswith(HERE + os.sep)


@pytest.fixture(autouse=True)
def runtime(request):
    """The runtime a host_tests item runs on (parametrised by pytest_generate_tests)."""
    return getattr(request, "param", "cpython")


def pytest_generate_tests(metafunc):
    if "runtime" in metafunc.fixturenames and _is_mptest_function(metafunc.definition):
        sel = metafunc.config._mptest_runtimes
        metafunc.parametrize("runtime", sel, ids=sel)


def _runtime_of(item):
    cs = getattr(item, "callspec", None)
    return cs.params.get("runtime", "cpython") if cs is not None else "cpython"


def _module_run(path, runtime):
    key = (path, runtime)
    run = _runs.get(key)
    if run is None:
        names, _ = _info(path)
        run = _runs[key] = _ahead.take(key) or rts.run_module(runtime, path, names)
        if run.start and "boot_mem_free" in run.start:
            _heap.setdefault(runtime, (run.start["boot_mem_free"], run.start.get("mem_free")))
        frees = [ev["mem_free"] for ev in run.tests.values() if ev.get("mem_free", -1) >= 0]
        if frees and runtime != "cpython" and (runtime not in _least_free or min(frees) < _least_free[runtime][0]):
            _least_free[runtime] = (min(frees), os.path.basename(path))
        # Drop the previous module's results on this runtime: they are done.
        for k in [k for k in _runs if k[1] == runtime and k[0] != path]:
            del _runs[k]
    return run


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    runtime = _runtime_of(pyfuncitem)
    path = str(pyfuncitem.path)
    if not path.startswith(HERE + os.sep):
        return None
    names, mod_requires = _info(path)
    why = rts.unavailable(runtime)
    if why:
        pytest.skip(why)
    lack = [f for f in mod_requires if f not in rts.features(runtime)]
    if lack:
        pytest.skip("module requires " + ", ".join(lack))
    if runtime == "cpython":
        return None  # the default call, in this process
    name = pyfuncitem.originalname or pyfuncitem.name.split("[")[0]
    run = _module_run(path, runtime)
    status, msg = run.result(name)
    if status == "passed":
        return True
    if status == "skipped":
        pytest.skip(msg)
    rel = os.path.relpath(path, ROOT)
    head = "%s::%s failed on %s (%s)" % (rel, name, runtime, rts.describe(runtime))
    pytest.fail(head + "\n" + msg.rstrip("\n"), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    rep.mptest_runtime = _runtime_of(item)


def pytest_runtest_logreport(report):
    rt = getattr(report, "mptest_runtime", None)
    if rt is None:
        return
    c = _counts.setdefault(rt, {"passed": 0, "failed": 0, "skipped": 0})
    if report.when == "call":
        if report.passed:
            c["passed"] += 1
        elif report.skipped:
            c["skipped"] += 1
        else:
            c["failed"] += 1
    elif report.when == "setup" and not report.passed:
        c["skipped" if report.skipped else "failed"] += 1
    elif report.when == "teardown" and report.failed:
        c["failed"] += 1


class _RunAhead:
    """Runs every module on the runtimes marked "parallel" (the CircuitPython
    ones: a process per module, like the unix port) in one thread, in
    collection order, while the main loop runs the other runtimes. Their
    items then only wait for a result that is usually there already."""

    def __init__(self):
        self.results = {}  # (path, runtime) -> ModuleRun or the exception it raised
        self.cond = threading.Condition()
        self.stopped = False
        self.thread = None
        self.ran_s = 0.0  # the parallel runtimes' own time
        self.waited_s = 0.0  # what the main loop spent waiting for them

    def start(self, jobs):
        self.jobs = set(jobs)
        self.thread = threading.Thread(target=self._work, args=(jobs,), daemon=True)
        self.thread.start()

    def _work(self, jobs):
        for path, runtime in jobs:
            if self.stopped:
                return
            try:
                res = rts.run_module(runtime, path, _info(path)[0])
                self.ran_s += res.seconds
            except Exception as e:  # reported on the item that asks for it
                res = e
            with self.cond:
                self.results[(path, runtime)] = res
                self.cond.notify_all()

    def take(self, key):
        if self.thread is None or key not in self.jobs:
            return None
        t0 = time.monotonic()
        with self.cond:
            while key not in self.results:
                self.cond.wait()
            res = self.results.pop(key)
        self.waited_s += time.monotonic() - t0
        if isinstance(res, Exception):
            raise res
        return res

    def stop(self):
        self.stopped = True


_ahead = _RunAhead()


def pytest_collection_finish(session):
    # Start the parallel runtimes when other runtimes are selected too.
    sel = session.config._mptest_runtimes
    par = [r for r in sel if rts.RUNTIMES[r].get("parallel") and not rts.unavailable(r)]
    if not par or len(par) == len(sel):
        return
    jobs = []
    for item in session.items:
        path = str(item.path)
        rt = _runtime_of(item)
        if rt in par and path.startswith(HERE + os.sep) and (path, rt) not in jobs:
            if not [f for f in _info(path)[1] if f not in rts.features(rt)]:
                jobs.append((path, rt))
    _ahead.start(jobs)


def pytest_sessionfinish(session, exitstatus):
    _ahead.stop()
    rts.close_all()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    sel = getattr(config, "_mptest_runtimes", [])
    if not sel:
        return
    tr = terminalreporter
    tr.section("results per runtime")
    for rt in sel:
        c = _counts.get(rt, {"passed": 0, "failed": 0, "skipped": 0})
        extra = ""
        notes = []
        if rt in _heap:
            notes.append("heap: %d bytes free after boot" % _heap[rt][0])
        if rt in _least_free:
            notes.append("least free after a test: %d bytes, in %s" % _least_free[rt])
        if notes:
            extra = "  (%s)" % "; ".join(notes)
        tr.write_line("%s: %d passed, %d failed, %d skipped%s" % (rt, c["passed"], c["failed"], c["skipped"], extra))
    if _ahead.thread is not None:
        tr.write_line("%s ran in parallel: %.0f s of runs; the other runtimes waited %.0f s for them"
                      % (", ".join(sorted({rt for _, rt in _ahead.jobs})), _ahead.ran_s, _ahead.waited_s))
    sizes = os.path.join(rts.BUILD, "mpy-sizes.txt")
    if os.path.exists(sizes) and os.path.getmtime(sizes) >= config._mptest_t0:
        with open(sizes) as f:
            tr.write_line("lib/buffa as .mpy (test_infra_tools): " + "; ".join(f.read().split("\n")).strip("; "))


def pytest_ignore_collect(collection_path, config):
    # Generated modules (x_pb.py) are not test modules, even when a proto is
    # named test_*.proto.
    if collection_path.name.endswith("_pb.py"):
        return True
    return None
