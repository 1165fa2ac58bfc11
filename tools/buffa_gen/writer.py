"""Writing generated source: indented lines, and small code-text helpers."""


def varint_bytes(v):
    out = []
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return out


class Writer:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, s=""):
        self.lines.append(("    " * self.ind + s) if s else "")

    def block(self):
        w = self

        class _B:
            def __enter__(self):
                w.ind += 1

            def __exit__(self, *a):
                w.ind -= 1

        return _B()

    def text(self):
        return "\n".join(self.lines) + "\n"


def at(off):
    """The buffer index p + off, as generated code."""
    return "p + %d" % off if off else "p"
