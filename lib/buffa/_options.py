# buffa.DecodeOptions, loaded on first use (buffa.message's __getattr__):
# a program that decodes with the default limits never imports it.
from buffa.message import NO_BUDGET, _DEFAULTS

_R, _S, _E, _U = _DEFAULTS


class DecodeOptions:
    """Limits for decoding untrusted input (binary and JSON alike).

    recursion_limit: how many levels of nested messages (and groups) below
    the top-level message are accepted. max_size: the largest input accepted,
    in bytes. max_elements: how many elements a decode may create: each
    message counts one plus one per repeated or map field it holds (the
    lists and dicts it is made with), each map entry and each element of a
    repeated scalar, string or bytes field one. max_unknown_fields: how many
    unknown fields a decode may keep (or, in JSON with
    ignore_unknown_fields, pass over). Exceeding either raises DecodeError
    (JsonError from JSON) with kind "elements" or "unknown_fields"."""

    # recursion_limit and max_size are buffa (Rust)'s. The budgets are sized
    # for a microcontroller (docs/design.md, "Decode budgets"): two bytes of
    # input can make an element of up to about 35 bytes of heap on a 32-bit
    # board (70 on the 64-bit unix port), so max_elements=1024 keeps what a
    # decode can allocate to about 36 KiB there, a quarter of the smallest
    # board's free heap, while a telemetry batch of hundreds of samples
    # fits. Unknown fields are kept as their raw bytes (no object each), so
    # their bound is on work; 1000 is far beyond what a schema change leaves.
    def __init__(self, recursion_limit=_R, max_size=_S, max_elements=_E, max_unknown_fields=_U):
        b = NO_BUDGET
        if recursion_limit < 0 or max_size < 0 or not (0 <= max_elements <= b and 0 <= max_unknown_fields <= b):
            raise ValueError("limits must be >= 0 (budgets <= %d)" % b)
        self.recursion_limit = recursion_limit
        self.max_size = max_size
        self.max_elements = max_elements
        self.max_unknown_fields = max_unknown_fields


_DEFAULT_OPTIONS = DecodeOptions()
