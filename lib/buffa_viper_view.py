# Native (viper) loops for buffa.view (Message.view(), docs/views.md), for
# MicroPython ports with the native emitter: the scan view() runs over
# messages whose sub-messages have none of their own, the search for a
# field's last occurrence, and map lookups by str key. buffa.view imports
# this module inside a try and runs its Python loops where it is missing,
# on CPython, on ports without viper and where a .mpy was built for another
# architecture; each of these returns -2 for what it leaves to them
# (anything unusual, and every malformed input: the Python scan then says
# what is wrong). host_tests/views/test_view_records.py checks both against
# decode() on damaged input.
#
# A module of its own beside buffa_viper: machine code loaded from a .mpy
# sits in RAM, and only programs that use views should pay for this.
import micropython

# len as a module global: viper code finds a builtin only after a miss in
# the module's dict and a scan of the builtins table (50 k fewer
# instructions per W2 partial op, docs/design.md section 12)
_len = len


# view_last and view_entry repeat their tag and length loops rather than
# share helpers: a call from one viper function to another goes through
# the runtime's generic call path, and the shared version made W2 partial
# (bench/views_bench.py) a third slower.


@micropython.viper
def view_last(b, p: int, e: int, tag: int, nb: int) -> int:
    # buffa.view's _last for framing that view() has checked (reads stay
    # within b[p:e] even if the buffer changed since): the payload
    # position of the last field with this tag in b[p:e], -1 if none; -2
    # for what it leaves to the Python loop (groups, tags past 32 bits).
    # With nb > 0 (a varint field), the value of that varint instead of
    # its position, where it has at most nb bytes (else -2): a machine
    # word, so buffa.view asks for at most 4 bytes on a 32-bit port.
    if e > int(_len(b)):
        return -2  # the buffer shrank since view()
    s = ptr8(b)
    r = -1
    while p < e:
        t = int(s[p])
        p += 1
        if t > 0x7F:
            t = t & 0x7F
            sh = 7
            while True:
                if p >= e:
                    return -2
                c = int(s[p])
                p += 1
                if sh == 28 and c > 0x07:
                    return -2
                t = t | ((c & 0x7F) << sh)
                if c < 0x80:
                    break
                sh += 7
        if t == tag:
            r = p
        w = t & 7
        if w == 0:
            while p < e and int(s[p]) > 0x7F:
                p += 1
            p += 1
        elif w == 2:
            n = 0
            sh = 0
            while True:
                if p >= e:
                    return -2
                c = int(s[p])
                p += 1
                n = n | ((c & 0x7F) << sh)
                if c < 0x80:
                    break
                sh += 7
            p += n
        elif w == 1:
            p += 8
        elif w == 5:
            p += 4
        else:
            return -2
    if nb == 0 or r < 0:
        return r
    v = 0
    sh = 0
    while r < e:
        c = int(s[r])
        r += 1
        v = v | ((c & 0x7F) << sh)
        if c < 0x80:
            return v
        sh += 7
        if sh == 7 * nb:
            return -2
    return -2


@micropython.viper
def view_entry(b, p: int, e: int, tags: int, key) -> int:
    # buffa.view's map lookup for framing that view() has checked: among
    # the entries of the map field (tag tags >> 8) in b[p:e], the last whose
    # key (field 1, length-delimited) has key's bytes; returns where its
    # value field's payload starts (value tag: tags & 255), -1 for no such
    # entry, -3 for an entry without a value, -2 for what it leaves to the
    # Python loop (groups, tags past 32 bits, entry fields past 15).
    if e > int(_len(b)):
        return -2
    s = ptr8(b)
    k = ptr8(key)
    kn = int(_len(key))
    tag = tags >> 8
    vtag = tags & 0xFF
    found = -1
    while p < e:
        t = int(s[p])
        p += 1
        if t > 0x7F:
            t = t & 0x7F
            sh = 7
            while True:
                if p >= e:
                    return -2
                c = int(s[p])
                p += 1
                if sh == 28 and c > 0x07:
                    return -2
                t = t | ((c & 0x7F) << sh)
                if c < 0x80:
                    break
                sh += 7
        w = t & 7
        if w == 0:
            while p < e and int(s[p]) > 0x7F:
                p += 1
            p += 1
            continue
        if w == 1:
            p += 8
            continue
        if w == 5:
            p += 4
            continue
        if w != 2:
            return -2
        n = 0
        sh = 0
        while True:
            if p >= e:
                return -2
            c = int(s[p])
            p += 1
            n = n | ((c & 0x7F) << sh)
            if c < 0x80:
                break
            sh += 7
        q = p + n
        if q > e:
            return -2
        if t != tag:
            p = q
            continue
        same = kn == 0  # an entry without a key has the default key ""
        vp = -3
        while p < q:
            t = int(s[p])
            p += 1
            if t > 0x7F:
                return -2
            w = t & 7
            if t == vtag:
                vp = p
            if w == 0:
                while p < e and int(s[p]) > 0x7F:
                    p += 1
                p += 1
            elif w == 1:
                p += 8
            elif w == 5:
                p += 4
            elif w == 2:
                n = 0
                sh = 0
                while True:
                    if p >= e:
                        return -2
                    c = int(s[p])
                    p += 1
                    n = n | ((c & 0x7F) << sh)
                    if c < 0x80:
                        break
                    sh += 7
                if p + n > q:
                    return -2
                if t == 10:
                    same = n == kn
                    i = 0
                    while same and i < n:
                        if s[p + i] != k[i]:
                            same = False
                        i += 1
                p += n
            else:
                return -2
        if same:
            found = vp
        p = q
    return found


