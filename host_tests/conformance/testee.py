# Conformance testee: speaks conformance_test_runner's stdin/stdout protocol
# (4-byte little-endian length, then a ConformanceRequest; the same back with
# a ConformanceResponse). The same file runs under CPython and MicroPython.
import sys

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _here + "/gen")
sys.path.insert(0, _here + "/../../lib")

import buffa  # noqa: E402
from conformance import conformance_pb as C  # noqa: E402
from conformance.messages import test_messages_proto2_pb, test_messages_proto3_pb  # noqa: E402
from conformance.messages import test_messages_proto2_editions_pb, test_messages_proto3_editions_pb  # noqa: E402
from conformance.messages import test_messages_edition2023_pb  # noqa: E402
from conformance.messages import test_messages_edition_unstable_pb  # noqa: E402

TYPES = {}
for mod in (
    test_messages_proto2_pb,
    test_messages_proto3_pb,
    test_messages_proto2_editions_pb,
    test_messages_proto3_editions_pb,
    test_messages_edition2023_pb,
    test_messages_edition_unstable_pb,
):
    for k in dir(mod):
        v = getattr(mod, k)
        if isinstance(v, type) and issubclass(v, buffa.Message) and v._buffa_name:
            TYPES[v._buffa_name] = v

try:
    from buffa import protojson
except ImportError:
    protojson = None

_stdin = sys.stdin.buffer
_stdout = sys.stdout.buffer


def _read(n):
    out = b""
    while len(out) < n:
        chunk = _stdin.read(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


# "view" as the first argument: answer binary input through Message.view()
# (docs/views.md): the message is built from the view's fields
# (to_message()) and answered as usual. The suite's binary output checks
# want canonical bytes (defaults left out, packed runs repacked), which
# echoing view.encode() is not; so each case also checks that the view's
# message encodes as the owned decoder's does and that view.encode() gives
# back its input.
VIA_VIEW = sys.argv[1:2] == ["view"]


def _check_view(M, v, msg, data):
    a = msg.encode()
    b = M.decode(data).encode()
    if a != b:
        raise AssertionError("view fields differ from decode: %r != %r" % (a, b))
    if v.encode() != data:
        raise AssertionError("view.encode() differs from its input")


def handle(req):
    resp = C.ConformanceResponse()
    if req.message_type == "conformance.FailureSet":
        resp.protobuf_payload = C.FailureSet().encode()
        return resp
    M = TYPES.get(req.message_type)
    if M is None:
        resp.skipped = "unknown message type " + req.message_type
        return resp
    case = req.which_oneof("payload")
    fmt = req.requested_output_format
    if case == "protobuf_payload" and VIA_VIEW:
        try:
            v = M.view(req.protobuf_payload)
            msg = v.to_message()
        except buffa.DecodeError as e:
            resp.parse_error = str(e)
            return resp
        _check_view(M, v, msg, req.protobuf_payload)
    elif case == "protobuf_payload":
        try:
            msg = M.decode(req.protobuf_payload)
        except buffa.DecodeError as e:
            resp.parse_error = str(e)
            return resp
    elif case == "json_payload" and protojson is not None:
        ignore = req.test_category == C.TestCategory.JSON_IGNORE_UNKNOWN_PARSING_TEST
        try:
            msg = protojson.decode(M, req.json_payload, ignore_unknown_fields=ignore)
        except ValueError as e:
            resp.parse_error = str(e)
            return resp
    else:
        resp.skipped = "input format %s not supported" % case
        return resp
    if fmt == C.WireFormat.PROTOBUF:
        try:
            resp.protobuf_payload = msg.encode()
        except Exception as e:
            resp.serialize_error = str(e)
    elif fmt == C.WireFormat.JSON and protojson is not None:
        try:
            resp.json_payload = protojson.encode(msg)
        except ValueError as e:
            resp.serialize_error = str(e)
    else:
        resp.skipped = "output format %d not supported" % fmt
    return resp


def main():
    while True:
        hdr = _read(4)
        if hdr is None:
            return
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | hdr[3] << 24
        req = C.ConformanceRequest.decode(_read(n))
        try:
            resp = handle(req)
        except Exception as e:  # a bug in buffa, reported as such
            resp = C.ConformanceResponse()
            resp.runtime_error = "%s: %s" % (type(e).__name__, e)
        out = resp.encode()
        n = len(out)
        _stdout.write(bytes((n & 255, n >> 8 & 255, n >> 16 & 255, n >> 24 & 255)))
        _stdout.write(out)
        _stdout.flush()


main()
