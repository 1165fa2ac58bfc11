# Google's conformance suite on a QEMU board (docs/conformance-boards.md):
# each board's failure list holds only cases the rule of
# tools/conformance_failures.py explains, and a board run fails exactly
# those (the runner, given the list, fails on any other failure and on a
# listed case that passes, and checks each listed failure's message).
# CPython only: runs the conformance runner and QEMU.

MPTEST_REQUIRES = ("cpython", "subprocess")

BOARDS = ("QEMU_MPS2_AN385", "QEMU_MICROBIT")


def _request(message_type, **kw):
    import testee

    req = testee.C.ConformanceRequest(message_type=message_type, **kw)
    return req.encode()


def _cf():
    import conformance_failures

    return conformance_failures


def test_rule_on_made_up_requests():
    import struct

    cf = _cf()
    P3 = "protobuf_test_messages.proto3.TestAllTypesProto3"
    b = "QEMU_MPS2_AN385"

    def double(v):  # optional_double (field 12, fixed64)
        return b"\x61" + struct.pack("<d", v)

    assert cf.classify(b, _request(P3, protobuf_payload=double(0.1))) == "float64"
    assert cf.classify(b, _request(P3, protobuf_payload=double(1e300))) == "float64"
    assert cf.classify(b, _request(P3, protobuf_payload=double(0.5))) is None
    assert cf.classify(b, _request(P3, protobuf_payload=double(float("inf")))) is None
    # a float field holds float32 everywhere
    assert cf.classify(b, _request(P3, protobuf_payload=b"\x5d" + struct.pack("<f", 0.1))) is None
    # doubles in maps, repeated fields and Struct values count; other numbers do not
    assert cf.classify(b, _request(P3, json_payload='{"mapInt32Double": {"1": 0.1}}')) == "float64"
    assert cf.classify(b, _request(P3, json_payload='{"repeatedDouble": [0.5, 2.2e-308]}')) == "float64"
    assert cf.classify(b, _request(P3, json_payload='{"optionalValue": {"a": [1.5, 1234.5678]}}')) == "float64"
    assert cf.classify(b, _request(P3, json_payload='{"optionalInt64": "9007199254740993"}')) is None
    # input CPython rejects: the board must reject it too
    assert cf.classify(b, _request(P3, json_payload='{"optionalDouble": 0.1,}')) is None
    # nesting: the board's measured depth passes, one more level is "stack"
    n = cf.JSON_DEPTH[b]
    ok = '{"optionalValue": %s}' % ("[" * (n - 1) + "]" * (n - 1))
    deep = '{"optionalValue": %s}' % ("[" * n + "]" * n)
    assert cf.classify(b, _request(P3, json_payload=ok)) is None
    assert cf.classify(b, _request(P3, json_payload=deep)) == "stack"
    assert cf.json_depth('{"a": "[[[{{{", "b": [{}]}') == 3


def test_failure_lists_match_the_rule():
    # The requests come from the runner (--debug), not from the list.
    import os

    cf = _cf()
    for board in BOARDS:
        listed = cf.read_list(cf.list_path(board))
        names = [n for n, _, _ in listed]
        assert names and len(set(names)) == len(names), board
        for name, msg, reason in listed:
            assert reason in ("float64", "stack") and msg, (board, name)
        assert cf.check(board) == [], board
    assert os.path.basename(cf.list_path("QEMU_MICROBIT")) == "failures-qemu-microbit.txt"


def test_board_run_fails_exactly_its_list():
    # One board in make test (about two minutes of QEMU); both with
    # `make conformance BOARD=...`.
    import os
    import subprocess

    import mptest_runtimes

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    board = "QEMU_MPS2_AN385"
    mptest_runtimes.ensure_firmware(board)
    env = dict(os.environ, TESTEES="qemu-mps2")
    r = subprocess.run([os.path.join(root, "host_tests", "conformance", "run.sh")], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1200)
    text = r.stdout.decode(errors="replace")
    assert r.returncode == 0, text[-3000:]
    line = [ln for ln in text.splitlines() if ln.startswith("conformance[qemu-mps2]")]
    listed = len(_cf().read_list(_cf().list_path(board)))
    assert line and "CONFORMANCE SUITE PASSED" in line[0], text[-3000:]
    assert " 0 skipped, %d expected failures, 0 unexpected failures" % listed in line[0], line[0]
