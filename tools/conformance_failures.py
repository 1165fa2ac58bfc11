"""The failure list of a QEMU board's conformance run, and the rule behind it.

A case of Google's conformance suite may fail on a QEMU board (float32,
a 10 KiB C stack) for one of two reasons only, decided from the runner's
ConformanceRequest alone:

  float64  the message it describes holds a double that float32 cannot
           hold: rounded to float32 the value changes (0.1, 1e-308) or
           overflows (1.7976931348623157e308). The board's floats are
           float32, so what it answers differs from the expected output.
  stack    its JSON input nests arrays and objects deeper than the board's
           C stack lets the JSON decoder go (JSON_DEPTH, measured on the
           board: `tools/conformance_failures.py depth BOARD`).

    tools/conformance_failures.py generate BOARD RUNNER_LOG   the list, from a run without one
    tools/conformance_failures.py check BOARD                 every listed case matches the rule
    tools/conformance_failures.py depth BOARD                 measure the board's JSON depth

The list is host_tests/conformance/failures-TESTEE.txt (qemu-mps2, qemu-microbit): each line a case and
the runner's failure message (the runner checks both), grouped by reason.
`generate` refuses a failure the rule does not explain: fix it or report it.
The requests come from the runner itself (--debug writes each named case's
serialized request), answered by the CPython testee.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, "host_tests", "conformance")
sys.path[:0] = [CONF, os.path.join(CONF, "gen"), os.path.join(ROOT, "lib"), os.path.join(ROOT, "tools")]

# The deepest JSON nesting (arrays and objects) each board's decoder takes
# before its C stack runs out: `depth BOARD` measures it.
JSON_DEPTH = {"QEMU_MPS2_AN385": 11, "QEMU_MICROBIT": 8}
RUNNER_ARGS = ["--enforce_recommended", "--maximum_edition", "2023"]

_DOUBLE = 1
_MESSAGE = 11
_GROUP = 10
_MAP = 4


# The board's testee (host_tests/conformance/testee-NAME), which names its list.
TESTEE = {"QEMU_MPS2_AN385": "qemu-mps2", "QEMU_MICROBIT": "qemu-microbit"}


def list_path(board):
    return os.path.join(CONF, "failures-%s.txt" % TESTEE[board])


def _f32_differs(v):
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0] != v and v == v
    except OverflowError:
        return True


def _doubles_need_f64(m):
    # Any double in message m (nested messages, repeated and map values,
    # Any payloads included) that float32 cannot hold.
    import buffa.message

    if m._buffa_name == "google.protobuf.Any" and m.type_url:
        M = buffa.message.TYPES.get(m.type_url.rsplit("/", 1)[-1])
        if M is not None and _doubles_need_f64(M.decode(m.value)):
            return True
    for row in m._buffa_f:
        v = getattr(m, row[0])
        if v is None:
            continue
        typ, flags, ref = row[2], row[3], row[4]
        if flags & _MAP:
            krow, vrow = ref
            typ, ref, v = vrow[2], vrow[4], list(v.values())
        elif not isinstance(v, list):
            v = [v]
        for x in v:
            if typ == _DOUBLE and _f32_differs(x):
                return True
            if typ in (_MESSAGE, _GROUP) and x is not None and _doubles_need_f64(x):
                return True
    return False


def json_depth(text):
    """How deeply arrays and objects nest in JSON text (strings skipped)."""
    depth = top = 0
    in_str = esc = False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
            top = max(top, depth)
        elif c in "]}":
            depth -= 1
    return top


def classify(board, request):
    """"float64", "stack" or None (the board must pass) for a serialized ConformanceRequest."""
    import buffa
    import testee
    from buffa import protojson

    C = testee.C
    req = C.ConformanceRequest.decode(request)
    if req.json_payload and json_depth(req.json_payload) > JSON_DEPTH[board]:
        return "stack"
    M = testee.message_type(req.message_type)
    if M is None:
        return None
    try:
        if req.which_oneof("payload") == "protobuf_payload":
            m = M.decode(req.protobuf_payload)
        elif req.which_oneof("payload") == "json_payload":
            ign = req.test_category == C.TestCategory.JSON_IGNORE_UNKNOWN_PARSING_TEST
            m = protojson.decode(M, req.json_payload, ignore_unknown_fields=ign)
        else:
            return None
    except (buffa.DecodeError, ValueError):
        return None  # rejected on CPython: the board must reject it too
    return "float64" if _doubles_need_f64(m) else None


def _runner():
    return os.environ.get("CONFORMANCE_RUNNER") or os.path.join(ROOT, "tools", "conformance-runner")


def requests(names):
    """{name: serialized ConformanceRequest} for the named cases, as the runner writes them."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [_runner()] + RUNNER_ARGS + ["--debug", "--output_dir", tmp + "/"]
        for n in names:
            cmd += ["--test", n]
        cmd.append(os.path.join(CONF, "testee-cpython"))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp)
        for n in names:
            path = os.path.join(tmp, n.replace(".", "_") + ".txt")
            if not os.path.exists(path):
                raise SystemExit("conformance_failures: the runner wrote no request for %s:\n%s" % (n, p.stdout[-2000:]))
            with open(path) as f:
                text = f.read()
            # printf-style escapes: \xN or \xNN, and octal \NNN
            raw = bytes(int(a, 16) if a else int(b, 8) for a, b in re.findall(r"\\x([0-9a-fA-F]{1,2})|\\([0-7]{1,3})", text))
            n_bytes, = struct.unpack_from("<I", raw)
            out[n] = raw[4 : 4 + n_bytes]
    return out


