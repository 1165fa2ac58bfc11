# The differential oracle (CPython only): Google's protobuf with its default
# backend, upb, parses the same bytes as the same conformance message.
#
#   - accept/reject must agree, but for the intended divergences below;
#   - when both accept, buffa's re-encoding, parsed by upb, must equal upb's
#     own message (so no field, unknown field or value changed on the way).
#
# Intended divergences (docs/fuzzing.md):
#   1. A map entry with fields other than key and value: buffa reads its key
#      and value and drops the rest (as protobuf C++ and Java do); upb keeps
#      the whole entry as an unknown field. That map field is not compared.
#   2. A ten-byte varint whose last byte carries bits beyond 64: buffa
#      rejects it (as protobuf-go does); upb drops the extra bits.
#   3. Field number 0: buffa rejects it wherever it is (no field has number
#      0); upb passes over it inside an unknown group and inside a message
#      with no fields (google.protobuf.Empty).
#   4. Budgets: buffa's DecodeOptions bound unknown fields and elements
#      (defaults sized for a microcontroller); upb has no such bound.
# Nesting agrees: both accept 100 levels below the top-level message.
import os
import subprocess
import sys
import tempfile

from targets import Finding, types

_mods = {}


def _google():
    if not _mods:
        import protoc

        inc = os.path.join(os.path.dirname(protoc.__file__), "include")
        exe = os.path.join(os.path.dirname(sys.executable), "protoc")
        out = tempfile.mkdtemp(prefix="buffa-fuzz-")
        files = ["conformance/messages/test_messages_%s.proto" % n for n in ("proto3", "proto2", "edition2023")]
        subprocess.run([exe, "--python_out=" + out, "-I" + inc] + files, check=True)
        # loaded by path: buffa's generated modules own the package name
        p3, p2, e23 = (_load(os.path.join(out, f[:-6] + "_pb2.py")) for f in files)
        _mods["t"] = (p3.TestAllTypesProto3, p2.TestAllTypesProto2, e23.TestAllTypesEdition2023)
    return _mods["t"]


def _load(path):
    import importlib.util

    name = "upb_" + os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def compare(data):
    """Run buffa's checks and upb on one fuzzer input."""
    import targets
    from google.protobuf.message import DecodeError as GDecodeError

    if not data:
        return
    ts = types()
    i = data[0] % len(ts)
    body = data[1:]
    m = targets.binary(body, ts[i])
    G = _google()[i]
    g = G()
    try:
        g.ParseFromString(body)
        gerr = None
    except GDecodeError as e:
        gerr = str(e) or "error"
    if m is None:
        if gerr is None:
            try:
                ts[i].decode(body)
            except targets.DecodeError as e:
                if getattr(e, "kind", None) in ("unknown_fields", "elements"):
                    return  # divergence 4
                if "overflows 64 bits" in str(e):
                    return  # divergence 2
                if "field number 0" in str(e):
                    return  # divergence 3
                raise Finding("buffa rejects what upb accepts: %s" % e)
        return
    if gerr is not None:
        raise Finding("buffa accepts what upb rejects (%s)" % gerr)
    g2 = G()
    g2.ParseFromString(m.encode())
    if g2.SerializeToString(deterministic=True) != g.SerializeToString(deterministic=True):
        why = _differ(g, g2, "")
        if why:
            raise Finding("buffa's re-encoding differs from upb's message at %s" % why)


def _unknown(g, skip=()):
    from google.protobuf import unknown_fields

    return sorted(_fields_of(unknown_fields.UnknownFieldSet(g), skip))


def _fields_of(ufs, skip=()):
    # (number, wire type, value) of each unknown field; a group's value is
    # its own fields', in the same form
    out = []
    for f in ufs:
        if f.field_number not in skip:
            d = f.data
            out.append((f.field_number, f.wire_type, repr(sorted(_fields_of(d)) if f.wire_type == 3 else d)))
    return out


def _map_entries_kept_unknown(g):
    # Numbers of map fields some of whose entries upb kept as unknown fields
    # (an entry with fields other than key and value: divergence 3).
    maps = set(f.number for f in g.DESCRIPTOR.fields
               if f.message_type is not None and f.message_type.GetOptions().map_entry)
    return set(n for n, w, _ in _unknown(g) if n in maps and w == 2)


def _differ(a, b, path):
    # Where upb message a (upb's parse) and b (upb's parse of buffa's
    # encoding) differ, or "" when they agree: fields compared by value
    # (NaN equal to NaN), unknown fields as a multiset. Map entries' own
    # unknown fields are not compared (divergence 3).
    skip = _map_entries_kept_unknown(a)
    fa = dict((f.name, (f, v)) for f, v in a.ListFields() if f.number not in skip)
    fb = dict((f.name, (f, v)) for f, v in b.ListFields() if f.number not in skip)
    if sorted(fa) != sorted(fb):
        return path + " fields %s vs %s" % (sorted(fa), sorted(fb))
    for name, (f, va) in fa.items():
        vb = fb[name][1]
        p = path + "." + name
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            if sorted(va.keys()) != sorted(vb.keys()):
                return p + " keys"
            for k in va:
                x, y = va[k], vb[k]
                w = _differ(x, y, p + "[%r]" % k) if hasattr(x, "ListFields") else _val(x, y, p)
                if w:
                    return w
        elif f.is_repeated:
            if len(va) != len(vb):
                return p + " length"
            for i, (x, y) in enumerate(zip(va, vb)):
                w = _differ(x, y, p + "[%d]" % i) if hasattr(x, "ListFields") else _val(x, y, p)
                if w:
                    return w
        else:
            w = _differ(va, vb, p) if hasattr(va, "ListFields") else _val(va, vb, p)
            if w:
                return w
    if _unknown(a, skip) != _unknown(b, skip):
        return path + " unknown fields %r vs %r" % (_unknown(a, skip)[:4], _unknown(b, skip)[:4])
    return ""


def _val(x, y, p):
    if x == y or (x != x and y != y):
        return ""
    return p + " %r vs %r" % (x, y)

