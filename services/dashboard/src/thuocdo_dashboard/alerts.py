"""Alert rules for the overview. Pure functions with hand-checkable numbers.

A unit raises an alert when its index is below the threshold (percent 0–100), or
when it dropped significantly against the previous period. A small sample is below
only when even the upper bound of its 95% interval is: a single unsatisfied citizen
is not a commune falling short (0 satisfied of 1: the interval reaches 79.3%). A drop
is a two-sided two-proportion z-test on "satisfied" (answers 4 or 5) at the 5% level,
counted only when the current share is lower. Units are matched by unit key; a
commune formed in the 2025 reform has no previous version to compare with, so it
gets no drop alert in its first period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A satisfaction share: ``satisfied`` of ``n`` answers (index = 100·satisfied/n)."""

    key: str
    name: str
    n: int
    satisfied: int
    small_sample: bool = False
    ci_high: float | None = None  # upper bound of the 95% interval, percent

    @property
    def index(self) -> float | None:
        return None if self.n == 0 else 100.0 * self.satisfied / self.n


@dataclass(frozen=True)
class Alert:
    key: str
    name: str
    kind: str  # "below" | "drop"
    index: float | None
    previous_index: float | None
    z: float | None
    p_value: float | None
    small_sample: bool


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """z statistic of p1 − p2 with the pooled standard error; None when undefined
    (an empty sample, or every answer the same in both)."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    return (x1 / n1 - x2 / n2) / se


def two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def significant_drop(
    current: Estimate, previous: Estimate, alpha: float = 0.05
) -> tuple[bool, float | None, float | None]:
    """(dropped?, z, p): True when current < previous and p < ``alpha``."""
    z = two_proportion_z(current.satisfied, current.n, previous.satisfied, previous.n)
    if z is None:
        return False, None, None
    p = two_sided_p(z)
    return (z < 0 and p < alpha), z, p


def alerts(
    current: Iterable[Estimate],
    previous: Mapping[str, Estimate],
    threshold: float = 70.0,
    alpha: float = 0.05,
) -> list[Alert]:
    """Alerts for ``current`` units: below ``threshold`` (percent; for a small
    sample, its interval's upper bound too) and/or a significant drop against
    ``previous`` (by unit key). Sorted by index, lowest first; units with no answers
    raise nothing."""
    out: list[Alert] = []
    for est in current:
        index = est.index
        if index is None:
            continue
        prev = previous.get(est.key)
        prev_index = prev.index if prev is not None else None
        # (a small sample without its interval falls back on the index alone)
        clearly = not est.small_sample or est.ci_high is None or est.ci_high < threshold
        if index < threshold and clearly:
            out.append(
                Alert(est.key, est.name, "below", index, prev_index, None, None, est.small_sample)
            )
        if prev is not None and prev.n > 0:
            dropped, z, p = significant_drop(est, prev, alpha)
            if dropped:
                out.append(
                    Alert(est.key, est.name, "drop", index, prev_index, z, p, est.small_sample)
                )
    out.sort(key=lambda a: (a.index if a.index is not None else 101.0, a.kind))
    return out
