#!/usr/bin/env python3
"""Host side of the serial bridge: gives a board without a network one.

The board's Connect client (buffa.connect.serial_bridge.SerialTransport)
writes each HTTP request as checksummed frames on its serial console; this
forwards it, whole, to the real service and feeds the response back, one
frame per pull. Other console output is shown as it comes.

    python tools/serial_bridge.py --port /dev/ttyACM0 --upstream http://127.0.0.1:8080
    python tools/serial_bridge.py --port /dev/ttyUSB0 --upstream https://telemetry.example.com \\
        [--cafile ca.pem] [--baud 115200] [--duration 600]

The board runs its application from main.py at boot (or start it by hand).
With an https:// upstream the certificate and host name are checked (the
system CA store, or --cafile). The frame format is described in
lib/buffa/connect/serial_bridge.py.
"""
import argparse
import base64
import binascii
import select
import socket
import ssl
import sys
import time
from urllib.parse import urlsplit

MARK = b"\x1b@@sb "
CHUNK = 192
MAX_RESPONSE = 4 * 1024 * 1024
MAX_REQUEST = 1024 * 1024


def crc(text):
    return "%08x" % (binascii.crc32(text.encode()) & 0xFFFFFFFF)


def frame(body):
    return (MARK.decode() + body + " " + crc(body) + "\n").encode()


def parse(line):
    """Fields of a frame line (bytes or str); None if not a frame; ValueError on a bad checksum."""
    if isinstance(line, bytes):
        line = line.decode("ascii", "replace")
    i = line.find(MARK.decode())
    if i < 0:
        return None
    body = line[i + len(MARK):].rstrip("\r\n")
    j = body.rfind(" ")
    if j < 0 or crc(body[:j]) != body[j + 1:]:
        raise ValueError("bad frame checksum")
    return body[:j].split(" ")


class UpstreamError(Exception):
    def __init__(self, code, msg):
        Exception.__init__(self, msg)
        self.code = code
        self.msg = msg


class Upstream:
    """One kept-alive HTTP/1.1 connection to the service, redialled as needed."""

    def __init__(self, url, cafile=None, connect_timeout=5.0, max_wait_s=30.0):
        u = urlsplit(url)
        if u.scheme not in ("http", "https"):
            raise ValueError("--upstream must be an http:// or https:// URL")
        self.tls = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.tls else 80)
        default_port = 443 if self.tls else 80
        h = "[%s]" % self.host if ":" in self.host else self.host
        self.host_header = h if self.port == default_port else "%s:%d" % (h, self.port)
        self.prefix = u.path.rstrip("/")
        self.ctx = None
        if self.tls:
            self.ctx = ssl.create_default_context(cafile=cafile)
        self.connect_timeout = connect_timeout
        self.max_wait_s = max_wait_s
        self.sock = None
        self.exchanges = 0
        self.dials = 0

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def _dial(self):
        self.close()
        self.dials += 1
        try:
            s = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as e:
            raise UpstreamError("unavailable", "bridge cannot connect to %s:%d: %s" % (self.host, self.port, e))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ctx is not None:
            try:
                s = self.ctx.wrap_socket(s, server_hostname=self.host)
            except (OSError, ssl.SSLError) as e:
                s.close()
                raise UpstreamError("unavailable", "bridge TLS handshake with %s failed: %s" % (self.host, e))
        self.sock = s

    def _idle_ok(self):
        s = self.sock
        if s is None:
            return False
        try:
            r, _, _ = select.select([s], [], [], 0)
        except (OSError, ValueError):
            return False
        if not r:
            return True
        if isinstance(s, ssl.SSLSocket) and s.pending():
            return False
        return False  # readable while idle: closed, reset or stray bytes

    def rewrite(self, request):
        """The request with the upstream's Host header and path prefix."""
        head, sep, body = request.partition(b"\r\n\r\n")
        if not sep:
            raise UpstreamError("internal", "bridge: request has no header block")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or not parts[1].startswith(b"/"):
            raise UpstreamError("internal", "bridge: bad request line")
        parts[1] = self.prefix.encode() + parts[1]
        out = [b" ".join(parts)]
        for ln in lines[1:]:
            if ln[:5].lower() == b"host:":
                ln = b"Host: " + self.host_header.encode()
            out.append(ln)
        return b"\r\n".join(out) + sep + body

    def exchange(self, request, deadline_ms):
        """Send a whole request; return the whole raw response (bytes)."""
        req = self.rewrite(request)
        wait = self.max_wait_s
        if deadline_ms:
            wait = min(wait, deadline_ms / 1000)
        end = time.monotonic() + wait
        for attempt in (0, 1):
            fresh = not self._idle_ok()
            if fresh:
                self._dial()
            try:
                self.sock.settimeout(max(0.01, end - time.monotonic()))
                self.sock.sendall(req)
                resp, keep = read_response(self.sock, end)
            except _NothingBack as e:
                self.close()
                # A kept-alive connection the server had closed: the request
                # never reached it, send it again once on a new connection.
                if not fresh and attempt == 0:
                    continue
                raise UpstreamError("unavailable", "bridge: connection to the service lost: %s" % e)
            except socket.timeout:
                self.close()
                raise UpstreamError("deadline_exceeded", "bridge: no response from the service in time")
            except (OSError, ssl.SSLError) as e:
                self.close()
                raise UpstreamError("unavailable", "bridge: connection to the service failed: %s" % e)
            self.exchanges += 1
            if not keep:
                self.close()
            return resp
        raise UpstreamError("unavailable", "bridge: no response")


