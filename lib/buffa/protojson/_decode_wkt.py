# buffa.protojson: reading the well-known types' JSON forms. Loaded by
# _decode the first time it meets one; d is its parser (a _decode.Dec).
from buffa.protojson import WKT, Fail, at, resolve
from buffa.protojson._decode import SKIP

_INF = float("inf")


def wkt(d, k, M, m, dp):
    if k == 8:  # wrappers: the bare value
        row = M._buffa_f[0]
        v = d.value(row[2], row[3], row[4], dp)
        if v is not SKIP:
            setattr(m, row[0], v)
    elif k == 6:
        value(d, M, m, dp)
    elif k == 5:  # Struct: a JSON object of Values
        V = M._buffa_f[0][4][1][4]
        f = m.fields
        if d.first(123, 125):
            while True:
                key = d.key()
                if key in f:
                    d.fail("key %r given twice" % key, "field")
                d.spend(1)  # the map entry, as in binary decoding
                v = V._buffa_n()
                try:
                    # dp - 2: a Struct's fields are a map, whose entry is
                    # a level in binary decoding (as in _decode's maps)
                    d.message(V, v, dp - 2)
                except Exception as e:
                    raise at(e, '["%s"]' % key)
                f[key] = v
                if not d.more(125):
                    break
    elif k == 7:  # ListValue: a JSON array of Values
        V = M._buffa_f[0][4]
        lst = m.values
        if d.first(91, 93):
            i = 0
            while True:
                v = V._buffa_n()
                try:
                    d.message(V, v, dp - 1)
                except Exception as e:
                    raise at(e, "[%d]" % i)
                lst.append(v)
                i += 1
                if not d.more(93):
                    break
    elif k == 1:
        any_(d, m, dp)
    else:
        if d.ws() != 34:
            d.fail("expected a string", "value")
        p = d.p
        s = d.string()
        try:
            if k == 2:
                from buffa.wkt.timestamp import parse_rfc3339

                m.seconds, m.nanos = parse_rfc3339(s)
            elif k == 3:
                from buffa.wkt.duration import parse_text

                m.seconds, m.nanos = parse_text(s)
            else:
                m.paths = mask_paths(s)
        except ValueError as e:
            d.p = p
            d.fail(str(e), "value")


def _member(V, attr):
    for row in V._buffa_f:
        if row[0] == attr:
            return row[4]


def value(d, V, m, dp):
    # google.protobuf.Value: any JSON value.
    c = d.ws()
    if c == 110:
        d.literal(b"null")
        m.null_value = 0
    elif c == 116:
        d.literal(b"true")
        m.bool_value = True
    elif c == 102:
        d.literal(b"false")
        m.bool_value = False
    elif c == 34:
        m.string_value = d.string()
    elif c == 123:
        S = _member(V, "struct_value")
        s = S._buffa_n()
        d.message(S, s, dp - 1)
        m.struct_value = s
    elif c == 91:
        L = _member(V, "list_value")
        x = L._buffa_n()
        d.message(L, x, dp - 1)
        m.list_value = x
    else:
        t = d.number()
        v = float(t)
        if v == _INF or v == -_INF:
            d.fail("number %s out of range" % t, "range")
        m.number_value = v


def mask_paths(s):
    # "fooBar,baz.quxQuux" -> ["foo_bar", "baz.qux_quux"]
    out = []
    if s:
        for p in s.split(","):
            q = []
            for c in p:
                if c == "_":
                    raise ValueError("invalid field mask path %r" % p)
                if "A" <= c <= "Z":
                    q.append("_")
                    c = c.lower()
                q.append(c)
            out.append("".join(q))
    return out


def any_(d, m, dp):
    # "@type" may come anywhere among the members: find it first, then
    # parse the object again as that type.
    d.ws()
    start = d.p
    if not d.first(123, 125):
        return  # {}: an empty Any
    url = None
    while True:
        key = d.key()
        if key == "@type":
            if url is not None:
                d.fail("@type given twice", "field")
            if d.ws() != 34:
                d.fail("@type must be a string", "any")
            url = d.string()
        else:
            d.skip(dp)
        if not d.more(125):
            break
    end = d.p
    if url is None:
        d.p = start
        d.fail("Any without @type", "any")
    try:
        T = resolve(url)
    except Fail as e:
        raise at(e, '["@type"]')
    inner = T._buffa_n()
    d.p = start
    k = WKT.get(T._buffa_name)
    if k:
        # a well-known type: its JSON form is under "value" (an Empty is
        # also read without it)
        seen = False
        d.first(123, 125)
        while True:
            key = d.key()
            if key == "@type":
                d.string()
            elif key == "value" and not seen:
                seen = True
                try:
                    d.message(T, inner, dp - 1)
                except Exception as e:
                    raise at(e, ".value")
            else:
                d.fail("unexpected member %r in an Any of %s" % (key, T._buffa_name), "field")
            if not d.more(125):
                break
        if not seen and k != 9:
            d.fail("Any of %s without value" % T._buffa_name, "value")
    else:
        d.message(T, inner, dp - 1, True)
    d.p = end
    m.type_url = url
    m.value = inner.encode()
