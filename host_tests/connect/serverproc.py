# Start and stop the test servers (servers/*.py, servers/*.mjs) from a test
# running on CPython or on the MicroPython unix port.
#
# CPython uses subprocess; the unix port has no subprocess module, so it
# starts the server in the background with os.system and learns its port
# (and pid, to stop it) from a file the server writes. Every server also
# exits by itself after its lifetime, so a crashed test leaves nothing behind.
import os
import sys

try:
    import time

    _sleep_ms = time.sleep_ms
except AttributeError:

    def _sleep_ms(ms):
        time.sleep(ms / 1000)


HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
ROOT = HERE + "/../.."
SERVERS = HERE + "/servers"


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def python_exe():
    """The CPython that runs the servers: the project venv's, if there is one."""
    p = os.getenv("BUFFA_PYTHON") if hasattr(os, "getenv") else None
    if p:
        return p
    if sys.implementation.name == "cpython":
        return sys.executable
    venv = ROOT + "/.venv/bin/python"
    return venv if _exists(venv) else "python3"


def _quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


def _port_file():
    rnd = "".join("%02x" % b for b in os.urandom(6))
    return "/tmp/buffa-connect-%s.port" % rnd


class Server:
    """A running server: .port, .stop(). Use as a context manager."""

    def __init__(self, argv, timeout_s=60):
        self.port = None
        self._proc = None
        self._pid = None
        pf = _port_file()
        argv = list(argv) + ["--port-file", pf]
        if sys.implementation.name == "cpython":
            import subprocess

            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        else:
            os.system(" ".join(_quote(a) for a in argv) + " </dev/null >/dev/null 2>&1 &")
        waited = 0
        try:
            while not _exists(pf):
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError("server %s exited with %s" % (argv, self._proc.returncode))
                if waited > timeout_s * 1000:
                    raise RuntimeError("server %s did not start in %d s" % (argv, timeout_s))
                _sleep_ms(50)
                waited += 50
            with open(pf) as f:
                words = f.read().split()
            self.port = int(words[0])
            self._pid = int(words[1]) if len(words) > 1 else None
        finally:
            try:
                os.remove(pf)
            except OSError:
                pass

    def stop(self):
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except Exception:
                self._proc.kill()
            self._proc = None
        elif self._pid:
            os.system("kill %d 2>/dev/null" % self._pid)
            self._pid = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def scripted(lifetime_s=120):
    """The hostile scripted server (servers/scripted.py)."""
    return Server([python_exe(), SERVERS + "/scripted.py", "--lifetime-s", str(lifetime_s)])
