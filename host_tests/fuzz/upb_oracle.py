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
import ast
import os
import re
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



# -- JSON ----------------------------------------------------------------
# Google's JSON parser for Python (json_format: the same code over every
# backend, upb included) reads the same text as TestAllTypesProto3. As for
# binary, accept/reject must agree, and when both accept, buffa's binary
# encoding parsed by upb must equal Google's message.
#
# Intended JSON divergences (docs/fuzzing.md):
#   J1. The budgets and limits of DecodeOptions (elements, unknown fields,
#       nesting as binary counts it): json_format has none of them.
#   J2. A float field given a number above the largest float32 that still
#       rounds to it (3.4028235e38, which is what buffa and json_format both
#       write for that value): buffa reads it as the largest float32, as
#       protobuf C++ does; json_format refuses its own output. The case is
#       compared with json_format's bound moved to where rounding stops.
#   J3. A message given as a JSON string or list: json_format walks the
#       string's characters (or the list's items) as field names, so it
#       accepts an empty one, or any while ignoring unknown fields; buffa
#       refuses any value but an object for a message.
#   J4. A string escape that leaves a surrogate unpaired ("\ud800"):
#       buffa refuses it wherever it is, as upb's and C++'s JSON parsers do
#       (it has no UTF-8); json_format takes what Python's json module
#       gives, which keeps it.
#   J5. An integer written as a string that is not a JSON number: leading
#       zeros ("007"), a point with no digits after it ("-1.", a map key
#       too): buffa reads the string as a JSON number, as protobuf-go does;
#       json_format takes int("007") and float("-1.").
#   J6. Base64 with characters outside the alphabet ("AP[8="): Python's
#       urlsafe_b64decode, which json_format calls, drops them; buffa
#       refuses them, as upb and C++ do. The case is checked again with
#       json_format decoding base64 strictly, which must then refuse it.
#   J7. A float or double written as a string that is not a JSON number nor
#       "NaN", "Infinity" or "-Infinity" ("inf", "-InfiniTy", "1_0",
#       " 1"): json_format takes whatever Python's float() takes; buffa
#       refuses it, as the spec and upb do.
#   J8. A Timestamp or Duration not in the spec's form (RFC 3339 with
#       two-digit fields, "1.5s"): json_format parses with strptime() and
#       int(), which take spaces, signs and single digits; buffa refuses
#       them, as upb does.
#   J9. An enum value written as a string of digits ("74"): json_format
#       (and protobuf C++) read it as the number; buffa takes a string as a
#       value's name only, as upb and protobuf-go do.
#   J10. A FieldMask path with a capital letter outside ASCII ("aȽ"):
#       json_format lower-cases it after a "_" (str.lower()); buffa turns
#       only A-Z into "_a".."_z", as upb does (field names are ASCII).
_ENUM_DIGITS = re.compile(r"unknown value '-?[0-9]+' of enum ")
JSON_BUDGET_KINDS = ("elements", "unknown_fields", "limit", "memory")


def compare_json(data):
    """Run buffa's JSON checks and json_format on one fuzzer input."""
    import targets
    from google.protobuf import json_format

    m = targets.json(data)
    try:
        text = data.decode("utf-8")
    except UnicodeError:
        if m is not None:
            raise Finding("buffa accepts JSON that is not UTF-8")
        return
    ign = data[-1:] == b"\n"
    G = _google()[0]
    g = G()
    try:
        json_format.Parse(text, g, ignore_unknown_fields=ign)
        gerr = None
    except (json_format.ParseError, RecursionError) as e:
        gerr = str(e) or type(e).__name__
    if gerr is not None and "Float value too" in gerr:
        g, gerr = _parse_rounding_floats(json_format, text, G, ign)
    if m is None:
        if gerr is None:
            try:
                targets.protojson.decode(types()[0], data, ignore_unknown_fields=ign)
            except targets.JsonError as e:
                if getattr(e, "kind", None) in JSON_BUDGET_KINDS:
                    return  # divergence J1
                if _top_level(text) in ("string", "array"):
                    return  # divergence J3
                if "unpaired surrogate" in str(e):
                    return  # divergence J4
                if _loose_integer_text(str(e)):
                    return  # divergence J5
                if "invalid base64" in str(e) and not _accepts_strict_base64(json_format, text, G, ign):
                    return  # divergence J6
                if _loose_float_text(str(e)):
                    return  # divergence J7
                if _loose_time_text(str(e)):
                    return  # divergence J8
                if _ENUM_DIGITS.search(str(e)):
                    return  # divergence J9
                raise Finding("buffa rejects JSON that json_format accepts: %s" % e)
        return
    if gerr is not None:
        raise Finding("buffa accepts JSON that json_format rejects (%s)" % gerr)
    g2 = G()
    g2.ParseFromString(m.encode())
    why = _differ(g, g2, "")
    if why and "field_mask.paths" in why and any(c > "\x7f" and c.lower() != c for c in text):
        return  # divergence J10
    if why:
        raise Finding("buffa's JSON message differs from json_format's at %s" % why)


