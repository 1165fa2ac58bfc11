# Native (viper) versions of the hottest packed-run loops, for MicroPython
# ports with the native emitter. buffa.wire imports this module inside a
# try: on CPython, on ports without viper and where a .mpy was built for
# another architecture the import fails and the Python loops in buffa.wire
# are used instead. Results are identical either way
# (host_tests/native/test_packed_sint32_native.py).
#
# It sits beside the buffa package, not in it, so that firmware for a board
# without a native emitter (the Cortex-M0 QEMU board) can freeze the whole
# package: freezing viper code there fails to link. Boards with one freeze
# it too, through firmware/manifest_native.py.
#
# Only sint32 runs are done here: they are what sensor samples use (W3) and
# their values fit a machine word on every port (zigzag of an int32 is a
# uint32). Anything unusual (a varint longer than five bytes) is left to the
# Python loop by returning where it starts.
import micropython


@micropython.viper
def zz32_size(lst) -> int:
    # Payload size of a packed sint32 run, or -1 for a run with a value of
    # five bytes (at least 2**27 from zero): the Python loop sizes those
    # runs, since only it can tell a value beyond int32 (int() here keeps
    # the low bits of one on a 32-bit port) and say so.
    n = 0
    for v in lst:
        x = int(v)
        z = uint((x << 1) ^ (x >> 31))
        if z < uint(0x80):
            n += 1
        elif z < uint(0x4000):
            n += 2
        elif z < uint(0x200000):
            n += 3
        elif z < uint(0x10000000):
            n += 4
        else:
            return -1
    return n


@micropython.viper
def zz32_put(buf, p: int, lst) -> int:
    # Write a packed sint32 run at p; return the end.
    b = ptr8(buf)
    for v in lst:
        x = int(v)
        z = uint((x << 1) ^ (x >> 31))
        while z >= uint(0x80):
            b[p] = (z & 0x7F) | 0x80
            z = z >> 7
            p += 1
        b[p] = z
        p += 1
    return p


@micropython.viper
def zz32_get(b, p: int, q: int, lst) -> int:
    # Append the sint32 values of b[p:q] to lst. Returns q when done, or the
    # position of a value it leaves to the caller (truncated, or longer than
    # five bytes) as -1 - position.
    s = ptr8(b)
    ap = lst.append
    while p < q:
        start = p
        v = uint(s[p])
        p += 1
        if v > uint(0x7F):
            v = v & uint(0x7F)
            sh = 7
            while True:
                if p >= q:
                    return -1 - start
                c = uint(s[p])
                p += 1
                if sh == 28 and c > uint(0x0F):
                    return -1 - start  # wider than 32 bits
                v = v | ((c & uint(0x7F)) << sh)
                if c < uint(0x80):
                    break
                sh += 7
        ap(int(v >> 1) ^ (0 - int(v & 1)))
    return p


@micropython.viper
def utf8_ok(b, p: int, q: int) -> bool:
    # Strict UTF-8 for b[p:q], which MicroPython's decoder has already
    # accepted (lead bytes and continuation counts are right): rule out the
    # overlong forms, surrogates and code points past U+10FFFF it lets
    # through (buffa._wirecold._SUSPECT has the table this unrolls).
    s = ptr8(b)
    while p < q:
        c = int(s[p])
        p += 1
        if c >= 0xC0:  # a lead byte; continuation bytes are 0x80..0xBF
            if c < 0xC2 or c > 0xF4 or p >= q:
                return False
            d = int(s[p])
            if c == 0xE0:
                if d < 0xA0:
                    return False
            elif c == 0xED:
                if d > 0x9F:
                    return False
            elif c == 0xF0:
                if d < 0x90:
                    return False
            elif c == 0xF4:
                if d > 0x8F:
                    return False
    return True