@micropython.viper
def view_scan(b, p: int, e: int, prog, k: int, dp: int) -> int:
    # buffa.view's scan of the message in b[p:e] (node k of prog, the
    # program buffa.view._tree builds: which fields hold sub-messages, map
    # entries or packed runs, at every depth): -1 when its framing is good
    # at every depth, -2 otherwise or for anything unusual (the Python scan
    # then runs and says what is wrong). dp: the levels of nesting allowed
    # below this one.
    if dp < 0:
        return -2
    s = ptr8(b)
    g = ptr8(prog)
    o = int(g[2 * k]) | (int(g[2 * k + 1]) << 8)
    nf = int(g[o])
    o += 1
    while p < e:
        t = int(s[p])
        p += 1
        if t > 0x7F:
            if p >= e:
                return -2
            c = int(s[p])
            p += 1
            if c > 0x7F:
                return -2
            t = (t & 0x7F) | (c << 7)
        if t < 8:
            return -2
        w = t & 7
        if w == 0:
            i = 0
            while True:
                if p >= e or i == 10:
                    return -2
                c = int(s[p])
                p += 1
                i += 1
                if c < 0x80:
                    if i == 10 and c > 1:
                        return -2
                    break
        elif w == 2:
            n = 0
            sh = 0
            while True:
                if p >= e or sh == 28:
                    return -2
                c = int(s[p])
                p += 1
                n = n | ((c & 0x7F) << sh)
                if c < 0x80:
                    break
                sh += 7
            q = p + n
            if q > e:
                return -2
            i = o
            z = o + 3 * nf
            while i < z:
                if (int(g[i]) | (int(g[i + 1]) << 8)) == t:
                    x = int(g[i + 2])
                    if x < 0xF0:
                        j = int(g[2 * x]) | (int(g[2 * x + 1]) << 8)
                        r = p
                        if int(g[j]) == 0 and dp > 0:
                            # a node without sub-messages (a map entry, a
                            # small message) with one-byte tags and
                            # lengths: its framing, here rather than
                            # through a call (most calls were these); the
                            # call below takes anything else
                            while r < q:
                                t = int(s[r])
                                r += 1
                                if t > 0x7F or t < 8:
                                    break
                                w = t & 7
                                if w == 0:
                                    j = 0
                                    while r < q and j < 10:
                                        c = int(s[r])
                                        r += 1
                                        j += 1
                                        if c < 0x80:
                                            if j == 10 and c > 1:
                                                j = 11
                                            break
                                    if j == 0 or j > 10 or c > 0x7F:
                                        r = q + 1
                                        break
                                elif w == 2:
                                    if r >= q or int(s[r]) > 0x7F:
                                        r = q + 1
                                        break
                                    r += 1 + int(s[r])
                                elif w == 1:
                                    r += 8
                                elif w == 5:
                                    r += 4
                                else:
                                    r = q + 1
                                    break
                        if r != q and int(view_scan(b, p, q, prog, x, dp - 1)) != -1:
                            return -2
                    elif x == 0xF1:
                        # a packed run of varints, each of at most 10 bytes
                        j = 0
                        while p < q:
                            c = int(s[p])
                            p += 1
                            j += 1
                            if c < 0x80:
                                if j == 10 and c > 1:
                                    return -2
                                j = 0
                            elif j == 10:
                                return -2
                        if j:
                            return -2
                    elif (q - p) & (0x3 if x == 0xF2 else 0x7):
                        return -2
                    break
                i += 3
            p = q
        elif w == 1:
            p += 8
        elif w == 5:
            p += 4
        else:
            return -2
    if p != e:
        return -2
    return -1
