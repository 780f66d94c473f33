"""Wilson 95% interval against numbers worked by hand."""

from __future__ import annotations

import pytest
from thuocdo_scoring.wilson import wilson_interval

pytestmark = pytest.mark.unit


def test_seven_of_ten() -> None:
    # p = 0.7, n = 10, z = 1.959964, z^2 = 3.841459, z^2/n = 0.3841459
    # denominator = 1 + 0.3841459 = 1.3841459
    # centre = (0.7 + 3.841459/20) / 1.3841459 = 0.8920730 / 1.3841459 = 0.644491
    # half   = 1.959964 * sqrt(0.7*0.3/10 + 3.841459/400) / 1.3841459
    #        = 1.959964 * sqrt(0.021 + 0.0096036) / 1.3841459
    #        = 1.959964 * 0.1749389 / 1.3841459 = 0.247713
    # -> [0.396778, 0.892204]
    low, high = wilson_interval(7, 10) or (None, None)
    assert low == pytest.approx(0.396778, abs=1e-5)
    assert high == pytest.approx(0.892204, abs=1e-5)


def test_zero_of_five() -> None:
    # p = 0: centre = (z^2/10) / (1 + z^2/5) = 0.3841459 / 1.7682918 = 0.217241
    # half = z * sqrt(z^2/100) / 1.7682918 = z^2/10 / 1.7682918 = the same 0.217241
    # -> [0, 0.434482]: the interval starts at exactly 0, never below.
    low, high = wilson_interval(0, 5) or (None, None)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.434482, abs=1e-5)


def test_thirty_of_thirty() -> None:
    # p = 1: by symmetry with 0/30, the upper end is 1 and the lower end is
    # 1 - 2 * (z^2/60) / (1 + z^2/30) = 1 - 2 * 0.0640243 / 1.1280486 = 0.886486
    low, high = wilson_interval(30, 30) or (None, None)
    assert low == pytest.approx(0.886486, abs=1e-5)
    assert high == pytest.approx(1.0, abs=1e-12)


def test_no_answers_has_no_interval() -> None:
    assert wilson_interval(0, 0) is None


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        wilson_interval(6, 5)
