"""The satisfaction index: estimates with Wilson intervals, means, and SIPAS.

All percentages are 0..100 rounded to 2 decimals; scores are 1..5. An index is the
share of answers 4 (Hài lòng) or 5 (Rất hài lòng).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from thuocdo_shared.reference import Sipas

from .aggregate import ZERO, Levels
from .wilson import wilson_interval

SMALL_SAMPLE = 30


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100.0 * x, 2)


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
        index=_pct(satisfied / n) if n else None,
        ci_low=_pct(ci[0]) if ci else None,
        ci_high=_pct(ci[1]) if ci else None,
        small_sample=n < small_sample,
    )


def satisfied_of(levels: Levels) -> int:
    """Answers 4 or 5."""
    return levels[3] + levels[4]


def levels_estimate(levels: Levels, small_sample: int = SMALL_SAMPLE) -> Estimate:
    return estimate(satisfied_of(levels), sum(levels), small_sample)


def mean_score(levels: Levels) -> float | None:
    """Mean score 1..5 (4 decimals), None without answers."""
    n = sum(levels)
    if not n:
        return None
    return round(
        sum(score * count for score, count in zip(range(1, 6), levels, strict=True)) / n, 4
    )


def mean_100(mean: float | None) -> float | None:
    """A 1..5 mean on a 0..100 scale: (mean - 1) / 4 * 100, 2 decimals."""
    return None if mean is None else round((mean - 1.0) / 4.0 * 100.0, 2)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    weight = sum(w for _, w in pairs)
    if not pairs or weight <= 0:
        return None
    return round(sum(v * w for v, w in pairs) / weight, 2)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    name: str
    estimate: Estimate


@dataclass(frozen=True)
class DimensionResult:
    code: str
    name: str
    index: float | None
    n: int
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True)
class SipasResult:
    """``overall`` = weighted mean of dimension indices (0..100) over the dimensions
    with at least one answered criterion."""

    n: int
    overall: float | None
    dimensions: tuple[DimensionResult, ...]
    small_sample: bool = False  # fewer responses than the small-sample threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "overall": self.overall,
            "small_sample": self.small_sample,
            "dimensions": [
                {
                    "code": d.code,
                    "name": d.name,
                    "index": d.index,
                    "n": d.n,
                    "criteria": [
                        {"code": c.code, "name": c.name, **c.estimate.to_dict()} for c in d.criteria
                    ],
                }
                for d in self.dimensions
            ],
        }


def sipas_index(
    criteria: Mapping[str, Levels],
    sipas: Sipas,
    n_responses: int,
    weights: Mapping[str, float] | None = None,
    small_sample: int = SMALL_SAMPLE,
    lang: str = "vi",
) -> SipasResult | None:
    """SIPAS indices from answers per level for each criterion.

    Criterion index = % of its answers 4 or 5; dimension index = weighted mean of the
    indices of its answered criteria; overall = weighted mean of the answered
    dimensions. ``weights`` maps a criterion or dimension code to a weight that
    replaces the questionnaire's (a weight of 0 leaves it out). Returns None when no
    criterion was answered. ``n_responses`` = responses that answered any criterion.
    """
    weights = weights or {}
    if not any(sum(lv) for lv in criteria.values()):
        return None
    dims: list[DimensionResult] = []
    overall_pairs: list[tuple[float, float]] = []
    for dim in sipas.dimensions:
        crits: list[CriterionResult] = []
        pairs: list[tuple[float, float]] = []
        for crit in dim.criteria:
            est = levels_estimate(criteria.get(crit.code, ZERO), small_sample)
            crits.append(CriterionResult(crit.code, crit.label.get(lang), est))
            if est.index is not None:
                pairs.append((100.0 * est.satisfied / est.n, weights.get(crit.code, crit.weight)))
        dim_index = _weighted_mean(pairs)
        dim_n = max((c.estimate.n for c in crits), default=0)
        dims.append(DimensionResult(dim.code, dim.label.get(lang), dim_index, dim_n, tuple(crits)))
        if dim_index is not None:
            overall_pairs.append((dim_index, weights.get(dim.code, dim.weight)))
    return SipasResult(
        n=n_responses,
        overall=_weighted_mean(overall_pairs),
        dimensions=tuple(dims),
        small_sample=n_responses < small_sample,
    )


def parse_weights(text: str) -> dict[str, float]:
    """``"access=2,tc1=0.5"`` -> {"access": 2.0, "tc1": 0.5}; raises ValueError."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"weight {part!r} is not code=number")
        weight = float(value)
        if weight < 0:
            raise ValueError(f"weight for {code} must be >= 0")
        out[code.strip()] = weight
    return out
