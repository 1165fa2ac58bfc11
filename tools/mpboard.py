#!/usr/bin/env python3
"""Drive a MicroPython board over a serial port with pyserial.

Raw REPL with raw-paste mode (flow-controlled, so large pastes never overrun
the board's UART), soft reset, and a tiny in-RAM filesystem ("MemFS") to put
.py/.mpy files on boards that have none (the QEMU boards). Also starts the
QEMU test boards on a pseudo-terminal (`-serial pty`).

    python tools/mpboard.py qemu --board QEMU_MICROBIT          # start, print the pty, wait
    python tools/mpboard.py exec --port /dev/pts/3 'print(1)'    # run code on a board
    python tools/mpboard.py exec --board QEMU_MPS2_AN385 'import gc; print(gc.mem_free())'
"""
import argparse
import binascii
import os
import re
import signal
import struct
import subprocess
import sys
import time

import serial

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BoardError(Exception):
    """The board did not answer as the raw REPL protocol says (or timed out)."""


class Remote(Exception):
    """An exception raised by code running on the board."""

    def __init__(self, traceback, output=""):
        Exception.__init__(self, traceback)
        self.traceback = traceback
        self.output = output


# ---------------------------------------------------------------------------
# Raw REPL over pyserial


def open_serial(port, prog, **kw):
    """serial.Serial(port, **kw); a port that cannot be opened exits with one line naming it."""
    try:
        return serial.Serial(port, **kw)
    except serial.SerialException as e:
        reason = os.strerror(e.errno) if getattr(e, "errno", None) else str(e)
        raise SystemExit("%s: cannot open serial port %s: %s" % (prog, port, reason))


