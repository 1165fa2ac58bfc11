# The device side of the serial bridge (buffa.connect.serial_bridge): frame
# format and checksums, and whole Connect calls against a scripted host.
# Runs on every runtime.
from mptest import Skip, raises

from buffa.connect.serial_bridge import CHUNK, SerialTransport, frame, parse

pb = Client = ConnectError = None


def _load():
    """The client and the telemetry bindings, loaded by the tests that call
    (the 64-bit unix port's 96 KiB run has no room for them)."""
    global pb, Client, ConnectError
    if pb is None:
        try:
            from buffa.connect import Client as c, ConnectError as e
            from telemetry.v1 import telemetry_pb as p
        except MemoryError:
            raise Skip("the client and telemetry bindings need more heap than this run has")
        pb, Client, ConnectError = p, c, e

try:
    from binascii import a2b_base64, b2a_base64
except ImportError:  # pragma: no cover
    from buffa.connect.b64 import decode as a2b_base64


def _b64(data):
    return b2a_base64(data).decode().strip()


def test_frame_round_trip():
    line = frame("Q 7 " + _b64(b"hello"))
    assert line.startswith("\x1b@@sb Q 7 ")
    assert line.endswith("\n")
    f = parse(line)
    assert f[0] == "Q" and f[1] == "7"
    assert a2b_base64(f[2]) == b"hello"
    # Noise before the frame (console output without a newline) is tolerated.
    assert parse("partial output" + line) == f


def test_damaged_frame_is_detected():
    line = frame("R 3 " + _b64(b"HTTP/1.1 200 OK\r\n"))
    bad = line.replace("R 3", "R 4")
    raises(ValueError, parse, bad)
    i = line.index(" ", 12) + 3
    flipped = line[:i] + ("A" if line[i] != "A" else "B") + line[i + 1 :]
    raises(ValueError, parse, flipped)


def test_other_lines_are_not_frames():
    assert parse("telemetry: sent #1-8\n") is None
    assert parse("") is None


class FakeHost:
    """Plays the host bridge: records the board's frames, answers pulls
    with a scripted HTTP response (or failure) for each exchange."""

    def __init__(self, responses, noise=False, stale=False):
        self.responses = list(responses)
        self.lines = []  # lines queued for the board's stdin
        self.requests = []
        self.cur = None
        self.noise = noise
        self.stale = stale
        self.req = b""
        self.left = None

    # The board's stdout.
    def write(self, text):
        f = parse(text)
        assert f is not None, "board wrote a non-frame: %r" % text
        kind, xid = f[0], f[1]
        if kind == "Q":
            if xid != self.cur:
                self.cur = xid
                self.req = b""
                self.left = None
            self.req += a2b_base64(f[2])
        elif kind == "E":
            self.requests.append(self.req)
            self.left = self.responses.pop(0)
        elif kind == "P":
            if self.noise:
                self.lines.append("some console output\n")
            if self.stale:
                self.lines.append(frame("R 999 " + _b64(b"junk")))
            r = self.left
            if isinstance(r, str):  # a prepared frame body (a failure), XID to fill in
                self.lines.append(frame(r.replace("XID", xid)))
                self.left = b""
                return
            if isinstance(r, tuple):  # ("damaged", body): a frame damaged in transit
                good = frame(r[1].replace("XID", xid))
                i = len(good) // 2
                self.lines.append(good[:i] + ("x" if good[i] != "x" else "y") + good[i + 1 :])
                self.left = b""
                return
            chunk, self.left = r[:CHUNK], r[CHUNK:]
            if not chunk:
                self.lines.append(frame("Z " + xid))
            else:
                self.lines.append(frame("%s %s %s" % ("R" if self.left else "L", xid, _b64(chunk))))
        return len(text)

    # The board's stdin.
    def readline(self):
        return self.lines.pop(0) if self.lines else ""


def _http(msg, extra=b""):
    body = msg.encode()
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: %d\r\n%s\r\n" % (len(body), extra)
    ) + body


def _client(host):
    import gc

    gc.collect()  # the small-heap runs need a contiguous receive buffer
    t = SerialTransport(stdin=host, stdout=host)
    return Client.plaintext("http://serial-bridge", transport=t, timeout_ms=5000, recv_buffer_bytes=256,
                            max_response_bytes=4096)


def test_calls_over_the_bridge_reuse_the_link():
    _load()
    big = pb.RecordResponse(accepted=7, duplicates=1)
    host = FakeHost([_http(big), _http(pb.RecordResponse(accepted=3))], noise=True, stale=True)
    c = _client(host)
    svc = pb.TelemetryServiceClient(c)
    req = pb.RecordRequest(device_id="d1", readings=[pb.Reading(sequence=i, sensor="s" * 40) for i in range(1, 9)])
    r = svc.record(req)
    assert (r.accepted, r.duplicates) == (7, 1)
    r = svc.record(pb.RecordRequest(device_id="d1"))
    assert r.accepted == 3
    assert len(host.requests) == 2
    head, _, body = host.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /telemetry.v1.TelemetryService/Record HTTP/1.1")
    assert pb.RecordRequest.decode(body).readings[7].sequence == 8
    assert len(host.requests[0]) > CHUNK  # sent in several frames


def test_get_request_over_the_bridge():
    _load()
    host = FakeHost([_http(pb.GetConfigResponse(batch_size=5, next_sequence=42))])
    svc = pb.TelemetryServiceClient(_client(host))
    r = svc.get_config(pb.GetConfigRequest(device_id="d1"))
    assert r.next_sequence == 42
    assert host.requests[0].startswith(b"GET /telemetry.v1.TelemetryService/GetConfig?connect=v1")


def test_host_failure_becomes_connect_error():
    _load()
    msg = _b64(b"bridge cannot connect")
    host = FakeHost(["X XID unavailable " + msg, "X XID deadline_exceeded " + msg])
    svc = pb.TelemetryServiceClient(_client(host))
    e = raises(ConnectError, svc.record, pb.RecordRequest(device_id="d"))
    assert e.code == "unavailable"
    assert "bridge cannot connect" in e.message
    e = raises(ConnectError, svc.record, pb.RecordRequest(device_id="d"))
    assert e.code == "deadline_exceeded"


def test_damaged_response_frame_fails_the_call():
    _load()
    damaged = ("damaged", "L XID " + _b64(_http(pb.RecordResponse(accepted=1))))
    host = FakeHost([damaged, _http(pb.RecordResponse(accepted=2))])
    svc = pb.TelemetryServiceClient(_client(host))
    e = raises(ConnectError, svc.record, pb.RecordRequest(device_id="d"))
    assert e.code == "unavailable"
    # The next call starts a new exchange and goes through.
    assert svc.record(pb.RecordRequest(device_id="d")).accepted == 2


def test_console_closed():
    _load()
    host = FakeHost([_http(pb.RecordResponse())])
    host.readline = lambda: ""
    svc = pb.TelemetryServiceClient(_client(host))
    e = raises(ConnectError, svc.record, pb.RecordRequest(device_id="d"))
    assert e.code == "unavailable"
