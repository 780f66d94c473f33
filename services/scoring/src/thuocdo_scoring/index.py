"""The satisfaction index: estimates with Wilson intervals, means, and SIPAS.

All percentages are 0..100 rounded to 2 decimals; scores are 1..5. An index is the
share of answers 4 (Hài lòng) or 5 (Rất hài lòng).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from thuocdo_shared.numbers import ratio_half_up, round_half_up
from thuocdo_shared.reference import Sipas

from .aggregate import ZERO, Levels
from .wilson import wilson_interval, wilson_share

SMALL_SAMPLE = 30


def _pct(x: float | None) -> float | None:
    return None if x is None else round_half_up(100.0 * x, 2)


@dataclass(frozen=True)
class Estimate:
    """``satisfied`` of ``n`` answers; ``index``, ``ci_low``, ``ci_high`` in % (0..100,
    None when n == 0); ``small_sample`` when n is below the threshold."""

    n: int
    satisfied: int
    index: float | None
    ci_low: float | None
    ci_high: float | None
    small_sample: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "satisfied": self.satisfied,
            "index": self.index,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "small_sample": self.small_sample,
        }


def estimate(satisfied: int, n: int, small_sample: int = SMALL_SAMPLE) -> Estimate:
    """Estimate for ``satisfied`` out of ``n`` with a Wilson 95% interval."""
    ci = wilson_interval(satisfied, n)
    return Estimate(
        n=n,
        satisfied=satisfied,
        index=ratio_half_up(100 * satisfied, n, 2) if n else None,
        ci_low=_pct(ci[0]) if ci else None,
        ci_high=_pct(ci[1]) if ci else None,
        small_sample=n < small_sample,
    )


def satisfied_of(levels: Levels) -> int:
    """Answers 4 or 5."""
    return levels[3] + levels[4]


def levels_estimate(levels: Levels, small_sample: int = SMALL_SAMPLE) -> Estimate:
    return estimate(satisfied_of(levels), sum(levels), small_sample)


def _total(levels: Levels) -> int:
    """The sum of the scores given."""
    return sum(score * count for score, count in zip(range(1, 6), levels, strict=True))


def mean_score(levels: Levels) -> float | None:
    """Mean score 1..5 (4 decimals), None without answers."""
    n = sum(levels)
    return ratio_half_up(_total(levels), n, 4) if n else None


def mean_100(levels: Levels) -> float | None:
    """The mean score on a 0..100 scale: (mean - 1) / 4 * 100 = 25 (total - n) / n, 2
    decimals, from the exact mean (not from the 4-decimal one: six 1s and a 4 give
    10.71, not 10.72)."""
    n = sum(levels)
    return ratio_half_up(25 * (_total(levels) - n), n, 2) if n else None


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    """Unrounded: a figure made of other figures rounds once, at the end."""
    weight = sum(w for _, w in pairs)
    if not pairs or weight <= 0:
        return None
    return sum(v * w for v, w in pairs) / weight


def _round(x: float | None) -> float | None:
    return None if x is None else round_half_up(x, 2)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    name: str
    estimate: Estimate


@dataclass(frozen=True)
class DimensionResult:
    """A dimension's index and its Wilson interval (on its effective n, see
    :func:`sipas_index`); ``overall_weight`` is its share of the overall index's
    weight (0..1, 0 when it is not counted)."""

    code: str
    name: str
    index: float | None
    n: int
    criteria: tuple[CriterionResult, ...]
    ci_low: float | None = None
    ci_high: float | None = None
    small_sample: bool = False
    overall_weight: float = 0.0


@dataclass(frozen=True)
class SipasResult:
    """``overall`` = mean of the dimension indices (0..100) weighted by their weights,
    each damped by its sample (see :func:`sipas_index`), with its Wilson interval
    ``ci_low``..``ci_high``. ``damped`` = the answered dimensions with a small sample,
    so counted at less than their weight."""

    n: int
    overall: float | None
    dimensions: tuple[DimensionResult, ...]
    small_sample: bool = False  # fewer responses than the threshold, or only small dimensions
    damped: tuple[str, ...] = ()
    ci_low: float | None = None
    ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "overall": self.overall,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "small_sample": self.small_sample,
            "damped": list(self.damped),
            "dimensions": [
                {
                    "code": d.code,
                    "name": d.name,
                    "index": d.index,
                    "n": d.n,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                    "small_sample": d.small_sample,
                    "overall_weight": d.overall_weight,
                    "criteria": [
                        {"code": c.code, "name": c.name, **c.estimate.to_dict()} for c in d.criteria
                    ],
                }
                for d in self.dimensions
            ],
        }


def damped_weight(weight: float, n: int, small_sample: int = SMALL_SAMPLE) -> float:
    """``weight`` in full from ``small_sample`` answers up, in proportion below: one
    answer weighs 1/30 of thirty. A hard cut-off would move a mean by a whole part's
    weight at the thirtieth answer; this moves it a thirtieth at each."""
    if small_sample <= 1:
        return weight
    return weight * min(1.0, n / small_sample)


def _effective_n(parts: list[tuple[int, float]]) -> int:
    """The n a weighted mean of shares rests on: (sum w)^2 / sum(w^2 / n) for shares
    from different people, at most the largest n (the criteria of a dimension are
    answered by the same people, so their mean is no surer than its best part)."""
    parts = [(n, w) for n, w in parts if n > 0 and w > 0]
    if not parts:
        return 0
    total = sum(w for _, w in parts)
    spread = sum(w * w / n for n, w in parts)
    return min(max(n for n, _ in parts), round(total * total / spread))


def sipas_index(
    criteria: Mapping[str, Levels],
    sipas: Sipas,
    n_responses: int,
    weights: Mapping[str, float] | None = None,
    small_sample: int = SMALL_SAMPLE,
    lang: str = "vi",
) -> SipasResult | None:
    """SIPAS indices from answers per level for each criterion.

    Criterion index = % of its answers 4 or 5; dimension index = mean of the indices
    of its answered criteria, overall = mean of the answered dimensions' indices, each
    mean weighted by the questionnaire's weights (or ``weights``: a criterion or
    dimension code -> weight; 0 leaves it out) damped by sample size
    (:func:`damped_weight`; a dimension's n is that of its best-answered criterion).
    From ``small_sample`` answers up that is the documented plain weighted mean; one
    answer to a dimension nobody else answered no longer moves the overall index by
    a fifth. A dimension's interval is Wilson's on its effective n
    (:func:`_effective_n`), and so is the overall index's, over the counted
    dimensions and at most ``n_responses`` (the same people answer them all).
    Returns None when no criterion was answered.
    ``n_responses`` = responses that answered any criterion.
    """
    weights = weights or {}
    if not any(sum(lv) for lv in criteria.values()):
        return None
    parts: list[tuple[DimensionResult, float | None, float]] = []
    for dim in sipas.dimensions:
        crits: list[CriterionResult] = []
        pairs: list[tuple[float, float]] = []
        sizes: list[tuple[int, float]] = []
        for crit in dim.criteria:
            est = levels_estimate(criteria.get(crit.code, ZERO), small_sample)
            crits.append(CriterionResult(crit.code, crit.label.get(lang), est))
            weight = weights.get(crit.code, crit.weight)
            if est.index is not None and weight > 0:
                damped = damped_weight(weight, est.n, small_sample)
                pairs.append((100.0 * est.satisfied / est.n, damped))
                sizes.append((est.n, damped))
        exact = _weighted_mean(pairs)
        dim_n = max((n for n, _ in sizes), default=0)
        ci = (
            wilson_share(min(max(exact / 100.0, 0.0), 1.0), _effective_n(sizes))
            if exact is not None
            else None
        )
        result = DimensionResult(
            dim.code,
            dim.label.get(lang),
            _round(exact),
            dim_n,
            tuple(crits),
            ci_low=_pct(ci[0]) if ci else None,
            ci_high=_pct(ci[1]) if ci else None,
            small_sample=dim_n < small_sample,
        )
        weight = weights.get(dim.code, dim.weight)
        parts.append((result, exact, damped_weight(weight, dim_n, small_sample)))
    counted = [(d, x, w) for d, x, w in parts if x is not None and w > 0]
    total = sum(w for _, _, w in counted)
    shares = {d.code: round(w / total, 4) for d, _, w in counted} if total > 0 else {}
    overall = _weighted_mean([(x, w) for _, x, w in counted if x is not None])
    overall_n = min(n_responses, _effective_n([(d.n, w) for d, _, w in counted]))
    overall_ci = (
        wilson_share(min(max(overall / 100.0, 0.0), 1.0), overall_n)
        if overall is not None and overall_n > 0
        else None
    )
    return SipasResult(
        n=n_responses,
        overall=_round(overall),
        ci_low=_pct(overall_ci[0]) if overall_ci else None,
        ci_high=_pct(overall_ci[1]) if overall_ci else None,
        dimensions=tuple(replace(d, overall_weight=shares.get(d.code, 0.0)) for d, _, _ in parts),
        small_sample=n_responses < small_sample or all(d.small_sample for d, _, _ in counted),
        damped=tuple(d.code for d, _, _ in counted if d.small_sample),
    )


def parse_weights(text: str, sipas: Sipas | None = None) -> dict[str, float]:
    """``"access=2,tc1=0.5"`` -> {"access": 2.0, "tc1": 0.5}; raises ValueError for a
    part that is not code=number, a weight that is negative, nan or inf, and, given
    the questionnaire, for a code it does not have (a typo would be ignored) or for
    weights that leave every dimension out."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, sep, value = part.partition("=")
        code = code.strip()
        if not sep or not code:
            raise ValueError(f"weight {part!r} is not code=number")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"weight for {code} is not a number: {value.strip()!r}") from None
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight for {code} must be a number >= 0, got {value.strip()}")
        out[code] = weight
    if sipas is not None:
        known = {d.code for d in sipas.dimensions} | set(sipas.criteria)
        unknown = sorted(set(out) - known)
        if unknown:
            raise ValueError(
                f"no dimension or criterion {', '.join(unknown)}"
                f" (dimensions: {', '.join(d.code for d in sipas.dimensions)}; criteria: "
                + ", ".join(
                    f"{d.criteria[0].code}..{d.criteria[-1].code}" for d in sipas.dimensions
                )
                + ")"
            )
        if not any(
            out.get(d.code, d.weight) > 0 and any(out.get(c.code, c.weight) > 0 for c in d.criteria)
            for d in sipas.dimensions
        ):
            raise ValueError(
                "no dimension is left with a weight above 0 and a criterion weighing above 0:"
                " no overall index could be made"
            )
    return out
