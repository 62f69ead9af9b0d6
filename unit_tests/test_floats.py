from rules.floats import compare, is_zero, round_qty


def test_round_half_up_to_the_rounding():
    assert round_qty(2.675, 0.01) == 2.68
    assert round_qty(2.5, 1) == 3.0
    assert round_qty(0.1 + 0.2, 0.01) == 0.3
    assert round_qty(0.1 + 0.2, 0) == 0.1 + 0.2, "no rounding: unchanged"


def test_is_zero_and_compare_at_the_rounding_as_odoo_does():
    assert is_zero(0.004, 0.01)
    assert not is_zero(0.005, 0.01), "half up: 0.005 rounds to 0.01"
    assert compare(0.1 + 0.2, 0.3, 0.01) == 0
    assert compare(1.0, 0.99, 0.01) == 1
    assert compare(0.99, 1.0, 0.01) == -1
    assert compare(1e-12, 0.0, 0.0) == 1, "without a rounding values compare exactly"