def _parse_rounding_floats(json_format, text, G, ign):
    # Divergence J2: json_format's float bound moved from the largest
    # float32 to the largest double that rounds to it.
    from google.protobuf.internal import type_checkers as tc

    lo, hi = tc._FLOAT_MIN, tc._FLOAT_MAX
    tc._FLOAT_MAX, tc._FLOAT_MIN = tc._MAX_FLOAT_AS_DOUBLE_ROUNDED, -tc._MAX_FLOAT_AS_DOUBLE_ROUNDED
    g = G()
    try:
        json_format.Parse(text, g, ignore_unknown_fields=ign)
        return g, None
    except (json_format.ParseError, RecursionError) as e:
        return g, str(e) or type(e).__name__
    finally:
        tc._FLOAT_MIN, tc._FLOAT_MAX = lo, hi


def _top_level(text):
    import json

    try:
        v = json.loads(text)
    except ValueError:
        return None
    return {str: "string", list: "array"}.get(type(v))


def _accepts_strict_base64(json_format, text, G, ign):
    # Divergence J6: json_format with a base64 decoder that refuses
    # characters outside the (standard or URL-safe) alphabet.
    import base64
    import binascii

    loose = json_format.base64

    class Strict:
        b64encode = staticmethod(base64.b64encode)

        @staticmethod
        def urlsafe_b64decode(s):
            t = s.replace("-", "+").replace("_", "/")
            if isinstance(t, bytes):
                t = t.decode("ascii", "replace")
            try:
                return binascii.a2b_base64(t, strict_mode=True)
            except binascii.Error as e:
                raise ValueError(str(e))

    json_format.base64 = Strict
    try:
        json_format.Parse(text, G(), ignore_unknown_fields=ign)
        return True
    except (json_format.ParseError, RecursionError):
        return False
    finally:
        json_format.base64 = loose


_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")


def _refused_text(err, what):
    # The text buffa's error quotes after "invalid WHAT " (a repr), or None.
    i = err.find("invalid %s " % what)
    if i < 0:
        return None
    try:
        return ast.literal_eval(err[i + len(what) + 9:].split(" at byte ")[0])
    except (ValueError, SyntaxError):
        return None


def _loose_integer_text(err):
    # Divergence J5: the text buffa refused as an integer is not a JSON
    # number (json_format reads such text with int() or float()).
    t = _refused_text(err, "integer")
    return isinstance(t, str) and not _JSON_NUMBER.match(t)


def _loose_float_text(err):
    # Divergence J7: the text buffa refused as a number is neither a JSON
    # number nor one of the spec's three strings.
    t = _refused_text(err, "number")
    return t is not None and t not in ("NaN", "Infinity", "-Infinity") and not _JSON_NUMBER.match(t)


_TIME_FORMS = {
    "timestamp": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[-+][0-9]{2}:[0-9]{2})\Z"),
    "duration": re.compile(r"-?[0-9]+(\.[0-9]{1,9})?s\Z"),
}


def _loose_time_text(err):
    # Divergence J8: the text buffa refused as a Timestamp or Duration is
    # not in the spec's form.
    for kind, form in _TIME_FORMS.items():
        t = _refused_text(err, kind)
        if t is not None:
            return not form.match(t)
    return False
