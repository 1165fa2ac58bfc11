# Fuzz targets: one function per target, taking the fuzzer's bytes and
# raising Finding when an oracle fails. Plain Python that runs on CPython
# (under atheris, tools/fuzz.py) and inside MicroPython (the seeded mutation
# fuzzer, host_tests/fuzz/mpfuzz.py), so both runtimes check the same things:
#
#   - only the library's own errors escape (DecodeError, JsonError,
#     ConnectError); a MemoryError out of decoding on a small heap is a
#     finding too (one in the round trip below is not: it needs more heap);
#   - decode -> encode -> decode is stable (binary and JSON, and a message
#     accepted from JSON re-decodes from its own binary encoding).
#
# Hangs are caught by the drivers (atheris -timeout; tools/fuzz.py kills a
# MicroPython run that outlives its time). The differential oracle against
# Google's upb is CPython only (host_tests/fuzz/upb_oracle.py).
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
for _p in (HERE + "/../conformance/gen", HERE + "/../../lib"):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from buffa import DecodeError, protojson  # noqa: E402
from buffa.protojson import JsonError  # noqa: E402


_ORDERED = sys.implementation.name == "cpython"


class Finding(Exception):
    """An oracle failed: a bug, not a rejected input."""


def _types():
    from conformance.messages import test_messages_proto2_pb as p2
    from conformance.messages import test_messages_proto3_pb as p3
    from conformance.messages import test_messages_edition2023_pb as e23

    return (p3.TestAllTypesProto3, p2.TestAllTypesProto2, e23.TestAllTypesEdition2023)


def _small_types():
    # For a small heap (the conformance messages' code alone takes 170 KiB
    # on MicroPython): the malformed-input tests' messages (nesting, maps,
    # packed runs, groups, closed enums) and the JSON tests' Containers.
    for d in ("/../malformed", "/../protojson"):
        if HERE + d not in sys.path:
            sys.path.append(HERE + d)
    from malformed_pb import Msg
    from malformed_groups_pb import Node
    from json_containers_pb import Containers

    return (Containers, Msg, Node)


_T = []


def use_small():
    """Fuzz the small message set (corpus folders TARGET-small)."""
    _T[:] = _small_types()


def types():
    # The messages a binary input is decoded as, chosen by its first byte:
    # proto3, proto2 (groups, closed enums, extensions), editions; the
    # first is the JSON target's.
    if not _T:
        _T.extend(_types())
    return _T


def _same(a, b):
    # Message equality; a NaN makes a message unequal to a copy of itself,
    # and then equal encodings say the same.
    return a == b or a.encode() == b.encode()


def _fmt(e):
    return "%s: %s" % (type(e).__name__, e)


def binary(data, cls=None):
    """Binary decode of a conformance message; returns the message or None."""
    if cls is None:
        if not data:
            return None
        ts = types()
        cls = ts[data[0] % len(ts)]
        data = data[1:]
    try:
        m = cls.decode(data)
    except DecodeError:
        return None
    except Exception as e:
        raise Finding("decode raised " + _fmt(e))
    try:
        _binary_round_trip(cls, m)
    except MemoryError:
        pass  # the round trip needs more heap than decoding: no finding
    return m


def _binary_round_trip(cls, m):
    try:
        enc = m.encode()
    except MemoryError:
        raise
    except Exception as e:
        raise Finding("decoded but cannot be encoded: " + _fmt(e))
    if len(enc) != m.encoded_size():
        raise Finding("encoded_size %d != len(encode()) %d" % (m.encoded_size(), len(enc)))
    try:
        again = cls.decode(enc)
    except MemoryError:
        raise
    except DecodeError as e:
        if e.reason.startswith("not enough memory"):
            raise MemoryError  # the round trip's heap, not the input: no finding
        raise Finding("own encoding does not decode: " + _fmt(e))
    except Exception as e:
        raise Finding("own encoding does not decode: " + _fmt(e))
    if not _same(again, m):
        raise Finding("decode(encode(m)) != m")
    if _ORDERED and again.encode() != enc:
        # (MicroPython's dicts are unordered: maps may encode in any order)
        raise Finding("encoding not stable")


def json(data, cls=None):
    """protojson.decode of the bytes (and of them as a str when they are
    UTF-8) as the first message type, then as google.protobuf.Value and Any
    at the top level (where no field's error handling wraps the well-known
    types' own); returns the first's message or None."""
    if cls is None:
        from buffa.wkt.struct_pb import Value
        from buffa.wkt.any_pb import Any

        for c in (Value, Any):
            _json(data, c)
        cls = types()[0]
    return _json(data, cls)


def _json(data, cls):
    ign = bool(data) and data[-1:] == b"\n"
    res = None
    for text in _texts(data):
        try:
            m = protojson.decode(cls, text, ignore_unknown_fields=ign)
        except JsonError:
            if res is not None:
                raise Finding("bytes accepted, the same text as str rejected")
            continue
        except Exception as e:
            raise Finding("protojson.decode raised " + _fmt(e))
        try:
            _json_round_trip(cls, m)
        except MemoryError:
            pass  # as in binary(): no finding
        res = m
    return res


def _texts(data):
    yield data
    try:
        s = str(data, "utf-8")
    except UnicodeError:
        if _ORDERED:
            # CPython: a str may hold lone surrogates, which have no UTF-8
            try:
                s = data.decode("utf-8", "surrogatepass")
            except UnicodeError:
                return
            if s.encode("utf-8", "surrogatepass") == data:
                yield s
        return
    yield s


