# Where the C accelerator is not loaded (CPython, CircuitPython, firmware
# without it, as qemu-microbit and qemu-mps2-mpy run, or a native .mpy the
# firmware cannot load), buffa runs its Python helpers.
import mptest

from buffa import wire


def test_the_python_helpers_run_where_the_accelerator_is_not_loaded():
    if "accel" in mptest.FEATURES:
        raise mptest.Skip("this runtime loads the accelerator")
    assert not wire.ACCEL
    assert wire.varint.__name__ == "varint" and not hasattr(wire, "_py_varint")
    assert wire.varint(b"\xe8\x07", 1, 2, 0xE8) == (1000, 2)
