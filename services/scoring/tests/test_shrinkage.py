"""Empirical-Bayes beta-binomial shrinkage, worked by hand."""

from __future__ import annotations

import math

import pytest
from thuocdo_scoring.shrinkage import fit_prior

pytestmark = pytest.mark.unit


def _grid_best(counts: list[tuple[int, int]], mean: float) -> float:
    """The strength maximising the beta-binomial likelihood at ``mean``, by a plain
    search over 1.000..50.000 in steps of 0.001 (math.lgamma, not the code's scipy)."""

    def lbeta(x: float, y: float) -> float:
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)

    def ll(strength: float) -> float:
        a, b = mean * strength, (1 - mean) * strength
        return sum(lbeta(s + a, n - s + b) - lbeta(a, b) for s, n in counts)

    return max((1 + i / 1000 for i in range(49_001)), key=ll)


def test_three_units_maximum_likelihood() -> None:
    # Units 8/10, 5/10, 2/10: symmetric about 0.5, so the fitted mean is 0.5 and the
    # strength is the one that makes the three shares likeliest.
    counts = [(8, 10), (5, 10), (2, 10)]
    prior = fit_prior(counts)
    strength = prior.alpha + prior.beta
    assert prior.alpha / strength == pytest.approx(0.5, abs=1e-4)
    assert strength == pytest.approx(_grid_best(counts, 0.5), abs=0.01)
    assert strength == pytest.approx(6.028, abs=0.01)
    # Posterior means: (8 + 3.014) / (10 + 6.028) = 11.014 / 16.028 = 0.6872
    assert prior.posterior_mean(8, 10) == pytest.approx(0.6872, abs=1e-3)
    # A commune with 3 of 3: (3 + 3.014) / (3 + 6.028) = 0.6662, below the 8/10 one
    # although its raw share is 100 %.
    assert prior.posterior_mean(3, 3) == pytest.approx(0.6662, abs=1e-3)


def test_a_commune_with_three_answers_is_weighed_as_three_answers() -> None:
    """Four communes at 60, 70, 80 and 85 of 100 and one at 0 of 3. The method of
    moments on the shares took 0/3 as a full data point: the prior fell to strength
    2.2 and the small commune's adjusted index to 24.8 %, far below communes it may not
    differ from. By likelihood it is pulled near the others (60.5 %)."""
    counts = [(60, 100), (70, 100), (80, 100), (85, 100), (0, 3)]
    prior = fit_prior(counts)
    strength = prior.alpha + prior.beta
    mean = prior.alpha / strength
    assert strength == pytest.approx(_grid_best(counts, mean), abs=0.01)
    assert strength > 10
    shrunk = [prior.posterior_mean(s, n) for s, n in counts]
    assert shrunk[4] == pytest.approx(0.605, abs=0.005)
    # the 100-answer communes barely move: 60/100 -> 61.6 %, 85/100 -> 82.8 %
    assert shrunk[0] == pytest.approx(0.616, abs=0.005)
    assert shrunk[3] == pytest.approx(0.828, abs=0.005)


def test_tiny_unit_does_not_top_the_ranking() -> None:
    # 20 units around 60 % with 100 answers each, one unit with 2 of 2.
    counts = [(55 + i % 10, 100) for i in range(20)] + [(2, 2)]
    prior = fit_prior(counts)
    shrunk = {i: prior.posterior_mean(s, n) for i, (s, n) in enumerate(counts)}
    best = max(shrunk, key=lambda i: shrunk[i])
    assert counts[best] != (2, 2)


def test_fallbacks() -> None:
    # No data: uniform Beta(1, 1).
    assert fit_prior([]) == fit_prior([(0, 0)])
    assert fit_prior([]).alpha == 1.0
    # Two units: weak prior of strength 2 at their pooled share (5 + 7) / 20 = 0.6.
    two = fit_prior([(5, 10), (7, 10)])
    assert (two.alpha, two.beta) == pytest.approx((1.2, 0.8))
    # Identical units (no spread beyond sampling noise): strongest prior (1000) at 0.5.
    same = fit_prior([(5, 10), (10, 20), (1, 2)])
    assert same.alpha + same.beta == pytest.approx(1000.0)
    assert same.posterior_mean(2, 2) == pytest.approx(502 / 1002, abs=1e-4)
    # One answer per unit says nothing of the spread between units: the weak prior.
    ones = fit_prior([(1, 1), (0, 1), (1, 1), (1, 1)])
    assert (ones.alpha, ones.beta) == pytest.approx((1.5, 0.5))
    # Units wider apart than any beta with a strength of 1 or more: the weakest prior.
    wide = fit_prior([(0, 10), (10, 10), (0, 10), (10, 10)])
    assert wide.alpha + wide.beta == pytest.approx(1.0)