def _json_round_trip(cls, m):
    try:
        t = protojson.encode(m)
    except JsonError:
        # A message can hold what JSON cannot carry only when it came
        # from binary; from JSON it always can.
        raise Finding("decoded from JSON but protojson.encode fails")
    except MemoryError:
        raise
    except Exception as e:
        raise Finding("protojson.encode raised " + _fmt(e))
    try:
        again = protojson.decode(cls, t)
    except MemoryError:
        raise
    except Exception as e:
        raise Finding("own JSON does not decode: %s (%r)" % (_fmt(e), t[:200]))
    if not _same(again, m):
        raise Finding("JSON round trip changed the message: %r" % t[:200])
    try:
        enc = m.encode()
    except MemoryError:
        raise
    except Exception as e:
        raise Finding("decoded from JSON but cannot be encoded: " + _fmt(e))
    try:
        b = cls.decode(enc)
    except MemoryError:
        raise
    except Exception as e:
        raise Finding("decoded from JSON but its binary encoding does not decode: " + _fmt(e))
    if not _same(b, m):
        raise Finding("JSON-decoded message changed through binary")


def http1(data):
    """The Connect HTTP/1.1 response parser and head/error-body handling:
    the bytes arrive split at a point the first byte chooses."""
    from buffa.connect import http1 as h, protocol
    from buffa.connect.errors import ConnectError

    if not data:
        return None
    cut = data[0]
    data = data[1:]
    lim = h.Limits(max_body_bytes=4096, max_header_bytes=1024, max_headers=16, max_line_bytes=256)
    p = h.ResponseParser(lim, 256)
    p.reset(no_body=bool(cut & 128))
    ok = False
    try:
        k = (cut & 127) % (len(data) + 1)
        ev = h.NEED_DATA
        for part in (data[:k], data[k:], None):
            if part is None:
                p.feed_eof()
            else:
                p.feed(part)
            ev = p.next()
            while ev == h.HEAD:
                ok = protocol.check_head(p, "proto", "POST")
                ev = p.next()
            if ev == h.DONE:
                break
        if ev == h.DONE:
            if len(p.body) > lim.max_body_bytes:
                raise Finding("body beyond max_body_bytes")
            body = protocol.body_bytes(p, lim.max_body_bytes)
            if not ok:
                protocol.parse_error(p, body)
    except ConnectError:
        return None
    except Finding:
        raise
    except MemoryError:
        # The parser and body handling run inside a call, and the client
        # answers a MemoryError there with resource_exhausted
        # (core.wrap_unexpected, tested in host_tests/connect); on a small
        # heap inflating can need a block the heap no longer has.
        return None
    except Exception as e:
        raise Finding("http1 raised " + _fmt(e))
    return p


class _Conn:
    """A scripted connection for the envelope target: the response, given
    as a tuple of parts, arrives in pieces of `step` bytes, then the peer
    closes. The parts stay separate because joining them takes one block
    of the whole input's size, which a fragmented 256 KiB heap may not have
    even when the library's own reads would fit; a MemoryError there is the
    harness's, not the reader's."""

    def __init__(self, parts, step):
        self.parts = parts
        self.i = 0
        self.at = 0
        self.step = step

    def send(self, data, deadline):
        pass

    def recv_into(self, buf, deadline):
        parts = self.parts
        while self.i < len(parts) and self.at == len(parts[self.i]):
            self.i += 1
            self.at = 0
        if self.i == len(parts):
            return 0
        data = parts[self.i]
        n = min(len(buf), self.step, len(data) - self.at)
        buf[:n] = data[self.at : self.at + n]
        self.at += n
        return n

    def idle_ok(self):
        return False  # every input gets a connection of its own

    def close(self):
        pass


class _Dial:
    conn = None

    def dial(self, deadline, call_timeout_ms):
        return self.conn


_STREAM = []  # the client and its transport, made on first use


def envelope(data):
    """The Connect server-stream reader (buffa.connect.streams, with
    buffa.connect.envelope's framing): the bytes after the first are the
    body of a server-streaming response, read as messages of the first
    message type. The first byte picks the codec (bit 0: JSON), whether
    Connect-Content-Encoding says gzip (bit 1), chunked or close-delimited
    framing (bit 2), and the size of the pieces it arrives in (the rest).
    Only ConnectError may escape, and no more messages come out than the
    body holds envelope headers."""
    from buffa.connect.errors import ConnectError

    if not data:
        return None
    if not _STREAM:
        from buffa.connect import Client

        t = _Dial()
        c = Client.plaintext("http://fuzz.test", transport=t, timeout_ms=60000, max_response_bytes=4096,
                             recv_buffer_bytes=256, send_buffer_bytes=256)
        _STREAM[:] = [c, t]
    c, t = _STREAM
    opt = data[0]
    body = memoryview(data)[1:]  # no copy of the input (see _Conn)
    codec = "json" if opt & 1 else "proto"
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/connect+" + codec.encode() + b"\r\n"
    if opt & 2:
        head += b"connect-content-encoding: gzip\r\n"
    if opt & 4:
        head += b"transfer-encoding: chunked\r\n\r\n"
        parts = (head, b"%x\r\n" % len(body), body, b"\r\n0\r\n\r\n") if len(body) else (head, b"0\r\n\r\n")
    else:
        parts = (head + b"connection: close\r\n\r\n", body)
    t.conn = _Conn(parts, 7 * ((opt >> 3) + 1))
    cls = types()[0]
    most = len(data) // 5
    n = 0
    try:
        for _m in c.server_stream("/fuzz.v1.FuzzService/Watch", cls(), cls, codec=codec):
            n += 1
            if n > most:
                raise Finding("%d messages out of %d bytes" % (n, len(data)))
    except ConnectError:
        return None
    except Finding:
        raise
    except Exception as e:
        raise Finding("stream reader raised " + _fmt(e))
    return n


TARGETS = {"binary": binary, "json": json, "http1": http1, "envelope": envelope}

