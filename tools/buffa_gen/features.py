"""Editions feature resolution, done once at generation time.

proto2 and proto3 files are treated as the editions they are defined to be
(EDITION_PROTO2 / EDITION_PROTO3) plus the legacy options that map onto
features (`required`, `[packed]`, groups, proto3 `optional`).
"""

EDITION_PROTO2 = 998
EDITION_PROTO3 = 999
EDITION_2023 = 1000
EDITION_2024 = 1001

# FeatureSet enum values (descriptor.proto)
EXPLICIT, IMPLICIT, LEGACY_REQUIRED = 1, 2, 3
OPEN, CLOSED = 1, 2
PACKED, EXPANDED = 1, 2
VERIFY, NONE = 2, 3
LENGTH_PREFIXED, DELIMITED = 1, 2
ALLOW, LEGACY_BEST_EFFORT = 1, 2

_NAMES = (
    "field_presence",
    "enum_type",
    "repeated_field_encoding",
    "utf8_validation",
    "message_encoding",
    "json_format",
)

_DEFAULTS = {
    EDITION_PROTO2: (EXPLICIT, CLOSED, EXPANDED, NONE, LENGTH_PREFIXED, LEGACY_BEST_EFFORT),
    EDITION_PROTO3: (IMPLICIT, OPEN, PACKED, VERIFY, LENGTH_PREFIXED, ALLOW),
    EDITION_2023: (EXPLICIT, OPEN, PACKED, VERIFY, LENGTH_PREFIXED, ALLOW),
    EDITION_2024: (EXPLICIT, OPEN, PACKED, VERIFY, LENGTH_PREFIXED, ALLOW),
}


def has(obj, name):
    """Presence test for both buffa's and Google's descriptor objects."""
    if obj is None:
        return False
    f = getattr(obj, "has_field", None)
    if f is not None:
        return f(name)
    return obj.HasField(name)


def sub(obj, name):
    """A singular message field, or None when unset."""
    return getattr(obj, name) if has(obj, name) else None


def file_edition(fd):
    syntax = fd.syntax or "proto2"
    if syntax == "proto2":
        return EDITION_PROTO2
    if syntax == "proto3":
        return EDITION_PROTO3
    return fd.edition


def defaults(edition):
    if edition in _DEFAULTS:
        return dict(zip(_NAMES, _DEFAULTS[edition]))
    if edition > EDITION_2024:
        return dict(zip(_NAMES, _DEFAULTS[EDITION_2024]))
    raise ValueError("unsupported edition %d" % edition)


def merge(parent, options):
    """parent's resolved features overridden by options.features."""
    out = dict(parent)
    fs = sub(options, "features") if options is not None else None
    if fs is not None:
        for n in _NAMES:
            if has(fs, n):
                out[n] = getattr(fs, n)
    return out
