# supervisor.ticks_ms as a CircuitPython board has it (the unix build has no
# supervisor module): milliseconds that wrap at 2**29. It is the clock the VM's
# own _asyncio uses on this build (mp_hal_ticks_ms masked the same way), so
# CircuitPython's asyncio, which reads it through adafruit_ticks, agrees with it.
import time as _time

_ticks_ms = _time._builtin.ticks_ms


def ticks_ms():
    return _ticks_ms() & 0x1FFFFFFF
