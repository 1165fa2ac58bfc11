# Field names that are Python keywords, builtins, locals of the generated
# code or buffa API methods.
from mptest import raises
from pbtestutil import h
from names_keywords_pb import Keywords
from names_builtins_pb import Builtins, Api

KEYWORDS = ("class", "def", "None", "True", "False", "lambda", "from", "async", "await", "print",
            "nonlocal", "yield", "pass", "is", "not", "return", "global", "with", "except", "raise")


def test_keywords_get_a_trailing_underscore():
    m = Keywords()
    for i, k in enumerate(KEYWORDS):
        setattr(m, k + "_", i + 1)
    back = Keywords.decode(m.encode())
    for i, k in enumerate(KEYWORDS):
        assert getattr(back, k + "_") == i + 1, k
    assert Keywords(class_=5).encode() == h("08 05")


def test_keyword_fields_by_constructor():
    m = Keywords(def_=1, None_=2, True_=3)
    assert m.def_ == 1 and m.None_ == 2 and m.True_ == 3


def test_builtin_names_are_plain_attributes():
    m = Builtins(len=1, str="s", int=3, bytes=b"b", type=5, object=6, property=17, setattr=18, next=19, struct=20)
    back = Builtins.decode(m.encode())
    assert back == m
    assert back.len == 1 and back.str == "s" and back.bytes == b"b" and back.setattr == 18


def test_names_of_generated_locals_are_safe():
    m = Builtins(kw=8, cls=9, m=10, b=11, p=12, e=13, dp=14, buf=15, it=16)
    back = Builtins.decode(m.encode())
    assert back == m and back.m == 10 and back.buf == 15 and back.kw == 8


def test_field_named_self_can_be_set_by_keyword():
    m = Builtins(self=7)
    assert m.self == 7
    assert Builtins.decode(m.encode()).self == 7


def test_api_method_names_get_a_trailing_underscore():
    m = Api(encode_=1, decode_=2, merge_=3, clear_=4, get_=5, has_field_=6, which_oneof_=7,
            encoded_size_=8, encode_into_=9, unknown_fields_=10, clear_field_=11, get_extension_=12)
    data = m.encode()
    assert data[:4] == h("08 01 10 02")
    back = Api.decode(data)
    assert back == m and back.encode_ == 1 and back.get_ == 5
    # and the methods still work
    assert back.get("encode") == 1
    assert back.unknown_fields() == b""


def test_reflection_accepts_proto_and_python_names():
    m = Keywords(class_=3)
    assert m.get("class") == 3
    assert m.get("class_") == 3
    m.clear_field("class")
    assert m.class_ == 0


def test_unknown_constructor_argument_raises():
    raises(TypeError, Keywords, klass=1)


def test_unknown_field_names_its_renamed_twin():
    # docs/design.md section 5: a field named after the API gets a "_"
    e = raises(TypeError, Api, encode=1)
    assert "has no field 'encode' (did you mean 'encode_'?)" in str(e), str(e)
    e = raises(TypeError, Api, mutable=1)
    assert "(did you mean 'mutable_'?)" in str(e), str(e)
    e = raises(ValueError, Api().clear_field, "encode_x")
    assert "did you mean" not in str(e)
    e = raises(TypeError, Api, nothing=1)
    assert "did you mean" not in str(e)
    assert Api(encode_=1, mutable_=2).encode() == Api.decode(Api(encode_=1, mutable_=2).encode()).encode()
