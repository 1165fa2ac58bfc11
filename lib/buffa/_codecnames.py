# CPython only (buffa.message.register loads it there): name each message's
# codec functions after the message. Generated modules define every
# message's decode, size, write and factory functions under four shared
# names (_buffa_d, _buffa_z, _buffa_w, _buffa_n), which saves MicroPython
# an interned string per function and message (docs/design.md section 1);
# here a traceback or a profile then shows Reading._buffa_d instead of a
# bare _buffa_d. MicroPython keeps the shared names: its tracebacks give
# the line, and each decode case names its field in a comment.


def name_codecs(classes):
    for c in classes:
        for k in "ndzw":
            name = "_buffa_" + k
            f = c.__dict__.get(name)
            code = getattr(f, "__code__", None)
            if code is None or code.co_name != name:
                continue  # not a generated function, or named already
            full = c.__qualname__ + "." + name
            if hasattr(code, "co_qualname"):  # 3.11+
                code = code.replace(co_name=full, co_qualname=full)
            else:
                code = code.replace(co_name=full)
            f.__code__ = code
            f.__name__ = f.__qualname__ = full
