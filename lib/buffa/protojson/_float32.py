# buffa.protojson: a float field's JSON text on float32 builds (loaded by
# _encode.fmt_float only there). MicroPython's own "%g" and float() on such
# builds can be an ulp off (1.00000075e-36 written as 1.00000084e-36), so
# the shortest decimal is found with integer arithmetic on the value's bits.
import struct


def _ratio(a, s, b, k):
    # (a / 2**s, b * 10**k) as two integers in the same proportion
    if s < 0:
        a <<= -s
    else:
        b <<= s
    if k < 0:
        a *= 10**-k
    else:
        b *= 10**k
    return a, b


def f32_text(f):
    # The shortest "%g"-style text naming float32 f (finite, not zero) and
    # nothing else, from exact integer arithmetic on its bits: f is
    # 4m / 2**s, and a decimal names it when it lies strictly between the
    # midpoints to its neighbours (or on one, when m is even).
    b = struct.unpack("<I", struct.pack("<f", f))[0]
    m = b & 0x7FFFFF
    e = (b >> 23) & 255
    if e:
        m |= 0x800000
    s = 152 - (e or 1)
    lo = 4 * m - (1 if m == 0x800000 and e > 1 else 2)
    hi = 4 * m + 2
    # x: 10**x <= |f| < 10**(x + 1); "%e" may be an ulp off, so checked
    x = int(("%e" % f).split("e")[1])
    while True:
        a, c = _ratio(4 * m, s, 1, x)
        if a < c:
            x -= 1
            continue
        a, c = _ratio(4 * m, s, 10, x)
        if a >= c:
            x += 1
            continue
        break
    for n in range(1, 10):
        k = x - n + 1  # the decimal is d * 10**k, d of n digits
        a, c = _ratio(4 * m, s, 1, k)
        d, r = divmod(a, c)
        if 2 * r > c or 2 * r == c and d % 2:  # to nearest, ties to even as "%g"
            d += 1
        a, c = _ratio(lo, s, d, k)
        a2, _ = _ratio(hi, s, d, k)
        if a < c < a2 or (m % 2 == 0 and (a == c or a2 == c)):
            break
    xx = x
    if d == 10**n:  # rounded up to the next power of ten
        d //= 10
        xx += 1
    digits = ("%d" % d).rstrip("0") or "0"
    sign = "-" if b >> 31 else ""
    if -4 <= xx < (n if n > 6 else 6):
        if xx >= len(digits) - 1:
            return sign + digits + "0" * (xx + 1 - len(digits))
        if xx >= 0:
            return sign + digits[: xx + 1] + "." + digits[xx + 1 :]
        return sign + "0." + "0" * (-xx - 1) + digits
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return "%s%se%s%02d" % (sign, mant, "-" if xx < 0 else "+", abs(xx))
