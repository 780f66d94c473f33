"""Alert rules with hand-checked numbers."""

from __future__ import annotations

import math

import pytest
from thuocdo_dashboard.alerts import (
    Estimate,
    alerts,
    significant_drop,
    two_proportion_z,
    two_sided_p,
)

pytestmark = pytest.mark.unit


def test_two_proportion_z_by_hand() -> None:
    # 40/100 against 60/100: pooled p = 0.5, se = sqrt(0.25 * 0.02) = 0.070711,
    # z = -0.2 / 0.070711 = -2.8284.
    z = two_proportion_z(40, 100, 60, 100)
    assert z is not None and z == pytest.approx(-2.828427, abs=1e-6)
    assert two_sided_p(z) == pytest.approx(0.004678, abs=1e-6)


def test_z_undefined_for_empty_or_constant_samples() -> None:
    assert two_proportion_z(0, 0, 5, 10) is None
    assert two_proportion_z(10, 10, 20, 20) is None


def test_drop_must_be_significant_and_downwards() -> None:
    now, before = Estimate("a", "A", 100, 40), Estimate("a", "A", 100, 60)
    dropped, z, p = significant_drop(now, before)
    assert dropped and z is not None and z < 0 and p is not None and p < 0.05
    # The same gap the other way is a rise, not a drop.
    assert not significant_drop(before, now)[0]
    # 4/10 against 6/10: z = -0.894, p = 0.371: not significant.
    small_now, small_before = Estimate("a", "A", 10, 4), Estimate("a", "A", 10, 6)
    dropped, z, p = significant_drop(small_now, small_before)
    assert not dropped
    assert z == pytest.approx(-0.894427, abs=1e-6)
    assert p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(0.894427 / math.sqrt(2)))), abs=1e-5)


def test_alerts_below_threshold_and_drop_sorted_lowest_first() -> None:
    current = [
        Estimate("k1", "Xã Một", 100, 90),  # 90 %: fine
        Estimate("k2", "Xã Hai", 100, 65),  # 65 % < 70: below
        Estimate("k3", "Xã Ba", 100, 75),  # 75 %, was 90 %: drop
        Estimate("k4", "Xã Bốn", 0, 0),  # nothing to say
        # Small samples, with their Wilson 95% upper bounds (z = 1.96), by hand:
        # 1 of 10: centre (0.1 + 1.9208/10) / 1.38416 = 0.21102, half-width
        # 1.96 * sqrt(0.009 + 0.009604) / 1.38416 = 0.19314 -> 40.4 % < 70: below.
        Estimate("k5", "Xã Năm", 10, 1, small_sample=True, ci_high=40.4),
        # 5 of 10: 50 % but the interval reaches 76.3 %: not clearly below, no alert.
        Estimate("k6", "Xã Sáu", 10, 5, small_sample=True, ci_high=76.3),
        # 0 of 1: 0 %, the interval reaches 79.3 %.
        Estimate("k7", "Xã Bảy", 1, 0, small_sample=True, ci_high=79.3),
    ]
    previous = {"k3": Estimate("k3", "Xã Ba", 100, 90), "k1": Estimate("k1", "Xã Một", 100, 92)}
    found = alerts(current, previous, threshold=70.0)
    assert [(a.key, a.kind) for a in found] == [("k5", "below"), ("k2", "below"), ("k3", "drop")]
    assert found[0].small_sample
    assert found[2].previous_index == pytest.approx(90.0)
    assert found[2].p_value is not None and found[2].p_value < 0.05


def test_threshold_is_strict() -> None:
    assert alerts([Estimate("k", "X", 10, 7)], {}, threshold=70.0) == []


def test_a_small_sample_without_its_interval_falls_back_on_the_index() -> None:
    found = alerts([Estimate("k", "X", 10, 5, small_sample=True)], {}, threshold=70.0)
    assert [(a.key, a.kind) for a in found] == [("k", "below")]
