# Defaults sized for the runtime: the response limit, whether gzip is
# advertised, and the inflate window. On a small heap (unix-small, QEMU
# boards) a client with default settings must still read a response that a
# server gzips without being asked to.
from buffa.connect import Code
from echo_msgs import EchoResponse
from memtransport import lib, MemConnection, MemTransport, ok, head_lines, header, PROC

KIB = 1024

# EchoResponse(text="gzip anyway", payload=b"z" * 300), gzip-compressed by
# CPython's zlib (level 6, 32 KiB window), as a server would send it.
GZ_ANYWAY = (
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xe3\xe2N\xaf\xca,PH\xcc\xab,O\xac\x14Z\xc3T5\n\x88\x06\x00"
    b"a\x87\xa9\xcb<\x01\x00\x00"
)


def test_default_max_response_bytes_by_heap():
    core = lib("core")
    assert core.default_max_response_bytes(128 * KIB) == 8 * KIB
    assert core.default_max_response_bytes(256 * KIB - 1) == 8 * KIB
    assert core.default_max_response_bytes(256 * KIB) == 16 * KIB
    assert core.default_max_response_bytes(2048 * KIB) == 128 * KIB
    assert core.default_max_response_bytes(32 * KIB) == 4 * KIB  # the floor
    assert core.default_max_response_bytes(1 << 30) == 4096 * KIB  # the ceiling


def test_gzip_advertised_only_where_the_window_fits():
    core = lib("core")
    compress = lib("compress")
    if not compress.CAN_DECOMPRESS:
        assert not core.default_accept_compression(16 * KIB, 1 << 30)
        return
    # A 16 KiB response limit needs a 16 KiB window: 1/32 of a 512 KiB heap.
    assert core.default_accept_compression(16 * KIB, 512 * KIB)
    assert not core.default_accept_compression(16 * KIB, 512 * KIB - 1)
    # The defaults of a 128-256 KiB board: an 8 KiB limit and window, not offered.
    assert not core.default_accept_compression(8 * KIB, 256 * KIB - 1)
    # The unix port's 2 MiB heap: 128 KiB limit, 32 KiB window, offered.
    assert core.default_accept_compression(128 * KIB, 2048 * KIB)
    assert core.default_accept_compression(4096 * KIB, 1 << 30)


def test_inflate_window_follows_the_limit():
    compress = lib("compress")
    assert compress.window_bits(1) == 8
    assert compress.window_bits(256) == 8
    assert compress.window_bits(257) == 9
    assert compress.window_bits(16 * KIB) == 14
    assert compress.window_bits(32 * KIB) == 15
    assert compress.window_bits(4096 * KIB) == 15  # deflate never refers back further
    assert compress.window_bytes(16 * KIB) == 16 * KIB


def test_default_client_reads_gzip_it_did_not_ask_for():
    import gc

    Client = lib("client").Client
    core = lib("core")
    compress = lib("compress")
    gc.collect()
    conn = MemConnection([ok(GZ_ANYWAY, (("content-type", "application/proto"), ("content-encoding", "gzip")))])
    c = Client.plaintext("http://svc.test:8080", transport=MemTransport([conn]))  # default settings
    heap = core._heap_bytes()
    if not compress.CAN_DECOMPRESS:
        e = None
        try:
            c.call(PROC, EchoResponse(), EchoResponse)
        except Exception as x:
            e = x
        assert e.code == Code.INTERNAL  # cannot be read here; said so, not a stray error
        return
    got = c.call(PROC, EchoResponse(), EchoResponse)
    assert got == EchoResponse(text="gzip anyway", payload=b"z" * 300)
    advertised = header(head_lines(conn), "accept-encoding")
    if heap is not None and heap < 256 * KIB:
        # A small board: no gzip unless asked, and a limit it can afford.
        assert advertised == "identity", advertised
        assert c._cfg.max_response_bytes == core.default_max_response_bytes(heap) <= 16 * KIB
    else:
        assert advertised == "gzip", advertised