class RawRepl:
    def __init__(self, port, baudrate=115200, timeout=10.0, prog="mpboard"):
        self.port = port
        self.ser = open_serial(port, prog, baudrate=baudrate, timeout=0.05, exclusive=True)
        self.timeout = timeout
        self.in_raw = False
        self._buf = bytearray()

    def close(self):
        try:
            if self.in_raw:
                self.ser.write(b"\x02")  # back to the friendly REPL
            self.ser.close()
        except Exception:
            pass

    # -- low level
    def _fill(self, wait):
        """Read what is available (waiting up to `wait` seconds for the first byte)."""
        n = self.ser.in_waiting
        if n:
            return self.ser.read(n)
        self.ser.timeout = wait
        return self.ser.read(1)

    def read_until(self, ending, timeout=None, on_data=None):
        """Read until `ending`; returns everything read, ending included.

        Bytes read past `ending` are kept for the next read.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        start = 0
        while True:
            i = self._buf.find(ending, start)
            if i >= 0:
                out = bytes(self._buf[:i + len(ending)])
                del self._buf[:i + len(ending)]
                return out
            start = max(0, len(self._buf) - len(ending) + 1)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BoardError("timeout after %.0fs waiting for %r; got %r" % (
                    timeout, ending, bytes(self._buf[-400:])))
            chunk = self._fill(min(left, 0.2))
            if chunk:
                self._buf.extend(chunk)
                if on_data:
                    on_data(bytes(chunk))

    def read_exact(self, n, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BoardError("timeout reading %d bytes; got %r" % (n, bytes(self._buf)))
            self._buf.extend(self._fill(min(left, 0.2)))
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def drain(self, quiet=0.1):
        """Discard input until the line has been quiet for `quiet` seconds."""
        self._buf = bytearray()
        while self._fill(quiet):
            pass

    # -- raw REPL
    def enter_raw(self, soft_reset=False):
        self.ser.write(b"\r\x03")
        time.sleep(0.05)
        self.ser.write(b"\x03")
        self.drain(0.15)
        for attempt in range(5):
            self.ser.write(b"\r\x01")
            try:
                self.read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout=3)
                break
            except BoardError:
                self.ser.write(b"\x03\x03")
                self.drain(0.3)
        else:
            raise BoardError("could not enter the raw REPL on %s" % self.port)
        self.in_raw = True
        if soft_reset:
            self.soft_reset()

    def soft_reset(self):
        """Soft reboot (fresh heap, modules unloaded); stays in the raw REPL."""
        self.ser.write(b"\x04")
        self.read_until(b"soft reboot\r\n", timeout=10)
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout=10)

    def _send_raw_paste(self, data):
        self.ser.write(b"\x05A\x01")
        resp = self.read_exact(2)
        if resp == b"R\x00":
            return False  # raw-paste not supported: fall back to plain raw REPL
        if resp != b"R\x01":
            # Very old firmware echoes the bytes instead; resync and fall back.
            self.read_until(b">", timeout=3)
            return False
        hdr = self.read_exact(2)
        window = struct.unpack("<H", hdr)[0]
        remain = window
        i = 0
        deadline = time.monotonic() + self.timeout
        while i < len(data):
            while remain == 0 or self._buf or self.ser.in_waiting:
                if not self._buf:
                    self._buf.extend(self._fill(0.2))
                b = bytes(self._buf[:1])
                del self._buf[:1]
                if b == b"\x01":
                    remain += window
                    deadline = time.monotonic() + self.timeout
                elif b == b"\x04":
                    # The board aborted (e.g. a syntax error while compiling).
                    self.ser.write(b"\x04")
                    return True
                elif b == b"":
                    if time.monotonic() > deadline:
                        raise BoardError("raw-paste: no flow-control credit from the board")
                else:
                    raise BoardError("raw-paste: unexpected byte %r" % b)
            chunk = data[i:i + remain]
            self.ser.write(chunk)
            remain -= len(chunk)
            i += len(chunk)
        self.ser.write(b"\x04")
        self.read_until(b"\x04", timeout=self.timeout)
        return True

    def _send_raw(self, data):
        for i in range(0, len(data), 256):
            self.ser.write(data[i:i + 256])
            time.sleep(0.01)
        self.ser.write(b"\x04")
        r = self.read_exact(2)
        if r != b"OK":
            raise BoardError("raw REPL did not accept the code: %r" % r)

    def exec_start(self, code):
        """Start code on the board and return at once: for a program that
        keeps talking to the host (read its output with read_until)."""
        if not self.in_raw:
            self.enter_raw()
        if isinstance(code, str):
            code = code.encode()
        if not self._send_raw_paste(code):
            self._send_raw(code)

    def exec_(self, code, timeout=None, on_output=None, check=True):
        """Run code on the board; return (stdout, stderr) as str.

        With check=True an exception on the board raises Remote.
        on_output(bytes) sees stdout as it arrives (for long runs).
        """
        self.exec_start(code)
        if on_output and self._buf:
            # Output that arrived with the end of the paste's acknowledgement.
            on_output(bytes(self._buf))
        out = self.read_until(b"\x04", timeout=timeout, on_data=on_output)[:-1]
        err = self.read_until(b"\x04", timeout=30)[:-1]
        self.read_until(b">", timeout=10)
        out = out.replace(b"\r\n", b"\n").decode("utf-8", "replace")
        err = err.replace(b"\r\n", b"\n").decode("utf-8", "replace")
        if check and err:
            raise Remote(err, out)
        return out, err

    def eval_(self, expr, timeout=None):
        out, _ = self.exec_("print(repr(%s))" % expr, timeout=timeout)
        return out.strip()


# ---------------------------------------------------------------------------
# A filesystem served by the host, for boards without one (the QEMU boards),
# mounted at /t. The board asks for what it needs while it runs, on its own
# stdout, and reads the answer from stdin:
#
#   board: ESC "@@fs stat PATH\n"        host: "f\n" | "d\n" | "-\n"
#   board: ESC "@@fs read PATH OFF N\n"  host: base64 of up to N bytes, "\n" ("!\n" on error)
#
# Only the modules a test imports are transferred, 255 bytes at a time (the
# size of MicroPython's import reader buffer), so the heap is charged as on a
# board that imports .mpy files from its flash filesystem.

HOSTFS_SRC = r"""
import io, sys
from gc import collect as _gc
try:
    import vfs as _vfs
except ImportError:
    import os as _vfs
from binascii import a2b_base64 as _a2b
def _ask(q):
    sys.stdout.write('\x1b@@fs ' + q + '\n')
    return sys.stdin.readline().strip()
