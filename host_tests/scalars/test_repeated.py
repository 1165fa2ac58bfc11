# Repeated scalar fields: packed and expanded encodings, both accepted.
from pbtestutil import h, hx
from scalars_pb import Scalars, Color


def test_packed_varints_exact_bytes():
    m = Scalars(r_i32=[1, -1, 300])
    assert m.encode() == h("aa 01 0d 01 ff ff ff ff ff ff ff ff ff 01 ac 02"), hx(m.encode())
    assert Scalars.decode(m.encode()).r_i32 == [1, -1, 300]


def test_packed_zigzag_and_bool():
    m = Scalars(r_s32=[0, -1, 1, -2147483648], r_b=[True, False, True])
    back = Scalars.decode(m.encode())
    assert back.r_s32 == [0, -1, 1, -2147483648]
    assert back.r_b == [True, False, True]
    assert Scalars(r_b=[True, False]).encode() == h("8a 02 02 01 00")
    assert Scalars(r_s32=[-1, 1]).encode() == h("ca 01 02 01 02")


def test_packed_fixed_width():
    m = Scalars(r_f32=[1, 4294967295], r_sf64=[-1])
    assert m.encode() == h("da 01 08 01 00 00 00 ff ff ff ff f2 01 08 ff ff ff ff ff ff ff ff"), hx(m.encode())
    assert Scalars.decode(m.encode()) == m


def test_every_packed_type_round_trips():
    m = Scalars(
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
        r_color=[Color.RED, 7, -1],
    )
    data = m.encode()
    assert len(data) == m.encoded_size()
    assert Scalars.decode(data) == m


def test_repeated_strings_bytes_and_messages():
    m = Scalars(r_s=["a", "", "\u00e9"], r_by=[b"", b"\x00"], r_child=[Scalars(i32=1), Scalars()])
    assert m.encode() == h("92 02 01 61 92 02 00 92 02 02 c3 a9 9a 02 00 9a 02 01 00 aa 02 02 08 01 aa 02 00"), hx(m.encode())
    assert Scalars.decode(m.encode()) == m


def test_expanded_fields_are_written_one_tag_per_element():
    assert Scalars(x_i32=[1, 2]).encode() == h("c8 02 01 c8 02 02")
    assert Scalars(x_b=[True, False]).encode() == h("e8 02 01 e8 02 00")
    assert Scalars(x_f32=[1, 2]).encode() == h("dd 02 01 00 00 00 dd 02 02 00 00 00")
    assert Scalars(x_s64=[-1]).encode() == h("d0 02 01")
    assert Scalars(x_db=[1.5]).encode() == h("e1 02 00 00 00 00 00 00 f8 3f")


def test_packed_field_accepts_the_expanded_encoding():
    # r_i32 is packed; field 21 as separate varints
    assert Scalars.decode(h("a8 01 01 a8 01 02")).r_i32 == [1, 2]
    # r_f32 is packed; field 27 as separate fixed32s
    assert Scalars.decode(h("dd 01 03 00 00 00")).r_f32 == [3]


def test_expanded_field_accepts_the_packed_encoding():
    assert Scalars.decode(h("ca 02 02 01 02")).x_i32 == [1, 2]
    assert Scalars.decode(h("da 02 08 01 00 00 00 02 00 00 00")).x_f32 == [1, 2]
    assert Scalars.decode(h("ea 02 02 01 00")).x_b == [True, False]


def test_packed_and_expanded_runs_concatenate():
    m = Scalars.decode(h("aa 01 02 01 02 a8 01 03 aa 01 01 04"))
    assert m.r_i32 == [1, 2, 3, 4]


def test_empty_packed_run_adds_nothing():
    m = Scalars.decode(h("aa 01 00"))
    assert m.r_i32 == []
    assert m.encode() == b""


def test_empty_repeated_fields_are_not_written():
    assert Scalars(r_i32=[], x_i32=[], r_s=[], r_child=[], m_str={}).encode() == b""
