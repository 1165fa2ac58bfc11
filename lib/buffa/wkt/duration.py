# Helpers for google.protobuf.Duration: milliseconds, seconds and the JSON
# text form ("1.5s").
#
#   from buffa.wkt import duration
#   d = duration.from_ms(1500)        # Duration(seconds=1, nanos=500000000)
#   duration.to_ms(d)                 # 1500
#   duration.to_text(d)               # "1.500s"
#
# Only this module's callers pay for it: buffa.protojson imports it the first
# time it meets a Duration.
from buffa.wkt.duration_pb import Duration

# The range the JSON mapping allows: about +-10,000 years.
MAX_SECONDS = 315576000000


def _make(total_ns):
    # seconds and nanos share the sign of the whole (truncating division)
    s = abs(total_ns) // 1000000000
    n = abs(total_ns) % 1000000000
    if total_ns < 0:
        s = -s
        n = -n
    return Duration(seconds=s, nanos=n)


def from_ms(ms):
    """A Duration of an integer number of milliseconds."""
    return _make(int(ms) * 1000000)


def from_ns(ns):
    return _make(int(ns))


def from_seconds(s):
    """A Duration from seconds (int or float, rounded to the nanosecond)."""
    if type(s) is int:
        return _make(s * 1000000000)
    return _make(int(s * 1000000000 + (0.5 if s >= 0 else -0.5)))


def to_ns(d):
    return d.seconds * 1000000000 + d.nanos


def to_ms(d):
    """Whole milliseconds, truncated toward zero."""
    ns = to_ns(d)
    return ns // 1000000 if ns >= 0 else -(-ns // 1000000)


def to_seconds(d):
    """Seconds as a float."""
    return d.seconds + d.nanos / 1000000000


def check(seconds, nanos):
    if not -MAX_SECONDS <= seconds <= MAX_SECONDS:
        raise ValueError("duration seconds %d out of range" % seconds)
    if not -999999999 <= nanos <= 999999999 or (seconds > 0 and nanos < 0) or (seconds < 0 and nanos > 0):
        raise ValueError("duration nanos %d invalid for seconds %d" % (nanos, seconds))


def to_text(d):
    """The JSON form: seconds with 0, 3, 6 or 9 fraction digits and an "s"."""
    s = d.seconds
    n = d.nanos
    check(s, n)
    neg = s < 0 or n < 0
    s = abs(s)
    n = abs(n)
    if n == 0:
        f = ""
    elif n % 1000000 == 0:
        f = ".%03d" % (n // 1000000)
    elif n % 1000 == 0:
        f = ".%06d" % (n // 1000)
    else:
        f = ".%09d" % n
    return "%s%d%ss" % ("-" if neg else "", s, f)


def parse_text(t):
    """(seconds, nanos) of the JSON form: "[-]S[.fffffffff]s". Raises
    ValueError on anything else or outside the range."""
    n = len(t)
    if n < 2 or t[-1] != "s":
        raise ValueError("invalid duration %r" % t)
    i = 1 if t[0] == "-" else 0
    j = i
    while j < n - 1 and "0" <= t[j] <= "9":
        j += 1
    if j == i:
        raise ValueError("invalid duration %r" % t)
    if j - i > 12:
        raise ValueError("duration %r out of range" % t)
    secs = int(t[i:j])
    nanos = 0
    if j < n - 1:
        if t[j] != ".":
            raise ValueError("invalid duration %r" % t)
        k = j + 1
        while k < n - 1 and "0" <= t[k] <= "9":
            k += 1
        d = k - j - 1
        if k != n - 1 or d < 1 or d > 9:
            raise ValueError("invalid duration %r" % t)
        nanos = int(t[j + 1 : k]) * 10 ** (9 - d)
    if i:
        secs = -secs
        nanos = -nanos
    if secs > MAX_SECONDS or secs < -MAX_SECONDS:
        raise ValueError("duration %r out of range" % t)
    return secs, nanos


def from_text(t):
    secs, nanos = parse_text(t)
    return Duration(seconds=secs, nanos=nanos)
