# Conformance testee, the part that runs on a QEMU board (testee_board.py is
# the host's part): a loop that answers one ConformanceRequest per frame.
#
# These ports have no sys.stdin.buffer, and their stdin turns "\r" into "\n",
# so frames cannot cross the serial link as raw bytes. Each frame is one line
# of base64 holding a 4-byte little-endian length and the message: the host
# sends base64(length + ConformanceRequest) "\n", the board answers
# "@" base64(length + ConformanceResponse) "\n", or "@!" and why it could
# not. Other lines the board prints are not frames; the host quotes them
# in the error it reports for the case.
import gc
import sys
from binascii import a2b_base64, b2a_base64

import testee

# The message modules are imported as requests name their types (testee.py),
# one at a time: the largest takes 41 KiB of the 140 KiB heap, and two of
# them leave too little (or too fragmented) for the suite's larger requests.
testee.MAX_LOADED = 1


def _frame(data):
    n = len(data)
    return bytes((n & 255, n >> 8 & 255, n >> 16 & 255, n >> 24 & 255)) + data


def _one(line):
    data = a2b_base64(line.strip())
    n = data[0] | data[1] << 8 | data[2] << 16 | data[3] << 24
    if n != len(data) - 4:
        return "frame of %d bytes says %d" % (len(data) - 4, n)
    return b2a_base64(_frame(testee.answer(data[4:])))


def main():
    sys.stdout.write("@ready\n")
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        try:
            out = _one(line)
        except Exception as e:  # outside answer(): the link's own buffers
            out = "%s: %s" % (type(e).__name__, e)
        del line
        if isinstance(out, str):
            sys.stdout.write("@!" + out + "\n")
        else:
            sys.stdout.write("@")
            sys.stdout.write(out)
        del out
        gc.collect()
