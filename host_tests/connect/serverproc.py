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
            if words and words[0] == "SKIP":
                # The server found a dependency missing (see servers/).
                from mptest import Skip

                raise Skip(" ".join(words[1:]))
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


def make_certs():
    """A throwaway CA and a server certificate for localhost and 127.0.0.1.

    Returns a dict of PEM file paths: ca, cert, key, and other_ca (a second
    CA that signed nothing, for verification-failure tests). Uses the
    openssl command line, through the shell on both runtimes.
    """
    d = "/tmp/buffa-connect-certs-" + "".join("%02x" % b for b in os.urandom(6))
    os.mkdir(d)
    cmds = [
        "cd " + d,
        "echo subjectAltName=DNS:localhost,IP:127.0.0.1 > san.ext",
    ]
    for ca in ("ca", "other_ca"):
        cmds.append(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
            " -keyout %s.key -out %s.pem -subj /CN=buffa-connect-test-%s"
            " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign" % (ca, ca, ca)
        )
    cmds += [
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr"
        " -subj /CN=localhost",
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out srv.pem"
        " -extfile san.ext",
    ]
    rc = os.system("(" + " && ".join(cmds) + ") >/dev/null 2>&1")
    if rc != 0 or not _exists(d + "/srv.pem"):
        raise RuntimeError("openssl failed to make test certificates (exit %r)" % (rc,))
    return {"dir": d, "ca": d + "/ca.pem", "cert": d + "/srv.pem", "key": d + "/srv.key", "other_ca": d + "/other_ca.pem"}


def remove_certs(certs):
    os.system("rm -rf '%s'" % certs["dir"])


def read_text(path):
    with open(path) as f:
        return f.read()


def connect_python(certs=None, lifetime_s=120):
    """EchoService on connect-python under uvicorn (servers/connect_python_server.py)."""
    argv = [python_exe(), SERVERS + "/connect_python_server.py", "--lifetime-s", str(lifetime_s)]
    if certs:
        argv += ["--tls", certs["cert"], certs["key"]]
    return Server(argv)


def connect_node(certs=None, lifetime_s=120):
    """EchoService on connect-node (servers/connect_node_server.mjs)."""
    argv = ["node", SERVERS + "/connect_node_server.mjs", "--lifetime-s", str(lifetime_s)]
    if certs:
        argv += ["--tls", certs["cert"], certs["key"]]
    return Server(argv)


def scripted(lifetime_s=120):
    """The hostile scripted server (servers/scripted.py)."""
    return Server([python_exe(), SERVERS + "/scripted.py", "--lifetime-s", str(lifetime_s)])


def has_tls():
    """Whether this runtime has a TLS module (CircuitPython's unix build has none)."""
    for name in ("tls", "ssl"):
        try:
            __import__(name)
            return True
        except ImportError:
            pass
    return False
