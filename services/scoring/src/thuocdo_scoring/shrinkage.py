"""Empirical-Bayes beta-binomial shrinkage for ranking units by % satisfied.

Each unit i has s_i satisfied answers out of n_i. We assume p_i ~ Beta(alpha, beta)
and fit alpha and beta by maximum likelihood of the beta-binomial: each unit weighs
by what its answers can tell. The method of moments on the shares s_i/n_i (used
before) weighed a commune with 3 answers like one with 100: 0 of 3 beside four
communes at 60-85 of 100 made the prior weak (strength 2.2) and the small commune
ranked last at 24.8 %; the likelihood gives strength 17.8 and 60.5 %. A unit's shrunk
estimate is the posterior mean (s + alpha) / (n + alpha + beta): a commune with 3
answers is pulled strongly towards the mean, one with 300 barely moves.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln

MIN_UNITS = 3
MIN_STRENGTH = 1.0
MAX_STRENGTH = 1000.0
FALLBACK_STRENGTH = 2.0
MIN_MEAN, MAX_MEAN = 0.001, 0.999


@dataclass(frozen=True)
class BetaPrior:
    """Beta(alpha, beta) prior; ``alpha + beta`` is its weight in pseudo-answers."""

    alpha: float
    beta: float

    def posterior_mean(self, successes: int, n: int) -> float:
        """Shrunk proportion 0..1 for ``successes`` out of ``n``."""
        return (successes + self.alpha) / (n + self.alpha + self.beta)


def log_likelihood(s: np.ndarray, n: np.ndarray, mean: float, strength: float) -> float:
    """Beta-binomial log-likelihood of successes ``s`` out of ``n`` (arrays, one entry
    per unit), without the binomial coefficients (they do not depend on the prior)."""
    a, b = mean * strength, (1.0 - mean) * strength
    return float(np.sum(betaln(s + a, n - s + b) - betaln(a, b)))


def fit_prior(counts: Sequence[tuple[int, int]]) -> BetaPrior:
    """Fit a Beta prior to ``(successes, n)`` pairs by maximum likelihood.

    Units with ``n == 0`` are ignored. Fallbacks (so ranking never crashes or lets a
    tiny unit dominate): no data at all -> Beta(1, 1); fewer than 3 units, or one
    answer each -> a weak prior of strength 2 at their pooled share. The strength
    alpha + beta is kept within [1, 1000] (units no more spread than sampling noise
    make it 1000) and the mean within [0.001, 0.999], so both parameters stay positive.
    """
    return _fit(tuple(sorted((s, n) for s, n in counts if n > 0)))


@functools.lru_cache(maxsize=256)
def _fit(data: tuple[tuple[int, int], ...]) -> BetaPrior:
    """:func:`fit_prior` of the units with answers, sorted: the same counts (a page
    refreshed, the CSV of the ranking shown) are fitted once."""
    if not data:
        return BetaPrior(1.0, 1.0)
    pooled = sum(s for s, _ in data) / sum(n for _, n in data)
    pooled = min(max(pooled, MIN_MEAN), MAX_MEAN)
    # With one answer per unit the spread between units cannot be told from chance:
    # any strength is as likely (the optimiser would return where it started).
    if len(data) < MIN_UNITS or all(n == 1 for _, n in data):
        return BetaPrior(alpha=pooled * FALLBACK_STRENGTH, beta=(1 - pooled) * FALLBACK_STRENGTH)

    # Made once: the optimiser evaluates the likelihood a hundred times or so.
    s = np.asarray([c[0] for c in data], dtype=float)
    n = np.asarray([c[1] for c in data], dtype=float)

    def negative(x: np.ndarray) -> float:
        mean = 1.0 / (1.0 + math.exp(-float(x[0])))
        return -log_likelihood(s, n, mean, math.exp(float(x[1])))

    logit = math.log(pooled / (1 - pooled))
    bounds = [
        (math.log(MIN_MEAN / (1 - MIN_MEAN)), math.log(MAX_MEAN / (1 - MAX_MEAN))),
        (math.log(MIN_STRENGTH), math.log(MAX_STRENGTH)),
    ]
    # A few starts across the strengths: the likelihood can be flat in strength.
    fits = [
        minimize(negative, np.array([logit, math.log(start)]), method="L-BFGS-B", bounds=bounds)
        for start in (2.0, 30.0, 500.0)
    ]
    best = min(fits, key=lambda f: float(f.fun))
    mean = 1.0 / (1.0 + math.exp(-float(best.x[0])))
    strength = min(max(math.exp(float(best.x[1])), MIN_STRENGTH), MAX_STRENGTH)
    return BetaPrior(alpha=mean * strength, beta=(1 - mean) * strength)
