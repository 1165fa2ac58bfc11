# Test helpers shared by every runtime: CPython, the MicroPython unix port
# and the QEMU boards. Plain Python that imports only what MicroPython has.
#
#   from mptest import requires, raises, Skip, data_path, read_data
#
#   @requires("doubles")
#   def test_double_precision():
#       assert 1.0 + 2.0 ** -40 != 1.0
#
# See docs/testing.md for the contract.
import sys

# Every feature a test may require. A runtime that lacks one reports the test
# as skipped, with the reason.
KNOWN_FEATURES = (
    "cpython",  # CPython only
    "micropython",  # a MicroPython VM: any MicroPython port, and CircuitPython
    "circuitpython",  # CircuitPython only
    "network",  # sockets and loopback servers
    "doubles",  # float is IEEE 754 binary64
    "filesystem",  # a host-backed filesystem with the data files beside the test
    "subprocess",  # can start other processes
    "bigheap",  # more heap than the small-heap runs give (~100 KiB)
    "accel",  # the C accelerator (natmod/buffa_accel) is on the path
)

# CircuitPython runs MicroPython's VM (its py/ core), so it counts as one here.
IS_MICROPYTHON = sys.implementation.name != "cpython"

if IS_MICROPYTHON:

    class Skip(Exception):
        """Raise Skip("reason") in a test to report it as skipped."""

else:
    import unittest

    # pytest reports unittest.SkipTest as a skip, wherever it is raised.
    class Skip(unittest.SkipTest):
        """Raise Skip("reason") in a test to report it as skipped."""


def _detect():
    feats = set()
    if IS_MICROPYTHON:
        feats.add("micropython")
        if sys.implementation.name == "circuitpython":
            feats.add("circuitpython")
    else:
        feats.add("cpython")
        feats.add("subprocess")
        feats.add("bigheap")
    if 1.0 + 2.0 ** -40 != 1.0:
        feats.add("doubles")
    plat = sys.platform
    if plat not in ("qemu",) and not plat.startswith("rp2") and plat != "esp32":
        try:
            import socket  # noqa: F401

            feats.add("network")
        except ImportError:
            pass
    try:
        import os

        os.stat(".")
        if plat != "qemu":
            feats.add("filesystem")
    except Exception:
        pass
    if IS_MICROPYTHON:
        try:
            import gc

            if gc.mem_free() + gc.mem_alloc() > 1024 * 1024:
                feats.add("bigheap")
        except Exception:
            pass
    return feats


# The features of the current runtime. The MicroPython-side runner sets this
# from the host's description of the runtime; otherwise it is detected.
FEATURES = _detect()


def set_features(features):
    """Replace the runtime's feature set (used by the runners)."""
    global FEATURES
    FEATURES = set(features)


def missing(*features):
    """The subset of `features` that this runtime lacks, in order."""
    for f in features:
        if f not in KNOWN_FEATURES:
            raise ValueError("unknown feature %r (known: %s)" % (f, ", ".join(KNOWN_FEATURES)))
    return [f for f in features if f not in FEATURES]


def requires(*features):
    """Decorator: run the test only where the runtime has every feature.

    Elsewhere the test is reported as skipped with the missing features.
    """
    missing(*features)  # validate names at import time

    def deco(fn):
        def wrapper(*args, **kw):
            lack = missing(*features)
            if lack:
                raise Skip("requires " + ", ".join(lack))
            return fn(*args, **kw)

        if not IS_MICROPYTHON:  # MicroPython functions take no attributes
            wrapper.__name__ = fn.__name__
            wrapper.__doc__ = fn.__doc__
            wrapper.__qualname__ = getattr(fn, "__qualname__", wrapper.__name__)
            wrapper.__module__ = getattr(fn, "__module__", wrapper.__module__)
            wrapper.__wrapped__ = fn
            wrapper.mptest_requires = features
        return wrapper

    return deco


def _tname(t):
    try:
        return t.__name__
    except AttributeError:
        return repr(t)


def raises(exc_type, fn, *args, **kw):
    """Call fn(*args, **kw) and return the exception of type exc_type it raises.

    Fails (AssertionError) when nothing, or an exception of another type, is
    raised. exc_type may be a tuple of types.
    """
    try:
        fn(*args, **kw)
    except exc_type as e:
        return e
    except Exception as e:
        raise AssertionError(
            "expected %s, got %s: %s"
            % (
                _tname(exc_type) if not isinstance(exc_type, tuple) else "/".join(_tname(t) for t in exc_type),
                type(e).__name__,
                e,
            )
        )
    raise AssertionError(
        "expected %s, nothing was raised"
        % (_tname(exc_type) if not isinstance(exc_type, tuple) else "/".join(_tname(t) for t in exc_type))
    )


_path_map = None


def set_path_map(compiled_prefix, source_prefix):
    """Runners that import tests from compiled .mpy files elsewhere map their
    paths back to the source tree, so data files are found beside the source."""
    global _path_map
    _path_map = (compiled_prefix, source_prefix)


def _dirname(path):
    i = path.rfind("/")
    if i < 0:
        return "."
    return path[:i] or "/"


def here(module_file):
    """The directory of a test module: here(__file__)."""
    path = module_file.replace("\\", "/")
    if _path_map and path.startswith(_path_map[0]):
        path = _path_map[1] + path[len(_path_map[0]):]
    return _dirname(path)


def data_path(module_file, name):
    """Path of the data file `name` beside the test module: data_path(__file__, "x.bin").

    Tests that read data files should declare @requires("filesystem").
    """
    return here(module_file) + "/" + name


def read_data(module_file, name, mode="rb"):
    """Contents of the data file `name` beside the test module (bytes by default)."""
    with open(data_path(module_file, name), mode) as f:
        return f.read()
