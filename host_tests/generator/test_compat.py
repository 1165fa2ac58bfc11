# A generated module states the generated code version it needs: imported
# with a runtime that does not run that version (newer, older, or one from
# before the check existed), it raises ImportError naming both versions.
# On CPython in-process and on the unix port in a subprocess.
import os
import subprocess
import sys

MPTEST_REQUIRES = ("cpython", "subprocess")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# GENCODE values to try, and the words the error must hold
CASES = """
import sys
sys.path[:0] = [%r, %r]
import buffa
print("runs", buffa.GENCODE)
import scalars_pb
for gc in ((2, 3), (0, 0), None):
    sys.modules.pop("scalars_pb", None)
    if gc is None:
        del buffa.GENCODE
    else:
        buffa.GENCODE = gc
    try:
        import scalars_pb
        print("imported with", gc)
    except ImportError as e:
        print("ImportError:", e)
""" % (os.path.join(ROOT, "lib"), os.path.join(ROOT, "host_tests", "scalars"))


def _check(text):
    lines = text.strip().splitlines()
    assert lines[0] == "runs (1, 2)", text
    errs = [ln for ln in lines[1:] if ln.startswith("ImportError: scalars_pb: protoc-gen-buffa ")]
    assert len(errs) == 3, text
    for ln, runs in zip(errs, ("(2, 3)", "(0, 0)", "none")):
        assert "generated code version 1; buffa 0.1.0 runs " + runs in ln, ln
        import buffa

        assert "protoc-gen-buffa %s wrote it" % buffa.__version__ in ln, ln


def test_cpython_refuses_a_generated_module_it_cannot_run():
    p = subprocess.run([sys.executable, "-c", CASES], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _check(p.stdout)


def test_micropython_refuses_a_generated_module_it_cannot_run():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import mptest_runtimes
    finally:
        sys.path.pop(0)
    p = subprocess.run([mptest_runtimes.micropython_exe(), "-c", CASES], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    _check(p.stdout)
