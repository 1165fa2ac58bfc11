# The collector (tools/collector): storage and de-duplication, and bad input
# answered with proper Connect errors while the server stays up. CPython only
# (it starts the collector, a connect-python service, in a subprocess).
import json
import os
import socket
import urllib.request

from mptest import raises

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402  (CPython only)
from buffa.connect import Client, ConnectError  # noqa: E402
from buffa.wkt.timestamp_pb import Timestamp  # noqa: E402
from telemetry.v1 import telemetry_pb as pb  # noqa: E402

_srv = None


def _collector():
    global _srv
    if _srv is None or not _srv.alive():
        demohelp.need_collector_packages()
        _srv = demohelp.CollectorProc(demohelp.tempdir("collector-test-"), lifetime_s=240,
                                      extra=["--batch-size", "7", "--sample-interval-ms", "300"])
        _srv.start()
    return _srv


def _svc():
    c = Client.plaintext(_collector().url, timeout_ms=10000)
    return c, pb.TelemetryServiceClient(c)


def _reading(seq, **kw):
    r = dict(sequence=seq, time=Timestamp(seconds=1700000000 + seq, nanos=1000), sensor="temp",
             value=20.5 + seq, unit=pb.Unit.UNIT_CELSIUS)
    r.update(kw)
    return pb.Reading(**r)


def test_store_and_deduplicate():
    c, svc = _svc()
    with c:
        cfg = svc.get_config(pb.GetConfigRequest(device_id="dedup-1"))
        assert (cfg.sample_interval_ms, cfg.batch_size, cfg.next_sequence) == (300, 7, 1)
        assert cfg.server_time.seconds > 1600000000
        rs = [_reading(i) for i in range(1, 6)]
        st = pb.DeviceStatus(heap_free_after_gc=12345, heap_free_after_gc_min=12000, heap_largest_free=9000,
                             collections=3, heap_size=65536, buffered=5, platform="test")
        r = svc.record(pb.RecordRequest(device_id="dedup-1", readings=rs, status=st))
        assert (r.accepted, r.duplicates) == (5, 0)
        # The same batch again (a lost response), and an overlapping one.
        r = svc.record(pb.RecordRequest(device_id="dedup-1", readings=rs))
        assert (r.accepted, r.duplicates) == (0, 5)
        r = svc.record(pb.RecordRequest(device_id="dedup-1", readings=[_reading(i) for i in range(4, 9)]))
        assert (r.accepted, r.duplicates) == (3, 2)
        # Another device's sequence numbers are its own.
        r = svc.record(pb.RecordRequest(device_id="dedup-2", readings=rs))
        assert r.accepted == 5
        assert svc.get_config(pb.GetConfigRequest(device_id="dedup-1")).next_sequence == 9
    import sqlite3

    db = sqlite3.connect(_collector().db)
    try:
        seqs = [x[0] for x in db.execute("SELECT sequence FROM readings WHERE device='dedup-1' ORDER BY 1")]
        heap = db.execute("SELECT heap_free_after_gc, heap_free_after_gc_min, heap_largest_free, collections, "
                          "heap_size FROM batches WHERE device='dedup-1' ORDER BY id LIMIT 1").fetchone()
    finally:
        db.close()
    assert seqs == list(range(1, 9))
    assert heap == (12345, 12000, 9000, 3, 65536)


def test_bad_requests_are_invalid_argument():
    c, svc = _svc()
    ok = [_reading(1)]
    cases = [
        (pb.RecordRequest(device_id="", readings=ok), "device_id"),
        (pb.RecordRequest(device_id="has space", readings=ok), "device_id"),
        (pb.RecordRequest(device_id="x" * 65, readings=ok), "device_id"),
        (pb.RecordRequest(device_id="d"), "at least one"),
        (pb.RecordRequest(device_id="d", readings=[_reading(i) for i in range(1, 502)]), "at most 500"),
        (pb.RecordRequest(device_id="d", readings=[_reading(0)]), "sequence"),
        (pb.RecordRequest(device_id="d", readings=[_reading(3), _reading(3)]), "twice"),
        (pb.RecordRequest(device_id="d", readings=[pb.Reading(sequence=1, sensor="t", unit=1)]), "time"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, time=Timestamp(seconds=1, nanos=-1))]), "Timestamp"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, sensor="")]), "sensor"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, sensor="bad name!")]), "sensor"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, value=float("nan"))]), "finite"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, value=float("inf"))]), "finite"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, unit=0)]), "unit"),
        (pb.RecordRequest(device_id="d", readings=[_reading(1, unit=99)]), "unit"),
    ]
    with c:
        for req, word in cases:
            e = raises(ConnectError, svc.record, req)
            assert e.code == "invalid_argument", (word, e.code, e.message)
            assert word in e.message, (word, e.message)
        e = raises(ConnectError, svc.get_config, pb.GetConfigRequest(device_id=""))
        assert e.code == "invalid_argument"
        # Nothing of it was stored.
        assert svc.get_config(pb.GetConfigRequest(device_id="d")).next_sequence == 1


