# Nested and recursive types, cross-file and cross-package references, and
# types or enum values named like keywords or API methods.
from mptest import raises
from pbtestutil import h
from names_nested_pb import Outer, Reserved, lambda_
from names_dep.dep_pb import Dep, Shade


def test_nested_types():
    m = Outer(inner=Outer.Inner(level=Outer.Inner.Level.HIGH), level=Outer.Inner.Level.HIGH)
    assert Outer.decode(m.encode()) == m
    assert Outer.Inner.Level.name(1) == "HIGH"


def test_recursive_messages():
    m = Outer(self_ref=Outer(self_ref=Outer(level=1)), inner=Outer.Inner(back=Outer(inners=[Outer.Inner(level=1)])))
    back = Outer.decode(m.encode())
    assert back == m
    assert back.self_ref.self_ref.level == 1
    assert back.inner.back.inners[0].level == 1


def test_map_of_nested_messages():
    m = Outer(by_name={"a": Outer.Inner(level=1), "b": Outer.Inner()})
    assert Outer.decode(m.encode()).by_name == m.by_name


def test_types_from_an_imported_file_in_another_package():
    m = Outer(dep=Dep(label="x", shade=Shade.DARK, nested=Dep.Nested(n=3)), dep_nested=Dep.Nested(n=4), shade=Shade.DARK)
    back = Outer.decode(m.encode())
    assert back == m
    assert type(back.dep) is Dep and type(back.dep_nested) is Dep.Nested
    assert back.dep.nested.n == 3


def test_nested_type_named_like_an_api_method_does_not_hide_it():
    data = Outer(level=1).encode()
    assert data == h("18 01")
    assert Outer.decode(data).level == 1
    assert Outer(level=1).get("level") == 1
    x = Outer.encode_(x=1)
    assert x.encode() == h("08 01")
    assert Outer.get_.GET_UNSPECIFIED == 0


def test_enum_values_named_like_keywords_and_the_enum_api():
    assert Reserved.None_ == 0
    assert Reserved.name_ == 1 and Reserved.value_ == 2 and Reserved.values_ == 3
    assert Reserved._buffa_n_ == 4 and Reserved.class_ == 5
    # the API still works, with proto names
    assert Reserved.name(1) == "name"
    assert Reserved.value("value") == 2
    assert Reserved.value("None") == 0
    assert Reserved.name(4) == "_buffa_n"
    raises(ValueError, Reserved.name, 9)


def test_message_named_like_a_keyword():
    m = lambda_(def_=2)
    assert lambda_.decode(m.encode()).def_ == 2