def read_list(path):
    """[(name, message, reason)] from a failure list."""
    out = []
    reason = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = re.match(r"# reason: (\w+)", line)
            if m:
                reason = m.group(1)
            elif line and not line.startswith("#"):
                name, _, msg = line.partition(" # ")
                out.append((name.strip(), msg.strip(), reason))
    return out


def failures_from_log(text):
    """[(name, message)] of the failures a runner's output lists."""
    out = []
    on = False
    for line in text.splitlines():
        if line.startswith("These tests failed."):
            on = True
        elif on and line.startswith("  ") and " # " in line:
            name, _, msg = line.strip().partition(" # ")
            out.append((name, msg))
        elif on and line.startswith("CONFORMANCE SUITE"):
            on = False
    return out


def generate(board, log_path):
    with open(log_path) as f:
        failed = failures_from_log(f.read())
    reqs = requests([n for n, _ in failed])
    groups = {"float64": [], "stack": []}
    unexplained = []
    for name, msg in failed:
        r = classify(board, reqs[name])
        (groups[r] if r else unexplained).append((name, msg))
    if unexplained:
        for name, msg in unexplained:
            sys.stderr.write("not explained by the rule: %s # %s\n" % (name, msg))
        return 1
    lines = ["# Conformance cases expected to fail on %s, generated by" % board,
             "# tools/conformance_failures.py from a board run; the rule is in its docstring.",
             "# host_tests/test_conformance_board.py checks every case against the rule."]
    for reason in ("float64", "stack"):
        lines += ["", "# reason: %s (%d cases)" % (reason, len(groups[reason]))]
        lines += ["%s # %s" % (n, m) for n, m in sorted(groups[reason])]
    with open(list_path(board), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d float64, %d stack" % (list_path(board), len(groups["float64"]), len(groups["stack"])))
    return 0


def check(board):
    """[(name, listed reason, the rule's)] where they differ; [] when the list holds."""
    listed = read_list(list_path(board))
    reqs = requests([n for n, _, _ in listed])
    return [(n, r, classify(board, reqs[n])) for n, _, r in listed if classify(board, reqs[n]) != r]


def measure_depth(board):
    import mpboard

    q = mpboard.QemuBoard(board)
    try:
        r = mpboard.RawRepl(q.start())
        r.enter_raw()
        out, _ = r.exec_(
            "from buffa import protojson\n"
            "from buffa.wkt.struct_pb import Value\n"
            "n = 1\n"
            "while n < 200:\n"
            "    try:\n"
            "        protojson.decode(Value, '[' * n + ']' * n)\n"
            "    except protojson.JsonError:\n"
            "        break\n"
            "    n += 1\n"
            "print(n - 1)\n", timeout=120)
        return int(out.strip())
    finally:
        q.stop()


def main(argv):
    if len(argv) >= 2 and argv[1] in JSON_DEPTH:
        if argv[0] == "generate" and len(argv) == 3:
            return generate(argv[1], argv[2])
        if argv[0] == "check" and len(argv) == 2:
            bad = check(argv[1])
            for n, listed, rule in bad:
                print("%s: listed as %s, the rule says %s" % (n, listed, rule))
            return 1 if bad else 0
        if argv[0] == "depth" and len(argv) == 2:
            print(measure_depth(argv[1]))
            return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