class _Raw:
    def __init__(self, b):
        self.b = b

    def encode(self):
        return self.b


def test_malformed_bodies_are_connect_errors():
    c, _ = _svc()
    with c:
        for body in (b"\xff\xff\xff", b"\x0a\x05ab", b"\x12\x03\x08\x00\x10", b"\x12\x02\x22\x05", b"\x0b"):
            e = raises(ConnectError, c.call, "/telemetry.v1.TelemetryService/Record", _Raw(body), pb.RecordResponse)
            assert e.code == "invalid_argument", (body, e.code, e.message)
        e = raises(ConnectError, c.call, "/telemetry.v1.TelemetryService/Nope", _Raw(b""), pb.RecordResponse)
        assert e.code == "unimplemented"
        # JSON is accepted too (Connect's other codec), with its own checks.
        e = raises(ConnectError, c.call, "/telemetry.v1.TelemetryService/Record",
                   pb.RecordRequest(device_id="j"), pb.RecordResponse, codec="json")
        assert e.code == "invalid_argument"


def _http(head, body=b""):
    """Send a raw request, reading while the body goes out (a server that
    refuses a body early may close before taking all of it)."""
    import select

    s = socket.create_connection(("127.0.0.1", _collector().port), timeout=10)
    out = b""
    try:
        s.sendall(head)
        mv = memoryview(body)
        i = 0
        while True:
            r, w, _ = select.select([s], [s] if i < len(mv) else [], [], 10)
            if not r and not w:
                break
            if w:
                try:
                    i += s.send(mv[i:i + 16384])
                except OSError:
                    i = len(mv)
            if r:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                out += b
        return out
    finally:
        s.close()


def test_wrong_content_type_and_oversized_body():
    out = _http(b"POST /telemetry.v1.TelemetryService/Record HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", b"hi")
    assert out.startswith(b"HTTP/1.1 415"), out[:100]
    big = b"\x0a\x01d" + b"\x12\x00" * (150 * 1024)
    out = _http(b"POST /telemetry.v1.TelemetryService/Record HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/proto\r\nConnect-Protocol-Version: 1\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n" % len(big), big)
    head, _, body = out.partition(b"\r\n\r\n")
    assert b"resource_exhausted" in body or b" 413 " in head, out[:300]
    assert _collector().alive()


def test_server_survives_and_serves_the_page():
    srv = _collector()
    assert srv.alive()
    with urllib.request.urlopen(srv.url + "/api/devices", timeout=10) as r:
        devs = {d["device"]: d for d in json.loads(r.read())}
    d = devs["dedup-1"]
    # The card: 8 readings stored from 3 batches, 7 of them sent again; the
    # status of the latest batch that carried one.
    assert (d["readings"], d["batches"], d["duplicates"], d["buffered"]) == (8, 3, 7, 5), d
    assert d["heap"] == {"size": 65536, "free_after_gc": 12345, "free_after_gc_min": 12000, "largest_free": 9000,
                         "collections": 3, "collections_per_batch": 3.0}, d["heap"]
    assert d["late"] == []
    with urllib.request.urlopen(srv.url + "/api/readings?device=dedup-1&limit=3", timeout=10) as r:
        series = json.loads(r.read())["sensors"]
    assert series["temp"]["unit"] == "°C"
    assert [p[0] for p in series["temp"]["points"]] == [(1700000000 + s) * 1000 for s in (6, 7, 8)]
    with urllib.request.urlopen(srv.url + "/", timeout=10) as r:
        assert b'<main id="devices">' in r.read()
    assert "Traceback" not in srv.output(), srv.output()[-2000:]


def test_zz_stop():
    # Last in the module: stop the collector and remove its files.
    global _srv
    if _srv is not None:
        d = _srv.workdir
        _srv.stop()
        _srv = None
        demohelp.rmtree(d)
        assert not os.path.exists(d)
