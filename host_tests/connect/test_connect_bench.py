# The benchmark command the README quotes (make bench-connect, which runs
# bench/connect_bench.py) runs as written: a short run, its table checked
# for every row. The figures themselves are not checked (bench/ reports
# them; tests never hold timings).
from mptest import requires


@requires("cpython", "subprocess", "network")
def test_connect_bench_runs():
    import os
    import subprocess
    import sys

    from mptest import Skip

    try:
        import connectrpc  # noqa: F401
    except ImportError:
        raise Skip("connect_bench.py needs connectrpc (host_tests/connect/requirements.txt)")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    out = subprocess.run([sys.executable, os.path.join(root, "bench", "connect_bench.py"), "--calls", "5"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = [ln for ln in out.stdout.splitlines() if ln.startswith("| buffa.connect") or ln.startswith("| connectrpc")]
    assert len(rows) == 8 + 1 + 2, out.stdout  # 8 unary (4 modes, 2 runtimes), the official client, 2 stream rows
    assert "MicroPython unix" in out.stdout and "inflate window" in out.stdout
