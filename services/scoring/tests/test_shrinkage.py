"""Empirical-Bayes beta-binomial shrinkage, worked by hand."""

from __future__ import annotations

import pytest
from thuocdo_scoring.shrinkage import fit_prior

pytestmark = pytest.mark.unit


def test_three_units_method_of_moments() -> None:
    # Units 8/10, 5/10, 2/10 -> proportions 0.8, 0.5, 0.2.
    # m = (0.8 + 0.5 + 0.2) / 3 = 0.5
    # v = ((0.3)^2 + 0 + (0.3)^2) / 3 = 0.06
    # sampling noise = mean of m(1-m)/n = 0.25/10 = 0.025 -> v_b = 0.06 - 0.025 = 0.035
    # alpha + beta = m(1-m)/v_b - 1 = 0.25/0.035 - 1 = 6.142857
    # alpha = beta = 0.5 * 6.142857 = 3.071429
    prior = fit_prior([(8, 10), (5, 10), (2, 10)])
    assert prior.alpha == pytest.approx(3.071429, abs=1e-6)
    assert prior.beta == pytest.approx(3.071429, abs=1e-6)
    # Posterior means: (8 + 3.071429) / (10 + 6.142857) = 11.071429 / 16.142857 = 0.685841
    assert prior.posterior_mean(8, 10) == pytest.approx(0.685841, abs=1e-6)
    # (2 + 3.071429) / 16.142857 = 0.314159
    assert prior.posterior_mean(2, 10) == pytest.approx(0.314159, abs=1e-6)
    # A commune with 3 of 3 satisfied: (3 + 3.071429) / (3 + 6.142857) = 0.664062,
    # below the 8/10 commune although its raw share is 100 %.
    assert prior.posterior_mean(3, 3) == pytest.approx(0.664062, abs=1e-6)


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
    # Two units: weak prior of strength 2 at their mean (0.5 + 0.7)/2 = 0.6.
    two = fit_prior([(5, 10), (7, 10)])
    assert (two.alpha, two.beta) == pytest.approx((1.2, 0.8))
    # Identical units (v = 0, below any sampling noise): strongest prior (1000) at 0.5.
    same = fit_prior([(5, 10), (10, 20), (1, 2)])
    assert same.alpha + same.beta == pytest.approx(1000.0)
    assert same.posterior_mean(2, 2) == pytest.approx(502 / 1002)
