#!/usr/bin/env python3
"""Writes W4 and W5 (shapes.proto) once, from a fixed seed: W*.bin encoded by
Google's protobuf, W*.json the same values in the form W1-W3's use (README).

    python bench/workloads/make_shapes.py   # needs protoc and protobuf

Kept for the record: the checked-in files are what the benchmarks use.
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# W5: the fields left unset (most are set)
UNSET = ("i32_c", "u64_b", "f_d", "b_d", "note", "fallback")


def f32(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def value(rnd, t):
    """(python value for protobuf, canonical JSON value) of a random t."""
    if t in ("int32", "sfixed32"):
        v = rnd.randint(-2**31, 2**31 - 1)
    elif t in ("int64", "sfixed64", "sint64"):
        v = rnd.randint(-2**63, 2**63 - 1)
    elif t in ("uint32", "fixed32"):
        v = rnd.randint(0, 2**32 - 1)
    elif t in ("uint64", "fixed64"):
        v = rnd.randint(0, 2**64 - 1)
    elif t == "sint32":
        v = rnd.randint(-2**31, 2**31 - 1)
    elif t == "float":
        x = struct.unpack("<f", struct.pack("<f", rnd.uniform(-1e4, 1e4)))[0]
        return x, f32(x)
    elif t == "double":
        x = rnd.uniform(-1e9, 1e9)
        return x, f64(x)
    elif t == "bool":
        v = rnd.random() < 0.5
    elif t == "string":
        v = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_-0123456789") for _ in range(rnd.randint(4, 24)))
    elif t == "bytes":
        b = bytes(rnd.getrandbits(8) for _ in range(16))
        return b, b.hex()
    elif t == "enum":
        v = rnd.randint(1, 3)
    else:
        raise ValueError(t)
    return v, v


def main():
    from google.protobuf import descriptor_pb2  # noqa: F401  (protobuf present)

    out = tempfile.mkdtemp()
    subprocess.run(["protoc", "-I", HERE, "--python_out=" + out, os.path.join(HERE, "shapes.proto")], check=True)
    sys.path.insert(0, out)
    import shapes_pb2
    from google.protobuf.descriptor import FieldDescriptor as FD

    names = {v: k[len("TYPE_"):].lower() for k, v in vars(FD).items() if k.startswith("TYPE_")}
    rnd = random.Random(20261205)
    for wl, cls, unset in (("W4", shapes_pb2.Point, ()), ("W5", shapes_pb2.Settings, UNSET)):
        m = cls()
        canon = {}
        for f in cls.DESCRIPTOR.fields:
            if f.name in unset:
                continue
            t = names[f.type]
            if wl == "W4" and f.name == "id":
                v, c = 4711, 4711
            elif wl == "W4" and t == "sint32":
                v = c = rnd.randint(-5000, 5000)
            else:
                v, c = value(rnd, t)
            setattr(m, f.name, v)
            canon[f.name] = c
        with open(os.path.join(HERE, wl + ".bin"), "wb") as fh:
            fh.write(m.SerializeToString())
        with open(os.path.join(HERE, wl + ".json"), "w") as fh:
            json.dump(canon, fh, indent=1, sort_keys=True)
            fh.write("\n")
        print(wl, len(m.SerializeToString()), "bytes")


if __name__ == "__main__":
    main()
