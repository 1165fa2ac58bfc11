"""Python names for proto names.

Every helper the generated code defines starts with RESERVED. A proto name
that is a Python keyword, starts with RESERVED, is a dunder name (__x__), or
would shadow a method of buffa.Message / buffa.Enum gets a trailing
underscore, so no proto name can collide with a generated helper, Python's
own attributes or the runtime API.
"""

import keyword

RESERVED = "_buffa"

MESSAGE_API = {
    "decode",
    "merge",
    "encode",
    "encoded_size",
    "encode_into",
    "clear",
    "has_field",
    "clear_field",
    "which_oneof",
    "get",
    "mutable",
    "unknown_fields",
    "get_extension",
    "has_extension",
    "set_extension",
    "clear_extension",
}
ENUM_API = {"name", "value", "values"}

# Names that are keywords on some runtime or are soft keywords worth avoiding;
# "micropython" because modules generated with the native option refer to
# @micropython.native by that name.
_EXTRA_KEYWORDS = {"print", "exec", "nonlocal", "async", "await", "micropython"}


def _escape(name, taken=()):
    if keyword.iskeyword(name) or name in _EXTRA_KEYWORDS or name.startswith(RESERVED) or name in taken:
        return name + "_"
    if name.startswith("__") and name.endswith("__"):
        return name + "_"  # __init__, __eq__, __class__: Python's own
    return name


def type_name(name):
    # Nested types are class attributes of their message: keep them off the
    # Message API (a nested message named "encode" would hide encode()).
    return _escape(name, MESSAGE_API)


def field_name(name):
    return _escape(name, MESSAGE_API)


def enum_value_name(name):
    return _escape(name, ENUM_API)


def method_name(name):
    """RPC method name -> snake_case Python method name."""
    out = []
    for i, c in enumerate(name):
        if c.isupper():
            if i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
                if out and out[-1] != "_":
                    out.append("_")
            out.append(c.lower())
        else:
            out.append(c)
    return _escape("".join(out))


# Bindings the generator itself decodes its request with (see module_for).
HOST_ONLY = ("google/protobuf/descriptor", "google/protobuf/compiler/plugin")


def module_for(proto_path):
    """Python module (dotted) for a .proto path.

    google/protobuf/* ships with the runtime as buffa.wkt.*, except the
    descriptor and plugin bindings: only the generator uses them, so they
    live beside it (buffa_gen.pb.*) and stay off devices. Everything else
    maps a/b/c.proto to a.b.c_pb."""
    stem = proto_path[:-6] if proto_path.endswith(".proto") else proto_path
    if stem in HOST_ONLY:
        stem = "buffa_gen/pb/" + stem[len("google/protobuf/") :]
    elif stem.startswith("google/protobuf/"):
        stem = "buffa/wkt/" + stem[len("google/protobuf/") :]
    parts = stem.split("/")
    parts[-1] = parts[-1] + "_pb"
    return ".".join(parts)


def file_for(proto_path):
    return module_for(proto_path).replace(".", "/") + ".py"
