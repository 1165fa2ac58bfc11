# Unit tests per emitter of tools/buffa_gen: each builds a FileGen for a
# small descriptor (buffa's own descriptor bindings) and checks the code one
# emitter writes. The modules these emitters produce are tested by running
# them (every other test folder); these pin what each part contributes.
# CPython only.
MPTEST_REQUIRES = ("cpython",)

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from buffa_gen.generate import FileGen, Generator  # noqa: E402
from buffa_gen.writer import Writer  # noqa: E402
from buffa_gen import tables as T  # noqa: E402
from buffa_gen.pb import descriptor_pb as D  # noqa: E402

sys.path.pop(0)

OPT, REP = 1, 3  # labels


def _field(name, number, typ, label=OPT, type_name=None, **kw):
    f = D.FieldDescriptorProto(name=name, number=number, type=typ, label=label, json_name=name, **kw)
    if type_name:
        f.type_name = type_name
    return f


def _file(**kw):
    # package t, proto3: message M { uint32 a = 1; sint32 d = 2; repeated int32 r = 3;
    # map<string, int32> m = 4; oneof o { M sub = 5; } float fl = 6; fixed32 fx = 7 }
    entry = D.DescriptorProto(name="MEntry", field=[_field("key", 1, T.STRING), _field("value", 2, T.INT32)],
                              options=D.MessageOptions(map_entry=True))
    m = D.DescriptorProto(name="M", field=[
        _field("a", 1, T.UINT32), _field("d", 2, T.SINT32), _field("r", 3, T.INT32, REP),
        _field("m", 4, T.MESSAGE, REP, ".t.M.MEntry"), _field("sub", 5, T.MESSAGE, type_name=".t.M", oneof_index=0),
        _field("fl", 6, T.FLOAT), _field("fx", 7, T.FIXED32)],
        nested_type=[entry], oneof_decl=[D.OneofDescriptorProto(name="o")])
    e = D.EnumDescriptorProto(name="Color", value=[D.EnumValueDescriptorProto(name="RED", number=0),
                                                   D.EnumValueDescriptorProto(name="name", number=1)])
    loc = D.SourceCodeInfo.Location
    info = D.SourceCodeInfo(location=[loc(path=[4, 0], leading_comments=' A "message".\n'),
                                      loc(path=[4, 0, 2, 0], leading_comments=" The a.\n"),
                                      loc(path=[5, 0, 2, 1], trailing_comments=" renamed\n")])
    fd = D.FileDescriptorProto(name="t.proto", package="t", syntax="proto3", message_type=[m], enum_type=[e],
                               source_code_info=info, **kw)
    return fd


def _gen(**kw):
    fd = _file(**kw)
    g = FileGen(Generator([fd]), fd)
    g.local_ids = {".t.M": 0}
    return g


def _emit(fn, *args):
    w = Writer()
    fn(w, *args)
    return w.text()


def _fields(g):
    fd = g.fd
    g.emit_class(Writer(), fd.message_type[0], ".t", {"message_encoding": 1, "utf8_validation": 2,
                 "field_presence": 2, "repeated_field_encoding": 1, "enum_type": 1}, (4, 0))
    return g.msgs[0][2]


def test_enums_emitter():
    text = _emit(_gen().emit_enum, _file().enum_type[0], ".t", {}, (5, 0))
    assert "class Color(_buffa_Enum):" in text
    assert "    RED = 0\n    # renamed\n    name_ = 1\n" in text  # an API name gets a "_"
    assert "_buffa_n = {0: 'RED', 1: 'name'}" in text


def test_messages_emitter():
    g = _gen()
    fields = _fields(g)
    w = Writer()
    g.emit_class(w, g.fd.message_type[0], ".t", {"message_encoding": 1, "utf8_validation": 2,
                 "field_presence": 2, "repeated_field_encoding": 1, "enum_type": 1}, (4, 0))
    text = w.text()
    assert text.startswith('class M(_buffa_Message):\n    """A "message"."""\n')
    assert "    # The a.\n    a = 0\n" in text
    assert "        _buffa_s.r = []\n        _buffa_s.m = {}\n" in text
    assert "'MEntry'" not in text  # map entries are no classes
    row = g.row(fields[2])
    assert row.startswith("('r', 3, _buffa_INT32, _buffa_REPEATED | _buffa_PACKED, None,"), row
    assert g.row(fields[0]).startswith("('a', 1, _buffa_UINT32, 0, None,")
    named = Writer()
    g.emit_named(named)
    assert "_buffa_UINT32 = const(13)" in named.text() and "_buffa_PACKED = const(2)" in named.text()


