"""Empirical-Bayes beta-binomial shrinkage for ranking units by % satisfied.

Each unit i has s_i satisfied answers out of n_i. We assume p_i ~ Beta(alpha, beta)
and fit alpha, beta by the method of moments on the observed proportions s_i/n_i:
with mean m and (population) variance v of the proportions, the part of v that is
not explained by binomial sampling noise is v_b = v - mean_i(m(1-m)/n_i), and
alpha + beta = m(1-m)/v_b - 1, alpha = m(alpha + beta). Without the noise
correction a unit with 2 answers of 2 inflates v, weakens the prior and tops the
ranking - the very thing shrinkage is for. A unit's shrunk estimate is the
posterior mean (s + alpha) / (n + alpha + beta): a commune with 3 answers is pulled
strongly towards the mean, one with 300 barely moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_UNITS = 3
MIN_STRENGTH = 1.0
MAX_STRENGTH = 1000.0
FALLBACK_STRENGTH = 2.0


@dataclass(frozen=True)
class BetaPrior:
    """Beta(alpha, beta) prior; ``alpha + beta`` is its weight in pseudo-answers."""

    alpha: float
    beta: float

    def posterior_mean(self, successes: int, n: int) -> float:
        """Shrunk proportion 0..1 for ``successes`` out of ``n``."""
        return (successes + self.alpha) / (n + self.alpha + self.beta)


def fit_prior(counts: Sequence[tuple[int, int]]) -> BetaPrior:
    """Fit a Beta prior to ``(successes, n)`` pairs by the method of moments.

    Units with ``n == 0`` are ignored. Fallbacks (so ranking never crashes or lets a
    tiny unit dominate): no data at all -> Beta(1, 1); fewer than 3 units, or a
    variance too large for a beta (v >= m(1-m)) -> a weak prior of strength 2 at the
    mean; no variance beyond sampling noise (v_b <= 0, e.g. identical units) -> the
    strongest allowed prior (1000).
    The strength alpha + beta is kept within [1, 1000] and the mean within
    [0.001, 0.999] so both parameters stay positive.
    """
    props = [s / n for s, n in counts if n > 0]
    if not props:
        return BetaPrior(1.0, 1.0)
    m = sum(props) / len(props)
    m = min(max(m, 0.001), 0.999)
    v = sum((p - m) ** 2 for p in props) / len(props)
    noise = sum(m * (1 - m) / n for _, n in counts if n > 0) / len(props)
    between = v - noise
    if len(props) < MIN_UNITS or v >= m * (1 - m):
        strength = FALLBACK_STRENGTH
    elif between <= 0:
        strength = MAX_STRENGTH
    else:
        strength = min(max(m * (1 - m) / between - 1, MIN_STRENGTH), MAX_STRENGTH)
    return BetaPrior(alpha=m * strength, beta=(1 - m) * strength)
