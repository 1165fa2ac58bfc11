# buffa for MicroPython: Protocol Buffers for microcontrollers and CPython.
#
# The core (this package's wire, message and fields modules) imports only
# struct, sys and micropython. Optional parts are separate modules a device
# pays for only when it imports them: buffa.protojson, buffa.connect.
from buffa.wire import DecodeError, EncodeError
from buffa.message import Message, Enum, DecodeOptions

__version__ = "0.1.0"
# The generated code versions this runtime runs, oldest and newest; each
# generated module checks its own against it (docs/compatibility.md).
GENCODE = (1, 1)
