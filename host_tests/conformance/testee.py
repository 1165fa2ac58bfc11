# Conformance testee: speaks conformance_test_runner's stdin/stdout protocol
# (4-byte little-endian length, then a ConformanceRequest; the same back with
# a ConformanceResponse). The same file runs under CPython and MicroPython.
import sys

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _here + "/gen")
sys.path.insert(0, _here + "/../../lib")

import gc  # noqa: E402

import buffa  # noqa: E402
import buffa.message  # noqa: E402
from conformance import conformance_pb as C  # noqa: E402

# The generated modules, one per proto package. A QEMU board's heap
# (board_loop.py) holds only some of them at once: when importing one runs
# out of memory, the least recently used are forgotten until it fits.
MODULES = {
    "protobuf_test_messages.proto2": "test_messages_proto2_pb",
    "protobuf_test_messages.proto3": "test_messages_proto3_pb",
    "protobuf_test_messages.editions.proto2": "test_messages_proto2_editions_pb",
    "protobuf_test_messages.editions.proto3": "test_messages_proto3_editions_pb",
    "protobuf_test_messages.editions": "test_messages_edition2023_pb",
    "protobuf_test_messages.edition_unstable": "test_messages_edition_unstable_pb",
}
TYPES = {}  # full name -> message class, of the modules loaded
_loaded = []  # their packages, least recently used first
# How many modules may stay loaded (board_loop.py sets it); 0: no bound.
MAX_LOADED = 0


def _package(name):
    # "a.b.Msg.Inner" -> "a.b": message and enum names start upper case here.
    parts = name.split(".")
    n = 0
    while n < len(parts) and not parts[n][:1].isupper():
        n += 1
    return ".".join(parts[:n])


def _load(pkg):
    name = MODULES[pkg]
    try:
        mod = __import__("conformance.messages." + name, None, None, [name])
    except MemoryError:
        sys.modules.pop("conformance.messages." + name, None)
        raise
    for k in dir(mod):
        v = getattr(mod, k)
        if isinstance(v, type) and issubclass(v, buffa.Message) and v._buffa_name:
            TYPES[v._buffa_name] = v
    _loaded.append(pkg)


def _forget(pkg):
    # Every reference to the module's classes: the module itself, our table,
    # buffa's registry and the JSON codec's per-class tables.
    name = MODULES[pkg]
    sys.modules.pop("conformance.messages." + name, None)
    parent = sys.modules.get("conformance.messages")
    if parent is not None and hasattr(parent, name):
        delattr(parent, name)
    tables = [TYPES, buffa.message.TYPES]
    if protojson is not None:
        from buffa.protojson import _decode

        tables += [_decode._fields, _decode._weights, _decode._enums]
        _encode = sys.modules.get("buffa.protojson._encode")
        if _encode is not None:
            tables += list(_encode._keys)
    for t in tables:
        for k in [k for k in t if _package(k if isinstance(k, str) else k._buffa_name) == pkg]:
            del t[k]
    _loaded.remove(pkg)
    gc.collect()


def message_type(name):
    """The message class named name, importing its module when needed; None
    for a name the suite's modules do not have."""
    pkg = _package(name)
    if pkg not in MODULES:
        return None
    if pkg not in _loaded:
        while MAX_LOADED and len(_loaded) >= MAX_LOADED:
            _forget(_loaded[0])
        while True:
            try:
                _load(pkg)
                break
            except MemoryError:
                if not _loaded:
                    raise
                _forget(_loaded[0])
    elif _loaded[-1] != pkg:
        _loaded.remove(pkg)
        _loaded.append(pkg)
    return TYPES.get(name)


try:
    from buffa import protojson
except ImportError:
    protojson = None

def _read(n):
    _stdin = sys.stdin.buffer
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
    M = message_type(req.message_type)
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


def answer(data):
    """One serialized ConformanceRequest -> its serialized ConformanceResponse."""
    req = C.ConformanceRequest.decode(data)
    try:
        resp = handle(req)
    except Exception as e:  # a bug in buffa, reported as such
        resp = C.ConformanceResponse()
        resp.runtime_error = "%s: %s" % (type(e).__name__, e)
    return resp.encode()


def main():
    for pkg in MODULES:  # all of them up front, as a host has the memory
        message_type(pkg + ".X")
    _stdout = sys.stdout.buffer
    while True:
        hdr = _read(4)
        if hdr is None:
            return
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | hdr[3] << 24
        out = answer(_read(n))
        n = len(out)
        _stdout.write(bytes((n & 255, n >> 8 & 255, n >> 16 & 255, n >> 24 & 255)))
        _stdout.write(out)
        _stdout.flush()


# On a board (board_loop.py) this module is imported for answer() alone.
if __name__ == "__main__":
    main()