class _NothingBack(Exception):
    pass


def read_response(sock, end):
    """Read one HTTP/1.1 response; returns (raw bytes, keep-alive)."""
    buf = bytearray()

    def more():
        left = end - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        try:
            b = sock.recv(65536)
        except ConnectionResetError as e:
            if not buf:
                raise _NothingBack(str(e))
            raise
        if not b and not buf:
            raise _NothingBack("closed")
        if len(buf) + len(b) > MAX_RESPONSE:
            raise UpstreamError("resource_exhausted", "bridge: response larger than %d bytes" % MAX_RESPONSE)
        buf.extend(b)
        return len(b)

    while b"\r\n\r\n" not in buf:
        if not more():
            raise OSError("connection closed inside the response head")
    hlen = buf.index(b"\r\n\r\n") + 4
    lines = bytes(buf[:hlen - 4]).split(b"\r\n")
    status = lines[0].split(b" ")
    try:
        code = int(status[1])
    except (IndexError, ValueError):
        raise OSError("bad status line from the service")
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        headers.setdefault(k.strip().lower(), []).append(v.strip().lower())
    keep = b"close" not in b",".join(headers.get(b"connection", []))
    if 100 <= code < 200 or code in (204, 304):
        return bytes(buf), keep
    te = b",".join(headers.get(b"transfer-encoding", []))
    if b"chunked" in te:
        pos = hlen
        while True:
            while b"\r\n" not in buf[pos:]:
                if not more():
                    raise OSError("connection closed inside a chunk")
            eol = buf.index(b"\r\n", pos)
            size = int(bytes(buf[pos:eol]).split(b";")[0].strip() or b"0", 16)
            pos = eol + 2
            if size == 0:
                # Trailers, then an empty line.
                while True:
                    while b"\r\n" not in buf[pos:]:
                        if not more():
                            raise OSError("connection closed inside the trailers")
                    eol = buf.index(b"\r\n", pos)
                    empty = eol == pos
                    pos = eol + 2
                    if empty:
                        return bytes(buf[:pos]), keep
            while len(buf) < pos + size + 2:
                if not more():
                    raise OSError("connection closed inside a chunk")
            pos += size + 2
    cl = headers.get(b"content-length")
    if cl:
        n = int(cl[0])
        while len(buf) < hlen + n:
            if not more():
                raise OSError("connection closed inside the body")
        return bytes(buf[:hlen + n]), keep
    while more():  # delimited by the end of the connection
        pass
    return bytes(buf), False


