# Helpers for the view tests (plain Python for every runtime).
import gc

from buffa import DecodeError
from pbtestutil import Lcg


def differential(M, data, seed, check_reads, rounds=150):
    """On damaged copies of data, M.view() fails only where M.decode() fails
    and otherwise reads what decode() gives (or both reject the content);
    check_reads(view, decoded, damaged bytes) compares reads of its own."""
    rnd = Lcg(seed)
    for _ in range(rounds):
        gc.collect()  # room for the next round on a 128 KiB heap
        b = damaged(data, rnd)
        try:
            want = M.decode(b)
        except DecodeError:
            want = None
        try:
            got = M.view(b).to_message()
        except DecodeError:
            got = None
        if want is None or got is None:
            assert want is None and got is None, b
        else:
            assert got.encode() == want.encode(), b
            check_reads(M.view(b), want, b)


def damaged(data, rnd):
    # data with one to three bytes changed, dropped or inserted
    b = bytearray(data)
    for _ in range(1 + rnd.below(3)):
        i = rnd.below(len(b))
        k = rnd.below(3)
        if k == 0:
            b[i] = rnd.below(256)
        elif k == 1:
            b = b[:i] + b[i + 1 :]
        else:
            b = b[:i] + bytes([rnd.below(256)]) + b[i:]
    return bytes(b)