class _HostFile(io.IOBase):
    def __init__(s, p):
        s.p = p
        s.o = 0
    def readinto(s, b):
        r = _ask('read %s %d %d' % (s.p, s.o, len(b)))
        if r == '!':
            raise OSError(5)
        d = _a2b(r)
        b[:len(d)] = d
        s.o += len(d)
        r = None
        # Each chunk leaves about 1 KB of garbage (the query, the reply and
        # its decoding), which a board's flash filesystem would not: left to
        # pile up, it spreads an import's long-lived objects over the whole
        # heap and leaves no large free block (the micro:bit had 85 KB free
        # with no 2 KB block after a test's imports). Collected here, what an
        # import keeps packs together, as from flash.
        _gc()
        return len(d)
    def read(s, n=-1):
        out = b''
        while True:
            b = bytearray(255 if n < 0 else min(255, n - len(out)))
            k = s.readinto(b)
            out += b[:k]
            if k == 0 or (n >= 0 and len(out) >= n):
                return out
    def ioctl(s, req, arg):
        if req == 11:
            return 255
        if req == 4:
            return 0
        return -22
class _HostFS:
    def mount(s, ro, mkfs):
        pass
    def umount(s):
        pass
    def chdir(s, p):
        pass
    def getcwd(s):
        return ''
    def stat(s, p):
        r = _ask('stat ' + p.strip('/'))
        if r == 'f':
            return (0x8000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if r == 'd':
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        raise OSError(2)
    def ilistdir(s, p):
        return iter(())
    def statvfs(s, p):
        return (512, 512, 0, 0, 0, 0, 0, 0, 0, 255)
    def open(s, p, m):
        p = p.strip('/')
        if _ask('stat ' + p) != 'f':
            raise OSError(2)
        return _HostFile(p)
_vfs.mount(_HostFS(), '/t')
del _HostFS
"""

FS_MARK = b"\x1b@@fs "
_FS_LINE = re.compile(rb"\x1b@@fs [^\n]*\n")


class HostFS:
    """Answers a board's HOSTFS_SRC requests. lookup(path) returns bytes for a
    file, True for a directory, None when there is no such path."""

    def __init__(self, repl, lookup):
        self.repl = repl
        self.lookup = lookup
        self._line = bytearray()
        self._in_req = False
        self.served = {}  # path -> bytes sent
        self.errors = []

    def setup(self):
        self.repl.exec_(HOSTFS_SRC)

    def feed(self, chunk):
        """on_output callback: spot requests in the board's output and answer them."""
        for c in chunk:
            if self._in_req:
                if c == 0x0A:
                    self._answer(bytes(self._line).strip().decode("utf-8", "replace"))
                    self._line = bytearray()
                    self._in_req = False
                else:
                    self._line.append(c)
            elif c == 0x1B:
                self._line = bytearray(b"\x1b")
            elif self._line:
                self._line.append(c)
                if not FS_MARK.startswith(bytes(self._line)):
                    self._line = bytearray()
                elif bytes(self._line) == FS_MARK:
                    self._line = bytearray()
                    self._in_req = True

    def _get(self, path):
        try:
            return self.lookup(path)
        except Exception as e:  # a compile error, say: the board sees an I/O error
            self.errors.append("%s: %s" % (path, e))
            return None

    def _answer(self, req):
        parts = req.split(" ")
        if parts[0] == "stat" and len(parts) == 2:
            v = self._get(parts[1])
            ans = b"-" if v is None else b"d" if v is True else b"f"
        elif parts[0] == "read" and len(parts) == 4:
            v = self._get(parts[1])
            if isinstance(v, (bytes, bytearray)):
                off, n = int(parts[2]), int(parts[3])
                ans = binascii.b2a_base64(v[off:off + n]).strip()
                self.served[parts[1]] = self.served.get(parts[1], 0) + min(n, max(0, len(v) - off))
            else:
                ans = b"!"
        else:
            ans = b"!"
        self.repl.ser.write(ans + b"\n")

    @staticmethod
    def strip(text):
        """The board's output without the request lines."""
        if isinstance(text, str):
            return re.sub("\x1b@@fs [^\n]*\n", "", text)
        return _FS_LINE.sub(b"", text)


def write_file(repl, path, data, chunk=3072):
    """Write a file on a board with a real filesystem (ESP32, RP2040, unix)."""
    repl.exec_("import binascii as _b\n_f = open(%r, 'wb')" % path)
    for off in range(0, len(data), chunk):
        b64 = binascii.b2a_base64(data[off:off + chunk]).decode().strip()
        repl.exec_("_f.write(_b.a2b_base64(%r))" % b64)
    repl.exec_("_f.close()\ndel _f, _b")


def makedirs(repl, path):
    """mkdir -p on the board's filesystem."""
    repl.exec_(
        "import os\n"
        "_p = ''\n"
        "for _c in %r.strip('/').split('/'):\n"
        "    _p += '/' + _c\n"
        "    try:\n"
        "        os.mkdir(_p)\n"
        "    except OSError:\n"
        "        pass\n" % path
    )


# ---------------------------------------------------------------------------
# QEMU boards

QEMU_BOARDS = {
    # 256 KiB SRAM and 1 MiB flash, as set by the port's board config.
    "QEMU_MICROBIT": ["qemu-system-arm", "-machine", "microbit",
                      "-global", "nrf51-soc.flash-size=1048576",
                      "-global", "nrf51-soc.sram-size=262144"],
    "QEMU_MPS2_AN385": ["qemu-system-arm", "-machine", "mps2-an385"],
}

BOARD_ARCH = {
    "QEMU_MICROBIT": "armv6m",
    "QEMU_MPS2_AN385": "armv7m",
    "ESP32_GENERIC": "xtensawin",
    "RPI_PICO_W": "armv6m",
}


def firmware_path(board, accel=None):
    """The board's firmware as tools/firmware.sh builds it; accel "0" or "1":
    the build with BUFFA_ACCEL set so (a directory of its own), None: the
    board's default."""
    name = board if accel is None else "%s-accel%s" % (board, accel)
    return os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build")), "firmware", name, "firmware.elf")


def _die_with_parent():
    # Linux: QEMU gets SIGTERM when the process that started it dies, so a
    # killed test run leaves no board running.
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class QemuBoard:
    """A QEMU board running MicroPython firmware, its UART on a pty."""

    def __init__(self, board, firmware=None, log=None, extra_args=()):
        """extra_args: more QEMU arguments, e.g. a -device loader for a ROMFS image."""
        if board not in QEMU_BOARDS:
            raise ValueError("unknown QEMU board %r (known: %s)" % (board, ", ".join(QEMU_BOARDS)))
        self.board = board
        self.firmware = firmware or firmware_path(board)
        if not os.path.exists(self.firmware):
            raise BoardError("no firmware at %s: run `make firmware BOARD=%s`" % (self.firmware, board))
        self.proc = None
        self.pty = None
        self.log = log
        self.extra_args = list(extra_args)

    def start(self, timeout=20):
        cmd = QEMU_BOARDS[self.board] + [
            "-nographic", "-monitor", "null", "-semihosting",
            "-serial", "pty", "-kernel", self.firmware] + self.extra_args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            seen += line
            m = re.search(rb"char device redirected to (\S+)", line)
            if m:
                self.pty = m.group(1).decode()
                return self.pty
        self.stop()
        raise BoardError("QEMU did not report its pty: %r" % seen)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pause(self):
        """Stop the emulator's process until resume(): MicroPython's qemu port
        waits for input in a busy loop, so an idle board takes a whole host
        CPU from the boards that are running tests."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self):
        if self.proc is not None:
            self.resume()  # a stopped process acts on SIGTERM only once continued
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("qemu", help="start a QEMU board and print its pty; Ctrl-C stops it")
    q.add_argument("--board", default="QEMU_MICROBIT", choices=sorted(QEMU_BOARDS))
    q.add_argument("--firmware")
    e = sub.add_parser("exec", help="run code on a board (soft reset first)")
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--port")
    g.add_argument("--board", choices=sorted(QEMU_BOARDS))
    e.add_argument("--timeout", type=float, default=60)
    e.add_argument("code")
    a = ap.parse_args(argv)
    if a.cmd == "qemu":
        b = QemuBoard(a.board, a.firmware)
        print(b.start(), flush=True)
        try:
            b.proc.wait()
        except KeyboardInterrupt:
            pass
        finally:
            b.stop()
        return 0
    board = None
    port = a.port
    if a.board:
        board = QemuBoard(a.board)
        port = board.start()
    try:
        r = RawRepl(port)
        r.enter_raw(soft_reset=True)
        out, err = r.exec_(a.code, timeout=a.timeout, check=False)
        sys.stdout.write(out)
        sys.stderr.write(err)
        r.close()
        return 1 if err else 0
    finally:
        if board:
            board.stop()


if __name__ == "__main__":
    sys.exit(main())
