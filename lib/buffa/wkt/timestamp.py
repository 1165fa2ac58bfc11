# Helpers for google.protobuf.Timestamp: the wall clock and RFC 3339 text.
#
#   from buffa.wkt import timestamp
#   ts = timestamp.now()                       # or from_time(time.time())
#   t = timestamp.to_time(ts)                  # seconds, time.time()'s epoch
#   s = timestamp.to_rfc3339(ts)               # "2024-05-01T12:00:00.250Z"
#   ts = timestamp.from_rfc3339("2024-05-01T14:00:00+02:00")
#
# A Timestamp counts from the Unix epoch (1970-01-01T00:00:00Z). Some
# MicroPython ports count time.time() from 2000-01-01 instead; the functions
# taking or returning time.time()/time.time_ns() values convert using the
# port's own epoch, read once from time.gmtime(0) (time.localtime(0) where
# there is no gmtime; a port with neither is taken to count from 1970). A
# device's clock is only as right as whatever set it (NTP, an RTC): that is
# not checked here.
#
# Only this module's callers pay for it: buffa.protojson imports it the first
# time it meets a Timestamp.
from buffa.wkt.timestamp_pb import Timestamp

# The range the JSON mapping allows: 0001-01-01T00:00:00Z to
# 9999-12-31T23:59:59.999999999Z.
MIN_SECONDS = -62135596800
MAX_SECONDS = 253402300799

_epoch = None  # seconds from 1970-01-01 to the port's time.time() epoch


def days_from_civil(y, m, d):
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    # (year, month, day) of a day count from 1970-01-01.
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return (y + 1 if m <= 2 else y), m, d


def epoch_offset():
    """Seconds from 1970-01-01T00:00:00Z to this port's time.time() epoch
    (0 on CPython and most ports, 946684800 where time counts from 2000)."""
    global _epoch
    if _epoch is None:
        import time

        g = getattr(time, "gmtime", None) or getattr(time, "localtime", None)
        if g is None:
            _epoch = 0  # a port without either (bare QEMU boards) counts from 1970
        else:
            g = g(0)
            _epoch = days_from_civil(g[0], g[1], g[2]) * 86400 + g[3] * 3600 + g[4] * 60 + g[5]
    return _epoch


def _check(seconds, nanos):
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ValueError("timestamp seconds %d out of range" % seconds)
    if not 0 <= nanos <= 999999999:
        raise ValueError("timestamp nanos %d out of range" % nanos)


def from_time(t=None):
    """A Timestamp from time.time() seconds (int or float); now if None."""
    if t is None:
        return now()
    s = int(t)
    if s > t:  # floor for negative fractions
        s -= 1
    ns = int((t - s) * 1000000000 + 0.5)
    if ns >= 1000000000:
        s += 1
        ns -= 1000000000
    return Timestamp(seconds=s + epoch_offset(), nanos=ns)


def from_time_ns(ns=None):
    """A Timestamp from time.time_ns() nanoseconds; now if None."""
    if ns is None:
        return now()
    s, n = divmod(ns, 1000000000)
    return Timestamp(seconds=s + epoch_offset(), nanos=n)


def now():
    """The current time, to the resolution the port offers."""
    import time

    try:
        return from_time_ns(time.time_ns())
    except AttributeError:  # ports without time_ns
        return from_time(time.time())


def to_time(ts):
    """Seconds since this port's time.time() epoch, as a float (a float32
    board keeps only about 7 significant digits: prefer to_time_ns)."""
    return (ts.seconds - epoch_offset()) + ts.nanos / 1000000000


def to_time_ns(ts):
    """Nanoseconds since this port's time.time() epoch, as an int."""
    return (ts.seconds - epoch_offset()) * 1000000000 + ts.nanos


def _frac(nanos):
    # 0, 3, 6 or 9 fraction digits, as the JSON mapping prefers.
    if nanos == 0:
        return ""
    if nanos % 1000000 == 0:
        return ".%03d" % (nanos // 1000000)
    if nanos % 1000 == 0:
        return ".%06d" % (nanos // 1000)
    return ".%09d" % nanos


def to_rfc3339(ts):
    """RFC 3339 text in UTC, e.g. "1972-01-01T10:00:20.021Z".
    Raises ValueError outside 0001-01-01..9999-12-31."""
    s = ts.seconds
    n = ts.nanos
    _check(s, n)
    days, rem = divmod(s, 86400)
    y, mo, d = civil_from_days(days)
    return "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (y, mo, d, rem // 3600, rem // 60 % 60, rem % 60, _frac(n))


def _digits(s, i, n):
    # int of s[i:i+n], which must be ASCII digits
    v = 0
    for k in range(i, i + n):
        c = ord(s[k]) - 48
        if not 0 <= c <= 9:
            raise ValueError("invalid timestamp %r" % s)
        v = v * 10 + c
    return v


def parse_rfc3339(s):
    """(seconds, nanos) of RFC 3339 text: "YYYY-MM-DDTHH:MM:SS[.f]" then "Z"
    or an offset "+HH:MM"/"-HH:MM"; up to 9 fraction digits; uppercase T and
    Z only. Raises ValueError on anything else or outside the JSON range."""
    if len(s) < 20 or s[4] != "-" or s[7] != "-" or s[10] != "T" or s[13] != ":" or s[16] != ":":
        raise ValueError("invalid timestamp %r" % s)
    y = _digits(s, 0, 4)
    mo = _digits(s, 5, 2)
    d = _digits(s, 8, 2)
    h = _digits(s, 11, 2)
    mi = _digits(s, 14, 2)
    se = _digits(s, 17, 2)
    if not 1 <= mo <= 12 or h > 23 or mi > 59 or se > 59:
        raise ValueError("invalid timestamp %r" % s)
    if d < 1 or d > (31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[mo - 1]:
        raise ValueError("invalid timestamp %r" % s)
    i = 19
    nanos = 0
    if s[i] == ".":
        j = i + 1
        while j < len(s) and "0" <= s[j] <= "9":
            j += 1
        k = j - i - 1
        if k < 1 or k > 9:
            raise ValueError("invalid timestamp %r" % s)
        nanos = _digits(s, i + 1, k) * 10 ** (9 - k)
        i = j
    rest = s[i:]
    off = 0
    if rest != "Z":
        if len(rest) != 6 or rest[0] not in "+-" or rest[3] != ":":
            raise ValueError("invalid timestamp %r" % s)
        oh = _digits(rest, 1, 2)
        om = _digits(rest, 4, 2)
        if oh > 23 or om > 59:
            raise ValueError("invalid timestamp %r" % s)
        off = oh * 3600 + om * 60
        if rest[0] == "-":
            off = -off
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off
    _check(secs, nanos)
    return secs, nanos


def from_rfc3339(s):
    """A Timestamp from RFC 3339 text (see parse_rfc3339)."""
    secs, nanos = parse_rfc3339(s)
    return Timestamp(seconds=secs, nanos=nanos)
