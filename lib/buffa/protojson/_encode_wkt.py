# buffa.protojson: writing the well-known types' JSON forms. Loaded by
# _encode the first time it meets one; enc is its encoder (an _encode._Enc).
from buffa.protojson import WKT, Fail, at, resolve
from buffa.protojson._encode import fmt_double, scalar, quote, string

_INF = float("inf")


def _mask(paths):
    # FieldMask paths -> "fooBar,baz.qux"; a path that would not come back
    # the same (upper case, digits or "__" after "_") has no JSON form.
    out = []
    for p in paths:
        q = []
        up = False
        for c in p:
            if c == "_":
                if up:
                    break
                up = True
                continue
            if "A" <= c <= "Z":
                break
            if up:
                if not "a" <= c <= "z":
                    break
                c = c.upper()
                up = False
            q.append(c)
        else:
            if not up:
                out.append("".join(q))
                continue
        raise Fail("field mask path %r has no JSON form" % p, "unrepresentable")
    return ",".join(out)


def wkt(enc, k, M, m):
    a = enc.out.append
    if k == 8:  # wrappers: the bare value
        row = M._buffa_f[0]
        a(scalar(row[2], row[4], getattr(m, row[0])))
    elif k == 2 or k == 3:
        if k == 2:
            from buffa.wkt.timestamp import to_rfc3339 as text
        else:
            from buffa.wkt.duration import to_text as text
        try:
            a('"' + text(m) + '"')
        except ValueError as e:
            raise Fail(str(e), "unrepresentable")
    elif k == 4:
        a(quote(_mask(m.paths)))
    elif k == 5:  # Struct
        V = M._buffa_f[0][4][1][4]
        a("{")
        sep = False
        d = m.fields
        for key in d:
            if sep:
                a(",")
            sep = True
            q = string(key)
            a(q)
            a(":")
            try:
                wkt(enc, 6, V, d[key])
            except Exception as e:
                raise at(e, "[%s]" % q)
        a("}")
    elif k == 7:  # ListValue
        V = M._buffa_f[0][4]
        a("[")
        lst = m.values
        for i in range(len(lst)):
            if i:
                a(",")
            try:
                wkt(enc, 6, V, lst[i])
            except Exception as e:
                raise at(e, "[%d]" % i)
        a("]")
    elif k == 6:  # Value
        c = m._buffa_c_kind
        if c is None:
            raise Fail("google.protobuf.Value has no kind set", "unrepresentable")
        v = getattr(m, c)
        if c == "null_value":
            a("null")
        elif c == "number_value":
            if v != v or v == _INF or v == -_INF:
                raise Fail("google.protobuf.Value cannot hold %r" % v, "unrepresentable")
            a(fmt_double(v))
        elif c == "string_value":
            a(string(v))
        elif c == "bool_value":
            a("true" if v else "false")
        elif c == "struct_value":
            wkt(enc, 5, type(v), v)
        else:
            wkt(enc, 7, type(v), v)
    else:  # Any
        url = m.type_url
        if not url and not m.value:
            a("{}")
            return
        T = resolve(url)
        try:
            inner = T.decode(m.value)
        except ValueError as e:
            raise Fail("Any of %s holds invalid bytes: %s" % (T._buffa_name, e), "any")
        a('{"@type":')
        a(string(url))
        k = WKT.get(T._buffa_name)
        if k and k != 9:
            a(',"value":')
            try:
                wkt(enc, k, T, inner)
            except Exception as e:
                raise at(e, ".value")
            a("}")
        else:
            enc.message(T, inner, True)
