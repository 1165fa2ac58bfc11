# MicroPython's UTF-8 decoder accepts overlong forms, surrogates and code
# points past U+10FFFF. buffa rejects them with a second check over text its
# decoder accepted: a native loop (lib/buffa_viper.py) where the port has
# viper, else a search for the suspect lead bytes (buffa._wirecold). Both
# must agree with a byte-by-byte RFC 3629 reference, wherever the suspect
# sequence sits in the text.
from buffa import _wirecold


def _ref_valid(s):
    # RFC 3629, byte by byte (the table of its section 4)
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            k, lo, hi = 1, 0x80, 0xBF
        elif 0xE0 <= c <= 0xEF:
            k = 2
            lo, hi = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F)}.get(c, (0x80, 0xBF))
        elif 0xF0 <= c <= 0xF4:
            k = 3
            lo, hi = {0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}.get(c, (0x80, 0xBF))
        else:
            return False
        if i + k >= n:
            return False
        if not lo <= s[i + 1] <= hi:
            return False
        for j in range(i + 2, i + k + 1):
            if not 0x80 <= s[j] <= 0xBF:
                return False
        i += k + 1
    return True


def _decoder_accepts(s):
    try:
        str(s, "utf-8")
        return True
    except UnicodeError:
        return False


# Two-byte prefixes covering every lead byte class and both sides of each
# second-byte boundary, completed with continuation bytes.
def _cases():
    seqs = []
    for lead in (0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7):
        for second in (0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF):
            k = 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
            seqs.append(bytes([lead, second]) + b"\x80" * (k - 1))
    out = []
    for seq in seqs:
        for pre, post in ((b"", b""), (b"ab", b""), (b"", b"yz"), (b"a\xc3\xa9b", b"\xf0\x9f\x98\x80z")):
            out.append(pre + seq + post)
    return out


def _checkers():
    fns = [("find", _wirecold.utf8_by_find)]
    try:
        import buffa_viper

        fns.append(("viper", buffa_viper.utf8_ok))
    except Exception:
        pass  # CPython, or a port without viper: only the search runs
    return fns


def test_strict_utf8_checks_agree_with_rfc3629_on_text_the_decoder_accepted():
    n = 0
    for s in _cases():
        if not _decoder_accepts(s):
            continue  # the decoder's own check rejects it first
        want = _ref_valid(s)
        for name, fn in _checkers():
            assert fn(s, 0, len(s)) == want, (name, s)
            # at an offset inside a larger buffer, and through a memoryview
            big = b"\x00\xc3\xa9" + s + b"\xed\xa0\x80"
            assert fn(big, 3, 3 + len(s)) == want, (name, "offset", s)
            assert fn(memoryview(big), 3, 3 + len(s)) == want, (name, "memoryview", s)
        n += 1
    assert n > 100, n


def test_the_decoder_path_uses_the_native_check_where_there_is_one():
    names = [name for name, _ in _checkers()]
    if "viper" in names:
        import buffa_viper

        assert _wirecold._valid_utf8 is buffa_viper.utf8_ok
    else:
        assert _wirecold._valid_utf8 is _wirecold.utf8_by_find
