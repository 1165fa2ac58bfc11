# The seeded mutation fuzzer for MicroPython (the unix port; tools/fuzz.py
# runs it with the default heap and with -X heapsize=256K):
#
#   micropython mpfuzz.py TARGET SECONDS SEED FINDINGS_DIR [FUZZ_DIR [small]]
#
# FUZZ_DIR (default: this file's folder) holds corpus/ and regressions/;
# given when this runs from a compiled .mpy elsewhere (the small-heap run).
# "small": the small message set (targets.use_small), corpus TARGET-small.
#
# It mutates the checked-in corpus (host_tests/fuzz/corpus/TARGET) and runs
# the same target and oracles as atheris does on CPython (targets.py). No
# coverage feedback: inputs that made a new kind of error message join the
# pool instead. On a small heap a MemoryError out of decode is a finding:
# decoding must turn it into DecodeError or JsonError.
import gc
import os
import sys
import time

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _HERE)
import targets  # noqa: E402

# tokens the JSON mutations splice in
_TOKENS = (b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"{", b"}", b"[", b"]", b",", b":", b"null",
           b"1e99999", b"-0", b"18446744073709551616", b"\xc0\x80", b"\xed\xa0\x80", b"\xff",
           b'"optionalStruct":', b'"recursiveMessage":{', b'"optionalValue":[', b'"mapInt32Int32":{"1":',
           b'"repeatedString":["', b'"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Value","value":',
           b'"[protobuf_test_messages.proto2.extension_int32]":')
_BYTES = (0x80, 0xFF, 0x00, 0x0B, 0x0C, 0x7F, 0x01, 0x0A, 0x12, 0x1A, 0xA3, 0xA4)


class Rng:
    # xorshift32: the same stream on every port
    def __init__(self, seed):
        self.s = (seed & 0xFFFFFFFF) or 1

    def below(self, n):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s % n if n else 0


def _varint(n):
    out = bytearray()
    while n > 127:
        out.append(n & 127 | 128)
        n >>= 7
    out.append(n)
    return bytes(out)


def mutate(r, d, pool, big=False):
    for _ in range(1 + r.below(4)):
        n = len(d)
        j = r.below(n + 1)
        op = r.below(10)
        if op == 0:
            d = d[:j]
        elif op == 1 and n:
            j = r.below(n)
            d = d[:j] + bytes([r.below(256)]) + d[j + 1 :]
        elif op == 2 and n:
            j = r.below(n)
            d = d[:j] + bytes([d[j] ^ (1 << r.below(8))]) + d[j + 1 :]
        elif op == 3:
            d = d[:j] + d[j + 1 + r.below(4) :]
        elif op == 4:
            d = d[:j] + bytes([_BYTES[r.below(len(_BYTES))]]) + d[j:]
        elif op == 5:
            d = d[:j] + _TOKENS[r.below(len(_TOKENS))] + d[j:]
        elif op == 6 and n:
            k = r.below(n)
            d = d[:j] + d[k : k + 1 + r.below(16)] + d[j:]
        elif op == 7 and n:
            # repeat a piece: nesting and long runs
            k = r.below(n)
            piece = d[k : k + 1 + r.below(8)]
            d = d[:j] + piece * (2 + r.below(64)) + d[j:]
        elif op == 9 and big and r.below(8) == 0:
            # a long length-delimited field (a packed run of up to 64 K
            # fixed-width values): limits that only long runs reach
            k = 1 << (8 + r.below(11))
            d = d[:j] + bytes([(1 + r.below(31)) << 3 | 2]) + _varint(k) + bytes(k) + d[j:]
        elif op == 8 and pool:
            # splice with another input
            o = pool[r.below(len(pool))]
            d = d[:j] + o[r.below(len(o) + 1) :]
        else:
            d = d[:j] + bytes([r.below(256)]) + d[j:]
    return d


def corpus(target, here):
    out = []
    for sub in ("corpus", "regressions"):
        d = "%s/%s/%s" % (here, sub, target)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            with open(d + "/" + n, "rb") as f:
                out.append(f.read())
    return out or [b""]


def _kind(e):
    # A short signature of a rejected input's error, so inputs reaching a
    # new kind of rejection join the pool.
    s = str(e)
    i = s.find(" at ")
    return s[:i] if i > 0 else s[:40]


def main():
    name, seconds, seed, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    check = targets.TARGETS[name]
    small = sys.argv[6:7] == ["small"]
    if small:
        targets.use_small()
    # Only the message targets have a small set of their own; the Connect
    # targets (http1, envelope) start from their usual seeds on any heap.
    per_set = small and name in ("binary", "json")
    pool = corpus(name + "-small" if per_set else name, sys.argv[5] if len(sys.argv) > 5 else _HERE)
    # load what the targets use before the first input: a MemoryError while
    # importing is no finding
    targets.types()
    if name == "json":
        import buffa.protojson._decode, buffa.protojson._encode  # noqa: F401,E401
    try:
        check(b"")
    except Exception:
        pass
    seen = {}
    r = Rng(seed)
    t0 = time.time()
    n = 0
    cap, maxlen = (40, 1024) if small else (400, 4096)
    while time.time() - t0 < seconds:
        try:
            d = mutate(r, pool[r.below(len(pool))], pool, not small)
            if len(d) > maxlen and not (name == "binary" and not small):
                d = d[:maxlen]
        except MemoryError:  # the fuzzer's own, on a small heap
            gc.collect()
            continue
        n += 1
        try:
            check(d)
        except targets.Finding as e:
            return found(name, out, d, e, n, t0)
        except (targets.DecodeError, targets.JsonError) as e:
            # raised by the round trip, not by the first decode
            return found(name, out, d, e, n, t0)
        except MemoryError as e:
            # the fuzzer's own (slicing the input, say) unless it happens
            # again with the heap collected: decoding must turn it into
            # DecodeError or JsonError
            gc.collect()
            try:
                check(d)
            except MemoryError as e2:
                return found(name, out, d, e2, n, t0)
            except Exception as e2:
                return found(name, out, d, e2, n, t0)
        except Exception as e:
            return found(name, out, d, e, n, t0)
        # probe which error the input gives, to grow the pool
        if len(pool) < cap and n % 7 == 0 and len(d) <= 4096:
            # (long inputs stay out of the pool: the long-field mutation
            # makes them afresh, and a pool of them would fill the heap)
            try:
                k = _probe(name, d)
            except MemoryError:
                gc.collect()
                continue
            if k is not None and k not in seen:
                seen[k] = 1
                pool.append(d)
    print("mpfuzz: %d execs in %.1f s, pool %d" % (n, time.time() - t0, len(pool)))
    return 0


def _probe(name, d):
    if name == "binary" and d:
        ts = targets.types()
        try:
            ts[d[0] % len(ts)].decode(d[1:])
            return "ok%d" % (len(d) // 64)
        except targets.DecodeError as e:
            return _kind(e)
    if name == "json":
        try:
            targets.protojson.decode(targets.types()[0], d)
            return "ok%d" % (len(d) // 64)
        except targets.JsonError as e:
            return e.path[:12] + _kind(e.reason)
    return None


def found(name, out, d, e, n, t0):
    try:
        os.mkdir(out)
    except OSError:
        pass
    path = "%s/%s-%s-%d" % (out, name, sys.implementation.name, n)
    with open(path, "wb") as f:
        f.write(d)
    print("mpfuzz: %d execs in %.1f s" % (n, time.time() - t0))
    print("mpfuzz: Finding %s: %s" % (type(e).__name__, e))
    print("mpfuzz: input %s (%r)" % (path, d[:200]))
    return 1


sys.exit(main())