class Bridge:
    """Answers one board's frames. write(bytes) sends to the board."""

    def __init__(self, upstream, write, log=None):
        self.up = upstream
        self.write = write
        self.log = log or (lambda msg: None)
        self.xid = None
        self.req = bytearray()
        self.corrupt = False
        self.resp = None  # bytes left to send for self.xid, or an UpstreamError
        self.exchanges = 0
        self.failures = 0
        self.bad_frames = 0

    def _reset(self, xid):
        self.xid = xid
        self.req = bytearray()
        self.corrupt = False
        self.resp = None

    def line(self, line):
        """Handle one console line; True if it was a frame (or a damaged one)."""
        try:
            f = parse(line)
        except ValueError:
            self.bad_frames += 1
            self.corrupt = True
            self.log("bridge: corrupt frame from the board (exchange %s)" % self.xid)
            return True
        if f is None:
            return False
        if len(f) < 2:
            return True
        kind, xid = f[0], f[1]
        if xid != self.xid:
            self._reset(xid)
        if kind == "Q" and len(f) == 3:
            if self.resp is None:
                try:
                    self.req += base64.b64decode(f[2], validate=True)
                except (ValueError, binascii.Error):
                    self.corrupt = True
                if len(self.req) > MAX_REQUEST:
                    self.corrupt = True
        elif kind == "E" and len(f) == 3:
            self._forward(int(f[2]) if f[2].isdigit() else 0)
        elif kind == "P":
            self._pull()
        elif kind == "C":
            self._reset(None)
        return True

    def _forward(self, deadline_ms):
        if self.corrupt:
            self.resp = UpstreamError("unavailable", "serial link: a request frame was damaged")
            return
        try:
            self.resp = self.up.exchange(bytes(self.req), deadline_ms)
            self.exchanges += 1
        except UpstreamError as e:
            self.failures += 1
            self.resp = e
        self.req = bytearray()

    def _pull(self):
        x = self.xid
        r = self.resp
        if r is None:
            r = UpstreamError("internal", "serial link: pull before the request ended")
        if isinstance(r, UpstreamError):
            msg = base64.b64encode(r.msg.encode()).decode()
            self.write(frame("X %s %s %s" % (x, r.code, msg)))
            self.resp = b""
            return
        if not r:
            self.write(frame("Z %s" % x))
            return
        chunk, rest = r[:CHUNK], r[CHUNK:]
        self.resp = rest
        kind = "R" if rest else "L"
        self.write(frame("%s %s %s" % (kind, x, base64.b64encode(chunk).decode())))


class LineSplitter:
    """Splits console output into lines; partial text is flushed after a pause."""

    def __init__(self, on_line):
        self.on_line = on_line
        self.buf = bytearray()

    def feed(self, chunk):
        self.buf.extend(chunk)
        while True:
            i = self.buf.find(b"\n")
            if i < 0:
                break
            ln = bytes(self.buf[:i + 1])
            del self.buf[:i + 1]
            self.on_line(ln)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", required=True, help="the board's serial port, e.g. /dev/ttyACM0")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--upstream", required=True, help="the service's base URL (http:// or https://)")
    ap.add_argument("--cafile", help="CA certificate(s) to verify an https:// upstream (default: system store)")
    ap.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    args = ap.parse_args(argv)
    import os

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from mpboard import open_serial

    up = Upstream(args.upstream, cafile=args.cafile)
    ser = open_serial(args.port, "serial_bridge", baudrate=args.baud, timeout=0.2)
    out = sys.stdout

    def log(msg):
        out.write(msg + "\n")
        out.flush()

    bridge = Bridge(up, ser.write, log)

    def on_line(ln):
        if not bridge.line(ln):
            out.write(ln.decode("utf-8", "replace").replace("\r\n", "\n"))
            out.flush()

    split = LineSplitter(on_line)
    log("bridge: %s <-> %s (Ctrl-C to stop)" % (args.port, args.upstream))
    end = time.monotonic() + args.duration if args.duration else None
    try:
        while end is None or time.monotonic() < end:
            data = ser.read(ser.in_waiting or 1)
            if data:
                split.feed(data)
    except KeyboardInterrupt:
        pass
    finally:
        ser.close()
        up.close()
    log("bridge: %d exchanges, %d failed, %d damaged frames" % (bridge.exchanges, bridge.failures, bridge.bad_frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
