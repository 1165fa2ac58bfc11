"""protoc plugin entry point: CodeGeneratorRequest on stdin, response on stdout.

The request is decoded with buffa's own generated bindings for
descriptor.proto and plugin.proto (buffa_gen.pb.compiler.plugin_pb). Setting
BUFFA_BOOTSTRAP=1 decodes it with Google's protobuf package instead; that is
only how those bindings were first produced.
"""

import os
import sys

from . import features as F
from .generate import Generator
from .names import file_for

FEATURE_PROTO3_OPTIONAL = 1
FEATURE_SUPPORTS_EDITIONS = 2


def _bindings():
    if os.environ.get("BUFFA_BOOTSTRAP"):
        from google.protobuf.compiler import plugin_pb2

        return plugin_pb2.CodeGeneratorRequest.FromString, plugin_pb2.CodeGeneratorResponse
    from buffa import DecodeOptions, wire
    from buffa_gen.pb.compiler import plugin_pb

    # protoc's request is trusted and large (every descriptor of every file):
    # no budget beyond the largest a decode can have
    trusted = DecodeOptions(max_elements=wire.NO_BUDGET, max_unknown_fields=wire.NO_BUDGET)

    def decode(data):
        return plugin_pb.CodeGeneratorRequest.decode(data, trusted)

    return decode, plugin_pb.CodeGeneratorResponse


def _package_inits(paths):
    """__init__.py files for every package the generated modules sit in."""
    out = set()
    for p in paths:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]) + "/__init__.py")
    return sorted(out)


def run(data):
    decode, Response = _bindings()
    req = decode(data)
    # Prefer source_file_descriptors (options as written) for the files we
    # generate; proto_file covers their dependencies.
    files = list(req.proto_file)
    by_name = {f.name: f for f in files}
    for f in req.source_file_descriptors:
        by_name[f.name] = f
    files = [by_name[f.name] for f in files]
    opts = [o.strip() for o in (req.parameter or "").split(",") if o.strip()]
    # The features go into every response, errors included: without them
    # protoc reports "does not support proto3 optional" instead of our error.
    resp = Response()
    resp.supported_features = FEATURE_PROTO3_OPTIONAL | FEATURE_SUPPORTS_EDITIONS
    resp.minimum_edition = F.EDITION_PROTO2
    resp.maximum_edition = F.EDITION_2024
    bad = [o for o in opts if o not in ("native", "pyi", "split")]
    if bad:
        resp.error = "protoc-gen-buffa: unknown option %s (known: native, pyi, split)" % ", ".join(bad)
        return resp.encode() if hasattr(resp, "encode") else resp.SerializeToString()
    gen = Generator(files, native="native" in opts, split="split" in opts)
    outputs = []
    try:
        for name in req.file_to_generate:
            if "pyi" in opts:
                # Option "pyi": x_pb.pyi beside x_pb.py (type stubs)
                py, pyi = gen.generate_with_stub(by_name[name])
                outputs.append((file_for(name), py))
                outputs.append((file_for(name)[:-3] + ".pyi", pyi))
            else:
                outputs.append((file_for(name), gen.generate(by_name[name])))
            if gen.split:
                # Option "split": x_pb_codec.py beside x_pb.py (its codec functions)
                codec = gen.generate_codec(by_name[name])
                if codec is not None:
                    outputs.append((file_for(name)[:-3] + "_codec.py", codec))
    except Exception as e:  # report as a protoc error, not a crash
        import traceback

        resp.error = "protoc-gen-buffa: %s\n%s" % (e, traceback.format_exc())
        return resp.encode() if hasattr(resp, "encode") else resp.SerializeToString()
    names = set(n for n, _ in outputs)
    for init in _package_inits(names):
        if init not in names and not init.startswith(("buffa/", "buffa_gen/")):
            outputs.append((init, ""))
    for n, content in outputs:
        f = resp.file.add() if hasattr(resp.file, "add") else None
        if f is None:
            from buffa_gen.pb.compiler import plugin_pb

            f = plugin_pb.CodeGeneratorResponse.File()
            resp.file.append(f)
        f.name = n
        f.content = content
    return resp.encode() if hasattr(resp, "encode") else resp.SerializeToString()


def main():
    sys.stdout.buffer.write(run(sys.stdin.buffer.read()))
    return 0
