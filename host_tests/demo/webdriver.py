# Headless Chromium for page tests, driven through chromedriver's W3C
# WebDriver HTTP interface with the standard library (no Selenium needed for
# the handful of commands a test uses). Debian's `chromium` and
# `chromium-driver` packages; never a downloaded browser. CPython only.
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

# For a closed network and a throwaway profile: nothing phones home, no
# sandbox (tests may run as root), no GPU.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
)


def find_browser():
    """(chromium, chromedriver) paths, or raises LookupError saying what is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", browser), ("chromium-driver", driver)) if not path]
    if missing:
        raise LookupError("needs Debian's %s (make setup installs them)" % " and ".join(missing))
    return browser, driver


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebDriverError(Exception):
    pass


class Browser:
    """One headless Chromium session. Use as a context manager."""

    def __init__(self, width=1100, height=1400, timeout=60):
        browser, driver = find_browser()
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.port = _free_port()
        self.log = open(os.path.join(self.profile, "chromedriver.log"), "w")
        self.proc = subprocess.Popen([driver, "--port=%d" % self.port], stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        self.session = None
        try:
            end = time.monotonic() + timeout
            while True:
                try:
                    if self._call("GET", "/status")["ready"]:
                        break
                except OSError:
                    pass
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise WebDriverError("chromedriver did not start")
                time.sleep(0.1)
            args = list(CHROMIUM_ARGS) + ["--user-data-dir=" + os.path.join(self.profile, "user-data"),
                                          "--window-size=%d,%d" % (width, height)]
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": browser, "args": args},
            }}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except BaseException:
            self.close()
            raise

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                out = json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read())["value"]
                msg = "%s: %s" % (v.get("error"), v.get("message", "")[:500])
            except (ValueError, KeyError, TypeError, AttributeError):
                msg = str(e)
            raise WebDriverError("%s %s: %s" % (method, path, msg)) from None
        return out["value"]

    def _s(self, method, path, body=None):
        return self._call(method, "/session/%s%s" % (self.session, path), body)

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def js(self, script, *args):
        """Run script (a function body; `return` gives the value) in the page."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait_for(self, script, timeout=30, what=None):
        """Poll script until it returns something truthy; returns that."""
        end = time.monotonic() + timeout
        while True:
            v = self.js(script)
            if v:
                return v
            if time.monotonic() > end:
                raise AssertionError("timed out after %g s waiting for %s" % (timeout, what or script))
            time.sleep(0.2)

    def screenshot(self, path):
        png = base64.b64decode(self._s("GET", "/screenshot"))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)
        return path

    def element_screenshot(self, css, path):
        """A PNG of the first element matching css."""
        el = self._s("POST", "/element", {"using": "css selector", "value": css})
        eid = next(iter(el.values()))
        png = base64.b64decode(self._s("GET", "/element/%s/screenshot" % eid))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)
        return path

    def close(self):
        if self.session is not None:
            try:
                self._s("DELETE", "")
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
