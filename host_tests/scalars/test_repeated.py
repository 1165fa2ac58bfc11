# Repeated scalar fields: packed and expanded encodings, both accepted.
from pbtestutil import h, hx, is_negzero
from repeated_pb import Repeated
from expanded_pb import Expanded


def test_packed_varints_exact_bytes():
    m = Repeated(r_i32=[1, -1, 300])
    assert m.encode() == h("aa 01 0d 01 ff ff ff ff ff ff ff ff ff 01 ac 02"), hx(m.encode())
    assert Repeated.decode(m.encode()).r_i32 == [1, -1, 300]


def test_packed_zigzag_and_bool():
    m = Repeated(r_s32=[0, -1, 1, -2147483648], r_b=[True, False, True])
    back = Repeated.decode(m.encode())
    assert back.r_s32 == [0, -1, 1, -2147483648]
    assert back.r_b == [True, False, True]
    assert Repeated(r_b=[True, False]).encode() == h("8a 02 02 01 00")
    assert Repeated(r_s32=[-1, 1]).encode() == h("ca 01 02 01 02")


def test_packed_fixed_width():
    m = Repeated(r_f32=[1, 4294967295], r_sf64=[-1])
    assert m.encode() == h("da 01 08 01 00 00 00 ff ff ff ff f2 01 08 ff ff ff ff ff ff ff ff"), hx(m.encode())
    assert Repeated.decode(m.encode()) == m


def test_every_packed_type_round_trips():
    m = Repeated(
        r_i32=[0, -5, 2147483647],
        r_i64=[-9223372036854775808, 9223372036854775807],
        r_u32=[0, 4294967295],
        r_u64=[18446744073709551615, 1],
        r_s32=[-3, 3],
        r_s64=[-9223372036854775808, 5],
        r_f32=[7],
        r_f64=[18446744073709551615],
        r_sf32=[-2147483648],
        r_sf64=[9223372036854775807],
        r_fl=[0.5, -1.25],
        r_db=[1e10],
        r_b=[False],
        r_enum=[1, 7, -1],
    )
    data = m.encode()
    assert len(data) == m.encoded_size()
    assert Repeated.decode(data) == m


def test_repeated_strings_bytes_and_messages():
    m = Repeated(r_s=["a", "", "\u00e9"], r_by=[b"", b"\x00"], r_child=[Repeated(r_i32=[1]), Repeated()])
    assert m.encode() == h("92 02 01 61 92 02 00 92 02 02 c3 a9 9a 02 00 9a 02 01 00 aa 02 04 aa 01 01 01 aa 02 00"), hx(m.encode())
    assert Repeated.decode(m.encode()) == m


def test_expanded_fields_are_written_one_tag_per_element():
    assert Expanded(x_i32=[1, 2]).encode() == h("c8 02 01 c8 02 02")
    assert Expanded(x_b=[True, False]).encode() == h("e8 02 01 e8 02 00")
    assert Expanded(x_f32=[1, 2]).encode() == h("dd 02 01 00 00 00 dd 02 02 00 00 00")
    assert Expanded(x_s64=[-1]).encode() == h("d0 02 01")
    assert Expanded(x_db=[1.5]).encode() == h("e1 02 00 00 00 00 00 00 f8 3f")


def test_packed_field_accepts_the_expanded_encoding():
    # r_i32 is packed; field 21 as separate varints
    assert Repeated.decode(h("a8 01 01 a8 01 02")).r_i32 == [1, 2]
    # r_f32 is packed; field 27 as separate fixed32s
    assert Repeated.decode(h("dd 01 03 00 00 00")).r_f32 == [3]


def test_expanded_field_accepts_the_packed_encoding():
    assert Expanded.decode(h("ca 02 02 01 02")).x_i32 == [1, 2]
    assert Expanded.decode(h("da 02 08 01 00 00 00 02 00 00 00")).x_f32 == [1, 2]
    assert Expanded.decode(h("ea 02 02 01 00")).x_b == [True, False]


def test_packed_and_expanded_runs_concatenate():
    m = Repeated.decode(h("aa 01 02 01 02 a8 01 03 aa 01 01 04"))
    assert m.r_i32 == [1, 2, 3, 4]


def test_empty_packed_run_adds_nothing():
    m = Repeated.decode(h("aa 01 00"))
    assert m.r_i32 == []
    assert m.encode() == b""


def test_empty_repeated_fields_are_not_written():
    assert Repeated(r_i32=[], r_s=[], r_child=[]).encode() == b""
    assert Expanded(x_i32=[], x_b=[]).encode() == b""


def test_packed_floats_keep_special_values():
    inf = float("inf")
    m = Repeated(r_fl=[1.5, -0.0, inf], r_db=[-inf, 2.5])
    back = Repeated.decode(m.encode())
    assert back.r_fl[0] == 1.5 and is_negzero(back.r_fl[1]) and back.r_fl[2] == inf
    assert back.r_db == [-inf, 2.5]
    assert m.encode()[:3] == h("fa 01 0c")  # field 31, packed, 12 bytes
