# Leading underscores: private, name-mangled (__x), dunder (__init__) and
# buffa's reserved prefix (_buffa).
from pbtestutil import h
from names_underscores_pb import Underscores


def test_double_underscore_fields_are_not_mangled():
    m = Underscores()
    setattr(m, "__x", 5)
    getattr(m, "__rep").append(3)
    back = Underscores.decode(m.encode())
    assert getattr(back, "__x") == 5
    assert getattr(back, "__rep") == [3]
    assert Underscores(**{"__x": 1}).encode() == h("08 01")


def test_double_underscore_defaults():
    m = Underscores()
    assert getattr(m, "__x") == 0
    assert getattr(m, "__rep") == []


def test_reserved_prefix_gets_a_trailing_underscore():
    m = Underscores(_buffa_x_=2, _buffa_=3)
    assert m.encode() == h("10 02 18 03")
    back = Underscores.decode(m.encode())
    assert back._buffa_x_ == 2 and back._buffa_ == 3
    # the runtime's own attributes are untouched
    assert back.unknown_fields() == b""


def test_private_field():
    assert Underscores.decode(Underscores(_private=4).encode())._private == 4


def test_dunder_fields_do_not_replace_python_methods():
    m = Underscores(**{"__init___": 1, "__eq___": 2, "__class___": 3, "__dict___": 4})
    assert type(m) is Underscores
    back = Underscores.decode(m.encode())
    assert back == m
    assert getattr(back, "__eq___") == 2 and getattr(back, "__class___") == 3
    assert Underscores() == Underscores()


def test_double_underscore_oneof():
    m = Underscores(**{"__a": 1})
    assert m.which_oneof("__choice") == "__a"
    m = Underscores.decode(m.encode())
    assert getattr(m, "__a") == 1
    setattr(m, "__b", "x")
    assert getattr(m, "__a") is None and m.which_oneof("__choice") == "__b"
