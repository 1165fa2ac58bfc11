# How buffa is installed: the parts (tools/parts.py) cover every device
# module once, their manifests and package.json files are up to date, one
# version everywhere, nothing a device gets holds the generator's descriptor
# bindings, and `micropython -m mip install` of each part from a local HTTP
# server gives a folder that imports and runs on its own. CPython only (it
# runs mpy-cross, the unix port and an HTTP server).
import json
import os
import re
import subprocess
import sys
import tempfile

MPTEST_REQUIRES = ("cpython", "subprocess")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

import parts  # noqa: E402

HOST_ONLY = ("descriptor_pb", "plugin_pb")


def _walk(top):
    return sorted(os.path.relpath(os.path.join(d, f), top).replace(os.sep, "/")
                  for d, _, fs in os.walk(top) for f in fs)


def _host_only(files):
    return [f for f in files if any(h in f for h in HOST_ONLY)]


def test_every_device_module_is_in_exactly_one_part():
    lib = os.path.join(ROOT, "lib")
    modules = [f for f in _walk(lib) if f.endswith(".py") and "__pycache__" not in f]
    owner = {}
    for name, (_, _, files) in parts.PARTS.items():
        for f in files:
            assert f not in owner, "%s is in %s and %s" % (f, owner[f], name)
            owner[f] = name
    assert sorted(owner) == modules
    assert not _host_only(modules)


def test_manifests_and_package_json_are_up_to_date():
    p = subprocess.run([sys.executable, os.path.join(TOOLS, "parts.py"), "--check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, p.stdout


def test_one_version_everywhere():
    import buffa
    from buffa.connect import client

    v = buffa.__version__
    assert re.match(r"^\d+\.\d+\.\d+$", v), v
    assert client.USER_AGENT == "buffa-connect/" + v
    jsons = ["package.json"] + ["lib/%s.json" % n for n in parts.PARTS if n != "buffa"]
    for rel in jsons:
        with open(os.path.join(ROOT, rel)) as f:
            assert json.load(f)["version"] == v, rel
    for name in parts.PARTS:
        with open(os.path.join(ROOT, "packages", name, "manifest.py")) as f:
            assert 'metadata(version="%s",' % v in f.read(), name
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        # setuptools reads the version from buffa.__version__
        assert 'version = {attr = "buffa.__version__"}' in f.read()
    with open(os.path.join(ROOT, "CHANGELOG.md")) as f:
        assert "## %s" % v in f.read()


def test_mpy_deploy_and_bundle_outputs_hold_no_generator_bindings():
    import deploy
    import demo
    import mpybuild

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "mpy")
        p = subprocess.run([sys.executable, os.path.join(TOOLS, "mpybuild.py"), "--arch", "armv6m", "--out", out,
                            "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert p.returncode == 0, p.stdout
        files = _walk(out)
        assert "buffa/wire.mpy" in files and "buffa_viper.mpy" in files
        assert not _host_only(files), files
        dep = deploy.build("armv6m", os.path.join(tmp, "deploy"), native_arch="armv6m", log=lambda *a: None)
        assert dep and not _host_only([rel for rel, _ in dep]), dep
        files = demo.bundle(os.path.join(tmp, "bundle"), "armv6m", True, log=lambda *a: None)
        assert "lib/buffa/wire.mpy" in files and not _host_only(files), files
    del mpybuild


class _Server:
    """This checkout over HTTP on 127.0.0.1, as a Git host would serve its files."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, ROOT], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline())
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


_SERVE = r"""
import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=sys.argv[1]))
print(s.server_address[1], flush=True)
s.serve_forever()
"""

# What each part's install must be able to do, run from the install folder alone.
_USE = {
    "buffa": "import buffa, scalars_pb as s\n"
             "assert buffa.__version__\n"
             "m = s.Scalars(i32=-5, s64=-(2**40), db=2.5)\n"
             "assert s.Scalars.decode(m.encode()) == m\n",
    "buffa-wkt": "from telemetry.v1 import telemetry_pb as t\nfrom buffa.wkt import timestamp\n"
                 "r = t.Reading(sequence=7, sensor='t_air', value=21.5, time=timestamp.Timestamp(seconds=1))\n"
                 "assert t.Reading.decode(r.encode()) == r\n"
                 "assert timestamp.to_rfc3339(r.time) == '1970-01-01T00:00:01Z'\n",
    "buffa-protojson": "import buffa.protojson as pj\nfrom buffa.wkt.duration_pb import Duration\n"
                       "assert pj.encode(Duration(seconds=3)) == '\"3s\"'\n",
    "buffa-connect": "from buffa.connect import Client, ConnectError, client\n"
                     "assert client.USER_AGENT.startswith('buffa-connect/')\n",
    "buffa-viper": "import buffa_viper, buffa._packed as p\nassert p._zz32_get is not None\n"
                   "import buffa_viper_view\n",
    "buffa-views": "import scalars_pb as s, buffa.stream\n"
                   "v = s.Scalars.view(s.Scalars(i32=-5, s64=-(2**40)).encode())\n"
                   "assert v.i32 == -5 and v.to_message().s64 == -(2**40)\n",
}
# Generated modules an app carries beside the install, per part tested.
_APP = {
    "buffa": ("host_tests/scalars/scalars_pb.py", "scalars_pb.py"),
    "buffa-views": ("host_tests/scalars/scalars_pb.py", "scalars_pb.py"),
    "buffa-wkt": ("firmware/telemetry", "telemetry"),
}


def _mip(url, target):
    import mptest_runtimes

    mp = mptest_runtimes.micropython_exe()
    p = subprocess.run([mp, "-m", "mip", "install", "--target", target, url], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0 and "Done" in p.stdout, p.stdout
    return mp


def test_mip_installs_each_part_on_the_unix_port():
    import shutil

    with _Server() as srv, tempfile.TemporaryDirectory() as tmp:
        for name in parts.PARTS:
            path = "package.json" if name == "buffa" else "lib/%s.json" % name
            target = os.path.join(tmp, name)
            mp = _mip("http://127.0.0.1:%d/%s" % (srv.port, path), target)
            files = _walk(target)
            want = set()
            for part in parts.closure(name):
                want.update(parts.PARTS[part][2])
            assert set(files) == want, (name, files)
            assert not _host_only(files), files
            if name in _APP:
                src, dst = _APP[name]
                copy = shutil.copytree if os.path.isdir(os.path.join(ROOT, src)) else shutil.copy
                copy(os.path.join(ROOT, src), os.path.join(target, dst))
            code = _USE[name]
            # the install folder alone on sys.path: not the checkout, not ~/.micropython/lib
            prog = "import sys\nsys.path[:] = [%r, '.frozen']\n%sprint('ok')\n" % (target, code)
            p = subprocess.run([mp, "-c", prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=tmp, timeout=60)
            assert p.stdout.strip() == "ok", (name, p.stdout)
