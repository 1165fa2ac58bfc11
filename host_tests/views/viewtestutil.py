# Helpers for the view tests (plain Python for every runtime).


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
