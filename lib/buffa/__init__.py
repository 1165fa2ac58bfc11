# buffa for MicroPython: Protocol Buffers for microcontrollers and CPython.
#
# The core (this package's wire, message and fields modules) imports only
# struct, sys and micropython. Optional parts are separate modules a device
# pays for only when it imports them: buffa.protojson, buffa.connect.
import sys

# Which runtime this is: read here, once, as the package is the first module
# the library loads. buffa._runtime derives the other answers (MICROPYTHON,
# CIRCUITPYTHON, MPVM) from IMPLEMENTATION, and the rest of the library
# imports them from there; the core itself needs only CPYTHON. (A module of
# its own imported by the core cost 640 bytes of heap after import on the
# unix port; docs/design.md, "Heap after import".)
IMPLEMENTATION = sys.implementation.name
CPYTHON = IMPLEMENTATION == "cpython"
del sys  # every name here is a slot in the package's dict, which is heap


# The errors live here rather than in buffa.wire, so that a program whose
# messages the C accelerator decodes and encodes never loads the Python
# codec (docs/design.md section 20, "Heap after import with the C module").
class DecodeError(ValueError):
    """Malformed or over-limit input. ``offset`` is the byte offset where
    decoding stopped (-1 when unknown); ``reason`` the text without it;
    ``kind`` what went wrong, for programs: "truncated" (the input ends
    inside a field, or a length points past the end: the default), "varint"
    (longer than 10 bytes or beyond 64 bits), "tag" (invalid, or field
    number 0), "wire_type", "group" (an end-group tag that closes no group),
    "utf8", "packed" (a fixed-width run of the wrong length), "recursion"
    (over recursion_limit), "stack" (deeper than the device's own stack),
    "size" (over max_size), "memory", or a decode budget exceeded
    (buffa.DecodeOptions): "elements" or "unknown_fields"."""

    def __init__(self, msg, offset=-1, kind="truncated"):
        super().__init__(msg if offset < 0 else "%s at byte %d" % (msg, offset))
        self.reason = msg
        self.offset = offset
        self.kind = kind


class EncodeError(ValueError):
    """A message cannot be encoded. ``kind``: "range" (an integer outside
    its field type's range), "type" (a value of the wrong type), "buffer"
    (encode_into's buffer is too small or not writable) or "extension" (an
    extension set on the wrong message); ``field``: the path of the field
    at fault ("readings[3].sequence"), "" when it is not one field.
    buffa._errors.error makes them: no __init__ here, which would take
    heap in every program."""


from buffa.message import Message, Enum


def __getattr__(name):
    # buffa.DecodeOptions, which loads on first use (buffa._options).
    # MicroPython asks here for a submodule not yet imported (from buffa
    # import protojson) before it imports it, and does not import it if
    # this raises: so those are imported here.
    if name == "DecodeOptions":
        from buffa.message import DecodeOptions

        return DecodeOptions
    if name[:2] != "__":
        try:
            return __import__("buffa." + name, None, None, ("_",))
        except ImportError:
            pass
    raise AttributeError(name)


__version__ = "0.1.0"
# The generated code versions this runtime runs, oldest and newest; each
# generated module checks its own against it (docs/compatibility.md).
# Version 2 is the "split" form: codec functions in a second module.
GENCODE = (1, 2)
