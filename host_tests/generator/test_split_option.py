# protoc-gen-buffa's "split" option (--buffa_out=split:DIR): x_pb.py keeps
# the classes and field tables, x_pb_codec.py the codec functions, which
# buffa.message loads on first use. A split module must decode and encode
# exactly as the default one: on the MicroPython unix port with the Python
# codec, and with the C accelerator, which takes most fields itself and
# hands the rest to the codec module it then loads; on 150 random messages
# of every field kind (host_tests/differential).
# CPython only: runs protoc and the unix port as subprocesses.
from mptest import Skip  # noqa: F401

MPTEST_REQUIRES = ("cpython", "subprocess")

import test_native_option as N  # noqa: E402


def test_the_main_module_has_no_functions_and_the_codec_module_has_them():
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        N._generate(out, "split")
        assert sorted(os.listdir(out)) == ["differential_pb.py", "differential_pb_codec.py"]
        with open(os.path.join(out, "differential_pb.py")) as f:
            main = f.read()
        with open(os.path.join(out, "differential_pb_codec.py")) as f:
            codec = f.read()
    defs = [ln.strip() for ln in main.split("\n") if ln.lstrip().startswith("def ")]
    assert defs == ["def const(x):"], defs  # CPython's stand-in for micropython.const
    assert "generated code version 2" in main and "buffa.wire" not in main
    assert codec.count("\ndef _buffa_d(") > 0 and "import differential_pb as _buffa_m" in codec


# after N._MP_SCRIPT: whether the C accelerator ran and the codec module loaded
_TAIL = ("from buffa import message\n"
         "print('accel', message._accel is not None, 'codec', 'differential_pb_codec' in sys.modules)\n")


def _run(tmp, mod_dir, samples, tag):
    return N._mp_run(tmp, mod_dir, samples, tag, _TAIL)


def test_a_split_module_decodes_and_encodes_as_the_default_one_on_the_unix_port():
    import os
    import shutil
    import tempfile

    T = N._gen()
    root = T._root()
    with tempfile.TemporaryDirectory() as tmp:
        samples = os.path.join(tmp, "samples.bin")
        with open(samples, "wb") as f:
            f.write(N._samples())
        split = os.path.join(tmp, "split")
        os.makedirs(split)
        N._generate(split, "split")
        want, info = _run(tmp, os.path.join(root, "host_tests", "differential"), samples, "default")
        assert info == "accel False codec False", info
        got, info = _run(tmp, split, samples, "split")
        assert got == want
        assert info == "accel False codec True", info
        # with the C accelerator (the x64 native module beside the modules):
        # random messages have fields it hands over, so the codec loads too
        shutil.copy(os.path.join(root, "lib", "buffa-accel", "x64", "buffa_accel.mpy"), split)
        got, info = _run(tmp, split, samples, "split-accel")
        assert got == want
        assert info == "accel True codec True", info
