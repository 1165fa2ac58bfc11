# The generated enum classes: name(number), value(name), values().
from mptest import raises
from enums_open_pb import Open
from enums_closed_pb import Closed
from enums_editions_pb import EClosed


def test_name_of_a_number():
    assert Closed.name(1) == "C_ONE"
    assert Closed.name(-3) == "C_NEG"
    assert EClosed.name(0) == "EC_ZERO"


def test_name_of_an_aliased_number_is_the_first_name():
    assert Open.name(1) == "O_ONE"


def test_name_of_an_unknown_number_raises_value_error():
    raises(ValueError, Closed.name, 99)
    raises(ValueError, Open.name, 5)


def test_value_of_a_name():
    assert Closed.value("C_TWO") == 2
    assert Open.value("O_NEG") == -1
    assert Open.value("O_BIG") == 2147483647


def test_value_of_an_alias():
    assert Open.value("O_UNO") == 1


def test_value_of_an_unknown_name_raises_value_error():
    raises(ValueError, Closed.value, "NOPE")
    raises(ValueError, Closed.value, "c_one")
    raises(ValueError, Closed.value, "name")


def test_values_maps_numbers_to_names():
    v = Closed.values()
    assert v[1] == "C_ONE" and v[2] == "C_TWO" and v[-3] == "C_NEG"
    assert len(v) == 3
