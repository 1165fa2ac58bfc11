# The MicroPython-side test runner. It imports one test module, calls its
# module-level test_* functions and prints one result line per test:
#
#   @@mptest {"event": "test", "name": "test_x", "status": "passed", ...}
#
# The host (host_tests/conftest.py) turns these lines into pytest results.
# Anything else the test prints passes through as its captured output.
# Runs unchanged on MicroPython (unix port, bare-metal boards) and CPython.
import sys
import gc

try:
    import json
except ImportError:  # pragma: no cover
    json = None

try:
    import time

    _ticks_ms = time.ticks_ms
    _ticks_diff = time.ticks_diff
except (ImportError, AttributeError):
    try:
        import time

        def _ticks_ms():
            return int(time.monotonic() * 1000)

    except (ImportError, AttributeError):

        def _ticks_ms():
            return 0

    def _ticks_diff(a, b):
        return a - b


MARK = "@@mptest "


def _mem_free():
    try:
        return gc.mem_free()
    except AttributeError:
        return -1


def emit(event, **fields):
    try:
        _emit(event, fields)
    except MemoryError:
        gc.collect()
        _emit(event, fields)


def _emit(event, fields):
    fields["event"] = event
    if json is not None:
        line = json.dumps(fields)
    else:  # pragma: no cover
        line = repr(fields)
    # One write, so the line is never split by other output.
    sys.stdout.write("\n" + MARK + line + "\n")


def format_exc(e):
    gc.collect()
    try:
        import io

        buf = io.StringIO()
        sys.print_exception(e, buf)
        return buf.getvalue()
    except AttributeError:
        import traceback

        return "".join(traceback.format_exception(type(e), e, e.__traceback__))
    except MemoryError:
        # The heap is full (often: after a MemoryError): report what fits.
        buf = None
        gc.collect()
        try:
            return "%s: %s\n(no traceback: out of memory while formatting it)\n" % (type(e).__name__, e)
        except MemoryError:
            return "MemoryError\n"


def _is_skip(e, mptest):
    if mptest is not None and isinstance(e, mptest.Skip):
        return True
    # unittest.SkipTest and pytest's skip, when running under CPython
    name = type(e).__name__
    return name in ("SkipTest", "Skipped")


def run(modname, names=None, features=None):
    """Import test module `modname` and run its tests, printing result lines.

    names: the module's test functions in definition order (the host reads
    them from the source); any other test_* function found is run after them.
    features: the runtime's features, for mptest.requires.
    """
    try:
        import mptest
    except ImportError:
        mptest = None
    if features is not None and mptest is not None:
        mptest.set_features(features)
    gc.collect()
    emit(
        "start",
        module=modname,
        impl=sys.implementation.name,
        platform=sys.platform,
        mem_free=_mem_free(),
        features=sorted(mptest.FEATURES) if mptest is not None else [],
    )
    try:
        mod = __import__(modname)
    except BaseException as e:  # noqa: B036 - report everything, incl. SyntaxError
        emit("module_error", module=modname, traceback=format_exc(e))
        emit("end", module=modname, mem_free=_mem_free())
        return
    gc.collect()
    emit("imported", module=modname, mem_free=_mem_free())
    found = [n for n in dir(mod) if n.startswith("test_") and callable(getattr(mod, n))]
    order = []
    for n in names or ():
        if n not in order:
            order.append(n)
    for n in sorted(found):
        if n not in order:
            order.append(n)
    for n in order:
        fn = getattr(mod, n, None)
        emit("begin", name=n)
        if fn is None or not callable(fn):
            emit("test", name=n, status="failed", traceback="test function %r not found in module %s\n" % (n, modname), ms=0)
            continue
        t0 = _ticks_ms()
        status = "passed"
        tb = ""
        reason = ""
        try:
            fn()
        except BaseException as e:  # noqa: B036
            if _is_skip(e, mptest):
                status = "skipped"
                reason = str(e.args[0]) if e.args else "skipped"
            else:
                status = "failed"
                tb = format_exc(e)
                if isinstance(e, KeyboardInterrupt):
                    emit("test", name=n, status=status, traceback=tb, ms=_ticks_diff(_ticks_ms(), t0))
                    raise
        ms = _ticks_diff(_ticks_ms(), t0)
        # Collected here rather than before the next test, so that mem_free
        # is what the test left live, not its garbage (and the heap is clean
        # before every test: the module import ends with a collection too).
        gc.collect()
        emit("test", name=n, status=status, reason=reason, traceback=tb, ms=ms, mem_free=_mem_free())
    gc.collect()
    emit("end", module=modname, mem_free=_mem_free())


if __name__ == "__main__":
    # micropython host_tests/mprunner.py MODULE [FEATURE,...] [NAME,...]
    argv = sys.argv[1:] if sys.argv[0].endswith("mprunner.py") else sys.argv
    run(
        argv[0],
        argv[2].split(",") if len(argv) > 2 and argv[2] else None,
        argv[1].split(",") if len(argv) > 1 and argv[1] else None,
    )
