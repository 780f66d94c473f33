"""Rounding a half up, from the number as written, as a spreadsheet's ROUND() does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from thuocdo_shared.numbers import half_up, ratio_half_up, round_half_up


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (3.125, 2, 3.13),  # 1 of 32 answers: round() gave 3.12 (half to even)
        (0.625, 2, 0.63),  # 1 of 160
        (2.675, 2, 2.68),  # binary 2.67499999...: round() gave 2.67
        (72.35, 1, 72.4),  # binary 72.34999...: format gave 72.3
        (6.25, 1, 6.3),
        (66.66666666666667, 2, 66.67),  # 2 of 3
        (33.333333333333336, 2, 33.33),
        (100.0, 2, 100.0),
        (0.0, 2, 0.0),
        (1e-7, 2, 0.0),
        (-2.5, 0, -3.0),  # a half away from zero
    ],
)
def test_a_half_goes_up(x: float, digits: int, expected: float) -> None:
    assert round_half_up(x, digits) == expected


def test_the_decimal_keeps_its_digits_for_formatting() -> None:
    assert half_up(13350.25, 1) == Decimal("13350.3")
    assert f"{half_up(82.0, 1):,.1f}" == "82.0"


def test_a_ratio_is_rounded_from_its_integers() -> None:
    assert 100.0 * (23 / 160) == 14.374999999999998  # why a fraction first goes wrong
    assert ratio_half_up(2300, 160, 2) == 14.38
    assert ratio_half_up(200, 3, 2) == 66.67
    assert ratio_half_up(41, 40, 4) == 1.025
    assert ratio_half_up(1, 8000, 2) == 0.0
