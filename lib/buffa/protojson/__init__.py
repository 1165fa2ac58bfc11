# buffa.protojson: the proto3 JSON mapping, for any generated message.
#
#   from buffa import protojson
#   text = protojson.encode(msg)                  # -> str
#   msg = protojson.decode(MyMessage, text)       # str or UTF-8 bytes
#
# encode options: emit_default_values, use_proto_names.
# decode options: ignore_unknown_fields, ignore_unknown_enum_values and
# options=buffa.DecodeOptions(...), every limit of which JSON honours as
# binary decoding does.
# Errors are JsonError (a ValueError) with .reason and .path ("$.a.b[2]").
#
# The core never imports this package, and the package loads its parts on
# first use: the encoder (_encode, and _encode_wkt for the well-known
# types' forms), the decoder (_decode with _json, the tokenizer, and
# _scalar; _decode_wkt for the well-known types), the Timestamp and
# Duration text forms (buffa.wkt.timestamp, buffa.wkt.duration). Small
# parts compile from source even on a small heap. See docs/json.md.
from buffa import message

# Well-known types with a JSON form of their own: full name -> kind.
# 1 Any, 2 Timestamp, 3 Duration, 4 FieldMask, 5 Struct, 6 Value,
# 7 ListValue, 8 wrappers, 9 Empty (an ordinary object, but in an Any its
# JSON goes under "value").
WKT = {
    "google.protobuf.Any": 1,
    "google.protobuf.Timestamp": 2,
    "google.protobuf.Duration": 3,
    "google.protobuf.FieldMask": 4,
    "google.protobuf.Struct": 5,
    "google.protobuf.Value": 6,
    "google.protobuf.ListValue": 7,
    "google.protobuf.DoubleValue": 8,
    "google.protobuf.FloatValue": 8,
    "google.protobuf.Int64Value": 8,
    "google.protobuf.UInt64Value": 8,
    "google.protobuf.Int32Value": 8,
    "google.protobuf.UInt32Value": 8,
    "google.protobuf.BoolValue": 8,
    "google.protobuf.StringValue": 8,
    "google.protobuf.BytesValue": 8,
    "google.protobuf.Empty": 9,
}


class JsonError(ValueError):
    """Invalid JSON, JSON that does not fit the message, or a message that
    has no JSON form. ``reason`` says what; ``path`` says where, as
    '$.field[index]["mapkey"]' ("$" is the top-level value); ``kind`` what
    went wrong, for programs:

    - "syntax": the text is not JSON
    - "field": a member that names no field, or a field given twice
    - "value": a JSON value of the wrong form for its field
    - "range": a number outside its field's range
    - "limit": over recursion_limit, max_size or the runtime's own stack
    - "memory": the runtime's heap ran out before a limit was reached
    - "type": (encode) a field holding a Python value of the wrong type
    - "unrepresentable": (encode) a value JSON has no form for (a Timestamp
      out of range, NaN in a Value)
    - "any": an Any whose type is unknown or malformed
    - "elements", "unknown_fields": a decode budget exceeded, as
      buffa.DecodeError's (buffa.DecodeOptions)"""

    def __init__(self, reason, path="$", kind="value"):
        super().__init__("%s: %s" % (path, reason))
        self.reason = reason
        self.path = path
        self.kind = kind


class Fail(Exception):
    # Internal: a failure on its way up, collecting its path.
    def __init__(self, reason, kind="value"):
        self.reason = reason
        self.kind = kind
        self.path = ""


def at(e, part):
    # Prefix a path component to an exception passing through. Python errors
    # (say a wrong value type met while encoding) become failures here.
    if not isinstance(e, Fail):
        if isinstance(e, (RuntimeError, MemoryError)):
            return e
        if isinstance(e, IndexError):
            e = Fail("unexpected end of input", "syntax")
        else:
            e = Fail("%s: %s" % (type(e).__name__, e), "type")
    e.path = part + e.path
    return e


# Generated modules add their classes to buffa.message.TYPES as they are
# imported; register() is for message classes made by other means.
register = message.register

_WKT_MODULES = {
    "Any": "any_pb",
    "Timestamp": "timestamp_pb",
    "Duration": "duration_pb",
    "FieldMask": "field_mask_pb",
    "Struct": "struct_pb",
    "Value": "struct_pb",
    "ListValue": "struct_pb",
    "Empty": "empty_pb",
}


def resolve(type_url):
    # The message class of an Any's type URL ("type.googleapis.com/pkg.Msg").
    # The well-known types are found even if nothing imported them yet.
    i = type_url.rfind("/")
    if i < 0:
        raise Fail("invalid type URL %r" % type_url, "any")
    name = type_url[i + 1 :]
    c = message.TYPES.get(name)
    if c is None and name[:16] == "google.protobuf.":
        short = name[16:]
        mod = _WKT_MODULES.get(short) or ("wrappers_pb" if short[-5:] == "Value" else None)
        if mod:
            try:
                c = getattr(__import__("buffa.wkt." + mod, None, None, (short,)), short)
            except (ImportError, AttributeError):
                pass
    if c is None:
        raise Fail("unknown type %r in Any (import its generated module first)" % name, "any")
    return c


def encode(msg, emit_default_values=False, use_proto_names=False):
    """The proto3 JSON text (a str) of a message.

    emit_default_values: also write the fields without presence that hold
    their default (0, "", false, [], {}). use_proto_names: key fields by
    their .proto names instead of their lowerCamelCase JSON names.
    Raises JsonError for values JSON cannot carry: a Timestamp or Duration
    out of range, an Any of an unknown type, NaN in a Value, a string field
    holding invalid UTF-8, a field holding a value of the wrong type."""
    from buffa.protojson import _encode

    return _encode.encode(msg, emit_default_values, use_proto_names)


def decode(M, text, ignore_unknown_fields=False, ignore_unknown_enum_values=False, options=None):
    """A new M parsed from proto3 JSON text (a str, or UTF-8 bytes).

    ignore_unknown_fields: skip members that name no field (and, as
    Google's parsers do, enum value names the enum lacks).
    ignore_unknown_enum_values: skip only enum value names the enum lacks;
    the field stays unset, a repeated field or map drops the element.
    options: buffa.DecodeOptions; recursion_limit bounds the nesting of
    messages, max_elements what the decode creates, both counted as in
    binary decoding (a map's message value is two levels: the entry and
    the value); max_size bounds the input's length in bytes and
    max_unknown_fields the members ignore_unknown_fields passes over.
    Raises JsonError."""
    from buffa.protojson import _decode

    return _decode.decode(M, text, ignore_unknown_fields, ignore_unknown_fields or ignore_unknown_enum_values, options)
