# The seed corpus (python tools/fuzz.py --seeds): a few valid inputs per
# target, so mutation starts from structure rather than from nothing.
# CPython only; deterministic.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "conformance", "gen")]


def _binary():
    from buffa import protojson
    from targets import types

    out = []
    for i, cls in enumerate(types()):
        for text in _json_texts(cls):
            try:
                m = protojson.decode(cls, text)
            except Exception:
                continue
            out.append(bytes([i]) + m.encode())
    # unknown fields, a group, a packed run, a deep chain
    out.append(bytes([1]) + bytes.fromhex("f00f01a3060801a406fa0f026162"))
    out.append(bytes([1]) + bytes.fromhex("fa01 03 010203".replace(" ", "")))
    out.append(bytes([0]) + bytes.fromhex("92 0b".replace(" ", "")) * 3 + b"\x00")
    return out


def _json_texts(cls):
    yield b'{"optionalInt32": -5, "optionalString": "h\\u00e9llo", "optionalBytes": "AP8=", "repeatedDouble": [1.5, "NaN", "-Infinity"]}'
    yield b'{"optionalNestedMessage": {"a": 7, "corecursive": {"optionalInt64": "123"}}, "recursiveMessage": {"recursiveMessage": {}}}'
    yield b'{"mapStringString": {"k": "v", "": "\\ud83d\\ude00"}, "mapInt32Int32": {"-1": 2}, "mapBoolBool": {"true": false}}'
    yield b'{"packedFixed32": [1, 4294967295], "packedSfixed64": ["-9223372036854775808"], "packedFloat": [1e38, 3.4028235e38]}'
    yield b'{"optionalNestedEnum": "BAZ", "repeatedNestedEnum": [1, "FOO"], "oneofUint64": "18446744073709551615"}'
    yield b'{"optionalTimestamp": "2026-12-04T23:00:00.5Z", "optionalDuration": "-1.000000001s", "optionalFieldMask": "a.b,cD"}'
    yield b'{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}, "optionalValue": [1, "a", null, {"x": true}]}'
    yield b'{"optionalStruct": {"a": {"b": [[]]}}, "optionalInt32Wrapper": 5, "repeatedStringWrapper": ["x"], "optionalEmpty": {}}'
    yield b'{"data": {"groupInt32": 1}, "optional_uint64": 1e3, "[protobuf_test_messages.proto2.extension_int32]": 1}'
    yield b'{"optionalFloat": -0.0, "optionalDouble": 2.2250738585072014e-308, "optionalBool": true, "fieldname1": 0}'


def _http1():
    bodies = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/proto\r\nContent-Length: 3\r\n\r\n\x08\x96\x01",
        b"HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ntransfer-encoding: chunked\r\n\r\n"
        b"2\r\n\x08\x01\r\n0\r\ntrailer-x: 1\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 61\r\n\r\n"
        b'{"code":"not_found","message":"no","details":[{"type":"a.B","value":"AQ"}]}',
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/proto\r\nConnection: close\r\n\r\nabc",
        b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<html/>",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/proto\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n"
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ]
    return [bytes([k]) + b for b in bodies for k in (0, 30, 200)]


def _envelope():
    # A first byte of options (targets.envelope), then a server stream's body.
    import gzip

    def env(flags, data):
        return bytes([flags]) + len(data).to_bytes(4, "big") + data

    msg = env(0, b"\x08\x96\x01")
    end = env(2, b"{}")
    return [
        b"\x00" + msg + end,
        b"\x0c" + msg + msg + env(2, b'{"metadata": {"x-a": ["1", "2"]}}'),
        b"\x01" + env(0, b'{"optionalInt32": 5}') + end,
        b"\x18" + msg + env(2, b'{"error": {"code": "unavailable", "message": "m", "details": []}}'),
        b"\x02" + env(1, gzip.compress(b"\x08\x96\x01", mtime=0)) + end,
        b"\x00" + env(1, gzip.compress(b"\x08\x96\x01", mtime=0)) + end,
        b"\x24" + msg,
        b"\x00" + env(0x80, b"") + end,
    ]


def _small():
    # The small message set's seeds (targets.use_small)
    sys.path[:0] = [os.path.join(HERE, "..", "malformed"), os.path.join(HERE, "..", "protojson")]
    from malformed_pb import Msg
    from malformed_groups_pb import Node
    from json_containers_pb import Containers
    from buffa import protojson

    js = [
        b'{"nums": [1, -2], "names": ["a", "\\u00e9\\ud83d\\ude00"], "colors": ["RED", 2], "longs": ["-9223372036854775808"]}',
        b'{"items": [{"i32": 1, "fl": 1.5, "db": "NaN", "by": "AP8=", "u64": "18446744073709551615"}], "text": "x"}',
        b'{"counts": {"a": 1}, "byId": {"-5": "x"}, "flags": {"true": {"s": "\\""}}, "colorsByNum": {"7": "GREEN"}}',
        b'{"child": {"child": {"child": {"nested": {"sf64": "1"}}}}, "number": 3}',
    ]
    m = Msg(i32=-5, f32=7, f64=9, s="h\u00e9llo", by=b"\x00\xff", child=Msg(i32=1, child=Msg(u64=2**64 - 1)),
            pf32=[1, 2], pf64=[3], pi32=[-1, 300, 5], m={1: "a", -2: "b"}, pd=[1.5], rs=["a", ""],
            mm={"k": Msg(i32=3)}, os="one")
    n = Node(child=Node(child=Node(v=3, s="z"), e=1, re=[0, 1]), msg=Node(child=Node(v=-1)), v=7)
    bs = [bytes([i]) + protojson.decode(Containers, t).encode() for i, t in ((0, js[0]), (3, js[2]), (6, js[3]))]
    bs += [bytes([1]) + m.encode(), bytes([4]) + m.encode() + bytes.fromhex("f00f01a3060801a406fa0f026162"),
           bytes([2]) + n.encode() + bytes.fromhex("200528072a020109")]
    return bs, js


def write(root):
    bs, js = _small()
    sets = {"binary": _binary(), "json": [t for t in _json_texts(None)], "http1": _http1(), "envelope": _envelope(),
            "binary-small": bs, "json-small": js}
    sets["json"] += [t + b"\n" for t in sets["json"][:3]]  # "\n" at the end: ignore unknown fields
    for name, items in sets.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
        for i, data in enumerate(items):
            with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
                f.write(data)
        print("fuzz seeds: %d for %s" % (len(items), name))