def test_oneofs_emitter():
    g = _gen()
    sub = _fields(g)[4]
    assert sub.oneof == "o"
    text = _emit(g.oneof_child, sub, "NEW")
    assert text == ("if m._buffa_c_o == 'sub':\n    c = m._buffa_v_o\nelse:\n    c = NEW\n"
                    "    m._buffa_c_o = 'sub'\n    m._buffa_v_o = c\n")
    assert _emit(g.store, sub, "v") == "m._buffa_c_o = 'sub'\nm._buffa_v_o = v\n"


def test_maps_emitter():
    g = _gen()
    mf = _fields(g)[3]
    assert mf.map and [c[0] for c in g.map_cases(mf)] == [(4 << 3) | 2]
    text = _emit(g.write_entry, 4, *g.map_fields(mf), True)
    # a short entry: tag, length, key tag at fixed offsets
    assert text.startswith("buf[p] = 34\nbuf[p + 1] = y\nbuf[p + 2] = 10\n"), text


def test_decode_emitter():
    g = _gen()
    fields = _fields(g)
    assert [c[0] for c in g.decode_cases(fields[2])] == [(3 << 3) | 0, (3 << 3) | 2]  # one, packed
    assert g.case_label(fields[2], (3 << 3) | 2) == "r (packed)"
    text = _emit(g.read_varint, T.SINT32)
    assert "if b[p] < 128:" in text  # two-byte sint values inline
    assert "v = (v >> 1) ^ -(v & 1)" in text


def test_size_emitter():
    g = _gen()
    assert g.scalar_size_expr(T.UINT32, "v") == "(1 if v < 128 and v >= 0 else _buffa_vsize(v, 0xFFFFFFFF))"
    assert g.scalar_size_expr(T.UINT64, "v") == "(1 if v < 128 and v >= 0 else _buffa_vsize(v))"
    assert g.scalar_size_expr(T.SINT32, "x") == "_buffa_vsize((x << 1) ^ (x >> 31), 0xFFFFFFFF)"
    text = _emit(g.check_fixed, T.SFIXED32, "v")
    assert text == "if v < -2147483648 or v > 0x7FFFFFFF:\n    raise _buffa_EncodeError('value out of range')\n"
    assert _emit(g.check_fixed, T.DOUBLE, "v") == "\n"  # nothing for floats
    assert "EncodeError" in g.helpers


def test_write_emitter():
    g = _gen()
    assert g.packer(T.FLOAT) == "_buffa_pack_f32" and g.packer(T.DOUBLE) == "_buffa_pack"
    assert _emit(g.put_value, T.BOOL, "v", 0, 1, False, True, True) == "buf[p + 1] = 1\np += 2\n"
    assert _emit(g.put_tag, 300) == "buf[p] = 172\nbuf[p + 1] = 2\np += 2\n"


def test_services_emitter():
    m = D.MethodDescriptorProto(name="GetThing", input_type=".t.M", output_type=".t.M",
                                options=D.MethodOptions(idempotency_level=1))
    s = D.ServiceDescriptorProto(name="Things", method=[m])
    g = _gen(service=[s])
    g.locations[(6, 0, 2, 0)] = D.SourceCodeInfo.Location(leading_comments=" Gets it.\n")
    text = _emit(g.emit_service, s, ".t", (6, 0))
    assert "class ThingsClient:" in text
    assert ('    def get_thing(self, request, timeout_ms=None, headers=None, codec="proto", use_get=True):\n'
            '        """Gets it."""\n') in text
    assert "call('/t.Things/GetThing', _buffa_req(request, M), M, timeout_ms, headers, codec, use_get)" in text
    assert "def get_thing_with_response(" in text
    streams = [D.MethodDescriptorProto(name="Watch", input_type=".t.M", output_type=".t.M", server_streaming=True),
               D.MethodDescriptorProto(name="Send", input_type=".t.M", output_type=".t.M", client_streaming=True),
               D.MethodDescriptorProto(name="Chat", input_type=".t.M", output_type=".t.M", client_streaming=True,
                                       server_streaming=True)]
    s = D.ServiceDescriptorProto(name="Streams", method=streams)
    text = _emit(_gen(service=[s]).emit_service, s, ".t", (6, 0))
    assert "def watch(self, request," in text and ".server_stream('/t.Streams/Watch'," in text
    assert "def send(self, requests=None," in text and ".client_stream_call('/t.Streams/Send', requests," in text
    assert "# Chat: bidirectional streaming is not supported" in text and "def chat(" not in text


def test_comments_emitter():
    g = _gen()
    g.locations[(9,)] = D.SourceCodeInfo.Location(leading_comments=' has """ and \\ in it"\n second\n')
    text = _emit(g.docstring, (9,))
    assert text == '"""has \\"\\"\\" and \\\\ in it"\nsecond"""\n', text
    ns = {}
    exec(text, ns)
    assert ns["__doc__"] == 'has """ and \\ in it"\nsecond'
    assert _emit(g.comment, (4, 0, 2, 0)) == "# The a.\n"
    assert _emit(g.comment, (1, 2, 3)) == "\n"
